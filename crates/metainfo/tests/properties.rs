//! Property tests: rewriting never changes an info-hash, and parsing never
//! panics, on arbitrary bytes, on mutated real torrents, or on
//! torrent-shaped bencode built from the keys the parser looks for.

mod support;

use metainfo::Metainfo;
use proptest::prelude::*;
use support::{B, fixture, fixture_names, parse};

fn fixtures() -> Vec<Vec<u8>> {
    fixture_names().iter().map(|name| fixture(name)).collect()
}

/// Whatever parsed must survive a rewrite with the same hashes: the
/// contract the portal relies on when it serves personalised torrents.
fn check_rewrite_round_trip(meta: &Metainfo) {
    let rewritten = meta.with_announce("http://t.example/announce/key", &[]);
    let again = parse(&rewritten).expect("a rewritten torrent parses");
    assert_eq!(again.info_hashes(), meta.info_hashes());
    assert_eq!(again.files(), meta.files());
}

#[derive(Clone, Debug)]
enum Mutation {
    Flip { at: usize, xor: u8 },
    Truncate { at: usize },
    Delete { at: usize, len: usize },
    Insert { at: usize, bytes: Vec<u8> },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    // Bencode tokens make inserted bytes likelier to keep the input
    // decodable, so mutations reach past the decoder.
    let token = prop_oneof![
        Just(b"e".to_vec()),
        Just(b"le".to_vec()),
        Just(b"de".to_vec()),
        Just(b"i-1e".to_vec()),
        Just(b"0:".to_vec()),
        Just(b"2:..".to_vec()),
        prop::collection::vec(any::<u8>(), 1..4),
    ];
    prop_oneof![
        (any::<usize>(), 1..=255u8).prop_map(|(at, xor)| Mutation::Flip { at, xor }),
        any::<usize>().prop_map(|at| Mutation::Truncate { at }),
        (any::<usize>(), 1..8usize).prop_map(|(at, len)| Mutation::Delete { at, len }),
        (any::<usize>(), token).prop_map(|(at, bytes)| Mutation::Insert { at, bytes }),
    ]
}

fn apply(bytes: &mut Vec<u8>, mutation: &Mutation) {
    let at = |at: usize, len: usize| if len == 0 { 0 } else { at % len };
    match mutation {
        Mutation::Flip { at: i, xor } => {
            if !bytes.is_empty() {
                let i = at(*i, bytes.len());
                bytes[i] ^= xor;
            }
        }
        Mutation::Truncate { at: i } => bytes.truncate(at(*i, bytes.len())),
        Mutation::Delete { at: i, len } => {
            let start = at(*i, bytes.len());
            let end = (start + len).min(bytes.len());
            bytes.drain(start..end);
        }
        Mutation::Insert { at: i, bytes: new } => {
            let i = at(*i, bytes.len() + 1);
            bytes.splice(i..i, new.iter().copied());
        }
    }
}

/// Torrent-shaped bencode: keys and values drawn mostly from what the
/// parser looks for, so generated inputs get past the first checks.
fn torrentish() -> impl Strategy<Value = B> {
    let key = prop_oneof![
        Just(b"info".to_vec()),
        Just(b"name".to_vec()),
        Just(b"length".to_vec()),
        Just(b"files".to_vec()),
        Just(b"path".to_vec()),
        Just(b"path.utf-8".to_vec()),
        Just(b"pieces".to_vec()),
        Just(b"piece length".to_vec()),
        Just(b"meta version".to_vec()),
        Just(b"file tree".to_vec()),
        Just(b"pieces root".to_vec()),
        Just(b"piece layers".to_vec()),
        Just(b"private".to_vec()),
        Just(b"attr".to_vec()),
        Just(b"announce-list".to_vec()),
        Just(b"".to_vec()),
        Just(b"..".to_vec()),
        Just(b"a".to_vec()),
    ];
    let leaf = prop_oneof![
        prop_oneof![
            Just(0i64),
            Just(1),
            Just(-1),
            Just(2),
            Just(5),
            Just(16384),
            Just(1 << 20),
            Just(i64::MAX),
            Just(i64::MIN),
        ]
        .prop_map(B::Int),
        prop_oneof![
            Just(vec![b'h'; 20]),
            Just(vec![7u8; 32]),
            Just(b"p".to_vec()),
            Just(b"a".to_vec()),
            Just(Vec::new()),
            prop::collection::vec(any::<u8>(), 0..40),
        ]
        .prop_map(B::Str),
    ];
    leaf.prop_recursive(6, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(B::List),
            prop::collection::vec((key.clone(), inner), 0..6).prop_map(B::Dict),
        ]
    })
}

proptest! {
    #[test]
    fn with_announce_preserves_the_info_hash_for_arbitrary_announce_urls(
        index in 0..8usize,
        announce in any::<String>(),
        tiers in prop::collection::vec(prop::collection::vec(any::<String>(), 0..3), 0..4),
    ) {
        let bytes = &fixtures()[index];
        let meta = parse(bytes).unwrap();
        let rewritten = meta.with_announce(&announce, &tiers);
        let again = parse(&rewritten).unwrap();
        prop_assert_eq!(again.info_hashes(), meta.info_hashes());
        prop_assert_eq!(again.info_bytes(), meta.info_bytes());
        let expected_announce = (!announce.is_empty()).then_some(announce.as_str());
        prop_assert_eq!(again.announce(), expected_announce);
        let expected_tiers: Vec<Vec<String>> = tiers
            .iter()
            .map(|tier| tier.iter().filter(|url| !url.is_empty()).cloned().collect::<Vec<_>>())
            .filter(|tier| !tier.is_empty())
            .collect();
        prop_assert_eq!(again.announce_list(), expected_tiers.as_slice());

        let root = bencode::decode(&rewritten).unwrap();
        let keys: Vec<&[u8]> = root.value.as_dict().unwrap().iter().map(|(key, _)| *key).collect();
        prop_assert!(keys.windows(2).all(|pair| pair[0] < pair[1]), "top-level keys sorted");
    }

    #[test]
    fn parse_never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        if let Ok(meta) = parse(&bytes) {
            check_rewrite_round_trip(&meta);
        }
    }

    #[test]
    fn parse_never_panics_on_mutated_valid_torrents(
        index in 0..8usize,
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let mut bytes = fixtures()[index].clone();
        for mutation in &mutations {
            apply(&mut bytes, mutation);
        }
        if let Ok(meta) = parse(&bytes) {
            check_rewrite_round_trip(&meta);
        }
    }

    #[test]
    fn parse_never_panics_on_torrent_shaped_bencode(info in torrentish(), layers in torrentish()) {
        let bytes = B::Dict(vec![
            (b"info".to_vec(), info),
            (b"piece layers".to_vec(), layers),
        ])
        .encode();
        if let Ok(meta) = parse(&bytes) {
            prop_assert!(meta.total_size() > 0);
            prop_assert!(!meta.files().is_empty());
            check_rewrite_round_trip(&meta);
        }
    }
}
