//! The compiled range table answers exactly as maxminddb's own lookup on
//! the same database, for random addresses and for the addresses around
//! every network boundary, IPv4 and IPv6.

mod support;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::OnceLock;

use ipnet::IpNet;
use maxminddb::Reader;
use policy::{CountryCode, Policy};
use proptest::prelude::*;
use serde::Deserialize;
use support::Layout;
use support::generate::{self, Entry, Rng};
use support::mmdb::Writer;

/// A generated database with both record layouts mixed, its networks, the
/// maxminddb reader over it and the compiled policy.
struct Fixture {
    entries: Vec<Entry>,
    reader: Reader<Vec<u8>>,
    policy: Policy,
}

fn build(ip_version: u16, record_size: u16, seed: u64) -> Fixture {
    let mut rng = Rng::new(seed);
    let mut entries = generate::ipv4(&mut rng, 6_000);
    if ip_version == 6 {
        entries.extend(generate::ipv6(&mut rng, 3_000));
    }
    let mut w = Writer::new(ip_version, record_size);
    for (net, country) in &entries {
        let layout = if rng.chance(50) {
            Layout::GeoIp2
        } else {
            Layout::Flat
        };
        w.insert(*net, &layout.record(country));
    }
    if ip_version == 6 {
        w.alias_ipv4();
    }
    let bytes = w.to_bytes();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("generated.mmdb");
    std::fs::write(&path, &bytes).unwrap();
    let policy = Policy::from_geo_databases(&[path]).unwrap();
    Fixture {
        entries,
        reader: Reader::from_source(bytes).unwrap(),
        policy,
    }
}

fn ipv6_db() -> &'static Fixture {
    static DB: OnceLock<Fixture> = OnceLock::new();
    DB.get_or_init(|| build(6, 28, 7))
}

fn ipv4_db() -> &'static Fixture {
    static DB: OnceLock<Fixture> = OnceLock::new();
    DB.get_or_init(|| build(4, 24, 11))
}

#[derive(Deserialize)]
struct Record {
    country: Option<Place>,
    country_code: Option<String>,
}

#[derive(Deserialize)]
struct Place {
    iso_code: Option<String>,
}

/// What the database itself says, read the documented way.
fn reference(reader: &Reader<Vec<u8>>, ip: IpAddr) -> CountryCode {
    let Ok(found) = reader.lookup(ip) else {
        // An IPv6 address in an IPv4-only database.
        return CountryCode::UNKNOWN;
    };
    let Some(record) = found.decode::<Record>().unwrap() else {
        return CountryCode::UNKNOWN;
    };
    let code = record
        .country
        .and_then(|c| c.iso_code)
        .or(record.country_code);
    code.and_then(|c| CountryCode::parse(&c))
        .unwrap_or(CountryCode::UNKNOWN)
}

fn check(db: &Fixture, ip: IpAddr) -> Result<(), TestCaseError> {
    prop_assert_eq!(
        db.policy.country_of(ip).0,
        reference(&db.reader, ip),
        "{}",
        ip
    );
    Ok(())
}

/// An address at or next to an edge of one of the generated networks.
fn near_edge(db: &'static Fixture) -> impl Strategy<Value = IpAddr> {
    (0..db.entries.len(), any::<bool>(), -1i8..=1).prop_map(move |(i, at_end, delta)| {
        let net = db.entries[i].0;
        match net {
            IpNet::V4(n) => {
                let edge = u32::from(if at_end { n.broadcast() } else { n.network() });
                IpAddr::V4(Ipv4Addr::from(edge.wrapping_add_signed(i32::from(delta))))
            }
            IpNet::V6(n) => {
                let edge = u128::from(if at_end { n.broadcast() } else { n.network() });
                let moved = edge.wrapping_add_signed(i128::from(delta));
                IpAddr::V6(Ipv6Addr::from(moved))
            }
        }
    })
}

/// An address anywhere inside one of the generated networks.
fn inside(db: &'static Fixture) -> impl Strategy<Value = IpAddr> {
    (0..db.entries.len(), any::<u128>()).prop_map(move |(i, r)| match db.entries[i].0 {
        IpNet::V4(n) => {
            let size = u64::from(u32::from(n.broadcast()) - u32::from(n.network())) + 1;
            let offset = (r % u128::from(size)) as u32;
            IpAddr::V4(Ipv4Addr::from(u32::from(n.network()) + offset))
        }
        IpNet::V6(n) => {
            let span = u128::from(n.broadcast()) - u128::from(n.network());
            let offset = if span == u128::MAX { r } else { r % (span + 1) };
            IpAddr::V6(Ipv6Addr::from(u128::from(n.network()) + offset))
        }
    })
}

/// Any IPv6 address except the deprecated IPv4-compatible `::a.b.c.d`
/// (which maxminddb resolves through the IPv4 subtree, and the table, by
/// design, does not: no client has such an address).
fn any_ipv6() -> impl Strategy<Value = IpAddr> {
    any::<u128>()
        .prop_filter("IPv4-compatible", |x| *x > u128::from(u32::MAX))
        .prop_map(|x| IpAddr::V6(Ipv6Addr::from(x)))
}

/// IPv4-mapped and 6to4 forms of IPv4 addresses near network edges.
fn ipv4_in_ipv6(db: &'static Fixture) -> impl Strategy<Value = IpAddr> {
    (near_edge(db), any::<bool>(), any::<u64>()).prop_filter_map(
        "an IPv4 edge",
        |(ip, mapped, low)| match ip {
            IpAddr::V4(v4) if mapped => Some(IpAddr::V6(v4.to_ipv6_mapped())),
            IpAddr::V4(v4) => {
                let six_to_four = 0x2002_u128 << 112 | u128::from(u32::from(v4)) << 80;
                Some(IpAddr::V6(Ipv6Addr::from(
                    six_to_four | u128::from(low >> 48),
                )))
            }
            IpAddr::V6(_) => None,
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn random_ipv4_addresses_answer_as_the_database(x in any::<u32>()) {
        check(ipv6_db(), IpAddr::V4(Ipv4Addr::from(x)))?;
        check(ipv4_db(), IpAddr::V4(Ipv4Addr::from(x)))?;
    }

    #[test]
    fn random_ipv6_addresses_answer_as_the_database(ip in any_ipv6()) {
        check(ipv6_db(), ip)?;
        check(ipv4_db(), ip)?;
    }

    #[test]
    fn addresses_at_network_edges_answer_as_the_database(ip in near_edge(ipv6_db())) {
        check(ipv6_db(), ip)?;
    }

    #[test]
    fn addresses_inside_networks_answer_as_the_database(ip in inside(ipv6_db())) {
        check(ipv6_db(), ip)?;
    }

    #[test]
    fn ipv4_only_database_edges_answer_as_the_database(ip in near_edge(ipv4_db())) {
        check(ipv4_db(), ip)?;
    }

    #[test]
    fn mapped_and_6to4_addresses_answer_as_the_database(ip in ipv4_in_ipv6(ipv6_db())) {
        check(ipv6_db(), ip)?;
    }
}

#[test]
fn the_generated_databases_are_dense_enough_to_test_something() {
    let db = ipv6_db();
    let (v4, v6) = db.policy.geo_ranges();
    assert!(v4 > 1_000 && v6 > 500, "{v4} {v6}");
    let known = (0..10_000u32)
        .map(|i| IpAddr::V4(Ipv4Addr::from(i.wrapping_mul(429_497))))
        .filter(|ip| db.policy.country_of(*ip).1.is_some())
        .count();
    assert!(known > 20, "{known}");
}
