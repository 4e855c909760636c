//! Operating a private tracker: switching site-wide freeleech on a running
//! server, the minimum-ratio rule, and the last accounting write at
//! shutdown.

mod support;

use std::net::IpAddr;
use std::time::{Duration, Instant};
use support::{config_for, failure_reason, http_announce, start_in};
use swarmgate::config::TrackerMode;
use swarmgate::reload::send_command;

const MIB: u64 = 1 << 20;

#[tokio::test]
async fn site_wide_freeleech_is_switched_on_a_running_server() {
    let data_dir = tempfile::tempdir().unwrap();
    let mut config = config_for(IpAddr::from([127, 0, 0, 1]), data_dir.path());
    config.tracker.mode = TrackerMode::Private;
    let server = start_in(config, data_dir).await;
    let ledger = &server.running.tracker().accounting().unwrap().ledger;
    assert!(!ledger.site_freeleech());
    let dir = server.data_dir.path();
    let answer = send_command(dir, "freeleech on").await.unwrap();
    assert!(answer.starts_with("ok site-wide freeleech on"), "{answer}");
    assert!(ledger.site_freeleech());
    let answer = send_command(dir, "freeleech off").await.unwrap();
    assert!(answer.starts_with("ok site-wide freeleech off"), "{answer}");
    assert!(!ledger.site_freeleech());
    let answer = send_command(dir, "freeleech maybe").await.unwrap();
    assert!(answer.starts_with("error unknown command"), "{answer}");
    server.running.stop().await.unwrap();

    // Other modes keep no ledger.
    let data_dir = tempfile::tempdir().unwrap();
    let config = config_for(IpAddr::from([127, 0, 0, 1]), data_dir.path());
    let server = start_in(config, data_dir).await;
    let answer = send_command(server.data_dir.path(), "freeleech on")
        .await
        .unwrap();
    assert_eq!(answer, "error the tracker is not in mode private");
    server.running.stop().await.unwrap();
}

#[tokio::test]
async fn the_last_flush_comes_after_the_servers_have_stopped() {
    // Regression: the shutdown's write ran as soon as shutdown was
    // triggered, while the servers still answered what they had
    // received; the credit of such an announce was lost.
    use accounting::{
        Counters, Ledger, LedgerConfig, Member, MemberId, Passkey, Release, ReleaseId, Report,
    };
    let (_data_dir, store) = support::migrated_store().await;
    let alice = support::add_uploader(&store, "alice", 0xa1).await;
    let release =
        support::add_release(&store, alice, 1, None, store::ReleaseStatus::Approved).await;
    let ledger = std::sync::Arc::new(Ledger::new(LedgerConfig::default()));
    let shutdown = tracker::Shutdown::new();
    let (drained, on_drained) = tokio::sync::oneshot::channel();
    let flusher = swarmgate::private::spawn_flusher(
        std::sync::Arc::clone(&ledger),
        Default::default(),
        store.clone(),
        Default::default(),
        3600,
        shutdown.clone(),
        on_drained,
    );
    shutdown.trigger();
    tokio::time::sleep(Duration::from_millis(200)).await;
    // A server, still draining, records an announce.
    let passkey = Passkey::parse(support::passkey_hex(0xa1).as_bytes()).unwrap();
    for (event, uploaded, now) in [
        (tracker_proto::AnnounceEvent::Started, 0, 10),
        (tracker_proto::AnnounceEvent::None, MIB, 20),
    ] {
        let report = Report {
            passkey,
            release: Release {
                id: ReleaseId(release),
                freeleech: false,
            },
            peer_id: tracker_proto::PeerId([1; 20]),
            event,
            counters: Counters {
                uploaded,
                downloaded: 0,
            },
            left: 0,
        };
        let member = |_: &Passkey| {
            Some(Member {
                id: MemberId(alice),
                may_start_downloads: true,
            })
        };
        ledger.record(&report, swarm::Secs(now), &member).unwrap();
    }
    let _ = drained.send(());
    flusher.await.unwrap();
    assert_eq!(store.transfer_totals(alice).await.unwrap().uploaded, MIB);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_held_back_by_the_ratio_rule_resumes_downloads_but_starts_none() {
    // Regressions: a download resumed after `stopped`, or after a restart
    // of the client or the tracker, was refused as a new one, so a member
    // below the minimum ratio could not finish it; and a member held back
    // could start one by announcing first that nothing was left.
    let (data_dir, store) = support::migrated_store().await;
    let alice = support::add_uploader(&store, "alice", 0xa1).await;
    let bob = support::add_uploader(&store, "bob", 0xb2).await;
    let carol = support::add_uploader(&store, "carol", 0xc3).await;
    let mut releases = Vec::new();
    for n in 1..=3 {
        let approved = store::ReleaseStatus::Approved;
        releases.push(support::add_release(&store, alice, n, None, approved).await);
    }
    // Bob downloaded 2 GiB of release 1 and uploaded nothing.
    let two_gib_of = |user_id, n: usize| store::TransferCredit {
        user_id,
        release_id: releases[n - 1],
        uploaded: 0,
        downloaded: 2 << 30,
        snatched: false,
        leeched: true,
    };
    // Carol seeded release 1: no download of hers, so nothing to resume.
    let carol_seeded = store::TransferCredit {
        user_id: carol,
        release_id: releases[0],
        uploaded: MIB,
        downloaded: 0,
        snatched: false,
        leeched: false,
    };
    store
        .add_transfers(&[two_gib_of(bob, 1), carol_seeded], 1)
        .await
        .unwrap();
    store.close().await;
    let mut config = config_for(IpAddr::from([127, 0, 0, 1]), data_dir.path());
    config.tracker.mode = TrackerMode::Private;
    config.accounting.min_ratio = 0.5;
    config.accounting.min_ratio_grace_gib = 1;
    config.accounting.flush_interval_secs = 1;
    // Members are reloaded by this test only.
    config.accounting.members_reload_secs = 3600;
    let server = start_in(config, data_dir).await;
    let as_member = |ip: [u8; 4], seed: u8| {
        let path = format!("/announce/{}", support::passkey_hex(seed));
        let server = &server;
        move |n: u8, counters: (u64, u64, u64), event: &str| {
            let body = http_announce(server, IpAddr::from(ip), &path, n, counters, event);
            failure_reason(&body)
        }
    };
    let bob_announces = as_member([127, 0, 0, 2], 0xb2);

    let new = bob_announces(3, (0, 0, MIB), "started").expect("a new download is refused");
    assert!(new.contains("ratio is below the minimum"), "{new}");
    assert_eq!(
        bob_announces(1, (0, 0, MIB), "started"),
        None,
        "release 1 is resumed"
    );
    assert_eq!(bob_announces(1, (0, MIB, 0), "stopped"), None);
    // Seeding is allowed; turning the seeding session into a download is
    // not, and neither is leeching after a snatch with nothing downloaded.
    assert_eq!(bob_announces(2, (0, 0, 0), "started"), None);
    let turned = bob_announces(2, (0, 0, MIB), "").expect("no download through a seeding session");
    assert!(turned.contains("ratio"), "{turned}");
    assert_eq!(bob_announces(2, (MIB, 0, 0), "completed"), None);
    assert_eq!(bob_announces(2, (MIB, 0, 0), "stopped"), None);
    let after_snatch = bob_announces(2, (0, 0, MIB), "started").expect("a snatch is no download");
    assert!(after_snatch.contains("ratio"), "{after_snatch}");

    // Carol starts a download while she may, and is held back after it.
    let carol_announces = as_member([127, 0, 0, 3], 0xc3);
    assert_eq!(carol_announces(2, (0, 0, MIB), "started"), None);
    assert_eq!(carol_announces(2, (0, MIB / 2, MIB / 2), "stopped"), None);
    let store = store::Store::open_in_dir(server.data_dir.path())
        .await
        .unwrap();
    store
        .add_transfers(&[two_gib_of(carol, 3)], 2)
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    // Release 2's download, from the flush, and release 3's.
    while store.leeched_releases(&[carol]).await.unwrap().len() < 2 {
        assert!(Instant::now() < deadline, "the flush wrote nothing");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    store.close().await;
    let answer = send_command(server.data_dir.path(), "members reload")
        .await
        .unwrap();
    assert!(answer.starts_with("ok members reloaded"), "{answer}");
    let held = carol_announces(1, (0, 0, MIB), "started").expect("release 1 was only seeded");
    assert!(held.contains("ratio"), "{held}");
    assert_eq!(
        carol_announces(2, (0, MIB / 2, MIB / 2), "started"),
        None,
        "her download of release 2 resumes"
    );
    server.running.stop().await.unwrap();
}
