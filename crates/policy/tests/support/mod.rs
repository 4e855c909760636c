//! Shared by the integration tests and the benchmarks.
#![allow(dead_code)]

pub mod generate;
pub mod mmdb;

use std::path::{Path, PathBuf};

use generate::Entry;
use mmdb::{Value, Writer};

/// A committed fixture under `tests/fixtures/`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The two record layouts of country databases.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// `{"country": {"iso_code": ..}}`
    GeoIp2,
    /// `{"country_code": ..}`
    Flat,
}

impl Layout {
    pub fn record(self, country: &str) -> Value {
        match self {
            Layout::GeoIp2 => mmdb::geoip2_record(Some(country), Some("US")),
            Layout::Flat => mmdb::flat_record(country),
        }
    }
}

/// An IPv6 database (IPv4 at `::/96`, aliased) holding `entries`.
pub fn mmdb_of(entries: &[Entry], layout: Layout, record_size: u16) -> Vec<u8> {
    let mut w = Writer::new(6, record_size);
    for (net, country) in entries {
        w.insert(*net, &layout.record(country));
    }
    w.alias_ipv4();
    w.to_bytes()
}

/// Writes `text` as `policy.toml` in `dir` and returns its path.
pub fn write_policy(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("policy.toml");
    std::fs::write(&path, text).unwrap();
    path
}
