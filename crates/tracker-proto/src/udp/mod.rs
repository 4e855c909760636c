//! The UDP tracker protocol (BEP 15) with URL data (BEP 41).
//!
//! Every datagram is big-endian. A client first sends a *connect* request
//! carrying the magic [`PROTOCOL_ID`] and gets a [`ConnectionId`] back; it
//! then sends *announce* and *scrape* requests carrying that id, which
//! proves it can receive at its source address (BEP 15 "UDP connections /
//! spoofing"). Each request carries a client-chosen [`TransactionId`] that
//! the response echoes.
//!
//! - [`Request::parse`] never panics on any input; its error says whether a
//!   reply is still possible ([`RequestParseError::Reply`], carrying the
//!   transaction id and a message) or the datagram must be dropped. It does
//!   not check connection ids: that needs the key and the source address,
//!   which belong to the server ([`ConnectionIds`]).
//! - [`Response::write_to`] appends the exact wire bytes.
//! - [`Request::write_to`] and [`Response::parse`] are the client side, for
//!   test clients and round-trip tests.
//! - [`ConnectionIds`] issues and checks stateless connection ids.
//!
//! Leniency, so that a sloppy tail does not cost a client its announce:
//! - bytes after a connect request, and a partial info-hash after the last
//!   whole one in a scrape, are ignored;
//! - a scrape with more than [`MAX_SCRAPE_HASHES`] hashes is answered for
//!   the first [`MAX_SCRAPE_HASHES`] only;
//! - BEP 41 options are read until `EndOfOptions`, the end of the datagram
//!   or a truncated option; what was read before a truncated option is kept.

pub mod connection_id;
mod reader;
mod request;
mod response;

use crate::{AnnounceEvent, InfoHash, PeerId};
pub use connection_id::ConnectionIds;
pub use response::{AnnounceHeader, write_announce, write_error};
use std::net::{SocketAddrV4, SocketAddrV6};

/// BEP 41 URL data: bytes, inline up to 64 (build one from a `Vec<u8>`
/// or a slice with `into()` / `UrlData::from_slice`).
pub type UrlData = smallvec::SmallVec<[u8; 64]>;

/// BEP 15's magic `protocol_id` of a connect request.
pub const PROTOCOL_ID: u64 = 0x0417_2710_1980;

/// Most info-hashes answered in one scrape: 8 + 12 * 74 bytes fits a
/// 1,500-byte MTU with IPv6 and UDP headers. Further hashes are ignored.
pub const MAX_SCRAPE_HASHES: usize = 74;

/// A connection id as sent on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ConnectionId(pub u64);

/// A client-chosen transaction id, echoed in the response.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TransactionId(pub u32);

/// The `action` field of requests and responses.
mod action {
    pub const CONNECT: u32 = 0;
    pub const ANNOUNCE: u32 = 1;
    pub const SCRAPE: u32 = 2;
    pub const ERROR: u32 = 3;
}

/// A parsed client datagram.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    Connect(ConnectRequest),
    Announce(AnnounceRequest),
    Scrape(ScrapeRequest),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnectRequest {
    pub transaction_id: TransactionId,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnnounceRequest {
    pub connection_id: ConnectionId,
    pub transaction_id: TransactionId,
    pub info_hash: InfoHash,
    pub peer_id: PeerId,
    pub downloaded: u64,
    pub left: u64,
    pub uploaded: u64,
    pub event: AnnounceEvent,
    /// The client's claimed IPv4 address (ignored by the server: the
    /// source address decides).
    pub ip_address: u32,
    pub key: u32,
    /// -1 (default) on the wire becomes `None`, as does any other negative
    /// value. [`Request::write_to`] clamps values above `i32::MAX`.
    pub num_want: Option<u32>,
    pub port: u16,
    /// BEP 41 URL data (all `URLData` options concatenated), e.g.
    /// `/announce/<passkey>`; empty when absent. Kept inline up to 64
    /// bytes (a passkey URL is 42): a private tracker parses one per
    /// announce, and a heap copy each time showed in its profile.
    pub url_data: UrlData,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScrapeRequest {
    pub connection_id: ConnectionId,
    pub transaction_id: TransactionId,
    /// At most [`MAX_SCRAPE_HASHES`].
    pub info_hashes: Vec<InfoHash>,
}

/// Why a datagram could not be turned into a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RequestParseError {
    /// Answer with an error packet for this transaction.
    Reply {
        transaction_id: TransactionId,
        message: &'static str,
    },
    /// Too short or unrecognisable: drop it silently.
    Drop,
}

/// A tracker datagram.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Response {
    Connect {
        transaction_id: TransactionId,
        connection_id: ConnectionId,
    },
    AnnounceV4(AnnounceResponse<SocketAddrV4>),
    AnnounceV6(AnnounceResponse<SocketAddrV6>),
    Scrape {
        transaction_id: TransactionId,
        stats: Vec<ScrapeStats>,
    },
    Error {
        transaction_id: TransactionId,
        message: String,
    },
}

/// An announce answer; `A` is [`SocketAddrV4`] or [`SocketAddrV6`], since
/// BEP 15 tells the address family of the peers only by the family of the
/// socket the request came in on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnnounceResponse<A> {
    pub transaction_id: TransactionId,
    pub interval: u32,
    pub leechers: u32,
    pub seeders: u32,
    pub peers: Vec<A>,
}

/// One torrent's counts in a scrape answer, in request order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct ScrapeStats {
    pub seeders: u32,
    pub completed: u32,
    pub leechers: u32,
}
