//! An in-process portal on a fresh SQLite database with a stopped clock,
//! and a tiny browser: a cookie jar that follows `Set-Cookie`, and forms
//! that carry the CSRF token of the page they came from.

// Test harness types; nothing here is worth printing.
// Each test binary uses a different part of it.
#![allow(missing_debug_implementations, dead_code)]

use axum::Router;
use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{Request, StatusCode, header};
use portal::clock::ManualWallClock;
use portal::{AccountSettings, PortalState, Registration};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use store::{NewUser, Passkey, Role, Store, Username};
use tower::ServiceExt as _;

/// A documentation address (RFC 5737) that must never reach the disk.
pub const CLIENT: SocketAddr = SocketAddr::new(
    std::net::IpAddr::V4(std::net::Ipv4Addr::new(203, 0, 113, 77)),
    40_000,
);
pub const START: i64 = 1_767_225_600; // 2026-01-01
pub const PASSWORD: &str = "correct horse battery";

pub struct App {
    pub router: Router,
    pub tracker: Arc<tracker::Tracker>,
    pub clock: ManualWallClock,
    pub store: Store,
    pub settings: AccountSettings,
    pub dir: tempfile::TempDir,
}

impl App {
    pub async fn new(registration: Registration) -> Self {
        Self::with_releases(registration, portal::ReleaseSettings::default()).await
    }

    pub async fn with_releases(
        registration: Registration,
        releases: portal::ReleaseSettings,
    ) -> Self {
        Self::with_tracker_mode(registration, releases, tracker::TrackerMode::Open).await
    }

    /// With the tracker in `mode` (`listed`: its catalog starts empty).
    pub async fn with_tracker_mode(
        registration: Registration,
        releases: portal::ReleaseSettings,
        mode: tracker::TrackerMode,
    ) -> Self {
        Self::with_tracker(registration, releases, mode, None).await
    }

    /// With the tracker in mode `private` under the ledger's `rules`.
    pub async fn private_with_rules(
        registration: Registration,
        releases: portal::ReleaseSettings,
        rules: accounting::LedgerConfig,
    ) -> Self {
        let mode = tracker::TrackerMode::Private;
        Self::with_tracker(registration, releases, mode, Some(rules)).await
    }

    async fn with_tracker(
        registration: Registration,
        releases: portal::ReleaseSettings,
        mode: tracker::TrackerMode,
        rules: Option<accounting::LedgerConfig>,
    ) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in_dir(dir.path()).await.unwrap();
        let clock = ManualWallClock::new(START);
        let mut tracker = tracker::Tracker::new(
            Arc::new(swarm::Swarm::new(swarm::SwarmConfig::default())),
            Arc::new(swarm::ManualClock::default()),
            tracker::TrackerSettings {
                announce_interval: 1800,
                min_announce_interval: 900,
            },
            [7; 16],
        )
        .with_mode(mode);
        if let Some(rules) = rules {
            tracker = tracker.with_accounting(Arc::new(accounting::Ledger::new(rules)));
        }
        let tracker = Arc::new(tracker);
        let settings = AccountSettings {
            registration,
            ..AccountSettings::default()
        };
        let state = PortalState::new(
            Arc::clone(&tracker),
            store.clone(),
            "testsite",
            settings.clone(),
            Arc::new(clock.clone()),
        )
        .with_releases(releases);
        let router = portal::router(state).layer(MockConnectInfo(CLIENT));
        Self {
            router,
            tracker,
            clock,
            store,
            settings,
            dir,
        }
    }

    pub fn browser(&self) -> Browser {
        Browser {
            router: self.router.clone(),
            cookies: BTreeMap::new(),
            csrf: None,
            headers: Vec::new(),
        }
    }

    /// Creates an account directly in the store.
    pub async fn add_user(&self, name: &str, role: Role) {
        self.store
            .create_user(&NewUser {
                username: &Username::parse(name).unwrap(),
                password_hash: &portal::passwords::hash(PASSWORD),
                role,
                passkey: &portal::new_passkey(),
                created_at: START,
            })
            .await
            .unwrap();
    }

    pub async fn passkey_of(&self, name: &str) -> Passkey {
        let name = Username::parse(name).unwrap();
        self.store
            .user_by_name(&name)
            .await
            .unwrap()
            .unwrap()
            .passkey
    }
}

#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn location(&self) -> Option<&str> {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

#[derive(Clone)]
pub struct Browser {
    router: Router,
    pub cookies: BTreeMap<String, String>,
    /// The CSRF token of the last page that had a form.
    pub csrf: Option<String>,
    /// Extra headers sent with every request.
    pub headers: Vec<(&'static str, String)>,
}

impl Browser {
    pub async fn send(&mut self, request: axum::http::request::Builder, body: Body) -> Reply {
        let mut request = request;
        if !self.cookies.is_empty() {
            let jar: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            request = request.header(header::COOKIE, jar.join("; "));
        }
        for (name, value) in &self.headers {
            request = request.header(*name, value);
        }
        let response = self
            .router
            .clone()
            .oneshot(request.body(body).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        for cookie in headers.get_all(header::SET_COOKIE) {
            let cookie = cookie.to_str().unwrap();
            let (pair, attributes) = cookie.split_once(';').unwrap_or((cookie, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if attributes.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.into(), value.into());
            }
        }
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        let body = String::from_utf8_lossy(&bytes).into_owned();
        if let Some(token) = csrf_in(&body) {
            self.csrf = Some(token);
        }
        Reply {
            status,
            headers,
            body,
        }
    }

    pub fn router(&self) -> Router {
        self.router.clone()
    }

    pub async fn get(&mut self, path: &str) -> Reply {
        self.send(Request::get(path), Body::empty()).await
    }

    /// Posts a form with the CSRF token of the last page seen.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let token = self.csrf.clone().unwrap_or_default();
        let mut all = vec![("csrf", token.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    /// Posts exactly these fields.
    pub async fn post_raw(&mut self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let body = serde_urlencoded::to_string(fields).unwrap();
        let request =
            Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        self.send(request, Body::from(body)).await
    }

    /// Posts a `multipart/form-data` body of text `fields` and one file
    /// part `torrent`, with the CSRF token of the last page as a field.
    pub async fn upload(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        torrent: Option<&[u8]>,
    ) -> Reply {
        let token = self.csrf.clone().unwrap_or_default();
        let mut all = vec![("csrf", token.as_str())];
        all.extend_from_slice(fields);
        let (content_type, body) = multipart(&all, torrent);
        let request = Request::post(path).header(header::CONTENT_TYPE, content_type);
        self.send(request, Body::from(body)).await
    }

    /// Opens the log-in page and logs in.
    pub async fn log_in(&mut self, name: &str, password: &str) -> Reply {
        self.get("/login").await;
        let reply = self
            .post("/login", &[("username", name), ("password", password)])
            .await;
        if reply.status == StatusCode::SEE_OTHER {
            // Forms of a logged-in page carry the session's token.
            self.get("/profile").await;
        }
        reply
    }
}

fn csrf_in(body: &str) -> Option<String> {
    let start = body.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    let token = &body[start..start + body[start..].find('"')?];
    (!token.is_empty()).then(|| token.to_owned())
}

pub const BOUNDARY: &str = "sgTestBoundary7d1c";

/// A multipart body and its content type.
pub fn multipart(fields: &[(&str, &str)], torrent: Option<&[u8]>) -> (String, Vec<u8>) {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some(bytes) = torrent {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"torrent\"; \
                 filename=\"x.torrent\"\r\nContent-Type: application/x-bittorrent\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={BOUNDARY}"), body)
}
