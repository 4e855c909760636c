//! Stateless connection ids (BEP 15 section "Connect").
//!
//! Contract: `issue(addr, now)` returns an id that `validate(id, addr, now')`
//! accepts for `now' - now <= VALID_SECS` (at least 120 s), and rejects for
//! any other address or an id not issued with this key. Nothing is stored
//! per connection, so a connect flood cannot grow memory.
//!
//! Layout: the high 32 bits are the issue time (Unix seconds, truncated to
//! `u32`); the low 32 bits are SipHash-2-4, keyed with the server's secret,
//! over that time and the client's IP address, truncated to 32 bits.
//! Validation recomputes the MAC, so an id cannot be made up or moved to
//! another address or time without the key. Thirty-two bits are enough
//! because an id only proves that the client receives datagrams at its
//! source address: forging one blind means sending about 2^31 guesses
//! within [`VALID_SECS`] per address, which is a flood in its own right.
//!
//! Only the IP address is bound, not the port: some NATs give one client a
//! new source port per datagram.

use super::ConnectionId;
use siphasher::sip::SipHasher24;
use std::hash::Hasher;
use std::net::IpAddr;

/// How long an issued id stays valid.
pub const VALID_SECS: u64 = 180;

/// How far in the future an issue time may be and still be accepted, for a
/// clock that stepped back a little between issuing and validating.
const MAX_CLOCK_SKEW_SECS: u32 = 5;

/// Issues and validates connection ids under one secret key.
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
        // Truncation is deliberate: validation compares times modulo 2^32,
        // so the ids keep working after 2106.
        let time = now_unix as u32;
        ConnectionId((u64::from(time) << 32) | u64::from(self.mac(time, ip)))
    }

    /// Whether `id` was issued by [`issue`](Self::issue) with this key, for
    /// this IP address, at most [`VALID_SECS`] before `now_unix`.
    pub fn validate(&self, id: ConnectionId, ip: IpAddr, now_unix: u64) -> bool {
        let time = (id.0 >> 32) as u32;
        let mac = id.0 as u32;
        let now = now_unix as u32;
        let age = now.wrapping_sub(time);
        let fresh = u64::from(age) <= VALID_SECS || time.wrapping_sub(now) <= MAX_CLOCK_SKEW_SECS;
        fresh && mac == self.mac(time, ip)
    }

    fn mac(&self, time: u32, ip: IpAddr) -> u32 {
        let mut hasher = SipHasher24::new_with_key(&self.key);
        hasher.write(&time.to_be_bytes());
        // A dual-stack socket reports an IPv4 client as `::ffff:a.b.c.d`;
        // both forms are the same client. The input lengths (8 or 20 bytes)
        // keep the two families apart otherwise.
        match ip.to_canonical() {
            IpAddr::V4(v4) => hasher.write(&v4.octets()),
            IpAddr::V6(v6) => hasher.write(&v6.octets()),
        }
        hasher.finish() as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    const KEY: [u8; 16] = *b"0123456789abcdef";
    const NOW: u64 = 1_750_000_000;
    const CLIENT: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 7));

    #[test]
    fn id_is_valid_for_its_lifetime() {
        let ids = ConnectionIds::new(KEY);
        let id = ids.issue(CLIENT, NOW);
        for later in [0, 1, 120, VALID_SECS] {
            assert!(ids.validate(id, CLIENT, NOW + later), "{later} s later");
        }
    }

    #[test]
    fn id_expires_after_its_lifetime() {
        let ids = ConnectionIds::new(KEY);
        let id = ids.issue(CLIENT, NOW);
        for later in [VALID_SECS + 1, 3600, 1 << 31] {
            assert!(!ids.validate(id, CLIENT, NOW + later), "{later} s later");
        }
    }

    #[test]
    fn id_from_the_future_is_rejected_beyond_the_clock_skew() {
        let ids = ConnectionIds::new(KEY);
        let id = ids.issue(CLIENT, NOW);
        assert!(ids.validate(id, CLIENT, NOW - u64::from(MAX_CLOCK_SKEW_SECS)));
        assert!(!ids.validate(id, CLIENT, NOW - u64::from(MAX_CLOCK_SKEW_SECS) - 1));
        assert!(!ids.validate(id, CLIENT, NOW - 3600));
    }

    #[test]
    fn id_is_bound_to_the_ip_address() {
        let ids = ConnectionIds::new(KEY);
        let id = ids.issue(CLIENT, NOW);
        let others = [
            IpAddr::V4(Ipv4Addr::new(192, 0, 2, 8)),
            IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 7)),
        ];
        for other in others {
            assert!(!ids.validate(id, other, NOW), "{other}");
        }
    }

    #[test]
    fn ipv4_mapped_ipv6_address_is_the_same_client() {
        let ids = ConnectionIds::new(KEY);
        let mapped = IpAddr::V6(Ipv4Addr::new(192, 0, 2, 7).to_ipv6_mapped());
        assert!(ids.validate(ids.issue(CLIENT, NOW), mapped, NOW));
        assert!(ids.validate(ids.issue(mapped, NOW), CLIENT, NOW));
    }

    #[test]
    fn tampered_id_is_rejected() {
        let ids = ConnectionIds::new(KEY);
        let id = ids.issue(CLIENT, NOW);
        for bit in 0..64 {
            let tampered = ConnectionId(id.0 ^ (1 << bit));
            assert!(!ids.validate(tampered, CLIENT, NOW + 1), "bit {bit}");
        }
    }

    #[test]
    fn id_issued_with_another_key_is_rejected() {
        let id = ConnectionIds::new(KEY).issue(CLIENT, NOW);
        let mut other_key = KEY;
        other_key[0] ^= 1;
        assert!(!ConnectionIds::new(other_key).validate(id, CLIENT, NOW));
    }

    #[test]
    fn ids_keep_working_when_the_seconds_overflow_u32() {
        let ids = ConnectionIds::new(KEY);
        let before_wrap = u64::from(u32::MAX) - 10;
        let id = ids.issue(CLIENT, before_wrap);
        assert!(ids.validate(id, CLIENT, before_wrap + 20));
        assert!(!ids.validate(id, CLIENT, before_wrap + VALID_SECS + 1));
    }

    #[test]
    fn debug_output_hides_the_key() {
        let shown = format!("{:?}", ConnectionIds::new(KEY));
        assert!(!shown.contains("0123"), "{shown}");
    }
}
