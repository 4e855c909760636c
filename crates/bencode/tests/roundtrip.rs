//! Property tests: encode/decode round trips, exact spans, and decoding
//! arbitrary bytes without panicking.

use std::collections::BTreeMap;

use bencode::{Limits, Spanned, Strictness, Value, decode, decode_with, encode_to_vec};
use proptest::prelude::*;

/// An owned value tree, so strategies can generate the data that a
/// borrowed [`Value`] then points into.
#[derive(Clone, Debug, PartialEq, Eq)]
enum OwnedValue {
    Int(i64),
    Bytes(Vec<u8>),
    List(Vec<OwnedValue>),
    /// Input order, possibly unsorted and with repeated keys.
    Dict(Vec<(Vec<u8>, OwnedValue)>),
}

impl OwnedValue {
    fn from_value(value: &Value<'_>) -> Self {
        match value {
            Value::Int(n) => Self::Int(*n),
            Value::Bytes(bytes) => Self::Bytes(bytes.to_vec()),
            Value::List(items) => Self::List(
                items
                    .iter()
                    .map(|item| Self::from_value(&item.value))
                    .collect(),
            ),
            Value::Dict(entries) => Self::Dict(
                entries
                    .iter()
                    .map(|(key, value)| (key.to_vec(), Self::from_value(&value.value)))
                    .collect(),
            ),
        }
    }

    /// A borrowed view; spans are meaningless and set empty.
    fn as_value(&self) -> Value<'_> {
        fn spanned(value: &OwnedValue) -> Spanned<'_> {
            Spanned {
                value: value.as_value(),
                span: 0..0,
            }
        }
        match self {
            Self::Int(n) => Value::Int(*n),
            Self::Bytes(bytes) => Value::Bytes(bytes),
            Self::List(items) => Value::List(items.iter().map(spanned).collect()),
            Self::Dict(entries) => Value::Dict(
                entries
                    .iter()
                    .map(|(key, value)| (key.as_slice(), spanned(value)))
                    .collect(),
            ),
        }
    }

    /// What a canonical encoding preserves: keys sorted, the first of any
    /// repeated key kept.
    fn canonicalized(&self) -> Self {
        match self {
            Self::Int(_) | Self::Bytes(_) => self.clone(),
            Self::List(items) => Self::List(items.iter().map(Self::canonicalized).collect()),
            Self::Dict(entries) => {
                let mut sorted = BTreeMap::new();
                for (key, value) in entries {
                    sorted
                        .entry(key.clone())
                        .or_insert_with(|| value.canonicalized());
                }
                Self::Dict(sorted.into_iter().collect())
            }
        }
    }
}

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    // Short keys from a small alphabet, so dicts often repeat keys and
    // share prefixes; occasionally anything.
    prop_oneof![
        3 => prop::collection::vec(prop::sample::select(b"ab\x00\xff".to_vec()), 0..3),
        1 => prop::collection::vec(any::<u8>(), 0..40),
    ]
}

fn owned_value() -> impl Strategy<Value = OwnedValue> {
    let leaf = prop_oneof![
        any::<i64>().prop_map(OwnedValue::Int),
        (-3i64..3).prop_map(OwnedValue::Int),
        bytes().prop_map(OwnedValue::Bytes),
    ];
    leaf.prop_recursive(6, 96, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(OwnedValue::List),
            prop::collection::vec((bytes(), inner), 0..8).prop_map(OwnedValue::Dict),
        ]
    })
}

impl OwnedValue {
    /// Encodes in input order, repeated keys included: valid bencode that
    /// only the lenient decoder accepts when a dict is out of order.
    fn encode_loosely(&self, out: &mut Vec<u8>) {
        fn bytes(bytes: &[u8], out: &mut Vec<u8>) {
            out.extend_from_slice(format!("{}:", bytes.len()).as_bytes());
            out.extend_from_slice(bytes);
        }
        match self {
            Self::Int(n) => out.extend_from_slice(format!("i{n}e").as_bytes()),
            Self::Bytes(b) => bytes(b, out),
            Self::List(items) => {
                out.push(b'l');
                items.iter().for_each(|item| item.encode_loosely(out));
                out.push(b'e');
            }
            Self::Dict(entries) => {
                out.push(b'd');
                for (key, value) in entries {
                    bytes(key, out);
                    value.encode_loosely(out);
                }
                out.push(b'e');
            }
        }
    }

    fn loose_encoding(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_loosely(&mut out);
        out
    }
}

#[derive(Clone, Debug)]
enum Edit {
    Replace(prop::sample::Index, u8),
    Insert(prop::sample::Index, u8),
    Remove(prop::sample::Index),
}

/// A loose encoding with a few byte edits: mostly near-valid input, which
/// reaches far deeper into the decoder than uniform noise.
fn edited_encoding() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![
        3 => prop::sample::select(b"ilde0123456789:-".to_vec()),
        1 => any::<u8>(),
    ];
    let index = any::<prop::sample::Index>;
    let edit = prop_oneof![
        (index(), byte.clone()).prop_map(|(at, byte)| Edit::Replace(at, byte)),
        (index(), byte).prop_map(|(at, byte)| Edit::Insert(at, byte)),
        index().prop_map(Edit::Remove),
    ];
    (owned_value(), prop::collection::vec(edit, 1..4)).prop_map(|(value, edits)| {
        let mut encoded = value.loose_encoding();
        for edit in edits {
            match edit {
                Edit::Replace(at, byte) => {
                    let at = at.index(encoded.len());
                    encoded[at] = byte;
                }
                Edit::Insert(at, byte) => encoded.insert(at.index(encoded.len() + 1), byte),
                Edit::Remove(at) => {
                    encoded.remove(at.index(encoded.len()));
                }
            }
            if encoded.is_empty() {
                break;
            }
        }
        encoded
    })
}

/// Every span, at every depth, is exactly the loose encoding of its value.
fn assert_spans_exact(input: &[u8], spanned: &Spanned<'_>) {
    let expected = OwnedValue::from_value(&spanned.value).loose_encoding();
    assert_eq!(&input[spanned.span.clone()], expected.as_slice());
    match &spanned.value {
        Value::Int(_) | Value::Bytes(_) => {}
        Value::List(items) => items
            .iter()
            .for_each(|item| assert_spans_exact(input, item)),
        Value::Dict(entries) => {
            entries
                .iter()
                .for_each(|(_, value)| assert_spans_exact(input, value));
        }
    }
}

fn canonical(input: &[u8]) -> Result<Spanned<'_>, bencode::DecodeError> {
    decode_with(input, Limits::default(), Strictness::Canonical)
}

proptest! {
    #[test]
    fn encoded_values_decode_to_the_same_tree_and_re_encode_to_the_same_bytes(
        original in owned_value(),
    ) {
        let encoded = encode_to_vec(&original.as_value());
        let decoded = canonical(&encoded).unwrap();
        prop_assert_eq!(decoded.span.clone(), 0..encoded.len());
        prop_assert_eq!(OwnedValue::from_value(&decoded.value), original.canonicalized());
        prop_assert_eq!(encode_to_vec(&decoded.value), encoded.clone());
        assert_spans_exact(&encoded, &decoded);
    }

    #[test]
    fn lenient_decoding_keeps_dict_order_repeated_keys_and_exact_spans(
        original in owned_value(),
    ) {
        let encoded = original.loose_encoding();
        let decoded = decode(&encoded).unwrap();
        prop_assert_eq!(OwnedValue::from_value(&decoded.value), original.clone());
        assert_spans_exact(&encoded, &decoded);
    }

    #[test]
    fn canonical_decoding_accepts_exactly_the_trees_with_sorted_unique_keys(
        original in owned_value(),
    ) {
        let encoded = original.loose_encoding();
        let is_canonical = original == original.canonicalized();
        prop_assert_eq!(canonical(&encoded).is_ok(), is_canonical);
    }

    #[test]
    fn decoding_arbitrary_bytes_never_panics(input in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = decode(&input);
        let _ = canonical(&input);
    }

    #[test]
    fn decoding_edited_encodings_never_panics_and_errors_point_into_the_input(
        input in edited_encoding(),
    ) {
        for result in [decode(&input), canonical(&input)] {
            if let Err(error) = result {
                prop_assert!(error.offset <= input.len());
            }
        }
    }

    #[test]
    fn canonical_input_is_exactly_what_the_encoder_writes(input in edited_encoding()) {
        if let Ok(decoded) = canonical(&input) {
            prop_assert_eq!(encode_to_vec(&decoded.value), input);
        }
    }

    #[test]
    fn anything_decoded_leniently_re_encodes_to_canonical_input(input in edited_encoding()) {
        if let Ok(decoded) = decode(&input) {
            let encoded = encode_to_vec(&decoded.value);
            let again = canonical(&encoded).unwrap();
            prop_assert_eq!(
                OwnedValue::from_value(&again.value),
                OwnedValue::from_value(&decoded.value).canonicalized()
            );
        }
    }

    #[test]
    fn every_strict_prefix_of_an_encoding_is_an_error(
        original in owned_value(),
        cut in any::<prop::sample::Index>(),
    ) {
        let encoded = original.loose_encoding();
        let prefix = &encoded[..cut.index(encoded.len())];
        prop_assert!(decode(prefix).is_err());
    }
}
