//! The HTTP tracker (BEP 3, 7, 23, 48) in-process, spoken to with raw
//! HTTP/1.1 requests.

mod support;

use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr};
use support::{announce_query, bbytes, bint, hash, http_get, pct, peer, start, start_on};

const A: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, 2));
const B: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, 3));

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compact_announce_hands_out_six_byte_peers() {
    let server = start().await;
    let addr = server.running.http_addr();
    let q = announce_query(hash(1), peer(1), 6881, 0, "started");
    let (status, body) = http_get(A, addr, &format!("/announce?{q}"));
    assert_eq!(status, 200);
    assert_eq!(bint(&body, "complete"), 1);
    assert_eq!(bint(&body, "interval"), 1800);
    assert_eq!(bint(&body, "min interval"), 900);
    assert_eq!(bbytes(&body, "peers").unwrap(), b"");

    let q = announce_query(hash(1), peer(2), 6882, 10, "started");
    let (_, body) = http_get(B, addr, &format!("/announce?{q}"));
    assert_eq!((bint(&body, "complete"), bint(&body, "incomplete")), (1, 1));
    assert_eq!(bint(&body, "downloaded"), 0);
    assert_eq!(bbytes(&body, "peers").unwrap(), [127, 0, 0, 2, 0x1a, 0xe1]);
    assert_eq!(
        bbytes(&body, "peers6"),
        None,
        "no IPv6 peers, no peers6 key"
    );
    server.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compact_zero_gives_the_dictionary_model_with_and_without_peer_ids() {
    let server = start().await;
    let addr = server.running.http_addr();
    http_get(
        A,
        addr,
        &format!(
            "/announce?{}",
            announce_query(hash(2), peer(1), 6881, 0, "")
        ),
    );
    let q = announce_query(hash(2), peer(2), 6882, 10, "started");
    let (_, body) = http_get(B, addr, &format!("/announce?{q}&compact=0"));
    let decoded = bencode::decode(&body).unwrap();
    let peers = decoded.value.get(b"peers").unwrap();
    let bencode::Value::List(list) = &peers.value else {
        panic!("peers is a list")
    };
    assert_eq!(list.len(), 1);
    let entry = &list[0].value;
    assert_eq!(
        entry.get(b"ip").unwrap().value.as_bytes(),
        Some(&b"127.0.0.2"[..])
    );
    assert_eq!(entry.get(b"port").unwrap().value.as_int(), Some(6881));
    assert_eq!(
        entry.get(b"peer id").unwrap().value.as_bytes(),
        Some(&peer(1).0[..])
    );

    let (_, body) = http_get(B, addr, &format!("/announce?{q}&compact=0&no_peer_id=1"));
    let decoded = bencode::decode(&body).unwrap();
    let bencode::Value::List(list) = &decoded.value.get(b"peers").unwrap().value else {
        panic!("peers is a list")
    };
    assert!(list[0].value.get(b"peer id").is_none());
    server.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_updates_the_swarm() {
    let server = start().await;
    let addr = server.running.http_addr();
    let get = |ip, q: String| http_get(ip, addr, &format!("/announce?{q}")).1;
    get(A, announce_query(hash(3), peer(1), 7000, 100, "started"));
    get(B, announce_query(hash(3), peer(2), 7001, 0, "started"));
    let body = get(A, announce_query(hash(3), peer(1), 7000, 50, ""));
    assert_eq!((bint(&body, "complete"), bint(&body, "incomplete")), (1, 1));
    let body = get(A, announce_query(hash(3), peer(1), 7000, 0, "completed"));
    assert_eq!((bint(&body, "complete"), bint(&body, "downloaded")), (2, 1));
    let body = get(A, announce_query(hash(3), peer(1), 7000, 0, "stopped"));
    assert_eq!((bint(&body, "complete"), bint(&body, "incomplete")), (1, 0));
    assert_eq!(
        bbytes(&body, "peers").unwrap(),
        b"",
        "a stopping peer gets no peers"
    );
    server.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_announces_get_only_a_failure_reason() {
    let server = start().await;
    let addr = server.running.http_addr();
    let cases = [
        "/announce".to_owned(),
        format!(
            "/announce?info_hash={}&peer_id={}&port=1",
            pct(&[1; 19]),
            pct(&[2; 20])
        ),
        format!(
            "/announce?info_hash={}&port=1&left=0&uploaded=0&downloaded=0",
            pct(&[1; 20])
        ),
        format!(
            "{}&event=bogus",
            "/announce?".to_owned() + &announce_query(hash(4), peer(1), 1, 0, "")
        ),
        "/announce?info_hash=%zz".to_owned(),
        "/scrape?info_hash=%41".to_owned(),
    ];
    for path in &cases {
        let (status, body) = http_get(A, addr, path);
        assert_eq!(status, 200, "{path}");
        let decoded = bencode::decode(&body).unwrap_or_else(|e| panic!("{path}: {e}"));
        let bencode::Value::Dict(entries) = &decoded.value else {
            panic!("{path}: a dict")
        };
        assert_eq!(entries.len(), 1, "{path}: only `failure reason`");
        assert_eq!(entries[0].0, b"failure reason");
    }
    let errors = server.running.tracker().stats().snapshot().http.errors;
    assert_eq!(errors, cases.len() as u64);
    server.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scrape_answers_one_or_many_hashes_and_unknown_ones() {
    let server = start().await;
    let addr = server.running.http_addr();
    http_get(
        A,
        addr,
        &format!("/announce?{}", announce_query(hash(5), peer(1), 1, 0, "")),
    );
    http_get(
        B,
        addr,
        &format!("/announce?{}", announce_query(hash(5), peer(2), 2, 9, "")),
    );

    let (_, body) = http_get(A, addr, &format!("/scrape?info_hash={}", pct(&hash(5).0)));
    let decoded = bencode::decode(&body).unwrap();
    let files = decoded.value.get(b"files").unwrap();
    let entry = &files.value.get(&hash(5).0).unwrap().value;
    assert_eq!(entry.get(b"complete").unwrap().value.as_int(), Some(1));
    assert_eq!(entry.get(b"incomplete").unwrap().value.as_int(), Some(1));
    assert_eq!(entry.get(b"downloaded").unwrap().value.as_int(), Some(0));

    let many: Vec<String> = (10..110)
        .map(|n| format!("info_hash={}", pct(&hash(n).0)))
        .collect();
    let (_, body) = http_get(A, addr, &format!("/scrape?{}", many.join("&")));
    let decoded = bencode::decode(&body).unwrap();
    let bencode::Value::Dict(files) = &decoded.value.get(b"files").unwrap().value else {
        panic!("files is a dict")
    };
    assert_eq!(files.len(), 100);
    assert!(
        files
            .iter()
            .all(|(_, v)| v.value.get(b"complete").unwrap().value.as_int() == Some(0))
    );
    server.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ipv6_clients_get_peers6_over_http() {
    let loopback6: IpAddr = "::1".parse().unwrap();
    if std::net::TcpListener::bind(SocketAddr::new(loopback6, 0)).is_err() {
        eprintln!("no IPv6 loopback on this machine; IPv6 is covered where it exists");
        return;
    }
    let server = start_on(loopback6).await;
    let addr = server.running.http_addr();
    http_get(
        loopback6,
        addr,
        &format!(
            "/announce?{}",
            announce_query(hash(6), peer(1), 6881, 0, "")
        ),
    );
    let q = announce_query(hash(6), peer(2), 6882, 5, "started");
    let (_, body) = http_get(loopback6, addr, &format!("/announce?{q}"));
    let mut expected = vec![0u8; 15];
    expected.push(1);
    expected.extend_from_slice(&6881u16.to_be_bytes());
    assert_eq!(bbytes(&body, "peers6").unwrap(), expected);
    server.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_portal_answers_the_health_check() {
    let server = start().await;
    let (status, body) = http_get(A, server.running.portal_addr(), "/healthz");
    assert_eq!((status, body.as_slice()), (200, &b"ok\n"[..]));
    server.running.stop().await.unwrap();
}

/// The announce URL in a member's .torrent: `/announce/<passkey>`.
const PASSKEY: &str = "0123456789abcdef0123456789ABCDEF";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn announce_and_scrape_under_a_passkey_path_are_served_like_the_bare_ones() {
    let server = start().await;
    let addr = server.running.http_addr();
    let q = announce_query(hash(40), peer(1), 6881, 0, "started");
    let (status, body) = http_get(A, addr, &format!("/announce/{PASSKEY}?{q}"));
    assert_eq!(status, 200);
    assert_eq!(bbytes(&body, "failure reason"), None);
    assert_eq!(bint(&body, "complete"), 1);

    // Any passkey of the right shape: in modes open and listed it is not
    // looked up among the members.
    let other = "f".repeat(32);
    let q = announce_query(hash(40), peer(2), 6882, 10, "started");
    let (_, body) = http_get(B, addr, &format!("/announce/{other}?{q}"));
    assert_eq!((bint(&body, "complete"), bint(&body, "incomplete")), (1, 1));
    assert_eq!(bbytes(&body, "peers").unwrap(), [127, 0, 0, 2, 0x1a, 0xe1]);

    let path = format!("/scrape/{PASSKEY}?info_hash={}", pct(&hash(40).0));
    let (status, body) = http_get(A, addr, &path);
    assert_eq!(status, 200);
    let decoded = bencode::decode(&body).unwrap();
    let files = decoded.value.get(b"files").expect("a files dictionary");
    let counts = &files
        .value
        .get(&hash(40).0)
        .expect("the hash's entry")
        .value;
    assert_eq!(counts.get(b"complete").unwrap().value.as_int(), Some(1));
    assert_eq!(counts.get(b"incomplete").unwrap().value.as_int(), Some(1));
    server.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_passkey_path_that_is_not_32_hex_characters_is_refused() {
    let server = start().await;
    let addr = server.running.http_addr();
    let q = announce_query(hash(41), peer(1), 6881, 0, "started");
    let scrape_q = format!("info_hash={}", pct(&hash(41).0));
    let bad = [
        "abc".to_owned(),
        "g".repeat(32),
        "0".repeat(31),
        "0".repeat(33),
        String::new(),
        // Passkeys are not percent-decoded, over HTTP as over UDP.
        format!("%30{}", &PASSKEY[1..]),
        format!("{PASSKEY}/more"),
        format!("../{PASSKEY}"),
    ];
    for passkey in &bad {
        for path in [
            format!("/announce/{passkey}?{q}"),
            format!("/scrape/{passkey}?{scrape_q}"),
        ] {
            let (status, body) = http_get(A, addr, &path);
            assert_eq!(status, 200, "{path}");
            assert_eq!(
                bbytes(&body, "failure reason").as_deref(),
                Some(&b"malformed passkey in the announce URL"[..]),
                "{path}"
            );
        }
    }
    // Nothing was announced.
    let (_, body) = http_get(A, addr, &format!("/scrape?{scrape_q}"));
    let decoded = bencode::decode(&body).unwrap();
    let files = decoded.value.get(b"files").unwrap();
    let counts = &files.value.get(&hash(41).0).unwrap().value;
    assert_eq!(counts.get(b"complete").unwrap().value.as_int(), Some(0));

    // Other paths are not the tracker's; other methods are not allowed.
    for path in ["/", "/announcement", &format!("/x/{PASSKEY}")] {
        assert_eq!(http_get(A, addr, path).0, 404, "{path}");
    }
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "POST /announce/{PASSKEY}?{q} HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 405"), "{response}");
    assert!(
        response.to_ascii_lowercase().contains("allow: get,head"),
        "{response}"
    );
    server.running.stop().await.unwrap();
}
