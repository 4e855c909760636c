//! A small MaxMind DB writer for tests and benchmarks, after the MaxMind DB
//! File Format Specification 2.0 (<https://maxmind.github.io/MaxMind-DB/>):
//! a binary search tree of 24, 28 or 32-bit records, 16 zero bytes, a data
//! section of type-tagged values, then `\xAB\xCD\xEFMaxMind.com` and the
//! metadata map.
//!
//! It writes what country databases in the wild contain: IPv4-only or IPv6
//! trees, IPv4 at `::/96`, optional aliases of `::ffff:0:0/96` and
//! `2002::/16` to the IPv4 subtree, and identical records stored once.

use std::collections::HashMap;
use std::net::IpAddr;

use ipnet::IpNet;

/// A data-section value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Str(String),
    U16(u16),
    U32(u32),
    U64(u64),
    Bool(bool),
    Double(f64),
    Map(Vec<(String, Value)>),
    Array(Vec<Value>),
}

impl Value {
    pub fn map<const N: usize>(entries: [(&str, Value); N]) -> Value {
        Value::Map(
            entries
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
        )
    }

    pub fn str(s: &str) -> Value {
        Value::Str(s.to_owned())
    }
}

/// A GeoIP2/GeoLite2 Country-shaped record.
pub fn geoip2_record(country: Option<&str>, registered: Option<&str>) -> Value {
    let place = |code: &str| {
        Value::map([
            (
                "geoname_id",
                Value::U32(u32::from_be_bytes([
                    0,
                    0,
                    code.as_bytes()[0],
                    code.as_bytes()[1],
                ])),
            ),
            ("iso_code", Value::str(code)),
            (
                "names",
                Value::map([("en", Value::str(&format!("Country {code}")))]),
            ),
        ])
    };
    let mut fields = vec![(
        "continent".to_owned(),
        Value::map([
            ("code", Value::str("EU")),
            ("geoname_id", Value::U32(6255148)),
        ]),
    )];
    if let Some(c) = country {
        fields.push(("country".to_owned(), place(c)));
    }
    if let Some(r) = registered {
        fields.push(("registered_country".to_owned(), place(r)));
    }
    Value::Map(fields)
}

/// A record of the flat layout of DB-IP-derived country files.
pub fn flat_record(country: &str) -> Value {
    Value::map([("country_code", Value::str(country))])
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Child {
    Empty,
    Node(u32),
    Data(u32),
}

/// Builds a database in memory; [`Writer::to_bytes`] serialises it.
#[derive(Debug)]
pub struct Writer {
    ip_version: u16,
    record_size: u16,
    database_type: String,
    nodes: Vec<[Child; 2]>,
    data: Vec<u8>,
    offsets: HashMap<Vec<u8>, u32>,
}

impl Writer {
    /// `ip_version` 4 or 6; `record_size` 24, 28 or 32.
    pub fn new(ip_version: u16, record_size: u16) -> Self {
        assert!(matches!(ip_version, 4 | 6) && matches!(record_size, 24 | 28 | 32));
        Writer {
            ip_version,
            record_size,
            database_type: "Test-Country".to_owned(),
            nodes: vec![[Child::Empty; 2]],
            data: Vec::new(),
            offsets: HashMap::new(),
        }
    }

    pub fn database_type(mut self, t: &str) -> Self {
        self.database_type = t.to_owned();
        self
    }

    /// The tree path of a network: bits, most significant first, and length.
    fn path(&self, net: IpNet) -> (u128, u32, u32) {
        match (net, self.ip_version) {
            (IpNet::V4(n), 4) => (
                u128::from(u32::from(n.network())),
                32,
                u32::from(n.prefix_len()),
            ),
            (IpNet::V4(n), _) => (
                u128::from(u32::from(n.network())),
                128,
                96 + u32::from(n.prefix_len()),
            ),
            (IpNet::V6(n), 6) => (u128::from(n.network()), 128, u32::from(n.prefix_len())),
            (IpNet::V6(_), _) => panic!("IPv6 network in an IPv4 database"),
        }
    }

    fn bit(bits: u128, width: u32, depth: u32) -> usize {
        ((bits >> (width - 1 - depth)) & 1) as usize
    }

    /// Walks to the node whose child at `depth` is the last bit of the
    /// path, creating nodes (and splitting data records) on the way.
    fn walk(&mut self, bits: u128, width: u32, len: u32) -> usize {
        assert!(len > 0, "a network of the whole space is not supported");
        let mut node = 0usize;
        for depth in 0..len - 1 {
            let b = Self::bit(bits, width, depth);
            node = match self.nodes[node][b] {
                Child::Node(n) => n as usize,
                other => {
                    let fresh = self.nodes.len();
                    // Splitting a record keeps its data on both sides.
                    let fill = if matches!(other, Child::Data(_)) {
                        other
                    } else {
                        Child::Empty
                    };
                    self.nodes.push([fill; 2]);
                    self.nodes[node][b] = Child::Node(fresh as u32);
                    fresh
                }
            };
        }
        node
    }

    /// Stores `value` for `net` (IPv4 networks of an IPv6 database go under
    /// `::/96`). A more specific network may be inserted after a less
    /// specific one; the reverse is not supported.
    pub fn insert(&mut self, net: IpNet, value: &Value) {
        let offset = self.store(value);
        let (bits, width, len) = self.path(net);
        let node = self.walk(bits, width, len);
        let b = Self::bit(bits, width, len - 1);
        assert!(
            !matches!(self.nodes[node][b], Child::Node(_)),
            "{net} would hide more specific networks"
        );
        self.nodes[node][b] = Child::Data(offset);
    }

    /// Aliases `::ffff:0:0/96` and `2002::/16` to the IPv4 subtree, as
    /// MaxMind's own writer does. Call after inserting every network.
    pub fn alias_ipv4(&mut self) {
        assert_eq!(self.ip_version, 6);
        let ipv4 = {
            // The node reached by 96 zero bits.
            let parent = self.walk(0, 128, 96);
            match self.nodes[parent][0] {
                Child::Node(n) => n,
                _ => {
                    let fresh = self.nodes.len() as u32;
                    self.nodes.push([Child::Empty; 2]);
                    self.nodes[parent][0] = Child::Node(fresh);
                    fresh
                }
            }
        };
        for (prefix, len) in [(0xffff_u128 << 32, 96), (0x2002_u128 << 112, 16)] {
            let parent = self.walk(prefix, 128, len);
            let b = Self::bit(prefix, 128, len - 1);
            self.nodes[parent][b] = Child::Node(ipv4);
        }
    }

    /// The data-section offset of `value`, stored once.
    fn store(&mut self, value: &Value) -> u32 {
        let mut bytes = Vec::new();
        encode(value, &mut bytes);
        if let Some(&offset) = self.offsets.get(&bytes) {
            return offset;
        }
        let offset = self.data.len() as u32;
        self.data.extend_from_slice(&bytes);
        self.offsets.insert(bytes, offset);
        offset
    }

    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// The size of the search tree in bytes (where the data section starts,
    /// minus the 16-byte separator).
    pub fn tree_size(&self) -> usize {
        self.nodes.len() * usize::from(self.record_size) / 4
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let node_count = self.nodes.len() as u64;
        let record = |c: Child| -> u64 {
            match c {
                Child::Empty => node_count,
                Child::Node(n) => u64::from(n),
                Child::Data(off) => node_count + 16 + u64::from(off),
            }
        };
        let limit = 1u64 << self.record_size;
        let mut out = Vec::with_capacity(self.tree_size() + 16 + self.data.len() + 512);
        for node in &self.nodes {
            let (l, r) = (record(node[0]), record(node[1]));
            assert!(
                l < limit && r < limit,
                "record too large for {}-bit records",
                self.record_size
            );
            match self.record_size {
                24 => {
                    out.extend_from_slice(&l.to_be_bytes()[5..]);
                    out.extend_from_slice(&r.to_be_bytes()[5..]);
                }
                28 => {
                    out.extend_from_slice(&l.to_be_bytes()[5..]);
                    out.push((((l >> 24) & 0x0f) << 4 | ((r >> 24) & 0x0f)) as u8);
                    out.extend_from_slice(&r.to_be_bytes()[5..]);
                }
                _ => {
                    out.extend_from_slice(&(l as u32).to_be_bytes());
                    out.extend_from_slice(&(r as u32).to_be_bytes());
                }
            }
        }
        out.extend_from_slice(&[0; 16]);
        out.extend_from_slice(&self.data);
        out.extend_from_slice(b"\xAB\xCD\xEFMaxMind.com");
        let metadata = Value::map([
            ("binary_format_major_version", Value::U16(2)),
            ("binary_format_minor_version", Value::U16(0)),
            ("build_epoch", Value::U64(1_700_000_000)),
            ("database_type", Value::str(&self.database_type)),
            (
                "description",
                Value::map([("en", Value::str("swarmgate test database"))]),
            ),
            ("ip_version", Value::U16(self.ip_version)),
            ("languages", Value::Array(vec![Value::str("en")])),
            ("node_count", Value::U32(self.nodes.len() as u32)),
            ("record_size", Value::U16(self.record_size)),
        ]);
        encode(&metadata, &mut out);
        out
    }
}

/// Writes a control byte (and extended type byte and size bytes).
fn control(type_num: u8, size: usize, out: &mut Vec<u8>) {
    let (low, extra): (u8, Vec<u8>) = if size < 29 {
        (size as u8, vec![])
    } else if size < 29 + 256 {
        (29, vec![(size - 29) as u8])
    } else if size < 285 + 65_536 {
        (30, ((size - 285) as u16).to_be_bytes().to_vec())
    } else {
        (31, ((size - 65_821) as u32).to_be_bytes()[1..].to_vec())
    };
    if type_num <= 7 {
        out.push(type_num << 5 | low);
    } else {
        out.push(low);
        out.push(type_num - 7);
    }
    out.extend_from_slice(&extra);
}

fn uint(type_num: u8, v: u64, width: usize, out: &mut Vec<u8>) {
    let bytes = &v.to_be_bytes()[8 - width..];
    let skip = bytes.iter().take_while(|&&b| b == 0).count();
    control(type_num, bytes.len() - skip, out);
    out.extend_from_slice(&bytes[skip..]);
}

/// Encodes a value in the data-section format.
pub fn encode(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Str(s) => {
            control(2, s.len(), out);
            out.extend_from_slice(s.as_bytes());
        }
        Value::Double(d) => {
            control(3, 8, out);
            out.extend_from_slice(&d.to_be_bytes());
        }
        Value::U16(v) => uint(5, u64::from(*v), 2, out),
        Value::U32(v) => uint(6, u64::from(*v), 4, out),
        Value::U64(v) => uint(9, *v, 8, out),
        Value::Bool(b) => control(14, usize::from(*b), out),
        Value::Map(entries) => {
            control(7, entries.len(), out);
            for (k, v) in entries {
                encode(&Value::Str(k.clone()), out);
                encode(v, out);
            }
        }
        Value::Array(items) => {
            control(11, items.len(), out);
            for v in items {
                encode(v, out);
            }
        }
    }
}

/// Parses a network for tests: `"81.2.69.0/24"`, or a bare address.
pub fn net(s: &str) -> IpNet {
    s.parse()
        .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
        .unwrap_or_else(|_| panic!("bad network {s}"))
}
