//! The store's contract through its public API: which peers a requester
//! is handed, counts and totals.

mod support;

use support::*;

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
    assert!(swarm.list(hash(1), 0));
    assert!(!swarm.list(hash(1), 0), "listing twice changes nothing");
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
fn announce_listed_with_hands_over_the_tag_and_records_nothing_when_refused() {
    let swarm = swarm();
    swarm.list(hash(1), 41);
    assert!(
        !swarm.list(hash(1), 42),
        "listed again: the tag is replaced"
    );
    let mut out = Vec::new();
    let mut seen = None;
    let refused = swarm.announce_listed_with(&seeder(1, 1, v4(1)), T0, &mut out, |tag| {
        seen = Some(tag);
        Err("no")
    });
    assert_eq!((refused, seen), (Some(Err("no")), Some(42)));
    assert_eq!(swarm.scrape_listed(&hash(1)), Some(counts(0, 0, 0)));
    let served =
        swarm.announce_listed_with(&seeder(1, 1, v4(1)), T0, &mut out, |_| Ok::<_, ()>(()));
    assert_eq!(served, Some(Ok(counts(1, 0, 0))));
    let unlisted =
        swarm.announce_listed_with(&seeder(2, 1, v4(1)), T0, &mut out, |_| -> Result<(), ()> {
            panic!("asked about a hash that is not listed")
        });
    assert_eq!(unlisted, None);
}

#[test]
fn unlist_drops_the_torrents_peers_and_refuses_its_next_announce() {
    let swarm = swarm();
    swarm.list(hash(1), 0);
    swarm.list(hash(2), 0);
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
    swarm.replace_listed((0..50).map(|n| (hash(n), n.into())));
    assert_eq!(swarm.listed_count(), 50);
    let mut out = Vec::new();
    swarm.announce_listed(&seeder(7, 1, v4(1)), T0, &mut out);
    swarm.announce_listed(&seeder(8, 1, v4(1)), T0, &mut out);

    swarm.replace_listed([(hash(8), 80), (hash(99), 99)]);
    assert_eq!(swarm.listed_count(), 2);
    assert_eq!(swarm.listed_tag(&hash(8)), Some(80), "the new tag");
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
