//! Builders shared by the feed tests: an app whose feeds know their
//! public address, releases made to order (any number of distinct
//! .torrent files), cookieless requests and XML reading.
// Each test file uses a subset.
#![allow(dead_code, unused_imports)]

use crate::release_helpers::*;
use crate::support::{App, Browser, Reply};
use portal::clock::WallClock as _;

/// What feeds write in front of their links.
pub const SITE: &str = "http://portal.test";

pub async fn feed_app() -> App {
    app_with(ReleaseSettings {
        public_url: Some(format!("{SITE}/")),
        ..settings()
    })
    .await
}

/// A valid single-file v1 .torrent whose info-hash depends on `name`.
pub fn torrent(name: &str) -> Vec<u8> {
    let mut out = b"d8:announce17:http://x/announce4:infod6:lengthi1000e".to_vec();
    out.extend_from_slice(format!("4:name{}:{name}", name.len()).as_bytes());
    out.extend_from_slice(b"12:piece lengthi16384e6:pieces20:");
    out.extend_from_slice(&[7u8; 20]);
    out.extend_from_slice(b"ee");
    out
}

/// Uploads a release as `b` (approved at once for trusted roles) and
/// moves the clock on, so each release is newer than the last. Its id.
pub async fn add_release(app: &App, b: &mut Browser, title: &str, category: &str) -> i64 {
    // The clock moves on with every release: its time names the file.
    let unique = format!("release-{}.bin", app.clock.now());
    let r = api_upload(
        b,
        &[("title", title), ("category", category)],
        Some(&torrent(&unique)),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    app.clock.advance(60);
    r.json()["id"].as_i64().unwrap()
}

/// A staff browser marks release `id` freeleech.
pub async fn make_freeleech(staff: &mut Browser, id: i64) {
    let path = format!("/api/v1/releases/{id}/freeleech");
    let r = json_request(staff, "POST", &path, r#"{"freeleech":true}"#).await;
    assert!(r.status.is_success(), "{}", r.body);
}

/// A GET without cookies, as a feed reader or the *arr stack sends it.
pub async fn fetch(app: &App, path: &str) -> Reply {
    app.browser().get(path).await
}

/// The raw body of a cookieless GET, and its status.
pub async fn fetch_bytes(app: &App, path: &str) -> (StatusCode, Vec<u8>) {
    use tower::ServiceExt as _;
    let request = Request::get(path).body(Body::empty()).unwrap();
    let response = app.router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap()
        .to_vec();
    (status, bytes)
}

/// The path of an absolute URL on [`SITE`].
pub fn path_of(url: &str) -> &str {
    url.strip_prefix(SITE)
        .unwrap_or_else(|| panic!("{url} is not on {SITE}"))
}

/// Parses an RFC 822 date with a four-digit year and a numeric zone
/// (`Thu, 01 Jan 2026 00:00:03 +0000`) into Unix seconds, checking the
/// day of the week.
pub fn parse_rfc822(text: &str) -> Option<i64> {
    let (weekday, rest) = text.split_once(", ")?;
    let parts: Vec<&str> = rest.split(' ').collect();
    let [day, month, year, time, zone] = parts.as_slice() else {
        return None;
    };
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = i64::try_from(MONTHS.iter().position(|m| m == month)? + 1).ok()?;
    let (day, year): (i64, i64) = (day.parse().ok()?, year.parse().ok()?);
    let hms: Vec<i64> = time
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let [h, m, s] = hms.as_slice() else {
        return None;
    };
    let sign = if zone.starts_with('-') { -1 } else { 1 };
    let zone: i64 = zone.get(1..)?.parse().ok()?;
    // Days from civil (H. Hinnant).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    if DAYS[usize::try_from(days.rem_euclid(7)).ok()?] != weekday {
        return None;
    }
    let offset = sign * (zone / 100 * 3600 + zone % 100 * 60);
    Some(days * 86_400 + h * 3600 + m * 60 + s - offset)
}

pub const TORZNAB: &str = "http://torznab.com/schemas/2015/feed";

/// The `rss/channel/item` elements of a feed.
pub fn items<'a, 'i>(doc: &'a roxmltree::Document<'i>) -> Vec<roxmltree::Node<'a, 'i>> {
    let rss = doc.root_element();
    assert_eq!(rss.tag_name().name(), "rss");
    assert_eq!(rss.attribute("version"), Some("2.0"));
    let channel = child(rss, "channel");
    channel
        .children()
        .filter(|n| n.has_tag_name("item"))
        .collect()
}

/// The one child element named `name` (no namespace).
pub fn child<'a, 'i>(node: roxmltree::Node<'a, 'i>, name: &str) -> roxmltree::Node<'a, 'i> {
    let mut found = node.children().filter(|n| n.has_tag_name(name));
    let first = found
        .next()
        .unwrap_or_else(|| panic!("no <{name}> in <{}>", node.tag_name().name()));
    assert!(found.next().is_none(), "two <{name}>");
    first
}

/// The text of the one child element named `name`.
pub fn text<'a>(node: roxmltree::Node<'a, '_>, name: &str) -> &'a str {
    child(node, name).text().unwrap_or_default()
}

/// Every `torznab:attr` of an item as `(name, value)`.
pub fn attrs(item: roxmltree::Node<'_, '_>) -> Vec<(String, String)> {
    item.children()
        .filter(|n| n.has_tag_name((TORZNAB, "attr")))
        .map(|n| {
            (
                n.attribute("name").unwrap().to_owned(),
                n.attribute("value").unwrap().to_owned(),
            )
        })
        .collect()
}

/// The values of the `torznab:attr`s named `name`.
pub fn attr_values(item: roxmltree::Node<'_, '_>, name: &str) -> Vec<String> {
    attrs(item)
        .into_iter()
        .filter(|(n, _)| n == name)
        .map(|(_, v)| v)
        .collect()
}

/// The titles of a feed's items, in order.
pub fn titles(body: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(body).unwrap_or_else(|e| panic!("{e}: {body}"));
    items(&doc)
        .into_iter()
        .map(|i| text(i, "title").to_owned())
        .collect()
}
