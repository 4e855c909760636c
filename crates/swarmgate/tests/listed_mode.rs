//! Tracker mode `listed` in-process over UDP and HTTP: only info-hashes in
//! the catalog are tracked, and the portal's changes to the catalog take
//! effect at once.

mod support;

use std::net::IpAddr;
use support::{
    TestServer, UdpAnnounce, UdpClient, announce_query, config_for, failure_reason, hash, http_get,
    pct, peer, start, start_in,
};
use swarmgate::config::TrackerMode;
use tracker::Catalog;
use tracker_proto::udp::{Response, ScrapeStats};

const A: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, 2));
const B: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, 3));
const UNLISTED: &str = "torrent not registered with this tracker";

async fn start_listed() -> TestServer {
    let data_dir = tempfile::tempdir().unwrap();
    let mut config = config_for(IpAddr::from([127, 0, 0, 1]), data_dir.path());
    config.tracker.mode = TrackerMode::Listed;
    start_in(config, data_dir).await
}

fn catalog(server: &TestServer) -> &Catalog {
    server
        .running
        .tracker()
        .catalog()
        .expect("mode listed has a catalog")
}

fn release(n: u8) -> accounting::Release {
    accounting::Release {
        id: accounting::ReleaseId(i64::from(n)),
        freeleech: false,
    }
}

fn udp_error(response: &Response) -> &str {
    match response {
        Response::Error { message, .. } => message,
        other => panic!("expected an error packet, got {other:?}"),
    }
}

fn udp_seeders(response: &Response) -> u32 {
    match response {
        Response::AnnounceV4(r) => r.seeders,
        other => panic!("expected an IPv4 announce response, got {other:?}"),
    }
}

fn http_announce(server: &TestServer, from: IpAddr, n: u8, port: u16) -> Vec<u8> {
    let q = announce_query(hash(n), peer(n), port, 0, "started");
    let (status, body) = http_get(from, server.running.http_addr(), &format!("/announce?{q}"));
    assert_eq!(status, 200);
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_approved_releases_in_the_store_are_listed_at_start() {
    let (data_dir, store) = support::migrated_store().await;
    let uploader = support::add_uploader(&store, "uploader", 1).await;
    for (n, status) in [
        (1, store::ReleaseStatus::Approved),
        (2, store::ReleaseStatus::Pending),
    ] {
        support::add_release(&store, uploader, n, None, status).await;
    }
    store.close().await;

    let mut config = config_for(IpAddr::from([127, 0, 0, 1]), data_dir.path());
    config.tracker.mode = TrackerMode::Listed;
    let server = start_in(config, data_dir).await;
    let mut client = UdpClient::new(A, server.running.udp_addr());
    let served = client.announce(UdpAnnounce::new(hash(1), peer(1), 6881, 0));
    assert_eq!(udp_seeders(&served), 1, "the approved release is tracked");
    let refused = client.announce(UdpAnnounce::new(hash(2), peer(1), 6881, 0));
    assert_eq!(udp_error(&refused), UNLISTED, "the pending one is not");
    server.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unlisted_hash_is_refused_over_udp_and_a_listed_one_served() {
    let server = start_listed().await;
    let mut client = UdpClient::new(A, server.running.udp_addr());
    catalog(&server).insert(hash(1), release(1));

    let refused = client.announce(UdpAnnounce::new(hash(2), peer(1), 6881, 0));
    assert_eq!(udp_error(&refused), UNLISTED);
    let served = client.announce(UdpAnnounce::new(hash(1), peer(1), 6881, 0));
    assert_eq!(udp_seeders(&served), 1);

    let stats = server.running.tracker().stats().snapshot().udp;
    assert_eq!(stats.unlisted, 1);
    assert_eq!(stats.errors, 0, "a refusal is not a bad request");
    assert_eq!(server.running.tracker().swarm().totals().torrents, 1);
    server.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unlisted_hash_is_refused_over_http_and_a_listed_one_served() {
    let server = start_listed().await;
    catalog(&server).insert(hash(1), release(1));

    let refused = http_announce(&server, A, 2, 6881);
    assert_eq!(failure_reason(&refused).as_deref(), Some(UNLISTED));
    let served = http_announce(&server, A, 1, 6881);
    assert_eq!(failure_reason(&served), None);
    assert_eq!(support::bint(&served, "complete"), 1);

    assert_eq!(server.running.tracker().stats().snapshot().http.unlisted, 1);
    server.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removing_a_hash_evicts_its_peers_and_refuses_the_next_announce() {
    let server = start_listed().await;
    let catalog = catalog(&server);
    catalog.insert(hash(1), release(1));
    catalog.insert(hash(2), release(2));
    let mut a = UdpClient::new(A, server.running.udp_addr());
    a.announce(UdpAnnounce::new(hash(1), peer(1), 6881, 0));
    a.announce(UdpAnnounce::new(hash(2), peer(1), 6881, 0));
    http_announce(&server, B, 1, 6882);
    let swarm = server.running.tracker().swarm();
    assert_eq!(swarm.scrape(&hash(1)).seeders, 2);

    assert!(catalog.remove(&hash(1)));
    assert_eq!(swarm.scrape(&hash(1)).seeders, 0, "evicted at once");
    assert_eq!(
        swarm.scrape(&hash(2)).seeders,
        1,
        "other torrents untouched"
    );
    let refused = a.announce(UdpAnnounce::new(hash(1), peer(1), 6881, 0));
    assert_eq!(udp_error(&refused), UNLISTED);
    let refused = http_announce(&server, B, 1, 6882);
    assert_eq!(failure_reason(&refused).as_deref(), Some(UNLISTED));
    assert_eq!(swarm.scrape(&hash(1)).seeders, 0);
    server.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adding_a_hash_takes_effect_at_once() {
    let server = start_listed().await;
    let mut client = UdpClient::new(A, server.running.udp_addr());
    let refused = client.announce(UdpAnnounce::new(hash(5), peer(1), 6881, 0));
    assert_eq!(udp_error(&refused), UNLISTED);
    let refused = http_announce(&server, B, 5, 6882);
    assert_eq!(failure_reason(&refused).as_deref(), Some(UNLISTED));

    catalog(&server).insert(hash(5), release(5));
    let served = client.announce(UdpAnnounce::new(hash(5), peer(1), 6881, 0));
    assert_eq!(udp_seeders(&served), 1);
    let served = http_announce(&server, B, 5, 6882);
    assert_eq!(support::bint(&served, "complete"), 2);
    server.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_udp_scrape_answers_zeros_for_unlisted_hashes_in_their_place() {
    let server = start_listed().await;
    catalog(&server).insert(hash(1), release(1));
    let mut client = UdpClient::new(A, server.running.udp_addr());
    client.announce(UdpAnnounce::new(hash(1), peer(1), 6881, 0));

    match client.scrape(&[hash(2), hash(1)]) {
        Response::Scrape { stats, .. } => assert_eq!(
            stats,
            vec![
                ScrapeStats::default(),
                ScrapeStats {
                    seeders: 1,
                    completed: 0,
                    leechers: 0
                }
            ]
        ),
        other => panic!("expected a scrape response, got {other:?}"),
    }
    assert_eq!(server.running.tracker().stats().snapshot().udp.unlisted, 1);
    server.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_http_scrape_leaves_unlisted_hashes_out() {
    let server = start_listed().await;
    catalog(&server).insert(hash(1), release(1));
    http_announce(&server, A, 1, 6881);

    let query = format!(
        "/scrape?info_hash={}&info_hash={}",
        pct(&hash(1).0),
        pct(&hash(2).0)
    );
    let (status, body) = http_get(A, server.running.http_addr(), &query);
    assert_eq!(status, 200);
    let decoded = bencode::decode(&body).unwrap();
    let files = &decoded
        .value
        .get(b"files")
        .expect("a files dictionary")
        .value;
    assert!(
        files.get(&hash(1).0).is_some(),
        "the listed hash is answered"
    );
    assert!(
        files.get(&hash(2).0).is_none(),
        "the unlisted hash is left out"
    );
    assert_eq!(server.running.tracker().stats().snapshot().http.unlisted, 1);
    server.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_mode_tracks_any_hash_and_has_no_catalog() {
    let server = start().await;
    assert!(server.running.tracker().catalog().is_none());
    let mut client = UdpClient::new(A, server.running.udp_addr());
    let served = client.announce(UdpAnnounce::new(hash(9), peer(1), 6881, 0));
    assert_eq!(udp_seeders(&served), 1);
    let served = http_announce(&server, B, 9, 6882);
    assert_eq!(support::bint(&served, "complete"), 2);
    let stats = server.running.tracker().stats().snapshot();
    assert_eq!((stats.udp.unlisted, stats.http.unlisted), (0, 0));
    server.running.stop().await.unwrap();
}
