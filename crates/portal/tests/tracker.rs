//! Releases and the tracker, in process: in mode `listed` the portal lists
//! a release's tracker hashes exactly while it is approved, and a release
//! page and its JSON show the live swarm counts. Announces go straight to
//! the portal's `Tracker`, as the UDP and HTTP servers would send them.

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use metainfo::{InfoHash, InfoHashV2};
use portal::{Registration, ReleaseSettings};
use std::net::{IpAddr, Ipv4Addr};
use store::Role;
use support::{App, Browser, PASSWORD};
use tracker::service::AnnounceInput;
use tracker::{Rejection, TrackerMode};
use tracker_proto::{AnnounceEvent, PeerId};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../metainfo/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

async fn app(mode: TrackerMode) -> App {
    let app = App::with_tracker_mode(Registration::Closed, ReleaseSettings::default(), mode).await;
    app.add_user("moder", Role::Moderator).await;
    app.add_user("uploader", Role::Uploader).await;
    app.add_user("member", Role::Member).await;
    app
}

async fn logged_in(app: &App, name: &str) -> Browser {
    let mut b = app.browser();
    let r = b.log_in(name, PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    b
}

/// A release's id and the hashes a tracker sees for it: v1, and v2
/// truncated to 20 bytes.
async fn upload(b: &mut Browser, file: &str, expected_status: &str) -> (i64, Vec<InfoHash>) {
    let (content_type, body) = support::multipart(
        &[("title", file), ("category", "software-linux")],
        Some(&fixture(file)),
    );
    let token = b.csrf.clone().unwrap_or_default();
    let request = Request::post("/api/v1/releases")
        .header(header::CONTENT_TYPE, content_type)
        .header("x-csrf-token", token);
    let r = b.send(request, Body::from(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let json = r.json();
    assert_eq!(json["status"], expected_status, "{json}");
    let mut hashes = Vec::new();
    // `info_hash` is the v1 hash (40 digits) unless the torrent is v2 only.
    hashes.extend(json["info_hash"].as_str().and_then(InfoHash::from_hex));
    if let Some(v2) = json["info_hash_v2"].as_str() {
        hashes.push(InfoHashV2::from_hex(v2).unwrap().truncated());
    }
    (json["id"].as_i64().unwrap(), hashes)
}

async fn api(b: &mut Browser, method: &str, path: &str, body: &str) -> support::Reply {
    let token = b.csrf.clone().unwrap();
    b.send(
        Request::builder()
            .method(method)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/json")
            .header("x-csrf-token", token),
        Body::from(body.to_owned()),
    )
    .await
}

async fn set_status(b: &mut Browser, id: i64, status: &str) {
    let r = api(
        b,
        "POST",
        &format!("/api/v1/releases/{id}/status"),
        &format!(r#"{{"status":"{status}"}}"#),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

fn ip(n: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(192, 0, 2, n))
}

fn announce(
    app: &App,
    hash: InfoHash,
    n: u8,
    left: u64,
    event: AnnounceEvent,
) -> Result<swarm::SwarmCounts, Rejection> {
    let mut peers = Vec::new();
    app.tracker.announce(
        ip(n),
        &AnnounceInput {
            info_hash: hash,
            peer_id: PeerId([n; 20]),
            port: 6881,
            event,
            uploaded: 0,
            downloaded: 0,
            left,
            numwant: None,
            passkey: accounting::PasskeyInUrl::Missing,
        },
        &mut peers,
    )
}

/// Seeders and leechers in the swarm under `hash`, listed or not.
fn peers_in_swarm(app: &App, hash: &InfoHash) -> (u32, u32) {
    let c = app.tracker.swarm().scrape(hash);
    (c.seeders, c.leechers)
}

#[tokio::test]
async fn in_listed_mode_a_release_is_tracked_exactly_while_it_is_approved() {
    let app = app(TrackerMode::Listed).await;
    let catalog = app.tracker.catalog().expect("mode listed has a catalog");
    let mut member = logged_in(&app, "member").await;
    let mut moder = logged_in(&app, "moder").await;

    // A hybrid torrent: announced under its v1 and its truncated v2 hash.
    let (id, hashes) = upload(&mut member, "hybrid-single.torrent", "pending").await;
    assert_eq!(hashes.len(), 2);
    for h in &hashes {
        assert_eq!(
            announce(&app, *h, 1, 0, AnnounceEvent::Started),
            Err(Rejection::Unlisted)
        );
    }

    set_status(&mut moder, id, "approved").await;
    for (i, h) in hashes.iter().enumerate() {
        assert!(catalog.contains(h));
        let counts = announce(&app, *h, 1, 0, AnnounceEvent::Started).unwrap();
        assert_eq!(counts.seeders, 1, "hash {i}");
        announce(&app, *h, 2, 100, AnnounceEvent::Started).unwrap();
        assert_eq!(peers_in_swarm(&app, h), (1, 1));
    }

    // Any status but approved unlists it and drops its peers at once.
    set_status(&mut moder, id, "closed").await;
    for h in &hashes {
        assert!(!catalog.contains(h));
        assert_eq!(peers_in_swarm(&app, h), (0, 0));
        assert_eq!(
            announce(&app, *h, 1, 0, AnnounceEvent::None),
            Err(Rejection::Unlisted)
        );
    }

    // Approved again, then deleted: the same.
    set_status(&mut moder, id, "approved").await;
    for h in &hashes {
        announce(&app, *h, 1, 0, AnnounceEvent::Started).unwrap();
    }
    let r = api(&mut moder, "DELETE", &format!("/api/v1/releases/{id}"), "").await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    for h in &hashes {
        assert!(!catalog.contains(h));
        assert_eq!(peers_in_swarm(&app, h), (0, 0));
        assert_eq!(
            announce(&app, *h, 1, 0, AnnounceEvent::None),
            Err(Rejection::Unlisted)
        );
    }
    assert_eq!(catalog.len(), 0);
}

#[tokio::test]
async fn in_listed_mode_a_trusted_upload_is_tracked_at_once() {
    let app = app(TrackerMode::Listed).await;
    let mut uploader = logged_in(&app, "uploader").await;
    let (_, hashes) = upload(&mut uploader, "v1-single.torrent", "approved").await;
    assert_eq!(hashes.len(), 1);
    let counts = announce(&app, hashes[0], 1, 0, AnnounceEvent::Started).unwrap();
    assert_eq!(counts.seeders, 1);
    // Another torrent, never uploaded, is still refused.
    assert_eq!(
        announce(&app, InfoHash([9; 20]), 1, 0, AnnounceEvent::Started),
        Err(Rejection::Unlisted)
    );
}

#[tokio::test]
async fn in_open_mode_there_is_no_catalog_and_moderation_leaves_the_swarm_alone() {
    let app = app(TrackerMode::Open).await;
    assert!(app.tracker.catalog().is_none());
    let mut member = logged_in(&app, "member").await;
    let (id, hashes) = upload(&mut member, "v1-single.torrent", "pending").await;
    announce(&app, hashes[0], 1, 0, AnnounceEvent::Started).unwrap();
    let mut moder = logged_in(&app, "moder").await;
    set_status(&mut moder, id, "approved").await;
    set_status(&mut moder, id, "closed").await;
    assert_eq!(peers_in_swarm(&app, &hashes[0]), (1, 0));
}

#[tokio::test]
async fn the_release_page_and_its_json_show_live_counts_summed_over_its_hashes() {
    let app = app(TrackerMode::Listed).await;
    let mut uploader = logged_in(&app, "uploader").await;
    let (id, hashes) = upload(&mut uploader, "hybrid-single.torrent", "approved").await;
    let (v1, v2) = (hashes[0], hashes[1]);
    // A seeder that finished here, and a leecher, under v1; a seeder
    // under the truncated v2 hash (a v2-only client).
    announce(&app, v1, 1, 100, AnnounceEvent::Started).unwrap();
    announce(&app, v1, 1, 0, AnnounceEvent::Completed).unwrap();
    announce(&app, v1, 2, 100, AnnounceEvent::Started).unwrap();
    announce(&app, v2, 3, 0, AnnounceEvent::Started).unwrap();

    let mut anon = app.browser();
    let page = anon.get(&format!("/releases/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains(r#"<dd id="swarm">2 / 1 / 1</dd>"#),
        "{}",
        page.body
    );
    let json = anon.get(&format!("/api/v1/releases/{id}")).await.json();
    assert_eq!(
        (&json["seeders"], &json["leechers"], &json["completed"]),
        (&2.into(), &1.into(), &1.into()),
        "{json}"
    );
    let list = anon.get("/api/v1/releases").await.json();
    assert_eq!(list["releases"][0]["seeders"], 2, "{list}");

    // A stopped peer is gone from the counts at once.
    announce(&app, v1, 2, 100, AnnounceEvent::Stopped).unwrap();
    let json = anon.get(&format!("/api/v1/releases/{id}")).await.json();
    assert_eq!(json["leechers"], 0, "{json}");
}
