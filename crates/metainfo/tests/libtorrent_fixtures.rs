//! Torrents made by real libtorrent (`tests/fixtures/make_fixtures.py`),
//! checked against what libtorrent itself computed for them
//! (`tests/fixtures/expected.txt`).

mod support;

use metainfo::{InfoHashes, TorrentKind};
use support::{expected, fixture, parse};

#[test]
fn every_fixture_has_the_info_hashes_libtorrent_computed() {
    let all = expected();
    assert_eq!(all.len(), 8, "one line per fixture in expected.txt");
    for expected in all {
        let meta = parse(&fixture(&expected.file))
            .unwrap_or_else(|error| panic!("{}: {error}", expected.file));
        assert_eq!(meta.info_hashes(), expected.hashes, "{}", expected.file);
    }
}

#[test]
fn every_fixture_has_the_size_files_piece_length_and_name_libtorrent_read() {
    for expected in expected() {
        let meta = parse(&fixture(&expected.file)).unwrap();
        let file = &expected.file;
        assert_eq!(meta.total_size(), expected.total_size, "{file}");
        assert_eq!(meta.files().len(), expected.files, "{file}");
        assert_eq!(meta.piece_length(), expected.piece_length, "{file}");
        // libtorrent writes `_` where we write U+FFFD.
        assert_eq!(
            meta.name().replace('\u{fffd}', "_"),
            expected.name,
            "{file}"
        );
    }
}

#[test]
fn the_kind_follows_from_which_hashes_libtorrent_found() {
    let kind = |file: &str| parse(&fixture(file)).unwrap().kind();
    assert_eq!(kind("v1-single.torrent"), TorrentKind::V1);
    assert_eq!(kind("v1-multi.torrent"), TorrentKind::V1);
    assert_eq!(kind("v2-single.torrent"), TorrentKind::V2);
    assert_eq!(kind("v2-multi.torrent"), TorrentKind::V2);
    assert_eq!(kind("hybrid-single.torrent"), TorrentKind::Hybrid);
    assert_eq!(kind("hybrid-multi.torrent"), TorrentKind::Hybrid);
}

#[test]
fn a_multi_file_torrent_lists_its_files_in_order_below_its_name() {
    for file in [
        "v1-multi.torrent",
        "v2-multi.torrent",
        "hybrid-multi.torrent",
    ] {
        let meta = parse(&fixture(file)).unwrap();
        assert!(!meta.is_single_file(), "{file}");
        assert_eq!(meta.name(), "Album");
        let mut paths: Vec<(String, u64)> = meta
            .files()
            .iter()
            .map(|entry| (entry.display_path(), entry.length))
            .collect();
        // libtorrent orders v1-only files its own way; v2 and hybrid
        // follow the file tree.
        if meta.kind() == TorrentKind::V1 {
            paths.sort();
        }
        assert_eq!(
            paths,
            [
                ("01 - Intro.flac".to_owned(), 40000),
                ("cover.jpg".to_owned(), 100),
                ("empty.txt".to_owned(), 0),
                ("Диск 2/02 - Песня.flac".to_owned(), 20000),
            ],
            "{file}"
        );
        assert!(meta.all_names_utf8(), "{file}");
    }
}

#[test]
fn a_hybrid_torrent_hides_its_pad_files() {
    let bytes = fixture("hybrid-multi.torrent");
    // The v1 half has three pad files (`.pad/<size>`) for piece alignment.
    assert_eq!(
        bytes
            .windows(b"4:.pad".len())
            .filter(|w| w == b"4:.pad")
            .count(),
        3
    );
    let meta = parse(&bytes).unwrap();
    assert!(meta.files().iter().all(|entry| entry.path[0] != ".pad"));
}

#[test]
fn a_single_file_torrent_has_one_file_named_after_it() {
    for file in [
        "v1-single.torrent",
        "v2-single.torrent",
        "hybrid-single.torrent",
    ] {
        let meta = parse(&fixture(file)).unwrap();
        assert!(meta.is_single_file(), "{file}");
        assert_eq!(meta.files().len(), 1);
        assert_eq!(meta.files()[0].path, ["single.bin"]);
        assert_eq!(meta.files()[0].length, 50000);
    }
}

#[test]
fn top_level_metadata_is_read() {
    let meta = parse(&fixture("hybrid-multi.torrent")).unwrap();
    assert_eq!(meta.announce(), Some("http://tracker.example/announce"));
    assert_eq!(
        meta.announce_list(),
        [
            vec!["http://tracker.example/announce".to_owned()],
            vec!["udp://backup.example:6969/announce".to_owned()],
        ]
    );
    assert_eq!(meta.comment(), Some("swarmgate fixture"));
    assert!(meta.created_by().unwrap().starts_with("libtorrent "));
    assert_eq!(meta.creation_date(), Some(1_700_000_000));
}

#[test]
fn the_private_flag_is_read_from_the_info_dictionary() {
    assert!(parse(&fixture("v1-multi.torrent")).unwrap().is_private());
    assert!(
        parse(&fixture("hybrid-multi.torrent"))
            .unwrap()
            .is_private()
    );
    assert!(!parse(&fixture("v1-single.torrent")).unwrap().is_private());
}

#[test]
fn unsorted_keys_are_accepted_and_hashed_as_found() {
    // libtorrent hashed the info dictionary with its keys out of order;
    // a re-encoding would sort them and produce a different hash.
    let bytes = fixture("v1-unsorted.torrent");
    let meta = parse(&bytes).unwrap();
    assert!(meta.info_bytes().starts_with(b"d6:pieces"));
    assert_eq!(meta.name(), "unsorted.bin");
    let sorted = bencode::encode_to_vec(&bencode::decode(meta.info_bytes()).unwrap().value);
    assert_ne!(sorted, meta.info_bytes());
}

#[test]
fn names_that_are_not_utf8_are_accepted_decoded_lossily_and_flagged() {
    let meta = parse(&fixture("v1-latin1.torrent")).unwrap();
    assert_eq!(meta.name(), "Caf\u{fffd}");
    assert!(!meta.name_is_utf8());
    assert!(!meta.all_names_utf8());
    let files = meta.files();
    // `path.utf-8` is preferred when present.
    assert_eq!(files[0].path, ["café.txt"]);
    assert!(files[0].path_is_utf8);
    assert_eq!(files[1].path, ["r\u{fffd}sum\u{fffd}.txt"]);
    assert!(!files[1].path_is_utf8);
}

#[test]
fn with_announce_keeps_every_fixtures_info_hashes_and_sets_the_trackers() {
    let tiers = vec![
        vec!["https://t.example/announce/0123abcd".to_owned()],
        vec!["udp://t.example:6969/0123abcd".to_owned()],
    ];
    for name in support::fixture_names() {
        let bytes = fixture(&name);
        let meta = parse(&bytes).unwrap();
        let rewritten = meta.with_announce("https://t.example/announce/0123abcd", &tiers);
        let again = parse(&rewritten).unwrap_or_else(|error| panic!("{name}: {error}"));
        assert_eq!(again.info_hashes(), meta.info_hashes(), "{name}");
        assert_eq!(again.info_bytes(), meta.info_bytes(), "{name}");
        assert_eq!(
            again.announce(),
            Some("https://t.example/announce/0123abcd")
        );
        assert_eq!(again.announce_list(), tiers);
        assert_eq!(again.comment(), meta.comment(), "{name}");
        assert_eq!(again.creation_date(), meta.creation_date(), "{name}");
    }
}

#[test]
fn with_announce_keeps_v2_piece_layers_so_the_result_still_validates() {
    let bytes = fixture("v2-multi.torrent");
    let meta = parse(&bytes).unwrap();
    let rewritten = meta.with_announce("http://t/a", &[]);
    assert_eq!(
        support::top_level_value(&rewritten, b"piece layers"),
        support::top_level_value(&bytes, b"piece layers")
    );
    assert!(parse(&rewritten).unwrap().announce_list().is_empty());
}

#[test]
fn a_hybrid_magnet_link_carries_both_hashes_the_name_and_the_size() {
    let meta = parse(&fixture("hybrid-multi.torrent")).unwrap();
    let InfoHashes::Hybrid { v1, v2 } = meta.info_hashes() else {
        panic!("hybrid fixture is not hybrid");
    };
    let link = meta.magnet_link(&["http://t.example/announce"]);
    assert_eq!(
        link,
        format!(
            "magnet:?xt=urn:btih:{v1}&xt=urn:btmh:1220{v2}&dn=Album&xl=60100\
             &tr=http%3A%2F%2Ft.example%2Fannounce"
        )
    );
}

#[test]
fn trackers_see_the_truncated_v2_hash() {
    let meta = parse(&fixture("v2-single.torrent")).unwrap();
    let hashes: Vec<String> = meta
        .info_hashes()
        .tracker_hashes()
        .map(|hash| hash.to_hex())
        .collect();
    assert_eq!(hashes, ["4f83ce4af31b40ba47e5480334de4f8575d81b2e"]);
}
