//! Completed counts are written to the data directory and survive a
//! restart.

mod support;

use std::net::IpAddr;
use support::{UdpAnnounce, UdpClient, config_for, hash, peer, start_in};
use tracker_proto::AnnounceEvent;
use tracker_proto::udp::Response;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_keeps_completed_counts() {
    let ip = IpAddr::from([127, 0, 0, 1]);
    let dir = tempfile::tempdir().unwrap();
    let config = config_for(ip, dir.path());
    let server = start_in(config.clone(), tempfile::tempdir().unwrap()).await;
    let mut client = UdpClient::new(IpAddr::from([127, 0, 0, 2]), server.running.udp_addr());
    for n in 0..3 {
        let leech = UdpAnnounce::new(hash(9), peer(n), 6881, 10);
        client.announce(leech);
        client.announce(UdpAnnounce { left: 0, ..leech }.event(AnnounceEvent::Completed));
    }
    server.running.stop().await.unwrap();

    let server = start_in(config, tempfile::tempdir().unwrap()).await;
    let mut client = UdpClient::new(IpAddr::from([127, 0, 0, 2]), server.running.udp_addr());
    match client.scrape(&[hash(9)]) {
        Response::Scrape { stats, .. } => {
            assert_eq!(stats[0].completed, 3);
            assert_eq!(stats[0].seeders, 0, "peers are never persisted");
        }
        other => panic!("expected a scrape response, got {other:?}"),
    }
    server.running.stop().await.unwrap();
}
