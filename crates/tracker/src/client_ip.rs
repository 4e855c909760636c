//! Which address a web or HTTP-tracker request comes from.
//!
//! The socket's peer address, unless that address is a configured trusted
//! proxy; only then are `Forwarded` (RFC 7239) or `X-Forwarded-For` read,
//! and the rightmost entry that is not itself a trusted proxy is the
//! client. Entries left of it were written by the client and prove
//! nothing. A header arriving from an untrusted address changes nothing.

use axum::http::HeaderMap;
use ipnet::IpNet;
use std::net::{IpAddr, SocketAddr};

/// The configured trusted proxies.
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies {
    nets: Vec<IpNet>,
}

impl TrustedProxies {
    pub fn new(nets: Vec<IpNet>) -> Self {
        Self { nets }
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.nets.iter().any(|net| net.contains(&ip))
    }

    /// The client's address for a request that arrived from `peer`.
    pub fn client_ip(&self, peer: SocketAddr, headers: &HeaderMap) -> IpAddr {
        let peer_ip = peer.ip().to_canonical();
        if self.nets.is_empty() || !self.trusts(peer_ip) {
            return peer_ip;
        }
        let chain = forwarded_chain(headers);
        // Walk from the proxy nearest to us outwards; the first hop that is
        // not one of ours is the client.
        for hop in chain.iter().rev() {
            match hop {
                Some(ip) if self.trusts(*ip) => continue,
                Some(ip) => return *ip,
                // An obfuscated or garbled hop: we cannot see past it, and
                // must not trust anything it claims either.
                None => return peer_ip,
            }
        }
        chain.first().copied().flatten().unwrap_or(peer_ip)
    }
}

/// Every hop named by `Forwarded: for=` if present, else by
/// `X-Forwarded-For`, in order (client first). `None` marks a hop that is
/// not an IP address (`unknown`, an obfuscated name, garbage).
fn forwarded_chain(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let forwarded: Vec<Option<IpAddr>> = headers
        .get_all("forwarded")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|element| {
            element.split(';').find_map(|pair| {
                let (key, value) = pair.trim().split_once('=')?;
                key.trim()
                    .eq_ignore_ascii_case("for")
                    .then(|| parse_forwarded_for(value.trim()))
            })
        })
        .collect();
    if !forwarded.is_empty() {
        return forwarded;
    }
    headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|hop| parse_forwarded_for(hop.trim()))
        .collect()
}

/// `192.0.2.1`, `"192.0.2.1:8080"`, `"[2001:db8::1]:443"`, `[2001:db8::1]`.
fn parse_forwarded_for(value: &str) -> Option<IpAddr> {
    let value = value.trim_matches('"');
    if let Ok(ip) = value.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    if let Ok(addr) = value.parse::<SocketAddr>() {
        return Some(addr.ip().to_canonical());
    }
    value
        .strip_prefix('[')
        .and_then(|v| v.strip_suffix(']'))
        .and_then(|v| v.parse::<IpAddr>().ok())
        .map(|ip| ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(*k, HeaderValue::from_str(v).unwrap());
        }
        map
    }

    fn proxies() -> TrustedProxies {
        TrustedProxies::new(vec![
            "10.0.0.0/8".parse().unwrap(),
            "fd00::/8".parse().unwrap(),
        ])
    }

    const PROXY: &str = "10.1.2.3:4000";
    const STRANGER: &str = "198.51.100.7:4000";

    #[test]
    fn a_spoofed_header_from_an_untrusted_address_changes_nothing() {
        let h = headers(&[
            ("x-forwarded-for", "203.0.113.9"),
            ("forwarded", "for=203.0.113.9"),
        ]);
        let ip = proxies().client_ip(STRANGER.parse().unwrap(), &h);
        assert_eq!(ip.to_string(), "198.51.100.7");
    }

    #[test]
    fn without_trusted_proxies_headers_are_ignored() {
        let h = headers(&[("x-forwarded-for", "203.0.113.9")]);
        let ip = TrustedProxies::default().client_ip(PROXY.parse().unwrap(), &h);
        assert_eq!(ip.to_string(), "10.1.2.3");
    }

    #[test]
    fn the_rightmost_untrusted_x_forwarded_for_entry_is_the_client() {
        // The client prepended a fake entry; our two proxies appended theirs.
        let h = headers(&[("x-forwarded-for", "1.1.1.1, 203.0.113.9, 10.9.9.9")]);
        let ip = proxies().client_ip(PROXY.parse().unwrap(), &h);
        assert_eq!(ip.to_string(), "203.0.113.9");
    }

    #[test]
    fn forwarded_wins_over_x_forwarded_for_and_accepts_ports_and_ipv6() {
        let h = headers(&[
            (
                "forwarded",
                r#"for=192.0.2.60;proto=http, for="[2001:db8:cafe::17]:4711""#,
            ),
            ("x-forwarded-for", "203.0.113.9"),
        ]);
        let ip = proxies().client_ip(PROXY.parse().unwrap(), &h);
        assert_eq!(ip.to_string(), "2001:db8:cafe::17");
    }

    #[test]
    fn an_unparseable_hop_stops_the_walk_at_the_proxy() {
        let h = headers(&[("forwarded", "for=unknown")]);
        let ip = proxies().client_ip(PROXY.parse().unwrap(), &h);
        assert_eq!(ip.to_string(), "10.1.2.3");
    }

    #[test]
    fn a_trusted_proxy_without_headers_is_the_client() {
        let ip = proxies().client_ip(PROXY.parse().unwrap(), &HeaderMap::new());
        assert_eq!(ip.to_string(), "10.1.2.3");
    }

    #[test]
    fn ipv4_mapped_peers_are_matched_as_ipv4() {
        let h = headers(&[("x-forwarded-for", "203.0.113.9")]);
        let ip = proxies().client_ip("[::ffff:10.1.2.3]:80".parse().unwrap(), &h);
        assert_eq!(ip.to_string(), "203.0.113.9");
    }
}
