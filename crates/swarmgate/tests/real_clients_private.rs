//! End to end in tracker mode `private`: real libtorrent clients, each
//! with its member's own .torrent (the member's passkey in the announce
//! URL), move a payload through the `swarmgate` binary; the database then
//! holds each member's credit. Also: a made-up passkey is refused, and a
//! `kill -9` of the server mid-transfer neither inflates nor corrupts the
//! totals.
//!
//! The seeder (member alice) announces over HTTP from 127.0.0.2, the
//! leecher (member bob) over UDP with the passkey in BEP 41 URL data from
//! 127.0.0.3.

mod support;

use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use support::clients::{Peer, Server, hex_decode, make_payload, require_clients};

const SEEDER_IP: &str = "127.0.0.2";
const LEECHER_IP: &str = "127.0.0.3";
const MIB: u64 = 1 << 20;
const ALICE: u8 = 0xa1;
const BOB: u8 = 0xb2;

/// One transfer at a time (two cores).
static SERIAL: Mutex<()> = Mutex::new(());

fn key(seed: u8) -> String {
    support::passkey_hex(seed)
}

struct Members {
    alice: i64,
    bob: i64,
}

/// Accounts for alice and bob and an approved release of `torrent`.
async fn prepare(data_dir: &Path, torrent: &[u8], info_hash: [u8; 20]) -> Members {
    let store = store::Store::open_in_dir(data_dir).await.unwrap();
    store.migrate().await.unwrap();
    let mut ids = Vec::new();
    for (name, seed) in [("alice", ALICE), ("bob", BOB)] {
        ids.push(support::add_uploader(&store, name, seed).await);
    }
    let category = store.categories().await.unwrap()[0].id;
    store
        .create_release(&store::NewRelease {
            info_hash_v1: Some(tracker_proto::InfoHash(info_hash)),
            info_hash_v2: None,
            title: "payload",
            description_md: "",
            category_id: category,
            uploader_id: ids[0],
            status: store::ReleaseStatus::Approved,
            size: 0,
            private: false,
            torrent,
            created_at: 1,
            files: &[],
            tags: &[],
        })
        .await
        .unwrap();
    store.close().await;
    Members {
        alice: ids[0],
        bob: ids[1],
    }
}

/// The member's .torrent: the uploaded one with their announce URL, as
/// the portal hands it out.
fn member_torrent(dir: &Path, original: &[u8], name: &str, url: &str) -> String {
    let meta = metainfo::Metainfo::parse(original, &metainfo::Limits::default()).unwrap();
    let path = dir.join(format!("{name}.torrent"));
    std::fs::write(&path, meta.with_announce(url, &[vec![url.to_owned()]])).unwrap();
    path.to_str().unwrap().to_owned()
}

fn totals(data_dir: &Path, user: i64) -> store::TransferTotals {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let store = store::Store::open_in_dir(data_dir).await.unwrap();
        let totals = store.transfer_totals(user).await.unwrap();
        store.close().await;
        totals
    })
}

/// A loopback port free for TCP and UDP at once (the tracker listens on
/// both), so that a restarted server can take the same one.
fn free_port() -> u16 {
    loop {
        let tcp = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = tcp.local_addr().unwrap().port();
        if std::net::UdpSocket::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

fn private_env(port: &str, flush_secs: &'static str) -> Vec<(&'static str, String)> {
    vec![
        ("SWARMGATE_TRACKER__MODE", "private".into()),
        (
            "SWARMGATE_ACCOUNTING__FLUSH_INTERVAL_SECS",
            flush_secs.into(),
        ),
        ("SWARMGATE_TRACKER__UDP_BIND", format!("127.0.0.1:{port}")),
        ("SWARMGATE_TRACKER__HTTP_BIND", format!("127.0.0.1:{port}")),
    ]
}

fn start(data_dir: &Path, log: std::path::PathBuf, env: &[(&'static str, String)]) -> Server {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    Server::start_with(data_dir, log, &env)
}

fn within(actual: u64, expected: u64, percent: u64) -> bool {
    actual.abs_diff(expected) * 100 <= expected * percent
}

/// A libtorrent client (`lt_peer.py`) named `name` on `torrent`, saving
/// to `dir`, as `role` from `ip`, giving up after `timeout` seconds (0:
/// never), with `extra` flags.
fn lt_peer(
    name: &'static str,
    torrent: &str,
    dir: &Path,
    (role, ip): (&str, &str),
    timeout: &str,
    extra: &[&str],
) -> Peer {
    let dir = dir.to_str().unwrap();
    let mut args = vec![
        "--torrent",
        torrent,
        "--save-dir",
        dir,
        "--role",
        role,
        "--listen-ip",
        ip,
        "--timeout",
        timeout,
    ];
    args.extend_from_slice(extra);
    Peer::spawn(name, "lt_peer.py", &args)
}

#[test]
fn members_are_credited_for_a_real_transfer_and_a_made_up_passkey_is_refused() {
    require_clients();
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let work = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let payload = make_payload(work.path(), 20, "http://tracker.invalid/announce");
    let original = std::fs::read(payload["torrent"].as_str().unwrap()).unwrap();
    let info_hash: [u8; 20] = hex_decode(payload["info_hash"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let members = runtime.block_on(prepare(data.path(), &original, info_hash));

    let port = free_port().to_string();
    let server = start(
        data.path(),
        work.path().join("server.log"),
        &private_env(&port, "1"),
    );
    let alice_url = format!("http://{}/announce/{}", server.http, key(ALICE));
    let bob_url = format!("udp://{}/announce/{}", server.udp, key(BOB));
    let alice_torrent = member_torrent(work.path(), &original, "alice", &alice_url);
    let bob_torrent = member_torrent(work.path(), &original, "bob", &bob_url);
    let nobody_url = format!("http://{}/announce/{}", server.http, key(0xee));
    let nobody_torrent = member_torrent(work.path(), &original, "nobody", &nobody_url);

    let mut seed = lt_peer(
        "alice",
        &alice_torrent,
        work.path(),
        ("seed", SEEDER_IP),
        "0",
        &["--stop-on-stdin-eof"],
    );
    seed.event("ready", Duration::from_secs(60));
    seed.wait_for(
        "alice's started announce answered",
        Duration::from_secs(30),
        |e| e["event"] == "tracker_reply" && e["announce"] == "started",
    );

    // A made-up passkey: refused with a reason the client shows.
    let stranger_dir = work.path().join("stranger");
    let mut stranger = lt_peer(
        "stranger",
        &nobody_torrent,
        &stranger_dir,
        ("leech", "127.0.0.4"),
        "0",
        &["--progress-every", "0.5", "--stop-on-stdin-eof"],
    );
    let refused = stranger.wait_for("the stranger's refusal", Duration::from_secs(30), |e| {
        e["last_tracker_error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("unknown or revoked passkey"))
    });
    assert_eq!(refused["progress"].as_f64(), Some(0.0), "{refused}");
    stranger.stop_quietly();

    let leech_dir = work.path().join("download");
    let mut leech = lt_peer(
        "bob",
        &bob_torrent,
        &leech_dir,
        ("leech", LEECHER_IP),
        "90",
        &[],
    );
    let finished = leech.event("finished", Duration::from_secs(120));
    assert_eq!(finished["sha256"], payload["sha256"]);
    let stopped = leech.event("stopped", Duration::from_secs(30));
    leech.wait_exit();
    seed.stop();
    let log = server.stop();

    let payload_bytes = 20 * MIB;
    let alice = totals(data.path(), members.alice);
    let bob = totals(data.path(), members.bob);
    eprintln!(
        "private transfer of {payload_bytes} B: alice uploaded {}, bob downloaded {}",
        alice.uploaded, bob.downloaded
    );
    assert!(within(alice.uploaded, payload_bytes, 5), "alice {alice:?}");
    assert!(within(bob.downloaded, payload_bytes, 5), "bob {bob:?}");
    assert_eq!(bob.snatched, 1, "bob completed the release");
    assert!(bob.downloaded <= stopped["downloaded"].as_u64().unwrap() + MIB);
    assert_eq!(alice.downloaded, 0);
    // Passkeys are secrets: never in the log.
    for secret in [key(ALICE), key(BOB), key(0xee)] {
        assert!(!log.contains(&secret), "a passkey in the log");
    }
    for ip in [SEEDER_IP, LEECHER_IP, "127.0.0.4"] {
        assert!(!log.contains(ip), "a peer address in the log");
    }
}

#[test]
fn a_kill_minus_9_mid_transfer_never_inflates_the_totals() {
    require_clients();
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let work = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    const SIZE_MIB: u64 = 12;
    const RATE_KIB: u64 = 1024;
    let payload = make_payload(
        work.path(),
        SIZE_MIB as u32,
        "http://tracker.invalid/announce",
    );
    let original = std::fs::read(payload["torrent"].as_str().unwrap()).unwrap();
    let info_hash: [u8; 20] = hex_decode(payload["info_hash"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let members = runtime.block_on(prepare(data.path(), &original, info_hash));
    drop(runtime);

    // Fixed ports, so that the restarted server is where the clients'
    // .torrent files say.
    let port = free_port().to_string();
    let env = private_env(&port, "1");
    let mut server = start(data.path(), work.path().join("server1.log"), &env);
    let alice_url = format!("http://{}/announce/{}", server.http, key(ALICE));
    let bob_url = format!("http://{}/announce/{}", server.http, key(BOB));
    let alice_torrent = member_torrent(work.path(), &original, "alice", &alice_url);
    let bob_torrent = member_torrent(work.path(), &original, "bob", &bob_url);

    let rate = RATE_KIB.to_string();
    let mut seed = lt_peer(
        "alice",
        &alice_torrent,
        work.path(),
        ("seed", SEEDER_IP),
        "0",
        &[
            "--reannounce-every",
            "1",
            "--upload-limit-kib",
            &rate,
            "--stop-on-stdin-eof",
        ],
    );
    seed.event("ready", Duration::from_secs(60));
    let leech_dir = work.path().join("download");
    let mut leech = lt_peer(
        "bob",
        &bob_torrent,
        &leech_dir,
        ("leech", LEECHER_IP),
        "120",
        &["--reannounce-every", "1", "--progress-every", "0.5"],
    );
    leech.wait_for("a third of the payload", Duration::from_secs(60), |e| {
        e["event"] == "progress" && e["progress"].as_f64().unwrap_or(0.0) >= 0.33
    });
    // Let a flush or two land, then kill without warning.
    std::thread::sleep(Duration::from_millis(1500));
    let before = totals(data.path(), members.bob).downloaded;
    assert!(before > 0, "something was flushed before the kill");
    let killed = Instant::now();
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    let after_kill = totals(data.path(), members.bob).downloaded;
    assert!(after_kill >= before, "a kill loses nothing already written");

    server = start(data.path(), work.path().join("server2.log"), &env);
    let downtime = killed.elapsed();
    let finished = leech.event("finished", Duration::from_secs(120));
    assert_eq!(finished["sha256"], payload["sha256"]);
    let stopped = leech.event("stopped", Duration::from_secs(30));
    leech.wait_exit();
    seed.stop();
    server.stop();

    let truth = stopped["downloaded"].as_u64().unwrap();
    let bob = totals(data.path(), members.bob);
    let alice = totals(data.path(), members.alice);
    // Never more than the client moved, never negative (u64, and the
    // schema's CHECK), short by at most what one flush interval, one
    // announce interval and the downtime carried at the capped rate.
    let slack = (RATE_KIB * 1024) * (1 + 1 + downtime.as_secs() + 2);
    eprintln!(
        "kill -9: truth {truth} B, credited {} B (short {} B; allowed {slack} B, downtime {downtime:?})",
        bob.downloaded,
        truth.saturating_sub(bob.downloaded)
    );
    assert!(bob.downloaded <= truth, "bob {bob:?} > truth {truth}");
    assert!(
        truth - bob.downloaded <= slack,
        "bob {bob:?} short by more than {slack}"
    );
    assert!(alice.uploaded <= truth + MIB, "alice {alice:?}");
    assert!(alice.uploaded + slack >= truth, "alice {alice:?}");
    assert_eq!(bob.snatched, 1);
}
