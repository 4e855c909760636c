//! Login throttling, in memory only (DESIGN.md, privacy invariant 5).
//!
//! Failed log-ins are counted per account and per source address in
//! fixed windows: after `max_per_account` failures for one account, or
//! `max_per_source` from one address, within `window_secs`, further
//! attempts are refused until the window ends. The per-account limit
//! stops guessing one member's password from many addresses; the
//! per-source limit stops one address trying many accounts. A successful
//! log-in clears its account's count.
//!
//! Source addresses live only in this map, only while their window is
//! open, and are never logged or written anywhere. Time comes from the
//! injected [`WallClock`].

use crate::clock::WallClock;
use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// Limits; the configuration's `accounts.login_*` keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThrottleLimits {
    pub max_per_account: u32,
    pub max_per_source: u32,
    pub window_secs: i64,
}

impl Default for ThrottleLimits {
    fn default() -> Self {
        Self {
            max_per_account: 5,
            max_per_source: 20,
            window_secs: 15 * 60,
        }
    }
}

/// Entries kept before expired ones are swept (bounds memory under a
/// flood of distinct addresses).
const SWEEP_ABOVE: usize = 10_000;

#[derive(Debug)]
pub struct LoginThrottle {
    limits: ThrottleLimits,
    clock: Arc<dyn WallClock>,
    accounts: Mutex<Window<String>>,
    sources: Mutex<Window<IpAddr>>,
}

/// Failures per key: (window start, count).
#[derive(Debug)]
struct Window<K> {
    entries: HashMap<K, (i64, u32)>,
}

impl<K: Hash + Eq + Clone> Window<K> {
    fn new() -> Self {
        Self {
            entries: HashMap::new(),
        }
    }

    /// Seconds until `key` may try again, if it has used up `max`.
    fn blocked_for(&self, key: &K, max: u32, now: i64, window: i64) -> Option<i64> {
        let (start, count) = *self.entries.get(key)?;
        let left = start + window - now;
        (left > 0 && count >= max).then_some(left)
    }

    fn fail(&mut self, key: &K, now: i64, window: i64) {
        if self.entries.len() >= SWEEP_ABOVE {
            self.entries.retain(|_, (start, _)| *start + window > now);
        }
        let entry = self.entries.entry(key.clone()).or_insert((now, 0));
        if entry.0 + window <= now {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
    }
}

impl LoginThrottle {
    pub fn new(limits: ThrottleLimits, clock: Arc<dyn WallClock>) -> Self {
        Self {
            limits,
            clock,
            accounts: Mutex::new(Window::new()),
            sources: Mutex::new(Window::new()),
        }
    }

    /// `Err(seconds to wait)` when either the account (a lowercased
    /// username) or the source has failed too often.
    pub fn check(&self, account: &str, source: IpAddr) -> Result<(), i64> {
        let now = self.clock.now();
        let l = self.limits;
        let by_account = lock(&self.accounts).blocked_for(
            &account.to_owned(),
            l.max_per_account,
            now,
            l.window_secs,
        );
        let by_source =
            lock(&self.sources).blocked_for(&source, l.max_per_source, now, l.window_secs);
        match by_account.max(by_source) {
            Some(wait) => Err(wait),
            None => Ok(()),
        }
    }

    pub fn record_failure(&self, account: &str, source: IpAddr) {
        let now = self.clock.now();
        let window = self.limits.window_secs;
        lock(&self.accounts).fail(&account.to_owned(), now, window);
        lock(&self.sources).fail(&source, now, window);
    }

    pub fn record_success(&self, account: &str) {
        lock(&self.accounts).entries.remove(account);
    }

    /// How many addresses are held right now (for tests and metrics).
    pub fn sources_held(&self) -> usize {
        lock(&self.sources).entries.len()
    }
}

/// A poisoned lock only means another request panicked mid-update of a
/// counter; the counts are still usable.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualWallClock;

    fn throttle() -> (LoginThrottle, ManualWallClock) {
        let clock = ManualWallClock::new(1_000);
        let limits = ThrottleLimits {
            max_per_account: 3,
            max_per_source: 5,
            window_secs: 60,
        };
        (LoginThrottle::new(limits, Arc::new(clock.clone())), clock)
    }

    const A: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1));
    const B: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 2));

    #[test]
    fn an_account_is_locked_after_its_limit_from_any_source_until_the_window_ends() {
        let (t, clock) = throttle();
        t.record_failure("alice", A);
        t.record_failure("alice", B);
        assert_eq!(t.check("alice", A), Ok(()));
        t.record_failure("alice", B);
        clock.advance(10);
        assert_eq!(t.check("alice", A), Err(50));
        assert_eq!(t.check("bob", A), Ok(()), "other accounts are unaffected");
        clock.advance(50);
        assert_eq!(t.check("alice", A), Ok(()));
    }

    #[test]
    fn a_source_is_locked_after_trying_many_accounts() {
        let (t, _clock) = throttle();
        for name in ["a1", "a2", "a3", "a4", "a5"] {
            t.record_failure(name, A);
        }
        assert!(t.check("new-account", A).is_err());
        assert_eq!(t.check("new-account", B), Ok(()));
    }

    #[test]
    fn success_clears_the_account_but_not_the_source() {
        let (t, _clock) = throttle();
        for _ in 0..3 {
            t.record_failure("alice", A);
        }
        t.record_success("alice");
        assert_eq!(t.check("alice", B), Ok(()));
        assert_eq!(t.sources_held(), 1);
    }
}
