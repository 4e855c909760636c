//! A member's own data through the router: API tokens, the export of
//! everything stored about them, and deleting their account.

mod release_helpers;
mod support;

use release_helpers::*;
use support::{CLIENT, PASSWORD};

#[tokio::test]
async fn an_api_token_authenticates_without_cookies_or_csrf_until_revoked() {
    let app = app().await;
    let token = api_token(&app, "moder").await;
    assert_eq!(token.len(), 64);
    let me = bearer_request(&app, &token, "GET", "/api/v1/me", None).await;
    assert_eq!(me.json()["username"], "moder", "{}", me.body);
    // A state-changing request needs no CSRF token with a bearer token.
    let mut up = logged_in(&app, "member").await;
    let id = {
        let r = api_upload(
            &mut up,
            &[("category", "other")],
            Some(&fixture("v1-single.torrent")),
        )
        .await;
        r.json()["id"].as_i64().unwrap()
    };
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
    // Wrong passwords and unknown accounts get one answer.
    for (name, password) in [("moder", "wrong password!"), ("nobody", PASSWORD)] {
        let body = serde_json::json!({ "username": name, "password": password }).to_string();
        let r = app
            .browser()
            .send(
                Request::post("/api/v1/auth/token")
                    .header(header::CONTENT_TYPE, "application/json"),
                Body::from(body),
            )
            .await;
        expect_error(&r, StatusCode::UNAUTHORIZED, "invalid_credentials");
    }
    let r = app
        .browser()
        .send(
            Request::post("/api/v1/auth/token")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded"),
            Body::from("username=moder"),
        )
        .await;
    expect_error(
        &r,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    );
    // An unknown token is anonymous, even beside a valid session cookie.
    let mut mixed = logged_in(&app, "member").await;
    let r = mixed
        .send(
            Request::get("/api/v1/me").header(header::AUTHORIZATION, "Bearer 00ff"),
            Body::empty(),
        )
        .await;
    expect_error(&r, StatusCode::UNAUTHORIZED, "unauthorized");
    // Revoked: it stops working at once.
    let r = bearer_request(&app, &token, "DELETE", "/api/v1/auth/token", None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = bearer_request(&app, &token, "GET", "/api/v1/me", None).await;
    expect_error(&r, StatusCode::UNAUTHORIZED, "unauthorized");
}

#[tokio::test]
async fn the_export_is_a_download_of_everything_stored_about_the_member() {
    let app = app().await;
    let mut member = logged_in(&app, "member").await;
    let profile = member.get("/profile").await;
    assert!(profile.body.contains("href=\"/profile/export\""));
    assert!(profile.body.contains("href=\"/profile/delete\""));
    let r = api_upload(
        &mut member,
        &[("category", "other"), ("title", "My pending upload")],
        Some(&fixture("v1-single.torrent")),
    )
    .await;
    let id = r.json()["id"].as_i64().unwrap();
    member.get(&format!("/releases/{id}")).await;
    member
        .post(&format!("/releases/{id}/comments"), &[("body", "my words")])
        .await;
    let profile = member.get("/profile").await;
    assert!(
        profile.body.contains("My pending upload"),
        "{}",
        profile.body
    );
    assert!(profile.body.contains("my words"));
    assert!(
        profile
            .body
            .contains(&format!("href=\"/releases/{id}/edit\""))
    );

    let r = member.get("/profile/export").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.headers[header::CONTENT_TYPE], "application/json");
    assert_eq!(
        r.headers[header::CONTENT_DISPOSITION],
        "attachment; filename=\"member-data-2026-01-01.json\""
    );
    assert!(
        r.headers[header::CACHE_CONTROL]
            .to_str()
            .unwrap()
            .contains("no-store")
    );
    let json = r.json();
    assert_eq!(json["format"], "swarmgate-member-export/1");
    assert_eq!(json["site"], "testsite");
    assert_eq!(json["notes"].as_array().unwrap().len(), 2);
    let data = &json["member"];
    assert_eq!(data["account"]["username"], "member");
    assert_eq!(data["account"]["role"], "member");
    assert_eq!(
        data["account"]["passkey"],
        app.passkey_of("member").await.expose()
    );
    assert_eq!(data["sessions"].as_array().unwrap().len(), 1);
    assert_eq!(data["releases"][0]["title"], "My pending upload");
    assert_eq!(data["releases"][0]["status"], "pending");
    assert_eq!(data["comments"][0]["body"], "my words");
    assert_eq!(data["transfers"], serde_json::json!([]));
    // No secret and no address: nothing of the kind is stored.
    let session = member.cookies["sg_session"].clone();
    for absent in [
        "$argon2",
        "password_hash",
        "token_hash",
        CLIENT.ip().to_string().as_str(),
        &session,
    ] {
        assert!(!r.body.contains(absent), "{absent} in {}", r.body);
    }

    // With an API token, and in Russian.
    let token = api_token(&app, "member").await;
    let mut b = app.browser();
    let r = b
        .send(
            Request::get("/api/v1/me/export")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::ACCEPT_LANGUAGE, "ru"),
            Body::empty(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let json = r.json();
    assert_eq!(json["member"]["api_tokens"].as_array().unwrap().len(), 1);
    assert!(json["notes"][1].as_str().unwrap().contains("IP-адреса"));

    expect_error(
        &app.browser().get("/api/v1/me/export").await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    );
    let page = app.browser().get("/profile/export").await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert!(page.body.contains("id=\"message\""));
}

#[tokio::test]
async fn deleting_an_account_needs_the_password_and_keeps_releases_by_a_deleted_account() {
    let app = app().await;
    let mut member = logged_in(&app, "member").await;
    let r = api_upload(
        &mut member,
        &[("category", "other"), ("title", "Stays after me")],
        Some(&fixture("v1-single.torrent")),
    )
    .await;
    let id = r.json()["id"].as_i64().unwrap();
    let mut moder = logged_in(&app, "moder").await;
    let r = json_request(
        &mut moder,
        "POST",
        &format!("/api/v1/releases/{id}/status"),
        r#"{"status":"approved"}"#,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    member.get(&format!("/releases/{id}")).await;
    member
        .post(&format!("/releases/{id}/comments"), &[("body", "bye")])
        .await;
    let passkey = app.passkey_of("member").await;

    let form = member.get("/profile/delete").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("autocomplete=\"current-password\""));
    // Without the form's token, then with a wrong password: kept.
    let r = member
        .post_raw("/profile/delete", &[("password", PASSWORD)])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = member
        .post("/profile/delete", &[("password", "not my password")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("id=\"form-error\""), "{}", r.body);
    assert_eq!(member.get("/profile").await.status, StatusCode::OK);

    let r = member
        .post("/profile/delete", &[("password", PASSWORD)])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("id=\"message\""));
    assert!(!member.cookies.contains_key("sg_session"));
    assert_eq!(
        member.get("/profile").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.browser().log_in("member", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert!(
        app.store
            .user_by_name(&store::Username::parse("member").unwrap())
            .await
            .unwrap()
            .is_none()
    );
    let members = app.store.tracker_members().await.unwrap();
    assert!(members.iter().all(|m| m.passkey != passkey.expose()));

    // The release and the comment stay, by a deleted account.
    let page = app.browser().get(&format!("/releases/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Stays after me"));
    assert_eq!(
        page.body.matches("deleted account").count(),
        2,
        "{}",
        page.body
    );
    let mut ru = app.browser();
    ru.headers.push(("accept-language", "ru".to_owned()));
    let page = ru.get(&format!("/releases/{id}")).await;
    assert!(page.body.contains("удалённая учётная запись"));
    let json = app
        .browser()
        .get(&format!("/api/v1/releases/{id}"))
        .await
        .json();
    assert_eq!(json["uploader"], serde_json::Value::Null);
}

#[tokio::test]
async fn the_api_deletes_an_account_given_the_password_in_json() {
    let app = app().await;
    let token = api_token(&app, "other").await;
    let r = bearer_request(
        &app,
        &token,
        "DELETE",
        "/api/v1/me",
        Some(r#"{"password":"not it at all"}"#),
    )
    .await;
    expect_error(&r, StatusCode::FORBIDDEN, "wrong_password");
    let r = bearer_request(&app, &token, "DELETE", "/api/v1/me", Some("{oops")).await;
    expect_error(&r, StatusCode::BAD_REQUEST, "invalid_json");
    let body = serde_json::json!({ "password": PASSWORD }).to_string();
    let r = bearer_request(&app, &token, "DELETE", "/api/v1/me", Some(&body)).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = bearer_request(&app, &token, "GET", "/api/v1/me", None).await;
    expect_error(&r, StatusCode::UNAUTHORIZED, "unauthorized");

    // With the session cookie, the CSRF token goes in the header.
    let mut member = logged_in(&app, "member").await;
    let r = member
        .send(
            Request::delete("/api/v1/me").header(header::CONTENT_TYPE, "application/json"),
            Body::from(body.clone()),
        )
        .await;
    expect_error(&r, StatusCode::FORBIDDEN, "csrf_failed");
    let r = json_request(&mut member, "DELETE", "/api/v1/me", &body).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert!(!member.cookies.contains_key("sg_session"));
}

#[tokio::test]
async fn the_last_admin_cannot_delete_their_account() {
    let app = app().await;
    let mut admin = logged_in(&app, "admin").await;
    let body = serde_json::json!({ "password": PASSWORD }).to_string();
    let r = json_request(&mut admin, "DELETE", "/api/v1/me", &body).await;
    expect_error(&r, StatusCode::CONFLICT, "last_admin");
    admin.get("/profile/delete").await;
    let r = admin
        .post("/profile/delete", &[("password", PASSWORD)])
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("id=\"form-error\""));
    assert_eq!(admin.get("/profile").await.status, StatusCode::OK);
    // With a second admin, the first may go.
    let moder = app
        .store
        .user_by_name(&store::Username::parse("moder").unwrap())
        .await
        .unwrap()
        .unwrap();
    app.store.set_role(moder.id, Role::Admin).await.unwrap();
    admin.get("/profile").await;
    let r = json_request(&mut admin, "DELETE", "/api/v1/me", &body).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
}

#[tokio::test]
async fn in_private_mode_the_trackers_members_follow_sign_up_rotation_and_deletion() {
    let app = support::App::with_tracker_mode(
        Registration::Open,
        settings(),
        tracker::TrackerMode::Private,
    )
    .await;
    let members = || &app.tracker.accounting().unwrap().members;
    let known = |key: &store::Passkey| {
        let key = accounting::Passkey::parse(key.expose().as_bytes()).unwrap();
        members().get(&key).is_some()
    };
    let mut b = app.browser();
    b.get("/register").await;
    let r = b
        .post(
            "/register",
            &[
                ("username", "newbie"),
                ("password", PASSWORD),
                ("password2", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let first = app.passkey_of("newbie").await;
    assert!(known(&first), "a new member may announce at once");

    b.get("/profile").await;
    let r = b.post("/profile/passkey", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let second = app.passkey_of("newbie").await;
    assert!(
        !known(&first) && known(&second),
        "only the new passkey works"
    );

    b.get("/profile/delete").await;
    let r = b.post("/profile/delete", &[("password", PASSWORD)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(!known(&second), "a deleted account's passkey stops working");
    assert_eq!(members().len(), 0);
}
