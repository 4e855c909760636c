//! Time as the swarm sees it: whole seconds from an injected clock.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Instant;

/// Seconds since the clock's own epoch. 4 bytes per peer instead of an
/// `Instant`'s 16; u32 seconds last 136 years of uptime.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Secs(pub u32);

/// A source of [`Secs`].
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> Secs;
}

/// The real clock: seconds since it was created.
#[derive(Debug)]
pub struct SystemClock {
    start: Instant,
}

impl SystemClock {
    pub fn new() -> Self {
        Self {
            start: Instant::now(),
        }
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Secs {
        Secs(u32::try_from(self.start.elapsed().as_secs()).unwrap_or(u32::MAX))
    }
}

/// A clock that only moves when told: for tests.
#[derive(Debug, Clone, Default)]
pub struct ManualClock {
    now: Arc<AtomicU32>,
}

impl ManualClock {
    pub fn new(start: Secs) -> Self {
        Self {
            now: Arc::new(AtomicU32::new(start.0)),
        }
    }

    pub fn advance(&self, secs: u32) {
        self.now.fetch_add(secs, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Secs {
        Secs(self.now.load(Ordering::SeqCst))
    }
}
