//! Private tracking as members and staff see it, through the router in
//! process: a member's figures on their profile and at `GET
//! /api/v1/me`, freeleech per release (who may set it, CSRF, the
//! tracker's catalog following it) and the site-wide freeleech banner.
//! Announces go straight to the portal's `Tracker` in mode `private`, as
//! the UDP and HTTP servers would send them; the flush is the binary's:
//! the ledger's pending credit into `Store::add_transfers`.

mod release_helpers;
mod support;

use accounting::{Directory, Member, MemberId, PasskeyInUrl, ReleaseId};
use metainfo::{InfoHash, InfoHashV2};
use release_helpers::*;
use std::net::{IpAddr, Ipv4Addr};
use store::{TransferCredit, Username};
use support::{App, Browser, START};
use tracker::TrackerMode;
use tracker::service::AnnounceInput;
use tracker_proto::{AnnounceEvent, PeerId};

const MIB: u64 = 1 << 20;

/// An app in tracker mode `mode` with the five roles; in mode `private`
/// every account is in the tracker's member directory, as the binary
/// loads it at start.
async fn app_in(mode: TrackerMode) -> App {
    with_accounts(App::with_tracker_mode(Registration::Closed, settings(), mode).await).await
}

/// `app` with the five roles' accounts, in the tracker's member directory
/// if it has one.
async fn with_accounts(app: App) -> App {
    for (name, role) in [
        ("admin", Role::Admin),
        ("moder", Role::Moderator),
        ("uploader", Role::Uploader),
        ("member", Role::Member),
        ("other", Role::Member),
    ] {
        app.add_user(name, role).await;
        if let Some(accounting) = app.tracker.accounting() {
            let passkey = tracker_passkey(&app, name).await;
            let member = Member {
                id: MemberId(user_id(&app, name).await),
                may_start_downloads: true,
            };
            accounting.members.insert(passkey, member);
        }
    }
    app
}

async fn user_id(app: &App, name: &str) -> i64 {
    let name = Username::parse(name).unwrap();
    app.store.user_by_name(&name).await.unwrap().unwrap().id
}

async fn tracker_passkey(app: &App, name: &str) -> accounting::Passkey {
    let key = app.passkey_of(name).await;
    accounting::Passkey::parse(key.expose().as_bytes()).unwrap()
}

/// Uploads `file` as a trusted uploader (approved at once): its id and
/// the first hash a client announces it by.
async fn upload(b: &mut Browser, file: &str, title: &str) -> (i64, InfoHash) {
    let r = api_upload(
        b,
        &[("title", title), ("category", "software-linux")],
        Some(&fixture(file)),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let json = r.json();
    let hash = json["info_hash"]
        .as_str()
        .and_then(InfoHash::from_hex)
        .or_else(|| {
            let v2 = json["info_hash_v2"].as_str()?;
            Some(InfoHashV2::from_hex(v2)?.truncated())
        })
        .unwrap();
    (json["id"].as_i64().unwrap(), hash)
}

/// One announce of client `peer` with `passkey`.
#[allow(clippy::too_many_arguments)]
fn announce(
    app: &App,
    passkey: accounting::Passkey,
    hash: InfoHash,
    peer: u8,
    uploaded: u64,
    downloaded: u64,
    left: u64,
    event: AnnounceEvent,
) {
    let mut peers = Vec::new();
    app.tracker
        .announce(
            IpAddr::V4(Ipv4Addr::new(192, 0, 2, peer)),
            &AnnounceInput {
                info_hash: hash,
                peer_id: PeerId([peer; 20]),
                port: 6881,
                event,
                uploaded,
                downloaded,
                left,
                numwant: None,
                passkey: PasskeyInUrl::Found(passkey),
            },
            &mut peers,
        )
        .unwrap();
}

/// The binary's flush: the ledger's pending credit into the store.
async fn flush(app: &App, now: i64) {
    let entries = app.tracker.accounting().unwrap().ledger.take_pending();
    let credits: Vec<TransferCredit> = entries
        .iter()
        .map(|e| TransferCredit {
            user_id: e.member.0,
            release_id: e.release.0,
            uploaded: e.credit.uploaded,
            downloaded: e.credit.downloaded,
            snatched: e.credit.snatched,
            leeched: e.credit.leeched,
        })
        .collect();
    app.store.add_transfers(&credits, now).await.unwrap();
}

/// Three releases: "member" seeds the first (3 MiB uploaded), completed
/// the second (2 MiB downloaded, then stopped) and is leeching the third.
async fn member_moved_bytes(app: &App) -> [i64; 3] {
    let mut uploader = logged_in(app, "uploader").await;
    let (seeded, s) = upload(&mut uploader, "v1-single.torrent", "Seeded here").await;
    let (done, d) = upload(&mut uploader, "v1-multi.torrent", "Done here").await;
    let (leeching, l) = upload(&mut uploader, "v2-single.torrent", "Leeching here").await;
    let key = tracker_passkey(app, "member").await;
    announce(app, key, s, 1, 0, 0, 0, AnnounceEvent::Started);
    announce(app, key, s, 1, 3 * MIB, 0, 0, AnnounceEvent::None);
    announce(app, key, d, 2, 0, 0, 100, AnnounceEvent::Started);
    announce(app, key, d, 2, 0, 2 * MIB, 0, AnnounceEvent::Completed);
    announce(app, key, d, 2, 0, 2 * MIB, 0, AnnounceEvent::Stopped);
    announce(app, key, l, 3, 0, 0, 100, AnnounceEvent::Started);
    flush(app, START + 86_400).await;
    [seeded, done, leeching]
}

#[tokio::test]
async fn the_profile_shows_totals_live_lists_and_history_without_addresses() {
    let app = app_in(TrackerMode::Private).await;
    let [seeded, done, leeching] = member_moved_bytes(&app).await;
    let mut member = logged_in(&app, "member").await;
    let page = member.get("/profile").await;
    assert_eq!(page.status, StatusCode::OK);
    let body = &page.body;
    for (id, value) in [
        ("uploaded", "3.0 MiB"),
        ("downloaded", "2.0 MiB"),
        ("ratio", "1.50"),
        ("snatched", "1"),
    ] {
        assert!(
            body.contains(&format!("<dd id=\"{id}\">{value}</dd>")),
            "{id}: {body}"
        );
    }
    let list = |id: &str| {
        let start = body.find(&format!("<ul id=\"{id}\">")).expect(id);
        body[start..start + body[start..].find("</ul>").unwrap()].to_owned()
    };
    assert_eq!(
        list("seeding"),
        format!("<ul id=\"seeding\"><li><a href=\"/releases/{seeded}\">Seeded here</a></li>")
    );
    assert_eq!(
        list("leeching"),
        format!("<ul id=\"leeching\"><li><a href=\"/releases/{leeching}\">Leeching here</a></li>")
    );
    let history = &body[body.find("<table id=\"history\">").unwrap()..];
    assert!(
        history.contains(&format!(
            "<a href=\"/releases/{done}\">Done here</a></td><td>0 B</td><td>2.0 MiB</td><td>2026-01-02</td>"
        )),
        "{history}"
    );
    assert!(history.contains(&format!(
        "<a href=\"/releases/{seeded}\">Seeded here</a></td><td>3.0 MiB</td><td>0 B</td><td>—</td>"
    )));
    assert!(!body.contains("192.0.2."), "no client address on the page");
    assert!(!body.contains("live-off"));

    // Nothing moved: a dash for the ratio, empty lists.
    let mut other = logged_in(&app, "other").await;
    let body = other.get("/profile").await.body;
    assert!(body.contains("<dd id=\"ratio\">—</dd>"), "{body}");
    assert!(body.contains("id=\"seeding-none\"") && body.contains("id=\"leeching-none\""));
    assert!(body.contains("id=\"history-none\""));
    // In Russian too.
    let body = other.get("/profile?lang=ru").await.body;
    assert!(
        body.contains("Сейчас раздаёте") && body.contains("Рейтинг"),
        "{body}"
    );
}

#[tokio::test]
async fn api_me_gives_the_figures_and_live_releases_by_id_and_title() {
    let app = app_in(TrackerMode::Private).await;
    let [seeded, _, leeching] = member_moved_bytes(&app).await;
    let token = api_token(&app, "member").await;
    let by_token = bearer_request(&app, &token, "GET", "/api/v1/me", None).await;
    assert_eq!(by_token.status, StatusCode::OK, "{}", by_token.body);
    let expected = serde_json::json!({
        "username": "member",
        "role": "member",
        "uploaded": 3 * MIB,
        "downloaded": 2 * MIB,
        "ratio": 1.5,
        "snatched": 1,
        "seeding": [{"id": seeded, "title": "Seeded here"}],
        "leeching": [{"id": leeching, "title": "Leeching here"}],
        "may_start_downloads": true,
        "max_leeching": null,
    });
    assert_eq!(by_token.json(), expected);
    let mut member = logged_in(&app, "member").await;
    assert_eq!(member.get("/api/v1/me").await.json(), expected, "by cookie");

    // Nothing downloaded yet: the ratio is null, the lists empty.
    let token = api_token(&app, "other").await;
    let other = bearer_request(&app, &token, "GET", "/api/v1/me", None)
        .await
        .json();
    assert_eq!(other["ratio"], serde_json::Value::Null, "{other}");
    assert_eq!(other["seeding"], serde_json::json!([]), "{other}");

    // A release closed since: the tracker dropped its peers and closed
    // its sessions, so nobody is leeching it any more.
    let mut moder = logged_in(&app, "moder").await;
    let path = format!("/api/v1/releases/{leeching}/status");
    let r = json_request(&mut moder, "POST", &path, r#"{"status":"closed"}"#).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let me = member.get("/api/v1/me").await.json();
    assert_eq!(me["leeching"], serde_json::json!([]), "{me}");
    assert_eq!(me["seeding"], expected["seeding"], "{me}");
    let body = member.get("/profile").await.body;
    assert!(!body.contains("Leeching here"), "{body}");

    let r = app.browser().get("/api/v1/me").await;
    expect_error(&r, StatusCode::UNAUTHORIZED, "unauthorized");
}

#[tokio::test]
async fn outside_private_mode_the_stored_totals_show_and_live_lists_do_not() {
    let app = app_in(TrackerMode::Listed).await;
    let mut uploader = logged_in(&app, "uploader").await;
    let (id, _) = upload(&mut uploader, "v1-single.torrent", "Earlier").await;
    let member_id = user_id(&app, "member").await;
    let credit = TransferCredit {
        user_id: member_id,
        release_id: id,
        uploaded: 1536,
        downloaded: 0,
        snatched: false,
        leeched: false,
    };
    app.store.add_transfers(&[credit], START).await.unwrap();
    let mut member = logged_in(&app, "member").await;
    let body = member.get("/profile").await.body;
    assert!(body.contains("<dd id=\"uploaded\">1.5 KiB</dd>"), "{body}");
    assert!(body.contains("<dd id=\"ratio\">∞</dd>"), "{body}");
    assert!(body.contains("id=\"live-off\"") && !body.contains("<ul id=\"seeding\">"));
    let me = member.get("/api/v1/me").await.json();
    assert_eq!(me["uploaded"], 1536);
    assert_eq!(me["ratio"], serde_json::Value::Null);
    assert_eq!(me["seeding"], serde_json::Value::Null, "{me}");
    assert_eq!(me["leeching"], serde_json::Value::Null, "{me}");
    assert_eq!(me["may_start_downloads"], serde_json::Value::Null, "{me}");
    assert!(!body.contains("max-leeching") && !body.contains("ratio-held-back"));
}

#[tokio::test]
async fn the_profile_and_api_me_say_where_the_member_stands_with_the_rules() {
    let rules = accounting::LedgerConfig {
        max_leeching: Some(3),
        ..accounting::LedgerConfig::default()
    };
    let app = App::private_with_rules(Registration::Closed, settings(), rules).await;
    let app = with_accounts(app).await;
    let mut member = logged_in(&app, "member").await;
    let body = member.get("/profile").await.body;
    assert!(body.contains("<dd id=\"max-leeching\">3</dd>"), "{body}");
    assert!(!body.contains("ratio-held-back"), "{body}");
    let me = member.get("/api/v1/me").await.json();
    assert_eq!(me["may_start_downloads"], true, "{me}");
    assert_eq!(me["max_leeching"], 3, "{me}");

    // Held back by the minimum-ratio rule, as a reload of the members
    // finds them.
    let held_back = Member {
        id: MemberId(user_id(&app, "member").await),
        may_start_downloads: false,
    };
    let directory = &app.tracker.accounting().unwrap().members;
    directory.insert(tracker_passkey(&app, "member").await, held_back);
    let body = member.get("/profile").await.body;
    assert!(
        body.contains("id=\"ratio-held-back\"") && body.contains("is below this site"),
        "{body}"
    );
    let me = member.get("/api/v1/me").await.json();
    assert_eq!(me["may_start_downloads"], false, "{me}");
    let body = member.get("/profile?lang=ru").await.body;
    assert!(body.contains("Ваш рейтинг ниже минимума"), "{body}");
}

#[tokio::test]
async fn unlisting_a_release_closes_its_sessions_keeping_or_dropping_their_credit() {
    // Regression: sessions on a deleted or unapproved release stayed open
    // until they expired (45 minutes), counted among the member's
    // downloads, and a deleted release's credit waited for the flush.
    let app = app_in(TrackerMode::Private).await;
    let mut uploader = logged_in(&app, "uploader").await;
    let (closed, c) = upload(&mut uploader, "v1-single.torrent", "Closed").await;
    let (deleted, d) = upload(&mut uploader, "v1-multi.torrent", "Deleted").await;
    let (open, o) = upload(&mut uploader, "v2-single.torrent", "Open").await;
    let key = tracker_passkey(&app, "member").await;
    for (hash, peer) in [(c, 1), (d, 2), (o, 3)] {
        announce(&app, key, hash, peer, 0, 0, 100, AnnounceEvent::Started);
        announce(&app, key, hash, peer, MIB, 0, 100, AnnounceEvent::None);
    }
    let ledger = &app.tracker.accounting().unwrap().ledger;
    assert_eq!(ledger.sessions(), 3);
    // Had the ratio rule held the member back, these would be downloads
    // to resume.
    let member = MemberId(user_id(&app, "member").await);
    let members = &app.tracker.accounting().unwrap().members;
    members
        .begin_history_load()
        .finish([member], [closed, deleted].map(|r| (member, ReleaseId(r))));
    let mut moder = logged_in(&app, "moder").await;
    let path = format!("/api/v1/releases/{closed}/status");
    let r = json_request(&mut moder, "POST", &path, r#"{"status":"closed"}"#).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let path = format!("/api/v1/releases/{deleted}");
    let r = json_request(&mut moder, "DELETE", &path, "").await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(ledger.sessions(), 1);
    assert_eq!(ledger.activity(member).len(), 1);
    assert!(members.has_history(member, ReleaseId(closed)));
    assert!(
        !members.has_history(member, ReleaseId(deleted)),
        "a deleted release's id may be given to a new one"
    );
    // The closed release's credit is written; the deleted one's is gone.
    let mut credited: Vec<i64> = ledger.take_pending().iter().map(|e| e.release.0).collect();
    credited.sort_unstable();
    assert_eq!(credited, vec![closed, open]);
}

#[tokio::test]
async fn a_deleted_account_leaves_no_credit_for_the_next_flush() {
    // Regression: the credit of a member who deleted their account waited
    // for the flush, and on SQLite the next account may get the same id.
    let app = app_in(TrackerMode::Private).await;
    let mut uploader = logged_in(&app, "uploader").await;
    let (release, hash) = upload(&mut uploader, "v1-single.torrent", "Seeded").await;
    for (name, peer) in [("member", 1), ("other", 2)] {
        let key = tracker_passkey(&app, name).await;
        announce(&app, key, hash, peer, 0, 0, 0, AnnounceEvent::Started);
        announce(&app, key, hash, peer, MIB, 0, 0, AnnounceEvent::None);
    }
    let other = user_id(&app, "other").await;
    let mut browser = logged_in(&app, "member").await;
    browser.get("/profile/delete").await;
    let r = browser
        .post("/profile/delete", &[("password", support::PASSWORD)])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let name = Username::parse("member").unwrap();
    assert!(app.store.user_by_name(&name).await.unwrap().is_none());
    let ledger = &app.tracker.accounting().unwrap().ledger;
    let pending = ledger.take_pending();
    let credited: Vec<(i64, i64)> = pending.iter().map(|e| (e.member.0, e.release.0)).collect();
    assert_eq!(credited, vec![(other, release)]);
}

#[tokio::test]
async fn staff_set_freeleech_by_form_and_api_and_the_tracker_follows_at_once() {
    let app = app_in(TrackerMode::Private).await;
    let catalog = app.tracker.catalog().unwrap();
    let mut uploader = logged_in(&app, "uploader").await;
    let (id, hash) = upload(&mut uploader, "v1-single.torrent", "Free soon").await;
    assert!(!catalog.release(&hash).unwrap().freeleech);
    let form_path = format!("/releases/{id}/freeleech");
    let api_path = format!("/api/v1/releases/{id}/freeleech");

    // A member may not, by form or API.
    let mut member = logged_in(&app, "member").await;
    member.get(&format!("/releases/{id}")).await;
    let r = member.post(&form_path, &[("freeleech", "1")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = json_request(&mut member, "POST", &api_path, r#"{"freeleech":true}"#).await;
    expect_error(&r, StatusCode::FORBIDDEN, "forbidden");
    let page = member.get(&format!("/releases/{id}")).await.body;
    assert!(!page.contains("toggle-freeleech") && !page.contains("id=\"freeleech\""));

    // A moderator's form without the CSRF token is refused.
    let mut moder = logged_in(&app, "moder").await;
    let r = moder.post_raw(&form_path, &[("freeleech", "1")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("This form has expired"), "{}", r.body);
    assert!(!app.store.release(id).await.unwrap().unwrap().freeleech);
    assert!(!catalog.release(&hash).unwrap().freeleech);

    // With it: stored, and the catalog says so before any reload.
    let page = moder.get(&format!("/releases/{id}")).await.body;
    assert!(
        page.contains("id=\"toggle-freeleech\">Make freeleech"),
        "{page}"
    );
    let r = moder.post(&form_path, &[("freeleech", "1")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), Some(format!("/releases/{id}").as_str()));
    assert!(app.store.release(id).await.unwrap().unwrap().freeleech);
    assert!(catalog.release(&hash).unwrap().freeleech);
    let page = moder.get(&format!("/releases/{id}")).await.body;
    assert!(page.contains("id=\"freeleech\"") && page.contains("End freeleech"));
    let listing = member.get("/releases").await.body;
    assert!(listing.contains("class=\"badge\">Freeleech"), "{listing}");
    let json = member.get(&format!("/api/v1/releases/{id}")).await.json();
    assert_eq!(json["freeleech"], true, "{json}");

    // The next download on it is not counted.
    let key = tracker_passkey(&app, "member").await;
    announce(&app, key, hash, 9, 0, 0, 100, AnnounceEvent::Started);
    announce(&app, key, hash, 9, 0, MIB, 50, AnnounceEvent::None);
    flush(&app, START).await;
    let member_id = user_id(&app, "member").await;
    assert_eq!(
        app.store
            .transfer_totals(member_id)
            .await
            .unwrap()
            .downloaded,
        0
    );

    // Off again by API; an unknown release is a 404, a bad value a 400.
    let r = json_request(&mut moder, "POST", &api_path, r#"{"freeleech":false}"#).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json(), serde_json::json!({"id": id, "freeleech": false}));
    assert!(!catalog.release(&hash).unwrap().freeleech);
    let r = json_request(
        &mut moder,
        "POST",
        "/api/v1/releases/999/freeleech",
        r#"{"freeleech":true}"#,
    )
    .await;
    expect_error(&r, StatusCode::NOT_FOUND, "not_found");
    let r = json_request(&mut moder, "POST", &api_path, r#"{"freeleech":"yes"}"#).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    moder.get(&format!("/releases/{id}")).await;
    let r = moder.post(&form_path, &[("freeleech", "maybe")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_pending_release_keeps_its_freeleech_flag_for_its_approval() {
    let app = app_in(TrackerMode::Private).await;
    let catalog = app.tracker.catalog().unwrap();
    let mut member = logged_in(&app, "member").await;
    let r = api_upload(
        &mut member,
        &[("title", "Waiting"), ("category", "software-linux")],
        Some(&fixture("v1-single.torrent")),
    )
    .await;
    let id = r.json()["id"].as_i64().unwrap();
    let hash = InfoHash::from_hex(r.json()["info_hash"].as_str().unwrap()).unwrap();
    let token = api_token(&app, "admin").await;
    let path = format!("/api/v1/releases/{id}/freeleech");
    let r = bearer_request(&app, &token, "POST", &path, Some(r#"{"freeleech":true}"#)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        catalog.release(&hash).is_none(),
        "not listed before approval"
    );
    let path = format!("/api/v1/releases/{id}/status");
    let r = bearer_request(
        &app,
        &token,
        "POST",
        &path,
        Some(r#"{"status":"approved"}"#),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(catalog.release(&hash).unwrap().freeleech);
}

#[tokio::test]
async fn every_page_says_so_while_site_wide_freeleech_is_on() {
    let app = app_in(TrackerMode::Private).await;
    let ledger = &app.tracker.accounting().unwrap().ledger;
    let mut anon = app.browser();
    assert!(!anon.get("/").await.body.contains("site-freeleech"));
    ledger.set_site_freeleech(true);
    for path in ["/", "/releases", "/login"] {
        let body = anon.get(path).await.body;
        assert!(
            body.contains(
                "id=\"site-freeleech\" role=\"status\">Freeleech: downloads don&#39;t count"
            ),
            "{path}: {body}"
        );
    }
    let body = anon.get("/?lang=ru").await.body;
    assert!(body.contains("Фрилич: скачанное не учитывается"), "{body}");
    ledger.set_site_freeleech(false);
    assert!(!anon.get("/").await.body.contains("site-freeleech"));

    // Other modes keep no ledger and show no banner.
    let open = app_in(TrackerMode::Open).await;
    assert!(
        !open
            .browser()
            .get("/")
            .await
            .body
            .contains("site-freeleech")
    );
}
