//! The BEP 3 half of an info dictionary: `length` or `files`, and `pieces`.
//!
//! A single-file torrent has `length`, and its file is called `name`. A
//! multi-file torrent has `files`, a list of `{length, path}` where `path`
//! is a list of components below the directory `name`. `pieces` is the
//! concatenated SHA-1 of every `piece length` bytes of the files laid end
//! to end, so its length is fixed by the total size: 20 bytes times the
//! number of pieces, the last one possibly short.
//!
//! Hybrid torrents (BEP 52) align every file to a piece boundary with pad
//! files (BEP 47: `attr` containing `p`), which count towards the pieces
//! but are not content. BitComet marks its pad files by name instead
//! (`_____padding_file_…`), and libtorrent honours that, so we do too.

use bencode::Spanned;

use crate::files::{self, RawFile};
use crate::keys::{self, Dict};
use crate::{Limits, MetainfoError};

/// The files of a v1 torrent, pad files included, in file order.
#[derive(Debug)]
pub(crate) struct V1<'a> {
    pub files: Vec<RawFile<'a>>,
    pub single_file: bool,
}

/// The parts of the info dictionary both halves share.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Common<'a> {
    pub name: &'a [u8],
    pub name_utf8: Option<&'a [u8]>,
    pub piece_length: u64,
}

pub(crate) fn parse<'a>(
    info: &Dict<'a>,
    common: Common<'a>,
    limits: &Limits,
) -> Result<V1<'a>, MetainfoError> {
    let length = keys::int(info, b"length", "info.length")?;
    let file_list = keys::list(info, b"files", "info.files")?;
    let mut total = 0;
    let (files, single_file) = match (length, file_list) {
        (Some(_), Some(_)) => return Err(MetainfoError::LengthAndFiles),
        (None, None) => return Err(MetainfoError::MissingFileList),
        (Some(length), None) => {
            let file = RawFile {
                path: vec![common.name],
                path_utf8: common.name_utf8.map(|name| vec![name]),
                length: files::add_size(&mut total, length, limits)?,
                pad: false,
                pieces_root: None,
            };
            (vec![file], true)
        }
        (None, Some(list)) => {
            if list.is_empty() {
                return Err(MetainfoError::NoFiles);
            }
            if list.len() > limits.max_files {
                return Err(MetainfoError::TooManyFiles {
                    limit: limits.max_files,
                });
            }
            let files = list
                .iter()
                .map(|entry| parse_file(entry, &mut total, limits))
                .collect::<Result<Vec<_>, _>>()?;
            files::check_unique(&files)?;
            (files, false)
        }
    };
    check_pieces(info, total, common.piece_length)?;
    Ok(V1 { files, single_file })
}

fn parse_file<'a>(
    entry: &Spanned<'a>,
    total: &mut u64,
    limits: &Limits,
) -> Result<RawFile<'a>, MetainfoError> {
    let entry = entry.value.as_dict().ok_or(MetainfoError::WrongType {
        key: "info.files",
        expected: "a list of dictionaries",
    })?;
    let length = keys::required(
        keys::int(entry, b"length", "info.files.length")?,
        "info.files.length",
    )?;
    let path = keys::required(
        keys::list(entry, b"path", "info.files.path")?,
        "info.files.path",
    )?;
    let path = keys::byte_strings(path, "info.files.path")?;
    files::check_path(&path, limits)?;
    // Like libtorrent, use `path.utf-8` only when it is well-formed; a
    // malformed optional copy is no reason to refuse the torrent. A
    // well-formed one is held to the same rules, since some clients write
    // files under it.
    let path_utf8 = match keys::find(entry, b"path.utf-8").and_then(|value| value.as_list()) {
        Some(items) => keys::byte_strings(items, "info.files.path.utf-8").ok(),
        None => None,
    };
    if let Some(path_utf8) = &path_utf8 {
        files::check_path(path_utf8, limits)?;
    }
    let attr = keys::find(entry, b"attr").and_then(|value| value.as_bytes());
    let pad = attr.is_some_and(|attr| attr.contains(&b'p'))
        || path
            .last()
            .is_some_and(|name| name.starts_with(b"_____padding_file_"));
    Ok(RawFile {
        length: files::add_size(total, length, limits)?,
        path,
        path_utf8,
        pad,
        pieces_root: None,
    })
}

/// `pieces` must hold one 20-byte hash per piece of `total` bytes.
fn check_pieces(info: &Dict<'_>, total: u64, piece_length: u64) -> Result<(), MetainfoError> {
    let pieces = keys::required(keys::bytes(info, b"pieces", "info.pieces")?, "info.pieces")?;
    if !pieces.len().is_multiple_of(20) {
        return Err(MetainfoError::PiecesNotMultipleOf20(pieces.len()));
    }
    let expected = total.div_ceil(piece_length);
    // usize is at most 64 bits on every target Rust supports.
    let actual = (pieces.len() / 20) as u64;
    if actual != expected {
        return Err(MetainfoError::PieceCountMismatch { expected, actual });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A parsed v1 half, owned: whether it is single-file, and each file's
    /// path, length and pad flag.
    type Summary = (bool, Vec<(String, u64, bool)>);

    fn parse_info(info: &[u8]) -> Result<Summary, MetainfoError> {
        let decoded = bencode::decode(info).unwrap();
        let info = decoded.value.as_dict().unwrap();
        let common = Common {
            name: b"name",
            name_utf8: None,
            piece_length: 4,
        };
        let v1 = parse(info, common, &Limits::default())?;
        let files = v1
            .files
            .iter()
            .map(|file| (files::display(&file.path), file.length, file.pad))
            .collect();
        Ok((v1.single_file, files))
    }

    fn pieces(count: usize) -> String {
        format!("6:pieces{}:{}", count * 20, "x".repeat(count * 20))
    }

    #[test]
    fn a_single_file_is_named_after_the_torrent() {
        let info = format!("d6:lengthi5e{}e", pieces(2));
        let (single, files) = parse_info(info.as_bytes()).unwrap();
        assert!(single);
        assert_eq!(files, [("name".to_owned(), 5, false)]);
    }

    #[test]
    fn pad_files_are_recognised_by_attribute_and_by_bitcomet_name() {
        let info = format!(
            "d5:filesld6:lengthi3e4:pathl1:aeed4:attr1:p6:lengthi1e4:pathl4:.pad1:1eed6:lengthi4e4:pathl25:_____padding_file_0_abcdeeee{}e",
            pieces(2)
        );
        let (single, files) = parse_info(info.as_bytes()).unwrap();
        assert!(!single);
        let pads: Vec<bool> = files.iter().map(|file| file.2).collect();
        assert_eq!(pads, [false, true, true]);
    }

    #[test]
    fn the_piece_count_follows_from_the_total_size_pad_files_included() {
        // 3 + 1 + 4 = 8 bytes in 4-byte pieces: two hashes, not one or three.
        let info = |count| {
            format!(
                "d5:filesld6:lengthi3e4:pathl1:aeed4:attr1:p6:lengthi1e4:pathl1:peed6:lengthi4e4:pathl1:beee{}e",
                pieces(count)
            )
        };
        assert!(parse_info(info(2).as_bytes()).is_ok());
        assert_eq!(
            parse_info(info(1).as_bytes()),
            Err(MetainfoError::PieceCountMismatch {
                expected: 2,
                actual: 1
            })
        );
        assert_eq!(
            parse_info(info(3).as_bytes()),
            Err(MetainfoError::PieceCountMismatch {
                expected: 2,
                actual: 3
            })
        );
    }

    #[test]
    fn a_malformed_path_utf8_is_ignored_but_a_traversing_one_is_rejected() {
        let ignored = format!(
            "d5:filesld6:lengthi3e4:pathl1:ae10:path.utf-8i1eee{}e",
            pieces(1)
        );
        assert!(parse_info(ignored.as_bytes()).is_ok());
        let traversing = format!(
            "d5:filesld6:lengthi3e4:pathl1:ae10:path.utf-8l2:..eee{}e",
            pieces(1)
        );
        assert_eq!(
            parse_info(traversing.as_bytes()),
            Err(MetainfoError::PathTraversal { path: "..".into() })
        );
    }

    #[test]
    fn length_and_files_together_or_neither_are_rejected() {
        let both = format!("d5:filesle6:lengthi1e{}e", pieces(1));
        assert_eq!(
            parse_info(both.as_bytes()),
            Err(MetainfoError::LengthAndFiles)
        );
        let neither = format!("d{}e", pieces(1));
        assert_eq!(
            parse_info(neither.as_bytes()),
            Err(MetainfoError::MissingFileList)
        );
        let empty = format!("d5:filesle{}e", pieces(0));
        assert_eq!(parse_info(empty.as_bytes()), Err(MetainfoError::NoFiles));
    }
}
