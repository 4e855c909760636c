//! .torrent files as uploaded by members (BEP 3, 52): parsing must never
//! panic, and a file that parses keeps its info-hashes when its announce
//! URLs are rewritten for a member's passkey.
#![no_main]

use libfuzzer_sys::fuzz_target;
use metainfo::{Limits, Metainfo};

fuzz_target!(|data: &[u8]| {
    let Ok(torrent) = Metainfo::parse(data, &Limits::default()) else {
        return;
    };
    let rewritten = torrent.with_announce(
        "http://tracker.invalid/announce/0123456789abcdef0123456789abcdef",
        &[vec!["udp://tracker.invalid:6969/announce".to_owned()]],
    );
    let again = Metainfo::parse(&rewritten, &Limits::default()).expect("a rewritten torrent parses");
    assert_eq!(again.info_hashes(), torrent.info_hashes());
});
