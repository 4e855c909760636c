//! UDP tracker request parser (BEP 15, BEP 41 URL data).
//!
//! `Request::parse` must never panic, and a parsed request must survive
//! `write_to` and a second parse unchanged. The comparison is against the
//! parsed value, not the input bytes: parsing normalizes (scrape hashes past
//! `MAX_SCRAPE_HASHES`, NOP, unknown and truncated BEP 41 options, bytes
//! after a connect request are all dropped). The passkey reader of mode
//! `private` must take any URL data without panicking, and a passkey it
//! finds must be 32 hex characters of the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use accounting::{PasskeyInUrl, passkey_in_url};
use tracker_proto::udp::Request;

fuzz_target!(|data: &[u8]| {
    if let PasskeyInUrl::Found(key) = passkey_in_url(data) {
        let hex = key.to_hex();
        let lower = data.to_ascii_lowercase();
        assert!(lower.windows(32).any(|w| w == hex.as_bytes()));
    }
    let Ok(request) = Request::parse(data) else {
        return;
    };
    if let Request::Announce(a) = &request {
        let _ = passkey_in_url(&a.url_data);
    }
    let mut written = Vec::new();
    request.write_to(&mut written);
    assert_eq!(Request::parse(&written), Ok(request));
});
