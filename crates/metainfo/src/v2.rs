//! The BEP 52 half: `file tree` in the info dictionary and `piece layers`
//! beside it.
//!
//! The file tree nests one dictionary per directory, keyed by component; a
//! file is a node whose only key is the empty string, holding `length` and,
//! for non-empty files, `pieces root`: the root of a SHA-256 merkle tree
//! over the file's 16 KiB blocks, padded with zero leaves to a power of two.
//! A torrent whose tree holds a single file at its root is a single-file
//! torrent.
//!
//! For every file larger than one piece, the top-level `piece layers`
//! dictionary maps its pieces root to the tree's layer at piece granularity
//! (one 32-byte hash per `piece length` bytes). We recompute the root from
//! that layer, so a torrent whose layers would make every client reject the
//! download is refused at upload.

use bencode::Value;
use sha2::{Digest, Sha256};

use crate::files::{self, RawFile};
use crate::keys::{self, Dict};
use crate::{Limits, MetainfoError};

/// BEP 52's leaf size: merkle leaves hash 16 KiB blocks.
pub(crate) const BLOCK_SIZE: u64 = 16 * 1024;

/// The files of a v2 torrent in tree order.
#[derive(Debug)]
pub(crate) struct V2<'a> {
    pub files: Vec<RawFile<'a>>,
    pub single_file: bool,
}

pub(crate) fn parse<'a>(
    info: &Dict<'a>,
    root: &Dict<'a>,
    piece_length: u64,
    limits: &Limits,
) -> Result<V2<'a>, MetainfoError> {
    let tree = keys::required(
        keys::dict(info, b"file tree", "info.file tree")?,
        "info.file tree",
    )?;
    let mut walk = Walk {
        limits,
        path: Vec::new(),
        files: Vec::new(),
        total: 0,
    };
    walk.directory(tree)?;
    let files = walk.files;
    if files.is_empty() {
        return Err(MetainfoError::NoFiles);
    }
    let single_file = tree.len() == 1 && files.len() == 1 && files[0].path.len() == 1;
    check_piece_layers(root, &files, piece_length)?;
    Ok(V2 { files, single_file })
}

struct Walk<'l, 'a> {
    limits: &'l Limits,
    /// Components from the tree's root to the node being visited.
    path: Vec<&'a [u8]>,
    files: Vec<RawFile<'a>>,
    total: u64,
}

impl<'a> Walk<'_, 'a> {
    /// Visits a directory's entries in input order. Recursion is bounded
    /// by `max_path_depth`, checked before descending.
    fn directory(&mut self, dir: &Dict<'a>) -> Result<(), MetainfoError> {
        for (name, node) in dir {
            self.path.push(name);
            if self.path.len() > self.limits.max_path_depth {
                return Err(MetainfoError::PathTooDeep {
                    path: files::display(&self.path),
                    limit: self.limits.max_path_depth,
                });
            }
            files::check_component(name, || files::display(&self.path))?;
            let node = node.value.as_dict().ok_or(MetainfoError::WrongType {
                key: "info.file tree",
                expected: "nested dictionaries",
            })?;
            match keys::find(node, b"") {
                Some(_) if node.len() > 1 => {
                    return Err(MetainfoError::FileAndDirectory {
                        path: files::display(&self.path),
                    });
                }
                Some(file) => self.file(file)?,
                None => self.directory(node)?,
            }
            self.path.pop();
        }
        Ok(())
    }

    fn file(&mut self, file: &Value<'a>) -> Result<(), MetainfoError> {
        if self.files.len() >= self.limits.max_files {
            return Err(MetainfoError::TooManyFiles {
                limit: self.limits.max_files,
            });
        }
        let file = file.as_dict().ok_or(MetainfoError::WrongType {
            key: "info.file tree",
            expected: "a dictionary for each file",
        })?;
        let length = keys::required(
            keys::int(file, b"length", "info.file tree.length")?,
            "info.file tree.length",
        )?;
        let length = files::add_size(&mut self.total, length, self.limits)?;
        // An empty file has no blocks and so no merkle root.
        let pieces_root = if length == 0 {
            None
        } else {
            let root = keys::find(file, b"pieces root").and_then(|value| value.as_bytes());
            match root {
                Some(root) if root.len() == 32 && root.iter().any(|&byte| byte != 0) => Some(root),
                _ => {
                    return Err(MetainfoError::BadPiecesRoot {
                        path: files::display(&self.path),
                    });
                }
            }
        };
        self.files.push(RawFile {
            path: self.path.clone(),
            path_utf8: None,
            length,
            pad: false,
            pieces_root,
        });
        Ok(())
    }
}

/// Every file larger than a piece needs a layer of the right length that
/// hashes up to its pieces root. Layers for unknown roots are ignored, as
/// libtorrent does.
fn check_piece_layers(
    root: &Dict<'_>,
    files: &[RawFile<'_>],
    piece_length: u64,
) -> Result<(), MetainfoError> {
    let layers = keys::dict(root, b"piece layers", "piece layers")?;
    for file in files.iter().filter(|file| file.length > piece_length) {
        let path = || files::display(&file.path);
        let pieces_root = file.pieces_root.unwrap_or_default();
        let layer = layers
            .and_then(|layers| keys::find(layers, pieces_root))
            .ok_or_else(|| MetainfoError::MissingPieceLayer { path: path() })?;
        let layer = layer
            .as_bytes()
            .ok_or_else(|| MetainfoError::BadPieceLayer { path: path() })?;
        let pieces = file.length.div_ceil(piece_length);
        // usize is at most 64 bits on every target Rust supports.
        if layer.len() as u64 != pieces.saturating_mul(32)
            || merkle_root(layer, piece_length) != pieces_root
        {
            return Err(MetainfoError::BadPieceLayer { path: path() });
        }
    }
    Ok(())
}

/// The merkle root over a piece layer (concatenated 32-byte hashes).
///
/// The layer is padded to a power of two with the root of a piece-sized
/// subtree of zero leaves, which is what BEP 52's zero-padded leaves
/// produce at piece level.
fn merkle_root(layer: &[u8], piece_length: u64) -> [u8; 32] {
    let mut pad = [0; 32];
    for _ in 0..(piece_length / BLOCK_SIZE).trailing_zeros() {
        pad = hash_pair(&pad, &pad);
    }
    let mut level: Vec<[u8; 32]> = layer
        .chunks_exact(32)
        .map(|hash| hash.try_into().expect("chunks_exact yields 32 bytes"))
        .collect();
    level.resize(level.len().next_power_of_two(), pad);
    while level.len() > 1 {
        level = level
            .chunks_exact(2)
            .map(|pair| hash_pair(&pair[0], &pair[1]))
            .collect();
    }
    level[0]
}

fn hash_pair(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    Sha256::new()
        .chain_update(left)
        .chain_update(right)
        .finalize()
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sha256(data: &[u8]) -> [u8; 32] {
        Sha256::digest(data).into()
    }

    #[test]
    fn a_layer_of_one_piece_per_block_is_a_plain_merkle_tree() {
        // Three 16 KiB blocks in 16 KiB pieces: the fourth leaf is zeros.
        let leaves = [sha256(b"a"), sha256(b"b"), sha256(b"c")];
        let expected = hash_pair(
            &hash_pair(&leaves[0], &leaves[1]),
            &hash_pair(&leaves[2], &[0; 32]),
        );
        assert_eq!(merkle_root(&leaves.concat(), BLOCK_SIZE), expected);
    }

    #[test]
    fn padding_at_piece_level_is_the_root_of_a_piece_of_zero_leaves() {
        // 64 KiB pieces hold four blocks; the missing fourth piece hashes
        // as four zero leaves would.
        let zero_pair = hash_pair(&[0; 32], &[0; 32]);
        let zero_piece = hash_pair(&zero_pair, &zero_pair);
        let pieces = [sha256(b"1"), sha256(b"2"), sha256(b"3")];
        let expected = hash_pair(
            &hash_pair(&pieces[0], &pieces[1]),
            &hash_pair(&pieces[2], &zero_piece),
        );
        assert_eq!(merkle_root(&pieces.concat(), 4 * BLOCK_SIZE), expected);
    }

    #[test]
    fn a_single_piece_layer_is_its_own_root() {
        let piece = sha256(b"only");
        assert_eq!(merkle_root(&piece, BLOCK_SIZE), piece);
    }
}
