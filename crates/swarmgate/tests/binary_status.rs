//! `swarmgate status` as an operator runs it: a summary (or JSON) of the
//! running binary found through the data directory, and a clear non-zero
//! exit when nothing runs there.

mod support;

use serde_json::Value;
use std::net::IpAddr;
use std::path::Path;
use std::process::{Command, Output};
use support::clients::Server;
use support::{UdpAnnounce, UdpClient, announce_query, hash, http_get, peer};

fn status(data_dir: &Path, json: bool) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_swarmgate"));
    command
        .arg("status")
        .env("SWARMGATE_STORAGE__DATA_DIR", data_dir);
    if json {
        command.arg("--json");
    }
    command.output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn status_with_nothing_running_fails_and_says_so() {
    let data = tempfile::tempdir().unwrap();
    let out = status(data.path(), false);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
    let err = text(&out.stderr);
    assert!(
        err.contains("not running") && err.contains("control.sock"),
        "{err}"
    );

    let out = status(data.path(), true);
    assert!(!out.status.success());
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["up"], false);
    assert!(json["error"].as_str().unwrap().contains("not running"));
}

#[test]
fn status_summarises_the_running_server_and_stops_answering_when_it_stops() {
    let data = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let server = Server::start(data.path(), logs.path().join("swarmgate.log"));
    let local = IpAddr::from([127, 0, 0, 1]);
    let mut client = UdpClient::new(IpAddr::from([127, 0, 0, 2]), server.udp);
    client.announce(UdpAnnounce::new(hash(1), peer(1), 6881, 100));
    let q = announce_query(hash(1), peer(2), 6881, 0, "started");
    assert_eq!(
        http_get(local, server.http, &format!("/announce?{q}")).0,
        200
    );

    let out = status(data.path(), false);
    let summary = text(&out.stdout);
    assert!(out.status.success(), "{summary}{}", text(&out.stderr));
    let version = env!("CARGO_PKG_VERSION");
    assert!(
        summary.starts_with(&format!("swarmgate {version}: up ")),
        "{summary}"
    );
    assert!(summary.contains("mode open"), "{summary}");
    assert!(
        summary.contains("1 torrents, 2 peers (1 seeders, 1 leechers; 2 IPv4, 0 IPv6)"),
        "{summary}"
    );
    assert!(
        summary.contains("announces/s now; 2 announces"),
        "{summary}"
    );
    assert!(summary.contains("database:   sqlite"), "{summary}");
    assert!(
        summary.contains("metrics:    http://127.0.0.1:"),
        "{summary}"
    );
    assert!(!summary.contains("127.0.0.2"), "no peer address: {summary}");

    let out = status(data.path(), true);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["up"], true);
    assert_eq!(json["version"], version);
    assert_eq!(json["pid"], server.child.id());
    assert_eq!(json["mode"], "open");
    assert_eq!(json["torrents"], 1);
    assert_eq!(json["peers"]["seeders"], 1);
    assert_eq!(json["peers"]["leechers"], 1);
    assert_eq!(json["announces"], 2);
    assert_eq!(json["accounting"], Value::Null);
    assert_eq!(json["listeners"]["udp"][0], server.udp.to_string());
    assert!(json["announces_per_sec"].as_f64().unwrap() >= 0.0);
    assert!(json["uptime_secs"].as_u64().is_some());

    let metrics: std::net::SocketAddr = json["listeners"]["metrics"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let (code, body) = http_get(local, metrics, "/metrics");
    assert_eq!(code, 200);
    assert!(String::from_utf8_lossy(&body).contains("swarmgate_swarm_torrents 1"));

    server.stop();
    let out = status(data.path(), false);
    assert!(!out.status.success(), "{}", text(&out.stdout));
    assert!(text(&out.stderr).contains("not running"));
}
