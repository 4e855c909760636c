//! Bencode decoder, both strictness modes.
//!
//! Beyond "never panics" (the contract of `decode_with`), it checks the
//! canonical contract: input accepted in `Canonical` mode is exactly what
//! `encode` writes for the decoded value, and what `encode` writes for any
//! value is accepted in `Canonical` mode.
#![no_main]

use bencode::{Limits, Strictness, decode_with, encode_to_vec};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let lenient = decode_with(data, Limits::default(), Strictness::Lenient);
    let canonical = decode_with(data, Limits::default(), Strictness::Canonical);

    if let Ok(root) = &canonical {
        assert_eq!(root.span, 0..data.len());
        assert_eq!(
            encode_to_vec(&root.value),
            data,
            "canonical input must re-encode to itself"
        );
        // Canonical mode only rejects more than lenient mode does.
        assert_eq!(lenient.as_ref().ok(), Some(root));
    }

    if let Ok(root) = &lenient {
        assert_eq!(root.span, 0..data.len());
        // Re-encoding sorts keys and drops repeated ones, which never adds
        // depth or items, so the result is within the same limits.
        let encoded = encode_to_vec(&root.value);
        let again = decode_with(&encoded, Limits::default(), Strictness::Canonical)
            .expect("encode must write canonical bencode");
        assert_eq!(encode_to_vec(&again.value), encoded);
    }
});
