//! The seeders refresh in-process: seeders announced over UDP reach the
//! store's per-release counts, and with them the "most seeders" order.

mod support;

use std::net::IpAddr;
use std::time::{Duration, Instant};
use store::{NewRelease, ReleaseQuery, ReleaseSort, ReleaseStatus, Store};
use support::{UdpAnnounce, UdpClient, config_for, hash, peer, start_in};
use tracker_proto::{AnnounceEvent, InfoHash};

const A: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, 2));
const B: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, 3));

/// Release 1 is hybrid: v1 `hash(1)`, v2 `[11; 32]`. Releases 2 and 3
/// are v1 only (`hash(2)`, `hash(3)`); 4 is pending (`hash(4)`).
async fn fill(store: &Store) -> Vec<i64> {
    let uploader = support::add_uploader(store, "uploader", 1).await;
    let category = store.categories().await.unwrap()[0].id;
    let mut ids = Vec::new();
    for n in 1..=4u8 {
        let id = store
            .create_release(&NewRelease {
                info_hash_v1: Some(hash(n)),
                info_hash_v2: (n == 1).then_some([11; 32]),
                title: "t",
                description_md: "",
                category_id: category,
                uploader_id: uploader,
                status: if n == 4 {
                    ReleaseStatus::Pending
                } else {
                    ReleaseStatus::Approved
                },
                size: 1,
                private: false,
                torrent: &[n],
                created_at: 1,
                files: &[],
                tags: &[],
            })
            .await
            .unwrap();
        ids.push(id);
    }
    ids
}

/// Approved release ids, most seeders first (ties: newest id first).
async fn by_seeders(store: &Store) -> Vec<i64> {
    let query = ReleaseQuery {
        status: Some(ReleaseStatus::Approved),
        sort: ReleaseSort::Seeders,
        ..ReleaseQuery::default()
    };
    let page = store.list_releases(&query).await.unwrap();
    page.releases.into_iter().map(|r| r.id).collect()
}

/// Polls the stored order until it is `expected`: the refresh runs
/// every second.
async fn wait_for_order(store: &Store, expected: &[i64]) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let order = by_seeders(store).await;
        if order == expected {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "order by seeders stayed {order:?}, expected {expected:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn seed(client: &mut UdpClient, info_hash: InfoHash, n: u8, event: AnnounceEvent) {
    let mut announce = UdpAnnounce::new(info_hash, peer(n), 6881, 0);
    announce.event = event;
    client.announce(announce);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_seeders_reach_the_stored_order_and_follow_changes() {
    let data_dir = tempfile::tempdir().unwrap();
    let store = Store::open_in_dir(data_dir.path()).await.unwrap();
    store.migrate().await.unwrap();
    let ids = fill(&store).await;
    let (r1, r2, r3) = (ids[0], ids[1], ids[2]);
    // Nothing counted yet: ties, newest id first.
    assert_eq!(by_seeders(&store).await, [r3, r2, r1]);

    let mut config = config_for(IpAddr::from([127, 0, 0, 1]), data_dir.path());
    config.storage.seeders_refresh_interval_secs = 1;
    let server = start_in(config, data_dir).await;
    let mut a = UdpClient::new(A, server.running.udp_addr());
    let mut b = UdpClient::new(B, server.running.udp_addr());
    // Release 1: one seeder under its v1 hash and one under its v2 hash
    // truncated to 20 bytes; release 2: one seeder and a leecher (not
    // counted); the pending release 4: a seeder (not stored).
    seed(&mut a, hash(1), 1, AnnounceEvent::Started);
    seed(&mut b, InfoHash([11; 20]), 2, AnnounceEvent::Started);
    seed(&mut a, hash(2), 3, AnnounceEvent::Started);
    b.announce(UdpAnnounce::new(hash(2), peer(4), 6881, 100));
    seed(&mut a, hash(4), 5, AnnounceEvent::Started);
    wait_for_order(&store, &[r1, r2, r3]).await;

    // One of release 1's seeders leaves: 1 and 1, the newer id first.
    seed(&mut b, InfoHash([11; 20]), 2, AnnounceEvent::Stopped);
    wait_for_order(&store, &[r2, r1, r3]).await;

    // The job ends with the server.
    server.running.stop().await.unwrap();
    store.close().await;
}
