//! End to end: the portal in Debian's headless Chromium, then real
//! BitTorrent clients moving the payload it lists through its tracker.
//!
//! A `tests/browser/portal_flow.mjs` run (playwright-core driving
//! `/usr/bin/chromium`; it downloads no browser of its own): member A
//! registers, logs out and in, uploads a .torrent titled in Russian; a
//! moderator created with `swarmgate user add` approves it on
//! `/moderation`; A finds it by a Russian word in the search form and
//! downloads the .torrent; member B registers and downloads theirs.
//!
//! Then the two files must carry the members' own passkeys and the
//! original info dictionary byte for byte, and the full loop runs: a
//! libtorrent seeder with A's .torrent and an aria2 leecher with B's meet
//! only through the tracker, which is in mode `listed`, so the transfer
//! proves the moderator's approval reached it (before the approval it
//! refuses the info-hash, checked first).
//!
//! Screenshots of each step are left in `target/tmp/portal_browser/`.
//! Chromium, Node.js and the clients come from Debian packages and
//! playwright-core from `tests/browser/package-lock.json`, all of which
//! `scripts/test-all.sh` installs; without them this test fails rather than
//! skips.

mod support;

use serde_json::Value;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::browser::{require_browser, run_flow};
use support::clients::{Peer, Server, make_payload, require_clients};
use support::{announce_query, http_get, peer};
use tracker_proto::InfoHash;

const SEEDER_IP: &str = "127.0.0.2";
const LEECHER_IP: &str = "127.0.0.3";
const MODERATOR: &str = "moderator";
const MODERATOR_PASSWORD: &str = "a moderator's long passphrase";
const TITLE: &str = "Тестовый релиз";
const SEARCH_WORD: &str = "релиз";

/// A port free right now on 127.0.0.1. The portal writes the tracker's
/// announce URL into every .torrent, so it must be known before start;
/// the log then confirms the tracker got it.
fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The portal's address, from the JSON log (logged just after the
/// tracker's, which `Server::start_with` waits for).
fn portal_addr(server: &Server) -> SocketAddr {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let log = std::fs::read_to_string(&server.log).unwrap_or_default();
        let found = log
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .find(|v| v["message"] == "portal listening")
            .and_then(|v| v["addr"].as_str().and_then(|a| a.parse().ok()));
        if let Some(addr) = found {
            return addr;
        }
        assert!(Instant::now() < deadline, "no portal address in:\n{log}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn add_moderator(data_dir: &Path) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_swarmgate"))
        .args([
            "user",
            "add",
            MODERATOR,
            "--role",
            "moderator",
            "--password-stdin",
        ])
        .env("SWARMGATE_STORAGE__DATA_DIR", data_dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    writeln!(child.stdin.take().unwrap(), "{MODERATOR_PASSWORD}").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "swarmgate user add: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs the browser flow; returns its JSON report.
fn run_browser_flow(portal: SocketAddr, torrent: &str, out_dir: &Path, server_log: &Path) -> Value {
    let started = Instant::now();
    let args = [
        format!("--portal=http://{portal}"),
        format!("--torrent={torrent}"),
        format!("--out={}", out_dir.display()),
        format!("--moderator={MODERATOR}"),
        format!("--moderator-password={MODERATOR_PASSWORD}"),
        format!("--title={TITLE}"),
        format!("--search={SEARCH_WORD}"),
    ];
    let report = run_flow("portal_flow.mjs", &args, || {
        let log = std::fs::read_to_string(server_log).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(30).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        format!("last server log lines:\n{}", tail.join("\n"))
    });
    println!(
        "browser flow in {:.1?} (Chromium {}): {}",
        started.elapsed(),
        report["chromium"].as_str().unwrap_or("?"),
        report["steps"]
    );
    report
}

/// The exact bytes of a .torrent's `info` dictionary.
fn info_bytes(torrent: &[u8]) -> Vec<u8> {
    let decoded = bencode::decode(torrent).expect("a bencoded .torrent");
    let info = decoded.value.get(b"info").expect("an info dictionary");
    torrent[info.span.clone()].to_vec()
}

/// Every announce URL in a .torrent: `announce`, then each tier.
fn announce_urls(torrent: &[u8]) -> Vec<String> {
    let decoded = bencode::decode(torrent).expect("a bencoded .torrent");
    let text = |v: &bencode::Spanned<'_>| {
        String::from_utf8(v.value.as_bytes().expect("a URL").to_vec()).unwrap()
    };
    let mut urls: Vec<String> = decoded
        .value
        .get(b"announce")
        .map(text)
        .into_iter()
        .collect();
    for tier in decoded
        .value
        .get(b"announce-list")
        .and_then(|l| l.value.as_list())
        .unwrap_or_default()
    {
        urls.extend(tier.value.as_list().unwrap_or_default().iter().map(text));
    }
    urls
}

/// An HTTP announce for `info_hash`; the tracker's failure reason, if any.
fn announce_failure(tracker: SocketAddr, info_hash: &str) -> Option<String> {
    let hash = InfoHash(
        support::clients::hex_decode(info_hash)
            .unwrap()
            .try_into()
            .unwrap(),
    );
    let (status, body) = http_get(
        IpAddr::V4(Ipv4Addr::LOCALHOST),
        tracker,
        &format!(
            "/announce?{}",
            announce_query(hash, peer(9), 6881, 0, "started")
        ),
    );
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    support::bbytes(&body, "failure reason").map(|r| String::from_utf8_lossy(&r).into_owned())
}

#[test]
fn members_upload_approve_search_and_download_in_a_browser_then_clients_swap_the_payload() {
    require_browser();
    require_clients();
    let started = Instant::now();
    let work = tempfile::tempdir().unwrap();
    let data_dir = work.path().join("data");
    std::fs::create_dir(&data_dir).unwrap();
    add_moderator(&data_dir);

    let http_port = free_port();
    let http_bind = format!("127.0.0.1:{http_port}");
    let announce_url = format!("http://{http_bind}/announce");
    let server = Server::start_with(
        &data_dir,
        work.path().join("swarmgate.log"),
        &[
            ("SWARMGATE_TRACKER__HTTP_BIND", http_bind.as_str()),
            ("SWARMGATE_TRACKER__MODE", "listed"),
            ("SWARMGATE_ACCOUNTS__REGISTRATION", "open"),
            ("SWARMGATE_PORTAL__ANNOUNCE_URLS", announce_url.as_str()),
        ],
    );
    assert_eq!(
        server.http.port(),
        http_port,
        "the tracker took the chosen port"
    );
    let portal = portal_addr(&server);

    let payload_dir = work.path().join("payload");
    let payload = make_payload(&payload_dir, 8, &announce_url);
    let info_hash = payload["info_hash"].as_str().unwrap().to_owned();
    let original = std::fs::read(payload["torrent"].as_str().unwrap()).unwrap();
    // Listed mode: nobody has approved the torrent, so the tracker refuses it.
    let refused = announce_failure(server.http, &info_hash);
    assert!(
        refused
            .as_deref()
            .is_some_and(|r| r.contains("not registered")),
        "before approval the tracker must refuse the info-hash, got {refused:?}"
    );

    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("portal_browser");
    let _ = std::fs::remove_dir_all(&shots);
    std::fs::create_dir_all(&shots).unwrap();
    let report = run_browser_flow(
        portal,
        payload["torrent"].as_str().unwrap(),
        &shots,
        &server.log,
    );
    let browser_done = started.elapsed();
    for shot in report["screenshots"].as_array().unwrap() {
        println!("screenshot: {}", shot.as_str().unwrap());
    }
    assert_eq!(report["search_hits"][0], TITLE, "{report}");

    // Two members, two passkeys, one torrent.
    let passkey_a = report["a"]["passkey"].as_str().unwrap();
    let passkey_b = report["b"]["passkey"].as_str().unwrap();
    assert_ne!(passkey_a, passkey_b);
    let torrent_a_path = report["a"]["torrent"].as_str().unwrap().to_owned();
    let torrent_b_path = report["b"]["torrent"].as_str().unwrap().to_owned();
    let torrent_a = std::fs::read(&torrent_a_path).unwrap();
    let torrent_b = std::fs::read(&torrent_b_path).unwrap();
    assert_eq!(
        info_bytes(&torrent_a),
        info_bytes(&original),
        "A's info dictionary"
    );
    assert_eq!(
        info_bytes(&torrent_b),
        info_bytes(&original),
        "B's info dictionary"
    );
    let personal = |passkey: &str| format!("http://{http_bind}/announce/{passkey}");
    let urls_a = announce_urls(&torrent_a);
    let urls_b = announce_urls(&torrent_b);
    assert!(
        !urls_a.is_empty() && urls_a.iter().all(|u| *u == personal(passkey_a)),
        "A's .torrent announces with A's passkey only: {urls_a:?}"
    );
    assert!(
        !urls_b.is_empty() && urls_b.iter().all(|u| *u == personal(passkey_b)),
        "B's .torrent announces with B's passkey only: {urls_b:?}"
    );
    assert_eq!(
        announce_failure(server.http, &info_hash),
        None,
        "approved now"
    );

    // The full loop: A seeds with A's file, B downloads with B's.
    let seed_dir = payload_dir.to_str().unwrap().to_owned();
    let mut seed = Peer::spawn(
        "seeder (libtorrent, A's .torrent)",
        "lt_peer.py",
        &[
            "--torrent",
            &torrent_a_path,
            "--save-dir",
            &seed_dir,
            "--role",
            "seed",
            "--listen-ip",
            SEEDER_IP,
            "--timeout",
            "0",
            "--stop-on-stdin-eof",
        ],
    );
    let ready = seed.event("ready", Duration::from_secs(30));
    assert_eq!(ready["info_hash"], info_hash.as_str());
    seed.wait_for(
        "the seeder's started announce answered",
        Duration::from_secs(20),
        |e| e["event"] == "tracker_reply" && e["announce"] == "started",
    );

    let leech_dir = work.path().join("download");
    std::fs::create_dir(&leech_dir).unwrap();
    let leech_dir = leech_dir.to_str().unwrap().to_owned();
    let mut leech = Peer::spawn(
        "leecher (aria2, B's .torrent)",
        "aria2_peer.py",
        &[
            "--torrent",
            &torrent_b_path,
            "--save-dir",
            &leech_dir,
            "--role",
            "leech",
            "--listen-ip",
            LEECHER_IP,
            "--timeout",
            "40",
        ],
    );
    let finished = leech.event("finished", Duration::from_secs(45));
    assert_eq!(
        finished["sha256"], payload["sha256"],
        "B downloaded exactly the payload A seeds"
    );
    assert!(
        leech
            .seen
            .iter()
            .any(|e| e["event"] == "peer" && e["ip"] == SEEDER_IP),
        "the leecher met the seeder at {SEEDER_IP} through the tracker: {:?}",
        leech.seen
    );
    leech.wait_exit();
    seed.stop();
    let log = server.stop();
    for passkey in [passkey_a, passkey_b] {
        assert!(!log.contains(passkey), "a passkey in the server's log");
    }
    println!(
        "browser flow done at {browser_done:.1?}, whole test {:.1?}",
        started.elapsed()
    );
}
