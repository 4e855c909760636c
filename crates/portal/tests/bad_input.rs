//! The issue's bad-input list, route by route: broken multipart, wrong
//! content types, huge fields, expired sessions and deleted releases each
//! get a clear page or JSON error with the right status, and nothing
//! stored is lost or half-written. (Broken .torrent files, invalid UTF-8
//! in their file names and unknown categories on the API are in
//! `releases.rs`.)

mod release_helpers;
mod support;

use release_helpers::*;
use support::{BOUNDARY, Browser, Reply};

/// A form route's refusal: the status, and the error page's message.
fn expect_page(r: &Reply, status: StatusCode) {
    assert_eq!(r.status, status, "{}", r.body);
    assert!(
        r.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html"),
        "{:?}",
        r.headers
    );
    assert!(
        r.body.contains("id=\"message\"") || r.body.contains("id=\"form-error\""),
        "{}",
        r.body
    );
}

async fn approved_release(app: &support::App) -> (Browser, i64) {
    let mut up = logged_in(app, "uploader").await;
    let id = upload_ok(&mut up, "v1-single.torrent", "Approved at once").await;
    (up, id)
}

async fn total(app: &support::App) -> u64 {
    let r = app.browser().get("/api/v1/releases").await;
    r.json()["total"].as_u64().unwrap()
}

#[tokio::test]
async fn a_form_route_sent_json_answers_415_as_a_page_or_as_json() {
    let app = app().await;
    let (_, id) = approved_release(&app).await;
    let mut member = logged_in(&app, "member").await;
    member.get(&format!("/releases/{id}")).await;
    let token = member.csrf.clone().unwrap();
    let path = format!("/releases/{id}/comments");
    let json_body = || Body::from(r#"{"body":"hello"}"#);
    let r = member
        .send(
            Request::post(&path)
                .header(header::CONTENT_TYPE, "application/json")
                .header("x-csrf-token", token.clone()),
            json_body(),
        )
        .await;
    expect_page(&r, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let r = member
        .send(
            Request::post(&path)
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::ACCEPT, "application/json")
                .header("x-csrf-token", token),
            json_body(),
        )
        .await;
    expect_error(
        &r,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    );
    // Without the header the token cannot be found in a JSON body.
    let r = member
        .send(
            Request::post(&path).header(header::CONTENT_TYPE, "application/json"),
            json_body(),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(app.store.comments(id, true).await.unwrap().is_empty());
}

#[tokio::test]
async fn huge_fields_are_refused_with_413_and_store_nothing() {
    let app = app().await;
    let mut up = logged_in(&app, "uploader").await;
    let megabyte = "t".repeat(1024 * 1024);
    let description = "d".repeat(64 * 1024 + 1);
    let torrent = fixture("v1-single.torrent");
    for fields in [
        [("category", "other"), ("title", megabyte.as_str())],
        [("category", "other"), ("description", description.as_str())],
        [("category", megabyte.as_str()), ("title", "ok")],
    ] {
        let r = api_upload(&mut up, &fields, Some(&torrent)).await;
        expect_error(&r, StatusCode::PAYLOAD_TOO_LARGE, "field_too_large");
        let page = up.upload("/upload", &fields, Some(&torrent)).await;
        expect_page(&page, StatusCode::PAYLOAD_TOO_LARGE);
        up.get("/upload").await;
    }
    assert_eq!(total(&app).await, 0);

    // A form body past the CSRF check's limit, and a comment too long.
    let (_, id) = approved_release(&app).await;
    let mut member = logged_in(&app, "member").await;
    member.get(&format!("/releases/{id}")).await;
    let path = format!("/releases/{id}/comments");
    let huge = "c".repeat(300 * 1024);
    expect_page(
        &member.post(&path, &[("body", &huge)]).await,
        StatusCode::PAYLOAD_TOO_LARGE,
    );
    let long = "c".repeat(10_001);
    // A NUL would pass SQLite's length check in one form and break
    // PostgreSQL's text in another; no control character belongs here.
    for bad in [long.as_str(), "\0first", "bell\u{7}"] {
        expect_page(
            &member.post(&path, &[("body", bad)]).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    assert!(app.store.comments(id, true).await.unwrap().is_empty());
    // A JSON body past the extractor's limit (2 MiB).
    let mut up = logged_in(&app, "uploader").await;
    let body = serde_json::json!({ "description": "j".repeat(3 << 20) }).to_string();
    let r = json_request(&mut up, "PATCH", &format!("/api/v1/releases/{id}"), &body).await;
    expect_error(&r, StatusCode::PAYLOAD_TOO_LARGE, "too_large");
    let release = app.store.release(id).await.unwrap().unwrap();
    assert_eq!(release.description_md, "");
}

#[tokio::test]
async fn the_upload_form_answers_broken_or_incomplete_bodies_with_a_page() {
    let app = app().await;
    let mut member = logged_in(&app, "member").await;
    member.get("/upload").await;
    let token = member.csrf.clone().unwrap();
    // No torrent part.
    let r = member
        .upload("/upload", &[("category", "other")], None)
        .await;
    expect_page(&r, StatusCode::UNPROCESSABLE_ENTITY);
    // An unknown category.
    let r = member
        .upload(
            "/upload",
            &[("category", "no-such")],
            Some(&fixture("v1-single.torrent")),
        )
        .await;
    expect_page(&r, StatusCode::UNPROCESSABLE_ENTITY);
    // Cut off after the token.
    let cut = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{token}\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nab"
    );
    let multipart = format!("multipart/form-data; boundary={BOUNDARY}");
    let r = member
        .send(
            Request::post("/upload").header(header::CONTENT_TYPE, multipart.clone()),
            Body::from(cut),
        )
        .await;
    expect_page(&r, StatusCode::BAD_REQUEST);
    // A text part that is not UTF-8.
    let mut bad = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{token}\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\n"
    )
    .into_bytes();
    bad.extend_from_slice(b"\xff\xfe\r\n");
    bad.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    let r = member
        .send(
            Request::post("/upload").header(header::CONTENT_TYPE, multipart),
            Body::from(bad),
        )
        .await;
    expect_page(&r, StatusCode::BAD_REQUEST);
    // Not multipart at all.
    let r = member
        .send(
            Request::post("/upload")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded"),
            Body::from(format!("csrf={token}&title=x")),
        )
        .await;
    expect_page(&r, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(
        app.store
            .list_releases(&store::ReleaseQuery::default())
            .await
            .unwrap()
            .total,
        0
    );
}

#[tokio::test]
async fn a_post_with_an_expired_session_is_401_and_changes_nothing() {
    let app = app().await;
    let (mut up, id) = approved_release(&app).await;
    let mut member = logged_in(&app, "member").await;
    member.get(&format!("/releases/{id}")).await;
    up.get(&format!("/releases/{id}")).await;
    app.clock.advance(app.settings.session_lifetime_secs);

    let r = member
        .post(&format!("/releases/{id}/comments"), &[("body", "late")])
        .await;
    expect_page(&r, StatusCode::UNAUTHORIZED);
    let r = member
        .post("/profile/delete", &[("password", support::PASSWORD)])
        .await;
    expect_page(&r, StatusCode::UNAUTHORIZED);
    let r = json_request(
        &mut up,
        "PATCH",
        &format!("/api/v1/releases/{id}"),
        r#"{"title":"late"}"#,
    )
    .await;
    expect_error(&r, StatusCode::UNAUTHORIZED, "unauthorized");
    let r = api_upload(
        &mut up,
        &[("category", "other")],
        Some(&fixture("v2-single.torrent")),
    )
    .await;
    expect_error(&r, StatusCode::UNAUTHORIZED, "unauthorized");

    assert!(app.store.comments(id, true).await.unwrap().is_empty());
    assert!(
        app.store
            .user_by_name(&store::Username::parse("member").unwrap())
            .await
            .unwrap()
            .is_some()
    );
    let release = app.store.release(id).await.unwrap().unwrap();
    assert_eq!(release.title, "Approved at once");
    assert_eq!(total(&app).await, 1);
}

#[tokio::test]
async fn every_route_of_a_deleted_release_is_a_404() {
    let app = app().await;
    let (_, id) = approved_release(&app).await;
    let mut member = logged_in(&app, "member").await;
    member.get(&format!("/releases/{id}")).await;
    member
        .post(
            &format!("/releases/{id}/comments"),
            &[("body", "soon gone")],
        )
        .await;
    let comment = app.store.comments(id, true).await.unwrap()[0].id;
    let mut moder = logged_in(&app, "moder").await;
    let r = json_request(&mut moder, "DELETE", &format!("/api/v1/releases/{id}"), "").await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);

    for path in [
        format!("/releases/{id}"),
        format!("/releases/{id}/download"),
        format!("/releases/{id}/edit"),
    ] {
        expect_page(&moder.get(&path).await, StatusCode::NOT_FOUND);
    }
    for path in [
        format!("/api/v1/releases/{id}"),
        format!("/api/v1/releases/{id}/torrent"),
    ] {
        expect_error(&moder.get(&path).await, StatusCode::NOT_FOUND, "not_found");
    }
    moder.get("/profile").await;
    for (path, field) in [
        (format!("/releases/{id}/comments"), ("body", "hello?")),
        (format!("/releases/{id}/status"), ("status", "approved")),
        (format!("/releases/{id}/freeleech"), ("freeleech", "1")),
        (format!("/releases/{id}/edit"), ("title", "back")),
        (format!("/comments/{comment}/hidden"), ("hidden", "1")),
    ] {
        expect_page(&moder.post(&path, &[field]).await, StatusCode::NOT_FOUND);
    }
    for (method, body) in [("PATCH", r#"{"title":"back"}"#), ("DELETE", "")] {
        let r = json_request(&mut moder, method, &format!("/api/v1/releases/{id}"), body).await;
        expect_error(&r, StatusCode::NOT_FOUND, "not_found");
    }
    for (path, body) in [
        ("status", r#"{"status":"approved"}"#),
        ("freeleech", r#"{"freeleech":true}"#),
    ] {
        let path = format!("/api/v1/releases/{id}/{path}");
        let r = json_request(&mut moder, "POST", &path, body).await;
        expect_error(&r, StatusCode::NOT_FOUND, "not_found");
    }
    assert!(app.store.comments(id, true).await.unwrap().is_empty());
    assert_eq!(total(&app).await, 0);
}
