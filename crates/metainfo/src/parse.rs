//! From bytes to a [`Metainfo`]: decoding, the top-level keys, the parts of
//! the info dictionary that v1 and v2 share, and the hybrid consistency
//! check.
//!
//! Which halves a torrent has is read from its keys: `meta version` or
//! `file tree` make it v2 (BEP 52); `pieces`, `length` or `files` make it
//! v1 (BEP 3); both make it hybrid, and then each half must be complete and
//! they must describe the same files at the same piece-aligned offsets.
//!
//! Keys inside `info` are checked strictly, because they decide what
//! members download and what the info-hash is. Keys outside it (`announce`,
//! `announce-list` from BEP 12, `comment`, `created by`, `creation date`)
//! are informational and replaced or ignored by the portal, so an ill-typed
//! one is treated as absent, as libtorrent does.

use std::ops::Range;

use bencode::{Spanned, Strictness};

use crate::files::{self, FileEntry, RawFile};
use crate::keys::{self, Dict};
use crate::v1::{self, Common};
use crate::v2::{self, BLOCK_SIZE};
use crate::{InfoHashes, Limits, MAX_PIECE_LENGTH, Metainfo, MetainfoError, TorrentKind};

pub(crate) fn parse(input: &[u8], limits: &Limits) -> Result<Metainfo, MetainfoError> {
    if input.len() > limits.max_input_bytes {
        return Err(MetainfoError::InputTooLarge {
            size: input.len(),
            limit: limits.max_input_bytes,
        });
    }
    let decoded = bencode::decode_with(input, limits.decoder_limits(), Strictness::Lenient)
        .map_err(MetainfoError::from_decode)?;
    let root = decoded
        .value
        .as_dict()
        .ok_or(MetainfoError::NotADictionary)?;
    let info = root
        .iter()
        .find(|(key, _)| *key == b"info")
        .map(|(_, value)| value)
        .ok_or(MetainfoError::MissingInfo)?;
    let info_dict = info.value.as_dict().ok_or(MetainfoError::WrongType {
        key: "info",
        expected: "a dictionary",
    })?;
    let content = parse_info(info_dict, root, limits)?;
    // The hash is over the bytes as found, never a re-encoding: real files
    // are not always canonical, and BEP 3 hashes what is in the file.
    let info_hashes = InfoHashes::compute(&input[info.span.clone()], content.kind);

    let text = |key: &[u8]| {
        keys::find(root, key)
            .and_then(|value| value.as_bytes())
            .map(|bytes| files::lossy(bytes).0)
    };
    Ok(Metainfo {
        bytes: input.to_vec(),
        info_span: info.span.clone(),
        top_level: top_level_spans(root),
        info_hashes,
        name: content.name,
        name_is_utf8: content.name_is_utf8,
        piece_length: content.piece_length,
        total_size: content.total_size,
        files: content.files,
        single_file: content.single_file,
        private: content.private,
        announce: text(b"announce").filter(|url| !url.is_empty()),
        announce_list: announce_list(root),
        comment: text(b"comment.utf-8").or_else(|| text(b"comment")),
        created_by: text(b"created by"),
        creation_date: keys::find(root, b"creation date")
            .and_then(|value| value.as_int())
            .filter(|date| *date >= 0),
    })
}

/// What the info dictionary says, owned.
struct Content {
    kind: TorrentKind,
    name: String,
    name_is_utf8: bool,
    piece_length: u64,
    files: Vec<FileEntry>,
    total_size: u64,
    single_file: bool,
    private: bool,
}

fn parse_info(info: &Dict<'_>, root: &Dict<'_>, limits: &Limits) -> Result<Content, MetainfoError> {
    let version = keys::int(info, b"meta version", "info.meta version")?;
    if let Some(version) = version.filter(|version| *version != 2) {
        return Err(MetainfoError::UnsupportedVersion(version));
    }
    let has_tree = keys::find(info, b"file tree").is_some();
    if has_tree && version.is_none() {
        return Err(MetainfoError::MissingKey("info.meta version"));
    }
    let has_v2 = version.is_some();
    let has_v1 = [&b"pieces"[..], b"length", b"files"]
        .iter()
        .any(|key| keys::find(info, key).is_some());
    let kind = match (has_v1, has_v2) {
        (true, true) => TorrentKind::Hybrid,
        (true, false) => TorrentKind::V1,
        (false, true) => TorrentKind::V2,
        (false, false) => return Err(MetainfoError::MissingKey("info.pieces")),
    };

    let declared = keys::required(
        keys::int(info, b"piece length", "info.piece length")?,
        "info.piece length",
    )?;
    let piece_length = u64::try_from(declared)
        .ok()
        .filter(|length| (1..=MAX_PIECE_LENGTH).contains(length))
        .ok_or(MetainfoError::BadPieceLength(declared))?;
    if has_v2 && (piece_length < BLOCK_SIZE || !piece_length.is_power_of_two()) {
        return Err(MetainfoError::BadV2PieceLength(declared));
    }

    let name = keys::required(keys::bytes(info, b"name", "info.name")?, "info.name")?;
    // Like libtorrent, ignore a `name.utf-8` that is not a string; hold one
    // that is to the same rules as `name`.
    let name_utf8 = keys::find(info, b"name.utf-8").and_then(|value| value.as_bytes());
    for name in std::iter::once(name).chain(name_utf8) {
        if name.is_empty() {
            return Err(MetainfoError::EmptyName);
        }
        files::check_component(name, || files::lossy(name).0)?;
    }
    let (display_name, name_is_utf8) = files::lossy(name_utf8.unwrap_or(name));

    let private = match keys::int(info, b"private", "info.private")? {
        None | Some(0) => false,
        Some(1) => true,
        Some(other) => return Err(MetainfoError::BadPrivateFlag(other)),
    };

    let common = Common {
        name,
        name_utf8,
        piece_length,
    };
    let (raw_files, single_file) = match kind {
        TorrentKind::V1 => {
            let v1 = v1::parse(info, common, limits)?;
            (v1.files, v1.single_file)
        }
        TorrentKind::V2 => {
            let v2 = v2::parse(info, root, piece_length, limits)?;
            (v2.files, v2.single_file)
        }
        TorrentKind::Hybrid => {
            let v1 = v1::parse(info, common, limits)?;
            let v2 = v2::parse(info, root, piece_length, limits)?;
            check_hybrid(&v1.files, &v2.files, piece_length)?;
            (v1.files, v1.single_file)
        }
    };

    let files: Vec<FileEntry> = raw_files
        .iter()
        .filter(|file| !file.pad)
        .map(RawFile::to_entry)
        .collect();
    // Each half kept its total within `max_total_size`, so this cannot
    // overflow.
    let total_size = files.iter().map(|file| file.length).sum();
    if total_size == 0 {
        return Err(MetainfoError::NoContent);
    }
    Ok(Content {
        kind,
        name: display_name,
        name_is_utf8,
        piece_length,
        files,
        total_size,
        single_file,
        private,
    })
}

/// BEP 52 requires a hybrid torrent's halves to describe the same files in
/// the same order, with v1 pad files aligning each non-empty file to a
/// piece boundary so that v1 and v2 pieces cover the same bytes.
fn check_hybrid(
    v1: &[RawFile<'_>],
    v2: &[RawFile<'_>],
    piece_length: u64,
) -> Result<(), MetainfoError> {
    let mismatch = |detail: String| Err(MetainfoError::HybridMismatch(detail));
    let describe =
        |file: &RawFile<'_>| format!("'{}' ({} bytes)", files::display(&file.path), file.length);
    let mut offset = 0u64;
    let mut v2_files = v2.iter();
    for file in v1 {
        // Both halves stayed within `max_total_size`, so no overflow.
        let start = offset;
        offset += file.length;
        if file.pad {
            continue;
        }
        let Some(other) = v2_files.next() else {
            return mismatch(format!("v1 has {} but v2 does not", describe(file)));
        };
        if file.path != other.path || file.length != other.length {
            return mismatch(format!(
                "v1 has {} where v2 has {}",
                describe(file),
                describe(other)
            ));
        }
        if file.length > 0 && !start.is_multiple_of(piece_length) {
            return mismatch(format!(
                "{} does not start on a piece boundary in v1 (a pad file is missing)",
                describe(file)
            ));
        }
    }
    if let Some(extra) = v2_files.next() {
        return mismatch(format!("v2 has {} but v1 does not", describe(extra)));
    }
    Ok(())
}

/// BEP 12 tiers, skipping entries of the wrong type and empty URLs and
/// tiers, which clients skip too.
fn announce_list(root: &Dict<'_>) -> Vec<Vec<String>> {
    let Some(tiers) = keys::find(root, b"announce-list").and_then(|value| value.as_list()) else {
        return Vec::new();
    };
    tiers
        .iter()
        .filter_map(|tier| tier.value.as_list())
        .map(|tier| {
            tier.iter()
                .filter_map(|url| url.value.as_bytes())
                .filter(|url| !url.is_empty())
                .map(|url| files::lossy(url).0)
                .collect::<Vec<_>>()
        })
        .filter(|tier| !tier.is_empty())
        .collect()
}

/// Each top-level key with the span of its value, in input order, for
/// [`Metainfo::with_announce`] to splice from.
fn top_level_spans(root: &[(&[u8], Spanned<'_>)]) -> Vec<(Vec<u8>, Range<usize>)> {
    root.iter()
        .map(|(key, value)| (key.to_vec(), value.span.clone()))
        .collect()
}
