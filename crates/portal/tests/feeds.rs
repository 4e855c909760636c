//! RSS feeds and saved searches through the router in process: public
//! and keyed feeds, the cookieless download their enclosures point to,
//! refusals, the listing's feed links and save form, saved searches on
//! the profile with their own feeds, and links built from the request's
//! host. (`crates/swarmgate/tests/feeds.rs` reads the same feeds with a
//! real feed parser.)

mod feed_helpers;
mod release_helpers;
mod support;

use feed_helpers::*;
use release_helpers::*;
use support::App;

/// Three approved releases (two TV, one Linux) and a pending one.
async fn filled() -> App {
    let app = feed_app().await;
    let mut uploader = logged_in(&app, "uploader").await;
    add_release(&app, &mut uploader, "Debian 13 netinst", "software-linux").await;
    add_release(&app, &mut uploader, "Show.S01E01", "tv-series").await;
    add_release(&app, &mut uploader, "Show.S01E02 & «Ёлки»", "tv-shows").await;
    let mut member = logged_in(&app, "member").await;
    add_release(&app, &mut member, "Show.S01E03 pending", "tv-series").await;
    app
}

fn parse(body: &str) -> roxmltree::Document<'_> {
    roxmltree::Document::parse(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

fn enclosure_urls(body: &str) -> Vec<String> {
    let doc = parse(body);
    items(&doc)
        .into_iter()
        .filter_map(|i| i.children().find(|n| n.has_tag_name("enclosure")))
        .map(|e| e.attribute("url").unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_public_feed_links_release_pages_and_a_keyed_one_adds_downloads() {
    let app = filled().await;
    let r = fetch(&app, "/rss").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        r.headers[header::CONTENT_TYPE],
        "application/rss+xml; charset=utf-8"
    );
    // It was `public`: a shared cache would serve it to visitors the
    // access policy refuses.
    assert_eq!(r.headers[header::CACHE_CONTROL], "private, max-age=300");
    let doc = parse(&r.body);
    let channel = child(doc.root_element(), "channel");
    assert_eq!(text(channel, "title"), "testsite — Newest releases");
    assert_eq!(text(channel, "link"), format!("{SITE}/releases"));
    assert!(!text(channel, "description").is_empty());
    assert_eq!(text(channel, "language"), "en");
    let found = items(&doc);
    let names: Vec<&str> = found.iter().map(|i| text(*i, "title")).collect();
    assert_eq!(
        names,
        ["Show.S01E02 & «Ёлки»", "Show.S01E01", "Debian 13 netinst"]
    );
    for item in &found {
        let link = text(*item, "link");
        assert!(link.starts_with(&format!("{SITE}/releases/")), "{link}");
        let guid = child(*item, "guid");
        assert_eq!(
            (guid.text(), guid.attribute("isPermaLink")),
            (Some(link), Some("true"))
        );
        assert!(parse_rfc822(text(*item, "pubDate")).is_some());
        assert!(
            item.children().all(|n| !n.has_tag_name("enclosure")),
            "no key, no download"
        );
    }
    assert_eq!(titles(&fetch(&app, "/rss?category=tv").await.body).len(), 2);
    assert_eq!(
        titles(&fetch(&app, "/rss?category=tv-shows&lang=ru").await.body).len(),
        1
    );
    let r = fetch(&app, "/rss?q=debian&status=approved").await;
    assert_eq!(titles(&r.body), ["Debian 13 netinst"]);

    // With the member's passkey: enclosures that download without a
    // cookie, with that passkey in the announce URL.
    let passkey = app.passkey_of("member").await.expose().to_owned();
    let r = fetch(&app, &format!("/rss?category=tv&passkey={passkey}")).await;
    assert_eq!(r.headers[header::CACHE_CONTROL], "private, no-store");
    let urls = enclosure_urls(&r.body);
    assert_eq!(urls.len(), 2);
    for url in &urls {
        assert!(url.starts_with(&format!("{SITE}/feeds/torrent/")), "{url}");
        assert!(url.ends_with(&format!("?passkey={passkey}")), "{url}");
        let (status, bytes) = fetch_bytes(&app, path_of(url)).await;
        assert_eq!(status, StatusCode::OK);
        let torrent = Metainfo::parse(&bytes, &Limits::default()).unwrap();
        assert!(torrent.announce().unwrap().ends_with(&passkey));
    }
}

#[tokio::test]
async fn bad_feed_requests_are_refused() {
    let app = filled().await;
    let unknown = "0".repeat(32);
    for path in [
        format!("/rss?passkey={unknown}"),
        "/rss?passkey=short".to_owned(),
        format!("/feeds/torrent/1?passkey={unknown}"),
        "/feeds/torrent/1".to_owned(),
    ] {
        let r = fetch(&app, &path).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}: {}", r.body);
    }
    let other = app.passkey_of("other").await.expose().to_owned();
    assert_eq!(
        fetch(&app, &format!("/rss?passkey={other}")).await.status,
        StatusCode::OK
    );
    let id = app
        .store
        .user_by_name(&store::Username::parse("other").unwrap())
        .await;
    app.store
        .set_disabled(id.unwrap().unwrap().id, true)
        .await
        .unwrap();
    for path in [
        format!("/rss?passkey={other}"),
        format!("/feeds/torrent/1?passkey={other}"),
    ] {
        assert_eq!(
            fetch(&app, &path).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    let r = fetch(&app, "/rss?status=pending").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(
        fetch(&app, "/rss?category=nope").await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        fetch(&app, "/rss?min_size=lots").await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        fetch(&app, "/rss/saved/nonsense").await.status,
        StatusCode::NOT_FOUND
    );
    let r = fetch(&app, &format!("/rss/saved/{}", "a".repeat(32))).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // The pending release (the member's upload) downloads for its uploader
    // and staff only.
    let query = store::ReleaseQuery {
        status: Some(store::ReleaseStatus::Pending),
        ..store::ReleaseQuery::default()
    };
    let pending = app.store.list_releases(&query).await.unwrap().releases[0].id;
    let member = app.passkey_of("member").await.expose().to_owned();
    let uploader = app.passkey_of("uploader").await.expose().to_owned();
    let path = |key: &str| format!("/feeds/torrent/{pending}?passkey={key}");
    assert_eq!(
        fetch_bytes(&app, &path(&uploader)).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(fetch_bytes(&app, &path(&member)).await.0, StatusCode::OK);
}

/// The saved searches' feed paths on the member's profile.
async fn profile_feeds(b: &mut support::Browser) -> Vec<String> {
    let page = b.get("/profile").await.body;
    page.split("href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .filter(|h| h.starts_with("/rss/saved/"))
        .map(unescape)
        .collect()
}

/// HTML text with the ampersands templates escape put back.
fn unescape(html: &str) -> String {
    html.replace("&#38;", "&").replace("&amp;", "&")
}

#[tokio::test]
async fn members_save_searches_and_each_has_its_own_feed() {
    let app = filled().await;
    let passkey = app.passkey_of("member").await.expose().to_owned();
    let mut member = logged_in(&app, "member").await;
    let page = unescape(
        &member
            .get("/releases?q=show&category=tv&sort=date&page=1")
            .await
            .body,
    );
    assert!(
        page.contains("href=\"/rss?q=show&category=tv&sort=date\""),
        "{page}"
    );
    assert!(page.contains(&format!(
        "/rss?q=show&category=tv&sort=date&passkey={passkey}"
    )));
    assert!(page.contains("rel=\"alternate\" type=\"application/rss+xml\""));
    assert!(page.contains("action=\"/searches\""));
    let anonymous = app.browser().get("/releases?q=show").await.body;
    assert!(anonymous.contains("href=\"/rss?q=show\"") && !anonymous.contains("/searches"));

    let fields = [
        ("q", "show"),
        ("category", "tv"),
        ("min_size", ""),
        ("sort", "date"),
    ];
    let save = |name: &'static str| {
        let mut all = vec![("name", name)];
        all.extend_from_slice(&fields);
        all
    };
    let r = member.post("/searches", &save("My shows")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), Some("/profile#saved-searches"));
    let feeds = profile_feeds(&mut member).await;
    assert_eq!(feeds.len(), 2, "public and keyed: {feeds:?}");
    let (public, keyed) = (&feeds[0], &feeds[1]);
    assert_eq!(keyed, &format!("{public}?passkey={passkey}"));
    let r = fetch(&app, public).await;
    assert_eq!(titles(&r.body), ["Show.S01E02 & «Ёлки»", "Show.S01E01"]);
    assert!(
        r.body.contains("<title>testsite — My shows</title>"),
        "{}",
        r.body
    );
    assert!(enclosure_urls(&r.body).is_empty());
    let urls = enclosure_urls(&fetch(&app, keyed).await.body);
    assert_eq!(urls.len(), 2);
    assert_eq!(fetch_bytes(&app, path_of(&urls[0])).await.0, StatusCode::OK);

    // Refusals leave the saved searches as they were.
    for (fields, status) in [
        (save("My shows"), StatusCode::CONFLICT),
        (save("  "), StatusCode::UNPROCESSABLE_ENTITY),
        // A NUL in the name was a 500 (PostgreSQL refuses it in text).
        (save("a\u{0}b"), StatusCode::UNPROCESSABLE_ENTITY),
        (save("a\u{7}b"), StatusCode::UNPROCESSABLE_ENTITY),
        (
            vec![("name", "x"), ("category", "nope")],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            vec![("name", "x"), ("min_size", "lots")],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let r = member.post("/searches", &fields).await;
        assert_eq!(r.status, status, "{fields:?}: {}", r.body);
    }
    let long = "n".repeat(101);
    let r = member.post("/searches", &[("name", long.as_str())]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = member.post_raw("/searches", &[("name", "no csrf")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .browser()
        .post_raw("/searches", &[("name", "anonymous")])
        .await;
    assert!(r.status.is_client_error());
    let saved = app
        .store
        .saved_searches(user_id(&app, "member").await)
        .await
        .unwrap();
    assert_eq!(saved.len(), 1);
    assert_eq!(saved[0].query, "q=show&category=tv&sort=date");

    // In the export; deleted by its owner only.
    let export = member.get("/profile/export").await.json();
    assert_eq!(
        export["member"]["saved_searches"][0]["name"], "My shows",
        "{export}"
    );
    let delete = format!("/searches/{}/delete", saved[0].id);
    let mut other = logged_in(&app, "other").await;
    assert_eq!(other.post(&delete, &[]).await.status, StatusCode::NOT_FOUND);
    let r = member.post(&delete, &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(profile_feeds(&mut member).await.is_empty());
    assert_eq!(fetch(&app, public).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        member.post(&delete, &[]).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_disabled_members_saved_search_has_no_feed() {
    let app = filled().await;
    let mut member = logged_in(&app, "member").await;
    let r = member
        .post("/searches", &[("name", "Shows"), ("q", "show")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let feed = profile_feeds(&mut member).await.remove(0);
    assert_eq!(fetch(&app, &feed).await.status, StatusCode::OK);
    let id = user_id(&app, "member").await;
    app.store.set_disabled(id, true).await.unwrap();
    // The feed went on serving a disabled member's search.
    assert_eq!(fetch(&app, &feed).await.status, StatusCode::NOT_FOUND);
    app.store.set_disabled(id, false).await.unwrap();
    assert_eq!(fetch(&app, &feed).await.status, StatusCode::OK);
}

#[tokio::test]
async fn feeds_carry_the_live_site_name() {
    let app = filled().await;
    let mut admin = logged_in(&app, "admin").await;
    admin.get("/admin/branding").await;
    let fields = [
        ("site_name", "Кинозал"),
        ("accent", "#0645ad"),
        ("band", ""),
        ("banner", ""),
    ];
    let r = admin.upload("/admin/branding", &fields, None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // Feeds named the configured site while pages showed the branding.
    let doc_body = fetch(&app, "/rss").await.body;
    let doc = parse(&doc_body);
    let channel = child(doc.root_element(), "channel");
    assert_eq!(text(channel, "title"), "Кинозал — Newest releases");
    let caps = fetch(&app, "/torznab/api?t=caps").await.body;
    assert!(caps.contains("title=\"Кинозал\""), "{caps}");
    let passkey = app.passkey_of("member").await.expose().to_owned();
    let body = fetch(&app, &format!("/torznab/api?t=search&apikey={passkey}"))
        .await
        .body;
    let doc = parse(&body);
    assert_eq!(
        text(child(doc.root_element(), "channel"), "title"),
        "Кинозал"
    );
}

#[tokio::test]
async fn a_release_without_an_info_hash_is_left_out_of_feeds() {
    use sqlx::Connection as _;
    let app = filled().await;
    let listed = app
        .store
        .list_releases(&store::ReleaseQuery::default())
        .await
        .unwrap()
        .releases;
    let debian = listed
        .iter()
        .find(|r| r.title.starts_with("Debian"))
        .unwrap();
    // The schema forbids a release without a hash; a damaged database
    // may still hold one.
    let file = app.dir.path().join(store::SQLITE_FILE);
    let mut db = sqlx::SqliteConnection::connect(&format!("sqlite://{}", file.display()))
        .await
        .unwrap();
    sqlx::query("PRAGMA ignore_check_constraints = ON")
        .execute(&mut db)
        .await
        .unwrap();
    sqlx::query("UPDATE releases SET info_hash_v1 = NULL, info_hash_v2 = NULL WHERE id = ?")
        .bind(debian.id)
        .execute(&mut db)
        .await
        .unwrap();
    db.close().await.unwrap();
    // One such release made every feed a 500.
    let shows = ["Show.S01E02 & «Ёлки»", "Show.S01E01"];
    let r = fetch(&app, "/rss").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(titles(&r.body), shows);
    let passkey = app.passkey_of("member").await.expose().to_owned();
    let r = fetch(&app, &format!("/torznab/api?t=search&apikey={passkey}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(titles(&r.body), shows);
}

async fn user_id(app: &App, name: &str) -> i64 {
    let name = store::Username::parse(name).unwrap();
    app.store.user_by_name(&name).await.unwrap().unwrap().id
}

#[tokio::test]
async fn a_member_cannot_save_more_than_the_limit() {
    let app = filled().await;
    let id = user_id(&app, "member").await;
    for n in 0..store::MAX_SAVED_SEARCHES_PER_USER {
        let name = format!("search {n}");
        let token = format!("{n:032x}");
        let search = store::NewSavedSearch {
            user_id: id,
            name: &name,
            query: "q=x",
            feed_token: &token,
            created_at: 1,
        };
        app.store.save_search(&search).await.unwrap();
    }
    let mut member = logged_in(&app, "member").await;
    let r = member.post("/searches", &[("name", "one too many")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("50"), "{}", r.body);
}

#[tokio::test]
async fn without_a_public_url_links_start_with_the_requests_host() {
    let app = app_with(settings()).await;
    let mut uploader = logged_in(&app, "uploader").await;
    let id = add_release(&app, &mut uploader, "Alpine 3.21", "software-linux").await;
    let mut reader = app.browser();
    reader
        .headers
        .push(("host", "feeds.example:8080".to_owned()));
    let body = reader.get("/rss").await.body;
    assert!(
        body.contains(&format!(
            "<link>http://feeds.example:8080/releases/{id}</link>"
        )),
        "{body}"
    );
    let passkey = app.passkey_of("member").await.expose().to_owned();
    let r = reader
        .get(&format!("/torznab/api?t=search&apikey={passkey}"))
        .await;
    let expected = format!("http://feeds.example:8080/feeds/torrent/{id}?passkey={passkey}");
    assert!(r.body.contains(&expected), "{}", r.body);
    // No host, or one that is not a host name: no links to write.
    assert_eq!(fetch(&app, "/rss").await.status, StatusCode::BAD_REQUEST);
    let mut odd = app.browser();
    odd.headers.push(("host", "evil.example/\"><x".to_owned()));
    assert_eq!(odd.get("/rss").await.status, StatusCode::BAD_REQUEST);
}
