//! UDP tracker request parser (BEP 15, BEP 41 URL data).
//!
//! `Request::parse` must never panic, and a parsed request must survive
//! `write_to` and a second parse unchanged. The comparison is against the
//! parsed value, not the input bytes: parsing normalizes (scrape hashes past
//! `MAX_SCRAPE_HASHES`, NOP, unknown and truncated BEP 41 options, bytes
//! after a connect request are all dropped).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tracker_proto::udp::Request;

fuzz_target!(|data: &[u8]| {
    let Ok(request) = Request::parse(data) else {
        return;
    };
    let mut written = Vec::new();
    request.write_to(&mut written);
    assert_eq!(Request::parse(&written), Ok(request));
});
