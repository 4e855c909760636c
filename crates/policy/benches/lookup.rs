//! The hot path: geo lookup in the compiled range table against
//! maxminddb's own lookup of the same database, IPv4 and IPv6, and a whole
//! decision with a 10-rule policy.
//!
//! Two databases: a generated one with ~300k realistic networks (written by
//! the test-support MMDB writer, DB-IP-derived flat layout), and MaxMind's
//! small public test database. The maxminddb side is measured twice: the
//! tree walk alone (`maxminddb_lookup`) and the walk plus reading the
//! country code (`maxminddb_country`), which is what answers the same
//! question as the table.

#[path = "../tests/support/mod.rs"]
mod support;

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::PathBuf;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use ipnet::IpNet;
use maxminddb::{PathElement, Reader};
use policy::{Policy, PolicyHandle, Scope};
use support::generate::{self, Entry, Rng};
use support::{Layout, fixture, mmdb_of, write_policy};

const ADDRESSES: usize = 4096;

struct Setup {
    _dir: tempfile::TempDir,
    db_path: PathBuf,
    reader: Reader<Vec<u8>>,
    policy: Policy,
    v4: Vec<IpAddr>,
    v6: Vec<IpAddr>,
}

/// Random addresses inside random networks of one family.
fn addresses(entries: &[Entry], rng: &mut Rng, v6: bool) -> Vec<IpAddr> {
    let pool: Vec<&Entry> = entries
        .iter()
        .filter(|(n, _)| matches!(n, IpNet::V6(_)) == v6)
        .collect();
    (0..ADDRESSES)
        .map(|_| match pool[rng.below(pool.len() as u64) as usize].0 {
            IpNet::V4(n) => {
                let size = u64::from(u32::from(n.broadcast()) - u32::from(n.network())) + 1;
                IpAddr::V4(Ipv4Addr::from(
                    u32::from(n.network()) + rng.below(size) as u32,
                ))
            }
            IpNet::V6(n) => {
                let low = u128::from(rng.next_u64()) << 64 | u128::from(rng.next_u64());
                let host_bits = 128 - u32::from(n.prefix_len());
                let offset = low & (u128::MAX >> (128 - host_bits).min(127));
                IpAddr::V6(Ipv6Addr::from(u128::from(n.network()) | offset))
            }
        })
        .collect()
}

fn setup() -> Setup {
    let mut rng = Rng::new(2024);
    let mut entries = generate::ipv4(&mut rng, 250_000);
    entries.extend(generate::ipv6(&mut rng, 50_000));
    let bytes = mmdb_of(&entries, Layout::Flat, 28);
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("generated.mmdb");
    std::fs::write(&db_path, &bytes).unwrap();
    let started = std::time::Instant::now();
    let policy = Policy::from_geo_databases(std::slice::from_ref(&db_path)).unwrap();
    eprintln!(
        "generated database: {} networks, {} bytes; compiled in {:?} to {:?} (IPv4, IPv6) ranges",
        entries.len(),
        bytes.len(),
        started.elapsed(),
        policy.geo_ranges()
    );
    let v4 = addresses(&entries, &mut rng, false);
    let v6 = addresses(&entries, &mut rng, true);
    Setup {
        _dir: dir,
        db_path,
        reader: Reader::from_source(bytes).unwrap(),
        policy,
        v4,
        v6,
    }
}

/// Runs `f` over the addresses in turn.
fn cycle<T>(addrs: &[IpAddr], mut f: impl FnMut(IpAddr) -> T) -> impl FnMut() -> T {
    let mut i = 0;
    move || {
        i = (i + 1) % addrs.len();
        f(black_box(addrs[i]))
    }
}

fn compare(
    c: &mut Criterion,
    group: &str,
    reader: &Reader<Vec<u8>>,
    policy: &Policy,
    addrs: &[IpAddr],
    field: &[PathElement<'_>],
) {
    let mut g = c.benchmark_group(group);
    g.bench_function("range_table", |b| {
        b.iter(cycle(addrs, |ip| policy.country_of(ip).0))
    });
    g.bench_function("maxminddb_lookup", |b| {
        b.iter(cycle(addrs, |ip| reader.lookup(ip).unwrap().offset()))
    });
    g.bench_function("maxminddb_country", |b| {
        b.iter(cycle(addrs, |ip| {
            let found = reader.lookup(ip).unwrap();
            found
                .decode_path::<&str>(field)
                .unwrap()
                .map(|s| s.as_bytes()[0])
        }))
    });
    g.finish();
}

const TEN_RULES: &str = r#"
[lists]
vpn = "vpn.txt"

[[rule]]
name = "preview-ir"
countries = ["IR"]
action = "shadow"
[[rule]]
name = "allow-office"
lists = ["vpn"]
action = "allow"
[[rule]]
name = "music-eu"
countries = ["DE", "FR", "IT", "ES", "NL", "PL", "SE", "FI"]
scope = ["category:music"]
action = "deny"
[[rule]]
name = "downloads-jp"
countries = ["JP"]
scope = ["download"]
action = "deny"
[[rule]]
name = "unknown-tracker"
countries = ["unknown"]
scope = ["tracker"]
action = "shadow"
[[rule]]
name = "allow-gb"
countries = ["GB"]
action = "allow"
[[rule]]
name = "portal-kz"
countries = ["KZ", "BY"]
scope = ["portal"]
action = "deny"
[[rule]]
name = "preview-ua"
countries = ["UA"]
action = "shadow"
[[rule]]
name = "cn-tracker"
countries = ["CN"]
scope = ["tracker", "download"]
action = "deny"
[[rule]]
name = "self-block"
countries = ["RU"]
scope = ["tracker", "portal", "download"]
action = "deny"
message.en = "This site is not available in your country."
"#;

fn benches(c: &mut Criterion) {
    let s = setup();
    let country_code = [PathElement::Key("country_code")];
    compare(
        c,
        "generated_ipv4",
        &s.reader,
        &s.policy,
        &s.v4,
        &country_code,
    );
    compare(
        c,
        "generated_ipv6",
        &s.reader,
        &s.policy,
        &s.v6,
        &country_code,
    );

    let test_db = fixture("GeoIP2-Country-Test.mmdb");
    let test_reader = Reader::open_readfile(&test_db).unwrap();
    let test_policy = Policy::from_geo_databases(&[test_db]).unwrap();
    let known: Vec<IpAddr> = [
        "81.2.69.160",
        "2.125.160.216",
        "89.160.20.112",
        "67.43.156.1",
        "202.196.224.1",
        "175.16.199.1",
        "216.160.83.56",
        "214.1.1.1",
    ]
    .iter()
    .map(|a| a.parse().unwrap())
    .collect();
    let known_v6: Vec<IpAddr> = [
        "2001:218::1",
        "2a02:d280::1",
        "2001:480::1",
        "2a02:ec0::1",
        "2c0f:ff40::1",
        "2001:220::1",
    ]
    .iter()
    .map(|a| a.parse().unwrap())
    .collect();
    let iso_code = [PathElement::Key("country"), PathElement::Key("iso_code")];
    compare(
        c,
        "maxmind_test_ipv4",
        &test_reader,
        &test_policy,
        &known,
        &iso_code,
    );
    compare(
        c,
        "maxmind_test_ipv6",
        &test_reader,
        &test_policy,
        &known_v6,
        &iso_code,
    );

    std::fs::write(
        s._dir.path().join("vpn.txt"),
        "198.51.100.0/24\n2001:db8::/32\n",
    )
    .unwrap();
    let text = format!(
        "geo_databases = [{:?}]\n{TEN_RULES}",
        s.db_path.display().to_string()
    );
    let policy = Policy::load(&write_policy(s._dir.path(), &text)).unwrap();
    assert_eq!(policy.rules().len(), 10);
    let mut g = c.benchmark_group("decide_10_rules");
    g.bench_function("ipv4", |b| {
        b.iter(cycle(&s.v4, |ip| policy.decide(ip, Scope::Tracker)))
    });
    g.bench_function("ipv6", |b| {
        b.iter(cycle(&s.v6, |ip| policy.decide(ip, Scope::Tracker)))
    });
    let handle = PolicyHandle::new(policy);
    g.bench_function("ipv4_check_and_count", |b| {
        b.iter(cycle(&s.v4, |ip| handle.check(ip, Scope::Tracker)))
    });
    g.finish();
}

criterion_group! {
    name = lookup;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(30);
    targets = benches
}
criterion_main!(lookup);
