//! `swarmgate status`: a running instance's health in a few lines.
//!
//! The server answers `status` on its control socket
//! (`<data_dir>/control.sock`, see [`crate::reload`]) with one JSON
//! [`Report`] read from the same live sources as the metrics. The command
//! asks twice, a second apart, to turn the announce counter into a rate,
//! then prints a summary, or with `--json` the report with the rate. The
//! control socket is used rather than the metrics endpoint because it is
//! always there, at a path the configuration names, whether or not the
//! metrics are enabled or bound to port 0.
//!
//! Nothing in a report locates a member: counts, the server's own
//! listening addresses, the database backend.

use crate::config::Config;
use crate::metrics::{Sources, process};
use anyhow::Context as _;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

/// The control socket command.
pub const COMMAND: &str = "status";

/// How long the command waits between its two readings.
const RATE_WINDOW: Duration = Duration::from_secs(1);

/// A running instance, as `status` reports it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub version: String,
    pub pid: u32,
    /// Seconds since the Unix epoch.
    pub started_at: i64,
    pub uptime_secs: u64,
    /// `open`, `listed` or `private`.
    pub mode: String,
    pub listeners: Listeners,
    /// Torrents with at least one peer.
    pub torrents: usize,
    pub peers: Peers,
    /// Announces received since start, UDP and HTTP.
    pub announces: u64,
    pub scrapes: u64,
    pub policy: PolicyReport,
    /// Mode `private` only.
    pub accounting: Option<AccountingReport>,
    pub database: DatabaseReport,
    pub resident_memory_bytes: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listeners {
    pub udp: Vec<SocketAddr>,
    pub http: Vec<SocketAddr>,
    pub portal: SocketAddr,
    /// `None` when `metrics.enabled` is false.
    pub metrics: Option<SocketAddr>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Peers {
    pub seeders: usize,
    pub leechers: usize,
    pub ipv4: usize,
    pub ipv6: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyReport {
    pub rules: usize,
    /// Decisions since start.
    pub decisions: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountingReport {
    pub members: usize,
    pub sessions: usize,
    /// Credits waiting for the next write.
    pub backlog: usize,
    pub rows_written: u64,
    pub flush_failures: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatabaseReport {
    /// `sqlite` or `postgres`.
    pub backend: String,
    pub connections: u32,
    pub idle: u32,
}

/// The server side: what a report is read from.
#[derive(Debug)]
pub struct StatusSource {
    pub sources: Arc<Sources>,
    pub listeners: Listeners,
}

impl StatusSource {
    /// A report read now. Locks each swarm shard in turn and scans the
    /// ledger's sessions: call it off the async threads.
    pub fn report(&self) -> Report {
        let s = &self.sources;
        let stats = s.tracker.stats().snapshot();
        let totals = s.tracker.swarm().family_totals();
        let both = swarm::SwarmTotals::from(totals);
        let pool = s.store.pool_stats();
        let accounting = s.tracker.accounting().map(|a| AccountingReport {
            members: a.members.len(),
            sessions: a.ledger.sessions(),
            backlog: a.ledger.backlog(),
            rows_written: s.flushes.as_ref().map_or(0, |f| f.rows_written()),
            flush_failures: s.flushes.as_ref().map_or(0, |f| f.failures()),
        });
        Report {
            version: process::VERSION.to_owned(),
            pid: std::process::id(),
            started_at: process::unix_secs(s.started),
            uptime_secs: SystemTime::now()
                .duration_since(s.started)
                .map_or(0, |d| d.as_secs()),
            mode: s.tracker.mode().as_str().to_owned(),
            listeners: self.listeners.clone(),
            torrents: totals.torrents,
            peers: Peers {
                seeders: both.seeders,
                leechers: both.leechers,
                ipv4: totals.ipv4.seeders + totals.ipv4.leechers,
                ipv6: totals.ipv6.seeders + totals.ipv6.leechers,
            },
            announces: stats.udp.announces + stats.http.announces,
            scrapes: stats.udp.scrapes + stats.http.scrapes,
            policy: PolicyReport {
                rules: s.policy.handle().current().rules().len(),
                decisions: s.policy.total(),
            },
            accounting,
            database: DatabaseReport {
                backend: pool.backend.to_string(),
                connections: pool.size,
                idle: pool.idle,
            },
            resident_memory_bytes: process::resident_bytes(),
        }
    }

    /// The control socket's answer to [`COMMAND`].
    pub async fn answer(self: Arc<Self>) -> String {
        let report = tokio::task::spawn_blocking(move || self.report()).await;
        match report.map(|r| serde_json::to_string(&r)) {
            Ok(Ok(json)) => format!("ok {json}"),
            Ok(Err(e)) => format!("error encoding the status: {e}"),
            Err(e) => format!("error reading the status: {e}"),
        }
    }
}

/// What `swarmgate status --json` prints: the report and the rate.
#[derive(Debug, Serialize)]
struct JsonStatus<'a> {
    up: bool,
    announces_per_sec: f64,
    #[serde(flatten)]
    report: &'a Report,
}

/// `swarmgate status`: the text to print when the server answers; an
/// error saying that nothing runs (and, for `--json`, the JSON to print
/// first) when it does not.
pub async fn status(config: &Config, json: bool) -> Result<String, NotRunning> {
    let data_dir = &config.storage.data_dir;
    let down = |e: anyhow::Error| NotRunning::new(e, json);
    let first = ask(data_dir).await.map_err(down)?;
    let started = Instant::now();
    tokio::time::sleep(RATE_WINDOW).await;
    let second = ask(data_dir).await.map_err(down)?;
    let rate = if second.pid == first.pid {
        second.announces.saturating_sub(first.announces) as f64 / started.elapsed().as_secs_f64()
    } else {
        // Restarted in between: the counters started again.
        0.0
    };
    if json {
        let out = JsonStatus {
            up: true,
            announces_per_sec: rate,
            report: &second,
        };
        let text = serde_json::to_string_pretty(&out).map_err(|e| down(e.into()))?;
        return Ok(text + "\n");
    }
    Ok(summary(&second, rate))
}

async fn ask(data_dir: &std::path::Path) -> anyhow::Result<Report> {
    let answer = crate::reload::send_command(data_dir, COMMAND).await?;
    let Some(json) = answer.strip_prefix("ok ") else {
        anyhow::bail!(
            "the server answered: {}",
            answer.strip_prefix("error ").unwrap_or(&answer)
        );
    };
    serde_json::from_str(json).context("the server's status is not what this version reads")
}

/// `swarmgate status` found nothing to ask.
#[derive(Debug)]
pub struct NotRunning {
    pub message: String,
    /// With `--json`: `{"up": false, "error": ...}` for standard output.
    pub json: Option<String>,
}

impl NotRunning {
    fn new(error: anyhow::Error, json: bool) -> Self {
        let message = format!("swarmgate is not running or not answering: {error:#}");
        let json =
            json.then(|| serde_json::json!({ "up": false, "error": message }).to_string() + "\n");
        Self { message, json }
    }
}

impl std::fmt::Display for NotRunning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for NotRunning {}

/// The human summary.
pub fn summary(r: &Report, announces_per_sec: f64) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "swarmgate {}: up {} (pid {})",
        r.version,
        duration(r.uptime_secs),
        r.pid
    );
    let list = |addrs: &[SocketAddr]| {
        addrs
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = writeln!(
        out,
        "tracker:    mode {}; UDP {}; HTTP {}",
        r.mode,
        list(&r.listeners.udp),
        list(&r.listeners.http)
    );
    let _ = writeln!(out, "portal:     {}", r.listeners.portal);
    let _ = match r.listeners.metrics {
        Some(addr) => writeln!(out, "metrics:    http://{addr}/metrics"),
        None => writeln!(out, "metrics:    off (metrics.enabled = false)"),
    };
    let p = r.peers;
    let _ = writeln!(
        out,
        "swarm:      {} torrents, {} peers ({} seeders, {} leechers; {} IPv4, {} IPv6)",
        r.torrents,
        p.seeders + p.leechers,
        p.seeders,
        p.leechers,
        p.ipv4,
        p.ipv6
    );
    let _ = writeln!(
        out,
        "requests:   {announces_per_sec:.1} announces/s now; {} announces, {} scrapes since start",
        r.announces, r.scrapes
    );
    let _ = writeln!(
        out,
        "policy:     {} rules, {} decisions since start",
        r.policy.rules, r.policy.decisions
    );
    if let Some(a) = r.accounting {
        let _ = writeln!(
            out,
            "accounting: {} members, {} sessions, {} credits waiting; {} rows written, {} failed writes",
            a.members, a.sessions, a.backlog, a.rows_written, a.flush_failures
        );
    }
    let _ = writeln!(
        out,
        "database:   {}, {} connections ({} idle)",
        r.database.backend, r.database.connections, r.database.idle
    );
    if let Some(bytes) = r.resident_memory_bytes {
        let _ = writeln!(out, "memory:     {} MiB resident", bytes / (1 << 20));
    }
    out
}

/// `3d 04h`, `2h 05m`, `4m 10s`.
fn duration(secs: u64) -> String {
    let (d, h, m, s) = (secs / 86_400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    match (d, h, m) {
        (0, 0, _) => format!("{m}m {s:02}s"),
        (0, _, _) => format!("{h}h {m:02}m"),
        _ => format!("{d}d {h:02}h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uptimes_read_in_the_largest_two_units() {
        assert_eq!(duration(70), "1m 10s");
        assert_eq!(duration(2 * 3600 + 5 * 60 + 9), "2h 05m");
        assert_eq!(duration(3 * 86_400 + 4 * 3600), "3d 04h");
    }
}
