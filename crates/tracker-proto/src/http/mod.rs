//! The HTTP tracker protocol: announce (BEP 3, compact peers BEP 23, IPv6
//! peers BEP 7) and scrape (BEP 48).
//!
//! Contract (the implementation fills in the bodies and tests):
//! - query parsers take the raw query string bytes (after `?`), decode
//!   percent-escapes exactly (binary `info_hash`/`peer_id` are 20 raw bytes),
//!   never panic, and return an [`HttpRequestError`] whose `Display` is a
//!   human-readable `failure reason`.
//! - response writers append bencoded bytes directly (hand-written: this is
//!   the hot path, a generic encoder would allocate a tree per response).

use crate::{AnnounceEvent, InfoHash, PeerId};
use std::net::{IpAddr, SocketAddrV4, SocketAddrV6};

/// Most info-hashes accepted in one HTTP scrape.
pub const MAX_SCRAPE_HASHES: usize = 256;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnnounceRequest {
    pub info_hash: InfoHash,
    pub peer_id: PeerId,
    pub port: u16,
    pub uploaded: u64,
    pub downloaded: u64,
    pub left: u64,
    pub event: AnnounceEvent,
    pub numwant: Option<u32>,
    /// Defaults to true (BEP 23) when absent.
    pub compact: bool,
    pub no_peer_id: bool,
    pub key: Option<Vec<u8>>,
    /// `pk=<passkey>` for clients that mangle the announce path.
    pub passkey: Option<Vec<u8>>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HttpRequestError {
    #[error("missing parameter: {0}")]
    Missing(&'static str),
    #[error("invalid parameter: {0}")]
    Invalid(&'static str),
    #[error("malformed query string")]
    MalformedQuery,
    #[error("too many info_hash parameters (at most {MAX_SCRAPE_HASHES})")]
    TooManyHashes,
}

/// Parses an announce query string.
pub fn parse_announce(query: &[u8]) -> Result<AnnounceRequest, HttpRequestError> {
    todo!()
}

/// Parses a scrape query string: zero or more `info_hash` parameters.
pub fn parse_scrape(query: &[u8]) -> Result<Vec<InfoHash>, HttpRequestError> {
    todo!()
}

/// A peer in an announce response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResponsePeer {
    pub peer_id: PeerId,
    pub ip: IpAddr,
    pub port: u16,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnnounceResponse<'a> {
    pub interval: u32,
    pub min_interval: u32,
    pub complete: u32,
    pub incomplete: u32,
    pub downloaded: u64,
    pub peers: &'a [ResponsePeer],
}

/// How the peer list is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PeerFormat {
    /// `peers` (IPv4, 6 bytes each) and `peers6` (IPv6, 18 bytes each).
    Compact,
    /// A list of dictionaries with `ip` and `port`, and `peer id` unless
    /// `no_peer_id`.
    Dictionary { no_peer_id: bool },
}

pub fn write_announce_response(out: &mut Vec<u8>, resp: &AnnounceResponse<'_>, format: PeerFormat) {
    todo!()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScrapeFile {
    pub info_hash: InfoHash,
    pub complete: u32,
    pub incomplete: u32,
    pub downloaded: u64,
}

pub fn write_scrape_response(out: &mut Vec<u8>, files: &[ScrapeFile]) {
    todo!()
}

/// `d14:failure reason<len>:<reason>e` and nothing else.
pub fn write_failure(out: &mut Vec<u8>, reason: &str) {
    todo!()
}

#[allow(unused_imports)]
use std::net::SocketAddr as _Unused;
#[allow(dead_code)]
fn _keep_imports(_: SocketAddrV4, _: SocketAddrV6) {}
