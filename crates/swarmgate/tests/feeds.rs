//! The portal's RSS feeds read by a real feed parser: the server runs
//! in process on port 0, and Debian's `python3-feedparser` (which
//! `scripts/test-all.sh` installs) parses a category feed and a saved
//! search's feed, each without and with the member's RSS key. The parse
//! must be clean (`bozo == 0`), the entries the expected releases, and
//! the enclosures present only with the key, carrying it, and
//! downloading the member's .torrent without a cookie.

mod support;

use serde_json::Value;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::time::Duration;
use store::{NewRelease, NewSavedSearch, ReleaseFile, ReleaseStatus, Store};

const PYTHON: &str = "/usr/bin/python3";
/// 2026-01-01T00:00:00Z; release `n` is created `n` minutes later.
const START: i64 = 1_767_225_600;

/// Reads a feed from stdin and prints what feedparser made of it.
const PARSE: &str = r#"
import calendar, json, sys
import feedparser
d = feedparser.parse(sys.stdin.buffer.read())
print(json.dumps({
    "bozo": int(d.bozo),
    "problem": str(d.get("bozo_exception", "")),
    "version": d.version,
    "title": d.feed.get("title"),
    "link": d.feed.get("link"),
    "entries": [{
        "title": e.get("title"),
        "link": e.get("link"),
        "id": e.get("id"),
        "published": calendar.timegm(e.published_parsed) if e.get("published_parsed") else None,
        "enclosures": [
            {"href": x.get("href"), "length": x.get("length"), "type": x.get("type")}
            for x in e.get("enclosures", [])
        ],
    } for e in d.entries],
}))
"#;

fn feedparser(feed: &[u8]) -> Value {
    let available = Command::new(PYTHON)
        .args(["-c", "import feedparser"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        available,
        "{PYTHON} cannot import feedparser: run scripts/test-all.sh, which installs \
         Debian's python3-feedparser"
    );
    let mut child = Command::new(PYTHON)
        .args(["-c", PARSE])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(feed).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "feedparser failed");
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A GET to the portal naming it by its own address, as a feed reader
/// would; returns the status and the body.
fn get(portal: SocketAddr, path: &str) -> (u16, Vec<u8>) {
    let mut stream = TcpStream::connect(portal).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {portal}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..split]).to_lowercase();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    let body = raw[split + 4..].to_vec();
    assert!(!head.contains("transfer-encoding: chunked"), "{head}");
    (status, body)
}

/// A valid single-file v1 .torrent named `name`.
fn torrent(name: &str) -> Vec<u8> {
    let mut out = b"d8:announce17:http://x/announce4:infod6:lengthi1000e".to_vec();
    out.extend_from_slice(format!("4:name{}:{name}", name.len()).as_bytes());
    out.extend_from_slice(b"12:piece lengthi16384e6:pieces20:");
    out.extend_from_slice(&[7u8; 20]);
    out.extend_from_slice(b"ee");
    out
}

/// Releases by `uploader`, created a minute apart.
async fn release(store: &Store, uploader: i64, n: i64, title: &str, slug: &str, approved: bool) {
    let torrent = torrent(&format!("file-{n}.bin"));
    let meta = metainfo::Metainfo::parse(&torrent, &metainfo::Limits::default()).unwrap();
    let category = store
        .categories()
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.slug == slug)
        .unwrap()
        .id;
    store
        .create_release(&NewRelease {
            info_hash_v1: meta.info_hashes().v1(),
            info_hash_v2: None,
            title,
            description_md: "",
            category_id: category,
            uploader_id: uploader,
            status: if approved {
                ReleaseStatus::Approved
            } else {
                ReleaseStatus::Pending
            },
            size: 1000,
            private: false,
            torrent: &torrent,
            created_at: START + 60 * n,
            files: &[ReleaseFile {
                path: format!("file-{n}.bin"),
                length: 1000,
            }],
            tags: &[],
        })
        .await
        .unwrap();
}

/// A parsed feed's entry titles, after checking the parse was clean.
fn entries(feed: &Value) -> Vec<&str> {
    assert_eq!(feed["bozo"], 0, "{}", feed["problem"]);
    assert_eq!(feed["version"], "rss20");
    feed["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["title"].as_str().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feed_readers_parse_category_and_saved_search_feeds_with_and_without_the_key() {
    let data_dir = tempfile::tempdir().unwrap();
    let store = Store::open_in_dir(data_dir.path()).await.unwrap();
    let uploader = support::add_uploader(&store, "uploader", 1).await;
    let reader = support::add_uploader(&store, "reader", 2).await;
    let passkey = store::Passkey::from_bytes([2; 16]).expose().to_owned();
    release(
        &store,
        uploader,
        1,
        "Debian 13 & friends <netinst>",
        "software-linux",
        true,
    )
    .await;
    release(
        &store,
        uploader,
        2,
        "Дистрибутив «Альт» 11",
        "software-linux",
        true,
    )
    .await;
    release(&store, uploader, 3, "Show.S01E01", "tv-series", true).await;
    release(
        &store,
        uploader,
        4,
        "Debian 14 pending",
        "software-linux",
        false,
    )
    .await;
    let token = "5".repeat(32);
    store
        .save_search(&NewSavedSearch {
            user_id: reader,
            name: "Linux & more",
            query: "q=debian&category=software",
            feed_token: &token,
            created_at: START,
        })
        .await
        .unwrap();
    store.close().await;

    let config = support::config_for([127, 0, 0, 1].into(), data_dir.path());
    let server = support::start_in(config, data_dir).await;
    let portal = server.running.portal_addr();
    let site = format!("http://{portal}");

    for (path, expected, name) in [
        (
            "/rss?category=software".to_owned(),
            vec!["Дистрибутив «Альт» 11", "Debian 13 & friends <netinst>"],
            "Software",
        ),
        (
            format!("/rss/saved/{token}"),
            vec!["Debian 13 & friends <netinst>"],
            "Linux & more",
        ),
    ] {
        // Public: entries link to release pages, no enclosure.
        let (status, body) = get(portal, &path);
        assert_eq!(status, 200, "{path}");
        let public = feedparser(&body);
        assert_eq!(entries(&public), expected, "{path}");
        assert!(
            public["title"].as_str().unwrap().ends_with(name),
            "{public}"
        );
        for entry in public["entries"].as_array().unwrap() {
            let link = entry["link"].as_str().unwrap();
            assert!(link.starts_with(&format!("{site}/releases/")), "{link}");
            assert_eq!(entry["id"], link);
            assert!(
                entry["enclosures"].as_array().unwrap().is_empty(),
                "{entry}"
            );
        }
        let first = &public["entries"][0];
        let newest = if expected.len() == 2 { 2 } else { 1 };
        assert_eq!(first["published"], START + 60 * newest, "{first}");

        // With the RSS key: each entry's enclosure carries it and
        // downloads the member's .torrent without a cookie.
        let separator = if path.contains('?') { '&' } else { '?' };
        let (status, body) = get(portal, &format!("{path}{separator}passkey={passkey}"));
        assert_eq!(status, 200);
        let keyed = feedparser(&body);
        assert_eq!(entries(&keyed), expected, "{path}");
        for entry in keyed["entries"].as_array().unwrap() {
            let enclosures = entry["enclosures"].as_array().unwrap();
            assert_eq!(enclosures.len(), 1, "{entry}");
            let enclosure = &enclosures[0];
            assert_eq!(enclosure["type"], "application/x-bittorrent");
            assert_eq!(enclosure["length"], "1000");
            let href = enclosure["href"].as_str().unwrap();
            assert!(href.ends_with(&format!("?passkey={passkey}")), "{href}");
            let (status, bytes) = get(portal, href.strip_prefix(&site).unwrap());
            assert_eq!(status, 200, "{href}");
            let torrent = metainfo::Metainfo::parse(&bytes, &metainfo::Limits::default()).unwrap();
            assert_eq!(
                torrent.announce(),
                Some(format!("http://localhost:6969/announce/{passkey}").as_str())
            );
        }
    }
    // A made-up key is refused rather than served as a public feed.
    let (status, _) = get(portal, &format!("/rss?passkey={}", "0".repeat(32)));
    assert_eq!(status, 403);
    server.running.stop().await.unwrap();
}
