//! The process and the database pool, read at scrape time.

use super::{Sources, gauge, gauges};
use prometheus_client::encoding::DescriptorEncoder;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// The version this binary was built from.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

#[derive(Debug)]
pub(super) struct Collector(pub(super) Arc<Sources>);

impl prometheus_client::collector::Collector for Collector {
    fn encode(&self, mut encoder: DescriptorEncoder<'_>) -> std::fmt::Result {
        gauges(
            &mut encoder,
            "swarmgate_build_info",
            "The running swarmgate's version: 1.",
            [([("version", VERSION)], 1)],
        )?;
        gauge(
            &mut encoder,
            "swarmgate_process_start_time_seconds",
            "When the process started, in seconds since the Unix epoch.",
            unix_secs(self.0.started),
        )?;
        if let Some(bytes) = resident_bytes() {
            gauge(
                &mut encoder,
                "swarmgate_process_resident_memory_bytes",
                "Resident memory of the process.",
                super::count(bytes),
            )?;
        }

        let pool = self.0.store.pool_stats();
        let backend = pool.backend.to_string();
        let labels = [("backend", backend.as_str())];
        gauges(
            &mut encoder,
            "swarmgate_db_connections",
            "Open database connections, idle or in use.",
            [(labels, i64::from(pool.size))],
        )?;
        gauges(
            &mut encoder,
            "swarmgate_db_idle_connections",
            "Open database connections waiting for a query.",
            [(labels, i64::from(pool.idle))],
        )?;
        gauges(
            &mut encoder,
            "swarmgate_db_max_connections",
            "The most connections the database pool opens.",
            [(labels, i64::from(pool.max))],
        )
    }
}

pub fn unix_secs(at: SystemTime) -> i64 {
    at.duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Resident memory from `/proc/self/status` (`VmRSS`, in KiB); `None`
/// where there is no procfs.
pub fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}
