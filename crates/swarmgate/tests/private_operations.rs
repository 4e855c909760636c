//! Operating a private tracker: switching site-wide freeleech on a running
//! server, and the last accounting write at shutdown.

mod support;

use std::net::IpAddr;
use std::time::Duration;
use support::{config_for, start_in};
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
    let data_dir = tempfile::tempdir().unwrap();
    let store = store::Store::open_in_dir(data_dir.path()).await.unwrap();
    store.migrate().await.unwrap();
    let alice = support::add_uploader(&store, "alice", 0xa1).await;
    let release =
        support::add_release(&store, alice, 1, None, store::ReleaseStatus::Approved).await;
    let ledger = std::sync::Arc::new(Ledger::new(LedgerConfig::default()));
    let shutdown = tracker::Shutdown::new();
    let (drained, on_drained) = tokio::sync::oneshot::channel();
    let flusher = swarmgate::private::spawn_flusher(
        std::sync::Arc::clone(&ledger),
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
        ledger.record(&report, swarm::Secs(now), member).unwrap();
    }
    let _ = drained.send(());
    flusher.await.unwrap();
    assert_eq!(store.transfer_totals(alice).await.unwrap().uploaded, MIB);
}
