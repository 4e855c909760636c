//! File lists and the path rules that keep a client inside its download
//! directory.
//!
//! A client writes a torrent's files to `<download dir>/<name>/<path...>`
//! (multi-file) or `<download dir>/<name>` (single file). BEP 3 gives each
//! path as a list of components precisely so that no component needs a
//! separator; BEP 52's file tree uses the components as dictionary keys. A
//! component that is empty, `.` or `..`, contains a separator or NUL, or
//! looks absolute can only be a mistake or an attack on the members who
//! download the file, so it is rejected rather than sanitised: the portal
//! serves the original bytes, and every client would have to sanitise them
//! the same way.
//!
//! Names are byte strings. BEP 3 says UTF-8, but older clients wrote the
//! system code page; such names are accepted, decoded lossily for display,
//! and flagged, and the `.utf-8` variants some clients add (`name.utf-8`,
//! `path.utf-8`) are preferred for display when present.

use std::collections::HashSet;

use crate::{Limits, MetainfoError};

/// One file of a torrent. Pad files (BEP 47) are left out: they are
/// alignment, not content.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct FileEntry {
    /// Path components below the torrent's directory (its `name`). In a
    /// single-file torrent this is one component, the file's name. Bytes
    /// that are not UTF-8 are replaced by U+FFFD.
    pub path: Vec<String>,
    /// `false` if some component was not valid UTF-8 and `path` is lossy.
    pub path_is_utf8: bool,
    /// Size in bytes.
    pub length: u64,
}

impl FileEntry {
    /// The components joined with `/`, for display.
    pub fn display_path(&self) -> String {
        self.path.join("/")
    }
}

/// A file as found in the info dictionary, borrowing its names.
#[derive(Clone, Debug)]
pub(crate) struct RawFile<'a> {
    /// Components from `path` (v1) or the file tree keys (v2). This is what
    /// the hybrid consistency check compares.
    pub path: Vec<&'a [u8]>,
    /// `path.utf-8` (v1 only), preferred for display.
    pub path_utf8: Option<Vec<&'a [u8]>>,
    pub length: u64,
    pub pad: bool,
    /// `pieces root` (v2 only, non-empty files only).
    pub pieces_root: Option<&'a [u8]>,
}

impl RawFile<'_> {
    pub fn to_entry(&self) -> FileEntry {
        let shown = self.path_utf8.as_ref().unwrap_or(&self.path);
        let mut path_is_utf8 = true;
        let path = shown
            .iter()
            .map(|component| {
                let (text, valid) = lossy(component);
                path_is_utf8 &= valid;
                text
            })
            .collect();
        FileEntry {
            path,
            path_is_utf8,
            length: self.length,
        }
    }
}

/// Decodes a name for display: the text, and whether it was valid UTF-8.
pub(crate) fn lossy(bytes: &[u8]) -> (String, bool) {
    match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_owned(), true),
        Err(_) => (String::from_utf8_lossy(bytes).into_owned(), false),
    }
}

/// A path for error messages: lossy, joined with `/`.
pub(crate) fn display(components: &[&[u8]]) -> String {
    let parts: Vec<String> = components.iter().map(|c| lossy(c).0).collect();
    parts.join("/")
}

/// Checks a path a client will create below the torrent's directory.
pub(crate) fn check_path(components: &[&[u8]], limits: &Limits) -> Result<(), MetainfoError> {
    if components.is_empty() {
        return Err(MetainfoError::EmptyPath);
    }
    if components.len() > limits.max_path_depth {
        return Err(MetainfoError::PathTooDeep {
            path: display(components),
            limit: limits.max_path_depth,
        });
    }
    for component in components {
        check_component(component, || display(components))?;
    }
    Ok(())
}

/// Checks one file or directory name; `path` renders the whole path for the
/// error message, and is only called on failure.
pub(crate) fn check_component(
    component: &[u8],
    path: impl FnOnce() -> String,
) -> Result<(), MetainfoError> {
    let is_separator = |byte: &u8| matches!(byte, b'/' | b'\\');
    match component {
        [] => Err(MetainfoError::EmptyComponent { path: path() }),
        b".." => Err(MetainfoError::PathTraversal { path: path() }),
        b"." => Err(MetainfoError::DotComponent { path: path() }),
        _ if component.contains(&0) => Err(MetainfoError::NulInComponent { path: path() }),
        // `C:x` is drive-relative on Windows: it escapes the download
        // directory as surely as `/x` does elsewhere.
        [first, ..] if is_separator(first) => Err(MetainfoError::AbsolutePath { path: path() }),
        [letter, b':', ..] if letter.is_ascii_alphabetic() => {
            Err(MetainfoError::AbsolutePath { path: path() })
        }
        _ if component.iter().any(is_separator) => {
            // `a/../../b` smuggles a traversal in one component; say so.
            if component.split(is_separator).any(|part| part == b"..") {
                Err(MetainfoError::PathTraversal { path: path() })
            } else {
                Err(MetainfoError::SeparatorInComponent { path: path() })
            }
        }
        _ => Ok(()),
    }
}

/// Adds a file's length to a running total, within
/// [`Limits::max_total_size`].
pub(crate) fn add_size(
    total: &mut u64,
    length: i64,
    limits: &Limits,
) -> Result<u64, MetainfoError> {
    let length = u64::try_from(length).map_err(|_| MetainfoError::NegativeLength(length))?;
    *total = total
        .checked_add(length)
        .filter(|total| *total <= limits.max_total_size)
        .ok_or(MetainfoError::TooLarge {
            limit: limits.max_total_size,
        })?;
    Ok(length)
}

/// Rejects two non-pad files with the same path. Pad files may repeat:
/// BEP 47 names them by size, so `.pad/16284` can occur more than once.
pub(crate) fn check_unique(files: &[RawFile<'_>]) -> Result<(), MetainfoError> {
    let mut seen = HashSet::with_capacity(files.len());
    for file in files.iter().filter(|file| !file.pad) {
        if !seen.insert(file.path.as_slice()) {
            return Err(MetainfoError::DuplicatePath {
                path: display(&file.path),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(components: &[&[u8]]) -> Result<(), MetainfoError> {
        check_path(components, &Limits::default())
    }

    fn path(text: &str) -> String {
        text.to_owned()
    }

    #[test]
    fn ordinary_paths_pass_including_dots_inside_names() {
        assert_eq!(check(&[b"dir", b"file.txt"]), Ok(()));
        assert_eq!(check(&[b"...", b".hidden", b"a..b"]), Ok(()));
        assert_eq!(check(&["Диск 2".as_bytes(), b"\xff\xfe"]), Ok(()));
    }

    #[test]
    fn dot_dot_anywhere_is_path_traversal() {
        let expected = Err(MetainfoError::PathTraversal {
            path: path("a/../b"),
        });
        assert_eq!(check(&[b"a", b"..", b"b"]), expected);
        let expected = Err(MetainfoError::PathTraversal {
            path: path("../../etc"),
        });
        assert_eq!(check(&[b"../../etc"]), expected);
        let expected = Err(MetainfoError::PathTraversal {
            path: path("x\\..\\y"),
        });
        assert_eq!(check(&[b"x\\..\\y"]), expected);
    }

    #[test]
    fn empty_paths_and_empty_or_dot_components_are_rejected() {
        assert_eq!(check(&[]), Err(MetainfoError::EmptyPath));
        let expected = Err(MetainfoError::EmptyComponent { path: path("a/") });
        assert_eq!(check(&[b"a", b""]), expected);
        let expected = Err(MetainfoError::DotComponent { path: path("./a") });
        assert_eq!(check(&[b".", b"a"]), expected);
    }

    #[test]
    fn absolute_components_are_rejected() {
        for component in [&b"/etc"[..], b"\\windows", b"C:", b"c:\\x"] {
            let result = check(&[component]);
            assert!(
                matches!(result, Err(MetainfoError::AbsolutePath { .. })),
                "{}: {result:?}",
                component.escape_ascii()
            );
        }
        assert_eq!(check(&[b"Star Wars: A New Hope"]), Ok(()));
    }

    #[test]
    fn separators_and_nul_inside_a_component_are_rejected() {
        let expected = Err(MetainfoError::SeparatorInComponent { path: path("a/b") });
        assert_eq!(check(&[b"a/b"]), expected);
        let expected = Err(MetainfoError::SeparatorInComponent { path: path("a\\b") });
        assert_eq!(check(&[b"a\\b"]), expected);
        let expected = Err(MetainfoError::NulInComponent {
            path: path("a\0.txt"),
        });
        assert_eq!(check(&[b"a\0.txt"]), expected);
    }

    #[test]
    fn paths_deeper_than_the_limit_are_rejected() {
        let limits = Limits {
            max_path_depth: 2,
            ..Limits::default()
        };
        assert_eq!(check_path(&[b"a", b"b"], &limits), Ok(()));
        let expected = Err(MetainfoError::PathTooDeep {
            path: path("a/b/c"),
            limit: 2,
        });
        assert_eq!(check_path(&[b"a", b"b", b"c"], &limits), expected);
    }

    #[test]
    fn utf8_variants_are_preferred_for_display_and_invalid_bytes_are_flagged() {
        let raw = RawFile {
            path: vec![b"caf\xe9"],
            path_utf8: None,
            length: 1,
            pad: false,
            pieces_root: None,
        };
        let entry = raw.to_entry();
        assert_eq!(entry.path, ["caf\u{fffd}"]);
        assert!(!entry.path_is_utf8);
        let with_utf8 = RawFile {
            path_utf8: Some(vec!["café".as_bytes()]),
            ..raw
        };
        let entry = with_utf8.to_entry();
        assert_eq!(entry.display_path(), "café");
        assert!(entry.path_is_utf8);
    }

    #[test]
    fn duplicate_paths_are_rejected_but_repeated_pad_files_are_not() {
        let file = |path: &'static [u8], pad| RawFile {
            path: vec![b".pad", path],
            path_utf8: None,
            length: 5,
            pad,
            pieces_root: None,
        };
        assert_eq!(check_unique(&[file(b"5", true), file(b"5", true)]), Ok(()));
        let expected = Err(MetainfoError::DuplicatePath {
            path: path(".pad/x"),
        });
        assert_eq!(
            check_unique(&[file(b"x", false), file(b"x", false)]),
            expected
        );
    }
}
