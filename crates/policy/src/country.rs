//! Country codes: ISO 3166-1 alpha-2, validated against the list of
//! assigned codes, plus `unknown`.
//!
//! Every code has a small dense index (`0` is `unknown`, then the codes in
//! alphabetical order), which is what the compiled range table stores and
//! what rules test with a 256-bit set: a country match on the hot path is
//! one bit test, and counters are a flat array indexed by it.

use std::fmt;

/// ISO 3166-1 alpha-2 country code (upper case), or [`CountryCode::UNKNOWN`]
/// for addresses no database knows (and loopback/private ranges, unless a
/// database says otherwise).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CountryCode([u8; 2]);

/// The officially assigned ISO 3166-1 alpha-2 codes (249), plus `XK`
/// (Kosovo): user-assigned rather than official, but used by MaxMind, DB-IP
/// and the European Commission, so geo databases return it and operators
/// must be able to name it. Sorted, so the index is a binary search away.
const ASSIGNED: [[u8; 2]; 250] = [
    *b"AD", *b"AE", *b"AF", *b"AG", *b"AI", *b"AL", *b"AM", *b"AO", *b"AQ", *b"AR", //
    *b"AS", *b"AT", *b"AU", *b"AW", *b"AX", *b"AZ", *b"BA", *b"BB", *b"BD", *b"BE", //
    *b"BF", *b"BG", *b"BH", *b"BI", *b"BJ", *b"BL", *b"BM", *b"BN", *b"BO", *b"BQ", //
    *b"BR", *b"BS", *b"BT", *b"BV", *b"BW", *b"BY", *b"BZ", *b"CA", *b"CC", *b"CD", //
    *b"CF", *b"CG", *b"CH", *b"CI", *b"CK", *b"CL", *b"CM", *b"CN", *b"CO", *b"CR", //
    *b"CU", *b"CV", *b"CW", *b"CX", *b"CY", *b"CZ", *b"DE", *b"DJ", *b"DK", *b"DM", //
    *b"DO", *b"DZ", *b"EC", *b"EE", *b"EG", *b"EH", *b"ER", *b"ES", *b"ET", *b"FI", //
    *b"FJ", *b"FK", *b"FM", *b"FO", *b"FR", *b"GA", *b"GB", *b"GD", *b"GE", *b"GF", //
    *b"GG", *b"GH", *b"GI", *b"GL", *b"GM", *b"GN", *b"GP", *b"GQ", *b"GR", *b"GS", //
    *b"GT", *b"GU", *b"GW", *b"GY", *b"HK", *b"HM", *b"HN", *b"HR", *b"HT", *b"HU", //
    *b"ID", *b"IE", *b"IL", *b"IM", *b"IN", *b"IO", *b"IQ", *b"IR", *b"IS", *b"IT", //
    *b"JE", *b"JM", *b"JO", *b"JP", *b"KE", *b"KG", *b"KH", *b"KI", *b"KM", *b"KN", //
    *b"KP", *b"KR", *b"KW", *b"KY", *b"KZ", *b"LA", *b"LB", *b"LC", *b"LI", *b"LK", //
    *b"LR", *b"LS", *b"LT", *b"LU", *b"LV", *b"LY", *b"MA", *b"MC", *b"MD", *b"ME", //
    *b"MF", *b"MG", *b"MH", *b"MK", *b"ML", *b"MM", *b"MN", *b"MO", *b"MP", *b"MQ", //
    *b"MR", *b"MS", *b"MT", *b"MU", *b"MV", *b"MW", *b"MX", *b"MY", *b"MZ", *b"NA", //
    *b"NC", *b"NE", *b"NF", *b"NG", *b"NI", *b"NL", *b"NO", *b"NP", *b"NR", *b"NU", //
    *b"NZ", *b"OM", *b"PA", *b"PE", *b"PF", *b"PG", *b"PH", *b"PK", *b"PL", *b"PM", //
    *b"PN", *b"PR", *b"PS", *b"PT", *b"PW", *b"PY", *b"QA", *b"RE", *b"RO", *b"RS", //
    *b"RU", *b"RW", *b"SA", *b"SB", *b"SC", *b"SD", *b"SE", *b"SG", *b"SH", *b"SI", //
    *b"SJ", *b"SK", *b"SL", *b"SM", *b"SN", *b"SO", *b"SR", *b"SS", *b"ST", *b"SV", //
    *b"SX", *b"SY", *b"SZ", *b"TC", *b"TD", *b"TF", *b"TG", *b"TH", *b"TJ", *b"TK", //
    *b"TL", *b"TM", *b"TN", *b"TO", *b"TR", *b"TT", *b"TV", *b"TW", *b"TZ", *b"UA", //
    *b"UG", *b"UM", *b"US", *b"UY", *b"UZ", *b"VA", *b"VC", *b"VE", *b"VG", *b"VI", //
    *b"VN", *b"VU", *b"WF", *b"WS", *b"XK", *b"YE", *b"YT", *b"ZA", *b"ZM", *b"ZW", //
];

/// How many country indices exist: `unknown` plus every assigned code.
pub(crate) const COUNTRY_COUNT: usize = ASSIGNED.len() + 1;

/// The index of [`CountryCode::UNKNOWN`].
pub(crate) const UNKNOWN_INDEX: u16 = 0;

impl CountryCode {
    /// Written `unknown` in policy files and output.
    pub const UNKNOWN: CountryCode = CountryCode(*b"??");

    /// Parses `RU`, `ru` or `unknown`; None for anything else (including
    /// codes that are not assigned ISO 3166-1 alpha-2 codes).
    pub fn parse(s: &str) -> Option<Self> {
        if s.eq_ignore_ascii_case("unknown") {
            return Some(Self::UNKNOWN);
        }
        let code = Self::from_letters(s.as_bytes())?;
        ASSIGNED.binary_search(&code.0).ok().map(|_| code)
    }

    /// `RU`, or `unknown`.
    pub fn as_str(&self) -> &str {
        if *self == Self::UNKNOWN {
            return "unknown";
        }
        // Only ever built from ASSIGNED, which is ASCII.
        std::str::from_utf8(&self.0).unwrap_or("unknown")
    }

    /// Every country a policy can name, `unknown` first, then the assigned
    /// codes alphabetically.
    pub fn all() -> impl ExactSizeIterator<Item = CountryCode> {
        (0..COUNTRY_COUNT as u16).map(Self::from_index)
    }

    /// Two ASCII letters, upper-cased; no check that they are assigned.
    fn from_letters(s: &[u8]) -> Option<Self> {
        match s {
            [a, b] if a.is_ascii_alphabetic() && b.is_ascii_alphabetic() => Some(CountryCode([
                a.to_ascii_uppercase(),
                b.to_ascii_uppercase(),
            ])),
            _ => None,
        }
    }

    /// The dense index (0 = unknown).
    pub(crate) fn index(self) -> u16 {
        match ASSIGNED.binary_search(&self.0) {
            Ok(i) => i as u16 + 1,
            Err(_) => UNKNOWN_INDEX,
        }
    }

    /// The code at a dense index; out-of-range indices are `unknown`.
    pub(crate) fn from_index(index: u16) -> Self {
        match index
            .checked_sub(1)
            .and_then(|i| ASSIGNED.get(usize::from(i)))
        {
            Some(code) => CountryCode(*code),
            None => Self::UNKNOWN,
        }
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a geo database said in its country field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DbCountry {
    /// An assigned code, by dense index.
    Known(u16),
    /// Empty, or two letters that are not an assigned code (`EU`, `AP`,
    /// `ZZ`, ...): the database does not place the address in a country.
    Unplaced,
    /// Not a country code at all: the file is not what it claims to be.
    Malformed,
}

/// Reads a country field of a geo database.
pub(crate) fn db_country(field: &str) -> DbCountry {
    let field = field.trim();
    if field.is_empty() {
        return DbCountry::Unplaced;
    }
    match CountryCode::from_letters(field.as_bytes()) {
        Some(code) => match code.index() {
            UNKNOWN_INDEX => DbCountry::Unplaced,
            i => DbCountry::Known(i),
        },
        None => DbCountry::Malformed,
    }
}

/// A set of countries by dense index: one bit test per membership check.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct CountrySet([u64; 4]);

const _: () = assert!(COUNTRY_COUNT <= 256, "CountrySet holds 256 countries");

impl CountrySet {
    pub(crate) fn insert(&mut self, index: u16) {
        self.0[usize::from(index >> 6) & 3] |= 1 << (index & 63);
    }

    #[inline]
    pub(crate) fn contains(&self, index: u16) -> bool {
        self.0[usize::from(index >> 6) & 3] & (1 << (index & 63)) != 0
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = CountryCode> + '_ {
        (0..COUNTRY_COUNT as u16)
            .filter(|&i| self.contains(i))
            .map(CountryCode::from_index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assigned_codes_are_sorted_unique_and_number_249_plus_kosovo() {
        assert!(ASSIGNED.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(ASSIGNED.len(), 250);
        assert!(
            ASSIGNED
                .iter()
                .all(|c| c.iter().all(u8::is_ascii_uppercase))
        );
    }

    #[test]
    fn parse_accepts_either_case_and_unknown() {
        assert_eq!(CountryCode::parse("ru").unwrap().as_str(), "RU");
        assert_eq!(CountryCode::parse("RU").unwrap().as_str(), "RU");
        assert_eq!(CountryCode::parse("unknown"), Some(CountryCode::UNKNOWN));
        assert_eq!(CountryCode::parse("Unknown"), Some(CountryCode::UNKNOWN));
        assert_eq!(CountryCode::UNKNOWN.as_str(), "unknown");
        assert_eq!(CountryCode::parse("XK").unwrap().to_string(), "XK");
    }

    #[test]
    fn parse_rejects_unassigned_and_malformed_codes() {
        for bad in ["XX", "EU", "UK", "ZZ", "??", "R", "RUS", "", "1A", "Ру"] {
            assert_eq!(CountryCode::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn index_round_trips_for_every_country() {
        for (i, code) in CountryCode::all().enumerate() {
            assert_eq!(usize::from(code.index()), i);
            assert_eq!(CountryCode::from_index(i as u16), code);
        }
        assert_eq!(CountryCode::from_index(9999), CountryCode::UNKNOWN);
    }

    #[test]
    fn database_country_fields_are_known_unplaced_or_malformed() {
        assert!(matches!(db_country("gb"), DbCountry::Known(_)));
        assert_eq!(db_country(""), DbCountry::Unplaced);
        assert_eq!(db_country("EU"), DbCountry::Unplaced);
        assert_eq!(db_country("ZZ"), DbCountry::Unplaced);
        assert_eq!(db_country("13335"), DbCountry::Malformed);
        assert_eq!(db_country("GBR"), DbCountry::Malformed);
    }

    #[test]
    fn country_set_holds_the_highest_index() {
        let mut set = CountrySet::default();
        let last = (COUNTRY_COUNT - 1) as u16;
        set.insert(last);
        set.insert(UNKNOWN_INDEX);
        assert!(set.contains(last) && set.contains(UNKNOWN_INDEX));
        assert!(!set.contains(1));
        assert_eq!(set.iter().count(), 2);
    }
}
