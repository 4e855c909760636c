//! Broken and hostile torrents, and the error each one gets.

mod support;

use metainfo::{Limits, Metainfo, MetainfoError};
use support::{
    B, dict, fixture, int, list, parse, pieces, replace_top_level, s, torrent, v1_multi, v1_single,
    v2_file, v2_info,
};

fn error(bytes: &[u8]) -> MetainfoError {
    match parse(bytes) {
        Ok(meta) => panic!("accepted: {meta:?}"),
        Err(error) => error,
    }
}

#[test]
fn a_valid_hand_built_torrent_is_accepted() {
    // The baseline the other cases break one thing at a time.
    assert!(parse(&torrent(v1_single("a.bin", 40000))).is_ok());
    assert!(parse(&torrent(v1_multi("dir", &[(&["a"], 1), (&["b", "c"], 2)]))).is_ok());
    assert!(parse(&torrent(v2_info("a.bin", dict([("a.bin", v2_file(5))])))).is_ok());
}

#[test]
fn truncated_torrents_are_reported_as_truncated() {
    let bytes = fixture("v1-multi.torrent");
    for cut in [1, 10, bytes.len() / 2, bytes.len() - 1] {
        let error = error(&bytes[..cut]);
        assert!(
            matches!(error, MetainfoError::Truncated(_)),
            "cut at {cut}: {error:?}"
        );
        assert_eq!(error.to_string(), "the .torrent file is truncated");
    }
}

#[test]
fn bytes_that_are_not_bencode_are_not_a_torrent() {
    for input in [
        &b"<!DOCTYPE html><html>"[..],
        b"PK\x03\x04",
        b"d4:infoi01ee",
        b"",
    ] {
        let error = error(input);
        assert!(
            matches!(
                error,
                MetainfoError::NotBencode(_) | MetainfoError::Truncated(_)
            ),
            "{}: {error:?}",
            input.escape_ascii()
        );
    }
    assert_eq!(
        error(b"<html>").to_string(),
        "this is not a .torrent file (not bencoded)"
    );
}

#[test]
fn trailing_garbage_after_the_torrent_is_rejected() {
    let mut bytes = fixture("v1-single.torrent");
    bytes.extend_from_slice(b"\r\n");
    assert!(matches!(error(&bytes), MetainfoError::TrailingBytes(_)));
}

#[test]
fn a_torrent_that_is_not_a_dictionary_is_rejected() {
    assert_eq!(error(b"li1ee"), MetainfoError::NotADictionary);
    assert_eq!(error(b"4:spam"), MetainfoError::NotADictionary);
}

#[test]
fn a_torrent_without_an_info_dictionary_is_rejected() {
    let bytes = dict([("announce", s("http://t/"))]).encode();
    assert_eq!(error(&bytes), MetainfoError::MissingInfo);
    assert_eq!(error(&bytes).to_string(), "the info dictionary is missing");
    let bytes = dict([("info", s("not a dict"))]).encode();
    assert_eq!(
        error(&bytes),
        MetainfoError::WrongType {
            key: "info",
            expected: "a dictionary"
        }
    );
}

#[test]
fn missing_required_keys_are_named() {
    let info = v1_single("a", 1);
    let cases = [
        ("name", "info.name"),
        ("piece length", "info.piece length"),
        ("pieces", "info.pieces"),
    ];
    for (key, named) in cases {
        let bytes = torrent(info.clone().without(key));
        assert_eq!(error(&bytes), MetainfoError::MissingKey(named), "{key}");
    }
    let no_path = dict([("length", int(1))]);
    let info = v1_multi("d", &[]).with("files", list([no_path]));
    assert_eq!(
        error(&torrent(info)),
        MetainfoError::MissingKey("info.files.path")
    );
    let info = v2_info(
        "a",
        dict([("a", dict([("", dict([("pieces root", s([1; 32]))]))]))]),
    );
    assert_eq!(
        error(&torrent(info)),
        MetainfoError::MissingKey("info.file tree.length")
    );
}

#[test]
fn ill_typed_keys_are_named() {
    let bytes = torrent(v1_single("a", 1).with("piece length", s("16384")));
    assert_eq!(
        error(&bytes),
        MetainfoError::WrongType {
            key: "info.piece length",
            expected: "a number"
        }
    );
    let bytes = torrent(v1_single("a", 1).with("name", int(1)));
    assert_eq!(error(&bytes).to_string(), "'info.name' should be a string");
    let bytes = torrent(v1_multi("d", &[(&["a"], 1)]).with("files", s("a")));
    assert_eq!(error(&bytes).to_string(), "'info.files' should be a list");
    let path_of_numbers = dict([("length", int(1)), ("path", list([int(1)]))]);
    let bytes = torrent(v1_multi("d", &[(&["a"], 1)]).with("files", list([path_of_numbers])));
    assert_eq!(
        error(&bytes).to_string(),
        "'info.files.path' should be a list of strings"
    );
}

#[test]
fn zero_negative_or_absurd_piece_lengths_are_rejected() {
    for length in [0, -16384, 1 << 30, i64::MAX] {
        let bytes = torrent(v1_single("a", 1).with("piece length", int(length)));
        assert_eq!(error(&bytes), MetainfoError::BadPieceLength(length));
    }
}

#[test]
fn v1_accepts_any_positive_piece_length() {
    let info = v1_single("a", 1000)
        .with("piece length", int(300))
        .with("pieces", pieces(4));
    assert_eq!(parse(&torrent(info)).unwrap().piece_length(), 300);
}

#[test]
fn v2_piece_lengths_must_be_powers_of_two_of_at_least_16_kib() {
    let tree = dict([("a", v2_file(5))]);
    for length in [8192, 20000, 3 << 14] {
        let info = v2_info("a", tree.clone()).with("piece length", int(length));
        assert_eq!(
            error(&torrent(info)),
            MetainfoError::BadV2PieceLength(length)
        );
    }
    let info = v2_info("a", tree).with("piece length", int(1 << 20));
    assert!(parse(&torrent(info)).is_ok());
}

#[test]
fn piece_hashes_that_are_not_a_multiple_of_20_are_rejected() {
    let bytes = torrent(v1_single("a", 1).with("pieces", s([0u8; 19])));
    let error = error(&bytes);
    assert_eq!(error, MetainfoError::PiecesNotMultipleOf20(19));
    assert!(
        error
            .to_string()
            .starts_with("piece hashes length is not a multiple of 20")
    );
}

#[test]
fn piece_hashes_that_do_not_match_the_size_are_rejected() {
    // 40000 bytes in 16 KiB pieces is three pieces.
    let bytes = torrent(v1_single("a", 40000).with("pieces", pieces(2)));
    assert_eq!(
        error(&bytes),
        MetainfoError::PieceCountMismatch {
            expected: 3,
            actual: 2
        }
    );
}

#[test]
fn path_traversal_is_rejected_in_v1_paths_v2_trees_and_names() {
    let v1 = torrent(v1_multi("d", &[(&["..", "..", "etc", "passwd"], 1)]));
    assert_eq!(
        error(&v1).to_string(),
        "file path contains '..': ../../etc/passwd"
    );
    let v2 = torrent(v2_info("d", dict([("..", dict([("x", v2_file(1))]))])));
    assert!(matches!(error(&v2), MetainfoError::PathTraversal { .. }));
    let name = torrent(v1_single("..", 1));
    assert!(matches!(error(&name), MetainfoError::PathTraversal { .. }));
    let hidden_in_utf8 = torrent(v1_single("a", 1).with("name.utf-8", s("..")));
    assert!(matches!(
        error(&hidden_in_utf8),
        MetainfoError::PathTraversal { .. }
    ));
}

#[test]
fn absolute_paths_separators_nul_and_empty_components_are_rejected() {
    let case = |path: &[&str]| error(&torrent(v1_multi("d", &[(path, 1)])));
    assert!(matches!(
        case(&["/etc", "x"]),
        MetainfoError::AbsolutePath { .. }
    ));
    assert!(matches!(
        case(&["C:\\x"]),
        MetainfoError::AbsolutePath { .. }
    ));
    assert!(matches!(
        case(&["a/b"]),
        MetainfoError::SeparatorInComponent { .. }
    ));
    assert!(matches!(
        case(&["a\0b"]),
        MetainfoError::NulInComponent { .. }
    ));
    assert!(matches!(
        case(&["a", ""]),
        MetainfoError::EmptyComponent { .. }
    ));
    assert!(matches!(case(&["."]), MetainfoError::DotComponent { .. }));
    assert_eq!(case(&[]), MetainfoError::EmptyPath);
    let v2 = torrent(v2_info("d", dict([("/abs", v2_file(1))])));
    assert!(matches!(error(&v2), MetainfoError::AbsolutePath { .. }));
}

#[test]
fn an_empty_name_is_rejected() {
    assert_eq!(error(&torrent(v1_single("", 1))), MetainfoError::EmptyName);
    assert_eq!(
        error(&torrent(v1_single("", 1))).to_string(),
        "the torrent name is empty"
    );
}

#[test]
fn huge_declared_sizes_are_rejected_before_anything_is_allocated_for_them() {
    let huge = torrent(v1_single("a", i64::MAX).with("pieces", pieces(1)));
    assert_eq!(
        error(&huge),
        MetainfoError::TooLarge {
            limit: Limits::default().max_total_size
        }
    );
    // Each file is fine alone; together they overflow u64 if added naively.
    let half = i64::MAX / 2 + 1;
    let many = torrent(v1_multi(
        "d",
        &[(&["a"], half), (&["b"], half), (&["c"], half)],
    ));
    assert!(matches!(error(&many), MetainfoError::TooLarge { .. }));
    let v2 = torrent(v2_info("a", dict([("a", v2_file(i64::MAX))])));
    assert!(matches!(error(&v2), MetainfoError::TooLarge { .. }));
    assert!(
        error(&huge)
            .to_string()
            .starts_with("the torrent is larger than ")
    );
}

#[test]
fn negative_lengths_are_rejected() {
    let bytes = torrent(v1_single("a", -1).with("pieces", pieces(0)));
    assert_eq!(error(&bytes), MetainfoError::NegativeLength(-1));
}

#[test]
fn torrents_whose_files_are_all_empty_are_rejected() {
    let bytes = torrent(v1_multi("d", &[(&["a"], 0), (&["b"], 0)]));
    assert_eq!(error(&bytes), MetainfoError::NoContent);
    let bytes = torrent(v1_multi("d", &[]));
    assert_eq!(error(&bytes), MetainfoError::NoFiles);
    let bytes = torrent(v2_info("d", dict::<&str>([])));
    assert_eq!(error(&bytes), MetainfoError::NoFiles);
}

#[test]
fn more_files_than_the_limit_are_rejected() {
    let limits = Limits {
        max_files: 2,
        ..Limits::default()
    };
    let v1 = torrent(v1_multi("d", &[(&["a"], 1), (&["b"], 1), (&["c"], 1)]));
    assert_eq!(
        Metainfo::parse(&v1, &limits).unwrap_err(),
        MetainfoError::TooManyFiles { limit: 2 }
    );
    let tree = dict([("a", v2_file(1)), ("b", v2_file(1)), ("c", v2_file(1))]);
    let v2 = torrent(v2_info("d", tree));
    assert_eq!(
        Metainfo::parse(&v2, &limits).unwrap_err(),
        MetainfoError::TooManyFiles { limit: 2 }
    );
}

#[test]
fn paths_deeper_than_the_limit_are_rejected() {
    let limits = Limits {
        max_path_depth: 3,
        ..Limits::default()
    };
    let v1 = torrent(v1_multi("d", &[(&["a", "b", "c", "d"], 1)]));
    assert!(matches!(
        Metainfo::parse(&v1, &limits),
        Err(MetainfoError::PathTooDeep { limit: 3, .. })
    ));
    let mut tree = v2_file(1);
    for name in ["d", "c", "b", "a"] {
        tree = dict([(name, tree)]);
    }
    let v2 = torrent(v2_info("d", tree));
    assert!(matches!(
        Metainfo::parse(&v2, &limits),
        Err(MetainfoError::PathTooDeep { limit: 3, .. })
    ));
}

#[test]
fn deeply_nested_input_is_too_complex_not_a_stack_overflow() {
    let mut bytes = b"d4:info".to_vec();
    bytes.extend(std::iter::repeat_n(b'l', 100_000));
    assert!(matches!(error(&bytes), MetainfoError::TooComplex(_)));
}

#[test]
fn input_beyond_the_size_limit_is_rejected_before_decoding() {
    let limits = Limits {
        max_input_bytes: 100,
        ..Limits::default()
    };
    let bytes = fixture("v1-single.torrent");
    assert_eq!(
        Metainfo::parse(&bytes, &limits).unwrap_err(),
        MetainfoError::InputTooLarge {
            size: bytes.len(),
            limit: 100
        }
    );
}

#[test]
fn duplicate_paths_are_rejected() {
    let bytes = torrent(v1_multi("d", &[(&["a"], 1), (&["a"], 2)]));
    assert_eq!(
        error(&bytes),
        MetainfoError::DuplicatePath { path: "a".into() }
    );
}

#[test]
fn a_v2_node_that_is_both_file_and_directory_is_rejected() {
    let node = v2_file(1).with("child", v2_file(1));
    let bytes = torrent(v2_info("d", dict([("a", node)])));
    assert_eq!(
        error(&bytes),
        MetainfoError::FileAndDirectory { path: "a".into() }
    );
}

#[test]
fn a_v2_file_without_a_valid_pieces_root_is_rejected() {
    let cases = [
        dict([("", dict([("length", int(5))]))]),
        dict([(
            "",
            dict([("length", int(5)), ("pieces root", s([1u8; 31]))]),
        )]),
        dict([(
            "",
            dict([("length", int(5)), ("pieces root", s([0u8; 32]))]),
        )]),
    ];
    for file in cases {
        let bytes = torrent(v2_info("a", dict([("a", file)])));
        assert_eq!(
            error(&bytes),
            MetainfoError::BadPiecesRoot { path: "a".into() }
        );
    }
    // Empty files have no root, and need none.
    let empty = dict([("", dict([("length", int(0))]))]);
    let tree = dict([("a", v2_file(5)), ("empty", empty)]);
    assert!(parse(&torrent(v2_info("d", tree))).is_ok());
}

#[test]
fn unknown_or_missing_meta_versions_are_rejected() {
    let tree = dict([("a", v2_file(5))]);
    let info = v2_info("a", tree.clone()).with("meta version", int(3));
    assert_eq!(error(&torrent(info)), MetainfoError::UnsupportedVersion(3));
    let info = v2_info("a", tree).without("meta version");
    assert_eq!(
        error(&torrent(info)),
        MetainfoError::MissingKey("info.meta version")
    );
}

#[test]
fn a_private_flag_other_than_0_or_1_is_rejected() {
    assert!(
        !parse(&torrent(v1_single("a", 1).with("private", int(0))))
            .unwrap()
            .is_private()
    );
    assert!(
        parse(&torrent(v1_single("a", 1).with("private", int(1))))
            .unwrap()
            .is_private()
    );
    let bytes = torrent(v1_single("a", 1).with("private", int(2)));
    assert_eq!(error(&bytes), MetainfoError::BadPrivateFlag(2));
}

#[test]
fn a_v2_file_larger_than_a_piece_needs_its_piece_layer() {
    let bytes = fixture("v2-multi.torrent");
    let without = replace_top_level(&bytes, b"piece layers", None);
    assert!(matches!(
        error(&without),
        MetainfoError::MissingPieceLayer { .. }
    ));
    let empty = replace_top_level(&bytes, b"piece layers", Some(b"de"));
    assert!(matches!(
        error(&empty),
        MetainfoError::MissingPieceLayer { .. }
    ));
}

#[test]
fn a_piece_layer_that_does_not_hash_to_its_root_is_rejected() {
    let bytes = fixture("v2-single.torrent");
    let mut layers = support::top_level_value(&bytes, b"piece layers");
    // Flip a bit in the last hash of the layer, keeping its length.
    let last = layers.len() - 2;
    layers[last] ^= 1;
    let corrupted = replace_top_level(&bytes, b"piece layers", Some(&layers));
    assert_eq!(
        error(&corrupted),
        MetainfoError::BadPieceLayer {
            path: "single.bin".into()
        }
    );
}

#[test]
fn a_piece_layer_of_the_wrong_length_is_rejected() {
    let bytes = fixture("v2-single.torrent");
    let layers = bencode::decode(&support::top_level_value(&bytes, b"piece layers"))
        .unwrap()
        .value
        .as_dict()
        .unwrap()
        .iter()
        .map(|(root, layer)| {
            let layer = layer.value.as_bytes().unwrap();
            (root.to_vec(), s(&layer[..layer.len() - 32]))
        })
        .collect::<Vec<_>>();
    let short = B::Dict(layers).encode();
    let corrupted = replace_top_level(&bytes, b"piece layers", Some(&short));
    assert!(matches!(
        error(&corrupted),
        MetainfoError::BadPieceLayer { .. }
    ));
}

#[test]
fn hybrid_torrents_whose_halves_disagree_are_rejected() {
    // v1 says 5 bytes, v2 says 6.
    let info = v2_info("a", dict([("a", v2_file(6))]))
        .with("length", int(5))
        .with("pieces", pieces(1));
    let error = error(&torrent(info));
    assert_eq!(
        error.to_string(),
        "the v1 and v2 file lists disagree: v1 has 'a' (5 bytes) where v2 has 'a' (6 bytes)"
    );

    // Same files, but v1 lacks the pad file that would align `b`.
    let tree = dict([("a", v2_file(5)), ("b", v2_file(5))]);
    let files = list([
        dict([("length", int(5)), ("path", list([s("a")]))]),
        dict([("length", int(5)), ("path", list([s("b")]))]),
    ]);
    let info = v2_info("d", tree)
        .with("files", files)
        .with("pieces", pieces(1));
    assert!(matches!(
        parse(&torrent(info)),
        Err(MetainfoError::HybridMismatch(detail)) if detail.contains("piece boundary")
    ));

    // v2 has a file that v1 lacks.
    let tree = dict([("a", v2_file(5)), ("b", v2_file(5))]);
    let info = v2_info("d", tree)
        .with(
            "files",
            list([dict([("length", int(5)), ("path", list([s("a")]))])]),
        )
        .with("pieces", pieces(1));
    assert!(matches!(
        parse(&torrent(info)),
        Err(MetainfoError::HybridMismatch(detail)) if detail.contains("v2 has 'b'")
    ));
}

#[test]
fn a_hybrid_torrent_with_aligning_pad_files_is_accepted() {
    let tree = dict([("a", v2_file(5)), ("b", v2_file(5))]);
    let pad = dict([
        ("attr", s("p")),
        ("length", int(16384 - 5)),
        ("path", list([s(".pad"), s("16379")])),
    ]);
    let files = list([
        dict([("length", int(5)), ("path", list([s("a")]))]),
        pad,
        dict([("length", int(5)), ("path", list([s("b")]))]),
    ]);
    let info = v2_info("d", tree)
        .with("files", files)
        .with("pieces", pieces(2));
    let meta = parse(&torrent(info)).unwrap();
    assert_eq!(meta.kind(), metainfo::TorrentKind::Hybrid);
    assert_eq!(meta.files().len(), 2);
    assert_eq!(meta.total_size(), 10);
}
