//! Geo databases: loading MaxMind DB and CSV files and compiling them into
//! one range table.
//!
//! - [`mmdb`] reads MaxMind DB files (GeoIP2/GeoLite2 Country and City,
//!   `country.iso_code`; DB-IP-derived files, flat `country_code`), walking
//!   the whole search tree once.
//! - [`csv`] reads GeoLite2 Country/City CSV (blocks joined with locations by
//!   geoname id), DB-IP Lite CSV and plain `start,end,country_code` files.
//! - [`ranges`] holds what one database states; [`table`] compiles all of
//!   them into the table the hot path searches.
//!
//! Several databases may be listed: the first one that places an address in
//! a country answers for it, later ones only fill its gaps. A record without
//! a country (a GeoIP2 record with only `registered_country`, say) is such a
//! gap. IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`, what dual-stack sockets
//! report for IPv4 clients) are looked up as the IPv4 address they carry.

pub(crate) mod csv;
pub(crate) mod mmdb;
pub(crate) mod ranges;
pub(crate) mod table;

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use crate::error::{LoadError, PolicyError};
use ranges::DbRanges;
use table::RangeTable;

/// `::ffff:0:0/96`, inclusive bounds.
pub(crate) const IPV4_MAPPED: (u128, u128) = (0xffff_0000_0000, 0xffff_ffff_ffff);

/// An address as the tables see it: IPv4-mapped IPv6 is IPv4.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Addr {
    V4(u32),
    V6(u128),
}

impl Addr {
    #[inline]
    pub(crate) fn of(ip: IpAddr) -> Addr {
        match ip {
            IpAddr::V4(v4) => Addr::V4(v4.into()),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Addr::V4(v4.into()),
                None => Addr::V6(v6.into()),
            },
        }
    }
}

/// One entry of `geo_databases`, paths already resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum GeoSource {
    /// A `.mmdb` file, or a `.csv` file in a self-contained flavour.
    File(PathBuf),
    /// GeoLite2 CSV: blocks files (IPv4, IPv6) and their locations file.
    GeoLite2Csv {
        blocks: Vec<PathBuf>,
        locations: PathBuf,
    },
}

/// Loads one `geo_databases` entry: one or more databases (one per file).
pub(crate) fn load(source: &GeoSource) -> Result<Vec<(PathBuf, DbRanges)>, LoadError> {
    match source {
        GeoSource::File(path) => {
            let ranges = match extension(path).as_deref() {
                Some("mmdb") => mmdb::load(path)?,
                Some("csv") => csv::load_ranges(path)?,
                _ => {
                    return Err(LoadError::Invalid(PolicyError::new(
                        path,
                        "unrecognised geo database type: expected a .mmdb or .csv file",
                    )));
                }
            };
            Ok(vec![(path.clone(), ranges)])
        }
        GeoSource::GeoLite2Csv { blocks, locations } => {
            let places = csv::load_locations(locations)?;
            blocks
                .iter()
                .map(|b| Ok((b.clone(), csv::load_blocks(b, &places)?)))
                .collect()
        }
    }
}

fn extension(path: &Path) -> Option<String> {
    path.extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
}

/// All loaded databases compiled into one table per address family.
#[derive(Debug)]
pub(crate) struct GeoTable {
    v4: RangeTable<u32>,
    v6: RangeTable<u128>,
    /// The databases, in priority order.
    sources: Vec<PathBuf>,
}

impl GeoTable {
    /// Knows no address.
    pub(crate) fn empty() -> Self {
        GeoTable {
            v4: RangeTable::empty(),
            v6: RangeTable::empty(),
            sources: Vec::new(),
        }
    }

    /// Compiles databases given in priority order (first wins).
    pub(crate) fn compile(databases: Vec<(PathBuf, DbRanges)>) -> Self {
        let v4: Vec<&[_]> = databases.iter().map(|(_, r)| r.v4.as_slice()).collect();
        let v6: Vec<&[_]> = databases.iter().map(|(_, r)| r.v6.as_slice()).collect();
        GeoTable {
            v4: RangeTable::build(&v4),
            v6: RangeTable::build(&v6),
            sources: databases.iter().map(|(p, _)| p.clone()).collect(),
        }
    }

    /// The country index of an address.
    #[inline]
    pub(crate) fn country(&self, addr: Addr) -> u16 {
        match addr {
            Addr::V4(a) => self.v4.country(a),
            Addr::V6(a) => self.v6.country(a),
        }
    }

    /// The country index and the database that answered.
    pub(crate) fn country_and_source(&self, addr: Addr) -> (u16, Option<&Path>) {
        let (country, source) = match addr {
            Addr::V4(a) => self.v4.country_and_source(a),
            Addr::V6(a) => self.v6.country_and_source(a),
        };
        let path = usize::from(source)
            .checked_sub(1)
            .and_then(|i| self.sources.get(i));
        (country, path.map(PathBuf::as_path))
    }

    pub(crate) fn sources(&self) -> &[PathBuf] {
        &self.sources
    }

    /// Known IPv4 and IPv6 ranges after compiling.
    pub(crate) fn range_counts(&self) -> (usize, usize) {
        (self.v4.known_ranges(), self.v6.known_ranges())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv4_mapped_addresses_are_ipv4_and_other_ipv6_is_not() {
        let mapped: IpAddr = "::ffff:81.2.69.160".parse().unwrap();
        assert_eq!(Addr::of(mapped), Addr::of("81.2.69.160".parse().unwrap()));
        let compat: IpAddr = "::1".parse().unwrap();
        assert_eq!(Addr::of(compat), Addr::V6(1));
    }
}
