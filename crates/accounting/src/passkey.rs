//! Passkeys as the tracker reads them from announce URLs.
//!
//! A passkey is 16 random bytes written as 32 hexadecimal characters. The
//! portal stores it lowercase; clients echo whatever the .torrent said, and
//! a few upper-case URLs, so either case is accepted here.

use std::fmt;

/// A member's passkey: a secret, so its `Debug` shows nothing of it
/// (DESIGN.md, privacy invariant 3).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Passkey(pub [u8; 16]);

impl fmt::Debug for Passkey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Passkey(..)")
    }
}

impl Passkey {
    /// Exactly 32 hexadecimal characters of either case; anything else
    /// (another length, a sign, a non-hex byte, percent-encoding) is not a
    /// passkey.
    ///
    /// Every private announce parses one, so this decodes without a
    /// branch per character: a table gives each byte's value, or a value
    /// with the high bits set for a non-hex byte, and the high bits of all
    /// 32 are checked once at the end. (Passkeys are random, so a branch on
    /// digit versus letter was mispredicted about every third character.)
    pub fn parse(text: &[u8]) -> Option<Passkey> {
        let text: &[u8; 32] = text.try_into().ok()?;
        let mut bytes = [0u8; 16];
        let mut seen = 0u8;
        for (byte, pair) in bytes.iter_mut().zip(text.chunks_exact(2)) {
            let (high, low) = (HEX[usize::from(pair[0])], HEX[usize::from(pair[1])]);
            seen |= high | low;
            *byte = (high << 4) | (low & 0x0f);
        }
        (seen & !0x0f == 0).then_some(Passkey(bytes))
    }

    /// The lowercase hex form the portal stores and writes into .torrent
    /// files.
    pub fn to_hex(&self) -> String {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut out = String::with_capacity(32);
        for byte in self.0 {
            out.push(char::from(DIGITS[usize::from(byte >> 4)]));
            out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
        }
        out
    }
}

/// Each byte's value as a hex digit, or `NOT_HEX`.
const HEX: [u8; 256] = {
    let mut table = [NOT_HEX; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = match b as u8 {
            d @ b'0'..=b'9' => d - b'0',
            l @ b'a'..=b'f' => l - b'a' + 10,
            u @ b'A'..=b'F' => u - b'A' + 10,
            _ => NOT_HEX,
        };
        b += 1;
    }
    table
};
const NOT_HEX: u8 = 0xf0;

/// What an announce URL says about its passkey.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PasskeyInUrl {
    /// No passkey anywhere.
    Missing,
    /// Something in the passkey's place that is not one (wrong length,
    /// non-hex, `..`, an extra segment).
    Malformed,
    Found(Passkey),
}

/// The last `pk=` value of a query string, as sent (passkeys need no
/// percent-decoding: a percent-encoded one is malformed).
fn pk_param(query: &[u8]) -> Option<&[u8]> {
    query
        .split(|&b| b == b'&')
        .filter_map(|pair| pair.strip_prefix(b"pk="))
        .next_back()
}

/// The passkey of a query string's `pk` parameter (HTTP requests whose
/// path carries none).
pub fn passkey_in_query(query: &[u8]) -> PasskeyInUrl {
    match pk_param(query) {
        None => PasskeyInUrl::Missing,
        Some(text) => Passkey::parse(text).map_or(PasskeyInUrl::Malformed, PasskeyInUrl::Found),
    }
}

/// Reads the passkey from a UDP tracker's BEP 41 URL data (the announce
/// URL's path and query, e.g. `/announce/<passkey>`): either the segment
/// after `/announce/`, or a `pk=<passkey>` query parameter for clients
/// that mangle paths. A path of exactly `/announce` or an empty one has
/// none; any other path is malformed rather than guessed at, so
/// `/announce/../x`, `/announce/<passkey>/more` and percent-encoded
/// passkeys are refused.
pub fn passkey_in_url(url_data: &[u8]) -> PasskeyInUrl {
    // What every private announce sends, the passkey segment and nothing
    // after it, without looking for a query first; anything else (a `?`
    // among those 32 bytes fails to parse) takes the whole way.
    if let Some(segment) = url_data.strip_prefix(b"/announce/")
        && let Some(passkey) = Passkey::parse(segment)
    {
        return PasskeyInUrl::Found(passkey);
    }
    passkey_in_any_url(url_data)
}

fn passkey_in_any_url(url_data: &[u8]) -> PasskeyInUrl {
    let (path, query) = match url_data.iter().position(|&b| b == b'?') {
        Some(at) => (&url_data[..at], &url_data[at + 1..]),
        None => (url_data, &[][..]),
    };
    let from_query = pk_param(query);
    let from_path = match path {
        b"" | b"/" | b"/announce" | b"/announce/" => None,
        _ => match path.strip_prefix(b"/announce/") {
            Some(segment) => Some(segment),
            None => return PasskeyInUrl::Malformed,
        },
    };
    match from_path.or(from_query) {
        None => PasskeyInUrl::Missing,
        Some(text) => Passkey::parse(text).map_or(PasskeyInUrl::Malformed, PasskeyInUrl::Found),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn a_passkey_is_32_hex_characters_of_either_case() {
        let key = Passkey::parse(KEY.as_bytes()).unwrap();
        assert_eq!(key.to_hex(), KEY);
        let upper = Passkey::parse(KEY.to_uppercase().as_bytes()).unwrap();
        assert_eq!(upper, key);
        for bad in [
            "",
            "0123",
            &"a".repeat(31),
            &"a".repeat(33),
            &"g".repeat(32),
        ] {
            assert_eq!(Passkey::parse(bad.as_bytes()), None, "{bad:?}");
        }
        assert_eq!(Passkey::parse("é".repeat(16).as_bytes()), None);
        assert_eq!(Passkey::parse(b"+123456789abcdef0123456789abcdef"), None);
    }

    #[test]
    fn every_byte_is_read_as_the_hex_digit_it_is_or_refused() {
        for position in [0, 1, 17, 31] {
            for b in 0..=255u8 {
                let mut text = *b"0123456789abcdef0123456789abcdef";
                text[position] = b;
                let digit = char::from(b).to_digit(16).filter(|_| b.is_ascii());
                let parsed = Passkey::parse(&text);
                assert_eq!(parsed.is_some(), digit.is_some(), "byte {b} at {position}");
                if let (Some(key), Some(digit)) = (parsed, digit) {
                    let byte = key.0[position / 2];
                    let nibble = if position % 2 == 0 {
                        byte >> 4
                    } else {
                        byte & 0x0f
                    };
                    assert_eq!(u32::from(nibble), digit, "byte {b} at {position}");
                }
            }
        }
    }

    #[test]
    fn the_quick_way_for_a_bare_passkey_segment_agrees_with_the_whole_way() {
        let upper = KEY.to_uppercase();
        for url in [
            format!("/announce/{KEY}"),
            format!("/announce/{upper}"),
            format!("/announce/{}?pk={KEY}", &KEY[..10]),
            format!("/announce/?x={}", &KEY[..28]),
            format!("/announce/?pk={}", &KEY[..28]),
            format!("/announce/{KEY}?pk=zz"),
            format!("/announce/{KEY}/"),
            format!("/announce/{}", &KEY[..31]),
            format!("/announce//{}", &KEY[..31]),
        ] {
            let url = url.as_bytes();
            assert_eq!(passkey_in_url(url), passkey_in_any_url(url), "{url:?}");
        }
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let key = Passkey::parse(KEY.as_bytes()).unwrap();
        assert_eq!(format!("{key:?}"), "Passkey(..)");
    }

    #[test]
    fn url_data_carries_the_passkey_in_the_path_or_the_query() {
        let key = Passkey::parse(KEY.as_bytes()).unwrap();
        let found = PasskeyInUrl::Found(key);
        assert_eq!(passkey_in_url(format!("/announce/{KEY}").as_bytes()), found);
        assert_eq!(
            passkey_in_url(format!("/announce?pk={KEY}").as_bytes()),
            found
        );
        assert_eq!(
            passkey_in_url(format!("/announce?a=b&pk={KEY}").as_bytes()),
            found
        );
        assert_eq!(
            passkey_in_url(format!("/announce/{KEY}?x=1").as_bytes()),
            found
        );
        for none in ["", "/", "/announce", "/announce/", "/announce?x=1"] {
            assert_eq!(
                passkey_in_url(none.as_bytes()),
                PasskeyInUrl::Missing,
                "{none}"
            );
        }
    }

    #[test]
    fn a_query_carries_the_passkey_in_its_last_pk() {
        let key = Passkey::parse(KEY.as_bytes()).unwrap();
        assert_eq!(
            passkey_in_query(format!("a=1&pk={KEY}").as_bytes()),
            PasskeyInUrl::Found(key)
        );
        assert_eq!(passkey_in_query(b"info_hash=x"), PasskeyInUrl::Missing);
        assert_eq!(
            passkey_in_query(format!("pk={KEY}&pk=zz").as_bytes()),
            PasskeyInUrl::Malformed
        );
    }

    #[test]
    fn anything_else_in_the_passkey_place_is_malformed() {
        for bad in [
            "/announce/../",
            "/announce/..",
            "/announce/abc",
            &format!("/announce/{KEY}/more"),
            &format!("/announce/../{KEY}"),
            &format!("/x/{KEY}"),
            &format!("/{KEY}"),
            "/announce/%30123456789abcdef0123456789abcdef",
            "/announce?pk=zz",
            "/scrape",
        ] {
            assert_eq!(
                passkey_in_url(bad.as_bytes()),
                PasskeyInUrl::Malformed,
                "{bad}"
            );
        }
    }
}
