//! Releases through the portal's router, in process: XSS attempts
//! rendered inert, comments and their moderation, categories, and the
//! listing's search, filters and sorting.

mod release_helpers;
mod support;

use release_helpers::*;
use support::Browser;

#[tokio::test]
async fn xss_in_titles_descriptions_file_names_and_comments_is_inert() {
    let app = app().await;
    let mut up = logged_in(&app, "uploader").await;
    let evil = "<script>alert(1)</script><img src=x onerror=alert(2)>";
    let description = format!("{evil}\n\n[x](javascript:alert(3)) [ok](https://example.org)");
    // No '/' inside a name: the parser refuses separators in names.
    let file = "<img src=x onerror=alert(4)>.txt";
    let torrent = format!(
        "d4:infod5:filesld6:lengthi3e4:pathl{}:{file}eee4:name6:<b>dir\
         12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaaee",
        file.len()
    );
    let torrent = torrent.as_bytes();
    let r = api_upload(
        &mut up,
        &[
            ("title", evil),
            ("category", "other"),
            ("description", &description),
        ],
        Some(torrent),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_i64().unwrap();
    let r = up
        .post(&format!("/releases/{id}/comments"), &[("body", evil)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    for path in [format!("/releases/{id}"), "/releases".to_owned()] {
        let page = app.browser().get(&path).await;
        assert_eq!(page.status, StatusCode::OK);
        for bad in ["<script", "<img", "javascript:", "<b>dir"] {
            assert!(!page.body.contains(bad), "{bad} on {path}: {}", page.body);
        }
    }
    let page = app.browser().get(&format!("/releases/{id}")).await;
    assert!(
        page.body
            .contains("&#60;img src=x onerror=alert(4)&#62;.txt"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("rel=\"nofollow noopener\""),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn moderators_hide_comments_and_deleted_releases_are_gone() {
    let app = app().await;
    let mut up = logged_in(&app, "uploader").await;
    let id = upload_ok(&mut up, "v1-single.torrent", "x").await;
    let mut member = logged_in(&app, "member").await;
    member.get(&format!("/releases/{id}")).await;
    let r = member
        .post(
            &format!("/releases/{id}/comments"),
            &[("body", "rude words")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let comment = app.store.comments(id, true).await.unwrap()[0].id;
    let r = member
        .post(&format!("/comments/{comment}/hidden"), &[("hidden", "1")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let mut moder = logged_in(&app, "moder").await;
    moder.get(&format!("/releases/{id}")).await;
    let r = moder
        .post(&format!("/comments/{comment}/hidden"), &[("hidden", "1")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(
        !app.browser()
            .get(&format!("/releases/{id}"))
            .await
            .body
            .contains("rude words")
    );
    assert!(
        moder
            .get(&format!("/releases/{id}"))
            .await
            .body
            .contains("rude words")
    );

    let token = moder.csrf.clone().unwrap();
    let r = moder
        .send(
            Request::delete(format!("/api/v1/releases/{id}")).header("x-csrf-token", token),
            Body::empty(),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    expect_error(
        &member.get(&format!("/api/v1/releases/{id}/torrent")).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    let page = member.get(&format!("/releases/{id}")).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.body.contains("id=\"message\""));
}

#[tokio::test]
async fn categories_form_a_tree_admins_edit_and_browsing_includes_sub_categories() {
    let app = app().await;
    let tree = app.browser().get("/api/v1/categories").await.json();
    let names: Vec<&str> = tree
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "Movies", "TV", "Music", "Software", "Books", "Games", "Other"
        ]
    );
    let mut ru = app.browser();
    let tree = ru.get("/api/v1/categories?lang=ru").await.json();
    assert_eq!(tree[0]["name"], "Фильмы");

    let mut up = logged_in(&app, "uploader").await;
    upload_ok(&mut up, "v1-single.torrent", "in linux").await;
    let list = app
        .browser()
        .get("/api/v1/releases?category=software")
        .await
        .json();
    assert_eq!(list["total"], 1);
    assert_eq!(
        list["total_exact"], true,
        "below the cap the count is exact"
    );
    assert_eq!(
        app.browser()
            .get("/api/v1/releases?category=books")
            .await
            .json()["total"],
        0
    );
    assert!(
        app.browser()
            .get("/releases?category=software")
            .await
            .body
            .contains("in linux")
    );

    let body =
        r#"{"parent":"software","slug":"software-bsd","name_en":"BSD","name_ru":"BSD-системы"}"#;
    let post = |b: &mut Browser| {
        let token = b.csrf.clone().unwrap();
        Request::post("/api/v1/categories")
            .header(header::CONTENT_TYPE, "application/json")
            .header("x-csrf-token", token)
    };
    let r = up.send(post(&mut up.clone()), Body::from(body)).await;
    expect_error(&r, StatusCode::FORBIDDEN, "forbidden");
    let mut admin = logged_in(&app, "admin").await;
    let r = admin.send(post(&mut admin.clone()), Body::from(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = admin.send(post(&mut admin.clone()), Body::from(body)).await;
    expect_error(&r, StatusCode::CONFLICT, "slug_taken");
    // Regression: a NUL opening a name passed the length check and broke
    // SQLite's CHECK constraint (a 500).
    let nul = r#"{"slug":"nul","name_en":"\u0000BSD","name_ru":"BSD"}"#;
    let r = admin.send(post(&mut admin.clone()), Body::from(nul)).await;
    expect_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_category");
    let software = app
        .store
        .categories()
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.slug == "software")
        .unwrap();
    let token = admin.csrf.clone().unwrap();
    let r = admin
        .send(
            Request::delete(format!("/api/v1/categories/{}", software.id))
                .header("x-csrf-token", token),
            Body::empty(),
        )
        .await;
    expect_error(&r, StatusCode::CONFLICT, "category_in_use");
}

#[tokio::test]
async fn the_listing_searches_filters_and_sorts_from_the_query_string() {
    let app = app().await;
    let mut up = logged_in(&app, "uploader").await;
    upload_ok(&mut up, "v1-single.torrent", "Фильм о Море").await;
    upload_ok(&mut up, "v2-single.torrent", "Ubuntu desktop").await;
    let mut member = logged_in(&app, "member").await;
    let r = api_upload(
        &mut member,
        &[("title", "Ubuntu pending"), ("category", "software-linux")],
        Some(&fixture("v1-multi.torrent")),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    let mut anon = app.browser();
    let found = anon
        .get("/api/v1/releases?q=%D0%A4%D0%98%D0%9B%D0%AC%D0%9C")
        .await
        .json();
    assert_eq!(found["total"], 1, "{found}");
    assert_eq!(found["releases"][0]["title"], "Фильм о Море");
    let found = anon
        .get("/api/v1/releases?q=UBUNTU&sort=name&min_size=0&since=2000-01-01")
        .await
        .json();
    assert_eq!(found["total"], 1, "{found}");
    // Operators of either backend's query language are only separators.
    let r = anon
        .get("/api/v1/releases?q=%22ubuntu%20(*%20-%27%3A*%7C%26!")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["total"], 1);

    expect_error(
        &anon.get("/api/v1/releases?min_size=lots").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_query",
    );
    // A value from a fixed set is not trimmed: a line break is no blank
    // (found by schemathesis: the schema's enum has only "" and the names).
    for sort in ["relevance", "%0A", "%20date"] {
        expect_error(
            &anon.get(&format!("/api/v1/releases?sort={sort}")).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_query",
        );
    }
    expect_error(
        &anon.get("/api/v1/releases?status=%20").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_status",
    );
    assert_eq!(
        anon.get("/api/v1/releases?sort=&status=").await.status,
        StatusCode::OK
    );
    expect_error(
        &anon.get("/api/v1/releases?status=pending").await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    let mut moder = logged_in(&app, "moder").await;
    let queue = moder
        .get("/api/v1/releases?status=pending&q=ubuntu")
        .await
        .json();
    assert_eq!(queue["total"], 1, "{queue}");
    assert_eq!(queue["releases"][0]["title"], "Ubuntu pending");

    let page = anon
        .get("/releases?q=%D0%BC%D0%BE%D1%80%D0%B5&sort=size")
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Фильм о Море"), "{}", page.body);
    assert!(!page.body.contains("Ubuntu desktop"));
    assert!(
        page.body.contains("value=\"море\""),
        "the form keeps the words"
    );
    assert!(page.body.contains("<option value=\"size\" selected>"));
    assert!(!page.body.contains("id=\"status\""), "status is for staff");
    assert!(moder.get("/releases").await.body.contains("id=\"status\""));
}

#[tokio::test]
async fn the_home_page_lists_the_newest_approved_releases_and_the_categories_in_the_layout() {
    let app = app().await;
    let mut up = logged_in(&app, "uploader").await;
    upload_ok(&mut up, "v1-single.torrent", "Fresh approved release").await;
    let mut member = logged_in(&app, "member").await;
    let r = api_upload(
        &mut member,
        &[("category", "other"), ("title", "Pending secret")],
        Some(&fixture("v2-single.torrent")),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    let mut anon = app.browser();
    let home = anon.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("name=\"viewport\""));
    assert!(home.body.contains("Fresh approved release"));
    assert!(!home.body.contains("Pending secret"));
    assert!(
        home.body
            .contains("href=\"/releases?category=software-linux\"")
    );
    // The menu of every page: releases, a search box, log-in, languages.
    for piece in [
        "href=\"/releases\"",
        "id=\"site-q\"",
        "href=\"/login\"",
        "href=\"?lang=ru\"",
    ] {
        assert!(home.body.contains(piece), "{piece}");
    }
    assert!(!home.body.contains("<script"));
    let ru = anon.get("/?lang=ru").await;
    assert!(ru.body.contains("Новые раздачи"));
    assert!(ru.body.contains("Программы"));
    let home = member.get("/").await;
    assert!(home.body.contains("href=\"/profile\""));
    assert!(home.body.contains("href=\"/upload\""));
    // The listing has its own search form instead of the header's box.
    let list = anon.get("/releases").await;
    assert!(!list.body.contains("id=\"site-q\""));
    assert!(list.body.contains("id=\"q\""));
}
