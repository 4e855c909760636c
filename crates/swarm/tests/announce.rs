//! The store's contract through its public API: events, peer identity,
//! completed counts and expiry.

mod support;

use support::*;

#[test]
fn announce_with_stopped_event_removes_the_peer() {
    let swarm = swarm();
    announce(&swarm, &leecher(1, 1, v4(1)));
    announce(&swarm, &seeder(1, 2, v4(2)));
    let (after, peers) = announce(&swarm, &with(AnnounceEvent::Stopped, leecher(1, 1, v4(1))));
    assert_eq!(after, counts(1, 0, 0));
    assert!(peers.is_empty(), "a stopped announce hands out no peers");
    assert_eq!(swarm.scrape(&hash(1)), counts(1, 0, 0));
    let (_, peers) = announce(&swarm, &leecher(1, 3, v4(3)));
    assert_eq!(ids(&peers), [2]);
}

#[test]
fn a_stopped_announce_from_an_unknown_peer_changes_nothing() {
    let swarm = swarm();
    let (after, _) = announce(&swarm, &with(AnnounceEvent::Stopped, leecher(1, 1, v4(1))));
    assert_eq!(after, SwarmCounts::default());
    assert_eq!(swarm.totals(), SwarmTotals::default());
}

#[test]
fn a_reannounce_replaces_the_peers_entry() {
    let swarm = swarm();
    announce(&swarm, &leecher(1, 1, v4(1)));
    // Same address, now complete: still one peer.
    let (after, _) = announce(&swarm, &seeder(1, 1, v4(1)));
    assert_eq!(after, counts(1, 0, 0));
    let (_, peers) = announce(&swarm, &leecher(1, 2, v4(2)));
    assert_eq!(
        peers,
        [PeerOut {
            peer_id: id(1),
            addr: v4(1)
        }]
    );
}

#[test]
fn a_peer_is_identified_by_its_address_not_its_peer_id() {
    let swarm = swarm();
    // One peer id from two ports: two endpoints, two peers.
    announce(&swarm, &leecher(1, 1, port(1, 6881)));
    let (after, _) = announce(&swarm, &leecher(1, 1, port(1, 6882)));
    assert_eq!(after, counts(0, 2, 0));
    // A new peer id from a known address (a client restarted on the same
    // port) replaces that address's entry.
    let (after, _) = announce(&swarm, &seeder(1, 2, port(1, 6882)));
    assert_eq!(after, counts(1, 1, 0));
    let (_, mut peers) = announce(&swarm, &leecher(1, 3, v4(3)));
    peers.sort_unstable_by_key(|p| p.addr);
    assert_eq!(
        peers,
        [
            PeerOut {
                peer_id: id(1),
                addr: port(1, 6881)
            },
            PeerOut {
                peer_id: id(2),
                addr: port(1, 6882)
            },
        ]
    );
    // An IPv4-mapped address is the same endpoint as the plain one.
    let mapped: SocketAddr = "[::ffff:192.0.2.1]:6881".parse().unwrap();
    let (after, _) = announce(&swarm, &leecher(1, 4, mapped));
    assert_eq!(after, counts(1, 2, 0));
}

#[test]
fn peers_sharing_one_peer_id_on_distinct_ports_form_a_real_swarm() {
    // aquatic's UDP load tester sends twenty zero bytes as every peer id.
    let swarm = swarm();
    for p in 0..10 {
        announce(&swarm, &leecher(1, 0, port(1, 7000 + p)));
    }
    let (after, peers) = announce(&swarm, &leecher(1, 0, port(1, 7000)));
    assert_eq!(after, counts(0, 10, 0));
    let mut addrs: Vec<SocketAddr> = peers.iter().map(|p| p.addr).collect();
    addrs.sort_unstable();
    addrs.dedup();
    assert_eq!(addrs.len(), 9);
    assert!(!addrs.contains(&port(1, 7000)));
}

#[test]
fn a_stopped_announce_from_another_address_does_not_evict_a_peer() {
    // Keyed by peer id, a stopped announce with a victim's id evicted it.
    let swarm = swarm();
    announce(&swarm, &leecher(1, 1, v4(1)));
    let spoofed = with(AnnounceEvent::Stopped, leecher(1, 1, v4(66)));
    assert_eq!(announce(&swarm, &spoofed).0, counts(0, 1, 0));
    let (_, peers) = announce(&swarm, &leecher(1, 2, v4(2)));
    assert_eq!(
        peers,
        [PeerOut {
            peer_id: id(1),
            addr: v4(1)
        }]
    );
    // The endpoint itself can leave, whatever id it now sends.
    let own = with(AnnounceEvent::Stopped, leecher(1, 9, v4(1)));
    assert_eq!(announce(&swarm, &own).0, counts(0, 1, 0));
    assert_eq!(announce(&swarm, &leecher(1, 2, v4(2))).1, []);
}

#[test]
fn a_seeder_repeating_completed_is_counted_once() {
    let swarm = swarm();
    announce(&swarm, &leecher(1, 1, v4(1)));
    let done = with(AnnounceEvent::Completed, seeder(1, 1, v4(1)));
    assert_eq!(announce(&swarm, &done).0, counts(1, 0, 1));
    assert_eq!(announce(&swarm, &done).0, counts(1, 0, 1));
}

#[test]
fn completed_from_a_peer_the_store_has_not_seen_is_counted() {
    // After a restart the store knows nobody; the download still happened.
    let swarm = swarm();
    let done = with(AnnounceEvent::Completed, seeder(1, 1, v4(1)));
    assert_eq!(announce(&swarm, &done).0, counts(1, 0, 1));
}

#[test]
fn completed_with_bytes_still_left_is_not_counted() {
    let swarm = swarm();
    let bogus = with(AnnounceEvent::Completed, leecher(1, 1, v4(1)));
    assert_eq!(announce(&swarm, &bogus).0, counts(0, 1, 0));
    assert_eq!(announce(&swarm, &bogus).0, counts(0, 1, 0));
}

#[test]
fn each_download_by_a_different_peer_is_counted() {
    let swarm = swarm();
    for peer in 1..=3 {
        announce(
            &swarm,
            &with(AnnounceEvent::Completed, seeder(1, peer, v4(peer))),
        );
    }
    assert_eq!(swarm.scrape(&hash(1)), counts(3, 0, 3));
}

#[test]
fn peers_expire_after_the_ttl_with_a_stopped_clock() {
    let swarm = swarm();
    let clock = ManualClock::new(T0);
    let mut out = Vec::new();
    swarm.announce(&leecher(1, 1, v4(1)), clock.now(), &mut out);
    clock.advance(30);
    swarm.announce(&seeder(1, 2, v4(2)), clock.now(), &mut out);

    clock.advance(29);
    assert_eq!(
        swarm.expire(clock.now()),
        0,
        "59 s after its announce, peer 1 stays"
    );
    clock.advance(1);
    assert_eq!(swarm.expire(clock.now()), 1, "60 s after, it is gone");
    assert_eq!(swarm.scrape(&hash(1)), counts(1, 0, 0));
    clock.advance(30);
    assert_eq!(swarm.expire(clock.now()), 1);
    assert_eq!(swarm.totals(), SwarmTotals::default());
}

#[test]
fn a_reannounce_keeps_a_peer_from_expiring() {
    let swarm = swarm();
    let clock = ManualClock::new(T0);
    let mut out = Vec::new();
    swarm.announce(&leecher(1, 1, v4(1)), clock.now(), &mut out);
    clock.advance(50);
    swarm.announce(&leecher(1, 1, v4(1)), clock.now(), &mut out);
    clock.advance(50);
    assert_eq!(swarm.expire(clock.now()), 0);
}

#[test]
fn expiry_before_the_first_ttl_has_passed_removes_nothing() {
    let swarm = swarm();
    let mut out = Vec::new();
    swarm.announce(&leecher(1, 1, v4(1)), Secs(0), &mut out);
    assert_eq!(swarm.expire(Secs(59)), 0);
}
