//! CSV geo databases. The flavour is recognised from the first line:
//!
//! - Range files, three columns `start,end,country_code`: DB-IP Lite
//!   (`dbip-country-lite-*.csv`, no header) and plain files written by hand
//!   or by other tools (header optional). IPv4 and IPv6 rows may be mixed.
//!   Exactly three columns are required: DB-IP's *city* file also starts
//!   with two addresses, but its third column is a continent, and `AS`
//!   (Asia) read as a country would be American Samoa.
//! - GeoLite2 Country or City: a blocks file (`network,geoname_id,...`)
//!   whose `geoname_id` is joined with a locations file
//!   (`geoname_id,...,country_iso_code,...`). Like the MMDB loader, only
//!   `geoname_id` (where the network is) counts, not
//!   `registered_country_geoname_id`.
//!
//! Country fields that are empty or not assigned codes (`EU`, `AP`, `ZZ`)
//! leave the range unknown; anything that is not two letters is an error,
//! since it means the file is not what it was taken for.

use std::collections::HashMap;
use std::fs::File;
use std::io::BufReader;
use std::net::IpAddr;
use std::path::Path;

use csv::StringRecord;
use ipnet::IpNet;

use super::ranges::{DbRanges, MappedSpace, Overlap};
use crate::cidr::{v4_bounds, v6_bounds};
use crate::country::{DbCountry, UNKNOWN_INDEX, db_country};
use crate::error::{LoadError, PolicyError};

type Csv = csv::Reader<BufReader<File>>;

/// Country index by GeoLite2 geoname id.
#[derive(Debug)]
pub(crate) struct Locations {
    by_geoname: HashMap<u32, u16>,
    path: std::path::PathBuf,
}

fn open(path: &Path) -> Result<Csv, LoadError> {
    let file = File::open(path).map_err(|e| LoadError::Unreadable(path.to_path_buf(), e))?;
    Ok(csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(BufReader::new(file)))
}

/// Reads the next record, skipping `#` comment lines; None at the end.
/// Errors carry the line. (Comments are skipped here rather than by the
/// csv crate, whose line numbers then leave comment lines out.)
fn next(csv: &mut Csv, record: &mut StringRecord, path: &Path) -> Result<Option<u64>, PolicyError> {
    loop {
        match csv.read_record(record) {
            Ok(true) if record.get(0).is_some_and(|f| f.starts_with('#')) => continue,
            Ok(true) => return Ok(Some(record.position().map_or(0, |p| p.line()))),
            Ok(false) => return Ok(None),
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                return Err(PolicyError::new(path, format!("line {line}: {e}")));
            }
        }
    }
}

fn at(path: &Path, line: u64, message: impl std::fmt::Display) -> PolicyError {
    PolicyError::new(path, format!("line {line}: {message}"))
}

/// Column indices by header name.
fn column(header: &StringRecord, name: &str) -> Option<usize> {
    header.iter().position(|h| h.eq_ignore_ascii_case(name))
}

fn is_blocks_header(header: &StringRecord) -> bool {
    column(header, "network").is_some() && column(header, "geoname_id").is_some()
}

fn is_locations_header(header: &StringRecord) -> bool {
    column(header, "geoname_id").is_some() && column(header, "country_iso_code").is_some()
}

/// A country field, or an error naming it.
fn country(path: &Path, line: u64, field: &str) -> Result<u16, PolicyError> {
    match db_country(field) {
        DbCountry::Known(i) => Ok(i),
        DbCountry::Unplaced => Ok(UNKNOWN_INDEX),
        DbCountry::Malformed => Err(at(
            path,
            line,
            format_args!("`{field}` is not a country code"),
        )),
    }
}

fn overlap_error(path: &Path, Overlap { first, second }: Overlap) -> PolicyError {
    PolicyError::new(
        path,
        format!("line {second}: range overlaps the one on line {first}"),
    )
}

fn no_records(path: &Path) -> PolicyError {
    PolicyError::new(path, "the file holds no records (empty database)")
}

/// A self-contained CSV database (range flavour).
pub(crate) fn load_ranges(path: &Path) -> Result<DbRanges, LoadError> {
    let mut csv = open(path)?;
    let mut record = StringRecord::new();
    let mut ranges = DbRanges::default();
    let mut first = true;
    while let Some(line) = next(&mut csv, &mut record, path)? {
        if first {
            first = false;
            if is_blocks_header(&record) {
                return Err(at(
                    path,
                    line,
                    "this is a GeoLite2 blocks file: list it with its locations file, \
                     as { blocks = \"...\", locations = \"...\" }",
                )
                .into());
            }
            if is_locations_header(&record) {
                return Err(at(
                    path,
                    line,
                    "this is a GeoLite2 locations file: list it with a blocks file, \
                     as { blocks = \"...\", locations = \"...\" }",
                )
                .into());
            }
            let is_header = record.len() == 3
                && record.get(0).is_some_and(|f| f.parse::<IpAddr>().is_err())
                && record
                    .iter()
                    .all(|f| !f.is_empty() && f.chars().all(|c| c.is_alphanumeric() || c == '_'));
            if is_header {
                continue;
            }
        }
        push_range(path, line, &record, &mut ranges)?;
    }
    if ranges.len() == 0 {
        return Err(no_records(path).into());
    }
    ranges.finish().map_err(|o| overlap_error(path, o))?;
    Ok(ranges)
}

fn push_range(
    path: &Path,
    line: u64,
    record: &StringRecord,
    ranges: &mut DbRanges,
) -> Result<(), PolicyError> {
    let [start, end, code] = [0, 1, 2].map(|i| record.get(i).unwrap_or(""));
    if record.len() != 3 {
        return Err(at(
            path,
            line,
            format_args!(
                "expected 3 columns (start,end,country_code), found {}; \
                 not a country range file",
                record.len()
            ),
        ));
    }
    let address = |field: &str| {
        field
            .parse::<IpAddr>()
            .map_err(|_| at(path, line, format_args!("`{field}` is not an IP address")))
    };
    let country = country(path, line, code)?;
    match (address(start)?, address(end)?) {
        (IpAddr::V4(s), IpAddr::V4(e)) if s <= e => {
            ranges.push_v4(s.into(), e.into(), country, line);
        }
        (IpAddr::V6(s), IpAddr::V6(e)) if s <= e => {
            ranges.push_v6(s.into(), e.into(), country, line, MappedSpace::IsIpv4);
        }
        (IpAddr::V4(_), IpAddr::V4(_)) | (IpAddr::V6(_), IpAddr::V6(_)) => {
            return Err(at(path, line, "the range ends before it starts"));
        }
        _ => return Err(at(path, line, "the range mixes IPv4 and IPv6")),
    }
    Ok(())
}

/// A GeoLite2 locations file.
pub(crate) fn load_locations(path: &Path) -> Result<Locations, LoadError> {
    let mut csv = open(path)?;
    let mut record = StringRecord::new();
    let Some(line) = next(&mut csv, &mut record, path)? else {
        return Err(no_records(path).into());
    };
    let (Some(id_col), Some(code_col)) = (
        column(&record, "geoname_id"),
        column(&record, "country_iso_code"),
    ) else {
        return Err(at(
            path,
            line,
            "not a GeoLite2 locations file: the header needs `geoname_id` and `country_iso_code`",
        )
        .into());
    };
    let mut by_geoname = HashMap::new();
    while let Some(line) = next(&mut csv, &mut record, path)? {
        let id = record.get(id_col).unwrap_or("");
        let id: u32 = id
            .parse()
            .map_err(|_| at(path, line, format_args!("`{id}` is not a geoname id")))?;
        let code = record.get(code_col).unwrap_or("");
        by_geoname.insert(id, country(path, line, code)?);
    }
    if by_geoname.is_empty() {
        return Err(no_records(path).into());
    }
    Ok(Locations {
        by_geoname,
        path: path.to_path_buf(),
    })
}

/// A GeoLite2 blocks file, joined with its locations.
pub(crate) fn load_blocks(path: &Path, locations: &Locations) -> Result<DbRanges, LoadError> {
    let mut csv = open(path)?;
    let mut record = StringRecord::new();
    let Some(line) = next(&mut csv, &mut record, path)? else {
        return Err(no_records(path).into());
    };
    let (Some(net_col), Some(id_col)) = (column(&record, "network"), column(&record, "geoname_id"))
    else {
        return Err(at(
            path,
            line,
            "not a GeoLite2 blocks file: the header needs `network` and `geoname_id`",
        )
        .into());
    };
    let mut ranges = DbRanges::default();
    while let Some(line) = next(&mut csv, &mut record, path)? {
        let net = record.get(net_col).unwrap_or("");
        let net: IpNet = net
            .parse()
            .map_err(|_| at(path, line, format_args!("`{net}` is not a CIDR network")))?;
        let id = record.get(id_col).unwrap_or("");
        let country = if id.is_empty() {
            UNKNOWN_INDEX
        } else {
            let parsed: u32 = id
                .parse()
                .map_err(|_| at(path, line, format_args!("`{id}` is not a geoname id")))?;
            *locations.by_geoname.get(&parsed).ok_or_else(|| {
                at(
                    path,
                    line,
                    format_args!("geoname id {parsed} is not in {}", locations.path.display()),
                )
            })?
        };
        match net {
            IpNet::V4(n) => {
                let (s, e) = v4_bounds(n.addr(), n.prefix_len());
                ranges.push_v4(s, e, country, line);
            }
            IpNet::V6(n) => {
                let (s, e) = v6_bounds(n.addr(), n.prefix_len());
                ranges.push_v6(s, e, country, line, MappedSpace::IsIpv4);
            }
        }
    }
    if ranges.len() == 0 {
        return Err(no_records(path).into());
    }
    ranges.finish().map_err(|o| overlap_error(path, o))?;
    Ok(ranges)
}
