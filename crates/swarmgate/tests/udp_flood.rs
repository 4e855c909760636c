//! A flood of connect packets from one address must not grow memory:
//! connection ids are stateless, so nothing is stored per connect.
//! (Its own test binary, so no other test's allocations disturb the RSS.)

mod support;

use std::net::IpAddr;
use std::time::Duration;
use support::{UdpClient, start};

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connect_flood_does_not_grow_memory() {
    let server = start().await;
    let addr = server.running.udp_addr();
    let client = UdpClient::new(IpAddr::from([127, 0, 0, 2]), addr);
    let mut connect = vec![0u8; 16];
    connect[..8].copy_from_slice(&0x0417_2710_1980u64.to_be_bytes());

    let mut buf = [0u8; 64];
    let mut replies = 0u64;
    let mut flood = |count: u32| {
        for i in 0..count {
            connect[12..16].copy_from_slice(&i.to_be_bytes());
            client.send_raw(&connect);
            // Drain replies as we go (non-blocking: socket timeouts are
            // rounded up to scheduler ticks) so the client's buffer never
            // fills and the tracker's replies are really sent.
            client.socket.set_nonblocking(true).unwrap();
            while client.socket.recv_from(&mut buf).is_ok() {
                replies += 1;
            }
            client.socket.set_nonblocking(false).unwrap();
        }
        while client.recv_raw(Duration::from_millis(200)).is_some() {
            replies += 1;
        }
    };
    flood(20_000);
    let warm = rss_kib();
    flood(100_000);
    let after = rss_kib();
    let connects = server.running.tracker().stats().snapshot().udp.connects;
    assert!(
        connects >= 100_000,
        "the tracker saw the flood ({connects} connects)"
    );
    // Loopback drops datagrams when a receive buffer is full, so not every
    // reply arrives; what matters is that the tracker keeps answering.
    assert!(replies > 0, "the tracker answered during the flood");
    let mut after_flood = UdpClient::new(IpAddr::from([127, 0, 0, 3]), addr);
    after_flood.connect();
    assert!(
        after < warm + 2_048,
        "RSS grew from {warm} KiB to {after} KiB"
    );
    server.running.stop().await.unwrap();
}
