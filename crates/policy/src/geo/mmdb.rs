//! MaxMind DB files (<https://maxmind.github.io/MaxMind-DB/>), compiled by
//! walking the whole search tree once.
//!
//! Two record layouts are in use for country data, and the layout is read
//! per record, so the operator never says which:
//!
//! - GeoIP2 / GeoLite2 Country and City: `{"country": {"iso_code": "GB"}}`.
//!   Only `country` counts. `registered_country` (where the network's owner
//!   registered it) is deliberately not a fallback: a record without
//!   `country` is a network MaxMind does not place (satellite links, anycast,
//!   military networks used abroad), and blocking by where its owner is
//!   registered would be a guess presented as a fact. It stays `unknown`,
//!   which a rule can name.
//! - DB-IP-derived files: `{"country_code": "GB"}`.
//!
//! A record with neither is a network without a country; a database in
//! which no record has either is not a country database and is rejected.
//!
//! IPv6 databases keep IPv4 in the `::/96` subtree and usually alias it at
//! `::ffff:0:0/96`, `2001::/32` (Teredo) and `2002::/16` (6to4). The walk
//! includes aliases, so the IPv6 table answers like the database for those
//! prefixes too; the `::ffff:0:0/96` alias is skipped because IPv4-mapped
//! addresses are looked up in the IPv4 table.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::Path;

use maxminddb::{MaxMindDbError, Reader, WithinOptions};
use serde::Deserialize;

use super::ranges::{DbRanges, MappedSpace, Overlap};
use crate::cidr::{v4_bounds, v6_bounds};
use crate::country::{DbCountry, UNKNOWN_INDEX, db_country};
use crate::error::{LoadError, PolicyError};

/// The fields of a record that can carry a country; everything else in the
/// record is skipped without being decoded.
#[derive(Deserialize)]
struct Record<'a> {
    #[serde(borrow, default)]
    country: Option<Place<'a>>,
    #[serde(borrow, default)]
    country_code: Option<&'a str>,
}

#[derive(Deserialize)]
struct Place<'a> {
    #[serde(borrow, default)]
    iso_code: Option<&'a str>,
}

/// What a record says, once decoded.
#[derive(Clone, Copy)]
struct Decoded {
    country: u16,
    /// The record has one of the two layouts (even if its country is unset).
    has_layout: bool,
}

/// Reads and walks the database at `path`.
pub(crate) fn load(path: &Path) -> Result<DbRanges, LoadError> {
    let bytes = std::fs::read(path).map_err(|e| LoadError::Unreadable(path.to_path_buf(), e))?;
    Ok(load_bytes(path, bytes)?)
}

/// Walks a database already in memory; errors name `path`.
pub(crate) fn load_bytes(path: &Path, bytes: Vec<u8>) -> Result<DbRanges, PolicyError> {
    let size = bytes.len();
    let reader = Reader::from_source(bytes).map_err(|e| {
        PolicyError::new(
            path,
            format!(
                "not a usable MaxMind DB: {e} (the file has {size} bytes: truncated, or not \
                 a MaxMind DB file?)"
            ),
        )
    })?;
    let fail = |e: MaxMindDbError| PolicyError::new(path, format!("corrupt MaxMind DB: {e}"));

    let options = WithinOptions::default().include_aliased_networks();
    let mut records: HashMap<usize, Decoded> = HashMap::new();
    let mut ranges = DbRanges::default();
    let mut networks = 0_usize;
    let mut with_layout = 0_usize;
    let mut first_record = None;

    for item in reader.networks(options).map_err(fail)? {
        let item = item.map_err(fail)?;
        let Some(offset) = item.offset() else {
            continue;
        };
        networks += 1;
        first_record.get_or_insert(offset);
        let decoded = match records.get(&offset) {
            Some(d) => *d,
            None => {
                let record: Record<'_> = item.decode().map_err(fail)?.ok_or_else(|| {
                    PolicyError::new(path, format!("record at data offset {offset} vanished"))
                })?;
                let d = decode(&record).map_err(|field| {
                    PolicyError::new(
                        path,
                        format!(
                            "record at data section offset {offset}: `{field}` is not a country code"
                        ),
                    )
                })?;
                with_layout += usize::from(d.has_layout);
                records.insert(offset, d);
                d
            }
        };
        let network = item.network().map_err(fail)?;
        match network.network() {
            IpAddr::V4(a) => {
                let (start, end) = v4_bounds(a, network.prefix());
                ranges.push_v4(start, end, decoded.country, offset as u64);
            }
            IpAddr::V6(a) => {
                let (start, end) = v6_bounds(a, network.prefix());
                // Only a database without an IPv4 subtree yields IPv6
                // networks here; IPv4 lookups land in them.
                if start <= u128::from(u32::MAX) {
                    let v4_end = end.min(u128::from(u32::MAX)) as u32;
                    ranges.push_v4(start as u32, v4_end, decoded.country, offset as u64);
                }
                let mapped = MappedSpace::Ignore;
                ranges.push_v6(start, end, decoded.country, offset as u64, mapped);
            }
        }
    }

    if networks == 0 {
        return Err(PolicyError::new(
            path,
            "the database holds no networks (empty database)",
        ));
    }
    if with_layout == 0 {
        return Err(PolicyError::new(
            path,
            format!(
                "not a country database (type `{}`): no record has `country.iso_code` or \
                 `country_code` (first record at data section offset {})",
                reader.metadata().database_type,
                first_record.unwrap_or(0),
            ),
        ));
    }
    ranges.finish().map_err(|Overlap { first, second }| {
        PolicyError::new(
            path,
            format!(
                "corrupt MaxMind DB: networks overlap (records at data section offsets \
                 {first} and {second})"
            ),
        )
    })?;
    Ok(ranges)
}

/// The country of a record, or the offending field.
fn decode<'a>(record: &Record<'a>) -> Result<Decoded, &'a str> {
    let field = match (&record.country, record.country_code) {
        (Some(place), _) if place.iso_code.is_some() => place.iso_code,
        (_, Some(code)) => Some(code),
        (Some(_), None) => None,
        (None, None) => {
            return Ok(Decoded {
                country: UNKNOWN_INDEX,
                has_layout: false,
            });
        }
    };
    let country = match field.map(db_country) {
        None | Some(DbCountry::Unplaced) => UNKNOWN_INDEX,
        Some(DbCountry::Known(i)) => i,
        Some(DbCountry::Malformed) => return Err(field.unwrap_or_default()),
    };
    Ok(Decoded {
        country,
        has_layout: true,
    })
}
