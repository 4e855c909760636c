//! Announce and scrape query strings (BEP 3, BEP 23, BEP 48).
//!
//! BEP 3 query values are binary: a client percent-encodes every byte of
//! `info_hash` and `peer_id` outside the unreserved set. So decoding here is
//! exact, byte for byte, not form decoding: `%XX` becomes one byte, `+`
//! stays a `+` (in a 20-byte hash it is the byte 0x2b, not a space), and
//! any other byte is kept as is. Values that are not needed are not decoded
//! at all, so an unknown parameter can never fail a request.

use super::{AnnounceRequest, HttpRequestError, MAX_SCRAPE_HASHES};
use crate::{AnnounceEvent, InfoHash, PeerId};
use std::borrow::Cow;

use HttpRequestError::{Invalid, MalformedQuery, Missing};

/// Parses an announce query string.
///
/// - `info_hash`, `peer_id`: exactly 20 bytes after decoding; a second
///   `info_hash` is [`Invalid`], since which torrent is meant is ambiguous.
/// - `port` (`u16`), `uploaded`, `downloaded`, `left` (`u64`): plain
///   decimal, no sign. All four are required ([`Missing`] otherwise), as in
///   BEP 3 and aquatic, and every mainstream client sends them. opentracker
///   tolerates their absence, but a default would be a guess the tracker
///   acts on: a missing `left` read as 0 makes a leecher a seeder, and a
///   missing `uploaded` read as 0 looks like a restarted client to the
///   portal's transfer accounting.
/// - `event`: `started`, `completed`, `stopped`, empty or absent. BEP 21's
///   `paused` (a partial seed) is a regular announce. Anything else is
///   [`Invalid`].
/// - `numwant`: decimal, saturating at `u32::MAX`.
/// - `compact`: `1` (the default, BEP 23) or `0`; `no_peer_id`: `1` or `0`.
/// - `key`, `pk`: any bytes, decoded.
/// - Everything else, including `ip` (the source address decides), is
///   ignored. For other repeated parameters the last one wins.
///
/// An empty `&`-separated segment is skipped; a segment without `=` is a
/// parameter with an empty value.
pub fn parse_announce(query: &[u8]) -> Result<AnnounceRequest, HttpRequestError> {
    let mut info_hash = None;
    let mut peer_id = None;
    let mut port = None;
    let mut uploaded = None;
    let mut downloaded = None;
    let mut left = None;
    let mut event = AnnounceEvent::None;
    let mut numwant = None;
    let mut compact = true;
    let mut no_peer_id = false;
    let mut key = None;
    let mut passkey = None;

    for (name, value) in params(query) {
        match name {
            b"info_hash" => {
                if info_hash.is_some() {
                    return Err(Invalid("info_hash"));
                }
                info_hash = Some(InfoHash(decode_20(value, "info_hash")?));
            }
            b"peer_id" => peer_id = Some(PeerId(decode_20(value, "peer_id")?)),
            b"port" => {
                let n = decode_u64(value, "port")?;
                port = Some(u16::try_from(n).map_err(|_| Invalid("port"))?);
            }
            b"uploaded" => uploaded = Some(decode_u64(value, "uploaded")?),
            b"downloaded" => downloaded = Some(decode_u64(value, "downloaded")?),
            b"left" => left = Some(decode_u64(value, "left")?),
            b"event" => {
                event = match &*decode(value)? {
                    b"" | b"empty" | b"paused" => AnnounceEvent::None,
                    b"started" => AnnounceEvent::Started,
                    b"completed" => AnnounceEvent::Completed,
                    b"stopped" => AnnounceEvent::Stopped,
                    _ => return Err(Invalid("event")),
                }
            }
            b"numwant" => {
                let n = decode_u64(value, "numwant")?;
                numwant = Some(u32::try_from(n).unwrap_or(u32::MAX));
            }
            b"compact" => compact = decode_flag(value, "compact")?,
            b"no_peer_id" => no_peer_id = decode_flag(value, "no_peer_id")?,
            b"key" => key = Some(decode(value)?.into_owned()),
            b"pk" => passkey = Some(decode(value)?.into_owned()),
            _ => {}
        }
    }

    Ok(AnnounceRequest {
        info_hash: info_hash.ok_or(Missing("info_hash"))?,
        peer_id: peer_id.ok_or(Missing("peer_id"))?,
        port: port.ok_or(Missing("port"))?,
        uploaded: uploaded.ok_or(Missing("uploaded"))?,
        downloaded: downloaded.ok_or(Missing("downloaded"))?,
        left: left.ok_or(Missing("left"))?,
        event,
        numwant,
        compact,
        no_peer_id,
        key,
        passkey,
    })
}

/// Parses a scrape query string: zero or more `info_hash` parameters.
///
/// Hashes come back in query order, duplicates included
/// ([`write_scrape_response`](super::write_scrape_response) sorts and
/// deduplicates). No hash at all is not an error here: whether to allow a
/// full scrape is the server's decision. Other parameters are ignored.
pub fn parse_scrape(query: &[u8]) -> Result<Vec<InfoHash>, HttpRequestError> {
    let mut hashes = Vec::new();
    for (name, value) in params(query) {
        if name == b"info_hash" {
            if hashes.len() == MAX_SCRAPE_HASHES {
                return Err(HttpRequestError::TooManyHashes);
            }
            hashes.push(InfoHash(decode_20(value, "info_hash")?));
        }
    }
    Ok(hashes)
}

/// `name=value` pairs of a query, both still encoded. Names are compared
/// encoded: clients send them literally.
fn params(query: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
    query
        .split(|&b| b == b'&')
        .filter(|segment| !segment.is_empty())
        .map(|segment| match segment.iter().position(|&b| b == b'=') {
            Some(eq) => (&segment[..eq], &segment[eq + 1..]),
            None => (segment, &[][..]),
        })
}

/// The decoded bytes of a value, one at a time; `Err` at a bad escape.
struct Decoded<'a> {
    rest: &'a [u8],
}

impl Iterator for Decoded<'_> {
    type Item = Result<u8, HttpRequestError>;

    fn next(&mut self) -> Option<Self::Item> {
        let (&b, tail) = self.rest.split_first()?;
        if b != b'%' {
            self.rest = tail;
            return Some(Ok(b));
        }
        if let [hi, lo, tail @ ..] = tail
            && let (Some(hi), Some(lo)) = (hex_value(*hi), hex_value(*lo))
        {
            self.rest = tail;
            return Some(Ok(hi << 4 | lo));
        }
        self.rest = &[];
        Some(Err(MalformedQuery))
    }
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

/// Decodes a whole value; borrows when there is nothing to decode.
fn decode(value: &[u8]) -> Result<Cow<'_, [u8]>, HttpRequestError> {
    if !value.contains(&b'%') {
        return Ok(Cow::Borrowed(value));
    }
    Decoded { rest: value }
        .collect::<Result<Vec<u8>, _>>()
        .map(Cow::Owned)
}

/// Decodes a value that must be exactly 20 bytes, without allocating.
fn decode_20(value: &[u8], name: &'static str) -> Result<[u8; 20], HttpRequestError> {
    let mut out = [0u8; 20];
    let mut len = 0usize;
    for byte in (Decoded { rest: value }) {
        let byte = byte?;
        if let Some(slot) = out.get_mut(len) {
            *slot = byte;
        }
        len += 1;
    }
    if len == 20 {
        Ok(out)
    } else {
        Err(Invalid(name))
    }
}

/// Decodes an unsigned decimal number: digits only, at least one.
fn decode_u64(value: &[u8], name: &'static str) -> Result<u64, HttpRequestError> {
    let mut n: u64 = 0;
    let mut digits = 0usize;
    for byte in (Decoded { rest: value }) {
        let digit = match byte? {
            d @ b'0'..=b'9' => u64::from(d - b'0'),
            _ => return Err(Invalid(name)),
        };
        n = n
            .checked_mul(10)
            .and_then(|n| n.checked_add(digit))
            .ok_or(Invalid(name))?;
        digits += 1;
    }
    if digits == 0 {
        Err(Invalid(name))
    } else {
        Ok(n)
    }
}

fn decode_flag(value: &[u8], name: &'static str) -> Result<bool, HttpRequestError> {
    match &*decode(value)? {
        b"1" => Ok(true),
        b"0" => Ok(false),
        _ => Err(Invalid(name)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::PeerFormat;

    /// A Transmission-style announce; `info_hash` mixes escapes, literal
    /// unreserved bytes and a literal `+`.
    const ANNOUNCE: &[u8] = b"info_hash=%124Vx%9A%BC%DE%F1%23Eg%89%AB%CD%EF%124Vx%9a\
        &peer_id=-TR4050-abcdefghijkl&port=51413&uploaded=1&downloaded=2&left=3\
        &numwant=80&key=%2Ab%2B&compact=1&supportcrypto=1&event=started&pk=secret";

    const HASH: [u8; 20] = [
        0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf1, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
        0x12, 0x34, 0x56, 0x78, 0x9a,
    ];

    /// `ANNOUNCE` with parameter `name` replaced by `name=value`, or
    /// removed when `value` is `None`.
    fn with(name: &str, value: Option<&str>) -> Vec<u8> {
        let query = std::str::from_utf8(ANNOUNCE).unwrap();
        let mut parts: Vec<String> = query
            .split('&')
            .filter(|p| p.split('=').next() != Some(name))
            .map(str::to_owned)
            .collect();
        if let Some(value) = value {
            parts.push(format!("{name}={value}"));
        }
        parts.join("&").into_bytes()
    }

    fn err(query: &[u8]) -> HttpRequestError {
        parse_announce(query).unwrap_err()
    }

    #[test]
    fn announce_from_a_real_client_is_parsed() {
        let a = parse_announce(ANNOUNCE).unwrap();
        assert_eq!(a.info_hash, InfoHash(HASH));
        assert_eq!(a.peer_id, PeerId(*b"-TR4050-abcdefghijkl"));
        assert_eq!((a.port, a.uploaded, a.downloaded, a.left), (51413, 1, 2, 3));
        assert_eq!(a.event, AnnounceEvent::Started);
        assert_eq!(a.numwant, Some(80));
        assert!(a.compact);
        assert!(!a.no_peer_id);
        assert_eq!(a.key.as_deref(), Some(&b"*b+"[..]));
        assert_eq!(a.passkey.as_deref(), Some(&b"secret"[..]));
    }

    #[test]
    fn optional_parameters_take_their_defaults() {
        let query = b"info_hash=aaaaaaaaaaaaaaaaaaaa&peer_id=bbbbbbbbbbbbbbbbbbbb\
            &port=1&uploaded=0&downloaded=0&left=0";
        let a = parse_announce(query).unwrap();
        assert_eq!(a.event, AnnounceEvent::None);
        assert_eq!(a.numwant, None);
        assert!(a.compact, "BEP 23: compact unless told otherwise");
        assert!(!a.no_peer_id);
        assert_eq!((a.key, a.passkey), (None, None));
    }

    #[test]
    fn plus_is_a_literal_byte_not_a_space() {
        let query = with("peer_id", Some("-TR4050-abcdefghijk+"));
        assert_eq!(
            parse_announce(&query).unwrap().peer_id,
            PeerId(*b"-TR4050-abcdefghijk+")
        );
    }

    #[test]
    fn every_required_parameter_is_reported_missing() {
        for name in [
            "info_hash",
            "peer_id",
            "port",
            "uploaded",
            "downloaded",
            "left",
        ] {
            assert_eq!(err(&with(name, None)), Missing(name));
        }
    }

    #[test]
    fn bad_percent_escape_is_a_malformed_query() {
        for hash in ["%1", "%", "%zz34567890123456789", "abcdefghijklmnopqrs%g0"] {
            assert_eq!(
                err(&with("info_hash", Some(hash))),
                MalformedQuery,
                "{hash}"
            );
        }
        assert_eq!(err(&with("key", Some("a%2"))), MalformedQuery);
        assert_eq!(err(&with("left", Some("%3"))), MalformedQuery);
    }

    #[test]
    fn unknown_parameters_are_never_decoded() {
        let query = with("supportcrypto", Some("%zz"));
        assert!(parse_announce(&query).is_ok());
    }

    #[test]
    fn info_hash_of_19_or_21_bytes_is_invalid() {
        let short = "%12".repeat(19);
        let long = "a".repeat(20) + "%00";
        for hash in [short.as_str(), long.as_str(), ""] {
            assert_eq!(err(&with("info_hash", Some(hash))), Invalid("info_hash"));
        }
        assert_eq!(
            err(&with("peer_id", Some(&"x".repeat(21)))),
            Invalid("peer_id")
        );
    }

    #[test]
    fn second_info_hash_in_an_announce_is_invalid() {
        let mut query = ANNOUNCE.to_vec();
        query.extend_from_slice(b"&info_hash=bbbbbbbbbbbbbbbbbbbb");
        assert_eq!(err(&query), Invalid("info_hash"));
    }

    #[test]
    fn repeated_parameter_keeps_the_last_value() {
        let mut query = ANNOUNCE.to_vec();
        query.extend_from_slice(b"&port=6881&left=0");
        let a = parse_announce(&query).unwrap();
        assert_eq!((a.port, a.left), (6881, 0));
    }

    #[test]
    fn non_numeric_numbers_are_invalid() {
        for (name, value) in [
            ("port", "abc"),
            ("port", ""),
            ("uploaded", "-1"),
            ("downloaded", "+1"),
            ("left", "1.5"),
            ("left", " 1"),
            ("numwant", "-1"),
        ] {
            assert_eq!(
                err(&with(name, Some(value))),
                Invalid(name),
                "{name}={value}"
            );
        }
    }

    #[test]
    fn numbers_that_overflow_are_invalid() {
        assert_eq!(err(&with("port", Some("65536"))), Invalid("port"));
        assert_eq!(
            err(&with("uploaded", Some("18446744073709551616"))),
            Invalid("uploaded")
        );
        let max = with("uploaded", Some("18446744073709551615"));
        assert_eq!(parse_announce(&max).unwrap().uploaded, u64::MAX);
    }

    #[test]
    fn port_zero_is_accepted() {
        assert_eq!(parse_announce(&with("port", Some("0"))).unwrap().port, 0);
    }

    #[test]
    fn huge_numwant_saturates() {
        let query = with("numwant", Some("99999999999"));
        assert_eq!(parse_announce(&query).unwrap().numwant, Some(u32::MAX));
    }

    #[test]
    fn event_keywords_are_recognised() {
        for (value, event) in [
            ("started", AnnounceEvent::Started),
            ("completed", AnnounceEvent::Completed),
            ("stopped", AnnounceEvent::Stopped),
            ("", AnnounceEvent::None),
            ("empty", AnnounceEvent::None),
            ("paused", AnnounceEvent::None),
            ("st%61rted", AnnounceEvent::Started),
        ] {
            assert_eq!(
                parse_announce(&with("event", Some(value))).unwrap().event,
                event
            );
        }
    }

    #[test]
    fn unknown_event_is_invalid() {
        for value in ["Started", "start", "4"] {
            assert_eq!(
                err(&with("event", Some(value))),
                Invalid("event"),
                "{value}"
            );
        }
    }

    #[test]
    fn compact_and_no_peer_id_accept_only_zero_or_one() {
        let a = parse_announce(&with("compact", Some("0"))).unwrap();
        assert!(!a.compact);
        let query = [with("compact", Some("0")), b"&no_peer_id=1".to_vec()].concat();
        let a = parse_announce(&query).unwrap();
        assert_eq!(a.peer_format(), PeerFormat::Dictionary { no_peer_id: true });
        assert_eq!(err(&with("compact", Some("yes"))), Invalid("compact"));
        assert_eq!(err(&with("no_peer_id", Some("2"))), Invalid("no_peer_id"));
    }

    #[test]
    fn empty_segments_and_bare_names_are_tolerated() {
        let mut query = b"&&".to_vec();
        query.extend_from_slice(ANNOUNCE);
        query.extend_from_slice(b"&&ip&");
        assert_eq!(parse_announce(&query), parse_announce(ANNOUNCE));

        let mut query = with("info_hash", None);
        query.extend_from_slice(b"&info_hash");
        assert_eq!(
            err(&query),
            Invalid("info_hash"),
            "a bare name has an empty value"
        );
    }

    #[test]
    fn scrape_collects_hashes_in_query_order() {
        let query = b"info_hash=bbbbbbbbbbbbbbbbbbbb&x=1&info_hash=%61aaaaaaaaaaaaaaaaaaa";
        assert_eq!(
            parse_scrape(query),
            Ok(vec![InfoHash([b'b'; 20]), InfoHash([b'a'; 20])])
        );
    }

    #[test]
    fn scrape_without_hashes_is_empty() {
        assert_eq!(parse_scrape(b""), Ok(vec![]));
        assert_eq!(parse_scrape(b"passkey=abc"), Ok(vec![]));
    }

    #[test]
    fn scrape_with_too_many_hashes_is_refused() {
        let one = "info_hash=aaaaaaaaaaaaaaaaaaaa";
        let at_limit = vec![one; MAX_SCRAPE_HASHES].join("&");
        assert_eq!(
            parse_scrape(at_limit.as_bytes()).map(|h| h.len()),
            Ok(MAX_SCRAPE_HASHES)
        );
        let over = vec![one; MAX_SCRAPE_HASHES + 1].join("&");
        assert_eq!(
            parse_scrape(over.as_bytes()),
            Err(HttpRequestError::TooManyHashes)
        );
    }

    #[test]
    fn scrape_with_a_bad_hash_is_refused() {
        assert_eq!(parse_scrape(b"info_hash=short"), Err(Invalid("info_hash")));
        assert_eq!(parse_scrape(b"info_hash=%"), Err(MalformedQuery));
    }
}
