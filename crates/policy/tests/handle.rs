//! PolicyHandle: atomic replacement under concurrent readers, and counters
//! that count each request once and survive a replace.

mod support;

use std::net::IpAddr;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use policy::{CounterRow, CountryCode, Policy, PolicyHandle, Scope};
use support::write_policy;

const GEO: &str = "5.8.0.0,5.8.31.255,RU\n81.2.69.0,81.2.69.255,GB\n";

fn policy_in(dir: &Path, text: &str) -> Policy {
    std::fs::write(dir.join("geo.csv"), GEO).unwrap();
    let path = write_policy(dir, &format!("geo_databases = [\"geo.csv\"]\n{text}"));
    Policy::load(&path).unwrap()
}

fn policy(text: &str) -> Policy {
    let dir = tempfile::tempdir().unwrap();
    policy_in(dir.path(), text)
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn find<'a>(rows: &'a [CounterRow], scope: &str, rule: &str) -> Option<&'a CounterRow> {
    rows.iter().find(|r| r.scope == scope && r.rule == rule)
}

const SHADOW_THEN_DENY: &str = r#"
[[rule]]
name = "preview"
countries = ["RU"]
action = "shadow"
[[rule]]
name = "block-tracker"
countries = ["RU"]
scope = ["tracker"]
action = "deny"
"#;

#[test]
fn each_request_counts_exactly_one_row() {
    let handle = PolicyHandle::new(policy(SHADOW_THEN_DENY));
    for _ in 0..3 {
        assert!(handle.check(ip("5.8.0.1"), Scope::Tracker).denied);
    }
    assert!(!handle.check(ip("5.8.0.1"), Scope::Portal).denied);
    assert!(!handle.check(ip("81.2.69.1"), Scope::Portal).denied);
    assert!(!handle.check(ip("5.8.0.1"), Scope::Category("music")).denied);

    let rows = handle.drain_counters();
    let ru = CountryCode::parse("RU").unwrap();
    let deny = find(&rows, "tracker", "block-tracker").unwrap();
    assert_eq!(
        (deny.decision.as_str(), deny.country, deny.count),
        ("deny", ru, 3)
    );
    // Shadow matched and the request was allowed: counted as shadow.
    let shadow = find(&rows, "portal", "preview").unwrap();
    assert_eq!((shadow.decision.as_str(), shadow.count), ("shadow", 1));
    let default = find(&rows, "portal", "default").unwrap();
    assert_eq!(
        (default.decision.as_str(), default.country.as_str()),
        ("allow", "GB")
    );
    let music = find(&rows, "category:music", "preview").unwrap();
    assert_eq!(music.count, 1);
    assert_eq!(rows.iter().map(|r| r.count).sum::<u64>(), 6);
    assert!(handle.drain_counters().is_empty(), "drained once");
}

#[test]
fn counters_survive_a_replace_and_are_summed_by_rule_name() {
    let handle = PolicyHandle::new(policy(SHADOW_THEN_DENY));
    handle.check(ip("5.8.0.1"), Scope::Tracker);
    handle.check(ip("5.8.0.1"), Scope::Category("music"));
    let old = handle.replace(policy(
        "[[rule]]\nname = \"block-tracker\"\ncountries = [\"RU\"]\naction = \"deny\"\n",
    ));
    assert_eq!(old.rules().len(), 2);
    assert_eq!(handle.current().rules().len(), 1);
    handle.check(ip("5.8.0.1"), Scope::Tracker);

    let rows = handle.drain_counters();
    assert_eq!(find(&rows, "tracker", "block-tracker").unwrap().count, 2);
    assert_eq!(find(&rows, "category:music", "preview").unwrap().count, 1);
    assert!(handle.drain_counters().is_empty());
}

#[test]
fn replace_is_atomic_for_concurrent_readers_and_loses_no_count() {
    // Two policies that differ in every observable way: rule names, the
    // decision for the same address, and the number of rules.
    let dir = tempfile::tempdir().unwrap();
    let deny = || {
        policy_in(
            dir.path(),
            "[[rule]]\nname = \"a-deny\"\ncountries = [\"RU\"]\naction = \"deny\"\n",
        )
    };
    let allow = || {
        policy_in(
            dir.path(),
            "[[rule]]\nname = \"b-first\"\ncountries = [\"GB\"]\naction = \"deny\"\n\
             [[rule]]\nname = \"b-allow\"\ncountries = [\"RU\"]\naction = \"allow\"\n",
        )
    };
    let handle = Arc::new(PolicyHandle::new(deny()));
    let stop = Arc::new(AtomicBool::new(false));
    let checks = Arc::new(AtomicU64::new(0));

    let readers: Vec<_> = (0..2)
        .map(|_| {
            let (handle, stop, checks) = (handle.clone(), stop.clone(), checks.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let d = handle.check(ip("5.8.0.1"), Scope::Tracker);
                    checks.fetch_add(1, Ordering::Relaxed);
                    // Deny came from policy A's only rule; allow from B's second.
                    match d.rule {
                        Some(0) => assert!(d.denied),
                        Some(1) => assert!(!d.denied),
                        other => panic!("half a policy: {other:?}"),
                    }
                    let snapshot = handle.current();
                    let names: Vec<&str> =
                        snapshot.rules().iter().map(|r| r.name.as_str()).collect();
                    assert!(
                        names == ["a-deny"] || names == ["b-first", "b-allow"],
                        "half a policy: {names:?}"
                    );
                }
            })
        })
        .collect();

    let mut drained: Vec<CounterRow> = Vec::new();
    for i in 0..200 {
        handle.replace(if i % 2 == 0 { allow() } else { deny() });
        if i % 10 == 0 {
            drained.extend(handle.drain_counters());
        }
    }
    stop.store(true, Ordering::Relaxed);
    for r in readers {
        r.join().unwrap();
    }
    drained.extend(handle.drain_counters());

    let counted: u64 = drained.iter().map(|r| r.count).sum();
    assert_eq!(counted, checks.load(Ordering::Relaxed));
    for row in &drained {
        let expected = match row.rule.as_str() {
            "a-deny" => "deny",
            "b-allow" => "allow",
            other => panic!("unexpected rule {other}"),
        };
        assert_eq!(row.decision, expected);
    }
}

#[test]
fn pending_counts_made_before_a_read_are_never_hidden_by_a_concurrent_replace() {
    // Regression: pending_counters read the live pair after releasing the
    // retired list, so a replace in between hid the swapped pair's counts.
    let handle = Arc::new(PolicyHandle::new(Policy::allow_all()));
    let counted = Arc::new(AtomicU64::new(0));
    // Counts drained so far; drains and reads take it, as the metrics do,
    // so only replaces run concurrently with a read.
    let drained = Arc::new(Mutex::new(0u64));
    let stop = Arc::new(AtomicBool::new(false));
    let reader = {
        let (handle, counted, drained, stop) = (
            handle.clone(),
            counted.clone(),
            drained.clone(),
            stop.clone(),
        );
        std::thread::spawn(move || {
            let mut reads = 0u64;
            while !stop.load(Ordering::Acquire) {
                let drained = drained.lock().unwrap();
                let before = counted.load(Ordering::Acquire);
                let pending: u64 = handle.pending_counters().iter().map(|r| r.count).sum();
                let seen = *drained + pending;
                drop(drained);
                assert!(seen >= before, "read {reads}: {seen} of {before} counts");
                reads += 1;
                // Neither lock is fair: let the writer in.
                std::thread::yield_now();
            }
            reads
        })
    };
    for i in 1..=1_000 {
        handle.check(ip("192.0.2.1"), Scope::Portal);
        counted.fetch_add(1, Ordering::Release);
        handle.replace(Policy::allow_all());
        if i % 16 == 0 {
            let mut drained = drained.lock().unwrap();
            *drained += handle.drain_counters().iter().map(|r| r.count).sum::<u64>();
        }
    }
    stop.store(true, Ordering::Release);
    assert!(reader.join().unwrap() > 0);
    let rest: u64 = handle.drain_counters().iter().map(|r| r.count).sum();
    assert_eq!(*drained.lock().unwrap() + rest, 1_000);
}
