//! Shared by the integration tests: the libtorrent fixtures, a bencode
//! builder that keeps keys in the order given, and byte surgery on the top
//! level of a torrent.

#![allow(dead_code)]

use std::path::PathBuf;

use metainfo::{InfoHashV2, InfoHashes, Limits, Metainfo, MetainfoError};

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

pub fn fixture(name: &str) -> Vec<u8> {
    let path = fixtures_dir().join(name);
    std::fs::read(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// One line of `expected.txt`: what libtorrent computed for a fixture.
#[derive(Debug)]
pub struct Expected {
    pub file: String,
    pub hashes: InfoHashes,
    pub total_size: u64,
    pub files: usize,
    pub piece_length: u64,
    /// libtorrent's sanitised name: invalid UTF-8 becomes `_`.
    pub name: String,
}

pub fn expected() -> Vec<Expected> {
    let text = std::fs::read_to_string(fixtures_dir().join("expected.txt")).unwrap();
    text.lines()
        .map(|line| {
            let fields: Vec<&str> = line.splitn(7, ' ').collect();
            let [file, v1, v2, total_size, files, piece_length, name] = fields[..] else {
                panic!("malformed line in expected.txt: {line}");
            };
            let v1 = (v1 != "-").then(|| metainfo::InfoHash::from_hex(v1).unwrap());
            let v2 = (v2 != "-").then(|| InfoHashV2::from_hex(v2).unwrap());
            Expected {
                file: file.to_owned(),
                hashes: InfoHashes::from_parts(v1, v2).unwrap(),
                total_size: total_size.parse().unwrap(),
                files: files.parse().unwrap(),
                piece_length: piece_length.parse().unwrap(),
                name: name.to_owned(),
            }
        })
        .collect()
}

pub fn fixture_names() -> Vec<String> {
    expected()
        .into_iter()
        .map(|expected| expected.file)
        .collect()
}

pub fn parse(bytes: &[u8]) -> Result<Metainfo, MetainfoError> {
    Metainfo::parse(bytes, &Limits::default())
}

/// A bencode value whose dictionaries keep the key order they were built
/// with, so tests can write unsorted or repeated keys.
#[derive(Clone, Debug)]
pub enum B {
    Int(i64),
    Str(Vec<u8>),
    List(Vec<B>),
    Dict(Vec<(Vec<u8>, B)>),
}

pub fn int(n: i64) -> B {
    B::Int(n)
}

pub fn s(bytes: impl AsRef<[u8]>) -> B {
    B::Str(bytes.as_ref().to_vec())
}

pub fn list(items: impl IntoIterator<Item = B>) -> B {
    B::List(items.into_iter().collect())
}

pub fn dict<K: AsRef<[u8]>>(entries: impl IntoIterator<Item = (K, B)>) -> B {
    B::Dict(
        entries
            .into_iter()
            .map(|(key, value)| (key.as_ref().to_vec(), value))
            .collect(),
    )
}

impl B {
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_into(&mut out);
        out
    }

    fn encode_into(&self, out: &mut Vec<u8>) {
        match self {
            B::Int(n) => out.extend_from_slice(format!("i{n}e").as_bytes()),
            B::Str(bytes) => {
                out.extend_from_slice(format!("{}:", bytes.len()).as_bytes());
                out.extend_from_slice(bytes);
            }
            B::List(items) => {
                out.push(b'l');
                items.iter().for_each(|item| item.encode_into(out));
                out.push(b'e');
            }
            B::Dict(entries) => {
                out.push(b'd');
                for (key, value) in entries {
                    B::Str(key.clone()).encode_into(out);
                    value.encode_into(out);
                }
                out.push(b'e');
            }
        }
    }

    /// Sets `key` (replacing it in place, or appending it).
    pub fn with(mut self, key: &str, value: B) -> B {
        let B::Dict(entries) = &mut self else {
            panic!("with() on a non-dict");
        };
        match entries.iter_mut().find(|(k, _)| k == key.as_bytes()) {
            Some(entry) => entry.1 = value,
            None => entries.push((key.as_bytes().to_vec(), value)),
        }
        self
    }

    pub fn without(mut self, key: &str) -> B {
        let B::Dict(entries) = &mut self else {
            panic!("without() on a non-dict");
        };
        entries.retain(|(k, _)| k != key.as_bytes());
        self
    }
}

/// `count` fake SHA-1 piece hashes; v1 parsing checks their number, not
/// their content.
pub fn pieces(count: usize) -> B {
    B::Str(vec![b'h'; count * 20])
}

/// How many 16 KiB pieces `total` bytes take; none for sizes too large to
/// build hashes for, which tests of size limits then set themselves.
fn piece_count(total: i128) -> usize {
    if (0..=1 << 30).contains(&total) {
        usize::try_from(total).unwrap().div_ceil(16384)
    } else {
        0
    }
}

/// A v1 single-file info dictionary with 16 KiB pieces.
pub fn v1_single(name: &str, length: i64) -> B {
    let count = piece_count(i128::from(length));
    dict([
        ("length", int(length)),
        ("name", s(name)),
        ("piece length", int(16384)),
        ("pieces", pieces(count)),
    ])
}

/// A v1 multi-file info dictionary with 16 KiB pieces; `files` are
/// (path components, length).
pub fn v1_multi(name: &str, files: &[(&[&str], i64)]) -> B {
    let total: i128 = files.iter().map(|(_, length)| i128::from(*length)).sum();
    let entries = files
        .iter()
        .map(|(path, length)| dict([("length", int(*length)), ("path", list(path.iter().map(s)))]));
    dict([
        ("files", list(entries)),
        ("name", s(name)),
        ("piece length", int(16384)),
        ("pieces", pieces(piece_count(total))),
    ])
}

/// A v2 file node for a file of at most one piece, which needs no piece
/// layer; its pieces root is made up but non-zero.
pub fn v2_file(length: i64) -> B {
    dict([(
        "",
        dict([("length", int(length)), ("pieces root", s([7u8; 32]))]),
    )])
}

/// A v2 info dictionary with 16 KiB pieces around `tree`.
pub fn v2_info(name: &str, tree: B) -> B {
    dict([
        ("file tree", tree),
        ("meta version", int(2)),
        ("name", s(name)),
        ("piece length", int(16384)),
    ])
}

/// A whole torrent around `info`, with an announce URL.
pub fn torrent(info: B) -> Vec<u8> {
    dict([
        ("announce", s("http://tracker.example/announce")),
        ("info", info),
    ])
    .encode()
}

/// Replaces (or with `None` removes) one top-level value of a real
/// torrent, copying every other value, `info` included, byte for byte.
pub fn replace_top_level(bytes: &[u8], key: &[u8], value: Option<&[u8]>) -> Vec<u8> {
    let root = bencode::decode(bytes).unwrap();
    let mut out = vec![b'd'];
    for (k, v) in root.value.as_dict().unwrap() {
        if *k == key {
            continue;
        }
        out.extend_from_slice(format!("{}:", k.len()).as_bytes());
        out.extend_from_slice(k);
        out.extend_from_slice(&bytes[v.span.clone()]);
    }
    if let Some(value) = value {
        out.extend_from_slice(format!("{}:", key.len()).as_bytes());
        out.extend_from_slice(key);
        out.extend_from_slice(value);
    }
    out.push(b'e');
    out
}

/// The raw bytes of a top-level value of a real torrent.
pub fn top_level_value(bytes: &[u8], key: &[u8]) -> Vec<u8> {
    let root = bencode::decode(bytes).unwrap();
    let value = root.value.get(key).unwrap();
    bytes[value.span.clone()].to_vec()
}
