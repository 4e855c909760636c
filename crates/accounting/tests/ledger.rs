//! The ledger's contract: sessions, credit, snatches, freeleech, and the
//! directory's part (the rules are in `rules.rs`).

mod support;

use accounting::{
    Counters, Ledger, LedgerConfig, Live, Member, MemberId, Members, NotRecorded, Passkey, Pending,
    Refusal, ReleaseCredit, ReleaseId,
};
use proptest::prelude::*;
use std::sync::Arc;
use support::*;
use swarm::Secs;
use tracker_proto::AnnounceEvent;

use AnnounceEvent::{Completed, None as Regular, Started, Stopped};

#[test]
fn a_download_is_credited_from_started_to_stopped() {
    let ledger = Ledger::new(LedgerConfig::default());
    record(
        &ledger,
        &report(1, 10, 1, Started, 0, 0, 100 * MIB),
        Secs(0),
    )
    .unwrap();
    record(
        &ledger,
        &report(1, 10, 1, Regular, 5 * MIB, 40 * MIB, 60 * MIB),
        Secs(60),
    )
    .unwrap();
    assert_eq!(
        ledger.activity(MemberId(1)),
        vec![(
            ReleaseId(10),
            Live {
                seeding: 0,
                leeching: 1
            }
        )]
    );
    record(
        &ledger,
        &report(1, 10, 1, Completed, 7 * MIB, 100 * MIB, 0),
        Secs(120),
    )
    .unwrap();
    assert_eq!(
        ledger.activity(MemberId(1)),
        vec![(
            ReleaseId(10),
            Live {
                seeding: 1,
                leeching: 0
            }
        )]
    );
    record(
        &ledger,
        &report(1, 10, 1, Stopped, 9 * MIB, 100 * MIB, 0),
        Secs(180),
    )
    .unwrap();
    assert!(ledger.activity(MemberId(1)).is_empty());
    assert_eq!(ledger.sessions(), 0);
    assert_eq!(
        totals(&ledger.take_pending()),
        vec![(
            1,
            10,
            Pending {
                uploaded: 9 * MIB,
                downloaded: 100 * MIB,
                snatched: true,
                leeched: true,
            }
        )]
    );
    assert!(ledger.take_pending().is_empty(), "taken once");
}

#[test]
fn a_first_sight_without_started_credits_nothing() {
    let ledger = Ledger::new(LedgerConfig::default());
    // A tracker restart: the client's counters already include bytes
    // credited before it.
    record(
        &ledger,
        &report(1, 10, 1, Regular, 50 * MIB, 50 * MIB, 0),
        Secs(0),
    )
    .unwrap();
    assert!(ledger.take_pending().is_empty());
    record(
        &ledger,
        &report(1, 10, 1, Regular, 60 * MIB, 50 * MIB, 0),
        Secs(30),
    )
    .unwrap();
    assert_eq!(ledger.take_pending()[0].credit.uploaded, 10 * MIB);
}

#[test]
fn stopped_then_started_opens_a_fresh_session_whose_counters_restart_at_zero() {
    let ledger = Ledger::new(LedgerConfig::default());
    record(&ledger, &report(1, 10, 1, Started, 0, 0, 0), Secs(0)).unwrap();
    record(
        &ledger,
        &report(1, 10, 1, Stopped, 30 * MIB, 0, 0),
        Secs(30),
    )
    .unwrap();
    record(&ledger, &report(1, 10, 1, Started, 0, 0, 0), Secs(40)).unwrap();
    record(
        &ledger,
        &report(1, 10, 1, Regular, 20 * MIB, 0, 0),
        Secs(70),
    )
    .unwrap();
    assert_eq!(ledger.take_pending()[0].credit.uploaded, 50 * MIB);
}

#[test]
fn sessions_of_one_member_are_counted_per_peer_and_per_release() {
    let ledger = Ledger::new(LedgerConfig::default());
    record(&ledger, &report(1, 10, 1, Started, 0, 0, 0), Secs(0)).unwrap();
    record(&ledger, &report(1, 10, 2, Started, 0, 0, 5), Secs(0)).unwrap();
    record(&ledger, &report(1, 11, 1, Started, 0, 0, 5), Secs(0)).unwrap();
    record(&ledger, &report(2, 10, 1, Started, 0, 0, 5), Secs(0)).unwrap();
    assert_eq!(
        ledger.activity(MemberId(1)),
        vec![
            (
                ReleaseId(10),
                Live {
                    seeding: 1,
                    leeching: 1
                }
            ),
            (
                ReleaseId(11),
                Live {
                    seeding: 0,
                    leeching: 1
                }
            ),
        ]
    );
    record(&ledger, &report(1, 10, 1, Regular, MIB, 0, 0), Secs(10)).unwrap();
    record(&ledger, &report(1, 10, 2, Regular, 2 * MIB, 0, 5), Secs(10)).unwrap();
    record(&ledger, &report(2, 10, 1, Regular, 4 * MIB, 0, 5), Secs(10)).unwrap();
    let t = totals(&ledger.take_pending());
    assert_eq!(t.len(), 3);
    assert_eq!((t[0].0, t[0].1, t[0].2.uploaded), (1, 10, 3 * MIB));
    // Nothing moved on release 11, but the download let in is recorded.
    assert_eq!((t[1].0, t[1].1, t[1].2.uploaded), (1, 11, 0));
    assert!(t[1].2.leeched);
    assert_eq!((t[2].0, t[2].1, t[2].2.uploaded), (2, 10, 4 * MIB));
}

#[test]
fn freeleech_releases_and_the_site_switch_do_not_count_downloads() {
    let ledger = Ledger::new(LedgerConfig::default());
    let mut free = freeleech(report(1, 10, 1, Started, 0, 0, 10));
    record(&ledger, &free, Secs(0)).unwrap();
    free.event = Regular;
    free.counters = Counters {
        uploaded: MIB,
        downloaded: 8 * MIB,
    };
    record(&ledger, &free, Secs(10)).unwrap();
    let t = totals(&ledger.take_pending());
    assert_eq!((t[0].2.uploaded, t[0].2.downloaded), (MIB, 0));

    ledger.set_site_freeleech(true);
    record(&ledger, &report(2, 11, 1, Started, 0, 0, 10), Secs(0)).unwrap();
    record(&ledger, &report(2, 11, 1, Regular, 0, MIB, 10), Secs(10)).unwrap();
    assert_eq!(
        totals(&ledger.take_pending()),
        vec![(
            2,
            11,
            Pending {
                leeched: true,
                ..Pending::default()
            }
        )],
        "no bytes downloaded, only the download let in"
    );
}

#[test]
fn absurd_counters_are_clamped_and_counted() {
    let ledger = Ledger::new(LedgerConfig {
        max_rate: MIB,
        ..LedgerConfig::default()
    });
    record(&ledger, &report(1, 10, 1, Started, 0, 0, 0), Secs(0)).unwrap();
    record(
        &ledger,
        &report(1, 10, 1, Regular, u64::MAX, u64::MAX, 0),
        Secs(10),
    )
    .unwrap();
    let t = totals(&ledger.take_pending());
    assert_eq!((t[0].2.uploaded, t[0].2.downloaded), (10 * MIB, 10 * MIB));
    assert_eq!(
        ledger
            .stats()
            .clamped
            .load(std::sync::atomic::Ordering::Relaxed),
        1
    );
    // Further announces at u64::MAX add nothing.
    record(
        &ledger,
        &report(1, 10, 1, Regular, u64::MAX, u64::MAX, 0),
        Secs(20),
    )
    .unwrap();
    assert!(ledger.take_pending().is_empty());
}

#[test]
fn an_open_session_is_credited_without_asking_the_directory() {
    let ledger = Ledger::new(LedgerConfig::default());
    let nobody = |_: &Passkey| None;
    assert_eq!(
        ledger.record(&report(1, 10, 1, Started, 0, 0, 0), Secs(0), &nobody),
        Err(NotRecorded::UnknownPasskey),
        "no session: the directory decides"
    );
    assert_eq!(
        ledger.record(&report(1, 10, 1, Stopped, 0, 0, 0), Secs(0), &nobody),
        Err(NotRecorded::UnknownPasskey),
        "a stopped with an unknown passkey is refused as well"
    );
    assert_eq!(ledger.sessions(), 0);
    record(&ledger, &report(1, 10, 1, Started, 0, 0, 0), Secs(0)).unwrap();
    let unasked = |_: &Passkey| -> Option<Member> { panic!("the directory was asked") };
    ledger
        .record(&report(1, 10, 1, Regular, MIB, 0, 0), Secs(10), &unasked)
        .unwrap();
    ledger
        .record(
            &report(1, 10, 1, Stopped, 2 * MIB, 0, 0),
            Secs(20),
            &unasked,
        )
        .unwrap();
    assert_eq!(totals(&ledger.take_pending())[0].2.uploaded, 2 * MIB);
}

#[test]
fn a_closed_passkey_keeps_its_credit_and_must_ask_the_directory_again() {
    let ledger = Ledger::new(LedgerConfig::default());
    for (m, r, peer) in [(1, 10, 1), (1, 10, 2), (1, 11, 1), (2, 10, 1)] {
        record(&ledger, &report(m, r, peer, Started, 0, 0, 5), Secs(0)).unwrap();
        record(&ledger, &report(m, r, peer, Regular, MIB, 0, 5), Secs(10)).unwrap();
    }
    assert_eq!(ledger.close_passkey(&key(1)), 3);
    assert_eq!(ledger.close_passkey(&key(1)), 0);
    assert_eq!(ledger.sessions(), 1, "member 2's session stays");
    assert!(ledger.activity(MemberId(1)).is_empty());
    assert_eq!(
        ledger.record(
            &report(1, 10, 1, Regular, 2 * MIB, 0, 5),
            Secs(20),
            &|_: &Passkey| None
        ),
        Err(NotRecorded::UnknownPasskey)
    );
    let credit: Vec<(i64, i64, u64)> = totals(&ledger.take_pending())
        .into_iter()
        .map(|(m, r, p)| (m, r, p.uploaded))
        .collect();
    assert_eq!(credit, [(1, 10, 2 * MIB), (1, 11, MIB), (2, 10, MIB)]);
}

#[test]
fn the_directory_closes_the_sessions_of_every_passkey_that_stops_working() {
    let ledger = Arc::new(Ledger::new(LedgerConfig::default()));
    let members = Members::closing_sessions_in(Arc::clone(&ledger));
    let open = |m: i64| {
        ledger
            .record(&report(m, 10, 1, Started, 0, 0, 0), Secs(0), &members)
            .unwrap()
    };
    let is_open = |m: i64| {
        let probe = report(m, 10, 1, Regular, 0, 0, 0);
        ledger.record(&probe, Secs(1), &|_: &Passkey| None).is_ok()
    };
    for m in 1..=6 {
        members.insert(key(m), member(m));
        open(m);
    }
    members.remove(&key(1));
    assert!(members.rekey(&key(2), key(20)));
    members.insert(key(3), member(30));
    members.insert(key(4), member(4));
    members.replace_all_if(
        members.generation(),
        [(key(4), member(4)), (key(20), member(2))],
    );
    // Removed, rotated away, given to another account, gone in a reload.
    for m in [1, 2, 3, 5, 6] {
        assert!(!is_open(m), "member {m}'s session is still open");
    }
    assert!(is_open(4), "unchanged in the reload");
    assert_eq!(ledger.sessions(), 1);
}

#[test]
fn an_unlisted_release_frees_its_download_slots_and_keeps_or_drops_its_credit() {
    // Regression: a deleted or unapproved release's sessions stayed open
    // until they expired, holding a place under the download limit.
    let ledger = Ledger::new(LedgerConfig {
        max_leeching: Some(1),
        ..LedgerConfig::default()
    });
    for (r, peer) in [(10, 1), (11, 2)] {
        record(&ledger, &report(r, r, peer, Started, 0, 0, 10), Secs(0)).unwrap();
        record(
            &ledger,
            &report(r, r, peer, Regular, MIB, 2 * MIB, 10),
            Secs(10),
        )
        .unwrap();
    }
    assert_eq!(
        record(&ledger, &report(10, 12, 3, Started, 0, 0, 10), Secs(11)),
        Err(Refusal::TooManyDownloads(1))
    );
    // Unapproved: closed, the credit kept for the flush.
    assert_eq!(ledger.close_release(ReleaseId(10), ReleaseCredit::Keep), 1);
    // Deleted: closed, the credit dropped.
    assert_eq!(
        ledger.close_release(ReleaseId(11), ReleaseCredit::Discard),
        1
    );
    assert_eq!(ledger.sessions(), 0);
    assert!(ledger.activity(MemberId(10)).is_empty());
    record(&ledger, &report(10, 12, 3, Started, 0, 0, 10), Secs(12)).unwrap();
    let pending = totals(&ledger.take_pending());
    assert_eq!(pending.len(), 2, "{pending:?}");
    assert_eq!((pending[0].1, pending[0].2.uploaded), (10, MIB));
    assert_eq!(
        (pending[1].1, pending[1].2.uploaded),
        (12, 0),
        "release 11's went"
    );
}

#[test]
fn expiry_closes_silent_sessions_and_their_live_counts() {
    let ledger = Ledger::new(LedgerConfig::default());
    record(&ledger, &report(1, 10, 1, Started, 0, 0, 0), Secs(0)).unwrap();
    record(&ledger, &report(1, 11, 1, Started, 0, 0, 0), Secs(100)).unwrap();
    assert_eq!(ledger.expire(Secs(50)), 1);
    assert_eq!(ledger.sessions(), 1);
    assert_eq!(ledger.activity(MemberId(1)).len(), 1);
}

#[test]
fn restored_credit_adds_to_what_accrued_meanwhile() {
    let ledger = Ledger::new(LedgerConfig::default());
    record(&ledger, &report(1, 10, 1, Started, 0, 0, 0), Secs(0)).unwrap();
    record(&ledger, &report(1, 10, 1, Regular, MIB, 0, 0), Secs(10)).unwrap();
    let failed = ledger.take_pending();
    record(&ledger, &report(1, 10, 1, Regular, 3 * MIB, 0, 0), Secs(20)).unwrap();
    ledger.restore(failed);
    assert!(ledger.backlog() >= 1);
    assert_eq!(ledger.take_pending()[0].credit.uploaded, 3 * MIB);
}

#[test]
fn the_backlog_counts_sessions_with_credit_and_closed_sums() {
    let ledger = Ledger::new(LedgerConfig::default());
    record(&ledger, &report(1, 10, 1, Started, 0, 0, 0), Secs(0)).unwrap();
    record(&ledger, &report(1, 11, 1, Started, 0, 0, MIB), Secs(0)).unwrap();
    assert_eq!(ledger.backlog(), 1, "only the download let in on 11");
    record(&ledger, &report(1, 10, 1, Regular, MIB, 0, 0), Secs(10)).unwrap();
    record(&ledger, &report(1, 10, 1, Regular, 2 * MIB, 0, 0), Secs(20)).unwrap();
    assert_eq!(
        ledger.backlog(),
        2,
        "10's session, credited twice, and 11's download let in"
    );
    record(&ledger, &report(1, 11, 1, Regular, 0, MIB, MIB), Secs(20)).unwrap();
    assert_eq!(ledger.backlog(), 3, "11's session has credit of its own");
    // Closed: its credit moves to the closed sums, still one credit.
    record(&ledger, &report(1, 10, 1, Stopped, 3 * MIB, 0, 0), Secs(30)).unwrap();
    assert_eq!(ledger.backlog(), 3);
    // A snatch on a fresh session is credit too.
    record(&ledger, &report(2, 10, 1, Completed, 0, 0, 0), Secs(30)).unwrap();
    assert_eq!(ledger.backlog(), 4);
    let taken = ledger.take_pending();
    assert_eq!((taken.len(), ledger.backlog()), (3, 0));
    record(
        &ledger,
        &report(1, 11, 1, Regular, 0, 2 * MIB, MIB),
        Secs(40),
    )
    .unwrap();
    assert_eq!(ledger.backlog(), 1);
    ledger.restore(taken);
    assert_eq!(ledger.backlog(), 4);
    assert_eq!(ledger.take_pending().len(), 3);
    assert_eq!(ledger.backlog(), 0);
    // Expiry closes the open sessions; their credit stays counted.
    record(
        &ledger,
        &report(1, 11, 1, Regular, 0, 3 * MIB, MIB),
        Secs(50),
    )
    .unwrap();
    ledger.expire(Secs(1000));
    assert_eq!((ledger.sessions(), ledger.backlog()), (0, 1));
}

#[derive(Clone, Debug)]
struct Step {
    peer: u8,
    event: AnnounceEvent,
    /// How far the client's true counters rose before this announce.
    rise: u64,
    /// Whether the client restarted (stopped + new counters) first.
    restart: bool,
}

fn steps() -> impl Strategy<Value = Vec<Step>> {
    let event = prop_oneof![Just(Regular), Just(Started), Just(Completed), Just(Stopped)];
    prop::collection::vec(
        (0u8..3, event, 0u64..100 * MIB, any::<bool>()).prop_map(|(peer, event, rise, restart)| {
            Step {
                peer,
                event,
                rise,
                restart,
            }
        }),
        1..60,
    )
}

proptest! {
    /// Several clients of one member, each restarting its counters at
    /// will (with or without telling the tracker), any events: the credit
    /// never exceeds the bytes the clients really moved, and a session
    /// that reports in order from `started` is credited in full.
    #[test]
    fn credit_never_exceeds_the_truth(steps in steps(), deliver in prop::collection::vec(any::<bool>(), 60)) {
        let ledger = Ledger::new(LedgerConfig::default());
        let mut counters = [0u64; 3];
        let mut truth = 0u64;
        for (i, step) in steps.iter().enumerate() {
            let p = usize::from(step.peer);
            if step.restart {
                counters[p] = 0;
            }
            counters[p] += step.rise;
            truth += step.rise;
            // Some announces are lost in transit.
            if !deliver[i % deliver.len()] {
                continue;
            }
            let r = report(1, 10, step.peer, step.event, counters[p], 0, 0);
            record(&ledger, &r, Secs(10 * (i as u32 + 1))).unwrap();
        }
        let credited: u64 = ledger.take_pending().iter().map(|e| e.credit.uploaded).sum();
        prop_assert!(credited <= truth, "credited {credited} > truth {truth}");
    }

    #[test]
    fn an_in_order_session_from_started_is_credited_in_full(rises in prop::collection::vec(0u64..100 * MIB, 1..30)) {
        let ledger = Ledger::new(LedgerConfig::default());
        record(&ledger, &report(1, 10, 1, Started, 0, 0, 0), Secs(0)).unwrap();
        let mut up = 0;
        for (i, rise) in rises.iter().enumerate() {
            up += rise;
            record(&ledger, &report(1, 10, 1, Regular, up, 0, 0), Secs(10 * (i as u32 + 1))).unwrap();
        }
        let credited: u64 = ledger.take_pending().iter().map(|e| e.credit.uploaded).sum();
        prop_assert_eq!(credited, up);
    }
}
