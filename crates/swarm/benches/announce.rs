//! Announce and scrape against a store shaped like a busy public tracker:
//! 100,000 torrents and about a million peers, half of them in 1,000 big
//! swarms of 500 and half in small swarms of five; a third seeders, a
//! tenth on IPv6. Each iteration re-announces an existing peer picked in
//! shuffled order, the steady state of a tracker, so the store neither
//! grows nor shrinks while it is measured. Every torrent has a completed
//! count and is listed, so those lookups hit memory too.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rand::SeedableRng;
use rand::rngs::SmallRng;
use rand::seq::SliceRandom;
use std::hint::black_box;
use std::net::SocketAddr;
use std::time::Duration;
use swarm::{Announce, Secs, Swarm, SwarmConfig};
use tracker_proto::{AnnounceEvent, InfoHash, PeerId};

const BIG_SWARMS: usize = 1_000;
const BIG_SWARM_PEERS: usize = 500;
const SMALL_SWARMS: usize = 99_000;
const SMALL_SWARM_PEERS: usize = 5;
const BIG_PEERS: usize = BIG_SWARMS * BIG_SWARM_PEERS;
const PEERS: usize = BIG_PEERS + SMALL_SWARMS * SMALL_SWARM_PEERS;
const TORRENTS: usize = BIG_SWARMS + SMALL_SWARMS;

/// A well-mixed 64-bit value from `n` (SplitMix64's finaliser), standing
/// in for the uniform bytes of real hashes and peer ids.
fn mix(n: u64) -> u64 {
    let mut z = n.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn twenty_bytes(n: u64) -> [u8; 20] {
    let mut bytes = [0; 20];
    bytes[..8].copy_from_slice(&mix(n).to_le_bytes());
    bytes[8..16].copy_from_slice(&mix(n ^ 0xffff).to_le_bytes());
    bytes
}

fn info_hash(torrent: usize) -> InfoHash {
    InfoHash(twenty_bytes(torrent as u64))
}

/// Peer `i` of the whole store, as it announces.
fn request(i: usize, numwant: usize) -> Announce {
    let torrent = if i < BIG_PEERS {
        i / BIG_SWARM_PEERS
    } else {
        BIG_SWARMS + (i - BIG_PEERS) / SMALL_SWARM_PEERS
    };
    let bits = mix(i as u64 + (1 << 40));
    let addr = if i.is_multiple_of(10) {
        let [a, b, c, d, ..] = bits.to_le_bytes().map(u16::from);
        SocketAddr::from(([0x2001, 0xdb8, 0, 0, a, b, c, d], 6881))
    } else {
        SocketAddr::from(((bits as u32).to_le_bytes(), 6881))
    };
    Announce {
        info_hash: info_hash(torrent),
        peer_id: PeerId(twenty_bytes(i as u64 + (1 << 41))),
        addr,
        event: AnnounceEvent::None,
        left: if i.is_multiple_of(3) { 0 } else { 1 << 20 },
        numwant: Some(numwant),
    }
}

fn filled_swarm() -> Swarm {
    let swarm = Swarm::new(SwarmConfig {
        max_numwant: 200,
        ..SwarmConfig::default()
    });
    let mut out = Vec::new();
    for i in 0..PEERS {
        swarm.announce(&request(i, 0), Secs(0), &mut out);
    }
    // A tracker with history has a completed count for most torrents.
    swarm.load_completed((0..TORRENTS).map(|t| (info_hash(t), 1 + t as u64 % 1_000)));
    // Listed too, for `announce_listed`; `announce` does not look.
    swarm.replace_listed((0..TORRENTS).map(|t| (info_hash(t), t as u64)));
    let totals = swarm.totals();
    assert_eq!(
        (totals.torrents, totals.seeders + totals.leechers),
        (TORRENTS, PEERS)
    );
    swarm
}

fn announce_and_scrape(c: &mut Criterion) {
    let swarm = filled_swarm();
    let mut order: Vec<usize> = (0..PEERS).collect();
    order.shuffle(&mut SmallRng::seed_from_u64(7));
    let mut group = c.benchmark_group("swarm");
    group.throughput(Throughput::Elements(1));

    // What the announce figures include besides the store: making the
    // request. Subtract it, or read the others as ratios against it.
    let mut next = order.iter().cycle();
    group.bench_function("build_request_only", |b| {
        b.iter(|| black_box(request(*next.next().unwrap(), 50)));
    });

    for numwant in [50, 0] {
        let mut next = order.iter().cycle();
        let mut out = Vec::with_capacity(200);
        group.bench_function(format!("announce_numwant_{numwant}"), |b| {
            b.iter(|| {
                let req = request(*next.next().unwrap(), numwant);
                black_box(swarm.announce(black_box(&req), Secs(1), &mut out));
            });
        });
    }

    // Mode `listed`: the same announce, refused unless its hash is
    // listed, with the tag handed over first (as mode `private` takes it).
    let mut next = order.iter().cycle();
    let mut out = Vec::with_capacity(200);
    group.bench_function("announce_listed_numwant_50", |b| {
        b.iter(|| {
            let req = request(*next.next().unwrap(), 50);
            let admit = |tag| black_box(Ok::<u64, ()>(tag)).map(drop);
            black_box(swarm.announce_listed_with(black_box(&req), Secs(1), &mut out, admit));
        });
    });

    let mut next = order.iter().map(|&i| i % TORRENTS).cycle();
    group.bench_function("scrape", |b| {
        b.iter(|| black_box(swarm.scrape(black_box(&info_hash(next.next().unwrap())))));
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = announce_and_scrape
}
criterion_main!(benches);
