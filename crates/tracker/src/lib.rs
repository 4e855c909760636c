//! The tracker servers: UDP (BEP 15) and HTTP (BEP 3), wiring the wire
//! formats of `tracker-proto` to the swarm store of `swarm`.
//!
//! Layout:
//! - [`service`]: the transport-agnostic core. An announce or scrape
//!   arrives here as typed values with the client's IP address, whatever
//!   carried it; UDP and HTTP only translate.
//! - [`udp`]: blocking worker threads on one socket, each with its own
//!   buffers, so the hot path allocates nothing per datagram.
//! - [`http`]: an axum router for `/announce` and `/scrape`.
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
//! Privacy: nothing here logs a client's address, peer id or passkey.

pub mod client_ip;
pub mod http;
pub mod net;
pub mod service;
pub mod shutdown;
pub mod stats;
pub mod udp;

pub use client_ip::TrustedProxies;
pub use service::{Refused, Tracker, TrackerSettings};
pub use shutdown::Shutdown;
pub use stats::{Stats, StatsSnapshot};
