//! The operator's policy and geo commands (`swarmgate policy ...`,
//! `swarmgate geo lookup`). Each returns the text to print, so tests call
//! them directly; errors carry the reason and become a non-zero exit.

use crate::config::Config;
use crate::reload::{self, load_policy};
use anyhow::{Context as _, bail};
use policy::{CounterRow, CountryCode, Policy, Scope};
use std::fmt::Write as _;
use std::net::IpAddr;
use std::path::Path;

/// `swarmgate policy reload`: asks the running server to reload.
pub async fn policy_reload(config: &Config) -> anyhow::Result<String> {
    control(config, "policy reload").await
}

/// `swarmgate freeleech on|off`: switches site-wide freeleech on the
/// running server.
pub async fn site_freeleech(config: &Config, state: &str) -> anyhow::Result<String> {
    control(config, &format!("freeleech {state}"))
        .await
        .map(|s| s + "\n")
}

/// Sends `command` to the running server's control socket: its answer
/// after `ok `, or its error.
async fn control(config: &Config, command: &str) -> anyhow::Result<String> {
    let answer = reload::send_command(&config.storage.data_dir, command).await?;
    match answer.strip_prefix("ok ") {
        Some(ok) => Ok(ok.to_owned()),
        None => bail!("{}", answer.strip_prefix("error ").unwrap_or(&answer)),
    }
}

/// Parses a scope argument: `portal`, `tracker`, `download` or
/// `category:<slug>`.
pub fn parse_scope(s: &str) -> anyhow::Result<Scope<'_>> {
    Ok(match s {
        "portal" => Scope::Portal,
        "tracker" => Scope::Tracker,
        "download" => Scope::Download,
        other => match other.strip_prefix("category:") {
            Some(slug) if !slug.is_empty() => Scope::Category(slug),
            _ => bail!("unknown scope {other:?}: use portal, tracker, download or category:<slug>"),
        },
    })
}

/// `swarmgate policy check <ip> [--scope S]`: the decision and why.
pub fn policy_check(config: &Config, ip: IpAddr, scope: &str) -> anyhow::Result<String> {
    let scope = parse_scope(scope)?;
    let policy = load_policy(config.policy.file.as_deref()).context("loading policy.file")?;
    Ok(explain(&policy, ip, scope))
}

fn explain(policy: &Policy, ip: IpAddr, scope: Scope<'_>) -> String {
    let decision = policy.decide(ip, scope);
    let (_, source) = policy.country_of(ip);
    let mut out = String::new();
    let verdict = if decision.denied { "deny" } else { "allow" };
    let _ = writeln!(out, "decision: {verdict}");
    let _ = writeln!(
        out,
        "country:  {}{}",
        decision.country.as_str(),
        match source {
            Some(db) => format!(" (from {})", db.display()),
            None => " (no database knows this address)".to_owned(),
        }
    );
    match decision.rule {
        Some(i) => {
            let _ = writeln!(out, "rule:     {} (#{})", policy.rules()[i].name, i + 1);
        }
        None => {
            let _ = writeln!(out, "rule:     none matched; the default decided");
        }
    }
    if let Some(i) = decision.shadow_rule {
        let _ = writeln!(out, "shadow:   {} would deny", policy.rules()[i].name);
    }
    if decision.denied {
        let _ = writeln!(out, "message:  {}", policy.message(&decision, &["en"]));
        if let Some(url) = policy.blocked_by(&decision) {
            let _ = writeln!(out, "link:     {url}");
        }
    }
    out
}

/// `swarmgate geo lookup <ip> [--db FILE]`.
pub fn geo_lookup(config: &Config, ip: IpAddr, db: Option<&Path>) -> anyhow::Result<String> {
    let policy = match db {
        Some(db) => Policy::from_geo_databases(&[db.to_owned()])
            .with_context(|| format!("loading {}", db.display()))?,
        None => {
            if config.policy.file.is_none() {
                bail!("no geo database: pass --db FILE or configure policy.file");
            }
            load_policy(config.policy.file.as_deref()).context("loading policy.file")?
        }
    };
    let (country, source) = policy.country_of(ip);
    Ok(match source {
        Some(db) => format!("{ip}: {} (from {})\n", country.as_str(), db.display()),
        None => format!(
            "{ip}: {} (no database knows this address)\n",
            country.as_str()
        ),
    })
}

/// Rows of the last `hours` hours from the store.
async fn recorded(config: &Config, hours: u32) -> anyhow::Result<Vec<CounterRow>> {
    let store = crate::app::open_store(config).await?;
    let since = crate::jobs::current_hour() - i64::from(hours.max(1)) + 1;
    let rows = store.policy_counts_since(since).await?;
    store.close().await;
    rows.into_iter()
        .map(|r| {
            let country = CountryCode::parse(&r.country)
                .with_context(|| format!("corrupt country {:?} in the database", r.country))?;
            Ok(CounterRow {
                scope: r.scope,
                country,
                rule: r.rule,
                decision: r.decision,
                count: r.count,
            })
        })
        .collect()
}

/// `swarmgate policy stats [--hours 24]`.
pub async fn policy_stats(config: &Config, hours: u32) -> anyhow::Result<String> {
    let rows = recorded(config, hours).await?;
    let mut out = format!("access decisions in the last {hours} h (flushed counters)\n");
    if rows.is_empty() {
        out.push_str("no requests recorded\n");
        return Ok(out);
    }
    let _ = writeln!(
        out,
        "{:<10} {:<8} {:<20} {:<8} {:>12}",
        "scope", "country", "rule", "decision", "requests"
    );
    for r in &rows {
        let _ = writeln!(
            out,
            "{:<10} {:<8} {:<20} {:<8} {:>12}",
            r.scope,
            r.country.as_str(),
            r.rule,
            r.decision,
            r.count
        );
    }
    Ok(out)
}

/// `swarmgate policy simulate --policy candidate.toml [--hours 24]`.
pub async fn policy_simulate(
    config: &Config,
    candidate: &Path,
    hours: u32,
) -> anyhow::Result<String> {
    let candidate = Policy::load(candidate).context("loading the candidate policy")?;
    let rows = recorded(config, hours).await?;
    let (countries, unreplayable) = candidate.simulate(&rows);
    let mut out = format!("what the candidate would have denied in the last {hours} h\n");
    if countries.is_empty() {
        out.push_str("no requests recorded\n");
    } else {
        let _ = writeln!(
            out,
            "{:<8} {:>12} {:>12} {:>7}",
            "country", "requests", "denied", "share"
        );
        for c in &countries {
            let share = if c.requests == 0 {
                0.0
            } else {
                100.0 * c.would_deny as f64 / c.requests as f64
            };
            let _ = writeln!(
                out,
                "{:<8} {:>12} {:>12} {:>6.1}%",
                c.country.as_str(),
                c.requests,
                c.would_deny,
                share
            );
        }
    }
    for name in unreplayable {
        let _ = writeln!(
            out,
            "note: rule {name:?} matches CIDR lists only; counters hold no addresses, so it was not replayed"
        );
    }
    Ok(out)
}
