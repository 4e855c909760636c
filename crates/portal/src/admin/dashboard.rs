//! `/admin`, the administrators' dashboard, and `/admin/traffic.svg`,
//! its chart on its own.
//!
//! What it shows, all without JavaScript:
//!
//! - requests per hour by country over the last 7 days (`?scope=` picks
//!   `tracker`, `portal` or `download`, all by default), drawn on the
//!   server (`chart`), and each line's last 24 whole hours against the 24
//!   before, so that "+40% from one country overnight" reads at a glance;
//! - the access policy's decisions per scope, rule and decision over 24
//!   hours and 7 days;
//! - the tracker's swarm totals, the moderation queue's length, and in
//!   tracker mode `private` the ledger's backlog and open sessions.
//!
//! Counts come from the store's `policy_counters` plus what the policy
//! has counted since the last flush (`PolicyHandle::pending_counters`),
//! which the flusher will file under the hour in progress. The store is
//! read first: a flush in between can then only leave a count out of one
//! page view, never count it twice.

use super::chart::{self, Labels};
use super::require_admin;
use super::traffic::{Change, TOP_COUNTRIES, Traffic};
use crate::PortalState;
use crate::error::WebError;
use crate::i18n::Text;
use crate::pages::{Page, render};
use crate::session::Visitor;
use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use axum::{Router, routing::get};
use policy::CounterRow;
use serde::Deserialize;
use std::collections::BTreeMap;
use store::{PolicyCount, ReleaseQuery, ReleaseStatus};

pub(crate) fn router() -> Router<PortalState> {
    Router::new()
        .route("/admin", get(dashboard))
        .route("/admin/traffic.svg", get(traffic_svg))
}

/// Hours in the chart's window: 7 days.
const WINDOW_HOURS: usize = 7 * 24;
/// Rows of the decisions table shown.
const MAX_RULE_ROWS: usize = 50;
/// A line whose last day is up this much on the day before is marked.
const SURGE_PERCENT: i64 = 25;

/// Which requests the chart counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ScopeFilter {
    All,
    Tracker,
    Portal,
    Download,
}

impl ScopeFilter {
    const ALL: [ScopeFilter; 4] = [Self::All, Self::Tracker, Self::Portal, Self::Download];

    fn key(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Tracker => "tracker",
            Self::Portal => "portal",
            Self::Download => "download",
        }
    }

    /// The policy scope counted, `None` for every scope.
    fn scope(self) -> Option<&'static str> {
        (self != Self::All).then(|| self.key())
    }

    fn text(self, t: &Text) -> &'static str {
        match self {
            Self::All => t.scope_all(),
            Self::Tracker => t.scope_tracker(),
            Self::Portal => t.scope_portal(),
            Self::Download => t.scope_download(),
        }
    }

    fn parse(query: Result<Query<ScopeQuery>, QueryRejection>) -> Result<Self, WebError> {
        let Query(query) = query.map_err(|_| WebError::Invalid)?;
        match query.scope.as_deref() {
            None | Some("") => Ok(Self::All),
            Some(key) => Self::ALL
                .into_iter()
                .find(|s| s.key() == key)
                .ok_or(WebError::Invalid),
        }
    }
}

#[derive(Deserialize)]
struct ScopeQuery {
    scope: Option<String>,
}

/// Hours since the Unix epoch of the portal clock's now.
fn current_hour(state: &PortalState) -> i64 {
    state.clock.now().div_euclid(3600)
}

/// The chart's data: stored hours plus the counts not yet flushed.
async fn traffic(
    state: &PortalState,
    filter: ScopeFilter,
    current_hour: i64,
) -> Result<Traffic, WebError> {
    let first_hour = current_hour - (WINDOW_HOURS as i64 - 1);
    let stored = state
        .store
        .hourly_country_counts(first_hour, current_hour + 1, filter.scope())
        .await?;
    let pending = state.tracker.policy().pending_counters();
    let rows = stored
        .into_iter()
        .map(|r| (r.hour, r.country, r.count))
        .chain(
            pending
                .into_iter()
                .filter(|r| filter.scope().is_none_or(|s| r.scope == s))
                .map(|r| (current_hour, r.country.as_str().to_owned(), r.count)),
        );
    Ok(Traffic::build(
        first_hour,
        WINDOW_HOURS,
        rows,
        TOP_COUNTRIES,
    ))
}

fn chart_svg(t: &Text, traffic: &Traffic, current_hour: i64) -> String {
    chart::svg(
        traffic,
        current_hour,
        &Labels {
            title: t.traffic_heading(),
            description: t.traffic_chart_desc(),
            axis: t.requests_per_hour(),
            last_day: t.last_24h(),
            other: t.other_countries(),
            unknown: t.unknown_country(),
            in_progress: t.hour_in_progress(),
        },
    )
}

/// `1234567` as `1 234 567`, grouped by narrow no-break spaces: read
/// alike in English and Russian.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() * 2);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(d);
    }
    out
}

/// One line's last day against the day before, for the table.
struct ChangeRow {
    key: String,
    name: String,
    last: String,
    previous: String,
    /// `+40%`, `-12%`, or "new" when the day before had none.
    change: String,
    surge: bool,
}

fn change_row(t: &Text, change: &Change) -> ChangeRow {
    use super::traffic::SeriesName;
    let name = match &change.name {
        SeriesName::Country(code) if code == "unknown" => t.unknown_country().to_owned(),
        SeriesName::Country(code) => code.clone(),
        SeriesName::Other => t.other_countries().to_owned(),
    };
    let percent = change.percent();
    ChangeRow {
        key: change.name.key().to_owned(),
        name,
        last: grouped(change.last),
        previous: grouped(change.previous),
        change: match percent {
            Some(p) if p > 0 => format!("+{p}%"),
            Some(p) => format!("{p}%"),
            None if change.last > 0 => t.change_new().to_owned(),
            None => "—".to_owned(),
        },
        surge: percent.is_some_and(|p| p >= SURGE_PERCENT),
    }
}

/// Decisions of one scope, rule and decision.
struct RuleRow {
    scope: String,
    rule: String,
    decision: String,
    day: u64,
    week: u64,
}

impl RuleRow {
    fn day_text(&self) -> String {
        grouped(self.day)
    }

    fn week_text(&self) -> String {
        grouped(self.week)
    }
}

type RuleKey = (String, String, String);

fn rule_rows(
    day: Vec<PolicyCount>,
    week: Vec<PolicyCount>,
    pending: &[CounterRow],
) -> Vec<RuleRow> {
    let mut sums: BTreeMap<RuleKey, (u64, u64)> = BTreeMap::new();
    for row in day {
        sums.entry((row.scope, row.rule, row.decision))
            .or_default()
            .0 += row.count;
    }
    for row in week {
        sums.entry((row.scope, row.rule, row.decision))
            .or_default()
            .1 += row.count;
    }
    for row in pending {
        let key = (row.scope.clone(), row.rule.clone(), row.decision.clone());
        let sum = sums.entry(key).or_default();
        sum.0 += row.count;
        sum.1 += row.count;
    }
    let mut rows: Vec<RuleRow> = sums
        .into_iter()
        .map(|((scope, rule, decision), (day, week))| RuleRow {
            scope,
            rule,
            decision,
            day,
            week,
        })
        .collect();
    // Stable: equal weeks keep the key order.
    rows.sort_by_key(|r| std::cmp::Reverse(r.week));
    rows
}

#[derive(Template)]
#[template(path = "admin.html")]
struct DashboardPage {
    page: Page,
    /// `(key, label, chosen)` of each scope filter.
    scopes: Vec<(&'static str, &'static str, bool)>,
    scope: &'static str,
    chart: String,
    empty: bool,
    changes: Vec<ChangeRow>,
    rules: Vec<RuleRow>,
    rules_cut: bool,
    torrents: String,
    seeders: String,
    leechers: String,
    /// Releases waiting for review, "10000+" past the count's cap.
    pending_releases: String,
    /// Mode `private`: credits waiting for the flush, open sessions;
    /// "—" in other modes.
    backlog: String,
    sessions: String,
}

async fn dashboard(
    State(state): State<PortalState>,
    visitor: Visitor,
    query: Result<Query<ScopeQuery>, QueryRejection>,
) -> Result<Response, WebError> {
    require_admin(&visitor)?;
    let filter = ScopeFilter::parse(query)?;
    let t = visitor.lang.text();
    let hour = current_hour(&state);
    let traffic = traffic(&state, filter, hour).await?;
    let day = state.store.policy_counts_since(hour - 23).await?;
    let week = state
        .store
        .policy_counts_since(hour - (WINDOW_HOURS as i64 - 1))
        .await?;
    let mut rules = rule_rows(day, week, &state.tracker.policy().pending_counters());
    let rules_cut = rules.len() > MAX_RULE_ROWS;
    rules.truncate(MAX_RULE_ROWS);
    let queue = state
        .store
        .list_releases(&ReleaseQuery {
            status: Some(ReleaseStatus::Pending),
            per_page: 1,
            ..ReleaseQuery::default()
        })
        .await?;
    let totals = state.tracker.swarm().totals();
    let ledger = state.tracker.accounting().map(|a| &a.ledger);
    let html = render(&DashboardPage {
        page: visitor.page(),
        scopes: ScopeFilter::ALL
            .into_iter()
            .map(|s| (s.key(), s.text(&t), s == filter))
            .collect(),
        scope: filter.key(),
        chart: chart_svg(&t, &traffic, hour),
        empty: traffic.is_empty(),
        changes: traffic
            .changes(hour)
            .iter()
            .map(|c| change_row(&t, c))
            .collect(),
        rules,
        rules_cut,
        torrents: grouped(totals.torrents as u64),
        seeders: grouped(totals.seeders as u64),
        leechers: grouped(totals.leechers as u64),
        pending_releases: format!(
            "{}{}",
            grouped(queue.total),
            if queue.total_exact { "" } else { "+" }
        ),
        backlog: ledger.map_or("—".into(), |l| grouped(l.backlog() as u64)),
        sessions: ledger.map_or("—".into(), |l| grouped(l.sessions() as u64)),
    });
    Ok(Html(html).into_response())
}

/// The chart as a document of its own, with the same safety headers as
/// an uploaded logo: it holds no script, and none may run.
async fn traffic_svg(
    State(state): State<PortalState>,
    visitor: Visitor,
    query: Result<Query<ScopeQuery>, QueryRejection>,
) -> Result<Response, WebError> {
    require_admin(&visitor)?;
    let filter = ScopeFilter::parse(query)?;
    let hour = current_hour(&state);
    let traffic = traffic(&state, filter, hour).await?;
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n{}\n",
        chart_svg(&visitor.lang.text(), &traffic, hour)
    );
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("image/svg+xml; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(scope: &str, rule: &str, n: u64) -> PolicyCount {
        PolicyCount {
            scope: scope.into(),
            country: "RU".into(),
            rule: rule.into(),
            decision: "deny".into(),
            count: n,
        }
    }

    #[test]
    fn numbers_are_grouped_by_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_000), "1\u{202f}000");
        assert_eq!(grouped(1_234_567), "1\u{202f}234\u{202f}567");
    }

    #[test]
    fn rule_rows_sum_countries_and_add_pending_counts_to_both_windows() {
        let pending = [CounterRow {
            scope: "portal".into(),
            country: policy::CountryCode::parse("DE").unwrap(),
            rule: "block".into(),
            decision: "deny".into(),
            count: 2,
        }];
        let rows = rule_rows(
            vec![count("portal", "block", 3)],
            vec![
                count("portal", "block", 3),
                count("portal", "block", 4),
                count("tracker", "x", 1),
            ],
            &pending,
        );
        let summary: Vec<(&str, u64, u64)> = rows
            .iter()
            .map(|r| (r.scope.as_str(), r.day, r.week))
            .collect();
        assert_eq!(summary, [("portal", 5, 9), ("tracker", 0, 1)]);
    }
}
