//! The store against a naive reference: random announces (open and
//! listed-only), stops, expiries, removals, listings and reloads over a few
//! torrents and peers, compared after every step.
//! Peer ids and addresses are drawn independently, so one id shows up at
//! several addresses and one address under several ids.

use proptest::prelude::*;
use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, SocketAddr};
use swarm::{
    Announce, FamilyTotals, PeerOut, PeerTotals, Secs, Swarm, SwarmConfig, SwarmCounts, SwarmTotals,
};
use tracker_proto::{AnnounceEvent, InfoHash, PeerId};

const TORRENTS: u8 = 3;
const PEERS: u8 = 6;
const TTL: u32 = 100;
const MAX_NUMWANT: usize = 4;

#[derive(Clone, Debug)]
enum Op {
    Announce {
        torrent: u8,
        peer: u8,
        addr: Addr,
        port: u16,
        event: AnnounceEvent,
        seeder: bool,
        numwant: Option<usize>,
        /// Through `announce_listed_with`, as modes `listed` and `private`.
        listed_only: bool,
    },
    List(u8, u64),
    Unlist(u8),
    /// Lists exactly the torrents whose bit is set, with tag 100 + n.
    ReplaceListed(u8),
    /// Sets a persisted count, as at start-up.
    LoadCompleted(u8, u64),
    Advance(u32),
    Expire,
    /// Removes peers whose last address byte is odd.
    RemoveOdd,
    TakeDirty,
}

#[derive(Clone, Copy, Debug)]
enum Addr {
    V4(u8),
    V6(u8),
    /// `::ffff:192.0.2.n`, which the store must treat as IPv4.
    Mapped(u8),
}

impl Addr {
    fn socket(self, port: u16) -> SocketAddr {
        match self {
            Addr::V4(n) => SocketAddr::from(([192, 0, 2, n], port)),
            Addr::V6(n) => SocketAddr::from(([0x2001, 0xdb8, 0, 0, 0, 0, 0, u16::from(n)], port)),
            Addr::Mapped(n) => {
                SocketAddr::from(([0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0200 | u16::from(n)], port))
            }
        }
    }

    /// The address as the store keys and hands it out.
    fn canonical(self, port: u16) -> SocketAddr {
        match self {
            Addr::Mapped(n) => Addr::V4(n).socket(port),
            other => other.socket(port),
        }
    }
}

fn op() -> impl Strategy<Value = Op> {
    let addr = prop_oneof![
        (0..4u8).prop_map(Addr::V4),
        (0..4u8).prop_map(Addr::V6),
        (0..4u8).prop_map(Addr::Mapped),
    ];
    let event = prop_oneof![
        Just(AnnounceEvent::None),
        Just(AnnounceEvent::Started),
        Just(AnnounceEvent::Completed),
        Just(AnnounceEvent::Stopped),
    ];
    prop_oneof![
        8 => (0..TORRENTS, 0..PEERS, addr, 6881..6883u16, event, any::<bool>(), proptest::option::of(0..8usize), any::<bool>())
            .prop_map(|(torrent, peer, addr, port, event, seeder, numwant, listed_only)| Op::Announce {
                torrent, peer, addr, port, event, seeder, numwant, listed_only,
            }),
        1 => (0..TORRENTS, 0..4u64).prop_map(|(t, tag)| Op::List(t, tag)),
        1 => (0..TORRENTS).prop_map(Op::Unlist),
        1 => (0..1u8 << TORRENTS).prop_map(Op::ReplaceListed),
        1 => (0..TORRENTS, 0..50u64).prop_map(|(t, n)| Op::LoadCompleted(t, n)),
        2 => (1..80u32).prop_map(Op::Advance),
        1 => Just(Op::Expire),
        1 => Just(Op::RemoveOdd),
        1 => Just(Op::TakeDirty),
    ]
}

#[derive(Clone, Copy)]
struct ModelPeer {
    /// The first byte of its peer id.
    id: u8,
    seeder: bool,
    last_seen: u32,
}

/// Peers keyed by (torrent, canonical address), the way the store keys
/// them; the address also gives the family.
#[derive(Default)]
struct Model {
    peers: HashMap<(u8, SocketAddr), ModelPeer>,
    completed: HashMap<u8, u64>,
    dirty: HashSet<u8>,
    listed: HashMap<u8, u64>,
}

impl Model {
    fn counts(&self, torrent: u8) -> SwarmCounts {
        let peers = self.peers.iter().filter(|((t, ..), _)| *t == torrent);
        let (seeders, leechers) =
            peers.fold(
                (0, 0),
                |(s, l), (_, p)| {
                    if p.seeder { (s + 1, l) } else { (s, l + 1) }
                },
            );
        let completed = self.completed.get(&torrent).copied().unwrap_or(0);
        SwarmCounts {
            seeders,
            leechers,
            completed,
        }
    }

    fn totals(&self) -> SwarmTotals {
        let torrents: HashSet<u8> = self.peers.keys().map(|(t, ..)| *t).collect();
        let seeders = self.peers.values().filter(|p| p.seeder).count();
        SwarmTotals {
            torrents: torrents.len(),
            seeders,
            leechers: self.peers.len() - seeders,
        }
    }

    fn family_totals(&self) -> FamilyTotals {
        let family = |v6: bool| {
            let peers = self
                .peers
                .iter()
                .filter(|((_, addr), _)| addr.is_ipv6() == v6);
            let (seeders, leechers): (Vec<_>, Vec<_>) = peers.partition(|(_, p)| p.seeder);
            PeerTotals {
                seeders: seeders.len(),
                leechers: leechers.len(),
            }
        };
        FamilyTotals {
            torrents: self.totals().torrents,
            ipv4: family(false),
            ipv6: family(true),
        }
    }
}

fn hash(n: u8) -> InfoHash {
    // Vary the leading bytes so the torrents land in different shards.
    let mut bytes = [n; 20];
    bytes[0] = n.wrapping_mul(37);
    InfoHash(bytes)
}

fn odd(addr: &SocketAddr) -> bool {
    let last = match addr.ip() {
        IpAddr::V4(ip) => ip.octets()[3],
        IpAddr::V6(ip) => ip.octets()[15],
    };
    last % 2 == 1
}

/// `requester` is the canonical address the announce came from.
fn check_peers(
    model: &Model,
    torrent: u8,
    requester: SocketAddr,
    seeder: bool,
    numwant: usize,
    out: &[PeerOut],
) -> Result<(), TestCaseError> {
    let ipv4 = requester.is_ipv4();
    let eligible = model.peers.iter().filter(|((t, addr), p)| {
        *t == torrent && addr.is_ipv4() == ipv4 && *addr != requester && !(seeder && p.seeder)
    });
    prop_assert_eq!(out.len(), numwant.min(eligible.count()));
    let mut seen = HashSet::new();
    for peer in out {
        prop_assert!(seen.insert(peer.addr), "address handed out twice");
        prop_assert!(peer.addr != requester, "requester handed back to itself");
        prop_assert_eq!(peer.addr.is_ipv4(), ipv4, "wrong address family");
        let stored = model.peers.get(&(torrent, peer.addr));
        prop_assert!(
            stored.is_some_and(|p| p.id == peer.peer_id.0[0]),
            "not a stored peer"
        );
        prop_assert!(
            !(seeder && stored.is_some_and(|p| p.seeder)),
            "seeder handed a seeder"
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn the_store_agrees_with_a_naive_model(ops in proptest::collection::vec(op(), 1..120)) {
        let swarm = Swarm::new(SwarmConfig {
            peer_ttl_secs: TTL,
            default_numwant: 3,
            max_numwant: MAX_NUMWANT,
            shards: 2,
        });
        let mut model = Model::default();
        let mut now = 0u32;
        let mut out = Vec::new();

        for op in ops {
            match op {
                Op::Announce { torrent, peer, addr, port, event, seeder, numwant, listed_only } => {
                    let req = Announce {
                        info_hash: hash(torrent),
                        peer_id: PeerId([peer; 20]),
                        addr: addr.socket(port),
                        event,
                        left: if seeder { 0 } else { 512 },
                        numwant,
                    };
                    let counts = if listed_only {
                        let mut handed = None;
                        let served = swarm.announce_listed_with(&req, Secs(now), &mut out, |tag| {
                            handed = Some(tag);
                            Ok::<(), ()>(())
                        });
                        prop_assert_eq!(handed, model.listed.get(&torrent).copied());
                        match served {
                            Some(counts) => counts.unwrap(),
                            None => {
                                prop_assert!(out.is_empty());
                                continue;
                            }
                        }
                    } else {
                        swarm.announce(&req, Secs(now), &mut out)
                    };
                    let canonical = addr.canonical(port);
                    let key = (torrent, canonical);
                    if event == AnnounceEvent::Stopped {
                        model.peers.remove(&key);
                        prop_assert!(out.is_empty());
                    } else {
                        let fresh = ModelPeer { id: peer, seeder, last_seen: now };
                        let previous = model.peers.insert(key, fresh);
                        if event == AnnounceEvent::Completed && seeder && !previous.is_some_and(|p| p.seeder) {
                            *model.completed.entry(torrent).or_default() += 1;
                            model.dirty.insert(torrent);
                        }
                        let want = numwant.unwrap_or(3).min(MAX_NUMWANT);
                        check_peers(&model, torrent, canonical, seeder, want, &out)?;
                    }
                    prop_assert_eq!(counts, model.counts(torrent));
                }
                Op::List(torrent, tag) => {
                    let fresh = model.listed.insert(torrent, tag).is_none();
                    prop_assert_eq!(swarm.list(hash(torrent), tag), fresh);
                }
                Op::Unlist(torrent) => {
                    let was = model.listed.remove(&torrent).is_some();
                    prop_assert_eq!(swarm.unlist(&hash(torrent)), was);
                    model.peers.retain(|(t, _), _| *t != torrent);
                }
                Op::ReplaceListed(bits) => {
                    let listed: HashMap<u8, u64> = (0..TORRENTS)
                        .filter(|t| bits & (1 << t) != 0)
                        .map(|t| (t, 100 + u64::from(t)))
                        .collect();
                    for gone in model.listed.keys().filter(|t| !listed.contains_key(t)) {
                        model.peers.retain(|(t, _), _| t != gone);
                    }
                    swarm.replace_listed(listed.iter().map(|(t, tag)| (hash(*t), *tag)));
                    model.listed = listed;
                }
                Op::LoadCompleted(torrent, count) => {
                    swarm.load_completed([(hash(torrent), count)]);
                    if count > 0 || model.completed.contains_key(&torrent) {
                        model.completed.insert(torrent, count);
                    }
                }
                Op::Advance(secs) => now += secs,
                Op::Expire => {
                    let before = model.peers.len();
                    model.peers.retain(|_, p| now.saturating_sub(p.last_seen) < TTL);
                    prop_assert_eq!(swarm.expire(Secs(now)), before - model.peers.len());
                }
                Op::RemoveOdd => {
                    let before = model.peers.len();
                    model.peers.retain(|(_, addr), _| !odd(addr));
                    prop_assert_eq!(swarm.remove_peers_where(odd), before - model.peers.len());
                }
                Op::TakeDirty => {
                    let mut got = swarm.take_dirty_completed();
                    got.sort_unstable();
                    let mut want: Vec<_> = model.dirty.drain().map(|t| (hash(t), model.completed[&t])).collect();
                    want.sort_unstable();
                    prop_assert_eq!(got, want);
                }
            }
            for torrent in 0..TORRENTS {
                prop_assert_eq!(swarm.scrape(&hash(torrent)), model.counts(torrent));
                let tag = model.listed.get(&torrent).copied();
                prop_assert_eq!(swarm.listed_tag(&hash(torrent)), tag);
                let listed_counts = tag.map(|_| model.counts(torrent));
                prop_assert_eq!(swarm.scrape_listed(&hash(torrent)), listed_counts);
            }
            prop_assert_eq!(swarm.listed_count(), model.listed.len());
            prop_assert_eq!(swarm.totals(), model.totals());
            prop_assert_eq!(swarm.family_totals(), model.family_totals());
        }
        let mut snapshot = swarm.completed_snapshot();
        snapshot.sort_unstable();
        let nonzero = model.completed.iter().filter(|(_, c)| **c > 0);
        let mut want: Vec<_> = nonzero.map(|(t, c)| (hash(*t), *c)).collect();
        want.sort_unstable();
        prop_assert_eq!(snapshot, want);
    }
}
