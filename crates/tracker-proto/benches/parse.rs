//! The per-request hot paths of both tracker protocols: parsing an announce
//! and writing its answer with a typical 50-peer list.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr, SocketAddrV4};
use std::time::Duration;
use tracker_proto::udp::{self, ConnectionId, TransactionId};
use tracker_proto::{AnnounceEvent, InfoHash, PeerId, http};

const PEERS: usize = 50;

fn udp_announce_bytes() -> Vec<u8> {
    let request = udp::Request::Announce(udp::AnnounceRequest {
        connection_id: ConnectionId(0x1234_5678_9abc_def0),
        transaction_id: TransactionId(42),
        info_hash: InfoHash([0xab; 20]),
        peer_id: PeerId(*b"-qB4650-abcdefghijkl"),
        downloaded: 1 << 30,
        left: 1 << 20,
        uploaded: 1 << 31,
        event: AnnounceEvent::None,
        ip_address: 0,
        key: 0xdead_beef,
        num_want: None,
        port: 6881,
        url_data: b"/announce/0123456789abcdef0123456789abcdef"[..].into(),
    });
    let mut bytes = Vec::new();
    request.write_to(&mut bytes);
    bytes
}

fn udp_announce_response() -> udp::Response {
    let peers = (0..PEERS)
        .map(|i| SocketAddrV4::new(Ipv4Addr::new(10, 0, (i / 256) as u8, i as u8), 6881))
        .collect();
    udp::Response::AnnounceV4(udp::AnnounceResponse {
        transaction_id: TransactionId(42),
        interval: 1800,
        leechers: 120,
        seeders: 340,
        peers,
    })
}

/// What qBittorrent (libtorrent) sends, passkey in the query.
const HTTP_QUERY: &[u8] = b"info_hash=%124Vx%9A%BC%DE%F1%23Eg%89%AB%CD%EF%124Vx%9A\
    &peer_id=-qB4650-%21%28%2AabcDEF1234&port=6881&uploaded=2147483648\
    &downloaded=1073741824&left=1048576&corrupt=0&key=5A0B1C2D&numwant=50\
    &compact=1&no_peer_id=1&supportcrypto=1&redundant=0&pk=0123456789abcdef";

fn http_peers() -> Vec<http::ResponsePeer> {
    (0..PEERS)
        .map(|i| http::ResponsePeer {
            peer_id: PeerId([i as u8; 20]),
            ip: IpAddr::V4(Ipv4Addr::new(10, 0, (i / 256) as u8, i as u8)),
            port: 6881,
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let announce = udp_announce_bytes();
    c.bench_function("udp_announce_parse", |b| {
        b.iter(|| udp::Request::parse(black_box(&announce)))
    });

    let response = udp_announce_response();
    let mut out = Vec::with_capacity(1024);
    c.bench_function("udp_announce_response_write_50_peers", |b| {
        b.iter(|| {
            out.clear();
            black_box(&response).write_to(&mut out);
            black_box(out.len())
        })
    });

    c.bench_function("http_announce_query_parse", |b| {
        b.iter(|| http::parse_announce(black_box(HTTP_QUERY)))
    });

    let peers = http_peers();
    let resp = http::AnnounceResponse {
        interval: 1800,
        min_interval: 900,
        complete: 340,
        incomplete: 120,
        downloaded: 5000,
        peers: &peers,
    };
    c.bench_function("http_compact_response_write_50_peers", |b| {
        b.iter(|| {
            out.clear();
            http::write_announce_response(&mut out, black_box(&resp), http::PeerFormat::Compact);
            black_box(out.len())
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
