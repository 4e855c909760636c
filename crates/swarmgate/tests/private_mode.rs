//! Tracker mode `private` in-process over UDP and HTTP: passkeys on every
//! announce, refusals clients can read, credit written to the store, and
//! passkey changes applied within a second.

mod support;

use std::net::IpAddr;
use std::time::{Duration, Instant};
use support::{
    TestServer, UdpAnnounce, UdpClient, announce_query, config_for, failure_reason, hash,
    http_announce, http_get, peer, start_in,
};
use swarmgate::config::TrackerMode;
use tracker_proto::udp::Response;

const A: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, 2));
const B: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, 3));
const MIB: u64 = 1 << 20;

/// Passkeys of the accounts the tests create: alice, bob, and carol (whose
/// account is disabled).
fn key(seed: u8) -> String {
    support::passkey_hex(seed)
}
const ALICE: u8 = 0xa1;
const BOB: u8 = 0xb2;
const CAROL: u8 = 0xc3;
const NOBODY: u8 = 0xee;

struct Setup {
    server: TestServer,
    alice: i64,
    bob: i64,
    /// The approved release, listed under `hash(1)`.
    release: i64,
}

/// A private tracker with three accounts and three approved releases
/// (`hash(1)`, `hash(2)` freeleech, and a hybrid one listed under `hash(3)`
/// and its v2 hash truncated, `hash(4)`), flushing every second.
async fn start_private() -> Setup {
    let (data_dir, store) = support::migrated_store().await;
    let alice = support::add_uploader(&store, "alice", ALICE).await;
    let bob = support::add_uploader(&store, "bob", BOB).await;
    let carol = support::add_uploader(&store, "carol", CAROL).await;
    store.set_disabled(carol, true).await.unwrap();
    let mut releases = Vec::new();
    for (n, v2) in [(1, None), (2, None), (3, Some([4; 32]))] {
        let approved = store::ReleaseStatus::Approved;
        releases.push(support::add_release(&store, alice, n, v2, approved).await);
    }
    store.set_freeleech(releases[1], true).await.unwrap();
    store.close().await;

    let mut config = config_for(IpAddr::from([127, 0, 0, 1]), data_dir.path());
    config.tracker.mode = TrackerMode::Private;
    config.accounting.flush_interval_secs = 1;
    config.accounting.max_rate_mib_per_sec = 100;
    let server = start_in(config, data_dir).await;
    Setup {
        server,
        alice,
        bob,
        release: releases[0],
    }
}

fn udp_error(response: &Response) -> Option<&str> {
    match response {
        Response::Error { message, .. } => Some(message),
        Response::AnnounceV4 { .. } | Response::AnnounceV6 { .. } => None,
        other => panic!("expected an announce or error, got {other:?}"),
    }
}

async fn totals(setup: &Setup, user: i64) -> store::TransferTotals {
    let store = store::Store::open_in_dir(setup.server.data_dir.path())
        .await
        .unwrap();
    let totals = store.transfer_totals(user).await.unwrap();
    store.close().await;
    totals
}

/// Waits until `check` holds, up to five seconds.
async fn eventually<F: AsyncFn() -> bool>(what: &str, check: F) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn udp_announces_need_a_members_passkey_in_the_url_data() {
    let setup = start_private().await;
    let mut client = UdpClient::new(A, setup.server.running.udp_addr());
    let announce = |url: &str| UdpAnnounce::new(hash(1), peer(1), 6881, 0).url(url);

    let cases = [
        ("", Some("this tracker needs your passkey")),
        ("/announce", Some("this tracker needs your passkey")),
        ("/announce/../", Some("malformed passkey")),
        ("/announce/0123", Some("malformed passkey")),
        (
            &format!("/announce/{}", key(NOBODY)),
            Some("unknown or revoked passkey"),
        ),
        (
            &format!("/announce/{}", key(CAROL)),
            Some("unknown or revoked passkey"),
        ),
        (&format!("/announce/{}", key(ALICE)), None),
        (&format!("/announce?pk={}", key(BOB)), None),
    ];
    for (url, refusal) in cases {
        let response = client.announce(announce(url));
        match refusal {
            Some(text) => {
                let message = udp_error(&response).unwrap_or_else(|| panic!("{url:?} was served"));
                assert!(message.contains(text), "{url:?}: {message}");
            }
            None => assert_eq!(udp_error(&response), None, "{url:?}"),
        }
    }
    let stats = setup.server.running.tracker().stats().snapshot().udp;
    assert_eq!(stats.unauthorized, 6);
    // Both served announces came from one address: one peer.
    assert_eq!(
        setup
            .server
            .running
            .tracker()
            .swarm()
            .scrape(&hash(1))
            .seeders,
        1
    );
    assert_eq!(
        setup
            .server
            .running
            .tracker()
            .accounting()
            .unwrap()
            .ledger
            .sessions(),
        2
    );
    // An approved release's hash only: a made-up one is refused even
    // with a good passkey.
    let unlisted = client.announce(
        UdpAnnounce::new(hash(9), peer(1), 6881, 0).url(&format!("/announce/{}", key(ALICE))),
    );
    assert!(udp_error(&unlisted).unwrap().contains("not registered"));
    // A UDP scrape cannot carry a passkey: refused, listed hash or not,
    // rather than telling anyone which hashes are listed.
    for hashes in [[hash(1)], [hash(9)]] {
        let refused = client.scrape(&hashes);
        assert!(
            udp_error(&refused).unwrap().contains("HTTP only"),
            "{refused:?}"
        );
    }
    let stats = setup.server.running.tracker().stats().snapshot().udp;
    assert_eq!(stats.unauthorized, 8);
    setup.server.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_announces_and_scrapes_need_a_members_passkey() {
    let setup = start_private().await;
    let s = &setup.server;
    let served = |body: &[u8]| failure_reason(body).is_none();
    let alice = key(ALICE);
    let upper = key(ALICE).to_uppercase();

    let refused = http_announce(s, A, "/announce", 1, (0, 0, 0), "started");
    assert!(
        failure_reason(&refused)
            .unwrap()
            .contains("needs your passkey")
    );
    let refused = http_announce(
        s,
        A,
        &format!("/announce/{}", key(NOBODY)),
        1,
        (0, 0, 0),
        "",
    );
    assert!(
        failure_reason(&refused)
            .unwrap()
            .contains("unknown or revoked")
    );
    let refused = http_announce(s, A, &format!("/announce/{}", key(CAROL)), 1, (0, 0, 0), "");
    assert!(
        failure_reason(&refused)
            .unwrap()
            .contains("unknown or revoked")
    );
    let refused = http_announce(s, A, "/announce/zz", 1, (0, 0, 0), "");
    assert!(
        failure_reason(&refused)
            .unwrap()
            .contains("malformed passkey")
    );
    let refused = http_announce(s, A, "/announce?pk=%2e%2e%2f", 1, (0, 0, 0), "");
    assert!(
        failure_reason(&refused)
            .unwrap()
            .contains("malformed passkey")
    );
    let (status, _) = http_get(A, s.running.http_addr(), "/announce/../announce");
    assert_ne!(status, 500);

    assert!(served(&http_announce(
        s,
        A,
        &format!("/announce/{alice}"),
        1,
        (0, 0, 0),
        "started"
    )));
    assert!(served(&http_announce(
        s,
        B,
        &format!("/announce/{upper}"),
        1,
        (0, 0, 5),
        "started"
    )));
    assert!(served(&http_announce(
        s,
        B,
        &format!("/announce?pk={}", key(BOB)),
        1,
        (0, 0, 5),
        ""
    )));

    let scrape = |path: &str| {
        let path = format!("{path}info_hash={}", support::pct(&hash(1).0));
        http_get(A, s.running.http_addr(), &path).1
    };
    assert!(
        failure_reason(&scrape("/scrape?"))
            .unwrap()
            .contains("needs your passkey")
    );
    let unknown = scrape(&format!("/scrape/{}?", key(NOBODY)));
    assert!(
        failure_reason(&unknown)
            .unwrap()
            .contains("unknown or revoked")
    );
    let counts = scrape(&format!("/scrape/{alice}?"));
    assert!(served(&counts), "{}", String::from_utf8_lossy(&counts));
    assert!(served(&scrape(&format!("/scrape?pk={alice}&"))));
    setup.server.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transfers_are_credited_per_member_and_written_within_a_flush() {
    let setup = start_private().await;
    let s = &setup.server;
    let seed = format!("/announce/{}", key(ALICE));
    let leech = format!("/announce/{}", key(BOB));

    http_announce(s, A, &seed, 1, (0, 0, 0), "started");
    http_announce(s, B, &leech, 1, (0, 0, 100 * MIB), "started");
    s.clock.advance(10);
    http_announce(s, A, &seed, 1, (60 * MIB, 0, 0), "");
    http_announce(s, B, &leech, 1, (0, 60 * MIB, 40 * MIB), "");
    eventually("the first flush", async || {
        totals(&setup, setup.alice).await.uploaded == 60 * MIB
    })
    .await;
    assert_eq!(totals(&setup, setup.bob).await.downloaded, 60 * MIB);

    // Downloads of a freeleech release count against nobody.
    http_announce(s, B, &leech, 2, (0, 0, 10 * MIB), "started");
    s.clock.advance(10);
    http_announce(s, B, &leech, 2, (0, 10 * MIB, 0), "completed");

    let running = &setup.server.running;
    let ledger = &running.tracker().accounting().unwrap().ledger;
    assert_eq!(ledger.sessions(), 3);
    assert_eq!(
        ledger.activity(accounting::MemberId(setup.bob)).len(),
        2,
        "bob is on both releases"
    );
    http_announce(s, B, &leech, 1, (0, 100 * MIB, 0), "completed");
    http_announce(s, A, &seed, 1, (100 * MIB, 0, 0), "stopped");
    // Stopping writes what is pending.
    let Setup {
        server,
        alice,
        bob,
        release,
    } = setup;
    let data_dir = server.data_dir.path().to_owned();
    server.running.stop().await.unwrap();

    let store = store::Store::open_in_dir(&data_dir).await.unwrap();
    let a = store.transfer_totals(alice).await.unwrap();
    let b = store.transfer_totals(bob).await.unwrap();
    assert_eq!((a.uploaded, a.downloaded), (100 * MIB, 0));
    assert_eq!((b.uploaded, b.downloaded, b.snatched), (0, 100 * MIB, 2));
    let rows = store.member_transfers(bob, 10).await.unwrap();
    let on_release = rows.iter().find(|r| r.release_id == release).unwrap();
    assert!(on_release.snatched_at.is_some());
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn absurd_counters_are_clamped_and_nothing_goes_negative() {
    let setup = start_private().await;
    let s = &setup.server;
    let seed = format!("/announce/{}", key(ALICE));
    http_announce(s, A, &seed, 1, (0, 0, 0), "started");
    s.clock.advance(10);
    let max = u64::MAX;
    let body = http_announce(s, A, &seed, 1, (max, max, 0), "");
    assert_eq!(failure_reason(&body), None, "clamped, not refused");
    // Counters going backwards are ignored.
    http_announce(s, A, &seed, 1, (5, 5, 0), "");
    let Setup { server, alice, .. } = setup;
    let data_dir = server.data_dir.path().to_owned();
    let ledger = std::sync::Arc::clone(&server.running.tracker().accounting().unwrap().ledger);
    server.running.stop().await.unwrap();
    assert_eq!(
        ledger
            .stats()
            .clamped
            .load(std::sync::atomic::Ordering::Relaxed),
        1
    );

    let store = store::Store::open_in_dir(&data_dir).await.unwrap();
    let a = store.transfer_totals(alice).await.unwrap();
    // 100 MiB/s for the 10 s since `started`.
    assert_eq!((a.uploaded, a.downloaded), (1000 * MIB, 1000 * MIB));
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotated_passkey_is_refused_within_a_second_over_udp_and_http() {
    let setup = start_private().await;
    let s = &setup.server;
    let old = key(ALICE);
    let new = key(0xa9);
    let mut udp = UdpClient::new(A, s.running.udp_addr());
    let udp_with = |udp: &mut UdpClient, k: &str| {
        let response = udp
            .announce(UdpAnnounce::new(hash(1), peer(1), 6881, 0).url(&format!("/announce/{k}")));
        udp_error(&response).map(str::to_owned)
    };
    assert_eq!(udp_with(&mut udp, &old), None);

    // What `swarmgate user ...` does: change the database, then tell the
    // running server through its control socket.
    let store = store::Store::open_in_dir(s.data_dir.path()).await.unwrap();
    let [was, now] = [[ALICE; 16], [0xa9; 16]].map(store::Passkey::from_bytes);
    assert!(
        store
            .replace_passkey(setup.alice, &was, &now)
            .await
            .unwrap()
    );
    store.close().await;
    let started = Instant::now();
    let answer = swarmgate::reload::send_command(s.data_dir.path(), "members reload")
        .await
        .unwrap();
    assert!(answer.starts_with("ok members reloaded"), "{answer}");

    let refused = udp_with(&mut udp, &old).expect("old key refused over UDP");
    assert!(refused.contains("unknown or revoked"));
    let body = http_announce(s, A, &format!("/announce/{old}"), 1, (0, 0, 0), "");
    assert!(
        failure_reason(&body)
            .unwrap()
            .contains("unknown or revoked")
    );
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(1), "took {elapsed:?}");
    assert_eq!(udp_with(&mut udp, &new), None, "the new key works");
    let body = http_announce(s, A, &format!("/announce/{new}"), 1, (0, 0, 0), "");
    assert_eq!(failure_reason(&body), None);

    // Disabling works the same way, also for a client whose session was
    // open (the ledger credits an open session without the directory).
    let bob = format!("/announce/{}", key(BOB));
    let body = http_announce(s, B, &bob, 1, (0, 0, 0), "started");
    assert_eq!(failure_reason(&body), None);
    let store = store::Store::open_in_dir(s.data_dir.path()).await.unwrap();
    store.set_disabled(setup.bob, true).await.unwrap();
    store.close().await;
    swarmgate::reload::send_command(s.data_dir.path(), "members reload")
        .await
        .unwrap();
    let body = http_announce(s, B, &bob, 1, (0, 0, 0), "");
    assert!(
        failure_reason(&body)
            .unwrap()
            .contains("unknown or revoked")
    );
    setup.server.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_release_is_refused_and_its_late_credit_dropped() {
    let setup = start_private().await;
    let s = &setup.server;
    let seed = format!("/announce/{}", key(ALICE));
    http_announce(s, A, &seed, 1, (0, 0, 0), "started");
    s.clock.advance(10);
    http_announce(s, A, &seed, 1, (MIB, 0, 0), "");
    // Deleted in the database before the flush, unlisted on the tracker.
    let store = store::Store::open_in_dir(s.data_dir.path()).await.unwrap();
    store.delete_release(setup.release).await.unwrap();
    s.running.tracker().catalog().unwrap().remove(&hash(1));
    let refused = http_announce(s, A, &seed, 1, (2 * MIB, 0, 0), "");
    assert!(failure_reason(&refused).unwrap().contains("not registered"));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        store.member_transfers(setup.alice, 10).await.unwrap(),
        vec![]
    );
    assert_eq!(
        store.transfer_totals(setup.alice).await.unwrap().uploaded,
        MIB
    );
    store.close().await;
    setup.server.running.stop().await.unwrap();
}

/// A client in both swarms of a hybrid release announces under each of
/// its hashes with the same totals, as libtorrent does: one session takes
/// both, and the member is credited once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hybrid_release_announced_under_both_hashes_is_credited_once() {
    let setup = start_private().await;
    let s = &setup.server;
    let path = format!("/announce/{}", key(ALICE));
    let announce = |n: u8, uploaded: u64, event: &str| {
        let query = announce_query(hash(n), peer(9), 6881, 0, event)
            .replace("uploaded=0", &format!("uploaded={uploaded}"));
        let url = format!("{path}?{query}");
        let (status, body) = http_get(A, s.running.http_addr(), &url);
        assert_eq!((status, failure_reason(&body)), (200, None));
    };
    announce(3, 0, "started");
    announce(4, 0, "started");
    s.clock.advance(10);
    announce(3, 30 * MIB, "");
    announce(4, 30 * MIB, "");
    s.clock.advance(10);
    announce(4, 50 * MIB, "");
    announce(3, 50 * MIB, "");
    let ledger = &s.running.tracker().accounting().unwrap().ledger;
    assert_eq!(ledger.sessions(), 1, "one session for both hashes");
    eventually("the flush", async || {
        totals(&setup, setup.alice).await.uploaded == 50 * MIB
    })
    .await;
    // A later flush adds nothing for the second hash's reports.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(totals(&setup, setup.alice).await.uploaded, 50 * MIB);
    setup.server.running.stop().await.unwrap();
}
