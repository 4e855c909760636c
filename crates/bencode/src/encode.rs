//! The encoder: canonical bencode (BEP 3), with dictionary keys sorted by
//! their raw bytes and no leading zeros.
//!
//! Recursion is fine here: a tree from the decoder is no deeper than
//! [`crate::Limits::max_depth`], and a tree built in code is as deep as its
//! author made it.

use crate::Value;

pub(crate) fn encode(value: &Value<'_>, out: &mut Vec<u8>) {
    match value {
        Value::Int(n) => {
            out.push(b'i');
            if *n < 0 {
                out.push(b'-');
            }
            write_decimal(n.unsigned_abs(), out);
            out.push(b'e');
        }
        Value::Bytes(bytes) => write_bytes(bytes, out),
        Value::List(items) => {
            out.push(b'l');
            for item in items {
                encode(&item.value, out);
            }
            out.push(b'e');
        }
        Value::Dict(entries) => {
            out.push(b'd');
            // Most dictionaries come from canonical input; skip the sort.
            if entries.windows(2).all(|pair| pair[0].0 < pair[1].0) {
                for (key, value) in entries {
                    write_bytes(key, out);
                    encode(&value.value, out);
                }
            } else {
                let mut sorted: Vec<_> = entries.iter().collect();
                // Stable, so among repeated keys the first in input order
                // comes first and is the one kept, matching `Value::get`.
                sorted.sort_by_key(|(key, _)| *key);
                sorted.dedup_by_key(|(key, _)| *key);
                for (key, value) in sorted {
                    write_bytes(key, out);
                    encode(&value.value, out);
                }
            }
            out.push(b'e');
        }
    }
}

fn write_bytes(bytes: &[u8], out: &mut Vec<u8>) {
    // usize is at most 64 bits on every target Rust supports.
    write_decimal(bytes.len() as u64, out);
    out.push(b':');
    out.extend_from_slice(bytes);
}

/// Writes `n` without going through `fmt`, which would need an
/// intermediate `String` or an infallible-in-practice `io::Write` result.
fn write_decimal(mut n: u64, out: &mut Vec<u8>) {
    let mut digits = [0; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        // `n % 10` is below 10, so the cast cannot truncate.
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[start..]);
}

#[cfg(test)]
mod tests {
    use crate::{Spanned, Value, encode_to_vec};

    fn spanned(value: Value<'_>) -> Spanned<'_> {
        Spanned { value, span: 0..0 }
    }

    #[test]
    fn integers_are_written_without_leading_zeros_or_plus_signs() {
        assert_eq!(encode_to_vec(&Value::Int(0)), b"i0e");
        assert_eq!(encode_to_vec(&Value::Int(42)), b"i42e");
        assert_eq!(encode_to_vec(&Value::Int(-42)), b"i-42e");
        assert_eq!(
            encode_to_vec(&Value::Int(i64::MAX)),
            b"i9223372036854775807e"
        );
        assert_eq!(
            encode_to_vec(&Value::Int(i64::MIN)),
            b"i-9223372036854775808e"
        );
    }

    #[test]
    fn byte_strings_are_length_prefixed() {
        assert_eq!(encode_to_vec(&Value::Bytes(b"")), b"0:");
        assert_eq!(encode_to_vec(&Value::Bytes(b"spam")), b"4:spam");
        let long = [b'x'; 1234];
        assert!(encode_to_vec(&Value::Bytes(&long)).starts_with(b"1234:xx"));
    }

    #[test]
    fn lists_keep_their_order() {
        let list = Value::List(vec![spanned(Value::Int(2)), spanned(Value::Bytes(b"a"))]);
        assert_eq!(encode_to_vec(&list), b"li2e1:ae");
    }

    #[test]
    fn dict_keys_are_sorted_by_raw_bytes() {
        let dict = Value::Dict(vec![
            (&b"b"[..], spanned(Value::Int(1))),
            (b"\x80", spanned(Value::Int(2))),
            (b"aa", spanned(Value::Int(3))),
            (b"a", spanned(Value::Int(4))),
        ]);
        assert_eq!(encode_to_vec(&dict), b"d1:ai4e2:aai3e1:bi1e1:\x80i2ee");
    }

    #[test]
    fn a_repeated_dict_key_is_written_once_with_its_first_value() {
        let dict = Value::Dict(vec![
            (&b"b"[..], spanned(Value::Int(1))),
            (b"a", spanned(Value::Int(2))),
            (b"b", spanned(Value::Int(3))),
        ]);
        assert_eq!(encode_to_vec(&dict), b"d1:ai2e1:bi1ee");
    }

    #[test]
    fn encoding_appends_to_the_buffer() {
        let mut out = b"prefix".to_vec();
        crate::encode(&Value::Int(1), &mut out);
        assert_eq!(out, b"prefixi1e");
    }
}
