//! The HTTP tracker protocol: announce (BEP 3, compact peers BEP 23, IPv6
//! peers BEP 7) and scrape (BEP 48).
//!
//! - Query parsers ([`parse_announce`], [`parse_scrape`]) take the raw query
//!   string bytes (after `?`), decode percent-escapes exactly (binary
//!   `info_hash`/`peer_id` are 20 raw bytes), never panic, and return an
//!   [`HttpRequestError`] whose `Display` is a human-readable
//!   `failure reason`. [`parse_announce`] states the exact rules.
//! - Response writers ([`write_announce_response`],
//!   [`write_scrape_response`], [`write_failure`]) append canonical bencode
//!   (keys sorted, BEP 3) directly. They are hand-written because this is
//!   the hot path: a generic encoder would allocate a tree per response.

mod query;
mod response;

pub use query::{parse_announce, parse_scrape};
pub use response::{write_announce_response, write_failure, write_scrape_response};

use crate::{AnnounceEvent, InfoHash, PeerId};
use std::net::IpAddr;

/// Most info-hashes accepted in one HTTP scrape.
pub const MAX_SCRAPE_HASHES: usize = 256;

/// An announce query. `info_hash`, `peer_id`, `port`, `uploaded`,
/// `downloaded` and `left` are required (see [`parse_announce`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnnounceRequest {
    pub info_hash: InfoHash,
    pub peer_id: PeerId,
    /// The port the client listens on; 0 is accepted and left to the server.
    pub port: u16,
    pub uploaded: u64,
    pub downloaded: u64,
    /// Bytes still to download; 0 makes the peer a seeder.
    pub left: u64,
    pub event: AnnounceEvent,
    /// `None` when absent; values above `u32::MAX` saturate.
    pub numwant: Option<u32>,
    /// Defaults to true (BEP 23) when absent.
    pub compact: bool,
    /// Only matters for the dictionary peer list (`compact=0`).
    pub no_peer_id: bool,
    /// The client's `key`, percent-decoded: lets it keep its identity across
    /// IP address changes.
    pub key: Option<Vec<u8>>,
    /// `pk=<passkey>` for clients that mangle the announce path.
    pub passkey: Option<Vec<u8>>,
}

impl AnnounceRequest {
    /// The peer list format the client asked for (`compact`, BEP 23, and
    /// `no_peer_id`).
    pub fn peer_format(&self) -> PeerFormat {
        if self.compact {
            PeerFormat::Compact
        } else {
            PeerFormat::Dictionary {
                no_peer_id: self.no_peer_id,
            }
        }
    }
}

/// Why a query was refused. Every variant is answered the same way, with
/// [`write_failure`] and the `Display` text as `failure reason`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HttpRequestError {
    /// A required parameter is absent; carries its name.
    #[error("missing parameter: {0}")]
    Missing(&'static str),
    /// A parameter's value cannot be used: wrong length, not a number, out
    /// of range, unknown keyword, or a repeated `info_hash` in an announce.
    #[error("invalid parameter: {0}")]
    Invalid(&'static str),
    /// A `%` not followed by two hex digits.
    #[error("malformed query string")]
    MalformedQuery,
    /// A scrape with more than [`MAX_SCRAPE_HASHES`] `info_hash` parameters.
    #[error("too many info_hash parameters (at most {MAX_SCRAPE_HASHES})")]
    TooManyHashes,
}

/// A peer in an announce response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResponsePeer {
    pub peer_id: PeerId,
    pub ip: IpAddr,
    pub port: u16,
}

/// The body of a successful announce.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnnounceResponse<'a> {
    /// Seconds the client should wait between regular announces.
    pub interval: u32,
    /// Seconds the client must wait at least (`min interval`).
    pub min_interval: u32,
    /// Seeders.
    pub complete: u32,
    /// Leechers.
    pub incomplete: u32,
    /// Completed downloads ever recorded.
    pub downloaded: u64,
    /// IPv4 and IPv6 peers together; the writer splits them as the format
    /// requires.
    pub peers: &'a [ResponsePeer],
}

/// How the peer list is written; [`AnnounceRequest::peer_format`] picks it
/// from the request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PeerFormat {
    /// `peers` (IPv4, 6 bytes each) and `peers6` (IPv6, 18 bytes each).
    Compact,
    /// A list of dictionaries with `ip` and `port`, and `peer id` unless
    /// `no_peer_id`.
    Dictionary { no_peer_id: bool },
}

/// One torrent's counts in a scrape answer. For an info-hash it does not
/// know, the server passes zero counts rather than leaving the hash out:
/// the answer then covers every hash asked for, and says there are no peers
/// without saying whether the torrent is registered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScrapeFile {
    pub info_hash: InfoHash,
    pub complete: u32,
    pub incomplete: u32,
    pub downloaded: u64,
}
