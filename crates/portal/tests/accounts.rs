//! Member accounts through the portal's router, in process: sign-up in
//! each registration mode, log-in, sessions, CSRF, throttling, passkeys,
//! invitations, the JSON API, languages, escaping and privacy.

mod support;

use axum::http::{StatusCode, header};
use portal::Registration;
use store::Role;
use support::{App, CLIENT, PASSWORD};

#[tokio::test]
async fn open_registration_creates_a_member_logs_them_in_and_shows_their_passkey() {
    let app = App::new(Registration::Open).await;
    let mut b = app.browser();
    assert_eq!(b.get("/register").await.status, StatusCode::OK);
    let r = b
        .post(
            "/register",
            &[
                ("username", "Alice"),
                ("password", PASSWORD),
                ("password2", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), Some("/profile"));
    let cookie = r.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap();
    assert!(cookie.starts_with("sg_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let profile = b.get("/profile").await;
    assert_eq!(profile.status, StatusCode::OK);
    let passkey = app.passkey_of("alice").await;
    assert!(profile.body.contains(passkey.expose()), "{}", profile.body);
    let me = b.get("/api/v1/me").await.json();
    // Mode `open`: no transfers yet, and no live lists.
    assert_eq!(
        me,
        serde_json::json!({
            "username": "Alice",
            "role": "member",
            "uploaded": 0,
            "downloaded": 0,
            "ratio": null,
            "snatched": 0,
            "seeding": null,
            "leeching": null,
            "may_start_downloads": null,
            "max_leeching": null,
        })
    );
}

#[tokio::test]
async fn sign_up_refuses_bad_names_short_passwords_mismatches_and_taken_names() {
    let app = App::new(Registration::Open).await;
    app.add_user("taken", Role::Member).await;
    let mut b = app.browser();
    b.get("/register").await;
    let cases = [
        ("ab", PASSWORD, PASSWORD, StatusCode::UNPROCESSABLE_ENTITY),
        ("bob", "short", "short", StatusCode::UNPROCESSABLE_ENTITY),
        (
            "bob",
            PASSWORD,
            "different password",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        ("TAKEN", PASSWORD, PASSWORD, StatusCode::CONFLICT),
    ];
    for (name, p1, p2, status) in cases {
        let r = b
            .post(
                "/register",
                &[("username", name), ("password", p1), ("password2", p2)],
            )
            .await;
        assert_eq!(r.status, status, "{name} {p1} {p2}");
        assert!(r.body.contains("id=\"form-error\""), "{}", r.body);
    }
    assert_eq!(app.store.count_users().await.unwrap(), 1);
}

#[tokio::test]
async fn closed_registration_shows_no_form_and_refuses_posts() {
    let app = App::new(Registration::Closed).await;
    let mut b = app.browser();
    let page = b.get("/register").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(!page.body.contains("name=\"password\""));
    b.get("/login").await; // for a valid anonymous CSRF token
    let r = b
        .post(
            "/register",
            &[
                ("username", "bob"),
                ("password", PASSWORD),
                ("password2", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(app.store.count_users().await.unwrap(), 0);
}

#[tokio::test]
async fn invite_registration_needs_a_fresh_code_from_a_member_allowed_to_invite() {
    let app = App::new(Registration::Invite).await;
    app.add_user("mod", Role::Moderator).await;
    app.add_user("plain", Role::Member).await;

    // A plain member may not invite.
    let mut member = app.browser();
    member.log_in("plain", PASSWORD).await;
    assert_eq!(member.get("/invites").await.status, StatusCode::FORBIDDEN);
    member.get("/profile").await;
    assert_eq!(
        member.post("/invites", &[]).await.status,
        StatusCode::FORBIDDEN
    );

    let mut moderator = app.browser();
    moderator.log_in("mod", PASSWORD).await;
    let created = moderator.post("/invites", &[]).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let start = created.body.find("id=\"invite-code\">").unwrap() + "id=\"invite-code\">".len();
    let code = created.body[start..start + 32].to_owned();

    let mut guest = app.browser();
    let form = guest.get(&format!("/register?invite={code}")).await;
    assert!(
        form.body.contains(&format!("value=\"{code}\"")),
        "prefilled"
    );
    let signup = |name: &'static str, code: String| {
        let mut guest = guest.clone();
        async move {
            guest
                .post(
                    "/register",
                    &[
                        ("username", name),
                        ("password", PASSWORD),
                        ("password2", PASSWORD),
                        ("invite", &code),
                    ],
                )
                .await
        }
    };
    assert_eq!(
        signup("nocode", String::new()).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        signup("wrong", "f".repeat(32)).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        signup("carol", code.clone()).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        signup("dave", code.clone()).await.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a code signs up one account"
    );
    let list = moderator.get("/invites").await;
    assert!(list.body.contains("carol"), "{}", list.body);
    assert!(!list.body.contains(&code), "the code is shown only once");
}

#[tokio::test]
async fn an_invitation_expires() {
    let app = App::new(Registration::Invite).await;
    app.add_user("upl", Role::Uploader).await;
    let mut uploader = app.browser();
    uploader.log_in("upl", PASSWORD).await;
    let body = uploader.post("/invites", &[]).await.body;
    let start = body.find("id=\"invite-code\">").unwrap() + "id=\"invite-code\">".len();
    let code = &body[start..start + 32];
    app.clock.advance(app.settings.invite_lifetime_secs);
    let mut guest = app.browser();
    guest.get("/register").await;
    let r = guest
        .post(
            "/register",
            &[
                ("username", "late"),
                ("password", PASSWORD),
                ("password2", PASSWORD),
                ("invite", code),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn every_post_without_the_right_csrf_token_is_refused_with_403() {
    let app = App::new(Registration::Open).await;
    app.add_user("alice", Role::Admin).await;
    let mut b = app.browser();
    b.get("/login").await;
    let no_token = b
        .post_raw("/login", &[("username", "alice"), ("password", PASSWORD)])
        .await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    assert!(no_token.body.contains("another site"), "{}", no_token.body);
    // A token from another visitor's page does not fit this visitor.
    let mut other = app.browser();
    other.get("/login").await;
    b.csrf = other.csrf.clone();
    let foreign = b
        .post("/login", &[("username", "alice"), ("password", PASSWORD)])
        .await;
    assert_eq!(foreign.status, StatusCode::FORBIDDEN);

    // Logged in: the token is bound to the session.
    let mut alice = app.browser();
    assert_eq!(
        alice.log_in("alice", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    alice.get("/profile").await;
    let before = app.passkey_of("alice").await;
    for path in ["/profile/passkey", "/invites", "/logout"] {
        let r = alice.post_raw(path, &[("csrf", "00")]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(app.passkey_of("alice").await, before);
    let json = alice.post_raw("/api/v1/me", &[]).await;
    assert_eq!(json.status, StatusCode::FORBIDDEN);
    assert_eq!(json.json()["code"], "csrf_failed");
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_account_get_the_same_answer() {
    let app = App::new(Registration::Open).await;
    app.add_user("alice", Role::Member).await;
    let mut b = app.browser();
    let wrong = b.log_in("alice", "not the password").await;
    let unknown = b.log_in("nobody", PASSWORD).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.body.contains("Wrong username or password"));
    assert!(!b.cookies.contains_key("sg_session"));
    // Any case of the name logs in.
    assert_eq!(
        b.log_in("ALICE", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn failed_log_ins_lock_the_account_until_the_window_passes() {
    let app = App::new(Registration::Open).await;
    app.add_user("alice", Role::Member).await;
    let mut b = app.browser();
    for _ in 0..app.settings.throttle.max_per_account {
        assert_eq!(
            b.log_in("alice", "wrong password").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let locked = b.log_in("alice", PASSWORD).await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(locked.headers.contains_key(header::RETRY_AFTER));
    app.clock.advance(app.settings.throttle.window_secs);
    assert_eq!(
        b.log_in("alice", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn a_session_ends_when_it_expires() {
    let app = App::new(Registration::Open).await;
    app.add_user("alice", Role::Member).await;
    let mut b = app.browser();
    b.log_in("alice", PASSWORD).await;
    app.clock.advance(app.settings.session_lifetime_secs - 1);
    assert_eq!(b.get("/profile").await.status, StatusCode::OK);
    app.clock.advance(1);
    assert_eq!(b.get("/profile").await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn logging_out_revokes_the_session_even_for_a_copied_cookie() {
    let app = App::new(Registration::Open).await;
    app.add_user("alice", Role::Member).await;
    let mut b = app.browser();
    b.log_in("alice", PASSWORD).await;
    b.get("/profile").await;
    let mut thief = b.clone();
    let out = b.post("/logout", &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(!b.cookies.contains_key("sg_session"));
    assert_eq!(thief.get("/profile").await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_disabled_account_cannot_log_in() {
    let app = App::new(Registration::Open).await;
    app.add_user("alice", Role::Member).await;
    let id = app
        .store
        .user_by_name(&store::Username::parse("alice").unwrap())
        .await
        .unwrap()
        .unwrap()
        .id;
    app.store.set_disabled(id, true).await.unwrap();
    let r = app.browser().log_in("alice", PASSWORD).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn replacing_the_passkey_changes_it_and_says_so() {
    let app = App::new(Registration::Open).await;
    app.add_user("alice", Role::Member).await;
    let before = app.passkey_of("alice").await;
    let mut b = app.browser();
    b.log_in("alice", PASSWORD).await;
    b.get("/profile").await;
    let r = b.post("/profile/passkey", &[]).await;
    assert_eq!(r.location(), Some("/profile?rotated=1"));
    let after = app.passkey_of("alice").await;
    assert_ne!(before, after);
    let page = b.get("/profile?rotated=1").await;
    assert!(page.body.contains(after.expose()));
    assert!(!page.body.contains(before.expose()));
    assert!(page.body.contains("role=\"status\""));
}

#[tokio::test]
async fn pages_that_need_an_account_answer_401_and_the_api_answers_json() {
    let app = App::new(Registration::Open).await;
    let mut b = app.browser();
    for path in ["/profile", "/invites"] {
        assert_eq!(b.get(path).await.status, StatusCode::UNAUTHORIZED, "{path}");
    }
    let me = b.get("/api/v1/me").await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED);
    let json = me.json();
    assert_eq!(json["code"], "unauthorized");
    assert!(json["message"].as_str().unwrap().contains("log in"));
    assert_eq!(json.as_object().unwrap().len(), 2, "{json}");
    let missing = b.get("/api/v1/nothing").await;
    assert_eq!(
        (missing.status, missing.json()["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
}

#[tokio::test]
async fn a_chosen_language_is_remembered_and_every_page_speaks_it() {
    let app = App::new(Registration::Open).await;
    let mut b = app.browser();
    b.headers.push(("accept-language", "en".into()));
    assert!(b.get("/login").await.body.contains("<html lang=\"en\">"));
    let ru = b.get("/login?lang=ru").await;
    assert!(ru.body.contains("<html lang=\"ru\">"));
    assert!(ru.body.contains("Имя пользователя"));
    assert_eq!(b.cookies.get("sg_lang").map(String::as_str), Some("ru"));
    let later = b.get("/register").await;
    assert!(later.body.contains("Создать учётную запись"), "remembered");
    let json = b.get("/api/v1/me").await.json();
    assert_eq!(json["message"], "Сначала войдите.");
    let mut by_header = app.browser();
    by_header
        .headers
        .push(("accept-language", "ru-RU, en;q=0.5".into()));
    assert!(by_header.get("/login").await.body.contains("Войти"));
}

#[tokio::test]
async fn a_username_with_markup_is_echoed_inert() {
    let app = App::new(Registration::Open).await;
    let mut b = app.browser();
    b.get("/register").await;
    let evil = "<script>alert(1)</script>\"><img src=x onerror=alert(2)>";
    let r = b
        .post(
            "/register",
            &[
                ("username", evil),
                ("password", PASSWORD),
                ("password2", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!r.body.contains("<script>alert"), "{}", r.body);
    assert!(!r.body.contains("<img"), "{}", r.body);
    assert!(
        r.body.contains("&#60;script&#62;") || r.body.contains("&lt;script&gt;"),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn no_client_address_reaches_the_database_files() {
    let app = App::new(Registration::Open).await;
    let mut b = app.browser();
    b.get("/register").await;
    b.post(
        "/register",
        &[
            ("username", "alice"),
            ("password", PASSWORD),
            ("password2", PASSWORD),
        ],
    )
    .await;
    b.get("/profile").await;
    b.post("/logout", &[]).await;
    b.log_in("alice", "a wrong password").await;
    b.log_in("alice", PASSWORD).await;
    app.store.close().await;
    let ip = CLIENT.ip().to_string();
    let std::net::IpAddr::V4(v4) = CLIENT.ip() else {
        unreachable!()
    };
    let mut checked = 0;
    for entry in std::fs::read_dir(app.dir.path()).unwrap() {
        let path = entry.unwrap().path();
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            // SQLite's -wal and -shm files go as the last connection
            // closes, which may be after the listing: gone, they hold
            // nothing.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => panic!("{}: {e}", path.display()),
        };
        assert!(
            !bytes.windows(ip.len()).any(|w| w == ip.as_bytes()),
            "address as text"
        );
        assert!(
            !bytes.windows(4).any(|w| w == v4.octets()),
            "address as bytes"
        );
        checked += bytes.len();
    }
    assert!(checked > 0);
}
