//! End to end: the administrators' pages in Debian's headless Chromium.
//!
//! swarmgate runs in process on 127.0.0.1 (port 0) with a week of
//! `policy_counters` written to its database, one country's traffic up
//! 40% over the last day. `tests/browser/admin_flow.mjs` (playwright-core
//! driving `/usr/bin/chromium`) logs in as an administrator, opens
//! `/admin` and checks that the traffic chart is drawn (an SVG of real
//! size whose lines have length), screenshots it, then changes the site
//! name, link and band colours and banner and uploads an SVG logo on
//! `/admin/branding`; another page of the same running server, in the
//! administrator's browser and in a fresh anonymous one, must show all of
//! it, the logo loaded.
//!
//! The chart's screenshot is copied to
//! `target/test-artifacts/dashboard.png` (the path is printed): look at
//! it. Chromium, Node.js and playwright-core come from
//! `scripts/test-all.sh`; without them this test fails rather than skips.

mod support;

use serde_json::Value;
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;

use std::time::{Instant, SystemTime, UNIX_EPOCH};
use store::{NewUser, Passkey, PolicyCount, Role, Store, Username};
use support::browser::{require_browser, run_flow};
use support::{config_for, start_in};

const ADMIN: &str = "operator";
const ADMIN_PASSWORD: &str = "an operator's long passphrase";
const SITE_NAME: &str = "Кинозал Север";
const ACCENT: &str = "#8a1c1c";
const BAND: &str = "#1c5d8a";
const BANNER: &str = "Maintenance tonight from 22:00 UTC";
/// The country whose traffic is up 40% over the last day.
const SURGE: &str = "NL";

/// A logo as a designer's tool might export it, event handler included.
const LOGO_SVG: &str = r##"<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="96" height="32" viewBox="0 0 96 32" onload="alert(1)">
  <rect width="96" height="32" rx="6" fill="#1c5d8a"/>
  <circle cx="16" cy="16" r="9" fill="#ffffff"/>
  <path d="M12 11 L23 16 L12 21 Z" fill="#8a1c1c"/>
  <text x="32" y="22" font-family="sans-serif" font-size="15" font-weight="700" fill="#ffffff">Север</text>
</svg>
"##;

fn row(country: &str, count: u64) -> PolicyCount {
    PolicyCount {
        scope: "tracker".into(),
        country: country.into(),
        rule: "default".into(),
        decision: "allow".into(),
        count,
    }
}

/// A week of hourly counters up to the hour in progress: four steady
/// countries with a daily swing, `SURGE` 40% up for the last 24 hours,
/// and a few small ones.
async fn seed_week(store: &Store) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let now_hour = i64::try_from(now / 3600).unwrap();
    for hour in now_hour - 167..now_hour {
        let swing = [0, 150, 300, 150][usize::try_from(hour.rem_euclid(24) / 6).unwrap()];
        let surge = if hour >= now_hour - 24 { 1_400 } else { 1_000 };
        let mut rows = vec![
            row("RU", 2_400 + swing),
            row("DE", 1_600 + swing),
            row("US", 900 + swing / 2),
            row("FR", 500),
            row(SURGE, surge),
        ];
        for small in ["AT", "BE", "CH", "CZ", "DK"] {
            rows.push(row(small, 60));
        }
        store.add_policy_counts(hour, &rows).await.unwrap();
    }
}

/// Runs the browser flow; returns its JSON report.
fn run_admin_flow(portal: &str, out: &Path, logo: &Path) -> Value {
    let args = [
        format!("--portal={portal}"),
        format!("--user={ADMIN}"),
        format!("--password={ADMIN_PASSWORD}"),
        format!("--out={}", out.display()),
        format!("--logo={}", logo.display()),
        format!("--site-name={SITE_NAME}"),
        format!("--accent={ACCENT}"),
        format!("--band={BAND}"),
        format!("--banner={BANNER}"),
    ];
    run_flow("admin_flow.mjs", &args, String::new)
}

/// Width and height from a PNG's IHDR chunk.
fn png_size(png: &[u8]) -> (u32, u32) {
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 24,
        "not a PNG"
    );
    let be = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().unwrap());
    (be(16), be(20))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_sees_the_traffic_chart_and_rebrands_the_running_site_in_a_browser() {
    require_browser();
    let started = Instant::now();
    let data = tempfile::tempdir().unwrap();
    let store = Store::open_in_dir(data.path()).await.unwrap();
    store
        .create_user(&NewUser {
            username: &Username::parse(ADMIN).unwrap(),
            password_hash: &portal::passwords::hash(ADMIN_PASSWORD),
            role: Role::Admin,
            passkey: &Passkey::from_bytes([7; 16]),
            created_at: 1,
        })
        .await
        .unwrap();
    seed_week(&store).await;
    store.close().await;
    let config = config_for(IpAddr::V4(Ipv4Addr::LOCALHOST), data.path());
    let server = start_in(config, data).await;
    let portal = format!("http://{}", server.running.portal_addr());

    let out = tempfile::tempdir().unwrap();
    let logo = out.path().join("logo.svg");
    std::fs::write(&logo, LOGO_SVG).unwrap();
    let shots = out.path().to_owned();
    let report = tokio::task::spawn_blocking(move || run_admin_flow(&portal, &shots, &logo))
        .await
        .unwrap();
    println!(
        "admin flow in {:.1?}: {}",
        started.elapsed(),
        report["steps"]
    );

    let chart = &report["chart"];
    assert!(chart["width"].as_f64().unwrap() >= 600.0, "{chart}");
    assert!(chart["height"].as_f64().unwrap() >= 200.0, "{chart}");
    let series: Vec<&str> = chart["series"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["key"].as_str())
        .collect();
    for key in ["RU", "DE", "US", "FR", SURGE, "other"] {
        assert!(series.contains(&key), "{key} has no line: {chart}");
    }
    let surge = chart["surge"].as_array().unwrap();
    assert!(
        surge.len() == 1 && surge[0].as_str().unwrap().starts_with(SURGE),
        "only {SURGE} is marked as surging: {chart}"
    );
    assert!(surge[0].as_str().unwrap().contains("+40%"), "{chart}");

    for who in ["branded", "anonymous"] {
        let seen = &report[who];
        assert_eq!(seen["name"], SITE_NAME, "{who}: {seen}");
        assert_eq!(seen["banner"], BANNER, "{who}: {seen}");
        assert!(
            seen["logo_src"].as_str().unwrap().ends_with(".svg"),
            "{who}: {seen}"
        );
    }
    let headers = &report["anonymous"]["logo_headers"];
    assert_eq!(headers["content-type"], "image/svg+xml");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(
        headers["content-security-policy"],
        "default-src 'none'; style-src 'unsafe-inline'"
    );

    // The screenshots, kept where people look for them.
    let artifacts = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("test-artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    for shot in report["screenshots"].as_array().unwrap() {
        let shot = Path::new(shot.as_str().unwrap());
        let kept = artifacts.join(shot.file_name().unwrap());
        std::fs::copy(shot, &kept).unwrap();
        println!("screenshot: {}", kept.display());
    }
    let dashboard = std::fs::read(artifacts.join("dashboard.png")).unwrap();
    let (width, height) = png_size(&dashboard);
    assert!(width >= 600 && height >= 200, "{width}x{height}");
    server.running.stop().await.unwrap();
}
