//! Times the accounting flush (`Store::add_transfers`) on an existing
//! database, e.g. one filled by `announce_load fill`.
//!
//! ```text
//! cargo run --release -p store --example flush_bench -- DATA_DIR ROWS [ROUNDS]
//! ```
//!
//! Each round writes ROWS credits for (member, release) pairs drawn from
//! the database's users and releases (the same pairs every round, so the
//! first round inserts and the later ones update, as a tracker's flushes
//! do), and prints the round's time and µs per row. Run it on a copy: it
//! adds to the totals.

use std::path::PathBuf;
use std::time::Instant;
use store::{Store, TransferCredit};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: flush_bench DATA_DIR ROWS [ROUNDS]";
    let dir = PathBuf::from(args.next().ok_or(usage)?);
    let rows: usize = args.next().ok_or(usage)?.parse()?;
    let rounds: usize = args.next().map_or(Ok(3), |r| r.parse())?;
    let store = Store::open_in_dir(&dir).await?;
    let members = store.tracker_members().await?;
    let releases = store.listed_releases().await?;
    if members.is_empty() || releases.is_empty() {
        return Err("the database has no members or no approved releases".into());
    }
    // A fixed pseudo-random spread over members and releases.
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let credits: Vec<TransferCredit> = (0..rows)
        .map(|_| TransferCredit {
            user_id: members[next() as usize % members.len()].user_id,
            release_id: releases[next() as usize % releases.len()].id,
            uploaded: next() % (1 << 24),
            downloaded: next() % (1 << 24),
            snatched: next() % 16 == 0,
            leeched: next() % 4 == 0,
        })
        .collect();
    // In random order, as the ledger hands them over.
    for round in 1..=rounds {
        let started = Instant::now();
        store.add_transfers(&credits, 1_800_000_000).await?;
        let elapsed = started.elapsed();
        println!(
            "round {round}: {:.0} ms, {:.2} us/row",
            elapsed.as_secs_f64() * 1e3,
            elapsed.as_secs_f64() * 1e6 / credits.len() as f64
        );
    }
    Ok(())
}
