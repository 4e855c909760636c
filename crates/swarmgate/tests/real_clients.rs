//! End to end: real BitTorrent clients (libtorrent, aria2) move a 20 MiB
//! payload through the `swarmgate` binary on loopback, with DHT, PEX and
//! local discovery off, so the peers can only have met through our tracker.
//! Afterwards the logs and the database files are searched for the peers'
//! addresses and ids, which must not be there.
//!
//! The seeder announces from 127.0.0.2 and the leecher from 127.0.0.3; the
//! tracker listens on 127.0.0.1, so any "127.0.0.2" or "127.0.0.3" found on
//! disk came from a peer. Drivers live in `tests/clients/` (see its README).

mod support;

use std::net::IpAddr;
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;
use support::bencode_scrape;
const SEEDER_IP: &str = "127.0.0.2";
const LEECHER_IP: &str = "127.0.0.3";

use support::clients::{Client, Peer, Protocol, Server, hex_decode, make_payload, require_clients};

/// One transfer at a time: the machine has two cores, and parallel
/// transfers would measure contention instead of the tracker.
static SERIAL: Mutex<()> = Mutex::new(());

/// What a transfer left behind, for the privacy check.
struct Outcome {
    peer_ids: Vec<Vec<u8>>,
    info_hash: [u8; 20],
}

/// Seeds a fresh 20 MiB payload with `seeder`, downloads it with `leecher`,
/// and checks the data, the peer introduction and the tracker's counts.
fn transfer(server: &Server, seeder: Client, leecher: Client, protocol: Protocol) -> Outcome {
    let work = tempfile::tempdir().unwrap();
    let url = match protocol {
        Protocol::Http => format!("http://{}/announce", server.http),
        Protocol::Udp => format!("udp://{}/announce", server.udp),
    };
    let payload = make_payload(work.path(), 20, &url);
    let torrent = payload["torrent"].as_str().unwrap().to_owned();
    let info_hash: [u8; 20] = hex_decode(payload["info_hash"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();

    let seed_dir = work.path().to_str().unwrap().to_owned();
    let mut seed_args = vec![
        "--torrent",
        &torrent,
        "--save-dir",
        &seed_dir,
        "--role",
        "seed",
        "--listen-ip",
        SEEDER_IP,
        "--timeout",
        "0",
        "--stop-on-stdin-eof",
    ];
    let leech_dir = work.path().join("download");
    std::fs::create_dir(&leech_dir).unwrap();
    let leech_dir = leech_dir.to_str().unwrap().to_owned();
    let mut leech_args = vec![
        "--torrent",
        &torrent,
        "--save-dir",
        &leech_dir,
        "--role",
        "leech",
        "--listen-ip",
        LEECHER_IP,
        "--timeout",
        "90",
    ];
    if matches!(protocol, Protocol::Udp) {
        // aria2 speaks udp:// only through its DHT socket (no bootstrap
        // nodes, so it finds no peers by itself).
        if matches!(seeder, Client::Aria2) {
            seed_args.push("--dht-for-udp");
        }
        if matches!(leecher, Client::Aria2) {
            leech_args.push("--dht-for-udp");
        }
    }

    let mut seed = Peer::spawn("seeder", seeder.script(), &seed_args);
    seed.event("ready", Duration::from_secs(60));
    seed.wait_for(
        "the seeder's started announce answered",
        Duration::from_secs(30),
        |e| e["event"] == "tracker_reply" && e["announce"] == "started",
    );

    let mut leech = Peer::spawn("leecher", leecher.script(), &leech_args);
    let finished = leech.event("finished", Duration::from_secs(120));
    assert_eq!(
        finished["sha256"], payload["sha256"],
        "the downloaded data is the payload"
    );
    assert!(
        finished["peers_connected"].as_u64().unwrap_or(0) >= 1,
        "the leecher met the seeder: {finished}"
    );
    // The seeder was met at the address it announced from, so the tracker
    // saw 127.0.0.2: the privacy scan below looks for the right needles.
    assert!(
        leech
            .seen
            .iter()
            .any(|e| e["event"] == "peer" && e["ip"] == SEEDER_IP),
        "the leecher met the seeder at {SEEDER_IP}: {:?}",
        leech.seen
    );
    let mut peer_ids = leech.remote_peer_ids();
    leech.wait_exit();

    // The leecher announced `completed` and then `stopped`; the seeder is
    // still in the swarm.
    let (complete, downloaded) = bencode_scrape(server.http, &info_hash);
    assert_eq!(complete, 1, "the seeder is counted");
    assert_eq!(downloaded, 1, "the download was counted once");

    peer_ids.extend(seed.remote_peer_ids());
    seed.stop();
    Outcome {
        peer_ids,
        info_hash,
    }
}

/// No peer address or peer id in the log or in any file of the data
/// directory (the database, its WAL and shared-memory files).
fn assert_nothing_identifying(log: &str, data_dir: &Path, outcomes: &[Outcome]) {
    let mut needles: Vec<(String, Vec<u8>)> = Vec::new();
    for ip in [SEEDER_IP, LEECHER_IP] {
        needles.push((format!("address {ip} as text"), ip.as_bytes().to_vec()));
        let raw: IpAddr = ip.parse().unwrap();
        let IpAddr::V4(v4) = raw else { unreachable!() };
        needles.push((format!("address {ip} as bytes"), v4.octets().to_vec()));
    }
    for outcome in outcomes {
        for id in &outcome.peer_ids {
            needles.push(("a peer id".into(), id.clone()));
            let hex: String = id.iter().map(|b| format!("{b:02x}")).collect();
            needles.push(("a peer id in hex".into(), hex.into_bytes()));
        }
    }
    let mut haystacks = vec![("the log".to_owned(), log.as_bytes().to_vec())];
    for entry in std::fs::read_dir(data_dir).unwrap() {
        let path = entry.unwrap().path();
        haystacks.push((path.display().to_string(), std::fs::read(&path).unwrap()));
    }
    for (where_, bytes) in &haystacks {
        for (what, needle) in &needles {
            let found = bytes.windows(needle.len()).any(|w| w == needle.as_slice());
            assert!(!found, "{what} was written to {where_}");
        }
    }
    assert!(haystacks.len() > 1, "the data directory holds the database");
    assert!(log.contains("tracker listening"), "the log was captured");
    assert!(!outcomes.is_empty() && outcomes.iter().all(|o| o.info_hash != [0; 20]));
}

fn run_cases(cases: &[(Client, Client, Protocol)]) {
    require_clients();
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let data = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let server = Server::start(data.path(), logs.path().join("swarmgate.log"));
    let outcomes: Vec<Outcome> = cases
        .iter()
        .map(|&(s, l, p)| transfer(&server, s, l, p))
        .collect();
    let log = server.stop();
    assert_nothing_identifying(&log, data.path(), &outcomes);

    // A restart keeps what was counted; peers are gone.
    let server = Server::start(data.path(), logs.path().join("swarmgate-2.log"));
    for outcome in &outcomes {
        assert_eq!(bencode_scrape(server.http, &outcome.info_hash), (0, 1));
    }
    let log = server.stop();
    assert_nothing_identifying(&log, data.path(), &outcomes);
}

#[test]
fn libtorrent_to_libtorrent_over_http_and_udp() {
    run_cases(&[
        (Client::Libtorrent, Client::Libtorrent, Protocol::Http),
        (Client::Libtorrent, Client::Libtorrent, Protocol::Udp),
    ]);
}

#[test]
fn libtorrent_and_aria2_both_ways_over_http() {
    run_cases(&[
        (Client::Libtorrent, Client::Aria2, Protocol::Http),
        (Client::Aria2, Client::Libtorrent, Protocol::Http),
    ]);
}
