//! End to end: the access policy against real BitTorrent clients.
//!
//! A generated range CSV maps the loopback source addresses to countries:
//! the seeder (127.0.0.2) to DE, a leecher in a denied country
//! (127.0.0.3) to RU, and an allowed leecher (127.0.0.4) to FR. The denied
//! client must get the rule's message and never be handed to anyone; the
//! allowed one downloads normally; then a policy change that denies DE
//! takes the running seeder out of the swarm within a second.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};
use support::bencode_scrape;
use support::clients::{Client, Peer, Server, hex_decode, make_payload, require_clients};

const SEEDER: &str = "127.0.0.2";
const DENIED: &str = "127.0.0.3";
const ALLOWED: &str = "127.0.0.4";
const MESSAGE: &str = "This tracker is not available in your country.";

fn policy(deny: &[&str]) -> String {
    let countries: Vec<String> = deny.iter().map(|c| format!("\"{c}\"")).collect();
    format!(
        "geo_databases = [\"geo.csv\"]\ndefault = \"allow\"\n\n[[rule]]\nname = \"self-block\"\n\
         countries = [{}]\nscope = [\"tracker\"]\naction = \"deny\"\nmessage.en = \"{MESSAGE}\"\n",
        countries.join(", ")
    )
}

fn replace_file(path: &Path, text: &str) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

#[test]
fn a_denied_client_is_refused_and_never_handed_out_while_others_download() {
    require_clients();
    let data = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    std::fs::write(
        data.path().join("geo.csv"),
        format!("{SEEDER},{SEEDER},DE\n{DENIED},{DENIED},RU\n{ALLOWED},{ALLOWED},FR\n"),
    )
    .unwrap();
    let policy_file = data.path().join("policy.toml");
    replace_file(&policy_file, &policy(&["RU"]));
    let policy_env = policy_file.to_str().unwrap().to_owned();
    let server = Server::start_with(
        data.path(),
        work.path().join("swarmgate.log"),
        &[("SWARMGATE_POLICY__FILE", &policy_env)],
    );

    let url = format!("http://{}/announce", server.http);
    let payload = make_payload(work.path(), 20, &url);
    let torrent = payload["torrent"].as_str().unwrap().to_owned();
    let info_hash: [u8; 20] = hex_decode(payload["info_hash"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    let work_dir = work.path().to_str().unwrap().to_owned();
    let fresh = |name: &str| {
        let dir = work.path().join(name);
        std::fs::create_dir(&dir).unwrap();
        dir.to_str().unwrap().to_owned()
    };

    let mut seeder = Peer::spawn(
        "seeder",
        Client::Libtorrent.script(),
        &[
            "--torrent",
            &torrent,
            "--save-dir",
            &work_dir,
            "--role",
            "seed",
            "--listen-ip",
            SEEDER,
            "--timeout",
            "0",
            "--stop-on-stdin-eof",
        ],
    );
    seeder.event("ready", Duration::from_secs(60));
    seeder.wait_for(
        "the seeder's started announce answered",
        Duration::from_secs(30),
        |e| e["event"] == "tracker_reply" && e["announce"] == "started",
    );

    // The client in the denied country is told why, in the client's own UI.
    let denied_dir = fresh("denied");
    let mut denied = Peer::spawn(
        "denied leecher",
        Client::Libtorrent.script(),
        &[
            "--torrent",
            &torrent,
            "--save-dir",
            &denied_dir,
            "--role",
            "leech",
            "--listen-ip",
            DENIED,
            "--timeout",
            "30",
            "--stop-on-stdin-eof",
        ],
    );
    let refusal = denied.wait_for("the tracker's refusal", Duration::from_secs(30), |e| {
        e["event"] == "tracker_error"
    });
    let reason = refusal["failure_reason"]
        .as_str()
        .or(refusal["message"].as_str())
        .unwrap_or("");
    assert!(
        reason.contains(MESSAGE),
        "the client shows the rule's message: {refusal}"
    );

    // The allowed client downloads, and is never handed the denied one.
    let allowed_dir = fresh("allowed");
    let mut allowed = Peer::spawn(
        "allowed leecher",
        Client::Aria2.script(),
        &[
            "--torrent",
            &torrent,
            "--save-dir",
            &allowed_dir,
            "--role",
            "leech",
            "--listen-ip",
            ALLOWED,
            "--timeout",
            "90",
        ],
    );
    let finished = allowed.event("finished", Duration::from_secs(120));
    assert_eq!(finished["sha256"], payload["sha256"]);
    for peer in [&allowed, &seeder, &denied] {
        assert!(
            !peer
                .seen
                .iter()
                .any(|e| e["event"] == "peer" && e["ip"] == DENIED),
            "{} met the denied client: {:?}",
            peer.name,
            peer.seen
        );
    }
    assert!(
        !denied.seen.iter().any(|e| e["event"] == "peer"),
        "the denied client was introduced to nobody: {:?}",
        denied.seen
    );
    allowed.wait_exit();
    let (complete, downloaded) = bencode_scrape(server.http, &info_hash);
    assert_eq!(
        (complete, downloaded),
        (1, 1),
        "only the seeder is left; one download counted"
    );

    // The operator now blocks DE too: the running seeder leaves the swarm.
    let changed = Instant::now();
    replace_file(&policy_file, &policy(&["RU", "DE"]));
    while bencode_scrape(server.http, &info_hash).0 > 0 {
        assert!(
            changed.elapsed() < Duration::from_secs(1),
            "the DE seeder is still in the swarm"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    println!(
        "policy file change to eviction of a live peer: {:?}",
        changed.elapsed()
    );

    drop(denied);
    seeder.stop_quietly();
    let log = server.stop();
    for ip in [SEEDER, DENIED, ALLOWED] {
        assert!(!log.contains(ip), "{ip} was written to the log");
        for entry in std::fs::read_dir(data.path()).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "csv") {
                continue; // the operator's own geo database names them
            }
            let bytes = std::fs::read(&path).unwrap();
            assert!(
                !bytes.windows(ip.len()).any(|w| w == ip.as_bytes()),
                "{ip} was written to {}",
                path.display()
            );
        }
    }
}
