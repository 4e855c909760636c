//! The UDP tracker (BEP 15) in-process, spoken to with raw datagrams.

mod support;

use std::net::{IpAddr, SocketAddr, SocketAddrV4};
use std::time::Duration;
use support::{UdpAnnounce, UdpClient, hash, peer, start, start_on};
use swarm::Clock;
use tracker_proto::AnnounceEvent;
use tracker_proto::udp::{ConnectionId, Response, ScrapeStats};

const A: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, 2));
const B: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, 3));
const C: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, 4));

fn v4_peers(response: &Response) -> (u32, u32, Vec<SocketAddrV4>) {
    match response {
        Response::AnnounceV4(r) => (r.seeders, r.leechers, r.peers.clone()),
        other => panic!("expected an IPv4 announce response, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leecher_is_handed_the_seeder_and_not_itself() {
    let server = start().await;
    let addr = server.running.udp_addr();
    let (mut seeder, mut leecher) = (UdpClient::new(A, addr), UdpClient::new(B, addr));

    let (seeders, leechers, peers) =
        v4_peers(&seeder.announce(UdpAnnounce::new(hash(1), peer(1), 6881, 0)));
    assert_eq!((seeders, leechers), (1, 0));
    assert!(
        peers.is_empty(),
        "the seeder is alone and must not get itself back"
    );

    let (seeders, leechers, peers) =
        v4_peers(&leecher.announce(UdpAnnounce::new(hash(1), peer(2), 6882, 1000)));
    assert_eq!((seeders, leechers), (1, 1));
    assert_eq!(
        peers,
        vec!["127.0.0.2:6881".parse::<SocketAddrV4>().unwrap()]
    );
    server.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completed_is_counted_once_and_stopped_removes_the_peer() {
    let server = start().await;
    let addr = server.running.udp_addr();
    let mut client = UdpClient::new(A, addr);
    let mut other = UdpClient::new(B, addr);
    let leech = UdpAnnounce::new(hash(2), peer(1), 7000, 500);
    client.announce(leech);
    other.announce(UdpAnnounce::new(hash(2), peer(2), 7001, 500));

    let done = UdpAnnounce { left: 0, ..leech }.event(AnnounceEvent::Completed);
    assert_eq!(v4_peers(&client.announce(done)).0, 1);
    // A repeated `completed` from what is now a seeder is not a new download.
    client.announce(done);
    client.announce(UdpAnnounce { left: 0, ..leech }.event(AnnounceEvent::None));
    match client.scrape(&[hash(2)]) {
        Response::Scrape { stats, .. } => {
            assert_eq!(
                stats,
                vec![ScrapeStats {
                    seeders: 1,
                    completed: 1,
                    leechers: 1
                }]
            );
        }
        other => panic!("expected a scrape response, got {other:?}"),
    }

    let stopped = client.announce(UdpAnnounce { left: 0, ..leech }.event(AnnounceEvent::Stopped));
    let (seeders, leechers, peers) = v4_peers(&stopped);
    assert_eq!((seeders, leechers), (0, 1));
    assert!(peers.is_empty(), "a stopping peer gets no peers");
    let (_, _, peers) = v4_peers(&other.announce(UdpAnnounce::new(hash(2), peer(2), 7001, 500)));
    assert!(peers.is_empty(), "the stopped peer is no longer handed out");
    server.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn numwant_limits_the_peers_handed_out() {
    let server = start().await;
    let addr = server.running.udp_addr();
    let mut client = UdpClient::new(A, addr);
    for n in 0..20u8 {
        client.announce(UdpAnnounce::new(hash(3), peer(n), 6000 + u16::from(n), 0));
    }
    let mut asker = UdpClient::new(B, addr);
    let mut req = UdpAnnounce::new(hash(3), peer(100), 5000, 10);
    req.num_want = Some(5);
    let (_, _, peers) = v4_peers(&asker.announce(req));
    assert_eq!(peers.len(), 5);
    req.num_want = Some(10_000);
    let (seeders, _, peers) = v4_peers(&asker.announce(req));
    assert_eq!(seeders, 20);
    assert_eq!(
        peers.len(),
        20,
        "capped by the swarm size, below max_numwant"
    );
    server.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peers_expire_after_the_ttl_with_a_stopped_clock() {
    let server = start().await;
    let addr = server.running.udp_addr();
    let mut client = UdpClient::new(A, addr);
    client.announce(UdpAnnounce::new(hash(4), peer(1), 6881, 0));
    let swarm = server.running.tracker().swarm();

    server.clock.advance(2699);
    assert_eq!(
        swarm.expire(server.clock.now()),
        0,
        "not older than the TTL yet"
    );
    server.clock.advance(1);
    assert_eq!(swarm.expire(server.clock.now()), 1);
    assert_eq!(swarm.scrape(&hash(4)).seeders, 0);
    server.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_connection_id_gets_an_error_and_a_fresh_one_works() {
    let server = start().await;
    let mut client = UdpClient::new(A, server.running.udp_addr());
    let id = client.connect();
    server.clock.advance(600);
    match client.announce_with(id, UdpAnnounce::new(hash(5), peer(1), 6881, 0)) {
        Response::Error { message, .. } => assert!(message.contains("connection id"), "{message}"),
        other => panic!("expected an error, got {other:?}"),
    }
    let forged = ConnectionId(0x1234_5678_9abc_def0);
    assert!(matches!(
        client.announce_with(forged, UdpAnnounce::new(hash(5), peer(1), 6881, 0)),
        Response::Error { .. }
    ));
    assert!(matches!(
        client.announce(UdpAnnounce::new(hash(5), peer(1), 6881, 0)),
        Response::AnnounceV4(_)
    ));
    server.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_id_is_bound_to_the_address_it_was_issued_to() {
    let server = start().await;
    let addr = server.running.udp_addr();
    let id = UdpClient::new(A, addr).connect();
    let mut thief = UdpClient::new(C, addr);
    assert!(matches!(
        thief.announce_with(id, UdpAnnounce::new(hash(6), peer(1), 6881, 0)),
        Response::Error { .. }
    ));
    server.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_datagrams_are_answered_or_dropped_and_counted() {
    let server = start().await;
    let client = UdpClient::new(A, server.running.udp_addr());
    let stats = || server.running.tracker().stats().snapshot().udp;

    // Too short to hold a transaction id: dropped without reply.
    client.send_raw(&[0u8; 7]);
    assert_eq!(client.recv_raw(Duration::from_millis(300)), None);
    // A connect with the wrong magic: clients can't be told, so dropped.
    let mut bad_magic = vec![0u8; 16];
    bad_magic[12..16].copy_from_slice(&9u32.to_be_bytes());
    client.send_raw(&bad_magic);
    assert_eq!(client.recv_raw(Duration::from_millis(300)), None);
    // An unknown action with a transaction id: an error reply.
    let mut bad_action = vec![0u8; 16];
    bad_action[8..12].copy_from_slice(&77u32.to_be_bytes());
    bad_action[12..16].copy_from_slice(&42u32.to_be_bytes());
    client.send_raw(&bad_action);
    let reply = client
        .recv_raw(Duration::from_secs(5))
        .expect("an error reply");
    match Response::parse(&reply, false) {
        Some(Response::Error { transaction_id, .. }) => assert_eq!(transaction_id.0, 42),
        other => panic!("expected an error response, got {other:?}"),
    }
    // A truncated announce (action 1, 40 bytes).
    let mut truncated = vec![0u8; 40];
    truncated[8..12].copy_from_slice(&1u32.to_be_bytes());
    client.send_raw(&truncated);
    assert!(client.recv_raw(Duration::from_secs(5)).is_some());

    let s = stats();
    assert_eq!(s.dropped, 2);
    assert_eq!(s.errors, 2);
    // The server still answers properly afterwards.
    let mut client = UdpClient::new(A, server.running.udp_addr());
    client.connect();
    server.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scrape_answers_many_hashes_in_order_with_zeros_for_unknown_ones() {
    let server = start().await;
    let mut client = UdpClient::new(A, server.running.udp_addr());
    client.announce(UdpAnnounce::new(hash(7), peer(1), 6881, 0));
    let mut hashes: Vec<_> = (100..174).map(hash).collect();
    hashes[10] = hash(7);
    match client.scrape(&hashes) {
        Response::Scrape { stats, .. } => {
            assert_eq!(stats.len(), 74);
            assert_eq!(
                stats[10],
                ScrapeStats {
                    seeders: 1,
                    completed: 0,
                    leechers: 0
                }
            );
            assert!(
                stats
                    .iter()
                    .enumerate()
                    .all(|(i, s)| i == 10 || *s == ScrapeStats::default())
            );
        }
        other => panic!("expected a scrape response, got {other:?}"),
    }
    server.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ipv6_clients_get_ipv6_peers_over_udp() {
    let loopback6: IpAddr = "::1".parse().unwrap();
    if std::net::UdpSocket::bind(SocketAddr::new(loopback6, 0)).is_err() {
        eprintln!("no IPv6 loopback on this machine; IPv6 is covered where it exists");
        return;
    }
    let server = start_on(loopback6).await;
    let addr = server.running.udp_addr();
    let mut seeder = UdpClient::new(loopback6, addr);
    let mut leecher = UdpClient::new(loopback6, addr);
    seeder.announce(UdpAnnounce::new(hash(8), peer(1), 6881, 0));
    match leecher.announce(UdpAnnounce::new(hash(8), peer(2), 6882, 9)) {
        Response::AnnounceV6(r) => {
            assert_eq!(r.peers.len(), 1);
            assert_eq!(r.peers[0].to_string(), "[::1]:6881");
        }
        other => panic!("expected an IPv6 announce response, got {other:?}"),
    }
    server.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_announce_carrying_a_passkey_as_url_data_is_served() {
    // `udp://host:port/announce/<passkey>` from a member's .torrent: BEP 41
    // URL data, parsed and ignored in modes open and listed.
    let server = start().await;
    let addr = server.running.udp_addr();
    let mut client = UdpClient::new(A, addr);
    let connection_id = client.connect();
    let response = client.request(&tracker_proto::udp::Request::Announce(
        tracker_proto::udp::AnnounceRequest {
            connection_id,
            transaction_id: tracker_proto::udp::TransactionId(99),
            info_hash: hash(60),
            peer_id: peer(1),
            downloaded: 0,
            left: 0,
            uploaded: 0,
            event: AnnounceEvent::Started,
            ip_address: 0,
            key: 7,
            num_want: None,
            port: 6881,
            url_data: b"/announce/0123456789abcdef0123456789abcdef"[..].into(),
        },
    ));
    assert_eq!(v4_peers(&response).0, 1, "served, and counted as a seeder");
    server.running.stop().await.unwrap();
}
