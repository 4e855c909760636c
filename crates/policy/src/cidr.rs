//! Named CIDR lists (VPN exits, a hosting provider, ...) and the network
//! arithmetic shared with the geo loaders.
//!
//! A list file holds one CIDR (`10.0.0.0/8`, `2001:db8::/32`) or bare
//! address per line; `#` starts a comment, blank lines are ignored. Host
//! bits are ignored (`10.1.2.3/8` is `10.0.0.0/8`). Overlapping entries are
//! merged, and the list compiles to sorted disjoint ranges, so membership is
//! one binary search. Entries inside `::ffff:0:0/96` describe IPv4 clients
//! and are stored as IPv4, like the addresses they will be compared with.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;

use ipnet::IpNet;

use crate::error::{LoadError, PolicyError, TextFile};
use crate::geo::ranges::Bits;
use crate::geo::{Addr, IPV4_MAPPED};

/// Inclusive bounds of an IPv4 network.
pub(crate) fn v4_bounds(addr: Ipv4Addr, prefix: u8) -> (u32, u32) {
    let host_bits = 32 - u32::from(prefix.min(32));
    let mask = u32::MAX.checked_shl(host_bits).unwrap_or(0);
    let start = u32::from(addr) & mask;
    (start, start | !mask)
}

/// Inclusive bounds of an IPv6 network.
pub(crate) fn v6_bounds(addr: Ipv6Addr, prefix: u8) -> (u128, u128) {
    let host_bits = 128 - u32::from(prefix.min(128));
    let mask = u128::MAX.checked_shl(host_bits).unwrap_or(0);
    let start = u128::from(addr) & mask;
    (start, start | !mask)
}

/// A compiled list: sorted disjoint inclusive ranges per family.
#[derive(Debug, Default)]
pub(crate) struct CidrList {
    v4: Ranges<u32>,
    v6: Ranges<u128>,
}

#[derive(Debug, Default)]
struct Ranges<T> {
    starts: Box<[T]>,
    ends: Box<[T]>,
}

impl<T: Bits> Ranges<T> {
    fn compile(mut ranges: Vec<(T, T)>) -> Self {
        ranges.sort_unstable();
        let mut merged: Vec<(T, T)> = Vec::with_capacity(ranges.len());
        for (start, end) in ranges {
            match merged.last_mut() {
                Some(last) if last.1 >= start || last.1.checked_succ() == Some(start) => {
                    last.1 = last.1.max(end);
                }
                _ => merged.push((start, end)),
            }
        }
        Ranges {
            starts: merged.iter().map(|r| r.0).collect(),
            ends: merged.iter().map(|r| r.1).collect(),
        }
    }

    #[inline]
    fn contains(&self, x: T) -> bool {
        match self.starts.partition_point(|&s| s <= x).checked_sub(1) {
            Some(i) => x <= self.ends[i],
            None => false,
        }
    }
}

impl CidrList {
    /// Reads and compiles the list at `path`.
    pub(crate) fn load(path: &Path) -> Result<CidrList, LoadError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| LoadError::Unreadable(path.to_path_buf(), e))?;
        Ok(Self::parse(path, &text)?)
    }

    /// Compiles list text; errors name `path` and the line.
    pub(crate) fn parse(path: &Path, text: &str) -> Result<CidrList, PolicyError> {
        let file = TextFile {
            path: path.to_path_buf(),
            text,
        };
        let mut v4 = Vec::new();
        let mut v6 = Vec::new();
        let mut offset = 0;
        for line in text.split_inclusive('\n') {
            let line_start = offset;
            offset += line.len();
            let entry = line.split('#').next().unwrap_or("").trim();
            if entry.is_empty() {
                continue;
            }
            let net = match entry.parse::<IpNet>() {
                Ok(net) => net,
                Err(_) => match entry.parse::<IpAddr>() {
                    Ok(addr) => IpNet::from(addr),
                    Err(_) => {
                        let column = line.find(entry).unwrap_or(0);
                        return Err(file.error_at(
                            line_start + column,
                            format_args!("`{entry}` is not a CIDR network or an IP address"),
                        ));
                    }
                },
            };
            match net {
                IpNet::V4(n) => v4.push(v4_bounds(n.addr(), n.prefix_len())),
                IpNet::V6(n) => {
                    let (start, end) = v6_bounds(n.addr(), n.prefix_len());
                    if start >= IPV4_MAPPED.0 && end <= IPV4_MAPPED.1 {
                        v4.push((start as u32, end as u32));
                    } else {
                        v6.push((start, end));
                    }
                }
            }
        }
        Ok(CidrList {
            v4: Ranges::compile(v4),
            v6: Ranges::compile(v6),
        })
    }

    #[inline]
    pub(crate) fn contains(&self, addr: Addr) -> bool {
        match addr {
            Addr::V4(a) => self.v4.contains(a),
            Addr::V6(a) => self.v6.contains(a),
        }
    }

    /// Disjoint IPv4 and IPv6 ranges after merging.
    #[cfg(test)]
    fn range_counts(&self) -> (usize, usize) {
        (self.v4.starts.len(), self.v6.starts.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(text: &str) -> CidrList {
        CidrList::parse(Path::new("l.txt"), text).unwrap()
    }

    fn has(l: &CidrList, ip: &str) -> bool {
        l.contains(Addr::of(ip.parse().unwrap()))
    }

    #[test]
    fn bounds_ignore_host_bits_and_handle_the_extreme_prefixes() {
        assert_eq!(
            v4_bounds(Ipv4Addr::new(10, 1, 2, 3), 8),
            (0x0a00_0000, 0x0aff_ffff)
        );
        assert_eq!(v4_bounds(Ipv4Addr::new(10, 1, 2, 3), 0), (0, u32::MAX));
        assert_eq!(
            v4_bounds(Ipv4Addr::new(10, 1, 2, 3), 32),
            (0x0a01_0203, 0x0a01_0203)
        );
        assert_eq!(v6_bounds(Ipv6Addr::LOCALHOST, 0), (0, u128::MAX));
        assert_eq!(v6_bounds(Ipv6Addr::LOCALHOST, 128), (1, 1));
    }

    #[test]
    fn lists_take_cidrs_bare_addresses_comments_and_blank_lines() {
        let l = list("# VPN exits\n\n10.0.0.0/8  # office\n192.0.2.7\r\n2001:db8::/32\n::1\n");
        assert!(has(&l, "10.255.0.1"));
        assert!(has(&l, "192.0.2.7"));
        assert!(!has(&l, "192.0.2.8"));
        assert!(has(&l, "2001:db8:ffff::1"));
        assert!(has(&l, "::1"));
        assert!(!has(&l, "2001:db9::"));
        assert!(!has(&l, "11.0.0.0"));
    }

    #[test]
    fn overlapping_and_touching_entries_are_merged() {
        let l = list("10.0.0.0/8\n10.1.0.0/16\n11.0.0.0/8\n10.0.0.5\n");
        assert_eq!(l.range_counts(), (1, 0));
        assert!(has(&l, "11.255.255.255"));
    }

    #[test]
    fn ipv4_clients_on_dual_stack_sockets_match_ipv4_entries_and_mapped_entries() {
        let l = list("198.51.100.0/24\n::ffff:203.0.113.0/120\n::/0\n");
        assert!(has(&l, "::ffff:198.51.100.9"));
        assert!(has(&l, "203.0.113.1"));
        // `::/0` means every IPv6 address, not every IPv4 client too.
        assert!(!has(&l, "8.8.8.8"));
        assert!(has(&l, "2600::1"));
    }

    #[test]
    fn a_malformed_line_is_an_error_naming_the_file_and_line() {
        let e =
            CidrList::parse(Path::new("/etc/l.txt"), "10.0.0.0/8\n  10.0.0.0/33\n").unwrap_err();
        assert_eq!(e.path, Path::new("/etc/l.txt"));
        assert!(
            e.message.starts_with("line 2, column 3: `10.0.0.0/33`"),
            "{}",
            e.message
        );
    }

    #[test]
    fn an_empty_list_matches_nothing() {
        let l = list("# nothing yet\n");
        assert!(!has(&l, "0.0.0.0"));
        assert!(!has(&l, "::"));
    }
}
