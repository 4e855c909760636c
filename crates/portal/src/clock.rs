//! Wall-clock time for sessions, invitations and login throttling,
//! injected so tests stop it instead of sleeping (STYLE.md: time is
//! injected). Unix seconds, because session and invitation expiry is
//! stored in the database and must survive restarts.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

pub trait WallClock: Send + Sync + std::fmt::Debug {
    /// Seconds since the Unix epoch.
    fn now(&self) -> i64;
}

/// The system's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemWallClock;

impl WallClock for SystemWallClock {
    fn now(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
    }
}

/// A clock that only moves when told: for tests.
#[derive(Debug, Clone, Default)]
pub struct ManualWallClock {
    now: Arc<AtomicI64>,
}

impl ManualWallClock {
    pub fn new(start: i64) -> Self {
        Self {
            now: Arc::new(AtomicI64::new(start)),
        }
    }

    pub fn advance(&self, secs: i64) {
        self.now.fetch_add(secs, Ordering::SeqCst);
    }
}

impl WallClock for ManualWallClock {
    fn now(&self) -> i64 {
        self.now.load(Ordering::SeqCst)
    }
}
