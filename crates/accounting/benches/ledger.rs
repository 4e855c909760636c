//! The accounting work an announce adds in mode `private`: the ledger's
//! record (which looks the passkey up only to open a session), and the
//! passkey lookup alone.

use accounting::{
    Counters, Ledger, LedgerConfig, Member, MemberId, Members, Passkey, Release, ReleaseId, Report,
};
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use swarm::Secs;
use tracker_proto::{AnnounceEvent, PeerId};

const MEMBERS: u64 = 100_000;

fn passkey(n: u64) -> Passkey {
    let mut key = [0u8; 16];
    key[..8].copy_from_slice(&n.wrapping_mul(0x9E37_79B9_7F4A_7C15).to_le_bytes());
    key[8..].copy_from_slice(&n.to_le_bytes());
    Passkey(key)
}

fn bench(c: &mut Criterion) {
    let members = Members::new();
    members.replace_all((0..MEMBERS).map(|n| {
        (
            passkey(n),
            Member {
                id: MemberId(n as i64),
                may_start_downloads: true,
            },
        )
    }));
    let ledger = Ledger::new(LedgerConfig::default());
    let mut n = 0u64;
    let mut now = 0u32;
    c.bench_function("passkey lookup (100k members)", |b| {
        b.iter(|| {
            n = n.wrapping_add(7919) % MEMBERS;
            black_box(members.get(&passkey(n)))
        })
    });
    c.bench_function("ledger record (~1M sessions)", |b| {
        b.iter(|| {
            n = n.wrapping_add(7919) % (MEMBERS * 10);
            now = now.wrapping_add(1);
            let report = Report {
                passkey: passkey(n % MEMBERS),
                release: Release {
                    id: ReleaseId((n / 10) as i64),
                    freeleech: false,
                },
                peer_id: PeerId([(n % 251) as u8; 20]),
                event: AnnounceEvent::None,
                counters: Counters {
                    uploaded: u64::from(now) * 1000,
                    downloaded: 0,
                },
                left: 0,
            };
            // Asks the directory only to open a session.
            black_box(ledger.record(&report, Secs(now / 1000), &members))
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
