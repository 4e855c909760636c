//! Stateless connection ids (BEP 15 section "Connect").
//!
//! Contract: `issue(addr, now)` returns an id that `validate(id, addr, now')`
//! accepts for `now' - now <= VALID_SECS` (at least 120 s), and rejects for
//! any other address or an id not issued with this key. Nothing is stored
//! per connection, so a connect flood cannot grow memory.

use super::ConnectionId;
use std::net::IpAddr;

/// How long an issued id stays valid.
pub const VALID_SECS: u64 = 180;

#[derive(Clone)]
pub struct ConnectionIds {
    key: [u8; 16],
}

impl std::fmt::Debug for ConnectionIds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ConnectionIds { key: <secret> }")
    }
}

impl ConnectionIds {
    /// `key` is a random secret chosen at server start.
    pub fn new(key: [u8; 16]) -> Self {
        Self { key }
    }

    /// `now_unix` is seconds since the Unix epoch, from the caller's clock.
    pub fn issue(&self, ip: IpAddr, now_unix: u64) -> ConnectionId {
        todo!()
    }

    pub fn validate(&self, id: ConnectionId, ip: IpAddr, now_unix: u64) -> bool {
        todo!()
    }
}
