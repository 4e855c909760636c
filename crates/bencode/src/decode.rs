//! The decoder.
//!
//! Open containers live on an explicit `Vec` of frames instead of the call
//! stack: a recursive descent parser would let an attacker pick our stack
//! depth with a run of `l` bytes, and checking `max_depth` before each push
//! keeps even that vector small. Byte strings are never copied, and nothing
//! is preallocated from a length the input declares.

use std::mem;

use crate::{DecodeError, DecodeErrorKind, Limits, Spanned, Strictness, Value};

/// A list or dictionary whose closing `e` has not been read yet.
enum Frame<'a> {
    List {
        start: usize,
        items: Vec<Spanned<'a>>,
    },
    Dict {
        start: usize,
        entries: Vec<(&'a [u8], Spanned<'a>)>,
        /// The key whose value is being decoded; `None` between entries.
        key: Option<&'a [u8]>,
    },
}

pub(crate) fn decode_with<'a>(
    input: &'a [u8],
    limits: Limits,
    strictness: Strictness,
) -> Result<Spanned<'a>, DecodeError> {
    let mut stack: Vec<Frame<'a>> = Vec::new();
    let mut item_count = 0;
    let mut pos = 0;
    loop {
        let Some(&byte) = input.get(pos) else {
            return Err(error(pos, DecodeErrorKind::UnexpectedEof));
        };
        let done = match stack.last_mut() {
            Some(Frame::List { start, items }) if byte == b'e' => {
                let span = *start..pos + 1;
                let value = Value::List(mem::take(items));
                stack.pop();
                pos += 1;
                Spanned { value, span }
            }
            Some(Frame::Dict {
                start,
                entries,
                key: None,
            }) if byte == b'e' => {
                let span = *start..pos + 1;
                let value = Value::Dict(mem::take(entries));
                stack.pop();
                pos += 1;
                Spanned { value, span }
            }
            Some(Frame::Dict {
                entries,
                key: key @ None,
                ..
            }) => {
                if !byte.is_ascii_digit() {
                    return Err(error(pos, DecodeErrorKind::UnexpectedByte(byte)));
                }
                count_item(&mut item_count, limits, pos)?;
                let (bytes, end) = parse_bytes(input, pos)?;
                if strictness == Strictness::Canonical
                    && entries
                        .last()
                        .is_some_and(|(previous, _)| *previous >= bytes)
                {
                    return Err(error(pos, DecodeErrorKind::UnsortedKeys));
                }
                *key = Some(bytes);
                pos = end;
                continue;
            }
            parent => {
                if matches!(parent, Some(Frame::List { .. })) {
                    count_item(&mut item_count, limits, pos)?;
                }
                match byte {
                    b'i' => {
                        let (n, end) = parse_int(input, pos)?;
                        let span = pos..end;
                        pos = end;
                        Spanned {
                            value: Value::Int(n),
                            span,
                        }
                    }
                    b'0'..=b'9' => {
                        let (bytes, end) = parse_bytes(input, pos)?;
                        let span = pos..end;
                        pos = end;
                        Spanned {
                            value: Value::Bytes(bytes),
                            span,
                        }
                    }
                    b'l' | b'd' => {
                        if stack.len() >= limits.max_depth {
                            return Err(error(pos, DecodeErrorKind::TooDeep(limits.max_depth)));
                        }
                        stack.push(if byte == b'l' {
                            Frame::List {
                                start: pos,
                                items: Vec::new(),
                            }
                        } else {
                            Frame::Dict {
                                start: pos,
                                entries: Vec::new(),
                                key: None,
                            }
                        });
                        pos += 1;
                        continue;
                    }
                    _ => return Err(error(pos, DecodeErrorKind::UnexpectedByte(byte))),
                }
            }
        };
        match stack.last_mut() {
            None if pos == input.len() => return Ok(done),
            None => return Err(error(pos, DecodeErrorKind::TrailingBytes)),
            Some(Frame::List { items, .. }) => items.push(done),
            Some(Frame::Dict { entries, key, .. }) => {
                // A dict frame without a pending key takes the key branch
                // above for every byte but `e`, so no value reaches it here.
                let key = key
                    .take()
                    .expect("a dict value is decoded only after its key");
                entries.push((key, done));
            }
        }
    }
}

fn error(offset: usize, kind: DecodeErrorKind) -> DecodeError {
    DecodeError { offset, kind }
}

/// Counted when an item starts, so the error points at the item that
/// crossed the limit rather than somewhere inside it.
fn count_item(items: &mut usize, limits: Limits, pos: usize) -> Result<(), DecodeError> {
    *items += 1;
    if *items > limits.max_items {
        return Err(error(pos, DecodeErrorKind::TooManyItems(limits.max_items)));
    }
    Ok(())
}

/// Parses `i<digits>e` at `start`; returns the value and the offset after
/// the `e`.
fn parse_int(input: &[u8], start: usize) -> Result<(i64, usize), DecodeError> {
    let mut pos = start + 1;
    let negative = input.get(pos) == Some(&b'-');
    if negative {
        pos += 1;
    }
    let digits_start = pos;
    loop {
        match input.get(pos) {
            Some(b'0'..=b'9') => pos += 1,
            Some(b'e') => break,
            Some(&byte) => return Err(error(pos, DecodeErrorKind::UnexpectedByte(byte))),
            None => return Err(error(pos, DecodeErrorKind::UnexpectedEof)),
        }
    }
    let invalid = || error(start, DecodeErrorKind::InvalidInteger);
    let digits = &input[digits_start..pos];
    // BEP 3: "i-0e is invalid. All encodings with a leading zero, such as
    // i03e, are invalid, other than i0e".
    match digits {
        [] => return Err(invalid()),
        [b'0', _, ..] => return Err(invalid()),
        [b'0'] if negative => return Err(invalid()),
        _ => {}
    }
    // Accumulating towards the sign, rather than negating at the end, is
    // what lets i64::MIN through.
    let mut n: i64 = 0;
    for &digit in digits {
        let digit = i64::from(digit - b'0');
        n = n.checked_mul(10).ok_or_else(invalid)?;
        n = if negative {
            n.checked_sub(digit)
        } else {
            n.checked_add(digit)
        }
        .ok_or_else(invalid)?;
    }
    Ok((n, pos + 1))
}

/// Parses `<length>:<bytes>` at `start`, which holds a digit; returns the
/// bytes and the offset after them.
fn parse_bytes(input: &[u8], start: usize) -> Result<(&[u8], usize), DecodeError> {
    let too_long = || error(start, DecodeErrorKind::LengthTooLong);
    let mut len: usize = 0;
    let mut pos = start;
    loop {
        match input.get(pos) {
            Some(&byte @ b'0'..=b'9') => {
                // A leading zero makes the encoding ambiguous (`03:abc` and
                // `3:abc`), which BEP 3 rules out for integers and which we
                // apply to lengths too.
                if pos > start && input[start] == b'0' {
                    return Err(error(pos, DecodeErrorKind::UnexpectedByte(byte)));
                }
                len = len
                    .checked_mul(10)
                    .and_then(|len| len.checked_add(usize::from(byte - b'0')))
                    .ok_or_else(too_long)?;
                pos += 1;
            }
            Some(b':') => break,
            Some(&byte) => return Err(error(pos, DecodeErrorKind::UnexpectedByte(byte))),
            None => return Err(error(pos, DecodeErrorKind::UnexpectedEof)),
        }
    }
    let data = pos + 1;
    if len > input.len() - data {
        return Err(too_long());
    }
    Ok((&input[data..data + len], data + len))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DecodeErrorKind::*, decode};

    fn lenient(input: &[u8]) -> Result<Spanned<'_>, DecodeError> {
        decode(input)
    }

    fn canonical(input: &[u8]) -> Result<Spanned<'_>, DecodeError> {
        decode_with(input, Limits::default(), Strictness::Canonical)
    }

    fn fails(input: &[u8], offset: usize, kind: DecodeErrorKind) {
        let expected = Err(DecodeError { offset, kind });
        assert_eq!(
            lenient(input),
            expected,
            "lenient: {}",
            input.escape_ascii()
        );
        assert_eq!(
            canonical(input),
            expected,
            "canonical: {}",
            input.escape_ascii()
        );
    }

    fn int(input: &[u8]) -> i64 {
        canonical(input).unwrap().value.as_int().unwrap()
    }

    #[test]
    fn integers_decode_across_the_whole_i64_range() {
        assert_eq!(int(b"i0e"), 0);
        assert_eq!(int(b"i42e"), 42);
        assert_eq!(int(b"i-42e"), -42);
        assert_eq!(int(b"i9223372036854775807e"), i64::MAX);
        assert_eq!(int(b"i-9223372036854775808e"), i64::MIN);
    }

    #[test]
    fn byte_strings_borrow_from_the_input_including_non_utf8() {
        let input = b"4:\xff\x00ab";
        let decoded = canonical(input).unwrap();
        let bytes = decoded.value.as_bytes().unwrap();
        assert_eq!(bytes, b"\xff\x00ab");
        assert!(std::ptr::eq(bytes.as_ptr(), input[2..].as_ptr()));
        assert_eq!(canonical(b"0:").unwrap().value, Value::Bytes(b""));
    }

    #[test]
    fn lists_and_dicts_keep_input_order() {
        let decoded = lenient(b"d1:bi1e1:ali2e3:xyzee").unwrap();
        let entries = decoded.value.as_dict().unwrap();
        assert_eq!(entries[0].0, b"b");
        assert_eq!(entries[1].0, b"a");
        let list = entries[1].1.value.as_list().unwrap();
        assert_eq!(list[0].value, Value::Int(2));
        assert_eq!(list[1].value, Value::Bytes(b"xyz"));
        assert_eq!(canonical(b"le").unwrap().value, Value::List(vec![]));
        assert_eq!(canonical(b"de").unwrap().value, Value::Dict(vec![]));
    }

    #[test]
    fn the_span_of_the_info_value_is_exactly_its_encoding() {
        let input = b"d4:infod1:ai1eee";
        let root = lenient(input).unwrap();
        assert_eq!(root.span, 0..input.len());
        let info = root.value.get(b"info").unwrap();
        assert_eq!(&input[info.span.clone()], b"d1:ai1ee");
        let a = info.value.get(b"a").unwrap();
        assert_eq!(&input[a.span.clone()], b"i1e");
    }

    #[test]
    fn spans_cover_scalars_and_nested_lists() {
        let input = b"li-7e3:abcllee0:e";
        let root = lenient(input).unwrap();
        let spans: Vec<&[u8]> = root
            .value
            .as_list()
            .unwrap()
            .iter()
            .map(|item| &input[item.span.clone()])
            .collect();
        assert_eq!(spans, [&b"i-7e"[..], b"3:abc", b"llee", b"0:"]);
    }

    #[test]
    fn empty_input_is_unexpected_eof() {
        fails(b"", 0, UnexpectedEof);
    }

    #[test]
    fn truncated_input_is_unexpected_eof_at_its_end() {
        fails(b"i12", 3, UnexpectedEof);
        fails(b"i-", 2, UnexpectedEof);
        fails(b"12", 2, UnexpectedEof);
        fails(b"l", 1, UnexpectedEof);
        fails(b"li1e", 4, UnexpectedEof);
        fails(b"d", 1, UnexpectedEof);
        fails(b"d1:a", 4, UnexpectedEof);
        fails(b"d1:ai1e", 7, UnexpectedEof);
    }

    #[test]
    fn a_byte_that_cannot_start_a_value_is_unexpected() {
        fails(b"x", 0, UnexpectedByte(b'x'));
        fails(b"e", 0, UnexpectedByte(b'e'));
        fails(b":", 0, UnexpectedByte(b':'));
        fails(b"-1:a", 0, UnexpectedByte(b'-'));
        fails(b"lxe", 1, UnexpectedByte(b'x'));
    }

    #[test]
    fn a_dict_key_that_is_not_a_byte_string_is_unexpected() {
        fails(b"di1ei2ee", 1, UnexpectedByte(b'i'));
        fails(b"dlei1ee", 1, UnexpectedByte(b'l'));
    }

    #[test]
    fn a_dict_key_without_a_value_is_unexpected() {
        fails(b"d1:ae", 4, UnexpectedByte(b'e'));
    }

    #[test]
    fn stray_bytes_inside_an_integer_are_unexpected() {
        fails(b"i1x2e", 2, UnexpectedByte(b'x'));
        fails(b"i+1e", 1, UnexpectedByte(b'+'));
        fails(b"i--1e", 2, UnexpectedByte(b'-'));
        fails(b"i 1e", 1, UnexpectedByte(b' '));
    }

    #[test]
    fn empty_integers_are_invalid() {
        fails(b"ie", 0, InvalidInteger);
        fails(b"i-e", 0, InvalidInteger);
    }

    #[test]
    fn integers_with_leading_zeros_or_negative_zero_are_invalid() {
        fails(b"i03e", 0, InvalidInteger);
        fails(b"i00e", 0, InvalidInteger);
        fails(b"i-03e", 0, InvalidInteger);
        fails(b"i-0e", 0, InvalidInteger);
        fails(b"li1ei-0ee", 4, InvalidInteger);
    }

    #[test]
    fn integers_beyond_i64_are_invalid() {
        fails(b"i9223372036854775808e", 0, InvalidInteger);
        fails(b"i-9223372036854775809e", 0, InvalidInteger);
        fails(b"i99999999999999999999999999999e", 0, InvalidInteger);
    }

    #[test]
    fn a_string_longer_than_the_remaining_input_is_rejected() {
        fails(b"5:abcd", 0, LengthTooLong);
        fails(b"1:", 0, LengthTooLong);
        fails(b"l4:abe", 1, LengthTooLong);
        // A length chosen to overflow must not wrap into a small one.
        fails(b"18446744073709551617:a", 0, LengthTooLong);
        fails(b"99999999999999999999999999999:a", 0, LengthTooLong);
    }

    #[test]
    fn a_string_length_with_a_leading_zero_is_rejected() {
        fails(b"03:abc", 1, UnexpectedByte(b'3'));
        fails(b"00:", 1, UnexpectedByte(b'0'));
    }

    #[test]
    fn a_malformed_string_length_is_unexpected() {
        fails(b"3x:abc", 1, UnexpectedByte(b'x'));
        fails(b"3-abc", 1, UnexpectedByte(b'-'));
    }

    #[test]
    fn bytes_after_the_value_are_trailing() {
        fails(b"i1ei2e", 3, TrailingBytes);
        fails(b"lee", 2, TrailingBytes);
        fails(b"0:\n", 2, TrailingBytes);
    }

    #[test]
    fn nesting_up_to_the_limit_is_accepted() {
        let limits = Limits {
            max_depth: 3,
            ..Limits::default()
        };
        let decoded = decode_with(b"ld1:aleee", limits, Strictness::Canonical);
        assert!(decoded.is_ok());
        let scalar = Limits {
            max_depth: 0,
            ..Limits::default()
        };
        assert!(decode_with(b"i1e", scalar, Strictness::Lenient).is_ok());
        let expected = Err(DecodeError {
            offset: 0,
            kind: TooDeep(0),
        });
        assert_eq!(decode_with(b"le", scalar, Strictness::Lenient), expected);
    }

    #[test]
    fn nesting_beyond_the_limit_is_an_error_not_a_stack_overflow() {
        let input = vec![b'l'; 1_000_000];
        let expected = DecodeError {
            offset: 64,
            kind: TooDeep(64),
        };
        assert_eq!(lenient(&input), Err(expected));

        let limits = Limits {
            max_depth: 2,
            ..Limits::default()
        };
        let expected = Err(DecodeError {
            offset: 5,
            kind: TooDeep(2),
        });
        assert_eq!(
            decode_with(b"d1:alleee", limits, Strictness::Lenient),
            expected
        );
    }

    #[test]
    fn items_beyond_the_limit_are_rejected_at_the_item_that_crosses_it() {
        let limits = Limits {
            max_items: 3,
            ..Limits::default()
        };
        let decode = |input| decode_with(input, limits, Strictness::Lenient);
        assert!(decode(b"li1ed1:ai2eee").is_ok());
        let expected = Err(DecodeError {
            offset: 11,
            kind: TooManyItems(3),
        });
        assert_eq!(decode(b"li1ed1:ai2e1:bi3eee"), expected);
        // Items are counted across the whole input, not per container.
        let expected = Err(DecodeError {
            offset: 6,
            kind: TooManyItems(3),
        });
        assert_eq!(decode(b"llleleleleee"), expected);
    }

    #[test]
    fn a_top_level_scalar_is_not_an_item() {
        let limits = Limits {
            max_items: 0,
            ..Limits::default()
        };
        assert!(decode_with(b"3:abc", limits, Strictness::Lenient).is_ok());
        assert!(decode_with(b"le", limits, Strictness::Lenient).is_ok());
    }

    #[test]
    fn unsorted_keys_are_accepted_when_lenient_and_rejected_when_canonical() {
        let input = b"d1:bi1e1:ai2ee";
        assert!(lenient(input).is_ok());
        assert_eq!(
            canonical(input),
            Err(DecodeError {
                offset: 7,
                kind: UnsortedKeys
            })
        );
    }

    #[test]
    fn duplicate_keys_are_accepted_when_lenient_and_rejected_when_canonical() {
        let input = b"d1:ai1e1:ai2ee";
        let decoded = lenient(input).unwrap();
        assert_eq!(decoded.value.get(b"a").unwrap().value, Value::Int(1));
        assert_eq!(
            canonical(input),
            Err(DecodeError {
                offset: 7,
                kind: UnsortedKeys
            })
        );
    }

    #[test]
    fn canonical_key_order_compares_raw_bytes_not_lengths() {
        assert!(canonical(b"d1:ai1e2:aai2e1:bi3ee").is_ok());
        assert!(canonical(b"d1:\x7fi1e1:\x80i2ee").is_ok());
        let expected = Err(DecodeError {
            offset: 7,
            kind: UnsortedKeys,
        });
        assert_eq!(canonical(b"d1:bi1e2:aai2ee"), expected);
    }

    #[test]
    fn canonical_key_order_is_checked_per_dictionary() {
        assert!(canonical(b"d1:bd1:ai1ee1:cd1:ai2eee").is_ok());
    }
}
