//! How much one announce adds to a member's totals.
//!
//! A client reports, in every announce, the bytes it uploaded and
//! downloaded since its session started (BEP 3). The tracker keeps, per
//! session, a [`Baseline`]: the highest counters it has seen and when it
//! last heard from the session. An announce is credited with how far each
//! counter rose above the baseline, and the baseline rises to meet it.
//!
//! The rules, each chosen so that totals can fall short of the truth but
//! never exceed it:
//!
//! - The first announce the tracker sees of a session is credited nothing,
//!   whatever its event. A `started` announce carries zeros anyway; any
//!   other first sight (after a tracker restart, a session that expired)
//!   has counters whose earlier part may already have been credited.
//! - A counter below the baseline is credited nothing and does not lower
//!   the baseline: it is an announce that arrived out of order (UDP), or a
//!   client that restarted its counters without a `stopped`; lowering the
//!   baseline would credit the same bytes twice when the counters climb
//!   back. A client that restarts properly sends `stopped`, which closes
//!   the session, and `started`, which opens a new one.
//! - A rise larger than `max_rate` bytes per second since the session was
//!   last heard from is clamped to that, and the excess is dropped, not
//!   carried over: the claim is not physically plausible. Times are whole
//!   seconds, so an announce in the same second as the last one may use
//!   the next second, once: the baseline's time moves on to it, and
//!   further announces before then are allowed nothing. So a session is
//!   never credited more than `max_rate` times its duration plus one
//!   second, however often it announces.

use swarm::Secs;

/// The counters of one announce.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    pub uploaded: u64,
    pub downloaded: u64,
}

/// What the tracker remembers of a session between announces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Baseline {
    /// The highest counters reported so far.
    pub counters: Counters,
    /// When the session was last heard from, or the second after, if an
    /// announce in that second used it (see the module docs).
    pub at: Secs,
}

impl Baseline {
    /// A session first seen at `now` reporting `counters`.
    pub fn first(counters: Counters, now: Secs) -> Self {
        Self { counters, at: now }
    }
}

/// What an announce adds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Credit {
    pub uploaded: u64,
    pub downloaded: u64,
    /// Whether either counter was clamped to the rate cap.
    pub clamped: bool,
}

/// Credits `reported` against `baseline` at `now` and returns the credit
/// with the new baseline. `max_rate` is in bytes per second.
pub fn credit(
    baseline: Baseline,
    reported: Counters,
    now: Secs,
    max_rate: u64,
) -> (Credit, Baseline) {
    // The seconds this announce may claim, and where the next one starts.
    let (elapsed, at) = match now.cmp(&baseline.at) {
        std::cmp::Ordering::Greater => (now.0 - baseline.at.0, now),
        std::cmp::Ordering::Equal => (1, Secs(now.0.saturating_add(1))),
        std::cmp::Ordering::Less => (0, baseline.at),
    };
    let cap = max_rate.saturating_mul(u64::from(elapsed));
    let rise_up = reported.uploaded.saturating_sub(baseline.counters.uploaded);
    let rise_down = reported
        .downloaded
        .saturating_sub(baseline.counters.downloaded);
    let credit = Credit {
        uploaded: rise_up.min(cap),
        downloaded: rise_down.min(cap),
        clamped: rise_up > cap || rise_down > cap,
    };
    let next = Baseline {
        counters: Counters {
            uploaded: baseline.counters.uploaded.max(reported.uploaded),
            downloaded: baseline.counters.downloaded.max(reported.downloaded),
        },
        at,
    };
    (credit, next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const RATE: u64 = 1 << 30;

    fn counters(uploaded: u64, downloaded: u64) -> Counters {
        Counters {
            uploaded,
            downloaded,
        }
    }

    #[test]
    fn a_rise_is_credited_and_becomes_the_baseline() {
        let base = Baseline::first(counters(0, 0), Secs(10));
        let (c, base) = credit(base, counters(100, 50), Secs(20), RATE);
        assert_eq!((c.uploaded, c.downloaded, c.clamped), (100, 50, false));
        assert_eq!(base.counters, counters(100, 50));
        assert_eq!(base.at, Secs(20));
        let (c, _) = credit(base, counters(150, 50), Secs(30), RATE);
        assert_eq!((c.uploaded, c.downloaded), (50, 0));
    }

    #[test]
    fn a_fall_credits_nothing_and_keeps_the_baseline() {
        let base = Baseline::first(counters(500, 500), Secs(10));
        let (c, next) = credit(base, counters(100, 900), Secs(20), RATE);
        assert_eq!((c.uploaded, c.downloaded), (0, 400));
        assert_eq!(next.counters, counters(500, 900));
    }

    #[test]
    fn an_implausible_rise_is_clamped_to_the_rate_times_the_elapsed_time() {
        let base = Baseline::first(counters(0, 0), Secs(10));
        let (c, next) = credit(base, counters(u64::MAX, 5), Secs(14), 1000);
        assert_eq!((c.uploaded, c.downloaded, c.clamped), (4000, 5, true));
        assert_eq!(next.counters.uploaded, u64::MAX, "the excess is dropped");
        let (c, _) = credit(base, counters(2500, 0), Secs(10), 1000);
        assert_eq!(c.uploaded, 1000, "at least one second");
    }

    #[test]
    fn announces_within_one_second_share_it() {
        // Regression: each announce was allowed a second of its own, so
        // 500 announces in one second could claim 500 seconds' worth.
        let mut base = Baseline::first(counters(0, 0), Secs(10));
        let mut up = 0;
        for n in 1..=500u64 {
            let (c, next) = credit(base, counters(n * 1000, 0), Secs(10), 1000);
            up += c.uploaded;
            base = next;
        }
        assert_eq!(up, 1000);
        assert_eq!(base.at, Secs(11));
        // The next second allows its own second, once.
        let (c, base) = credit(base, counters(600_000, 0), Secs(11), 1000);
        assert_eq!((c.uploaded, c.clamped), (1000, true));
        let (c, base) = credit(base, counters(700_000, 0), Secs(11), 1000);
        assert_eq!((c.uploaded, c.clamped), (0, true));
        assert_eq!(base.at, Secs(12));
    }

    /// One session's true counters over time: never decreasing, rising at
    /// most `RATE` per second.
    fn session() -> impl Strategy<Value = Vec<(u32, Counters)>> {
        prop::collection::vec((1u32..100, 0u64..RATE, 0u64..RATE), 1..20).prop_map(|steps| {
            let mut t = 0;
            let mut c = counters(0, 0);
            steps
                .into_iter()
                .map(|(dt, up, down)| {
                    t += dt;
                    c.uploaded += up;
                    c.downloaded += down;
                    (t, c)
                })
                .collect()
        })
    }

    proptest! {
        /// In order, a session started at zero is credited exactly its
        /// final counters.
        #[test]
        fn in_order_announces_credit_the_exact_total(announces in session()) {
            let mut base = Baseline::first(counters(0, 0), Secs(0));
            let (mut up, mut down) = (0u64, 0u64);
            for (t, c) in &announces {
                let (credit, next) = credit(base, *c, Secs(*t), RATE);
                prop_assert!(!credit.clamped);
                up += credit.uploaded;
                down += credit.downloaded;
                base = next;
            }
            let last = announces.last().unwrap().1;
            prop_assert_eq!((up, down), (last.uploaded, last.downloaded));
        }

        /// In any order of arrival (UDP reorders, retries duplicate),
        /// the credit never exceeds the truth.
        #[test]
        fn any_arrival_order_never_credits_more_than_the_truth(
            announces in session(),
            order in prop::collection::vec(any::<prop::sample::Index>(), 1..40),
        ) {
            let mut base = Baseline::first(counters(0, 0), Secs(0));
            let (mut up, mut down) = (0u64, 0u64);
            let mut arrival = 0;
            for pick in order {
                let (_, c) = announces[pick.index(announces.len())];
                arrival += 1;
                let (credit, next) = credit(base, c, Secs(arrival), RATE);
                up += credit.uploaded;
                down += credit.downloaded;
                base = next;
            }
            let truth = announces.last().unwrap().1;
            prop_assert!(up <= truth.uploaded && down <= truth.downloaded);
        }

        /// A client that restarts its counters without telling the
        /// tracker is credited nothing for bytes below its old high mark,
        /// never the same bytes twice.
        #[test]
        fn a_silent_counter_restart_never_double_counts(
            first in session(),
            second in session(),
        ) {
            let mut base = Baseline::first(counters(0, 0), Secs(0));
            let mut up = 0u64;
            let mut t = 0;
            for (_, c) in first.iter().chain(second.iter()) {
                t += 1;
                let (credit, next) = credit(base, *c, Secs(t), RATE);
                up += credit.uploaded;
                base = next;
            }
            let truth = first.last().unwrap().1.uploaded + second.last().unwrap().1.uploaded;
            prop_assert!(up <= truth);
            prop_assert!(up >= first.last().unwrap().1.uploaded);
        }

        /// However often a session announces, and whatever it reports,
        /// its credit stays within the rate times its duration plus one
        /// second.
        #[test]
        fn a_session_never_claims_more_than_its_duration_allows(
            steps in prop::collection::vec((0u32..3, 0u64..(1 << 42), 0u64..(1 << 42)), 1..200),
            rate in 1u64..(1 << 40),
        ) {
            let start = Secs(100);
            let mut base = Baseline::first(counters(0, 0), start);
            let (mut t, mut up, mut down) = (start.0, 0u64, 0u64);
            let mut reported = counters(0, 0);
            for (dt, rise_up, rise_down) in steps {
                t += dt;
                reported.uploaded = reported.uploaded.saturating_add(rise_up);
                reported.downloaded = reported.downloaded.saturating_add(rise_down);
                let (c, next) = credit(base, reported, Secs(t), rate);
                up = up.saturating_add(c.uploaded);
                down = down.saturating_add(c.downloaded);
                base = next;
            }
            let allowed = rate.saturating_mul(u64::from(t - start.0) + 1);
            prop_assert!(up <= allowed && down <= allowed, "{up} {down} > {allowed}");
        }

        /// Whatever the counters, the credit stays within the rate cap.
        #[test]
        fn the_credit_never_exceeds_the_rate_cap(
            up in any::<u64>(), down in any::<u64>(), dt in 0u32..10_000, rate in 0u64..u64::MAX,
        ) {
            let base = Baseline::first(counters(0, 0), Secs(100));
            let (c, _) = credit(base, counters(up, down), Secs(100 + dt), rate);
            let cap = rate.saturating_mul(u64::from(dt.max(1)));
            prop_assert!(c.uploaded <= cap && c.downloaded <= cap);
            prop_assert!(c.uploaded <= up && c.downloaded <= down);
        }
    }
}
