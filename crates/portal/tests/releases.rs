//! Releases through the portal's router, in process: upload (form and
//! API), duplicates, limits, broken input, moderation, visibility,
//! downloads with the member's passkey and magnet links.

mod release_helpers;
mod support;

use release_helpers::*;

#[tokio::test]
async fn a_trusted_upload_is_listed_and_downloads_with_the_members_passkey_in_every_tier() {
    let app = app().await;
    let mut up = logged_in(&app, "uploader").await;
    for file in [
        "v1-multi.torrent",
        "v2-single.torrent",
        "hybrid-multi.torrent",
    ] {
        let original = Metainfo::parse(&fixture(file), &Limits::default()).unwrap();
        let id = upload_ok(&mut up, file, file).await;
        let release = up.get(&format!("/api/v1/releases/{id}")).await.json();
        assert_eq!(release["status"], "approved");
        let hashes = original.info_hashes();
        let expected = hashes
            .v1()
            .map(|h| h.to_hex())
            .or_else(|| hashes.v2().map(|h| h.to_hex()));
        assert_eq!(release["info_hash"].as_str(), expected.as_deref());

        let mut member = logged_in(&app, "member").await;
        let passkey = app.passkey_of("member").await;
        let r = member
            .send(
                Request::get(format!("/api/v1/releases/{id}/torrent")),
                Body::empty(),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.headers[header::CONTENT_TYPE], "application/x-bittorrent");
        // The body is binary; `send` reads it as UTF-8 only for text, so
        // fetch the raw bytes through the store-independent path.
        let bytes = raw_get(&member, &format!("/releases/{id}/download")).await;
        let personal = Metainfo::parse(&bytes, &Limits::default()).unwrap();
        assert_eq!(personal.info_hashes(), original.info_hashes(), "{file}");
        assert_eq!(personal.info_bytes(), original.info_bytes(), "{file}");
        let http = format!("http://tracker.test:6969/announce/{}", passkey.expose());
        let udp = format!("udp://tracker.test:6969/announce/{}", passkey.expose());
        assert_eq!(personal.announce(), Some(http.as_str()));
        assert_eq!(
            personal.announce_list(),
            [vec![http.clone()], vec![udp.clone()]]
        );

        let magnet = member.get(&format!("/api/v1/releases/{id}")).await.json()["magnet"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(magnet.contains(&passkey.expose().to_string()), "{magnet}");
        assert_eq!(
            magnet,
            original_magnet(&original, file, original.total_size(), &[http, udp])
        );
    }
    let list = app.browser().get("/api/v1/releases").await.json();
    assert_eq!(list["total"], 3);
    assert_eq!(list["releases"][0]["title"], "hybrid-multi.torrent");
    for key in [
        "id",
        "title",
        "size",
        "info_hash",
        "seeders",
        "leechers",
        "added",
    ] {
        assert!(list["releases"][0].get(key).is_some(), "{key}: {list}");
    }
}

fn original_magnet(meta: &Metainfo, title: &str, size: u64, trackers: &[String]) -> String {
    metainfo::magnet_link(&meta.info_hashes(), title, Some(size), trackers)
}

#[tokio::test]
async fn anonymous_visitors_get_no_torrent_and_a_bare_magnet_only_if_allowed() {
    let app = app().await;
    let mut up = logged_in(&app, "uploader").await;
    let id = upload_ok(&mut up, "v1-single.torrent", "single").await;
    let mut anon = app.browser();
    let r = anon.get(&format!("/api/v1/releases/{id}/torrent")).await;
    expect_error(&r, StatusCode::UNAUTHORIZED, "unauthorized");
    assert!(anon.get(&format!("/api/v1/releases/{id}")).await.json()["magnet"].is_null());
    let page = anon.get(&format!("/releases/{id}")).await;
    assert!(!page.body.contains("magnet:?"), "{}", page.body);

    let open = app_with(ReleaseSettings {
        anonymous_magnets: true,
        ..settings()
    })
    .await;
    let mut up = logged_in(&open, "uploader").await;
    let id = upload_ok(&mut up, "v1-single.torrent", "single").await;
    let magnet = open
        .browser()
        .get(&format!("/api/v1/releases/{id}"))
        .await
        .json()["magnet"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        magnet.contains("tr=http%3A%2F%2Ftracker.test%3A6969%2Fannounce&"),
        "{magnet}"
    );
    assert!(!magnet.contains(open.passkey_of("uploader").await.expose()));
}

#[tokio::test]
async fn a_member_upload_waits_for_a_moderator_and_is_listed_once_approved() {
    let app = app().await;
    let mut member = logged_in(&app, "member").await;
    let id = upload_ok(&mut member, "v1-single.torrent", "Pending thing").await;
    let mut anon = app.browser();
    assert_eq!(anon.get("/api/v1/releases").await.json()["total"], 0);
    expect_error(
        &anon.get(&format!("/api/v1/releases/{id}")).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert_eq!(
        anon.get(&format!("/releases/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    let mut other = logged_in(&app, "other").await;
    assert_eq!(
        other.get(&format!("/releases/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    // The uploader sees it, with its status.
    let own = member.get(&format!("/releases/{id}")).await;
    assert_eq!(own.status, StatusCode::OK);
    assert!(own.body.contains("id=\"status\""), "{}", own.body);
    // A member may not moderate.
    let token = member.csrf.clone().unwrap();
    let r = member
        .send(
            Request::post(format!("/api/v1/releases/{id}/status"))
                .header(header::CONTENT_TYPE, "application/json")
                .header("x-csrf-token", token),
            Body::from(r#"{"status":"approved"}"#),
        )
        .await;
    expect_error(&r, StatusCode::FORBIDDEN, "forbidden");

    let mut moder = logged_in(&app, "moder").await;
    let queue = moder.get("/moderation").await;
    assert_eq!(queue.status, StatusCode::OK);
    assert!(queue.body.contains("Pending thing"), "{}", queue.body);
    assert_eq!(
        member.get("/moderation").await.status,
        StatusCode::FORBIDDEN
    );
    let token = moder.csrf.clone().unwrap();
    let bad = moder
        .send(
            Request::post(format!("/api/v1/releases/{id}/status"))
                .header(header::CONTENT_TYPE, "application/json")
                .header("x-csrf-token", token.clone()),
            Body::from(r#"{"status":"published"}"#),
        )
        .await;
    expect_error(&bad, StatusCode::UNPROCESSABLE_ENTITY, "invalid_status");
    // The queue's form approves.
    let r = moder
        .post(
            &format!("/releases/{id}/status"),
            &[("status", "approved"), ("back", "moderation")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), Some("/moderation"));
    let list = anon.get("/api/v1/releases").await.json();
    assert_eq!(list["total"], 1, "{list}");
    assert!(anon.get("/releases").await.body.contains("Pending thing"));
}

#[tokio::test]
async fn duplicates_are_refused_by_either_info_hash_and_nothing_is_stored_twice() {
    let app = app().await;
    let mut up = logged_in(&app, "uploader").await;
    let id = upload_ok(&mut up, "hybrid-single.torrent", "first").await;
    let r = api_upload(
        &mut up,
        &[("category", "other")],
        Some(&fixture("hybrid-single.torrent")),
    )
    .await;
    expect_error(&r, StatusCode::CONFLICT, "duplicate_release");
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap()
            .contains(&format!("/releases/{id}"))
    );
    assert_eq!(
        app.browser().get("/api/v1/releases").await.json()["total"],
        1
    );
}

#[tokio::test]
async fn broken_input_gets_a_clear_json_error_with_the_right_status() {
    let app = app_with(ReleaseSettings {
        max_torrent_bytes: 2_000,
        ..settings()
    })
    .await;
    let mut up = logged_in(&app, "uploader").await;
    let linux = [("category", "software-linux")];
    expect_error(
        &api_upload(&mut up, &linux, None).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "missing_torrent",
    );
    expect_error(
        &api_upload(&mut up, &linux, Some(b"not bencode at all")).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_torrent",
    );
    expect_error(
        &api_upload(&mut up, &linux, Some(&vec![b'x'; 2_001])).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "torrent_too_large",
    );
    expect_error(
        &api_upload(
            &mut up,
            &[("category", "no-such")],
            Some(&fixture("v1-single.torrent")),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown_category",
    );
    expect_error(
        &api_upload(&mut up, &linux, Some(&fixture("v1-latin1.torrent"))).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_file_names",
    );
    let long = "x".repeat(301);
    expect_error(
        &api_upload(
            &mut up,
            &[("category", "other"), ("title", &long)],
            Some(&fixture("v1-single.torrent")),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_title",
    );
    // A body that is not multipart, and one cut off mid-part.
    let token = up.csrf.clone().unwrap();
    let r = up
        .send(
            Request::post("/api/v1/releases")
                .header(header::CONTENT_TYPE, "application/json")
                .header("x-csrf-token", token.clone()),
            Body::from("{}"),
        )
        .await;
    expect_error(
        &r,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    );
    let r = up
        .send(
            Request::post("/api/v1/releases")
                .header(
                    header::CONTENT_TYPE,
                    format!("multipart/form-data; boundary={}", support::BOUNDARY),
                )
                .header("x-csrf-token", token.clone()),
            Body::from(format!(
                "--{}\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nab",
                support::BOUNDARY
            )),
        )
        .await;
    expect_error(&r, StatusCode::BAD_REQUEST, "invalid_multipart");
    // Without the token: refused before anything is read.
    let (ct, body) = support::multipart(&linux, Some(&fixture("v1-single.torrent")));
    let r = up
        .send(
            Request::post("/api/v1/releases").header(header::CONTENT_TYPE, ct),
            Body::from(body),
        )
        .await;
    expect_error(&r, StatusCode::FORBIDDEN, "csrf_failed");
    // Not logged in.
    let mut anon = app.browser();
    let r = api_upload(&mut anon, &linux, Some(&fixture("v1-single.torrent"))).await;
    assert!(
        matches!(r.status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN),
        "{}",
        r.body
    );
    assert_eq!(
        app.browser().get("/api/v1/releases").await.json()["total"],
        0
    );
    expect_error(
        &app.browser().get("/api/v1/releases?category=nope").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown_category",
    );
    expect_error(
        &app.browser().get("/api/v1/releases/abc").await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
}

#[tokio::test]
async fn the_private_flag_rule_refuses_conflicting_torrents() {
    let app = app_with(ReleaseSettings {
        private_flag: PrivateFlag::Required,
        ..settings()
    })
    .await;
    let mut up = logged_in(&app, "uploader").await;
    let r = api_upload(
        &mut up,
        &[("category", "other")],
        Some(&fixture("v1-single.torrent")),
    )
    .await;
    expect_error(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "private_flag_required",
    );
}

#[tokio::test]
async fn the_upload_form_carries_its_token_in_the_multipart_body() {
    let app = app().await;
    let mut member = logged_in(&app, "member").await;
    let form = member.get("/upload").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("enctype=\"multipart/form-data\""));
    assert!(form.body.contains("id=\"review-note\""));
    let r = member
        .upload(
            "/upload",
            &[("category", "books"), ("tags", "A, b")],
            Some(&fixture("v2-multi.torrent")),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id: i64 = r
        .location()
        .unwrap()
        .trim_start_matches("/releases/")
        .parse()
        .unwrap();
    let json = member.get(&format!("/api/v1/releases/{id}")).await.json();
    assert_eq!(
        json["title"], "Album",
        "an empty title takes the torrent's name"
    );
    assert_eq!(json["tags"], serde_json::json!(["a", "b"]));
    assert_eq!(json["status"], "pending");
    // A forged token is refused.
    member.csrf = Some("0".repeat(64));
    let r = member
        .upload(
            "/upload",
            &[("category", "books")],
            Some(&fixture("v1-single.torrent")),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.browser().get("/upload").await.status,
        StatusCode::UNAUTHORIZED
    );
}
