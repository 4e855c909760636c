//! HTTP announce and scrape query-string parsers (BEP 3, BEP 48).
//!
//! Both must never panic; a scrape never yields more than
//! `MAX_SCRAPE_HASHES` hashes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tracker_proto::http::{MAX_SCRAPE_HASHES, parse_announce, parse_scrape};

fuzz_target!(|data: &[u8]| {
    let _ = parse_announce(data);
    if let Ok(hashes) = parse_scrape(data) {
        assert!(hashes.len() <= MAX_SCRAPE_HASHES);
    }
});
