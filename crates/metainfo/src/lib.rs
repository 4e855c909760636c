//! .torrent files (metainfo): parsing and validation of BitTorrent v1,
//! v2 and hybrid torrents, their info-hashes, tracker rewriting and magnet
//! links.
//!
//! This crate does no I/O: the portal hands it the bytes of an upload or of
//! a stored torrent, and gets back a validated [`Metainfo`] or a
//! [`MetainfoError`] whose message can be shown to the uploader as is.
//!
//! # Specifications
//!
//! - BEP 3: the metainfo format, `info` with `name`, `piece length`,
//!   `pieces`, and `length` or `files`; the v1 info-hash is the SHA-1 of the
//!   bencoded `info` value *as it appears in the file*.
//! - BEP 12: `announce-list`, tiers of tracker URLs.
//! - BEP 9: magnet links, `xt=urn:btih:`, `dn`, `tr`.
//! - BEP 52: v2, `meta version` 2, `file tree`, `piece layers`, the SHA-256
//!   info-hash (truncated to 20 bytes towards trackers), `urn:btmh:` magnet
//!   links, and hybrid torrents that carry both halves.
//! - BEP 27 (`private`) and BEP 47 (pad files) where they touch the above.
//!
//! # Layout
//!
//! - `lib.rs` (this file): [`Metainfo`], its accessors, and [`Limits`].
//! - `parse.rs`: decoding, top-level keys, the info dictionary's common
//!   keys, and the check that a hybrid torrent's halves agree.
//! - `v1.rs` and `v2.rs`: each half's file list and piece hashes; `v2.rs`
//!   also verifies piece layers against their merkle roots.
//! - `files.rs`: [`FileEntry`] and the path rules (no `..`, no separators,
//!   no absolute or empty names).
//! - `keys.rs`: typed dictionary lookups that name the offending key.
//! - `info_hash.rs`: [`InfoHashV2`], [`InfoHashes`], [`TorrentKind`].
//! - `rewrite.rs`: [`Metainfo::with_announce`].
//! - `magnet.rs`: [`magnet_link`].
//! - `error.rs`: [`MetainfoError`].
//!
//! # Contract
//!
//! - [`Metainfo::parse`] never panics, whatever the input, and its memory
//!   use is bounded by [`Limits`].
//! - The info-hashes are computed over the original bytes of the `info`
//!   value, found through the decoder's spans; the dictionary is never
//!   re-encoded. Unsorted keys, which real torrents have, are accepted.
//! - [`Metainfo::with_announce`] copies those bytes verbatim, so the
//!   rewritten torrent has the same info-hashes.
//!
//! # Example
//!
//! ```
//! use metainfo::{Limits, Metainfo, TorrentKind};
//!
//! let torrent = b"d8:announce14:http://t/annce4:infod6:lengthi5e4:name5:a.txt\
//!                 12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaaee";
//! let meta = Metainfo::parse(torrent, &Limits::default()).unwrap();
//! assert_eq!(meta.kind(), TorrentKind::V1);
//! assert_eq!(meta.name(), "a.txt");
//! assert_eq!(meta.total_size(), 5);
//!
//! let personal = meta.with_announce("http://t/announce/passkey", &[]);
//! let reparsed = Metainfo::parse(&personal, &Limits::default()).unwrap();
//! assert_eq!(reparsed.info_hashes(), meta.info_hashes());
//! assert_eq!(reparsed.announce(), Some("http://t/announce/passkey"));
//! ```

use std::fmt;
use std::ops::Range;

mod error;
mod files;
mod info_hash;
mod keys;
mod magnet;
mod parse;
mod rewrite;
mod v1;
mod v2;

pub use error::MetainfoError;
pub use files::FileEntry;
pub use info_hash::{InfoHashV2, InfoHashes, TorrentKind};
pub use magnet::magnet_link;
pub use tracker_proto::InfoHash;

/// The largest `piece length` accepted: 512 MiB. libtorrent refuses
/// anything from 1 GiB up, and no client creates pieces this large.
pub const MAX_PIECE_LENGTH: u64 = 512 * 1024 * 1024;

/// Resource bounds for untrusted input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Longest input accepted, in bytes. Checked before decoding.
    pub max_input_bytes: usize,
    /// Most entries in the file list or file tree, pad files included.
    /// Also scales the decoder's item budget (32 items per file), which
    /// bounds memory.
    pub max_files: usize,
    /// Most components in one file path. Also bounds the decoder's nesting
    /// depth, which a v2 file tree uses one level per directory.
    pub max_path_depth: usize,
    /// Largest sum of file sizes, in bytes.
    pub max_total_size: u64,
}

impl Default for Limits {
    /// 10 MiB of input, 100,000 files, 32 path levels, 1 PiB of content.
    /// Real torrents stay far below each of these.
    fn default() -> Self {
        Self {
            max_input_bytes: 10 * 1024 * 1024,
            max_files: 100_000,
            max_path_depth: 32,
            max_total_size: 1 << 50,
        }
    }
}

impl Limits {
    fn decoder_limits(&self) -> bencode::Limits {
        bencode::Limits {
            // The root, `info`, `file tree` and a file's `""` node sit
            // around the directories; the headroom also covers v1's
            // `files` list and unknown keys of modest depth.
            max_depth: self.max_path_depth.saturating_add(8),
            max_items: self.max_files.saturating_mul(32).max(4096),
        }
    }
}

/// A validated .torrent file.
///
/// Owns a copy of the bytes it was parsed from, so the info dictionary and
/// any keys this crate does not interpret can be re-emitted exactly by
/// [`Metainfo::with_announce`].
#[derive(Clone)]
pub struct Metainfo {
    bytes: Vec<u8>,
    info_span: Range<usize>,
    /// Every top-level key with the span of its value, in input order.
    top_level: Vec<(Vec<u8>, Range<usize>)>,
    info_hashes: InfoHashes,
    name: String,
    name_is_utf8: bool,
    piece_length: u64,
    total_size: u64,
    files: Vec<FileEntry>,
    single_file: bool,
    private: bool,
    announce: Option<String>,
    announce_list: Vec<Vec<String>>,
    comment: Option<String>,
    created_by: Option<String>,
    creation_date: Option<i64>,
}

impl Metainfo {
    /// Parses and validates a .torrent file.
    ///
    /// Accepts v1, v2 and hybrid torrents; see [`MetainfoError`] for every
    /// reason to refuse one. Never panics.
    pub fn parse(bytes: &[u8], limits: &Limits) -> Result<Self, MetainfoError> {
        parse::parse(bytes, limits)
    }

    /// The bytes this was parsed from.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The `info` dictionary exactly as it appears in the file: the bytes
    /// both info-hashes are computed over.
    pub fn info_bytes(&self) -> &[u8] {
        &self.bytes[self.info_span.clone()]
    }

    pub fn info_hashes(&self) -> InfoHashes {
        self.info_hashes
    }

    pub fn kind(&self) -> TorrentKind {
        self.info_hashes.kind()
    }

    /// The torrent's name: the file name of a single-file torrent, the
    /// directory of a multi-file one. From `name.utf-8` when present.
    /// Bytes that are not UTF-8 are replaced by U+FFFD.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `false` if the name was not valid UTF-8 and [`Metainfo::name`] is
    /// lossy.
    pub fn name_is_utf8(&self) -> bool {
        self.name_is_utf8
    }

    /// Bytes per piece; a power of two of at least 16 KiB for v2 and
    /// hybrid torrents, at most [`MAX_PIECE_LENGTH`].
    pub fn piece_length(&self) -> u64 {
        self.piece_length
    }

    /// The sum of the file lengths, pad files excluded. Never zero.
    pub fn total_size(&self) -> u64 {
        self.total_size
    }

    /// The files in torrent order, pad files excluded. Never empty.
    pub fn files(&self) -> &[FileEntry] {
        &self.files
    }

    /// `true` for a single-file torrent, whose one file is called
    /// [`Metainfo::name`]; `false` when the files live in a directory of
    /// that name.
    pub fn is_single_file(&self) -> bool {
        self.single_file
    }

    /// `private` is 1 in the info dictionary (BEP 27): clients must use
    /// only the torrent's trackers, no DHT or peer exchange.
    pub fn is_private(&self) -> bool {
        self.private
    }

    /// `true` if the name and every file path were valid UTF-8.
    pub fn all_names_utf8(&self) -> bool {
        self.name_is_utf8 && self.files.iter().all(|file| file.path_is_utf8)
    }

    /// The top-level `announce` URL, if present and non-empty.
    pub fn announce(&self) -> Option<&str> {
        self.announce.as_deref()
    }

    /// The `announce-list` tiers (BEP 12), without empty URLs or tiers.
    pub fn announce_list(&self) -> &[Vec<String>] {
        &self.announce_list
    }

    /// `comment.utf-8`, or else `comment`.
    pub fn comment(&self) -> Option<&str> {
        self.comment.as_deref()
    }

    pub fn created_by(&self) -> Option<&str> {
        self.created_by.as_deref()
    }

    /// Seconds since the Unix epoch, as the file claims; `None` when
    /// absent, not a number, or negative.
    pub fn creation_date(&self) -> Option<i64> {
        self.creation_date
    }

    /// The .torrent with `announce` set to `announce` and `announce-list`
    /// to `announce_list` (removed when it has no non-empty tier); every
    /// other top-level key keeps its value, and the info dictionary its
    /// exact bytes, so the info-hashes do not change.
    pub fn with_announce(&self, announce: &str, announce_list: &[Vec<String>]) -> Vec<u8> {
        rewrite::with_announce(&self.bytes, &self.top_level, announce, announce_list)
    }

    /// A magnet link for this torrent with its name, size and `trackers`.
    pub fn magnet_link(&self, trackers: &[impl AsRef<str>]) -> String {
        magnet_link(
            &self.info_hashes,
            &self.name,
            Some(self.total_size),
            trackers,
        )
    }
}

impl fmt::Debug for Metainfo {
    /// Leaves out the raw bytes, which can run to megabytes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Metainfo")
            .field("info_hashes", &self.info_hashes)
            .field("name", &self.name)
            .field("total_size", &self.total_size)
            .field("piece_length", &self.piece_length)
            .field("files", &self.files.len())
            .field("private", &self.private)
            .finish_non_exhaustive()
    }
}
