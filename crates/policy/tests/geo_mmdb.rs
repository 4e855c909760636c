//! MaxMind DB loading: MaxMind's public test database, and databases
//! generated here in both record layouts, all record sizes, IPv4 and IPv6.

mod support;

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use policy::{CountryCode, Policy, PolicyError};
use support::mmdb::{Value, Writer, flat_record, geoip2_record, net};
use support::{Layout, fixture};

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn country(policy: &Policy, address: &str) -> String {
    policy.country_of(ip(address)).0.as_str().to_owned()
}

/// Writes `bytes` to `name` in a fresh directory and loads it alone.
fn load(name: &str, bytes: &[u8]) -> (tempfile::TempDir, PathBuf, Result<Policy, PolicyError>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    let result = Policy::from_geo_databases(std::slice::from_ref(&path));
    (dir, path, result)
}

fn maxmind_test_db() -> Policy {
    Policy::from_geo_databases(&[fixture("GeoIP2-Country-Test.mmdb")]).unwrap()
}

#[test]
fn maxmind_test_database_gives_its_known_answers() {
    let p = maxmind_test_db();
    assert_eq!(country(&p, "81.2.69.160"), "GB");
    assert_eq!(country(&p, "2001:218::1"), "JP");
    // A record with no country (only traits): unknown.
    assert_eq!(country(&p, "214.1.1.1"), "unknown");
    // Not in the database at all.
    assert_eq!(country(&p, "10.0.0.1"), "unknown");
    assert_eq!(p.country_of(ip("10.0.0.1")).1, None);
    assert_eq!(
        p.country_of(ip("81.2.69.160")).1,
        Some(fixture("GeoIP2-Country-Test.mmdb").as_path())
    );
}

#[test]
fn ipv4_mapped_and_6to4_addresses_answer_like_their_ipv4_address() {
    let p = maxmind_test_db();
    assert_eq!(country(&p, "::ffff:81.2.69.160"), "GB");
    // 2002:5102:45a0:: is 6to4 for 81.2.69.160; the database aliases it.
    assert_eq!(country(&p, "2002:5102:45a0::1"), "GB");
}

#[test]
fn loopback_and_private_addresses_are_unknown_unless_a_database_says_otherwise() {
    let p = maxmind_test_db();
    for a in [
        "127.0.0.1",
        "192.168.1.1",
        "10.1.2.3",
        "::1",
        "fe80::1",
        "fc00::1",
    ] {
        assert_eq!(country(&p, a), "unknown", "{a}");
    }
    let mut w = Writer::new(6, 24);
    w.insert(net("192.168.0.0/16"), &flat_record("DE"));
    let (_dir, _, p) = load("private.mmdb", &w.to_bytes());
    assert_eq!(country(&p.unwrap(), "192.168.1.1"), "DE");
}

fn both_layouts_db(record_size: u16) -> Vec<u8> {
    let mut w = Writer::new(6, record_size);
    w.insert(net("1.0.0.0/24"), &Layout::GeoIp2.record("AU"));
    w.insert(net("5.8.0.0/19"), &Layout::Flat.record("RU"));
    w.insert(net("2a00:1450::/32"), &Layout::GeoIp2.record("DE"));
    w.insert(net("2a02:6b8::/32"), &Layout::Flat.record("RU"));
    w.alias_ipv4();
    w.to_bytes()
}

#[test]
fn both_record_layouts_load_with_every_record_size() {
    for size in [24, 28, 32] {
        let (_dir, _, p) = load("both.mmdb", &both_layouts_db(size));
        let p = p.unwrap();
        assert_eq!(country(&p, "1.0.0.7"), "AU", "{size}");
        assert_eq!(country(&p, "5.8.31.255"), "RU", "{size}");
        assert_eq!(country(&p, "5.8.32.0"), "unknown", "{size}");
        assert_eq!(country(&p, "2a00:1450:4001::1"), "DE", "{size}");
        assert_eq!(country(&p, "2a02:6b8::feed"), "RU", "{size}");
        assert_eq!(country(&p, "2a02:6b9::"), "unknown", "{size}");
        assert_eq!(country(&p, "::ffff:5.8.1.1"), "RU", "{size}");
    }
}

#[test]
fn ipv4_only_databases_load_and_know_no_ipv6() {
    let mut w = Writer::new(4, 24);
    w.insert(net("81.2.69.0/24"), &flat_record("GB"));
    w.insert(net("81.2.70.0/24"), &flat_record("GB"));
    let (_dir, _, p) = load("v4.mmdb", &w.to_bytes());
    let p = p.unwrap();
    assert_eq!(country(&p, "81.2.70.255"), "GB");
    assert_eq!(country(&p, "::ffff:81.2.69.1"), "GB");
    assert_eq!(country(&p, "2001:218::1"), "unknown");
    // The two /24s merged into one range.
    assert_eq!(p.geo_ranges(), (1, 0));
}

#[test]
fn registered_country_alone_does_not_place_an_address() {
    let mut w = Writer::new(6, 28);
    w.insert(net("214.0.0.0/8"), &geoip2_record(None, Some("US")));
    w.insert(net("81.2.69.0/24"), &geoip2_record(Some("GB"), Some("US")));
    let (_dir, _, p) = load("reg.mmdb", &w.to_bytes());
    let p = p.unwrap();
    assert_eq!(country(&p, "214.1.1.1"), "unknown");
    assert_eq!(country(&p, "81.2.69.1"), "GB");
}

#[test]
fn codes_databases_use_beyond_iso_leave_the_address_unknown() {
    let mut w = Writer::new(6, 24);
    w.insert(net("1.0.0.0/24"), &flat_record("EU"));
    w.insert(net("1.0.1.0/24"), &flat_record("ZZ"));
    w.insert(net("1.0.2.0/24"), &flat_record("xk"));
    let (_dir, _, p) = load("eu.mmdb", &w.to_bytes());
    let p = p.unwrap();
    assert_eq!(country(&p, "1.0.0.1"), "unknown");
    assert_eq!(country(&p, "1.0.1.1"), "unknown");
    assert_eq!(country(&p, "1.0.2.1"), "XK");
}

#[test]
fn the_first_database_that_knows_an_address_answers() {
    let dir = tempfile::tempdir().unwrap();
    let mut first = Writer::new(6, 24);
    first.insert(net("5.8.0.0/24"), &flat_record("RU"));
    first.insert(net("5.8.1.0/24"), &geoip2_record(None, Some("RU")));
    let mut second = Writer::new(6, 24);
    second.insert(net("5.8.0.0/16"), &flat_record("NL"));
    let a = dir.path().join("a.mmdb");
    let b = dir.path().join("b.mmdb");
    std::fs::write(&a, first.to_bytes()).unwrap();
    std::fs::write(&b, second.to_bytes()).unwrap();
    let p = Policy::from_geo_databases(&[a.clone(), b.clone()]).unwrap();
    assert_eq!(
        p.country_of(ip("5.8.0.1")),
        (CountryCode::parse("RU").unwrap(), Some(a.as_path()))
    );
    // The first database has a record there, but no country: a gap.
    assert_eq!(
        p.country_of(ip("5.8.1.1")),
        (CountryCode::parse("NL").unwrap(), Some(b.as_path()))
    );
    assert_eq!(p.country_of(ip("5.8.200.1")).1, Some(b.as_path()));
    assert_eq!(p.geo_databases(), &[a, b]);
}

fn assert_error(e: &PolicyError, path: &Path, needles: &[&str]) {
    assert_eq!(e.path, path, "{e}");
    for n in needles {
        assert!(e.message.contains(n), "`{n}` not in: {e}");
    }
}

#[test]
fn a_database_without_country_records_is_rejected_as_the_wrong_type() {
    let mut w = Writer::new(6, 24).database_type("GeoLite2-ASN");
    let asn = Value::map([
        ("autonomous_system_number", Value::U32(13335)),
        ("autonomous_system_organization", Value::str("Cloudflare")),
    ]);
    w.insert(net("1.1.1.0/24"), &asn);
    let (_dir, path, p) = load("asn.mmdb", &w.to_bytes());
    assert_error(
        &p.unwrap_err(),
        &path,
        &["not a country database", "GeoLite2-ASN", "offset 0"],
    );
}

#[test]
fn a_country_field_that_is_no_country_code_is_an_error_with_its_offset() {
    let mut w = Writer::new(6, 24);
    w.insert(net("1.1.1.0/24"), &flat_record("AU"));
    w.insert(net("1.1.2.0/24"), &flat_record("Australia"));
    let (_dir, path, p) = load("bad.mmdb", &w.to_bytes());
    assert_error(
        &p.unwrap_err(),
        &path,
        &["`Australia` is not a country code", "offset"],
    );
}

#[test]
fn an_empty_database_is_rejected() {
    let (_dir, path, p) = load("empty.mmdb", &Writer::new(6, 24).to_bytes());
    assert_error(&p.unwrap_err(), &path, &["no networks"]);
}

#[test]
fn a_truncated_database_is_rejected_naming_its_size_and_offset() {
    let bytes = both_layouts_db(28);
    // Cut inside the metadata: the decoder names the offset.
    let (_dir, path, p) = load("cut.mmdb", &bytes[..bytes.len() - 40]);
    let size = format!("{} bytes", bytes.len() - 40);
    assert_error(&p.unwrap_err(), &path, &["truncated", &size, "at offset"]);
    // Cut in half: no metadata at all.
    let (_dir, path, p) = load("half.mmdb", &bytes[..bytes.len() / 2]);
    assert_error(&p.unwrap_err(), &path, &["truncated", "metadata"]);
}

#[test]
fn a_corrupt_data_section_is_rejected_with_an_offset() {
    let mut w = Writer::new(6, 24);
    w.insert(net("1.1.1.0/24"), &flat_record("AU"));
    let tree = w.tree_size();
    let mut bytes = w.to_bytes();
    // The record's map header: claim a pointer type with a bad target.
    bytes[tree + 16] = 0x3f;
    bytes[tree + 17] = 0xff;
    let (_dir, path, p) = load("corrupt.mmdb", &bytes);
    assert_error(&p.unwrap_err(), &path, &["corrupt MaxMind DB", "offset"]);
}

#[test]
fn a_tree_pointing_past_the_data_is_rejected() {
    let mut w = Writer::new(4, 32);
    w.insert(net("1.1.1.0/24"), &flat_record("AU"));
    let mut bytes = w.to_bytes();
    // Root node's right record: far beyond the data section.
    bytes[4..8].copy_from_slice(&0x0fff_ffffu32.to_be_bytes());
    let (_dir, path, p) = load("pointer.mmdb", &bytes);
    assert_error(&p.unwrap_err(), &path, &["corrupt MaxMind DB"]);
}

#[test]
fn a_file_that_is_not_a_database_is_rejected() {
    let (_dir, path, p) = load("text.mmdb", b"1.0.0.0,1.0.0.255,AU\n");
    assert_error(&p.unwrap_err(), &path, &["not a usable MaxMind DB"]);
}

#[test]
fn a_missing_database_names_the_file() {
    let path = Path::new("/nonexistent/swarmgate/geo.mmdb");
    let e = Policy::from_geo_databases(&[path.to_path_buf()]).unwrap_err();
    assert_error(&e, path, &["cannot read"]);
}
