//! Editing releases through the router: the form and `PATCH`, who may
//! edit what, CSRF, the JSON error shape, and search following the edit.

mod release_helpers;
mod support;

use release_helpers::*;
use support::Browser;

/// A release uploaded by `member` through the API, left pending.
async fn pending_release(member: &mut Browser, title: &str) -> i64 {
    let r = api_upload(
        member,
        &[("category", "other"), ("title", title), ("tags", "old")],
        Some(&fixture("v1-single.torrent")),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["status"], "pending");
    r.json()["id"].as_i64().unwrap()
}

async fn set_status(staff: &mut Browser, id: i64, status: &str) {
    let body = format!(r#"{{"status":"{status}"}}"#);
    let path = format!("/api/v1/releases/{id}/status");
    let r = json_request(staff, "POST", &path, &body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

async fn search_total(b: &mut Browser, words: &str) -> u64 {
    let query = serde_urlencoded::to_string([("q", words)]).unwrap();
    let r = b.get(&format!("/api/v1/releases?{query}")).await;
    r.json()["total"].as_u64().unwrap()
}

#[tokio::test]
async fn an_uploader_edits_a_pending_release_and_search_finds_the_new_title() {
    let app = app().await;
    let mut member = logged_in(&app, "member").await;
    let id = pending_release(&mut member, "Old working title").await;
    let page = member.get(&format!("/releases/{id}")).await;
    assert!(page.body.contains(&format!("href=\"/releases/{id}/edit\"")));
    let form = member.get(&format!("/releases/{id}/edit")).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(form.body.contains("value=\"Old working title\""));
    assert!(form.body.contains("value=\"old\""), "the tags");
    let r = member
        .post(
            &format!("/releases/{id}/edit"),
            &[
                ("title", "Новое название релиза"),
                ("category", "books-ebooks"),
                ("description", "Теперь с **описанием**"),
                ("tags", "Книги, new"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), Some(format!("/releases/{id}").as_str()));
    let json = member.get(&format!("/api/v1/releases/{id}")).await.json();
    assert_eq!(json["title"], "Новое название релиза");
    assert_eq!(json["category"], "books-ebooks");
    assert_eq!(json["tags"], serde_json::json!(["new", "книги"]));
    assert_eq!(json["status"], "pending");

    let mut moder = logged_in(&app, "moder").await;
    set_status(&mut moder, id, "approved").await;
    let mut anon = app.browser();
    assert_eq!(search_total(&mut anon, "НОВОЕ название").await, 1);
    assert_eq!(search_total(&mut anon, "описанием").await, 1);
    assert_eq!(search_total(&mut anon, "working").await, 0);
}

#[tokio::test]
async fn who_may_edit_staff_always_the_uploader_only_before_approval() {
    let app = app().await;
    let mut member = logged_in(&app, "member").await;
    let id = pending_release(&mut member, "Pending one").await;
    let edit = format!("/releases/{id}/edit");
    let api = format!("/api/v1/releases/{id}");
    // Someone else cannot see a pending release at all: 404.
    let mut other = logged_in(&app, "other").await;
    assert_eq!(other.get(&edit).await.status, StatusCode::NOT_FOUND);
    let r = json_request(&mut other, "PATCH", &api, r#"{"title":"mine"}"#).await;
    expect_error(&r, StatusCode::NOT_FOUND, "not_found");
    assert_eq!(
        app.browser().get(&edit).await.status,
        StatusCode::UNAUTHORIZED
    );

    // Sent back to fix it: the uploader's save returns it to the queue.
    let mut moder = logged_in(&app, "moder").await;
    set_status(&mut moder, id, "needs_fix").await;
    let form = member.get(&edit).await;
    assert!(form.body.contains("id=\"resubmit-note\""));
    let r = json_request(&mut member, "PATCH", &api, r#"{"title":"Fixed title"}"#).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["title"], "Fixed title");
    assert_eq!(r.json()["status"], "pending");
    assert_eq!(
        r.json()["tags"],
        serde_json::json!(["old"]),
        "absent fields are kept"
    );

    // Approved: the uploader may no longer edit it, others never could.
    set_status(&mut moder, id, "approved").await;
    assert_eq!(member.get(&edit).await.status, StatusCode::FORBIDDEN);
    let page = member.get(&format!("/releases/{id}")).await;
    assert!(!page.body.contains(&edit));
    let r = json_request(&mut member, "PATCH", &api, r#"{"title":"Sneaky"}"#).await;
    expect_error(&r, StatusCode::FORBIDDEN, "forbidden");
    member.get(&format!("/releases/{id}")).await;
    let r = member
        .post(&edit, &[("title", "Sneaky"), ("category", "other")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    other.get(&format!("/releases/{id}")).await;
    let r = other
        .post(&edit, &[("title", "Sneaky"), ("category", "other")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // Staff edit it in any status, and the status stays.
    let form = moder.get(&edit).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(!form.body.contains("id=\"resubmit-note\""));
    let r = moder
        .post(
            &edit,
            &[
                ("title", "Tidied by staff"),
                ("category", "other"),
                ("tags", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let json = app.browser().get(&api).await.json();
    assert_eq!(json["title"], "Tidied by staff");
    assert_eq!(json["status"], "approved");
    assert_eq!(json["tags"], serde_json::json!([]));
}

#[tokio::test]
async fn an_edit_without_the_csrf_token_is_refused_and_changes_nothing() {
    let app = app().await;
    let mut member = logged_in(&app, "member").await;
    let id = pending_release(&mut member, "Untouched").await;
    let edit = format!("/releases/{id}/edit");
    let r = member
        .post_raw(&edit, &[("title", "Forged"), ("category", "other")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = member
        .send(
            Request::patch(format!("/api/v1/releases/{id}"))
                .header(header::CONTENT_TYPE, "application/json"),
            Body::from(r#"{"title":"Forged"}"#),
        )
        .await;
    expect_error(&r, StatusCode::FORBIDDEN, "csrf_failed");
    let json = member.get(&format!("/api/v1/releases/{id}")).await.json();
    assert_eq!(json["title"], "Untouched");
}

#[tokio::test]
async fn refused_edits_get_the_json_error_shape_and_change_nothing() {
    let app = app().await;
    let mut member = logged_in(&app, "member").await;
    let id = pending_release(&mut member, "Stable").await;
    let api = format!("/api/v1/releases/{id}");
    let long_title = serde_json::json!({ "title": "x".repeat(1024 * 1024) }).to_string();
    let big_description =
        serde_json::json!({ "description": "y".repeat(64 * 1024 + 1) }).to_string();
    let cases: [(&str, StatusCode, &str); 8] = [
        (
            long_title.as_str(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_title",
        ),
        (
            r#"{"title":"   "}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_title",
        ),
        (
            &big_description,
            StatusCode::PAYLOAD_TOO_LARGE,
            "field_too_large",
        ),
        // PostgreSQL refuses NUL in text: a 500 there before the check.
        (
            r#"{"description":"a\u0000b"}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_description",
        ),
        (
            r#"{"category":"no-such"}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_category",
        ),
        (
            r#"{"tags":["ok", "this tag is far longer than forty characters"]}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_tags",
        ),
        (
            r#"{"titel":"typo"}"#,
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (r#"{"title": "#, StatusCode::BAD_REQUEST, "invalid_json"),
    ];
    for (body, status, code) in cases {
        let r = json_request(&mut member, "PATCH", &api, body).await;
        expect_error(&r, status, code);
    }
    let token = member.csrf.clone().unwrap();
    let r = member
        .send(
            Request::patch(&api)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header("x-csrf-token", token),
            Body::from("title=form"),
        )
        .await;
    expect_error(
        &r,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    );
    expect_error(
        &json_request(&mut member, "PATCH", "/api/v1/releases/999999", "{}").await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    let json = member.get(&api).await.json();
    assert_eq!(
        (json["title"].as_str(), json["category"].as_str()),
        (Some("Stable"), Some("other"))
    );
    assert_eq!(json["tags"], serde_json::json!(["old"]));

    // The form shows the refusal beside what was typed.
    member.get(&format!("/releases/{id}/edit")).await;
    let r = member
        .post(
            &format!("/releases/{id}/edit"),
            &[
                ("title", "Kept as typed"),
                ("category", "no-such"),
                ("description", "draft"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"form-error\""));
    assert!(r.body.contains("value=\"Kept as typed\""));
    assert!(r.body.contains(">draft</textarea>"));
    assert_eq!(member.get(&api).await.json()["title"], "Stable");
}
