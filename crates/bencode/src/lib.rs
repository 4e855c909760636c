//! Bencode (BEP 3): a zero-copy decoder that remembers where every value
//! came from, and an encoder.
//!
//! Contract (the implementation fills in the bodies and tests):
//! - [`decode`] borrows from the input; every [`Value`] carries its raw
//!   byte [`Span`], so the `info` dictionary's exact bytes can be hashed.
//! - Hostile input cannot exhaust stack or memory: nesting depth and the
//!   number of items are limited ([`Limits`]), and errors carry the byte
//!   offset where decoding failed.
//! - Dictionaries keep keys in input order; the decoder rejects unsorted or
//!   duplicate keys only in [`Strictness::Canonical`] mode.

use std::ops::Range;

/// Byte range of a value within the decoded input.
pub type Span = Range<usize>;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value<'a> {
    Int(i64),
    Bytes(&'a [u8]),
    List(Vec<Spanned<'a>>),
    /// Keys and values in input order.
    Dict(Vec<(&'a [u8], Spanned<'a>)>),
}

/// A value with the span of its encoding in the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spanned<'a> {
    pub value: Value<'a>,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub max_depth: usize,
    /// Total list items plus dict entries in the whole input.
    pub max_items: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_depth: 64, max_items: 1_000_000 }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Strictness {
    /// Accept unsorted dictionary keys (many real .torrent files have them).
    #[default]
    Lenient,
    /// Sorted, unique keys; no leading zeros; no `-0`.
    Canonical,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{kind} at byte {offset}")]
pub struct DecodeError {
    pub offset: usize,
    pub kind: DecodeErrorKind,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeErrorKind {
    #[error("unexpected end of input")]
    UnexpectedEof,
    #[error("unexpected byte {0:#04x}")]
    UnexpectedByte(u8),
    #[error("invalid integer")]
    InvalidInteger,
    #[error("string length exceeds input")]
    LengthTooLong,
    #[error("nesting deeper than {0}")]
    TooDeep(usize),
    #[error("more than {0} items")]
    TooManyItems(usize),
    #[error("dictionary keys not sorted or duplicated")]
    UnsortedKeys,
    #[error("trailing bytes after the value")]
    TrailingBytes,
}

/// Decodes exactly one value spanning the whole input.
pub fn decode(input: &[u8]) -> Result<Spanned<'_>, DecodeError> {
    decode_with(input, Limits::default(), Strictness::Lenient)
}

pub fn decode_with(
    input: &[u8],
    limits: Limits,
    strictness: Strictness,
) -> Result<Spanned<'_>, DecodeError> {
    todo!()
}

impl<'a> Value<'a> {
    /// Looks up a dictionary key (None for non-dicts).
    pub fn get(&self, key: &[u8]) -> Option<&Spanned<'a>> {
        todo!()
    }
    pub fn as_bytes(&self) -> Option<&'a [u8]> {
        todo!()
    }
    pub fn as_int(&self) -> Option<i64> {
        todo!()
    }
}

/// Appends the canonical encoding of `value` (dictionary keys sorted).
pub fn encode(value: &Value<'_>, out: &mut Vec<u8>) {
    todo!()
}
