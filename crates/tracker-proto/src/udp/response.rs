//! Tracker datagrams: encoding (server side) and parsing (test clients).
//!
//! Layouts (BEP 15), after the 8-byte header `action: u32,
//! transaction_id: u32`:
//! - connect: `connection_id: u64`;
//! - announce: `interval: u32, leechers: u32, seeders: u32`, then peers as
//!   `ip[4] port:u16` (6 bytes) on IPv4 or `ip[16] port:u16` (18 bytes) on
//!   IPv6, the family being that of the request's transport;
//! - scrape: `seeders: u32, completed: u32, leechers: u32` per requested
//!   hash, in request order;
//! - error: the message bytes up to the end of the datagram.

use super::reader::Reader;
use super::{AnnounceResponse, ConnectionId, Response, ScrapeStats, TransactionId, action};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

/// Writes an announce response straight from peer addresses, for the
/// server's hot path: [`Response::write_to`] needs the peers collected in
/// a `Vec` first. Only peers of the requester's family (`ipv6`) are
/// written; others cannot be encoded in this response (BEP 15) and are
/// skipped.
pub fn write_announce(
    out: &mut Vec<u8>,
    header: AnnounceHeader,
    ipv6: bool,
    peers: impl IntoIterator<Item = SocketAddr>,
) {
    write_header(out, action::ANNOUNCE, header.transaction_id);
    out.extend_from_slice(&header.interval.to_be_bytes());
    out.extend_from_slice(&header.leechers.to_be_bytes());
    out.extend_from_slice(&header.seeders.to_be_bytes());
    for peer in peers {
        match (peer.ip(), ipv6) {
            (IpAddr::V4(ip), false) => out.extend_from_slice(&ip.octets()),
            (IpAddr::V6(ip), true) => out.extend_from_slice(&ip.octets()),
            _ => continue,
        }
        out.extend_from_slice(&peer.port().to_be_bytes());
    }
}

/// The fixed part of an announce response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AnnounceHeader {
    pub transaction_id: TransactionId,
    pub interval: u32,
    pub leechers: u32,
    pub seeders: u32,
}

/// Writes an error response without building a [`Response`] (whose
/// message is an owned `String`).
pub fn write_error(out: &mut Vec<u8>, transaction_id: TransactionId, message: &str) {
    write_header(out, action::ERROR, transaction_id);
    out.extend_from_slice(message.as_bytes());
}

impl Response {
    /// Appends the wire bytes to `out`.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        match self {
            Response::Connect {
                transaction_id,
                connection_id,
            } => {
                write_header(out, action::CONNECT, *transaction_id);
                out.extend_from_slice(&connection_id.0.to_be_bytes());
            }
            Response::AnnounceV4(a) => {
                out.reserve(20 + 6 * a.peers.len());
                let peers = a.peers.iter().map(|p| SocketAddr::V4(*p));
                write_announce(out, announce_header(a), false, peers);
            }
            Response::AnnounceV6(a) => {
                out.reserve(20 + 18 * a.peers.len());
                let peers = a.peers.iter().map(|p| SocketAddr::V6(*p));
                write_announce(out, announce_header(a), true, peers);
            }
            Response::Scrape {
                transaction_id,
                stats,
            } => {
                out.reserve(8 + 12 * stats.len());
                write_header(out, action::SCRAPE, *transaction_id);
                for s in stats {
                    out.extend_from_slice(&s.seeders.to_be_bytes());
                    out.extend_from_slice(&s.completed.to_be_bytes());
                    out.extend_from_slice(&s.leechers.to_be_bytes());
                }
            }
            Response::Error {
                transaction_id,
                message,
            } => write_error(out, *transaction_id, message),
        }
    }

    /// Parses a response (for test clients and round-trip tests). An
    /// announce response is read as IPv6 when `ipv6` is set.
    ///
    /// Strict about lengths, since its job is to catch a server that writes
    /// the wrong bytes: a connect answer is exactly 16 bytes and a peer or
    /// scrape list must end on an entry boundary. An error message that is
    /// not UTF-8 is decoded lossily.
    pub fn parse(bytes: &[u8], ipv6: bool) -> Option<Response> {
        let mut r = Reader::new(bytes);
        let action = r.u32()?;
        let transaction_id = TransactionId(r.u32()?);
        let response = match action {
            action::CONNECT => {
                let connection_id = ConnectionId(r.u64()?);
                if !r.rest().is_empty() {
                    return None;
                }
                Response::Connect {
                    transaction_id,
                    connection_id,
                }
            }
            action::ANNOUNCE => {
                let interval = r.u32()?;
                let leechers = r.u32()?;
                let seeders = r.u32()?;
                if ipv6 {
                    let peers = read_entries(r.rest(), read_v6)?;
                    Response::AnnounceV6(AnnounceResponse {
                        transaction_id,
                        interval,
                        leechers,
                        seeders,
                        peers,
                    })
                } else {
                    let peers = read_entries(r.rest(), read_v4)?;
                    Response::AnnounceV4(AnnounceResponse {
                        transaction_id,
                        interval,
                        leechers,
                        seeders,
                        peers,
                    })
                }
            }
            action::SCRAPE => {
                let stats = read_entries(r.rest(), read_stats)?;
                Response::Scrape {
                    transaction_id,
                    stats,
                }
            }
            action::ERROR => {
                let message = String::from_utf8_lossy(r.rest()).into_owned();
                Response::Error {
                    transaction_id,
                    message,
                }
            }
            _ => return None,
        };
        Some(response)
    }
}

fn write_header(out: &mut Vec<u8>, action: u32, transaction_id: TransactionId) {
    out.extend_from_slice(&action.to_be_bytes());
    out.extend_from_slice(&transaction_id.0.to_be_bytes());
}

fn announce_header<A>(a: &AnnounceResponse<A>) -> AnnounceHeader {
    AnnounceHeader {
        transaction_id: a.transaction_id,
        interval: a.interval,
        leechers: a.leechers,
        seeders: a.seeders,
    }
}

/// `None` unless `bytes` is a whole number of `N`-byte entries.
fn read_entries<const N: usize, A>(bytes: &[u8], read: fn(&[u8; N]) -> A) -> Option<Vec<A>> {
    let (entries, []) = bytes.as_chunks::<N>() else {
        return None;
    };
    Some(entries.iter().map(read).collect())
}

fn read_stats(entry: &[u8; 12]) -> ScrapeStats {
    let mut r = Reader::new(entry);
    let mut next = || r.u32().unwrap_or_default();
    ScrapeStats {
        seeders: next(),
        completed: next(),
        leechers: next(),
    }
}

fn read_v4(entry: &[u8; 6]) -> SocketAddrV4 {
    let [a, b, c, d, p0, p1] = *entry;
    SocketAddrV4::new(Ipv4Addr::new(a, b, c, d), u16::from_be_bytes([p0, p1]))
}

fn read_v6(entry: &[u8; 18]) -> SocketAddrV6 {
    let [ip @ .., p0, p1] = *entry;
    SocketAddrV6::new(Ipv6Addr::from(ip), u16::from_be_bytes([p0, p1]), 0, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(response: &Response) -> Vec<u8> {
        let mut out = Vec::new();
        response.write_to(&mut out);
        out
    }

    #[test]
    fn connect_response_is_sixteen_bytes() {
        let bytes = written(&Response::Connect {
            transaction_id: TransactionId(0x0102_0304),
            connection_id: ConnectionId(0x1112_1314_1516_1718),
        });
        assert_eq!(
            bytes,
            [
                0, 0, 0, 0, 1, 2, 3, 4, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18
            ]
        );
    }

    #[test]
    fn ipv4_announce_response_has_six_bytes_per_peer() {
        let bytes = written(&Response::AnnounceV4(AnnounceResponse {
            transaction_id: TransactionId(9),
            interval: 1800,
            leechers: 2,
            seeders: 3,
            peers: vec![SocketAddrV4::new(Ipv4Addr::new(10, 0, 0, 1), 6881)],
        }));
        let mut expected = vec![
            0, 0, 0, 1, 0, 0, 0, 9, 0, 0, 0x07, 0x08, 0, 0, 0, 2, 0, 0, 0, 3,
        ];
        expected.extend_from_slice(&[10, 0, 0, 1, 0x1a, 0xe1]);
        assert_eq!(bytes, expected);
    }

    #[test]
    fn ipv6_announce_response_has_eighteen_bytes_per_peer() {
        let peer = SocketAddrV6::new(Ipv6Addr::LOCALHOST, 51413, 0, 0);
        let bytes = written(&Response::AnnounceV6(AnnounceResponse {
            transaction_id: TransactionId(9),
            interval: 1800,
            leechers: 0,
            seeders: 1,
            peers: vec![peer, peer],
        }));
        assert_eq!(bytes.len(), 20 + 2 * 18);
        assert_eq!(bytes[20..36], Ipv6Addr::LOCALHOST.octets());
        assert_eq!(bytes[36..38], 51413u16.to_be_bytes());
    }

    #[test]
    fn scrape_response_lists_seeders_completed_leechers() {
        let bytes = written(&Response::Scrape {
            transaction_id: TransactionId(1),
            stats: vec![ScrapeStats {
                seeders: 4,
                completed: 5,
                leechers: 6,
            }],
        });
        assert_eq!(
            bytes,
            [0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0, 5, 0, 0, 0, 6]
        );
    }

    #[test]
    fn error_response_carries_the_bare_message() {
        let bytes = written(&Response::Error {
            transaction_id: TransactionId(1),
            message: "unknown action".into(),
        });
        assert_eq!(bytes[..8], [0, 0, 0, 3, 0, 0, 0, 1]);
        assert_eq!(&bytes[8..], b"unknown action");
    }

    #[test]
    fn announce_response_with_a_partial_peer_is_rejected() {
        let mut bytes = written(&Response::AnnounceV4(AnnounceResponse {
            transaction_id: TransactionId(9),
            interval: 1800,
            leechers: 0,
            seeders: 0,
            peers: vec![],
        }));
        bytes.extend_from_slice(&[1, 2, 3]);
        assert_eq!(Response::parse(&bytes, false), None);
        assert_eq!(Response::parse(&bytes, true), None);
    }

    #[test]
    fn connect_response_with_trailing_bytes_is_rejected() {
        let mut bytes = written(&Response::Connect {
            transaction_id: TransactionId(1),
            connection_id: ConnectionId(2),
        });
        bytes.push(0);
        assert_eq!(Response::parse(&bytes, false), None);
    }

    #[test]
    fn response_with_an_unknown_action_is_rejected() {
        assert_eq!(Response::parse(&[0, 0, 0, 4, 0, 0, 0, 1], false), None);
    }
}
