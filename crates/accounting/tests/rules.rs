//! The ledger's optional rules: the minimum ratio to start downloads and
//! the most releases leeched at once.

mod support;

use accounting::{
    Entry, Ledger, LedgerConfig, Live, Member, MemberId, Members, NotRecorded, Pending, Refusal,
    ReleaseId,
};
use support::{MIB, freeleech, key, member, record, record_as, release, report};
use swarm::Secs;
use tracker_proto::AnnounceEvent::{Completed, None as Regular, Started, Stopped};
use tracker_proto::PeerId;

#[test]
fn the_ratio_rule_refuses_new_downloads_only() {
    let ledger = Ledger::new(LedgerConfig::default());
    let low = report(1, 10, 1, Started, 0, 0, 10);
    assert_eq!(
        record_as(&ledger, &low, Secs(0), false),
        Err(Refusal::RatioTooLow)
    );
    assert_eq!(ledger.sessions(), 0, "a refusal changes nothing");
    // Seeding is always allowed, and so is another client on a release
    // already being downloaded.
    let mut seed = low;
    seed.left = 0;
    seed.release = release(11);
    record_as(&ledger, &seed, Secs(0), false).unwrap();
    let mut ok = report(1, 12, 1, Started, 0, 0, 10);
    record(&ledger, &ok, Secs(0)).unwrap();
    ok.peer_id = PeerId([2; 20]);
    record_as(&ledger, &ok, Secs(1), false).unwrap();
}

#[test]
fn the_ratio_rule_lets_a_download_on_record_resume() {
    // Regression: a download resumed after `stopped` (or a restart of the
    // client or tracker) was refused as new, so a member below the
    // minimum could not finish it.
    let ledger = Ledger::new(LedgerConfig::default());
    let leech = |r, event| report(1, r, 1, event, 0, MIB, 10);
    record(&ledger, &leech(10, Started), Secs(0)).unwrap();
    record(&ledger, &report(1, 10, 1, Regular, 0, 2 * MIB, 10), Secs(5)).unwrap();
    record(&ledger, &report(1, 10, 1, Stopped, 0, 3 * MIB, 10), Secs(9)).unwrap();
    // Held back now: the stopped download's credit is still pending here.
    record_as(&ledger, &leech(10, Started), Secs(10), false).unwrap();
    record(&ledger, &leech(10, Stopped), Secs(11)).unwrap();
    assert_eq!(
        record_as(&ledger, &leech(11, Started), Secs(12), false),
        Err(Refusal::RatioTooLow),
        "release 11 is new"
    );
    // Written: the directory's history has it.
    ledger.take_pending();
    let members = Members::new();
    members.insert(
        key(1),
        Member {
            may_start_downloads: false,
            ..member(1)
        },
    );
    assert_eq!(
        ledger.record(&leech(10, Started), Secs(13), &members),
        Err(NotRecorded::Refused(Refusal::RatioTooLow)),
        "nothing pending, no history"
    );
    members.begin_history_load().finish(
        [MemberId(1)],
        [(MemberId(1), ReleaseId(10)), (MemberId(2), ReleaseId(11))],
    );
    ledger
        .record(&leech(10, Started), Secs(14), &members)
        .unwrap();
    assert_eq!(
        ledger.record(&leech(11, Started), Secs(15), &members),
        Err(NotRecorded::Refused(Refusal::RatioTooLow)),
        "another member's history is not this one's"
    );
    // A flush's transfers join it.
    members.note_transfers(&[Entry {
        member: MemberId(1),
        release: ReleaseId(11),
        credit: Pending {
            leeched: true,
            ..Pending::default()
        },
    }]);
    ledger
        .record(&leech(11, Started), Secs(16), &members)
        .unwrap();
}

#[test]
fn the_download_limit_counts_releases_not_clients() {
    let ledger = Ledger::new(LedgerConfig {
        max_leeching: Some(2),
        ..LedgerConfig::default()
    });
    record(&ledger, &report(1, 10, 1, Started, 0, 0, 10), Secs(0)).unwrap();
    record(&ledger, &report(1, 10, 2, Started, 0, 0, 10), Secs(0)).unwrap();
    record(&ledger, &report(1, 11, 1, Started, 0, 0, 10), Secs(0)).unwrap();
    assert_eq!(
        record(&ledger, &report(1, 12, 1, Started, 0, 0, 10), Secs(0)),
        Err(Refusal::TooManyDownloads(2))
    );
    assert!(Refusal::TooManyDownloads(2).message().contains('2'));
    record(&ledger, &report(2, 12, 1, Started, 0, 0, 10), Secs(0)).unwrap();
    // Finishing one frees a slot.
    record(&ledger, &report(1, 11, 1, Completed, 0, 10, 0), Secs(5)).unwrap();
    record(&ledger, &report(1, 12, 1, Started, 0, 0, 10), Secs(6)).unwrap();
}

#[test]
fn a_seeding_session_that_turns_leeching_is_checked_as_a_new_download() {
    // Regression: a member held back could announce nothing left to open
    // a session unchecked, then leech through it.
    let ledger = Ledger::new(LedgerConfig {
        max_leeching: Some(1),
        ..LedgerConfig::default()
    });
    let seed = report(1, 10, 1, Started, 0, 0, 0);
    record_as(&ledger, &seed, Secs(0), false).unwrap();
    let leech = report(1, 10, 1, Regular, 3 * MIB, MIB, 10);
    assert_eq!(
        record_as(&ledger, &leech, Secs(5), false),
        Err(Refusal::RatioTooLow)
    );
    // Refused the download, the session still seeds, credited what it
    // reported: a held-back member's way out is their upload.
    assert_eq!(
        ledger.activity(MemberId(1)),
        vec![(ReleaseId(10), seeding(1))]
    );
    let refused = ledger.take_pending();
    assert_eq!(refused.len(), 1);
    assert_eq!(
        refused[0].credit,
        Pending {
            uploaded: 3 * MIB,
            downloaded: MIB,
            ..Pending::default()
        },
        "credited, and no download let in"
    );
    // The download limit is checked on the same turn.
    record(&ledger, &report(1, 11, 1, Started, 0, 0, 10), Secs(6)).unwrap();
    assert_eq!(
        record(&ledger, &leech, Secs(7)),
        Err(Refusal::TooManyDownloads(1))
    );
    record(&ledger, &report(1, 11, 1, Stopped, 0, 0, 10), Secs(8)).unwrap();
    record(&ledger, &leech, Secs(9)).unwrap();
    assert_eq!(
        ledger.activity(MemberId(1)),
        vec![(ReleaseId(10), leeching(1))]
    );
    let taken = ledger.take_pending();
    let on_10 = taken.iter().find(|e| e.release == ReleaseId(10)).unwrap();
    assert!(on_10.credit.leeched, "a download let in is on record");
}

#[test]
fn a_turn_to_leeching_resumes_a_download_let_in_before() {
    let ledger = Ledger::new(LedgerConfig::default());
    // Let in while the member could start downloads; finished.
    record(&ledger, &report(1, 10, 1, Started, 0, 0, 10), Secs(0)).unwrap();
    record(&ledger, &report(1, 10, 1, Completed, 0, 10, 0), Secs(5)).unwrap();
    // Held back now. A recheck finds data missing: the same download.
    record_as(
        &ledger,
        &report(1, 10, 1, Regular, 0, 10, 4),
        Secs(9),
        false,
    )
    .unwrap();
    // Another client seeding the release while that one leeches.
    record_as(
        &ledger,
        &report(1, 10, 2, Started, 0, 0, 0),
        Secs(10),
        false,
    )
    .unwrap();
    record_as(
        &ledger,
        &report(1, 10, 2, Regular, 0, 0, 4),
        Secs(11),
        false,
    )
    .unwrap();
    assert_eq!(
        ledger.activity(MemberId(1)),
        vec![(ReleaseId(10), leeching(2))]
    );
    // Once the flush took the mark, only the directory's history can say.
    ledger.take_pending();
    record_as(
        &ledger,
        &report(1, 10, 1, Stopped, 0, 10, 4),
        Secs(12),
        false,
    )
    .unwrap();
    record_as(
        &ledger,
        &report(1, 10, 2, Stopped, 0, 0, 4),
        Secs(12),
        false,
    )
    .unwrap();
    record_as(
        &ledger,
        &report(1, 10, 3, Started, 0, 0, 0),
        Secs(13),
        false,
    )
    .unwrap();
    assert_eq!(
        record_as(
            &ledger,
            &report(1, 10, 3, Regular, 0, 0, 4),
            Secs(14),
            false
        ),
        Err(Refusal::RatioTooLow),
        "this test's directory has no history"
    );
}

#[test]
fn a_snatch_or_seeding_credit_is_no_download_to_resume() {
    // Regression: `completed` with nothing left, then `stopped`, left a
    // snatch pending, which the rule took for a download on record.
    let ledger = Ledger::new(LedgerConfig::default());
    record_as(
        &ledger,
        &report(1, 10, 1, Completed, 0, 0, 0),
        Secs(0),
        false,
    )
    .unwrap();
    record_as(
        &ledger,
        &report(1, 10, 1, Regular, 5 * MIB, 0, 0),
        Secs(9),
        false,
    )
    .unwrap();
    record_as(
        &ledger,
        &report(1, 10, 1, Stopped, 6 * MIB, 0, 0),
        Secs(10),
        false,
    )
    .unwrap();
    assert_eq!(
        record_as(
            &ledger,
            &report(1, 10, 2, Started, 0, 0, 10),
            Secs(11),
            false
        ),
        Err(Refusal::RatioTooLow)
    );
    let taken = ledger.take_pending();
    assert_eq!(taken.len(), 1);
    assert!(taken[0].credit.snatched && !taken[0].credit.leeched);
}

#[test]
fn a_freeleech_download_that_moved_nothing_is_on_record() {
    // Regression: with no bytes credited, nothing was written, and the
    // download could not be resumed once its member was held back.
    let ledger = Ledger::new(LedgerConfig::default());
    let started = freeleech(report(1, 10, 1, Started, 0, 0, 10));
    record(&ledger, &started, Secs(0)).unwrap();
    let stopped = freeleech(report(1, 10, 1, Stopped, 0, 8, 2));
    record(&ledger, &stopped, Secs(5)).unwrap();
    assert_eq!(ledger.backlog(), 1);
    let taken = ledger.take_pending();
    assert_eq!(taken.len(), 1);
    assert_eq!(
        taken[0].credit,
        Pending {
            leeched: true,
            ..Pending::default()
        }
    );
}

fn seeding(n: u32) -> Live {
    Live {
        seeding: n,
        leeching: 0,
    }
}

fn leeching(n: u32) -> Live {
    Live {
        seeding: 0,
        leeching: n,
    }
}
