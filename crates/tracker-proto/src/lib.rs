//! Tracker wire formats: bytes in, typed values out, and back.
//!
//! No sockets and no async here: the servers in the `tracker` crate hand
//! this crate datagrams and query strings and get typed requests, or an
//! error that says whether a reply can still be sent.
//!
//! - [`ids`]: [`InfoHash`], [`PeerId`] and [`AnnounceEvent`], shared by both
//!   protocols and by the swarm store.
//! - [`udp`]: BEP 15 datagrams with BEP 41 URL data, and stateless
//!   connection ids ([`udp::ConnectionIds`]).
//! - [`http`]: BEP 3 announce and BEP 48 scrape query strings, and the
//!   bencoded answers with BEP 23 compact and BEP 7 IPv6 peer lists.
//!
//! Every parser is property-tested (`tests/`) on arbitrary bytes, which
//! must never make it panic, and on what a writer produces, which must
//! parse back to the value written.

pub mod ids;

pub use ids::{AnnounceEvent, InfoHash, PeerId};
pub mod http;
pub mod udp;
