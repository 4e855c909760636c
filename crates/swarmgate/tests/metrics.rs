//! `/metrics` on its own listener, scraped over HTTP from the running
//! servers and parsed as Prometheus would: the counts equal what the test
//! sent, the route latencies carry templates, and nothing in the body is
//! an address or a passkey.
//!
//! A generated range CSV maps 127.0.0.3 to RU, which the policy denies on
//! the tracker and the portal.

mod support;

use prometheus_parse::{Sample, Scrape, Value};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;
use std::time::{Duration, Instant};
use support::{
    TestServer, UdpAnnounce, UdpClient, announce_query, config_for, hash, http_get, http_request,
    peer, start_in,
};
use swarmgate::config::TrackerMode;

const LOCAL: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1));
const RU: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 3));
/// Looks like a passkey in a URL; must never reach the metrics.
const PASSKEY: &str = "5ec2e75ec2e75ec2e75ec2e75ec2e75e";

const POLICY: &str = r#"geo_databases = ["geo.csv"]
default = "allow"

[[rule]]
name = "self-block"
countries = ["RU"]
scope = ["tracker", "portal"]
action = "deny"
message.en = "Not available in your country."
"#;

fn write_policy(dir: &Path) -> std::path::PathBuf {
    std::fs::write(dir.join("geo.csv"), "127.0.0.3,127.0.0.3,RU\n").unwrap();
    let path = dir.join("policy.toml");
    std::fs::write(&path, POLICY).unwrap();
    path
}

/// The body of `/metrics` and its samples.
struct Metrics {
    body: String,
    samples: Vec<Sample>,
}

impl Metrics {
    fn scrape(server: &TestServer, from: IpAddr) -> Self {
        let addr = server.running.metrics_addr().expect("metrics are on");
        let response = http_request(from, addr, "/metrics", &[]);
        assert_eq!(response.status, 200, "{}", response.text());
        assert!(
            response
                .header("content-type")
                .is_some_and(|t| t.starts_with("application/openmetrics-text")),
            "{:?}",
            response.headers
        );
        let body = response.text();
        let lines = body.lines().map(|l| Ok(l.to_owned()));
        let samples = Scrape::parse(lines).unwrap().samples;
        Self { body, samples }
    }

    /// Samples of `metric` whose labels include every pair of `labels`.
    fn matching<'a>(
        &'a self,
        metric: &'a str,
        labels: &'a [(&'a str, &'a str)],
    ) -> impl Iterator<Item = &'a Sample> + 'a {
        self.samples.iter().filter(move |s| {
            s.metric == metric && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v))
        })
    }

    /// The one value of `metric` with `labels`; panics if there is not
    /// exactly one.
    fn value(&self, metric: &str, labels: &[(&str, &str)]) -> f64 {
        let found: Vec<&Sample> = self.matching(metric, labels).collect();
        assert_eq!(
            found.len(),
            1,
            "{metric} {labels:?}: {found:?}\n{}",
            self.body
        );
        match found[0].value {
            Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => v,
            ref other => panic!("{metric} is not a number: {other:?}"),
        }
    }

    /// Observations of the histogram `metric`, summed over the samples
    /// whose labels include `labels`: each one's `+Inf` bucket.
    fn observations(&self, metric: &str, labels: &[(&str, &str)]) -> f64 {
        self.matching(metric, labels)
            .map(|s| match &s.value {
                Value::Histogram(buckets) => buckets
                    .iter()
                    .find(|b| b.less_than.is_infinite())
                    .map_or(0.0, |b| b.count),
                other => panic!("{metric} is not a histogram: {other:?}"),
            })
            .sum()
    }
}

/// Tokens of the body that read as an IPv4 or IPv6 address.
fn addresses_in(body: &str) -> Vec<String> {
    body.split(|c: char| !(c.is_ascii_hexdigit() || c == '.' || c == ':'))
        .map(|token| token.trim_matches('.'))
        .filter(|token| {
            token.parse::<Ipv4Addr>().is_ok()
                || token.parse::<Ipv6Addr>().is_ok()
                || token.contains("::")
                || token.matches(':').count() >= 2
        })
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_address_finder_finds_addresses() {
    assert_eq!(
        addresses_in("a{ip=\"127.0.0.3\"} 1\nb{x=\"[::1]:80\"} 2\nc{r=\"/releases/:id\"} 0.005"),
        ["127.0.0.3", "::1"]
    );
}

/// Waits until `check` holds, up to ten seconds.
async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_what_the_servers_did_and_name_no_address_or_passkey() {
    let data = tempfile::tempdir().unwrap();
    let mut config = config_for(LOCAL, data.path());
    config.policy.file = Some(write_policy(data.path()));
    config.storage.stats_flush_interval_secs = 1;
    let server = start_in(config, data).await;
    let running = &server.running;

    // UDP: three leechers from three loopback addresses, and a scrape.
    for n in 1..=3u8 {
        let mut client = UdpClient::new(IpAddr::from([127, 0, 0, 10 + n]), running.udp_addr());
        client.announce(UdpAnnounce::new(hash(1), peer(n), 6881, 100));
    }
    UdpClient::new(LOCAL, running.udp_addr()).scrape(&[hash(1)]);
    // HTTP: two seeders (one through a passkey URL, which mode open
    // accepts without looking it up), one refused for its country, one
    // malformed.
    let tracker = running.http_addr();
    let seed = |n: u8| announce_query(hash(2), peer(n), 6881, 0, "started");
    let (status, _) = http_get(
        IpAddr::from([127, 0, 0, 21]),
        tracker,
        &format!("/announce?{}", seed(4)),
    );
    assert_eq!(status, 200);
    let path = format!("/announce/{PASSKEY}?{}", seed(5));
    let (status, _) = http_get(IpAddr::from([127, 0, 0, 22]), tracker, &path);
    assert_eq!(status, 200);
    http_get(RU, tracker, &format!("/announce?{}", seed(6)));
    http_get(LOCAL, tracker, "/announce?info_hash=short");
    // Portal: three release pages (none exists: 404 all the same), the
    // front page, a path no route matches, and a refused visitor.
    let portal = running.portal_addr();
    for id in [7, 8, 9] {
        let (status, _) = http_get(LOCAL, portal, &format!("/releases/{id}?q=secret"));
        assert_eq!(status, 404);
    }
    assert_eq!(http_get(LOCAL, portal, "/").0, 200);
    assert_eq!(
        http_get(LOCAL, portal, &format!("/no/such/{PASSKEY}")).0,
        404
    );
    assert_eq!(http_get(RU, portal, "/").0, 451);

    // The flusher drains the policy counters every second; the counter
    // must not fall when it does.
    let data_dir = server.data_dir.path().to_owned();
    let mut stats_config = swarmgate::Config::default();
    stats_config.storage.data_dir = data_dir;
    let flushed = tokio::task::spawn_blocking(move || {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let stats = runtime
                .block_on(swarmgate::commands::policy_stats(&stats_config, 1))
                .unwrap();
            if stats.contains("self-block") || Instant::now() > deadline {
                return stats;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    })
    .await
    .unwrap();
    assert!(flushed.contains("self-block"), "{flushed}");

    // Scraped from the refused address: the metrics listener is not
    // behind the portal's 451 gate.
    let m = Metrics::scrape(&server, RU);
    let requests = "swarmgate_tracker_requests_total";
    let errors = "swarmgate_tracker_errors_total";
    let udp = ("protocol", "udp");
    let http = ("protocol", "http");
    assert_eq!(m.value(requests, &[udp, ("kind", "announce")]), 3.0);
    assert_eq!(m.value(requests, &[udp, ("kind", "connect")]), 4.0);
    assert_eq!(m.value(requests, &[udp, ("kind", "scrape")]), 1.0);
    assert_eq!(m.value(requests, &[http, ("kind", "announce")]), 4.0);
    assert_eq!(m.value(errors, &[http, ("kind", "denied")]), 1.0);
    assert_eq!(m.value(errors, &[http, ("kind", "bad_request")]), 1.0);
    assert_eq!(m.value(errors, &[udp, ("kind", "dropped")]), 0.0);
    assert_eq!(
        m.matching(requests, &[http, ("kind", "connect")]).count(),
        0
    );

    assert_eq!(m.value("swarmgate_tracker_mode", &[("mode", "open")]), 1.0);
    assert_eq!(m.value("swarmgate_swarm_torrents", &[]), 2.0);
    let peers = "swarmgate_swarm_peers";
    let v4 = ("family", "ipv4");
    let v6 = ("family", "ipv6");
    assert_eq!(m.value(peers, &[v4, ("role", "leecher")]), 3.0);
    assert_eq!(m.value(peers, &[v4, ("role", "seeder")]), 2.0);
    assert_eq!(m.value(peers, &[v6, ("role", "leecher")]), 0.0);
    assert_eq!(m.value(peers, &[v6, ("role", "seeder")]), 0.0);

    // Every tracker request was decided once: 4 connects, 3 announces
    // and a scrape over UDP, 4 announces over HTTP.
    let decisions = "swarmgate_policy_decisions_total";
    let tracker_scope = ("scope", "tracker");
    let denied = [tracker_scope, ("country", "RU"), ("rule", "self-block")];
    assert_eq!(
        m.value(
            decisions,
            &[denied[0], denied[1], denied[2], ("decision", "deny")]
        ),
        1.0
    );
    let decided: f64 = m
        .matching(decisions, &[tracker_scope])
        .map(|s| match s.value {
            Value::Counter(v) | Value::Untyped(v) => v,
            _ => 0.0,
        })
        .sum();
    assert_eq!(decided, 12.0);
    assert_eq!(
        m.value(
            decisions,
            &[("scope", "portal"), ("country", "RU"), ("decision", "deny")]
        ),
        1.0
    );
    assert_eq!(m.value("swarmgate_policy_rules", &[]), 1.0);

    let latency = "swarmgate_portal_request_duration_seconds";
    let release = [("route", "/releases/:id"), ("method", "GET")];
    assert!(m.observations(latency, &release) >= 3.0, "{}", m.body);
    assert_eq!(
        m.observations(latency, &[("route", "/releases/:id"), ("status", "4xx")]),
        3.0
    );
    assert!(m.observations(latency, &[("route", "/"), ("status", "2xx")]) >= 1.0);
    assert!(m.observations(latency, &[("route", "/"), ("status", "4xx")]) >= 1.0);
    assert!(m.observations(latency, &[("route", "unmatched")]) >= 1.0);
    for id in ["/releases/7", "/releases/8", "/releases/9", "/no/such"] {
        assert!(
            !m.body.contains(id),
            "a raw path in a label: {id}\n{}",
            m.body
        );
    }

    let sqlite = [("backend", "sqlite")];
    assert!(m.value("swarmgate_db_connections", &sqlite) >= 1.0);
    // Present exactly once, for the backend; how many idle at this moment
    // depends on the background jobs (the figures are checked exactly in
    // the store's pool test).
    m.value("swarmgate_db_idle_connections", &sqlite);
    assert_eq!(m.value("swarmgate_db_max_connections", &sqlite), 4.0);
    let version = [("version", env!("CARGO_PKG_VERSION"))];
    assert_eq!(m.value("swarmgate_build_info", &version), 1.0);
    assert!(m.value("swarmgate_process_start_time_seconds", &[]) > 1.7e9);
    assert!(m.value("swarmgate_process_resident_memory_bytes", &[]) > 0.0);

    assert_eq!(addresses_in(&m.body), Vec::<String>::new(), "{}", m.body);
    assert!(!m.body.contains(PASSKEY), "{}", m.body);
    assert!(!m.body.contains("secret"), "{}", m.body);
    assert!(m.body.ends_with("# EOF\n"));

    // The endpoint is on neither public port.
    assert_eq!(http_get(LOCAL, portal, "/metrics").0, 404);
    assert_eq!(http_get(LOCAL, tracker, "/metrics").0, 404);
    server.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn policy_decisions_never_fall_when_the_flusher_drains_them() {
    let data = tempfile::tempdir().unwrap();
    let mut config = config_for(LOCAL, data.path());
    config.storage.stats_flush_interval_secs = 1;
    let server = start_in(config, data).await;
    let decisions = |m: &Metrics| -> f64 {
        m.matching("swarmgate_policy_decisions_total", &[("scope", "tracker")])
            .map(|s| match s.value {
                Value::Counter(v) | Value::Untyped(v) => v,
                _ => 0.0,
            })
            .sum()
    };
    let mut client = UdpClient::new(LOCAL, server.running.udp_addr());
    let mut seen = Vec::new();
    let started = Instant::now();
    // Three seconds of requests and scrapes span at least two drains.
    while started.elapsed() < Duration::from_secs(3) {
        client.connect();
        seen.push(decisions(&Metrics::scrape(&server, LOCAL)));
    }
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
    assert_eq!(*seen.last().unwrap(), seen.len() as f64);
    server.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_mode_reports_the_ledger_and_its_writes() {
    const MEMBER: u8 = 0x4d;
    let data = tempfile::tempdir().unwrap();
    let store = store::Store::open_in_dir(data.path()).await.unwrap();
    let member = support::add_uploader(&store, "zelda", MEMBER).await;
    support::add_release(&store, member, 1, None, store::ReleaseStatus::Approved).await;
    store.close().await;
    let mut config = config_for(LOCAL, data.path());
    config.tracker.mode = TrackerMode::Private;
    config.accounting.flush_interval_secs = 1;
    config.accounting.max_rate_mib_per_sec = 1;
    let server = start_in(config, data).await;

    let announce = |uploaded: u64| {
        let query = announce_query(hash(1), peer(1), 6881, 100, "started")
            .replace("uploaded=0", &format!("uploaded={uploaded}"));
        let path = format!("/announce/{}?{query}", support::passkey_hex(MEMBER));
        let (status, _) = http_get(LOCAL, server.running.http_addr(), &path);
        assert_eq!(status, 200);
    };
    announce(0);
    server.clock.advance(10);
    // 5 MiB in 10 s is within the cap; 100 MiB more in 10 s is not.
    announce(5 << 20);
    server.clock.advance(10);
    announce(105 << 20);

    let m = Metrics::scrape(&server, LOCAL);
    assert_eq!(
        m.value("swarmgate_tracker_mode", &[("mode", "private")]),
        1.0
    );
    assert_eq!(m.value("swarmgate_tracker_listed_info_hashes", &[]), 1.0);
    assert_eq!(m.value("swarmgate_accounting_members", &[]), 1.0);
    assert_eq!(m.value("swarmgate_accounting_sessions", &[]), 1.0);
    assert_eq!(m.value("swarmgate_accounting_clamped_total", &[]), 1.0);
    assert_eq!(m.value("swarmgate_accounting_refused_total", &[]), 0.0);
    assert_eq!(
        m.value("swarmgate_accounting_flush_failures_total", &[]),
        0.0
    );

    let written = |m: &Metrics| m.value("swarmgate_accounting_flushed_rows_total", &[]);
    let mut last = None;
    eventually("the accounting flush", || {
        let m = Metrics::scrape(&server, LOCAL);
        let done = written(&m) >= 1.0;
        last = Some(m);
        done
    })
    .await;
    let m = last.unwrap();
    assert_eq!(m.value("swarmgate_accounting_backlog", &[]), 0.0);
    // Each write is timed; every write so far had rows to write.
    let writes = m.observations("swarmgate_accounting_flush_duration_seconds", &[]);
    assert!(writes >= 1.0 && writes <= written(&m), "{}", m.body);
    assert!(
        !m.body.contains(&support::passkey_hex(MEMBER)),
        "{}",
        m.body
    );
    assert!(!m.body.contains("zelda"), "no account name: {}", m.body);
    assert_eq!(addresses_in(&m.body), Vec::<String>::new());
    server.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disabled_metrics_bind_nothing_and_the_rest_runs() {
    let data = tempfile::tempdir().unwrap();
    let mut config = config_for(LOCAL, data.path());
    config.metrics.enabled = false;
    let server = start_in(config, data).await;
    assert_eq!(server.running.metrics_addr(), None);
    assert_eq!(
        http_get(LOCAL, server.running.portal_addr(), "/healthz").0,
        200
    );
    server.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_metrics_address_that_is_taken_stops_the_start_with_its_key() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let data = tempfile::tempdir().unwrap();
    let mut config = config_for(LOCAL, data.path());
    config.metrics.bind = taken.local_addr().unwrap();
    let clock = std::sync::Arc::new(swarm::ManualClock::default());
    let err = swarmgate::start_with_clock(&config, clock)
        .await
        .unwrap_err();
    assert!(format!("{err:#}").contains("metrics.bind"), "{err:#}");
}
