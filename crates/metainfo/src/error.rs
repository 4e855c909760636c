//! Why a .torrent was rejected, in words an uploader can act on.
//!
//! Every variant's `Display` is meant to be shown to the person who uploaded
//! the file, so it names the problem in the file, not in this code. Where a
//! file path is involved it is included, lossily decoded and joined with `/`.

use bencode::DecodeError;

/// A reason [`crate::Metainfo::parse`] refused its input.
///
/// Each variant is a distinct thing the uploader can fix; none of them is a
/// bug in the caller, and none is worth retrying with the same bytes.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MetainfoError {
    /// The input is longer than [`crate::Limits::max_input_bytes`]; it was
    /// not decoded at all.
    #[error("the file is {size} bytes, more than the {limit} bytes a .torrent may have")]
    InputTooLarge { size: usize, limit: usize },

    /// The bytes are not bencode: a stray byte, a malformed integer or
    /// string length. The source carries the offset.
    #[error("this is not a .torrent file (not bencoded)")]
    NotBencode(#[source] DecodeError),

    /// The bencode ends in the middle of a value, typically a download that
    /// was cut short.
    #[error("the .torrent file is truncated")]
    Truncated(#[source] DecodeError),

    /// A complete value is followed by more bytes.
    #[error("the .torrent file has extra bytes after its end")]
    TrailingBytes(#[source] DecodeError),

    /// The bencode nests deeper or holds more items than the limits derived
    /// from [`crate::Limits`] allow.
    #[error("the .torrent file is nested too deeply or has too many entries")]
    TooComplex(#[source] DecodeError),

    /// The top-level value is not a dictionary.
    #[error("this is not a .torrent file (not a dictionary)")]
    NotADictionary,

    /// There is no `info` key at the top level.
    #[error("the info dictionary is missing")]
    MissingInfo,

    /// A key that BEP 3 or BEP 52 requires is absent. The key is named by
    /// its place in the file, such as `info.piece length`.
    #[error("the required key '{0}' is missing")]
    MissingKey(&'static str),

    /// A key holds the wrong bencode type, such as a string where a number
    /// belongs.
    #[error("'{key}' should be {expected}")]
    WrongType {
        key: &'static str,
        expected: &'static str,
    },

    /// `meta version` is present but not 2, the only version BEP 52 defines.
    #[error("meta version {0} is not supported (only version 2 is)")]
    UnsupportedVersion(i64),

    /// A v1 info dictionary has both `length` (single file) and `files`
    /// (multi-file), so it is unclear which one it is.
    #[error("the info dictionary has both 'length' and 'files'")]
    LengthAndFiles,

    /// `piece length` is zero, negative, or larger than
    /// [`crate::MAX_PIECE_LENGTH`].
    #[error("the piece length {0} is not between 1 byte and 512 MiB")]
    BadPieceLength(i64),

    /// A v2 (or hybrid) torrent's `piece length` is not a power of two of
    /// at least 16 KiB, as BEP 52 requires.
    #[error("the piece length {0} is not a power of two of at least 16 KiB, as v2 requires")]
    BadV2PieceLength(i64),

    /// `pieces` is not a whole number of 20-byte SHA-1 hashes.
    #[error("piece hashes length is not a multiple of 20 ({0} bytes)")]
    PiecesNotMultipleOf20(usize),

    /// `pieces` holds a different number of hashes than the total size and
    /// the piece length call for.
    #[error("the torrent has {actual} piece hashes, but its size needs {expected}")]
    PieceCountMismatch { expected: u64, actual: u64 },

    /// A file `length` is negative.
    #[error("a file length is negative ({0})")]
    NegativeLength(i64),

    /// The files add up to more than [`crate::Limits::max_total_size`].
    #[error("the torrent is larger than {limit} bytes")]
    TooLarge { limit: u64 },

    /// There are more files (pad files included) than
    /// [`crate::Limits::max_files`].
    #[error("the torrent has more than {limit} files")]
    TooManyFiles { limit: usize },

    /// A v1 info dictionary has neither `length` (single file) nor `files`
    /// (multi-file).
    #[error("the info dictionary has neither 'length' nor 'files'")]
    MissingFileList,

    /// The file list or file tree is empty.
    #[error("the torrent contains no files")]
    NoFiles,

    /// Every file is empty, so there is nothing to share.
    #[error("the torrent's files are all empty")]
    NoContent,

    /// `name` is empty.
    #[error("the torrent name is empty")]
    EmptyName,

    /// A file's `path` list has no components.
    #[error("a file path is empty")]
    EmptyPath,

    /// A path component (or the name) is the empty string.
    #[error("file path contains an empty name: {path}")]
    EmptyComponent { path: String },

    /// A path component (or the name) is `..`, which would escape the
    /// download directory.
    #[error("file path contains '..': {path}")]
    PathTraversal { path: String },

    /// A path component (or the name) is `.`.
    #[error("file path contains '.': {path}")]
    DotComponent { path: String },

    /// A path component (or the name) starts with `/`, `\` or a drive
    /// letter such as `C:`, so a client could write outside its download
    /// directory.
    #[error("file path is absolute: {path}")]
    AbsolutePath { path: String },

    /// A path component (or the name) contains `/` or `\`: components are
    /// separate list items, so a separator inside one is an attempt to
    /// smuggle in more directory levels.
    #[error("file path contains a path separator inside a name: {path}")]
    SeparatorInComponent { path: String },

    /// A path component (or the name) contains a NUL byte, which would
    /// truncate it on every operating system.
    #[error("file path contains a NUL byte: {path}")]
    NulInComponent { path: String },

    /// A path has more components than [`crate::Limits::max_path_depth`].
    #[error("file path is nested more than {limit} levels deep: {path}")]
    PathTooDeep { path: String, limit: usize },

    /// Two files have the same path.
    #[error("the file {path} appears twice")]
    DuplicatePath { path: String },

    /// In a v2 file tree, a node is both a file and a directory.
    #[error("{path} is both a file and a directory")]
    FileAndDirectory { path: String },

    /// `private` is present with a value other than 0 or 1 (BEP 27).
    #[error("the 'private' flag must be 0 or 1, not {0}")]
    BadPrivateFlag(i64),

    /// A non-empty v2 file has no 32-byte `pieces root`.
    #[error("the file {path} has no valid 'pieces root'")]
    BadPiecesRoot { path: String },

    /// A v2 file larger than one piece has no entry in `piece layers`.
    #[error("the piece layer of {path} is missing")]
    MissingPieceLayer { path: String },

    /// A v2 piece layer has the wrong length for its file, or its hashes do
    /// not add up to the file's `pieces root`.
    #[error("the piece layer of {path} does not match the file's size or pieces root")]
    BadPieceLayer { path: String },

    /// A hybrid torrent's v1 `files` (pad files aside) and v2 `file tree`
    /// describe different files, so v1 and v2 peers would download
    /// different content.
    #[error("the v1 and v2 file lists disagree: {0}")]
    HybridMismatch(String),
}

impl MetainfoError {
    /// Classifies a decoder error by what the uploader would need to do.
    pub(crate) fn from_decode(error: DecodeError) -> Self {
        use bencode::DecodeErrorKind as Kind;
        match error.kind {
            Kind::UnexpectedEof | Kind::LengthTooLong => Self::Truncated(error),
            Kind::TrailingBytes => Self::TrailingBytes(error),
            Kind::TooDeep(_) | Kind::TooManyItems(_) => Self::TooComplex(error),
            Kind::UnexpectedByte(_) | Kind::InvalidInteger | Kind::UnsortedKeys => {
                Self::NotBencode(error)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bencode::DecodeErrorKind;

    #[test]
    fn decoder_errors_are_classified_by_what_went_wrong() {
        let at = |kind| DecodeError { offset: 3, kind };
        assert!(matches!(
            MetainfoError::from_decode(at(DecodeErrorKind::UnexpectedEof)),
            MetainfoError::Truncated(_)
        ));
        assert!(matches!(
            MetainfoError::from_decode(at(DecodeErrorKind::TrailingBytes)),
            MetainfoError::TrailingBytes(_)
        ));
        assert!(matches!(
            MetainfoError::from_decode(at(DecodeErrorKind::TooDeep(4))),
            MetainfoError::TooComplex(_)
        ));
        assert!(matches!(
            MetainfoError::from_decode(at(DecodeErrorKind::UnexpectedByte(b'x'))),
            MetainfoError::NotBencode(_)
        ));
    }

    #[test]
    fn messages_name_the_problem_without_internals() {
        let error = MetainfoError::NotBencode(DecodeError {
            offset: 0,
            kind: DecodeErrorKind::UnexpectedByte(b'<'),
        });
        assert_eq!(
            error.to_string(),
            "this is not a .torrent file (not bencoded)"
        );
        let error = MetainfoError::PathTraversal {
            path: "../etc/passwd".into(),
        };
        assert_eq!(error.to_string(), "file path contains '..': ../etc/passwd");
        let error = MetainfoError::WrongType {
            key: "info.piece length",
            expected: "a number",
        };
        assert_eq!(error.to_string(), "'info.piece length' should be a number");
    }
}
