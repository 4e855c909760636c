//! End to end: a real browser meets the portal's HTTP 451 page (RFC 7725).
//!
//! Debian's headless Chromium loads the portal from 127.0.0.1, which the
//! test's geo database maps to RU, a country the policy refuses. What the
//! browser renders (`--dump-dom`) must carry the rule's message and the
//! page title in the language the browser asked for: this is what catches
//! a page served without its charset, a status the browser replaces with
//! its own error page, or an `Accept-Language` parse that only works for
//! hand-written headers. Chromium on Linux ignores `--lang` for requests,
//! so `--accept-lang` sets the header (`ru-RU,ru;q=0.9,en;q=0.8`).
//!
//! Each run also leaves screenshots for people to look at in
//! `target/tmp/browser_451/`. Chromium comes from Debian's `chromium`
//! package, which `scripts/test-all.sh` installs; without it these tests
//! fail rather than skip.

mod support;

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;
use support::browser::{CHROMIUM, require_chromium};
use support::{TestServer, config_for, http_request, start_in};

/// Where Chromium connects from; the geo database says RU.
const REFUSED: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);
/// Unknown to the geo database, so the policy's default (allow) decides.
const ALLOWED: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, 2));

const GEO_CSV: &str = "127.0.0.1,127.0.0.1,RU\n";
const POLICY: &str = r#"geo_databases = ["geo.csv"]
default = "allow"

[[rule]]
name = "self-block"
countries = ["RU"]
scope = ["portal", "tracker", "download"]
action = "deny"
message.en = "This site is not available in your country."
message.ru = "Сайт недоступен в вашей стране."
blocked_by = "https://example.org/why-we-block"
"#;

const MESSAGE_EN: &str = "This site is not available in your country.";
const MESSAGE_RU: &str = "Сайт недоступен в вашей стране.";
const WHY_URL: &str = "https://example.org/why-we-block";

/// Starts swarmgate on 127.0.0.1 with the policy above.
async fn start_refusing_ru() -> TestServer {
    let data = tempfile::tempdir().unwrap();
    std::fs::write(data.path().join("geo.csv"), GEO_CSV).unwrap();
    let policy = data.path().join("policy.toml");
    std::fs::write(&policy, POLICY).unwrap();
    let mut config = config_for(REFUSED, data.path());
    config.policy.file = Some(policy);
    start_in(config, data).await
}

/// What Chromium made of a page.
struct Rendered {
    dom: String,
    screenshot: PathBuf,
}

/// Loads `url` in a fresh headless Chromium that sends `accept_language`,
/// and returns the DOM after load plus a 1024x600 screenshot written into
/// `out_dir`. Blocking: call it off the runtime's worker threads.
fn render(url: &str, accept_language: &str, out_dir: &Path, name: &str) -> Rendered {
    let profile = out_dir.join(format!("profile-{name}"));
    let screenshot = out_dir.join(format!("{name}.png"));
    let started = Instant::now();
    // `timeout` bounds a hung browser; the flags keep Chromium from
    // reaching for the network (this machine has none) or a GPU.
    let output = Command::new("timeout")
        .args(["--kill-after=10", "90", CHROMIUM])
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--window-size=1024,600",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--accept-lang={accept_language}"))
        .arg(format!("--screenshot={}", screenshot.display()))
        .arg("--dump-dom")
        .arg(url)
        .output()
        .expect("running chromium");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "chromium failed ({}) on {url}:\n{stderr}",
        output.status
    );
    println!(
        "chromium rendered {url} ({accept_language}) in {:.1?}",
        started.elapsed()
    );
    Rendered {
        dom: String::from_utf8(output.stdout).expect("a UTF-8 DOM"),
        screenshot,
    }
}

/// The text between `open` (a start tag as Chromium serializes it) and
/// the next end tag.
fn element_text<'a>(dom: &'a str, open: &str) -> &'a str {
    let start = dom
        .find(open)
        .unwrap_or_else(|| panic!("no {open} in the DOM:\n{dom}"))
        + open.len();
    let len = dom[start..].find("</").expect("an end tag");
    &dom[start..start + len]
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

/// Copies a screenshot to `target/tmp/browser_451/` for people to look at.
fn keep_for_humans(screenshot: &Path) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser_451");
    std::fs::create_dir_all(&dir).unwrap();
    let kept = dir.join(screenshot.file_name().unwrap());
    std::fs::copy(screenshot, &kept).unwrap();
    println!("screenshot: {}", kept.display());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_visitor_sees_the_451_page_in_russian_in_a_real_browser() {
    require_chromium();
    let server = start_refusing_ru().await;
    let url = format!("http://{}/", server.running.portal_addr());
    let out = tempfile::tempdir().unwrap();
    let out_dir = out.path().to_owned();

    let (ru, en) = tokio::task::spawn_blocking(move || {
        (
            render(&url, "ru-RU,ru,en", &out_dir, "451-ru"),
            render(&url, "en-US,en", &out_dir, "451-en"),
        )
    })
    .await
    .unwrap();

    assert!(ru.dom.contains("<html lang=\"ru\">"), "{}", ru.dom);
    assert_eq!(
        element_text(&ru.dom, "<title>"),
        "451 — Недоступно по юридическим причинам"
    );
    assert_eq!(element_text(&ru.dom, "<p id=\"message\">"), MESSAGE_RU);
    assert_eq!(
        element_text(
            &ru.dom,
            &format!("<a href=\"{WHY_URL}\" rel=\"blocked-by\">")
        ),
        "Почему мы блокируем"
    );

    assert!(en.dom.contains("<html lang=\"en\">"), "{}", en.dom);
    assert_eq!(
        element_text(&en.dom, "<title>"),
        "451 — Unavailable for legal reasons"
    );
    assert_eq!(element_text(&en.dom, "<p id=\"message\">"), MESSAGE_EN);

    for page in [&ru, &en] {
        let png = std::fs::read(&page.screenshot).expect("chromium wrote the screenshot");
        assert_eq!(png_size(&png), (1024, 600));
        keep_for_humans(&page.screenshot);
    }
    server.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_451_response_carries_the_link_and_no_store_headers() {
    let server = start_refusing_ru().await;
    let addr = server.running.portal_addr();

    let page = http_request(REFUSED, addr, "/", &[("Accept-Language", "ru")]);
    assert_eq!(page.status, 451);
    assert_eq!(
        page.header("link"),
        Some(format!("<{WHY_URL}>; rel=\"blocked-by\"").as_str())
    );
    assert_eq!(page.header("cache-control"), Some("private, no-store"));
    assert_eq!(page.header("vary"), Some("Accept-Language"));
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );

    let api = http_request(REFUSED, addr, "/api/v1/stats", &[("Accept-Language", "ru")]);
    assert_eq!(api.status, 451);
    assert_eq!(
        api.header("link"),
        Some(format!("<{WHY_URL}>; rel=\"blocked-by\"").as_str())
    );
    assert_eq!(api.header("cache-control"), Some("private, no-store"));
    assert_eq!(api.header("content-type"), Some("application/json"));
    let body: serde_json::Value =
        serde_json::from_slice(&api.body).unwrap_or_else(|e| panic!("{e}: {}", api.text()));
    assert_eq!(body["error"], "unavailable_for_legal_reasons");
    assert_eq!(body["message"], MESSAGE_RU);
    assert_eq!(body["blocked_by"], WHY_URL);

    // The refusal is about the address, not the route: from an address the
    // policy allows, the same API answers normally and may be cached.
    let allowed = http_request(ALLOWED, addr, "/api/v1/stats", &[]);
    assert_eq!(allowed.status, 200, "{}", allowed.text());
    assert_eq!(allowed.header("link"), None);
    assert_eq!(allowed.header("cache-control"), None);
    server.running.stop().await.unwrap();
}
