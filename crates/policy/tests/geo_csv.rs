//! CSV geo databases: GeoLite2 (blocks + locations), DB-IP Lite, plain
//! ranges; the flavour is recognised from the file itself.

mod support;

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use policy::{Policy, PolicyError};
use support::{fixture, write_policy};

fn country(policy: &Policy, address: &str) -> String {
    let ip: IpAddr = address.parse().unwrap();
    policy.country_of(ip).0.as_str().to_owned()
}

fn fixtures_dir() -> PathBuf {
    fixture("")
}

/// Loads a policy (written into the fixtures' directory's copy in a temp
/// dir would lose relative paths, so absolute fixture paths are used).
fn load(text: &str) -> (tempfile::TempDir, Result<Policy, PolicyError>) {
    let dir = tempfile::tempdir().unwrap();
    let text = text.replace("$F", &fixtures_dir().display().to_string());
    let path = write_policy(dir.path(), &text);
    (dir, Policy::load(&path))
}

#[test]
fn geolite2_blocks_join_locations_by_geoname_id_for_ipv4_and_ipv6() {
    let (_dir, p) = load(
        r#"geo_databases = [{ blocks = ["$F/GeoLite2-Country-Blocks-IPv4.csv",
                                         "$F/GeoLite2-Country-Blocks-IPv6.csv"],
                              locations = "$F/GeoLite2-Country-Locations-en.csv" }]"#,
    );
    let p = p.unwrap();
    assert_eq!(country(&p, "81.2.69.160"), "GB");
    assert_eq!(country(&p, "81.2.71.255"), "GB");
    assert_eq!(country(&p, "5.8.31.1"), "RU");
    assert_eq!(country(&p, "2001:218::1"), "JP");
    assert_eq!(country(&p, "2a02:6b8::1"), "RU");
    assert_eq!(country(&p, "::ffff:1.0.0.1"), "AU");
    // A continent only, and a registered country only: not placed.
    assert_eq!(country(&p, "185.28.1.1"), "unknown");
    assert_eq!(country(&p, "214.1.1.1"), "unknown");
    let v6 = fixture("GeoLite2-Country-Blocks-IPv6.csv");
    assert_eq!(
        p.country_of("2a00:1450::1".parse().unwrap()).1,
        Some(v6.as_path())
    );
}

#[test]
fn a_single_blocks_file_may_be_written_as_a_string() {
    let (_dir, p) = load(
        r#"geo_databases = [{ blocks = "$F/GeoLite2-Country-Blocks-IPv4.csv",
                              locations = "$F/GeoLite2-Country-Locations-en.csv" }]"#,
    );
    assert_eq!(country(&p.unwrap(), "1.0.0.255"), "AU");
}

#[test]
fn dbip_lite_files_without_a_header_load_both_families() {
    let p = Policy::from_geo_databases(&[fixture("dbip-country-lite.csv")]).unwrap();
    assert_eq!(country(&p, "1.0.2.3"), "CN");
    assert_eq!(country(&p, "81.2.69.255"), "GB");
    assert_eq!(country(&p, "2a00:1450:4001::1"), "DE");
    // ZZ marks reserved space: unknown.
    assert_eq!(country(&p, "10.1.1.1"), "unknown");
    assert_eq!(p.country_of("10.1.1.1".parse().unwrap()).1, None);
}

#[test]
fn plain_range_files_take_a_header_and_comments() {
    let p = Policy::from_geo_databases(&[fixture("country-ranges.csv")]).unwrap();
    assert_eq!(country(&p, "198.51.100.77"), "NL");
    assert_eq!(country(&p, "203.0.113.127"), "UA");
    assert_eq!(country(&p, "203.0.113.128"), "unknown");
    assert_eq!(country(&p, "2001:db8:0:1::1"), "FI");
}

#[test]
fn csv_and_mmdb_databases_combine_first_one_wins() {
    let (_dir, p) = load(
        r#"geo_databases = ["$F/country-ranges.csv", "$F/dbip-country-lite.csv",
                            "$F/GeoIP2-Country-Test.mmdb"]"#,
    );
    let p = p.unwrap();
    assert_eq!(country(&p, "198.51.100.1"), "NL");
    assert_eq!(country(&p, "1.0.0.1"), "AU");
    // Only the MaxMind test database knows this one.
    assert_eq!(country(&p, "2.125.160.216"), "GB");
    assert_eq!(
        p.source_files().len(),
        4,
        "the policy file and three databases: {:?}",
        p.source_files()
    );
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn error_of(name: &str, text: &str) -> (PathBuf, PolicyError) {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), name, text);
    let e = Policy::from_geo_databases(std::slice::from_ref(&path)).unwrap_err();
    (path, e)
}

fn assert_error((path, e): (PathBuf, PolicyError), needles: &[&str]) {
    assert_eq!(e.path, path, "{e}");
    for n in needles {
        assert!(e.message.contains(n), "`{n}` not in: {e}");
    }
}

#[test]
fn csv_files_of_the_wrong_shape_are_rejected_with_the_line() {
    // DB-IP's city file: the third column is a continent, not a country.
    assert_error(
        error_of(
            "city.csv",
            "1.0.0.0,1.0.0.255,OC,AU,Queensland,Brisbane,-27.4,153.0\n",
        ),
        &["line 1", "expected 3 columns"],
    );
    assert_error(
        error_of("asn.csv", "1.0.0.0,1.0.0.255,13335\n"),
        &["line 1", "`13335` is not a country code"],
    );
    assert_error(
        error_of(
            "ranges.csv",
            "start,end,country_code\n1.0.0.0,1.0.0.255,AU\n1.0.1.0,oops,AU\n",
        ),
        &["line 3", "`oops` is not an IP address"],
    );
    assert_error(
        error_of("mixed.csv", "1.0.0.0,::1,AU\n"),
        &["line 1", "mixes IPv4 and IPv6"],
    );
    assert_error(
        error_of("backwards.csv", "1.0.0.9,1.0.0.1,AU\n"),
        &["line 1", "ends before it starts"],
    );
}

#[test]
fn overlapping_ranges_are_rejected_naming_both_lines() {
    assert_error(
        error_of(
            "overlap.csv",
            "1.0.0.0,1.0.0.255,AU\n# note\n1.0.0.128,1.0.1.0,AU\n",
        ),
        &["line 3", "line 1"],
    );
}

#[test]
fn empty_csv_databases_are_rejected() {
    assert_error(error_of("empty.csv", ""), &["no records"]);
    assert_error(
        error_of("header.csv", "start,end,country_code\n"),
        &["no records"],
    );
}

#[test]
fn geolite2_files_listed_alone_say_how_to_list_them() {
    let blocks = std::fs::read_to_string(fixture("GeoLite2-Country-Blocks-IPv4.csv")).unwrap();
    assert_error(error_of("blocks.csv", &blocks), &["line 1", "blocks = "]);
    let locations = std::fs::read_to_string(fixture("GeoLite2-Country-Locations-en.csv")).unwrap();
    assert_error(error_of("locations.csv", &locations), &["locations file"]);
}

#[test]
fn geolite2_blocks_with_unknown_geoname_ids_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let blocks = write(
        dir.path(),
        "blocks.csv",
        "network,geoname_id,registered_country_geoname_id\n1.0.0.0/24,2077456,\n1.0.1.0/24,42,\n",
    );
    write(
        dir.path(),
        "locations.csv",
        "geoname_id,locale_code,continent_code,continent_name,country_iso_code\n2077456,en,OC,Oceania,AU\n",
    );
    let policy = write_policy(
        dir.path(),
        r#"geo_databases = [{ blocks = "blocks.csv", locations = "locations.csv" }]"#,
    );
    let e = Policy::load(&policy).unwrap_err();
    assert_eq!(e.path, blocks);
    assert!(
        e.message.contains("line 3") && e.message.contains("42"),
        "{e}"
    );
}

#[test]
fn a_blocks_file_that_is_not_one_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let policy = write_policy(
        dir.path(),
        &format!(
            r#"geo_databases = [{{ blocks = "{}", locations = "{}" }}]"#,
            fixture("dbip-country-lite.csv").display(),
            fixture("GeoLite2-Country-Locations-en.csv").display()
        ),
    );
    let e = Policy::load(&policy).unwrap_err();
    assert_eq!(e.path, fixture("dbip-country-lite.csv"));
    assert!(e.message.contains("not a GeoLite2 blocks file"), "{e}");
}
