//! The access policy enforced by the running servers: UDP and HTTP tracker
//! refusals, the portal's 451, trusted proxies, live reloads that evict
//! denied peers, failed reloads that change nothing, and the aggregate
//! counters behind `swarmgate policy stats` and `simulate`.
//!
//! A generated range CSV maps 127.0.0.2 to DE, 127.0.0.3 to RU and
//! 127.0.0.4 to FR, so loopback source addresses stand for countries.

mod support;

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use support::{
    TestServer, UdpAnnounce, UdpClient, announce_query, bbytes, config_for, hash, http_get,
    http_request, peer, start_in,
};
use swarmgate::commands;
use tracker_proto::udp::Response;

const DE: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, 2));
const RU: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, 3));
const FR: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, 4));

const GEO_CSV: &str = "127.0.0.2,127.0.0.2,DE\n127.0.0.3,127.0.0.3,RU\n127.0.0.4,127.0.0.4,FR\n";

const DENY_RU: &str = r#"
[[rule]]
name = "self-block"
countries = ["RU"]
scope = ["tracker", "portal", "download"]
action = "deny"
message.en = "This site is not available in your country."
message.ru = "Сайт недоступен в вашей стране."
blocked_by = "https://example.org/why-we-block"
"#;

fn policy_text(rules: &str) -> String {
    format!("geo_databases = [\"geo.csv\"]\ndefault = \"allow\"\n{rules}")
}

/// Writes geo.csv and policy.toml into `dir`; returns the policy's path.
fn write_policy(dir: &Path, rules: &str) -> PathBuf {
    std::fs::write(dir.join("geo.csv"), GEO_CSV).unwrap();
    let path = dir.join("policy.toml");
    replace_file(&path, &policy_text(rules));
    path
}

/// Replaces a file the way editors and config managers do: write a temp
/// file, then rename it over the old one.
fn replace_file(path: &Path, text: &str) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

async fn start_with_policy(
    rules: &str,
    tweak: impl FnOnce(&mut swarmgate::Config),
) -> (TestServer, PathBuf) {
    let data = tempfile::tempdir().unwrap();
    let policy = write_policy(data.path(), rules);
    let mut config = config_for(IpAddr::from([127, 0, 0, 1]), data.path());
    config.policy.file = Some(policy.clone());
    tweak(&mut config);
    (start_in(config, data).await, policy)
}

fn failure_reason(body: &[u8]) -> String {
    String::from_utf8(bbytes(body, "failure reason").expect("a failure reason")).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn udp_connect_and_announce_from_a_denied_country_get_the_rules_message() {
    let (server, _) = start_with_policy(DENY_RU, |_| {}).await;
    let addr = server.running.udp_addr();
    let denied = UdpClient::new(RU, addr);
    let mut connect = Vec::new();
    tracker_proto::udp::Request::Connect(tracker_proto::udp::ConnectRequest {
        transaction_id: tracker_proto::udp::TransactionId(9),
    })
    .write_to(&mut connect);
    denied.send_raw(&connect);
    let reply = denied.recv_raw(Duration::from_secs(5)).unwrap();
    match Response::parse(&reply, false) {
        Some(Response::Error {
            transaction_id,
            message,
        }) => {
            assert_eq!(transaction_id.0, 9);
            assert_eq!(message, "This site is not available in your country.");
        }
        other => panic!("expected an error, got {other:?}"),
    }
    // An allowed client in the same swarm is served and never sees RU.
    let mut allowed = UdpClient::new(DE, addr);
    assert!(matches!(
        allowed.announce(UdpAnnounce::new(hash(1), peer(1), 6881, 0)),
        Response::AnnounceV4(_)
    ));
    assert_eq!(server.running.tracker().stats().snapshot().udp.denied, 1);
    server.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_announce_and_scrape_from_a_denied_country_get_a_failure_reason() {
    let (server, _) = start_with_policy(DENY_RU, |_| {}).await;
    let addr = server.running.http_addr();
    let q = announce_query(hash(2), peer(1), 6881, 0, "started");
    let (_, body) = http_get(RU, addr, &format!("/announce?{q}"));
    assert_eq!(
        failure_reason(&body),
        "This site is not available in your country."
    );
    let (_, body) = http_get(RU, addr, "/scrape");
    assert_eq!(
        failure_reason(&body),
        "This site is not available in your country."
    );
    let (_, body) = http_get(DE, addr, &format!("/announce?{q}"));
    assert!(bbytes(&body, "failure reason").is_none());
    assert_eq!(server.running.tracker().swarm().scrape(&hash(2)).seeders, 1);
    server.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_portal_answers_451_in_the_visitors_language_with_the_legal_link() {
    let (server, _) = start_with_policy(DENY_RU, |_| {}).await;
    let addr = server.running.portal_addr();
    let page = http_request(
        RU,
        addr,
        "/",
        &[("Accept-Language", "ru-RU,ru;q=0.9,en;q=0.5")],
    );
    assert_eq!(page.status, 451);
    assert_eq!(
        page.header("link"),
        Some("<https://example.org/why-we-block>; rel=\"blocked-by\"")
    );
    assert_eq!(page.header("cache-control"), Some("private, no-store"));
    assert!(
        page.text().contains("Сайт недоступен в вашей стране."),
        "{}",
        page.text()
    );
    assert!(page.text().contains("lang=\"ru\""));

    let page = http_request(RU, addr, "/", &[("Accept-Language", "de, en;q=0.5")]);
    assert!(
        page.text()
            .contains("This site is not available in your country.")
    );

    let json = http_request(RU, addr, "/api/v1/stats", &[]);
    assert_eq!(json.status, 451);
    let body: serde_json::Value = serde_json::from_slice(&json.body).unwrap();
    assert_eq!(body["error"], "unavailable_for_legal_reasons");
    assert_eq!(body["blocked_by"], "https://example.org/why-we-block");

    assert_eq!(http_request(DE, addr, "/", &[]).status, 200);
    assert_eq!(http_request(RU, addr, "/healthz", &[]).status, 200);
    server.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_headers_count_only_from_trusted_proxies() {
    let (server, _) = start_with_policy(DENY_RU, |c| {
        c.network.trusted_proxies = vec!["127.0.0.4/32".parse().unwrap()];
    })
    .await;
    let portal = server.running.portal_addr();
    let spoof = [("X-Forwarded-For", "127.0.0.2")];
    // A denied visitor claiming to be someone else changes nothing...
    assert_eq!(http_request(RU, portal, "/", &spoof).status, 451);
    // ...and an allowed one is not blocked by a header it made up.
    let framed = [
        ("X-Forwarded-For", "127.0.0.3"),
        ("Forwarded", "for=127.0.0.3"),
    ];
    assert_eq!(http_request(DE, portal, "/", &framed).status, 200);
    // Behind the trusted proxy, the forwarded client decides.
    assert_eq!(
        http_request(FR, portal, "/", &[("X-Forwarded-For", "127.0.0.3")]).status,
        451
    );
    assert_eq!(
        http_request(FR, portal, "/", &[("Forwarded", "for=127.0.0.2")]).status,
        200
    );
    let tracker = server.running.http_addr();
    let q = announce_query(hash(3), peer(1), 6881, 0, "started");
    let (_, body) = http_get(FR, tracker, &format!("/announce?{q}"));
    assert!(
        bbytes(&body, "failure reason").is_none(),
        "FR itself is allowed"
    );
    let response = http_request(
        FR,
        tracker,
        &format!("/announce?{q}"),
        &[("X-Forwarded-For", "127.0.0.3")],
    );
    assert_eq!(
        failure_reason(&response.body),
        "This site is not available in your country."
    );
    server.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reload_that_denies_a_country_evicts_its_peers_within_a_second() {
    let (server, policy) = start_with_policy("", |_| {}).await;
    let addr = server.running.udp_addr();
    let mut ru = UdpClient::new(RU, addr);
    let mut de = UdpClient::new(DE, addr);
    ru.announce(UdpAnnounce::new(hash(4), peer(1), 6881, 0));
    match de.announce(UdpAnnounce::new(hash(4), peer(2), 6882, 10)) {
        Response::AnnounceV4(r) => assert_eq!(r.peers.len(), 1, "RU is handed out before the rule"),
        other => panic!("{other:?}"),
    }

    let changed = Instant::now();
    replace_file(&policy, &policy_text(DENY_RU));
    let swarm = server.running.tracker().swarm();
    while swarm.scrape(&hash(4)).seeders > 0 {
        assert!(
            changed.elapsed() < Duration::from_secs(1),
            "the RU peer is still in the swarm"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    println!("file change to eviction: {:?}", changed.elapsed());
    match de.announce(UdpAnnounce::new(hash(4), peer(2), 6882, 10)) {
        Response::AnnounceV4(r) => assert!(r.peers.is_empty(), "RU is no longer handed out"),
        other => panic!("{other:?}"),
    }
    server.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_reload_keeps_the_running_policy_and_says_why() {
    let (server, policy) = start_with_policy(DENY_RU, |c| c.policy.watch = false).await;
    let data_dir = server.data_dir.path().to_owned();
    let mut config = swarmgate::Config::default();
    config.storage.data_dir = data_dir;

    replace_file(
        &policy,
        &policy_text("[[rule]]\nname = \"x\"\ncountries = [\"XX\"]\naction = \"deny\"\n"),
    );
    let err = commands::policy_reload(&config)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("policy.toml") && err.contains("XX"), "{err}");
    let q = announce_query(hash(5), peer(1), 6881, 0, "started");
    let (_, body) = http_get(RU, server.running.http_addr(), &format!("/announce?{q}"));
    assert_eq!(
        failure_reason(&body),
        "This site is not available in your country."
    );

    replace_file(&policy, &policy_text(""));
    let ok = commands::policy_reload(&config).await.unwrap();
    assert!(ok.contains("0 rules"), "{ok}");
    let (_, body) = http_get(RU, server.running.http_addr(), &format!("/announce?{q}"));
    assert!(
        bbytes(&body, "failure reason").is_none(),
        "the new policy is in force"
    );
    server.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shadow_rules_deny_nothing_and_counters_feed_stats_and_simulate() {
    let shadow = DENY_RU.replace("action = \"deny\"", "action = \"shadow\"");
    let (server, _) = start_with_policy(&shadow, |_| {}).await;
    let data_dir = server.data_dir.path().to_owned();
    let addr = server.running.http_addr();
    for n in 0..3 {
        let q = announce_query(hash(6), peer(n), 6881, 0, "started");
        let (_, body) = http_get(RU, addr, &format!("/announce?{q}"));
        assert!(
            bbytes(&body, "failure reason").is_none(),
            "shadow denies nothing"
        );
    }
    let q = announce_query(hash(6), peer(9), 6881, 0, "started");
    http_get(DE, addr, &format!("/announce?{q}"));
    server.running.stop().await.unwrap();

    let mut config = swarmgate::Config::default();
    config.storage.data_dir = data_dir.clone();
    let stats = commands::policy_stats(&config, 24).await.unwrap();
    let line = stats
        .lines()
        .find(|l| l.contains("RU"))
        .unwrap_or_else(|| panic!("{stats}"));
    assert!(
        line.contains("self-block") && line.contains("shadow") && line.trim_end().ends_with('3'),
        "{stats}"
    );
    assert!(
        stats
            .lines()
            .any(|l| l.contains("DE") && l.contains("default") && l.contains("allow")),
        "{stats}"
    );

    let candidate = data_dir.join("candidate.toml");
    std::fs::write(&candidate, policy_text(DENY_RU)).unwrap();
    let report = commands::policy_simulate(&config, &candidate, 24)
        .await
        .unwrap();
    let ru = report
        .lines()
        .find(|l| l.starts_with("RU"))
        .unwrap_or_else(|| panic!("{report}"));
    assert!(ru.contains("100.0%"), "{report}");
    let de = report
        .lines()
        .find(|l| l.starts_with("DE"))
        .unwrap_or_else(|| panic!("{report}"));
    assert!(de.contains("0.0%"), "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_policy_file_stops_the_start_with_the_file_and_line() {
    let data = tempfile::tempdir().unwrap();
    let policy = write_policy(
        data.path(),
        "[[rule]]\nname = \"x\"\ncountries = [\"RU\"]\nacton = \"deny\"\n",
    );
    let mut config = config_for(IpAddr::from([127, 0, 0, 1]), data.path());
    config.policy.file = Some(policy);
    let clock = std::sync::Arc::new(swarm::ManualClock::default());
    let err = swarmgate::start_with_clock(&config, clock)
        .await
        .unwrap_err();
    let text = format!("{err:#}");
    assert!(
        text.contains("policy.toml") && text.contains("acton"),
        "{text}"
    );
}

#[test]
fn policy_check_explains_the_decision() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = swarmgate::Config::default();
    config.policy.file = Some(write_policy(dir.path(), DENY_RU));
    let out = commands::policy_check(&config, RU, "tracker").unwrap();
    assert!(
        out.contains("decision: deny") && out.contains("self-block") && out.contains("RU"),
        "{out}"
    );
    let out = commands::policy_check(&config, DE, "portal").unwrap();
    assert!(
        out.contains("decision: allow") && out.contains("default"),
        "{out}"
    );
    let out = commands::geo_lookup(&config, FR, Some(&dir.path().join("geo.csv"))).unwrap();
    assert!(out.contains("FR") && out.contains("geo.csv"), "{out}");
    assert!(commands::policy_check(&config, DE, "nowhere").is_err());
}
