//! Property tests of the HTTP tracker formats: queries built the way real
//! clients percent-encode parse back to the same values, responses decode
//! as canonical bencode with the expected contents, and no input makes a
//! parser panic.

use bencode::{Spanned, Strictness, Value};
use proptest::prelude::*;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use tracker_proto::http::{
    AnnounceRequest, AnnounceResponse, HttpRequestError, MAX_SCRAPE_HASHES, PeerFormat,
    ResponsePeer, ScrapeFile, parse_announce, parse_scrape, write_announce_response, write_failure,
    write_scrape_response,
};
use tracker_proto::{AnnounceEvent, InfoHash, PeerId};

/// Percent-encodes like a client: unreserved bytes (RFC 3986) may stay
/// literal, everything else becomes `%XX` in either case. `style` picks,
/// per byte, between literal-when-allowed, upper- and lower-case escapes.
fn encode(bytes: &[u8], style: &[u8]) -> String {
    let mut out = String::new();
    for (i, &b) in bytes.iter().enumerate() {
        let choice = style.get(i).copied().unwrap_or(0) % 3;
        if choice == 0 && (b.is_ascii_alphanumeric() || b"-._~".contains(&b)) {
            out.push(char::from(b));
        } else if choice == 1 {
            out.push_str(&format!("%{b:02X}"));
        } else {
            out.push_str(&format!("%{b:02x}"));
        }
    }
    out
}

fn event() -> impl Strategy<Value = AnnounceEvent> {
    prop_oneof![
        Just(AnnounceEvent::None),
        Just(AnnounceEvent::Completed),
        Just(AnnounceEvent::Started),
        Just(AnnounceEvent::Stopped),
    ]
}

fn announce_request() -> impl Strategy<Value = AnnounceRequest> {
    (
        (any::<[u8; 20]>(), any::<[u8; 20]>(), any::<u16>()),
        (any::<u64>(), any::<u64>(), any::<u64>(), event()),
        (
            proptest::option::of(any::<u32>()),
            any::<bool>(),
            any::<bool>(),
        ),
        (
            proptest::option::of(proptest::collection::vec(any::<u8>(), 0..16)),
            proptest::option::of(proptest::collection::vec(any::<u8>(), 0..40)),
        ),
    )
        .prop_map(
            |(
                (info_hash, peer_id, port),
                (uploaded, downloaded, left, event),
                (numwant, compact, no_peer_id),
                (key, passkey),
            )| AnnounceRequest {
                info_hash: InfoHash(info_hash),
                peer_id: PeerId(peer_id),
                port,
                uploaded,
                downloaded,
                left,
                event,
                numwant,
                compact,
                no_peer_id,
                key,
                passkey,
            },
        )
}

/// The parameters of `a` in some order, with an unknown one mixed in.
fn query_params(a: &AnnounceRequest, style: &[u8]) -> Vec<String> {
    let mut params = vec![
        format!("info_hash={}", encode(&a.info_hash.0, style)),
        format!("peer_id={}", encode(&a.peer_id.0, style)),
        format!("port={}", a.port),
        format!("uploaded={}", a.uploaded),
        format!("downloaded={}", a.downloaded),
        format!("left={}", a.left),
        format!("compact={}", u8::from(a.compact)),
        format!("no_peer_id={}", u8::from(a.no_peer_id)),
        "supportcrypto=1".to_owned(),
    ];
    match a.event {
        AnnounceEvent::None => {}
        AnnounceEvent::Completed => params.push("event=completed".into()),
        AnnounceEvent::Started => params.push("event=started".into()),
        AnnounceEvent::Stopped => params.push("event=stopped".into()),
    }
    if let Some(n) = a.numwant {
        params.push(format!("numwant={n}"));
    }
    if let Some(key) = &a.key {
        params.push(format!("key={}", encode(key, style)));
    }
    if let Some(pk) = &a.passkey {
        params.push(format!("pk={}", encode(pk, style)));
    }
    params
}

fn peer() -> impl Strategy<Value = ResponsePeer> {
    let ip = prop_oneof![
        any::<[u8; 4]>().prop_map(|o| IpAddr::V4(Ipv4Addr::from(o))),
        // Never IPv4-mapped: those are written as IPv4 on purpose.
        any::<[u8; 16]>()
            .prop_filter("not IPv4-mapped", |o| Ipv6Addr::from(*o)
                .to_ipv4_mapped()
                .is_none())
            .prop_map(|o| IpAddr::V6(Ipv6Addr::from(o))),
    ];
    (any::<[u8; 20]>(), ip, any::<u16>()).prop_map(|(id, ip, port)| ResponsePeer {
        peer_id: PeerId(id),
        ip,
        port,
    })
}

fn canonical(bytes: &[u8]) -> Spanned<'_> {
    let decoded = bencode::decode_with(bytes, bencode::Limits::default(), Strictness::Canonical);
    decoded.unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(bytes)))
}

fn int(dict: &Spanned<'_>, key: &str) -> Option<i64> {
    dict.value.get(key.as_bytes())?.value.as_int()
}

fn bytes<'a>(dict: &Spanned<'a>, key: &str) -> Option<&'a [u8]> {
    dict.value.get(key.as_bytes())?.value.as_bytes()
}

fn compact_entry(peer: &ResponsePeer) -> Vec<u8> {
    let mut entry = match peer.ip {
        IpAddr::V4(ip) => ip.octets().to_vec(),
        IpAddr::V6(ip) => ip.octets().to_vec(),
    };
    entry.extend_from_slice(&peer.port.to_be_bytes());
    entry
}

proptest! {
    #[test]
    fn encoded_announce_query_parses_back(
        request in announce_request(),
        style in proptest::collection::vec(any::<u8>(), 40),
        order in any::<prop::sample::Index>(),
    ) {
        let mut params = query_params(&request, &style);
        let split = order.index(params.len());
        params.rotate_left(split);
        let query = params.join("&");
        prop_assert_eq!(parse_announce(query.as_bytes()), Ok(request));
    }

    #[test]
    fn encoded_scrape_query_parses_back(
        hashes in proptest::collection::vec(any::<[u8; 20]>(), 0..=MAX_SCRAPE_HASHES),
        style in proptest::collection::vec(any::<u8>(), 20),
    ) {
        let query: Vec<String> =
            hashes.iter().map(|h| format!("info_hash={}", encode(h, &style))).collect();
        let expected: Vec<InfoHash> = hashes.into_iter().map(InfoHash).collect();
        prop_assert_eq!(parse_scrape(query.join("&").as_bytes()), Ok(expected));
    }

    #[test]
    fn compact_announce_response_decodes_with_every_peer(
        peers in proptest::collection::vec(peer(), 0..60),
        (interval, min_interval, complete, incomplete, downloaded)
            in (any::<u32>(), any::<u32>(), any::<u32>(), any::<u32>(), 0..=i64::MAX as u64),
    ) {
        let resp = AnnounceResponse {
            interval,
            min_interval,
            complete,
            incomplete,
            downloaded,
            peers: &peers,
        };
        let mut out = Vec::new();
        write_announce_response(&mut out, &resp, PeerFormat::Compact);
        let dict = canonical(&out);

        prop_assert_eq!(int(&dict, "interval"), Some(interval.into()));
        prop_assert_eq!(int(&dict, "min interval"), Some(min_interval.into()));
        prop_assert_eq!(int(&dict, "complete"), Some(complete.into()));
        prop_assert_eq!(int(&dict, "incomplete"), Some(incomplete.into()));
        prop_assert_eq!(int(&dict, "downloaded"), Some(downloaded as i64));

        let v4: Vec<u8> = peers.iter().filter(|p| p.ip.is_ipv4()).flat_map(compact_entry).collect();
        let v6: Vec<u8> = peers.iter().filter(|p| p.ip.is_ipv6()).flat_map(compact_entry).collect();
        prop_assert_eq!(bytes(&dict, "peers"), Some(&v4[..]));
        if v6.is_empty() {
            prop_assert!(dict.value.get(b"peers6").is_none());
        } else {
            prop_assert_eq!(bytes(&dict, "peers6"), Some(&v6[..]));
        }
    }

    #[test]
    fn dictionary_announce_response_decodes_with_every_peer(
        peers in proptest::collection::vec(peer(), 0..30),
        no_peer_id in any::<bool>(),
    ) {
        let resp = AnnounceResponse {
            interval: 1800,
            min_interval: 900,
            complete: 1,
            incomplete: 2,
            downloaded: 3,
            peers: &peers,
        };
        let mut out = Vec::new();
        write_announce_response(&mut out, &resp, PeerFormat::Dictionary { no_peer_id });
        let dict = canonical(&out);

        let Some(Value::List(list)) = dict.value.get(b"peers").map(|p| &p.value) else {
            panic!("peers is not a list");
        };
        prop_assert_eq!(list.len(), peers.len());
        for (entry, peer) in list.iter().zip(&peers) {
            let ip = bytes(entry, "ip").and_then(|ip| std::str::from_utf8(ip).ok());
            prop_assert_eq!(ip.and_then(|ip| ip.parse().ok()), Some(peer.ip));
            prop_assert_eq!(int(entry, "port"), Some(peer.port.into()));
            let id = bytes(entry, "peer id");
            prop_assert_eq!(id, (!no_peer_id).then_some(&peer.peer_id.0[..]));
        }
    }

    #[test]
    fn scrape_response_decodes_with_every_distinct_hash(
        files in proptest::collection::vec(
            (any::<[u8; 20]>(), any::<u32>(), any::<u32>(), 0..=i64::MAX as u64),
            0..40,
        ),
    ) {
        let files: Vec<ScrapeFile> = files
            .into_iter()
            .map(|(h, complete, incomplete, downloaded)| ScrapeFile {
                info_hash: InfoHash(h), complete, incomplete, downloaded,
            })
            .collect();
        let mut out = Vec::new();
        write_scrape_response(&mut out, &files);
        let dict = canonical(&out);

        let Some(Value::Dict(entries)) = dict.value.get(b"files").map(|f| &f.value) else {
            panic!("files is not a dictionary");
        };
        let mut distinct: Vec<InfoHash> = files.iter().map(|f| f.info_hash).collect();
        distinct.sort();
        distinct.dedup();
        prop_assert_eq!(entries.len(), distinct.len());
        for (hash, counts) in entries {
            let first = files.iter().find(|f| &f.info_hash.0[..] == *hash);
            let Some(file) = first else { panic!("unexpected hash") };
            prop_assert_eq!(int(counts, "complete"), Some(file.complete.into()));
            prop_assert_eq!(int(counts, "incomplete"), Some(file.incomplete.into()));
            prop_assert_eq!(int(counts, "downloaded"), Some(file.downloaded as i64));
        }
    }

    #[test]
    fn failure_decodes_to_its_reason(reason in ".{0,200}") {
        let mut out = Vec::new();
        write_failure(&mut out, &reason);
        let dict = canonical(&out);
        prop_assert_eq!(bytes(&dict, "failure reason"), Some(reason.as_bytes()));
        let Value::Dict(entries) = &dict.value else { panic!("not a dictionary") };
        prop_assert_eq!(entries.len(), 1);
    }

    #[test]
    fn query_parsers_never_panic_on_arbitrary_bytes(
        query in proptest::collection::vec(any::<u8>(), 0..400)
    ) {
        let _ = parse_announce(&query);
        let _ = parse_scrape(&query);
    }

    #[test]
    fn query_parsers_never_panic_on_query_like_input(
        query in concat!(
            "((info_hash|peer_id|port|left|uploaded|downloaded|event|numwant|compact|key|pk)",
            "(=([a-z0-9%+&=]|%[0-9a-fA-F]{2}){0,30})?&?){0,12}",
        )
    ) {
        let _ = parse_announce(query.as_bytes());
        let _ = parse_scrape(query.as_bytes());
    }
}

#[test]
fn scrape_of_unknown_hashes_reports_zero_counts() {
    let file = ScrapeFile {
        info_hash: InfoHash([7; 20]),
        complete: 0,
        incomplete: 0,
        downloaded: 0,
    };
    let mut out = Vec::new();
    write_scrape_response(&mut out, &[file]);
    let dict = canonical(&out);
    let counts = dict.value.get(b"files").and_then(|f| f.value.get(&[7; 20]));
    assert_eq!(
        counts
            .and_then(|c| c.value.get(b"complete"))
            .and_then(|c| c.value.as_int()),
        Some(0)
    );
}

#[test]
fn every_error_reads_as_a_failure_reason() {
    let errors = [
        HttpRequestError::Missing("port"),
        HttpRequestError::Invalid("info_hash"),
        HttpRequestError::MalformedQuery,
        HttpRequestError::TooManyHashes,
    ];
    let reasons: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        reasons,
        [
            "missing parameter: port",
            "invalid parameter: info_hash",
            "malformed query string",
            "too many info_hash parameters (at most 256)",
        ]
    );
}
