//! Announce load for tracker mode `private` next to mode `open`.
//!
//! The aquatic load testers send random info-hashes and no passkey, so
//! they cannot drive mode `private`. This tool can, and drives every
//! tracker the same way otherwise, so one tool compares the modes (and
//! aquatic, with passkeys off):
//!
//! ```text
//! announce_load fill --data-dir DIR --members 100000 --torrents 10000
//! announce_load udp  --target 127.0.0.1:6969 --members 100000 --torrents 10000 --passkeys
//! announce_load http --target 127.0.0.1:8080 --members 100000 --torrents 10000
//! ```
//!
//! `fill` writes a fresh SQLite database: the members (each with a
//! distinct random passkey), the torrents as approved releases and, unless
//! `--no-history`, a row of past transfers for every simulated peer's
//! (member, release) pair, as a running site has. `udp`
//! and `http` announce for a fixed time, spread over simulated peers,
//! each of which is one member's client on one torrent; the population is
//! derived from `--seed`, so the load knows the passkeys and info-hashes
//! the database holds without reading it. With `--passkeys` every
//! announce carries its member's passkey (UDP: BEP 41 URL data
//! `/announce/<passkey>`; HTTP: `/announce/<passkey>?...`), without it
//! the bare announce URL. See bench/PRIVATE.md.
//!
//! Every 5 s it prints a report in the aquatic load testers' format
//! (bench/lib.sh reads them both): requests out, announce responses in,
//! error responses, and peers per response (UDP) or bandwidth in (HTTP).
//! It runs on one thread (a current-thread tokio runtime) so that it can
//! be pinned to one CPU.

mod fill;
mod http;
mod peers;
mod udp;

use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Seconds between reports, as the aquatic load testers print theirs.
const REPORT_SECS: u64 = 5;

#[derive(Debug, Parser)]
#[command(about = "Announce load over UDP and HTTP, with or without passkeys")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Fill a fresh data directory's SQLite database with the members and
    /// the torrents (approved releases).
    Fill {
        #[arg(long)]
        data_dir: PathBuf,
        #[command(flatten)]
        population: PopulationArgs,
        /// The load's simulated peers (0: twice the members), whose
        /// (member, release) pairs get the history.
        #[arg(long, default_value_t = 0)]
        peers: u32,
        /// Leave out the transfer history: no (member, release) row
        /// exists until the tracker's first flush inserts it.
        #[arg(long)]
        no_history: bool,
    },
    /// Announce over UDP (BEP 15; connect, then announces).
    Udp {
        #[command(flatten)]
        load: LoadArgs,
        /// Sockets, each with its own connection id.
        #[arg(long, default_value_t = 4)]
        sockets: usize,
        /// Announces in flight per socket (at most 256).
        #[arg(long, default_value_t = 32)]
        window: usize,
    },
    /// Announce over HTTP/1.1 with keep-alive connections.
    Http {
        #[command(flatten)]
        load: LoadArgs,
        /// Keep-alive connections, each with one request in flight.
        #[arg(long, default_value_t = 128)]
        connections: usize,
    },
}

/// Who announces for what; `fill` and the load must be given the same.
#[derive(Clone, Copy, Debug, Args)]
pub struct PopulationArgs {
    /// Members, each with a passkey.
    #[arg(long, default_value_t = 100_000)]
    members: u32,
    /// Torrents (approved releases, one v1 info-hash each).
    #[arg(long, default_value_t = 10_000)]
    torrents: u32,
    /// Derives the passkeys, info-hashes and peers.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

#[derive(Clone, Debug, Args)]
struct LoadArgs {
    /// The tracker's address.
    #[arg(long)]
    target: SocketAddr,
    #[command(flatten)]
    population: PopulationArgs,
    /// Simulated peers (one member's client on one torrent each); 0 means
    /// twice the members.
    #[arg(long, default_value_t = 0)]
    peers: u32,
    /// Put each member's passkey in the announce URL.
    #[arg(long)]
    passkeys: bool,
    /// Peers wanted per announce.
    #[arg(long, default_value_t = 30)]
    numwant: u32,
    /// Seconds to run.
    #[arg(long, default_value_t = 30)]
    duration: u64,
}

/// What the load has seen so far; the reporter reads it every 5 s.
#[derive(Debug, Default)]
pub struct Totals {
    /// Announces sent (UDP: resends after a time-out included).
    pub requests: AtomicU64,
    /// Announce responses that were not errors.
    pub responses: AtomicU64,
    /// Error responses (UDP) or `failure reason` responses (HTTP).
    pub errors: AtomicU64,
    /// Peers in the UDP announce responses.
    pub peers: AtomicU64,
    /// Bytes received (HTTP: headers included).
    pub bytes_in: AtomicU64,
}

impl Totals {
    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    fn snapshot(&self) -> [u64; 5] {
        [
            &self.requests,
            &self.responses,
            &self.errors,
            &self.peers,
            &self.bytes_in,
        ]
        .map(|c| c.load(Ordering::Relaxed))
    }
}

/// Prints a report every 5 s until `deadline`, then the summary.
async fn report(totals: Arc<Totals>, deadline: Instant, udp: bool) {
    let start = Instant::now();
    let mut last = totals.snapshot();
    let mut last_at = start;
    let mut tick = tokio::time::interval_at(
        tokio::time::Instant::from_std(start + Duration::from_secs(REPORT_SECS)),
        Duration::from_secs(REPORT_SECS),
    );
    // Only whole intervals that end before the deadline (give or take the
    // last announces' round trip) are reported.
    let mut interval_end = start + Duration::from_secs(REPORT_SECS);
    while interval_end <= deadline + Duration::from_millis(500) {
        tick.tick().await;
        interval_end += Duration::from_secs(REPORT_SECS);
        let now = Instant::now();
        let current = totals.snapshot();
        let secs = now.duration_since(last_at).as_secs_f64();
        let rate = |i: usize| (current[i] - last[i]) as f64 / secs;
        println!("Requests out: {:.0}/second", rate(0));
        println!("Responses in: {:.0}/second", rate(1));
        println!("  - Error responses: {:.0}", rate(2));
        if udp {
            let announces = (current[1] - last[1]).max(1) as f64;
            println!(
                "Peers per announce response: {:.1}",
                (current[3] - last[3]) as f64 / announces
            );
        } else {
            println!("Bandwidth in: {:.1}Mbit/s", rate(4) / 131_072.0);
        }
        println!();
        last = current;
        last_at = now;
    }
    let total = totals.snapshot();
    let secs = start.elapsed().as_secs_f64();
    println!("# announce_load load test report");
    println!(
        "Average responses per second: {:.0}",
        total[1] as f64 / secs
    );
    println!("Announces sent: {}", total[0]);
    println!("Responses: {}", total[1]);
    println!("Error responses: {}", total[2]);
}

fn main() {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    match cli.command {
        Command::Fill {
            data_dir,
            population,
            peers,
            no_history,
        } => runtime.block_on(fill::fill(
            &data_dir,
            &peers::Population::new(population, peers),
            !no_history,
        )),
        Command::Udp {
            load,
            sockets,
            window,
        } => {
            assert!(
                (1..=256).contains(&window),
                "--window must be within 1..=256"
            );
            runtime.block_on(run(load, true, move |ctx| {
                udp::run(ctx, sockets.max(1), window)
            }));
        }
        Command::Http { load, connections } => {
            runtime.block_on(run(load, false, move |ctx| {
                http::run(ctx, connections.max(1))
            }));
        }
    }
}

/// What every load task shares.
#[derive(Debug, Clone)]
pub struct Context {
    pub target: SocketAddr,
    pub population: Arc<peers::Population>,
    pub passkeys: bool,
    pub numwant: u32,
    pub deadline: Instant,
    pub totals: Arc<Totals>,
}

async fn run<F, Fut>(load: LoadArgs, udp: bool, start: F)
where
    F: FnOnce(Context) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let population = Arc::new(peers::Population::new(load.population, load.peers));
    println!(
        "{} announces to {} for {} s: {} members, {} torrents, {} peers, passkeys {}",
        if udp { "UDP" } else { "HTTP" },
        load.target,
        load.duration,
        population.members(),
        population.torrents(),
        population.peers(),
        if load.passkeys { "on" } else { "off" },
    );
    let deadline = Instant::now() + Duration::from_secs(load.duration);
    let totals = Arc::new(Totals::default());
    let context = Context {
        target: load.target,
        population,
        passkeys: load.passkeys,
        numwant: load.numwant,
        deadline,
        totals: Arc::clone(&totals),
    };
    let reporter = tokio::spawn(report(totals, deadline, udp));
    // Keeps the runtime from sleeping in epoll: with a task always ready
    // it polls for I/O without blocking, so a response is handled at once
    // instead of after a wake-up, which on a busy machine can take
    // milliseconds. The load thus uses its whole CPU by design.
    let spinner = tokio::spawn(async move {
        while Instant::now() < deadline {
            tokio::task::yield_now().await;
        }
    });
    start(context).await;
    spinner.await.expect("spinner");
    reporter.await.expect("reporter");
}
