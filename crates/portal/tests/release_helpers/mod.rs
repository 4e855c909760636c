//! Builders shared by the release tests: fixtures, an app with the five
//! roles, logged-in browsers, API uploads and error checks.
// Each test file uses a subset.
#![allow(dead_code, unused_imports)]

use crate::support::{App, Browser, PASSWORD};
pub use axum::body::Body;
pub use axum::http::{Request, StatusCode, header};
pub use metainfo::{Limits, Metainfo};
pub use portal::{PrivateFlag, Registration, ReleaseSettings};
pub use store::Role;

pub fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../metainfo/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

pub fn settings() -> ReleaseSettings {
    ReleaseSettings {
        announce_urls: vec![
            "http://tracker.test:6969/announce".into(),
            "udp://tracker.test:6969/announce".into(),
        ],
        ..ReleaseSettings::default()
    }
}

pub async fn app() -> App {
    app_with(settings()).await
}

pub async fn app_with(settings: ReleaseSettings) -> App {
    let app = App::with_releases(Registration::Closed, settings).await;
    app.add_user("admin", Role::Admin).await;
    app.add_user("moder", Role::Moderator).await;
    app.add_user("uploader", Role::Uploader).await;
    app.add_user("member", Role::Member).await;
    app.add_user("other", Role::Member).await;
    app
}

pub async fn logged_in(app: &App, name: &str) -> Browser {
    let mut b = app.browser();
    let r = b.log_in(name, PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    b
}

/// Uploads through the API with the session's CSRF token as a header.
pub async fn api_upload(
    b: &mut Browser,
    fields: &[(&str, &str)],
    torrent: Option<&[u8]>,
) -> crate::support::Reply {
    let (content_type, body) = crate::support::multipart(fields, torrent);
    let token = b.csrf.clone().unwrap_or_default();
    let request = Request::post("/api/v1/releases")
        .header(header::CONTENT_TYPE, content_type)
        .header("x-csrf-token", token);
    b.send(request, Body::from(body)).await
}

pub async fn upload_ok(b: &mut Browser, file: &str, title: &str) -> i64 {
    let r = api_upload(
        b,
        &[("title", title), ("category", "software-linux")],
        Some(&fixture(file)),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_i64().unwrap()
}

pub fn expect_error(r: &crate::support::Reply, status: StatusCode, code: &str) {
    assert_eq!(r.status, status, "{}", r.body);
    let json = r.json();
    assert_eq!(json["code"], code, "{json}");
    assert!(
        json["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{json}"
    );
}

/// The raw bytes of a GET (the test browser's `send` wants UTF-8).
pub async fn raw_get(b: &Browser, path: &str) -> Vec<u8> {
    use tower::ServiceExt as _;
    let jar: Vec<String> = b.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let request = Request::get(path)
        .header(header::COOKIE, jar.join("; "))
        .body(Body::empty())
        .unwrap();
    let response = b.router().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap()
        .to_vec()
}

/// A JSON request with the session's cookie and CSRF token.
pub async fn json_request(
    b: &mut Browser,
    method: &str,
    path: &str,
    body: &str,
) -> crate::support::Reply {
    let token = b.csrf.clone().unwrap_or_default();
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::CONTENT_TYPE, "application/json")
        .header("x-csrf-token", token);
    b.send(request, Body::from(body.to_owned())).await
}

/// A request authenticated by an API token only: no cookie, no CSRF
/// token.
pub async fn bearer_request(
    app: &App,
    token: &str,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> crate::support::Reply {
    let mut b = app.browser();
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"));
    if body.is_some() {
        request = request.header(header::CONTENT_TYPE, "application/json");
    }
    b.send(request, Body::from(body.unwrap_or_default().to_owned()))
        .await
}

/// An API token for `name`, from `POST /api/v1/auth/token`.
pub async fn api_token(app: &App, name: &str) -> String {
    let body = serde_json::json!({ "username": name, "password": PASSWORD }).to_string();
    let r = app
        .browser()
        .send(
            Request::post("/api/v1/auth/token").header(header::CONTENT_TYPE, "application/json"),
            Body::from(body),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()["token"].as_str().unwrap().to_owned()
}
