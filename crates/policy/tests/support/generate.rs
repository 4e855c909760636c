//! Realistic-looking country data, deterministic from a seed: networks of
//! the sizes real allocations have (mostly /24 to /20 for IPv4, /32 to /48
//! for IPv6), runs of one country, gaps, and no private ranges.

use std::net::{Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

/// splitmix64: small, fast, good enough for test data.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// Picks from `(weight, item)` pairs.
    pub fn weighted<T: Copy>(&mut self, table: &[(u64, T)]) -> T {
        let total: u64 = table.iter().map(|(w, _)| w).sum();
        let mut x = self.below(total);
        for (w, item) in table {
            if x < *w {
                return *item;
            }
            x -= w;
        }
        table[table.len() - 1].1
    }
}

/// Countries weighted roughly like their share of address space.
const COUNTRIES: &[(u64, &str)] = &[
    (30, "US"),
    (12, "CN"),
    (6, "JP"),
    (5, "DE"),
    (5, "GB"),
    (4, "KR"),
    (4, "BR"),
    (4, "FR"),
    (3, "CA"),
    (3, "IT"),
    (3, "RU"),
    (2, "NL"),
    (2, "AU"),
    (2, "IN"),
    (2, "ES"),
    (2, "SE"),
    (1, "PL"),
    (1, "UA"),
    (1, "TR"),
    (1, "MX"),
    (1, "AR"),
    (1, "ZA"),
    (1, "IR"),
    (1, "KZ"),
    (1, "BY"),
    (1, "FI"),
    (1, "CH"),
    (1, "SG"),
];

/// A network and its country.
pub type Entry = (IpNet, &'static str);

fn country(rng: &mut Rng, previous: Option<&'static str>) -> &'static str {
    match previous {
        Some(p) if rng.chance(60) => p,
        _ => rng.weighted(COUNTRIES),
    }
}

/// Private, loopback, multicast and other special IPv4 blocks to skip.
const SPECIAL_V4: &[(u32, u32)] = &[
    (0x0A00_0000, 0x0AFF_FFFF), // 10/8
    (0x6440_0000, 0x647F_FFFF), // 100.64/10
    (0x7F00_0000, 0x7FFF_FFFF), // 127/8
    (0xA9FE_0000, 0xA9FE_FFFF), // 169.254/16
    (0xAC10_0000, 0xAC1F_FFFF), // 172.16/12
    (0xC0A8_0000, 0xC0A8_FFFF), // 192.168/16
];

/// About `count` IPv4 networks from 1.0.0.0 up to 223.255.255.255.
pub fn ipv4(rng: &mut Rng, count: usize) -> Vec<Entry> {
    let prefixes: &[(u64, u8)] = &[
        (45, 24),
        (10, 23),
        (14, 22),
        (8, 21),
        (7, 20),
        (5, 19),
        (3, 18),
        (2, 17),
        (2, 16),
        (1, 25),
        (1, 26),
        (1, 27),
        (1, 28),
        (1, 29),
        (1, 30),
        (1, 32),
    ];
    let mut out = Vec::with_capacity(count);
    let mut cursor: u64 = 0x0100_0000;
    let mut previous = None;
    while out.len() < count && cursor < 0xE000_0000 {
        let prefix = rng.weighted(prefixes);
        let size = 1u64 << (32 - prefix);
        if rng.chance(15) {
            cursor += rng.below(1 << 14);
        }
        cursor = cursor.div_ceil(size) * size;
        if let Some(&(_, end)) = SPECIAL_V4
            .iter()
            .find(|(s, e)| cursor + size > u64::from(*s) && cursor <= u64::from(*e))
        {
            cursor = u64::from(end) + 1;
            continue;
        }
        if cursor + size > 0xE000_0000 {
            break;
        }
        let c = country(rng, previous);
        previous = Some(c);
        let net = Ipv4Net::new(Ipv4Addr::from(cursor as u32), prefix).unwrap();
        out.push((IpNet::V4(net), c));
        cursor += size;
    }
    out
}

/// About `count` IPv6 networks in 2000::/3 (`::ffff:0:0/96` and `2002::/16`
/// stay free for the writer's aliases).
pub fn ipv6(rng: &mut Rng, count: usize) -> Vec<Entry> {
    let prefixes: &[(u64, u8)] = &[
        (35, 32),
        (15, 29),
        (10, 36),
        (10, 40),
        (10, 44),
        (15, 48),
        (3, 28),
        (2, 56),
    ];
    let mut out = Vec::with_capacity(count);
    let mut cursor: u128 = 0x2001_0200 << 96;
    let mut previous = None;
    let end: u128 = 0x4000 << 112;
    let sixtofour = (0x2002_u128 << 112, (0x2003_u128 << 112) - 1);
    while out.len() < count && cursor < end {
        let prefix = rng.weighted(prefixes);
        let size = 1u128 << (128 - prefix);
        if rng.chance(20) {
            cursor += u128::from(rng.below(1 << 12)) << 96;
        }
        cursor = cursor.div_ceil(size) * size;
        if cursor + size > sixtofour.0 && cursor <= sixtofour.1 {
            cursor = sixtofour.1 + 1;
            continue;
        }
        if cursor + size > end {
            break;
        }
        let c = country(rng, previous);
        previous = Some(c);
        let net = Ipv6Net::new(Ipv6Addr::from(cursor), prefix).unwrap();
        out.push((IpNet::V6(net), c));
        cursor += size;
    }
    out
}
