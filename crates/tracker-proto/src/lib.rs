//! Tracker wire formats: bytes in, typed values out, and back.
//!
//! No sockets and no async here: the servers in the `tracker` crate hand
//! this crate datagrams and query strings and get typed requests, or an
//! error that says whether a reply can still be sent.

pub mod ids;

pub use ids::{AnnounceEvent, InfoHash, PeerId};
pub mod http;
pub mod udp;
