//! Property tests of the UDP wire format (BEP 15, BEP 41): everything
//! written parses back to the same value, and no input makes a parser
//! panic.

use proptest::prelude::*;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddrV4, SocketAddrV6};
use tracker_proto::udp::{
    AnnounceRequest, AnnounceResponse, ConnectRequest, ConnectionId, MAX_SCRAPE_HASHES, Request,
    Response, ScrapeRequest, ScrapeStats, TransactionId,
};
use tracker_proto::{AnnounceEvent, InfoHash, PeerId};

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
        (
            any::<u64>(),
            any::<u32>(),
            any::<[u8; 20]>(),
            any::<[u8; 20]>(),
        ),
        (any::<u64>(), any::<u64>(), any::<u64>(), event()),
        // num_want round-trips only within the signed wire range.
        (
            any::<u32>(),
            any::<u32>(),
            proptest::option::of(0..=i32::MAX as u32),
            any::<u16>(),
        ),
        proptest::collection::vec(any::<u8>(), 0..700),
    )
        .prop_map(
            |(
                (connection_id, transaction_id, info_hash, peer_id),
                (downloaded, left, uploaded, event),
                (ip_address, key, num_want, port),
                url_data,
            )| AnnounceRequest {
                connection_id: ConnectionId(connection_id),
                transaction_id: TransactionId(transaction_id),
                info_hash: InfoHash(info_hash),
                peer_id: PeerId(peer_id),
                downloaded,
                left,
                uploaded,
                event,
                ip_address,
                key,
                num_want,
                port,
                url_data: url_data.into(),
            },
        )
}

fn request() -> impl Strategy<Value = Request> {
    prop_oneof![
        any::<u32>().prop_map(|t| Request::Connect(ConnectRequest {
            transaction_id: TransactionId(t)
        })),
        announce_request().prop_map(Request::Announce),
        (
            any::<u64>(),
            any::<u32>(),
            proptest::collection::vec(any::<[u8; 20]>(), 1..=MAX_SCRAPE_HASHES)
        )
            .prop_map(|(c, t, hashes)| Request::Scrape(ScrapeRequest {
                connection_id: ConnectionId(c),
                transaction_id: TransactionId(t),
                info_hashes: hashes.into_iter().map(InfoHash).collect(),
            })),
    ]
}

fn announce_response<A: std::fmt::Debug>(
    peer: impl Strategy<Value = A>,
) -> impl Strategy<Value = AnnounceResponse<A>> {
    (
        any::<u32>(),
        any::<u32>(),
        any::<u32>(),
        any::<u32>(),
        proptest::collection::vec(peer, 0..80),
    )
        .prop_map(|(t, interval, leechers, seeders, peers)| AnnounceResponse {
            transaction_id: TransactionId(t),
            interval,
            leechers,
            seeders,
            peers,
        })
}

fn v4_peer() -> impl Strategy<Value = SocketAddrV4> {
    (any::<[u8; 4]>(), any::<u16>())
        .prop_map(|(ip, port)| SocketAddrV4::new(Ipv4Addr::from(ip), port))
}

fn v6_peer() -> impl Strategy<Value = SocketAddrV6> {
    (any::<[u8; 16]>(), any::<u16>())
        .prop_map(|(ip, port)| SocketAddrV6::new(Ipv6Addr::from(ip), port, 0, 0))
}

fn stats() -> impl Strategy<Value = ScrapeStats> {
    (any::<u32>(), any::<u32>(), any::<u32>()).prop_map(|(seeders, completed, leechers)| {
        ScrapeStats {
            seeders,
            completed,
            leechers,
        }
    })
}

fn written<T>(value: &T, write: impl Fn(&T, &mut Vec<u8>)) -> Vec<u8> {
    let mut out = Vec::new();
    write(value, &mut out);
    out
}

proptest! {
    #[test]
    fn every_request_parses_back_to_itself(request in request()) {
        let bytes = written(&request, Request::write_to);
        prop_assert_eq!(Request::parse(&bytes), Ok(request));
    }

    #[test]
    fn every_ipv4_response_parses_back_to_itself(
        response in prop_oneof![
            (any::<u32>(), any::<u64>()).prop_map(|(t, c)| Response::Connect {
                transaction_id: TransactionId(t),
                connection_id: ConnectionId(c),
            }),
            announce_response(v4_peer()).prop_map(Response::AnnounceV4),
            (any::<u32>(), proptest::collection::vec(stats(), 0..=MAX_SCRAPE_HASHES))
                .prop_map(|(t, stats)| Response::Scrape {
                    transaction_id: TransactionId(t),
                    stats,
                }),
            (any::<u32>(), ".{0,100}").prop_map(|(t, message)| Response::Error {
                transaction_id: TransactionId(t),
                message,
            }),
        ]
    ) {
        let bytes = written(&response, Response::write_to);
        prop_assert_eq!(Response::parse(&bytes, false), Some(response));
    }

    #[test]
    fn every_ipv6_announce_response_parses_back_to_itself(
        response in announce_response(v6_peer()).prop_map(Response::AnnounceV6)
    ) {
        let bytes = written(&response, Response::write_to);
        prop_assert_eq!(Response::parse(&bytes, true), Some(response));
    }

    #[test]
    fn request_parser_never_panics_on_arbitrary_bytes(
        bytes in proptest::collection::vec(any::<u8>(), 0..300)
    ) {
        let _ = Request::parse(&bytes);
    }

    #[test]
    fn request_parser_never_panics_on_a_damaged_request(
        request in request(),
        cut in any::<prop::sample::Index>(),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8),
    ) {
        let mut bytes = written(&request, Request::write_to);
        for (at, byte) in flips {
            let at = at.index(bytes.len());
            bytes[at] = byte;
        }
        bytes.truncate(cut.index(bytes.len() + 1));
        let _ = Request::parse(&bytes);
    }

    #[test]
    fn response_parser_never_panics_on_arbitrary_bytes(
        bytes in proptest::collection::vec(any::<u8>(), 0..300),
        ipv6 in any::<bool>(),
    ) {
        let _ = Response::parse(&bytes, ipv6);
    }
}
