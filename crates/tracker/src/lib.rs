//! The tracker servers: UDP (BEP 15) and HTTP (BEP 3), wiring the wire
//! formats of `tracker-proto` to the swarm store of `swarm`.
//!
//! Layout:
//! - [`service`]: the transport-agnostic core. An announce or scrape
//!   arrives here as typed values with the client's IP address, whatever
//!   carried it; UDP and HTTP only translate.
//! - [`udp`]: blocking worker threads on one socket, each with its own
//!   buffers, so the hot path allocates nothing per datagram.
//! - [`http`]: an axum router for `/announce` and `/scrape`, bare and
//!   with a passkey segment (`/announce/<passkey>`).
//! - [`catalog`]: the info-hashes served in mode `listed` (approved
//!   releases), and how a removal evicts a torrent's peers at once.
//! - [`stats`]: counters for every request and every kind of bad input.
//! - [`shutdown`]: one signal that stops every server gracefully.
//! - [`net`]: binding sockets (dual-stack where the OS allows).
//! - [`client_ip`]: the client's address behind trusted proxies.
//!
//! Access policy: every UDP connect, announce and scrape and every HTTP
//! announce and scrape passes [`Tracker::admit`] (scope `tracker`) first;
//! a refusal carries the rule's message as a BEP 15 error or a bencoded
//! `failure reason`.
//!
//! Tracker mode: in mode `open` any info-hash is tracked; in mode
//! `listed` ([`TrackerMode`]) only those in the [`Catalog`]. An announce
//! for any other hash is refused with the error [`Unlisted::MESSAGE`]
//! (BEP 15 error packet, or bencoded `failure reason`), as opentracker
//! refuses in whitelist mode. A scrape says nothing about such a hash:
//! over HTTP it is left out of `files` (BEP 48: one entry "for each
//! torrent for which there are stats"), and over UDP, whose reply is
//! positional (BEP 15), it gets zeros, so the listed hashes of the same
//! scrape are still answered.
//!
//! Privacy: nothing here logs a client's address, peer id or passkey.

pub mod catalog;
pub mod client_ip;
pub mod http;
pub mod net;
pub mod service;
pub mod shutdown;
pub mod stats;
pub mod udp;

pub use catalog::Catalog;
pub use client_ip::TrustedProxies;
pub use service::{
    Accounting, AnnounceInput, Refused, Rejection, Tracker, TrackerMode, TrackerSettings, Unlisted,
};
pub use shutdown::Shutdown;
pub use stats::{Stats, StatsSnapshot};
