//! What the ledger's test files share: members, releases and passkeys by
//! number, and announces recorded as the tracker does.
#![allow(dead_code)]

use accounting::{
    Counters, Entry, Ledger, Member, MemberId, NotRecorded, Passkey, Pending, Refusal, Release,
    ReleaseId, Report,
};
use swarm::Secs;
use tracker_proto::{AnnounceEvent, PeerId};

pub const MIB: u64 = 1 << 20;

pub fn member(id: i64) -> Member {
    Member {
        id: MemberId(id),
        may_start_downloads: true,
    }
}

pub fn release(id: i64) -> Release {
    Release {
        id: ReleaseId(id),
        freeleech: false,
    }
}

/// Member `m`'s passkey in these tests.
pub fn key(m: i64) -> Passkey {
    let mut key = [0xaa; 16];
    key[..8].copy_from_slice(&m.to_le_bytes());
    Passkey(key)
}

pub fn member_of(passkey: &Passkey) -> i64 {
    i64::from_le_bytes(passkey.0[..8].try_into().unwrap())
}

/// Records `report` as the tracker does, the directory knowing the
/// passkey's member (allowed to start downloads).
pub fn record(ledger: &Ledger, report: &Report, now: Secs) -> Result<(), Refusal> {
    record_as(ledger, report, now, true)
}

pub fn record_as(
    ledger: &Ledger,
    report: &Report,
    now: Secs,
    may_start: bool,
) -> Result<(), Refusal> {
    let member = |passkey: &Passkey| {
        Some(Member {
            may_start_downloads: may_start,
            ..member(member_of(passkey))
        })
    };
    ledger
        .record(report, now, &member)
        .map_err(|not| match not {
            NotRecorded::Refused(refusal) => refusal,
            NotRecorded::UnknownPasskey => panic!("every passkey is known here"),
        })
}

pub fn report(
    m: i64,
    r: i64,
    peer: u8,
    event: AnnounceEvent,
    up: u64,
    down: u64,
    left: u64,
) -> Report {
    Report {
        passkey: key(m),
        release: release(r),
        peer_id: PeerId([peer; 20]),
        event,
        counters: Counters {
            uploaded: up,
            downloaded: down,
        },
        left,
    }
}

/// `report` on a freeleech release.
pub fn freeleech(mut report: Report) -> Report {
    report.release.freeleech = true;
    report
}

pub fn totals(entries: &[Entry]) -> Vec<(i64, i64, Pending)> {
    let mut out: Vec<_> = entries
        .iter()
        .map(|e| (e.member.0, e.release.0, e.credit))
        .collect();
    out.sort_by_key(|(m, r, _)| (*m, *r));
    out
}
