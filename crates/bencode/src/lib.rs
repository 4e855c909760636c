//! Bencode (BEP 3): a zero-copy decoder that remembers where every value
//! came from, and an encoder.
//!
//! BEP 3 defines four types: integers (`i42e`), byte strings (`4:spam`),
//! lists (`l…e`) and dictionaries (`d…e`, byte-string keys that a writer
//! must sort by their raw bytes). This crate opens no sockets and reads no
//! files, so it can be fuzzed and unit-tested on plain byte slices.
//!
//! # Layout
//!
//! - `lib.rs` (this file) holds the data model, [`Limits`], [`Strictness`]
//!   and the error types.
//! - `decode.rs` is the decoder. It keeps open lists and dictionaries on an
//!   explicit stack rather than the call stack, so nesting is bounded by
//!   [`Limits::max_depth`] and never by the thread's stack size.
//! - `encode.rs` writes canonical bencode.
//!
//! # Contract
//!
//! - [`decode`] borrows from the input; every [`Value`] carries its raw
//!   byte [`Span`], so the `info` dictionary's exact bytes can be hashed.
//!   Re-encoding is not a substitute: BEP 3 defines the info hash over the
//!   bytes as found in the file, and real files are not always canonical.
//! - Hostile input cannot exhaust stack or memory: nesting depth and the
//!   number of items are limited ([`Limits`]), a string's declared length
//!   is checked against the remaining input before it is used, and errors
//!   carry the byte offset where decoding failed.
//! - Invalid bencode is rejected in every mode: integers with leading
//!   zeros, `-0`, empty integers, integers beyond `i64`, and string lengths
//!   with leading zeros.
//! - Dictionaries keep keys in input order; the decoder rejects unsorted or
//!   duplicate keys only in [`Strictness::Canonical`] mode.
//!
//! # Example
//!
//! ```
//! let torrent = b"d8:announce3:url4:infod4:name1:xee";
//! let root = bencode::decode(torrent).unwrap();
//! let info = root.value.get(b"info").unwrap();
//! // Hash these bytes, not a re-encoding, to get the info hash.
//! assert_eq!(&torrent[info.span.clone()], b"d4:name1:xe");
//! assert_eq!(info.value.get(b"name").unwrap().value.as_bytes(), Some(&b"x"[..]));
//! ```

use std::ops::Range;

mod decode;
mod encode;

/// Byte range of a value within the decoded input.
pub type Span = Range<usize>;

/// A decoded bencode value, borrowing its byte strings from the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value<'a> {
    /// BEP 3 sets no bound on integers; this crate accepts those that fit
    /// in `i64`, which covers every length and offset a torrent can carry.
    Int(i64),
    /// A byte string; not necessarily UTF-8 (piece hashes, compact peers).
    Bytes(&'a [u8]),
    List(Vec<Spanned<'a>>),
    /// Keys and values in input order. In [`Strictness::Lenient`] mode keys
    /// may be unsorted or repeated.
    Dict(Vec<(&'a [u8], Spanned<'a>)>),
}

/// A value with the span of its encoding in the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spanned<'a> {
    pub value: Value<'a>,
    /// `input[span]` is exactly the encoding of `value`, delimiters included.
    pub span: Span,
}

/// Resource bounds for decoding untrusted input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Most lists and dictionaries open at once. A top-level list is depth 1;
    /// `0` admits only a bare integer or string. Keep it modest: the
    /// decoder itself does not recurse, but dropping or encoding the tree
    /// does, once per level.
    pub max_depth: usize,
    /// Total list items plus dict entries in the whole input.
    pub max_items: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_depth: 64,
            max_items: 1_000_000,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Strictness {
    /// Accept unsorted dictionary keys (many real .torrent files have them)
    /// and repeated keys. Everything else invalid is still rejected.
    #[default]
    Lenient,
    /// Sorted, unique keys; no leading zeros; no `-0`. Input accepted in
    /// this mode is exactly what [`encode`] writes for the decoded value.
    Canonical,
}

/// Why decoding stopped, and where.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{kind} at byte {offset}")]
pub struct DecodeError {
    /// Offset into the input of the byte that could not be accepted, or of
    /// the start of the value that was rejected as a whole.
    pub offset: usize,
    pub kind: DecodeErrorKind,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeErrorKind {
    /// The input ends inside a value; `offset` is the input length.
    #[error("unexpected end of input")]
    UnexpectedEof,
    /// A byte that cannot start or continue the value being read, such as a
    /// non-string dictionary key or a stray `e`.
    #[error("unexpected byte {0:#04x}")]
    UnexpectedByte(u8),
    /// The integer starting at `offset` is empty, has leading zeros, is
    /// `-0`, or does not fit in `i64`.
    #[error("invalid integer")]
    InvalidInteger,
    /// The string starting at `offset` declares more bytes than remain.
    #[error("string length exceeds input")]
    LengthTooLong,
    /// The container at `offset` would exceed [`Limits::max_depth`].
    #[error("nesting deeper than {0}")]
    TooDeep(usize),
    /// The item at `offset` would exceed [`Limits::max_items`].
    #[error("more than {0} items")]
    TooManyItems(usize),
    /// The key at `offset` is not greater than the one before it
    /// ([`Strictness::Canonical`] only).
    #[error("dictionary keys not sorted or duplicated")]
    UnsortedKeys,
    /// A complete value ends before the input does; `offset` is where the
    /// extra bytes start.
    #[error("trailing bytes after the value")]
    TrailingBytes,
}

/// Decodes exactly one value spanning the whole input.
pub fn decode(input: &[u8]) -> Result<Spanned<'_>, DecodeError> {
    decode_with(input, Limits::default(), Strictness::Lenient)
}

/// Decodes exactly one value spanning the whole input, within `limits`.
///
/// Never panics, whatever the input.
pub fn decode_with(
    input: &[u8],
    limits: Limits,
    strictness: Strictness,
) -> Result<Spanned<'_>, DecodeError> {
    decode::decode_with(input, limits, strictness)
}

impl<'a> Value<'a> {
    /// Looks up a dictionary key (None for non-dicts).
    ///
    /// If a lenient dictionary repeats the key, the first entry wins, as in
    /// libtorrent; [`encode`] keeps the same entry.
    pub fn get(&self, key: &[u8]) -> Option<&Spanned<'a>> {
        self.as_dict()?
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v)
    }

    pub fn as_bytes(&self) -> Option<&'a [u8]> {
        match *self {
            Value::Bytes(bytes) => Some(bytes),
            _ => None,
        }
    }

    pub fn as_int(&self) -> Option<i64> {
        match *self {
            Value::Int(n) => Some(n),
            _ => None,
        }
    }

    pub fn as_list(&self) -> Option<&[Spanned<'a>]> {
        match self {
            Value::List(items) => Some(items),
            _ => None,
        }
    }

    /// The entries in input order.
    pub fn as_dict(&self) -> Option<&[(&'a [u8], Spanned<'a>)]> {
        match self {
            Value::Dict(entries) => Some(entries),
            _ => None,
        }
    }
}

/// Appends the canonical encoding of `value` (dictionary keys sorted).
///
/// A repeated key is written once, with the entry [`Value::get`] returns,
/// because canonical bencode cannot repeat keys.
pub fn encode(value: &Value<'_>, out: &mut Vec<u8>) {
    encode::encode(value, out);
}

/// Returns the canonical encoding of `value`; see [`encode`].
pub fn encode_to_vec(value: &Value<'_>) -> Vec<u8> {
    let mut out = Vec::new();
    encode(value, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spanned(value: Value<'_>) -> Spanned<'_> {
        Spanned { value, span: 0..0 }
    }

    #[test]
    fn get_finds_a_key_and_returns_none_for_missing_keys_and_non_dicts() {
        let dict = Value::Dict(vec![(b"a", spanned(Value::Int(1)))]);
        assert_eq!(dict.get(b"a").unwrap().value, Value::Int(1));
        assert_eq!(dict.get(b"b"), None);
        assert_eq!(Value::Int(1).get(b"a"), None);
        assert_eq!(Value::List(vec![]).get(b"a"), None);
    }

    #[test]
    fn get_returns_the_first_of_repeated_keys() {
        let dict = Value::Dict(vec![
            (b"a", spanned(Value::Int(1))),
            (b"a", spanned(Value::Int(2))),
        ]);
        assert_eq!(dict.get(b"a").unwrap().value, Value::Int(1));
    }

    #[test]
    fn accessors_return_none_for_the_wrong_type() {
        assert_eq!(Value::Int(7).as_int(), Some(7));
        assert_eq!(Value::Int(7).as_bytes(), None);
        assert_eq!(Value::Bytes(b"x").as_bytes(), Some(&b"x"[..]));
        assert_eq!(Value::Bytes(b"x").as_int(), None);
        assert_eq!(Value::Bytes(b"x").as_list(), None);
        assert_eq!(Value::List(vec![]).as_list(), Some(&[][..]));
        assert_eq!(Value::List(vec![]).as_dict(), None);
        assert_eq!(Value::Dict(vec![]).as_dict(), Some(&[][..]));
    }

    #[test]
    fn errors_display_the_kind_and_the_offset() {
        let error = DecodeError {
            offset: 3,
            kind: DecodeErrorKind::UnexpectedByte(b'x'),
        };
        assert_eq!(error.to_string(), "unexpected byte 0x78 at byte 3");
    }
}
