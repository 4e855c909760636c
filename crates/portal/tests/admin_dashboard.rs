//! The administrators' dashboard through the router in process: who may
//! see it, the traffic chart drawn from seeded `policy_counters` (a
//! well-formed SVG whose surging country's line climbs in the last hours,
//! with the not yet flushed counts in the hour in progress), the
//! decisions table, the tracker and moderation figures, and escaping.

mod release_helpers;
mod support;

use release_helpers::*;
use store::PolicyCount;
use support::{App, START};

/// The hour the stopped clock is in.
const NOW_HOUR: i64 = START / 3600;
/// The country whose traffic jumps 40% overnight: for the last
/// `SURGE_HOURS` hours.
const SURGE: &str = "NL";
const SURGE_HOURS: i64 = 24;

fn row(country: &str, rule: &str, decision: &str, count: u64) -> PolicyCount {
    PolicyCount {
        scope: "tracker".into(),
        country: country.into(),
        rule: rule.into(),
        decision: decision.into(),
        count,
    }
}

/// A week of whole hours before now: RU, DE and US steady (with a daily
/// swing), NL at 500 an hour until it jumps to 700 for the last
/// `SURGE_HOURS`, and a little from many small countries.
async fn seed_week(app: &App) {
    for hour in NOW_HOUR - 167..NOW_HOUR {
        let swing = [0, 40, 80, 40][usize::try_from(hour.rem_euclid(24) / 6).unwrap()];
        let nl = if hour >= NOW_HOUR - SURGE_HOURS {
            700
        } else {
            500
        };
        let mut rows = vec![
            row("RU", "default", "allow", 900 + swing),
            row("RU", "shadow-ru", "shadow", 100),
            row("DE", "default", "allow", 600 + swing),
            row("US", "default", "allow", 300),
            row(SURGE, "default", "allow", nl),
        ];
        for small in ["AT", "BE", "CH", "CZ", "DK", "FI", "FR"] {
            rows.push(row(small, "default", "allow", 20));
        }
        app.store.add_policy_counts(hour, &rows).await.unwrap();
    }
}

/// The `y` of each point of the path with `data-series="key"`.
fn series_ys(svg: &roxmltree::Document<'_>, key: &str) -> Vec<f64> {
    let path = svg
        .descendants()
        .find(|n| n.has_tag_name("path") && n.attribute("data-series") == Some(key))
        .unwrap_or_else(|| panic!("no line for {key}"));
    path.attribute("d")
        .unwrap()
        .split(['M', 'L'])
        .filter(|p| !p.is_empty())
        .map(|p| p.split_once(',').unwrap().1.parse().unwrap())
        .collect()
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

#[tokio::test]
async fn only_administrators_reach_the_dashboard_and_its_chart() {
    let app = app().await;
    for path in ["/admin", "/admin/traffic.svg"] {
        let r = app.browser().get(path).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{path} anonymous");
        for name in ["member", "uploader", "moder"] {
            let r = logged_in(&app, name).await.get(path).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{path} as {name}");
            assert!(!r.body.contains("data-series"), "{path} as {name}");
        }
        let r = logged_in(&app, "admin").await.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "{path} as admin: {}", r.body);
    }
    // Only administrators' menus link it.
    let moder = logged_in(&app, "moder").await.get("/").await;
    assert!(!moder.body.contains("href=\"/admin\""));
    let admin = logged_in(&app, "admin").await.get("/").await;
    assert!(admin.body.contains("<a href=\"/admin\">"), "{}", admin.body);
}

#[tokio::test]
async fn the_chart_is_well_formed_svg_and_the_surging_country_climbs_in_the_last_hours() {
    let app = app().await;
    seed_week(&app).await;
    let mut admin = logged_in(&app, "admin").await;
    let r = admin.get("/admin/traffic.svg").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        r.headers[header::CONTENT_TYPE],
        "image/svg+xml; charset=utf-8"
    );
    assert_eq!(r.headers["x-content-type-options"], "nosniff");
    assert!(
        r.headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .starts_with("default-src 'none'")
    );
    let svg = roxmltree::Document::parse(&r.body).unwrap_or_else(|e| panic!("{e}: {}", r.body));
    let root = svg.root_element();
    assert!(root.has_tag_name(("http://www.w3.org/2000/svg", "svg")));
    assert!(svg.descendants().any(|n| n.has_tag_name("title")));

    // Six countries of their own and the rest together.
    let mut lines: Vec<&str> = svg
        .descendants()
        .filter(|n| n.has_tag_name("path"))
        .filter_map(|n| n.attribute("data-series"))
        .collect();
    lines.sort_unstable();
    assert_eq!(lines.len(), 7, "{lines:?}");
    for key in ["RU", "DE", "US", SURGE, "other"] {
        assert!(lines.contains(&key), "{key} in {lines:?}");
    }

    // One point per whole hour of the week (the hour in progress is a dot
    // of its own). Higher counts are drawn higher: smaller y.
    let nl = series_ys(&svg, SURGE);
    assert_eq!(nl.len(), 167);
    let surge_start = nl.len() - SURGE_HOURS as usize;
    let before = mean(&nl[..surge_start]);
    let during = mean(&nl[surge_start..]);
    assert!(
        during < before - 20.0,
        "the surge must stand out: y {during:.1} in the last hours against {before:.1}"
    );
    let us = series_ys(&svg, "US");
    assert!((mean(&us[surge_start..]) - mean(&us[..surge_start])).abs() < 0.1);
    // The day labels name the days (MM-DD); the legend names each line.
    let texts: Vec<&str> = svg.descendants().filter_map(|n| n.text()).collect();
    assert!(
        texts.contains(&"01-01") && texts.contains(&"12-26"),
        "{texts:?}"
    );
    assert!(svg.descendants().any(
        |n| n.attribute("class") == Some("legend") && n.attribute("data-series") == Some(SURGE)
    ));

    // The page says it in numbers: NL's last day against the day before.
    let page = admin.get("/admin").await;
    assert_eq!(page.status, StatusCode::OK);
    let nl_row = table_row(&page.body, SURGE);
    assert!(nl_row.contains("class=\"surge\""), "{nl_row}");
    assert!(
        nl_row.contains(">16\u{202f}800<") && nl_row.contains(">12\u{202f}000<"),
        "{nl_row}"
    );
    assert!(nl_row.contains("+40%"), "{nl_row}");
    assert!(!table_row(&page.body, "US").contains("surge"));
    // The chart is inline too.
    assert!(
        page.body
            .contains("<svg xmlns=\"http://www.w3.org/2000/svg\"")
    );
}

/// The `<tr>` of the change table for series `key`.
fn table_row<'a>(body: &'a str, key: &str) -> &'a str {
    let start = body
        .find(&format!("<tr data-series=\"{key}\""))
        .unwrap_or_else(|| panic!("no row for {key}"));
    &body[start..start + body[start..].find("</tr>").unwrap()]
}

#[tokio::test]
async fn counts_not_yet_flushed_show_in_the_hour_in_progress() {
    let app = app().await;
    let mut admin = logged_in(&app, "admin").await;
    // Every page load above and here passed the portal's policy check:
    // counted in memory, under `unknown` (no geo database), not stored.
    let r = admin.get("/admin/traffic.svg?scope=portal").await;
    let svg = roxmltree::Document::parse(&r.body).unwrap();
    // No whole hour has any; the hour in progress does.
    let unknown = series_ys(&svg, "unknown");
    let dot = svg
        .descendants()
        .find(|n| n.attribute("class") == Some("in-progress"))
        .expect("a dot for the hour in progress");
    assert_eq!(dot.attribute("data-series"), Some("unknown"));
    let dot_y: f64 = dot.attribute("cy").unwrap().parse().unwrap();
    assert!(unknown.iter().all(|y| *y > dot_y), "{dot_y} {unknown:?}");
    assert!(r.body.contains(">unknown<"));
    // Nothing of it was written.
    assert!(app.store.policy_counts_since(0).await.unwrap().is_empty());
    // Other scopes do not count portal requests.
    let r = admin.get("/admin/traffic.svg?scope=download").await;
    assert!(!r.body.contains("data-series"), "{}", r.body);
    let page = admin.get("/admin?scope=download").await;
    assert!(page.body.contains("id=\"traffic-empty\""));
    assert_eq!(
        admin.get("/admin?scope=nonsense").await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn decisions_tracker_figures_and_the_moderation_queue_are_shown() {
    let app = app().await;
    app.store
        .add_policy_counts(NOW_HOUR - 2, &[row("NL", "block-nl", "deny", 7)])
        .await
        .unwrap();
    app.store
        .add_policy_counts(NOW_HOUR - 100, &[row("NL", "block-nl", "deny", 5)])
        .await
        .unwrap();
    let mut member = logged_in(&app, "member").await;
    upload_ok(&mut member, "v1-single.torrent", "Waiting for review").await;

    let page = logged_in(&app, "admin").await.get("/admin").await;
    let table = &page.body[page.body.find("id=\"policy-decisions\"").unwrap()..];
    let block = &table[table.find("block-nl").unwrap()..];
    let block = &block[..block.find("</tr>").unwrap()];
    assert!(block.contains(">7<") && block.contains(">12<"), "{block}");
    assert!(
        page.body.contains("id=\"moderation-queue\">1</td>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("id=\"torrents\">0</td>"));
    // Mode open: no ledger.
    assert!(page.body.contains("id=\"accounting-backlog\">—</td>"));
}

#[tokio::test]
async fn text_from_the_database_is_escaped_in_the_chart_and_the_tables() {
    let app = app().await;
    app.store
        .add_policy_counts(NOW_HOUR - 1, &[row("<b>&", "<i>rule</i>", "deny", 3)])
        .await
        .unwrap();
    let mut admin = logged_in(&app, "admin").await;
    let r = admin.get("/admin/traffic.svg").await;
    let svg = roxmltree::Document::parse(&r.body).unwrap_or_else(|e| panic!("{e}: {}", r.body));
    assert!(
        svg.descendants()
            .any(|n| n.attribute("data-series") == Some("<b>&"))
    );
    let page = admin.get("/admin").await;
    assert!(!page.body.contains("<b>&") && !page.body.contains("<i>rule"));
    // Pages are escaped by askama (numeric references).
    assert!(page.body.contains("&#60;i&#62;rule&#60;/i&#62;"));
}

#[tokio::test]
async fn a_rule_denying_downloads_refuses_every_torrent_route_with_451_and_hides_magnets() {
    // Regression: nothing checked scope `download`, so such a rule refused
    // nothing and `?scope=download` stayed empty; then, the magnet links
    // on pages and in feeds went on handing out the tracker URL.
    // A public address, for the Torznab feed's links.
    let app = app_with(ReleaseSettings {
        public_url: Some("http://portal.test/".into()),
        ..settings()
    })
    .await;
    let mut up = logged_in(&app, "uploader").await;
    let id = upload_ok(&mut up, "v1-multi.torrent", "Blocked download").await;
    let passkey = app.passkey_of("uploader").await;
    let torznab = format!("/torznab/api?t=search&apikey={}", passkey.expose());
    let magnet_shown = [
        format!("/releases/{id}"),
        format!("/api/v1/releases/{id}"),
        torznab.clone(),
    ];
    for path in &magnet_shown {
        let body = up.get(path).await.body;
        assert!(body.contains("magnet:?"), "{path}: {body}");
    }
    // The test client's network (support::CLIENT) as a named list.
    std::fs::write(app.dir.path().join("here.txt"), "203.0.113.0/24\n").unwrap();
    let rule = "[lists]\nhere = \"here.txt\"\n\
                [[rule]]\nname = \"no-downloads\"\nlists = [\"here\"]\n\
                scope = [\"download\"]\naction = \"deny\"\n\
                message.en = \"No .torrent files for this network.\"\n\
                blocked_by = \"https://example.org/why\"\n";
    let policy = policy::Policy::parse(rule, &app.dir.path().join("policy.toml")).unwrap();
    app.tracker.policy().replace(policy);

    for path in [
        format!("/releases/{id}/download"),
        format!("/api/v1/releases/{id}/torrent"),
        format!("/feeds/torrent/{id}?passkey={}", passkey.expose()),
    ] {
        let r = up.get(&path).await;
        assert_eq!(
            r.status,
            StatusCode::UNAVAILABLE_FOR_LEGAL_REASONS,
            "{path}"
        );
        assert!(
            r.body.contains("No .torrent files for this network."),
            "{path}: {}",
            r.body
        );
        assert_eq!(
            r.headers[header::LINK],
            "<https://example.org/why>; rel=\"blocked-by\"",
            "{path}"
        );
    }
    // The pages, the JSON and the feed still load, without the magnet
    // link, which carries the same tracker URL as the file; showing them
    // counts no download.
    for path in &magnet_shown {
        let r = up.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert!(r.body.contains("Blocked download"), "{path}");
        assert!(!r.body.contains("magnet:?"), "{path}: {}", r.body);
    }

    let denied: u64 = app
        .tracker
        .policy()
        .pending_counters()
        .iter()
        .filter(|r| r.scope == "download" && r.rule == "no-downloads" && r.decision == "deny")
        .map(|r| r.count)
        .sum();
    assert_eq!(denied, 3);
    let mut admin = logged_in(&app, "admin").await;
    let page = admin.get("/admin?scope=download").await;
    assert!(!page.body.contains("id=\"traffic-empty\""), "{}", page.body);
    let r = admin.get("/admin/traffic.svg?scope=download").await;
    assert!(r.body.contains("data-series"), "{}", r.body);
}
