//! The store's contract, through its public API only.

use std::net::SocketAddr;
use std::sync::Arc;
use swarm::{
    Announce, Clock, ManualClock, PeerOut, Secs, Swarm, SwarmConfig, SwarmCounts, SwarmTotals,
};
use tracker_proto::{AnnounceEvent, InfoHash, PeerId};

const T0: Secs = Secs(1_000);

fn swarm() -> Swarm {
    Swarm::new(SwarmConfig {
        peer_ttl_secs: 60,
        shards: 4,
        ..SwarmConfig::default()
    })
}

fn hash(n: u8) -> InfoHash {
    InfoHash([n; 20])
}

fn id(n: u8) -> PeerId {
    PeerId([n; 20])
}

fn v4(n: u8) -> SocketAddr {
    SocketAddr::from(([192, 0, 2, n], 6881))
}

fn port(n: u8, port: u16) -> SocketAddr {
    SocketAddr::from(([192, 0, 2, n], port))
}

fn v6(n: u8) -> SocketAddr {
    format!("[2001:db8::{n:x}]:6881").parse().unwrap()
}

fn leecher(torrent: u8, peer: u8, addr: SocketAddr) -> Announce {
    Announce {
        info_hash: hash(torrent),
        peer_id: id(peer),
        addr,
        event: AnnounceEvent::Started,
        left: 1_000,
        numwant: None,
    }
}

fn seeder(torrent: u8, peer: u8, addr: SocketAddr) -> Announce {
    Announce {
        left: 0,
        ..leecher(torrent, peer, addr)
    }
}

fn with(event: AnnounceEvent, req: Announce) -> Announce {
    Announce { event, ..req }
}

fn announce(swarm: &Swarm, req: &Announce) -> (SwarmCounts, Vec<PeerOut>) {
    let mut out = Vec::new();
    let counts = swarm.announce(req, T0, &mut out);
    (counts, out)
}

/// The first byte of each peer id, sorted.
fn ids(peers: &[PeerOut]) -> Vec<u8> {
    let mut ids: Vec<u8> = peers.iter().map(|p| p.peer_id.0[0]).collect();
    ids.sort_unstable();
    ids
}

fn counts(seeders: u32, leechers: u32, completed: u64) -> SwarmCounts {
    SwarmCounts {
        seeders,
        leechers,
        completed,
    }
}

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

#[test]
fn ipv4_requesters_only_get_ipv4_peers() {
    let swarm = swarm();
    for n in 1..=5 {
        announce(&swarm, &leecher(1, n, v6(n)));
        announce(&swarm, &leecher(1, 10 + n, v4(n)));
    }
    let (_, peers) = announce(&swarm, &leecher(1, 20, v4(20)));
    assert_eq!(ids(&peers), [11, 12, 13, 14, 15]);
    assert!(peers.iter().all(|p| p.addr.is_ipv4()));
}

#[test]
fn ipv6_requesters_only_get_ipv6_peers() {
    let swarm = swarm();
    for n in 1..=5 {
        announce(&swarm, &leecher(1, n, v6(n)));
        announce(&swarm, &leecher(1, 10 + n, v4(n)));
    }
    let (_, peers) = announce(&swarm, &leecher(1, 20, v6(20)));
    assert_eq!(ids(&peers), [1, 2, 3, 4, 5]);
    assert!(peers.iter().all(|p| p.addr.is_ipv6()));
}

#[test]
fn an_ipv4_mapped_requester_is_an_ipv4_peer() {
    let swarm = swarm();
    announce(&swarm, &leecher(1, 1, v4(1)));
    announce(&swarm, &leecher(1, 2, v6(2)));
    let mapped: SocketAddr = "[::ffff:192.0.2.3]:7000".parse().unwrap();
    let (_, peers) = announce(&swarm, &leecher(1, 3, mapped));
    assert_eq!(ids(&peers), [1]);
    let (_, peers) = announce(&swarm, &leecher(1, 1, v4(1)));
    assert_eq!(
        peers,
        [PeerOut {
            peer_id: id(3),
            addr: SocketAddr::from(([192, 0, 2, 3], 7000))
        }]
    );
}

#[test]
fn the_requester_is_never_handed_back_to_itself() {
    let swarm = swarm();
    for n in 1..=3 {
        announce(&swarm, &leecher(1, n, v4(n)));
    }
    for _ in 0..50 {
        let (_, peers) = announce(&swarm, &leecher(1, 2, v4(2)));
        assert_eq!(ids(&peers), [1, 3]);
    }
    let (_, alone) = announce(&swarm, &leecher(2, 1, v4(1)));
    assert!(alone.is_empty());
}

#[test]
fn a_seeder_is_handed_only_leechers() {
    let swarm = swarm();
    for n in 1..=10 {
        let req = if n <= 7 {
            seeder(1, n, v4(n))
        } else {
            leecher(1, n, v4(n))
        };
        announce(&swarm, &req);
    }
    let (_, peers) = announce(&swarm, &seeder(1, 1, v4(1)));
    assert_eq!(ids(&peers), [8, 9, 10]);
    let (_, peers) = announce(&swarm, &leecher(1, 8, v4(8)));
    assert_eq!(ids(&peers), [1, 2, 3, 4, 5, 6, 7, 9, 10]);
}

#[test]
fn numwant_is_capped() {
    let swarm = Swarm::new(SwarmConfig {
        default_numwant: 5,
        max_numwant: 8,
        ..SwarmConfig::default()
    });
    for n in 1..=20 {
        announce(&swarm, &leecher(1, n, v4(n)));
    }
    let ask = |numwant| {
        announce(
            &swarm,
            &Announce {
                numwant,
                ..leecher(1, 1, v4(1))
            },
        )
        .1
    };
    assert_eq!(ask(Some(200)).len(), 8);
    assert_eq!(ask(Some(3)).len(), 3);
    assert_eq!(ask(None).len(), 5);
    assert!(ask(Some(0)).is_empty());
}

#[test]
fn handed_out_peers_are_distinct() {
    let swarm = swarm();
    for n in 1..=60 {
        announce(&swarm, &leecher(1, n, v4(n)));
    }
    for _ in 0..20 {
        let (_, peers) = announce(&swarm, &leecher(1, 61, v4(61)));
        let mut unique = ids(&peers);
        unique.dedup();
        assert_eq!(unique.len(), 50);
    }
}

#[test]
fn out_is_cleared_before_it_is_filled() {
    let swarm = swarm();
    let mut out = vec![PeerOut {
        peer_id: id(99),
        addr: v4(99),
    }];
    swarm.announce(&leecher(1, 1, v4(1)), T0, &mut out);
    assert!(out.is_empty());
}

#[test]
fn empty_torrents_are_removed_but_completed_counts_survive() {
    let swarm = swarm();
    announce(&swarm, &with(AnnounceEvent::Completed, seeder(1, 1, v4(1))));
    announce(&swarm, &with(AnnounceEvent::Stopped, seeder(1, 1, v4(1))));
    assert_eq!(swarm.totals().torrents, 0);
    assert_eq!(swarm.scrape(&hash(1)), counts(0, 0, 1));
    assert_eq!(swarm.completed_snapshot(), [(hash(1), 1)]);
}

#[test]
fn remove_peers_where_keeps_counts_exact() {
    let swarm = swarm();
    for n in 1..=6 {
        let req = if n % 2 == 0 {
            seeder(n % 3, n, v4(n))
        } else {
            leecher(n % 3, n, v4(n))
        };
        announce(&swarm, &req);
        announce(&swarm, &leecher(n % 3, 100 + n, v6(n)));
    }
    let denied = |addr: &SocketAddr| addr.is_ipv6() || addr.ip().to_string().ends_with(".2");
    assert_eq!(swarm.remove_peers_where(denied), 7);
    assert_eq!(
        swarm.totals(),
        SwarmTotals {
            torrents: 3,
            seeders: 2,
            leechers: 3
        }
    );
    assert_eq!(swarm.scrape(&hash(2)), counts(0, 1, 0));
    assert_eq!(swarm.scrape(&hash(0)), counts(1, 1, 0));
}

#[test]
fn remove_torrent_drops_its_peers_and_keeps_its_completed_count() {
    let swarm = swarm();
    announce(&swarm, &with(AnnounceEvent::Completed, seeder(1, 1, v4(1))));
    announce(&swarm, &leecher(1, 2, v6(2)));
    announce(&swarm, &leecher(1, 3, v4(3)));
    announce(&swarm, &leecher(2, 4, v4(4)));

    assert_eq!(swarm.remove_torrent(&hash(1)), 3);
    assert_eq!(swarm.scrape(&hash(1)), counts(0, 0, 1));
    assert_eq!(
        swarm.totals(),
        SwarmTotals {
            torrents: 1,
            seeders: 0,
            leechers: 1
        }
    );
    let (_, peers) = announce(&swarm, &leecher(1, 5, v4(5)));
    assert!(peers.is_empty(), "no peer of the removed torrent is left");
    assert_eq!(
        swarm.remove_torrent(&hash(9)),
        0,
        "unknown torrents are fine"
    );
}

#[test]
fn announce_listed_serves_only_listed_torrents_and_records_nothing_else() {
    let swarm = swarm();
    assert!(swarm.list(hash(1)));
    assert!(!swarm.list(hash(1)), "listing twice changes nothing");
    let mut out = vec![PeerOut {
        peer_id: id(9),
        addr: v4(9),
    }];
    assert_eq!(
        swarm.announce_listed(&seeder(2, 1, v4(1)), T0, &mut out),
        None
    );
    assert!(out.is_empty(), "out is cleared even when refused");
    assert_eq!(
        swarm.totals().torrents,
        0,
        "a refused announce records nothing"
    );
    assert_eq!(
        swarm.announce_listed(&seeder(1, 1, v4(1)), T0, &mut out),
        Some(counts(1, 0, 0))
    );
    assert_eq!(swarm.scrape_listed(&hash(1)), Some(counts(1, 0, 0)));
    assert_eq!(swarm.scrape_listed(&hash(2)), None);
    assert_eq!(swarm.listed_count(), 1);
}

#[test]
fn unlist_drops_the_torrents_peers_and_refuses_its_next_announce() {
    let swarm = swarm();
    swarm.list(hash(1));
    swarm.list(hash(2));
    let mut out = Vec::new();
    swarm.announce_listed(&seeder(1, 1, v4(1)), T0, &mut out);
    swarm.announce_listed(&leecher(2, 2, v4(2)), T0, &mut out);

    assert!(swarm.unlist(&hash(1)));
    assert!(!swarm.unlist(&hash(1)));
    assert!(!swarm.is_listed(&hash(1)));
    assert_eq!(swarm.scrape(&hash(1)), counts(0, 0, 0));
    assert_eq!(swarm.scrape(&hash(2)), counts(0, 1, 0));
    assert_eq!(
        swarm.announce_listed(&seeder(1, 1, v4(1)), T0, &mut out),
        None
    );
}

#[test]
fn replace_listed_keeps_the_peers_of_torrents_still_listed() {
    let swarm = swarm();
    swarm.replace_listed((0..50).map(hash));
    assert_eq!(swarm.listed_count(), 50);
    let mut out = Vec::new();
    swarm.announce_listed(&seeder(7, 1, v4(1)), T0, &mut out);
    swarm.announce_listed(&seeder(8, 1, v4(1)), T0, &mut out);

    swarm.replace_listed([hash(8), hash(99)]);
    assert_eq!(swarm.listed_count(), 2);
    assert!(swarm.is_listed(&hash(99)) && !swarm.is_listed(&hash(7)));
    assert_eq!(swarm.scrape(&hash(7)), counts(0, 0, 0));
    assert_eq!(swarm.scrape(&hash(8)), counts(1, 0, 0));
}

#[test]
fn totals_sum_every_torrent() {
    let swarm = swarm();
    for torrent in 0..10 {
        announce(&swarm, &seeder(torrent, 1, v4(1)));
        announce(&swarm, &leecher(torrent, 2, v6(2)));
        announce(&swarm, &leecher(torrent, 3, v4(3)));
    }
    assert_eq!(
        swarm.totals(),
        SwarmTotals {
            torrents: 10,
            seeders: 10,
            leechers: 20
        }
    );
}

#[test]
fn scraping_an_unknown_torrent_gives_zeros() {
    assert_eq!(swarm().scrape(&hash(7)), SwarmCounts::default());
}

#[test]
fn take_dirty_completed_returns_each_change_once() {
    let swarm = swarm();
    for peer in 1..=2 {
        announce(
            &swarm,
            &with(AnnounceEvent::Completed, seeder(1, peer, v4(peer))),
        );
    }
    announce(&swarm, &with(AnnounceEvent::Completed, seeder(2, 1, v4(1))));
    let mut dirty = swarm.take_dirty_completed();
    dirty.sort_unstable();
    assert_eq!(dirty, [(hash(1), 2), (hash(2), 1)]);
    assert!(swarm.take_dirty_completed().is_empty());

    announce(&swarm, &with(AnnounceEvent::Completed, seeder(2, 2, v4(2))));
    assert_eq!(swarm.take_dirty_completed(), [(hash(2), 2)]);
}

#[test]
fn loaded_completed_counts_are_not_dirty_and_keep_counting() {
    let swarm = swarm();
    swarm.load_completed([(hash(1), 40), (hash(2), 0), (hash(3), 7)]);
    assert!(swarm.take_dirty_completed().is_empty());
    assert_eq!(swarm.scrape(&hash(1)), counts(0, 0, 40));
    let mut snapshot = swarm.completed_snapshot();
    snapshot.sort_unstable();
    assert_eq!(snapshot, [(hash(1), 40), (hash(3), 7)]);

    announce(&swarm, &with(AnnounceEvent::Completed, seeder(1, 1, v4(1))));
    assert_eq!(swarm.take_dirty_completed(), [(hash(1), 41)]);
}

#[test]
fn the_store_is_shared_between_threads() {
    let swarm = Arc::new(swarm());
    let threads: Vec<_> = (0..2u8)
        .map(|t| {
            let swarm = Arc::clone(&swarm);
            std::thread::spawn(move || {
                let mut out = Vec::new();
                for torrent in 0..100 {
                    for peer in 0..5 {
                        let id = t * 10 + peer;
                        swarm.announce(&leecher(torrent, id, v4(id)), T0, &mut out);
                    }
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    assert_eq!(
        swarm.totals(),
        SwarmTotals {
            torrents: 100,
            seeders: 0,
            leechers: 1_000
        }
    );
}

#[test]
fn debug_output_never_shows_peer_addresses() {
    let swarm = swarm();
    announce(&swarm, &leecher(1, 1, v4(1)));
    let debug = format!("{swarm:?}");
    assert!(!debug.contains("192.0.2"), "{debug}");
}

#[test]
fn a_shard_poisoned_by_a_panicking_predicate_recovers_with_exact_counts() {
    let swarm = swarm();
    announce(&swarm, &with(AnnounceEvent::Completed, seeder(1, 1, v4(1))));
    announce(&swarm, &leecher(1, 2, v4(2)));
    let panicked = std::panic::catch_unwind(|| {
        swarm.remove_peers_where(|addr| addr.port() == 6881 && panic!("predicate bug"))
    });
    assert!(panicked.is_err());

    // The shard's peers are gone, its completed count is not.
    assert_eq!(swarm.scrape(&hash(1)), counts(0, 0, 1));
    assert_eq!(swarm.totals(), SwarmTotals::default());
    assert_eq!(announce(&swarm, &leecher(1, 2, v4(2))).0, counts(0, 1, 1));
}
