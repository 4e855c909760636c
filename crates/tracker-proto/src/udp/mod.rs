//! The UDP tracker protocol (BEP 15) with URL data (BEP 41).
//!
//! Contract (the implementation fills in the bodies and tests):
//! - [`Request::parse`] never panics on any input; its error says whether a
//!   reply is still possible ([`RequestParseError::Reply`], carrying the
//!   transaction id and a message) or the datagram must be dropped.
//! - [`Response::write_to`] appends the exact wire bytes.
//! - [`ConnectionIds`] issues and checks stateless connection ids.

pub mod connection_id;

pub use connection_id::ConnectionIds;
use crate::{AnnounceEvent, InfoHash, PeerId};
use std::net::{SocketAddrV4, SocketAddrV6};

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
    /// -1 (default) on the wire becomes `None`.
    pub num_want: Option<u32>,
    pub port: u16,
    /// BEP 41 URL data (all `URLData` options concatenated), e.g.
    /// `/announce/<passkey>`; empty when absent.
    pub url_data: Vec<u8>,
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
    Reply { transaction_id: TransactionId, message: &'static str },
    /// Too short or unrecognisable: drop it silently.
    Drop,
}

impl Request {
    pub fn parse(bytes: &[u8]) -> Result<Request, RequestParseError> {
        todo!()
    }

    /// Encodes the request (for test clients and round-trip tests).
    pub fn write_to(&self, out: &mut Vec<u8>) {
        todo!()
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Response {
    Connect { transaction_id: TransactionId, connection_id: ConnectionId },
    AnnounceV4(AnnounceResponse<SocketAddrV4>),
    AnnounceV6(AnnounceResponse<SocketAddrV6>),
    Scrape { transaction_id: TransactionId, stats: Vec<ScrapeStats> },
    Error { transaction_id: TransactionId, message: String },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnnounceResponse<A> {
    pub transaction_id: TransactionId,
    pub interval: u32,
    pub leechers: u32,
    pub seeders: u32,
    pub peers: Vec<A>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct ScrapeStats {
    pub seeders: u32,
    pub completed: u32,
    pub leechers: u32,
}

impl Response {
    /// Appends the wire bytes to `out`.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        todo!()
    }

    /// Parses a response (for test clients and round-trip tests). An
    /// announce response is read as IPv6 when `ipv6` is set.
    pub fn parse(bytes: &[u8], ipv6: bool) -> Option<Response> {
        todo!()
    }
}
