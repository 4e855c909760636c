//! Live branding through the router in process: an administrator's save
//! shows on the next request of anyone (name, colours, banner, logo at a
//! content-addressed URL), only administrators may read or post the
//! form, SVG logos lose everything that could run or fetch, and every
//! bad input is refused with a reason and leaves the stored branding as
//! it was.

mod release_helpers;
mod support;

use release_helpers::*;
use support::{App, Browser, Reply};

const SVG_NAMESPACE: &str = "http://www.w3.org/2000/svg";

/// A `width` x `height` greyscale PNG, built chunk by chunk.
fn png(width: u32, height: u32) -> Vec<u8> {
    const CRC: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&u32::try_from(data.len()).unwrap().to_be_bytes());
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let mut digest = CRC.digest();
        digest.update(kind);
        digest.update(data);
        out.extend_from_slice(&digest.finalize().to_be_bytes());
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut header = Vec::new();
    header.extend_from_slice(&width.to_be_bytes());
    header.extend_from_slice(&height.to_be_bytes());
    header.extend_from_slice(&[8, 0, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &header);
    // Not a valid zlib stream for these sizes, which the check does not
    // decode: browsers tolerate bad image data, not bad structure.
    chunk(
        &mut out,
        b"IDAT",
        &[0x78, 0x01, 0x63, 0x60, 0, 0, 0, 2, 0, 1],
    );
    chunk(&mut out, b"IEND", &[]);
    out
}

/// A file part of the form.
struct File<'a> {
    name: &'a str,
    content_type: &'a str,
    bytes: &'a [u8],
}

/// Posts the branding form as a browser would: every text field, and the
/// file part (empty when none is chosen).
async fn post_branding(b: &mut Browser, fields: &[(&str, &str)], logo: Option<File<'_>>) -> Reply {
    let boundary = "brandingBoundary42";
    let token = b.csrf.clone().unwrap_or_default();
    let mut body = Vec::new();
    let mut all = vec![("csrf", token.as_str())];
    all.extend_from_slice(fields);
    for (name, value) in all {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    let file = logo.unwrap_or(File {
        name: "",
        content_type: "application/octet-stream",
        bytes: b"",
    });
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"logo\"; filename=\"{}\"\r\n\
             Content-Type: {}\r\n\r\n",
            file.name, file.content_type
        )
        .as_bytes(),
    );
    body.extend_from_slice(file.bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let request = Request::post("/admin/branding").header(
        header::CONTENT_TYPE,
        format!("multipart/form-data; boundary={boundary}"),
    );
    b.send(request, Body::from(body)).await
}

/// An administrator's browser on the branding form.
async fn admin_on_form(app: &App) -> Browser {
    let mut b = logged_in(app, "admin").await;
    let r = b.get("/admin/branding").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    b
}

/// One refused save: what it is, the fields and file sent, and what the
/// answer must say.
struct Case<'a> {
    what: &'a str,
    fields: Vec<(&'a str, &'a str)>,
    file: Option<File<'a>>,
    status: StatusCode,
    message: &'a str,
}

const GOOD: &[(&str, &str)] = &[
    ("site_name", "Кинозал"),
    ("accent", "#8A1C1C"),
    ("band", "#1c5d8a"),
    ("banner", "Maintenance tonight at 22:00 UTC"),
];

fn logo_url(body: &str) -> String {
    let start =
        body.find("id=\"site-logo\" src=\"").expect("a logo") + "id=\"site-logo\" src=\"".len();
    body[start..start + body[start..].find('"').unwrap()].to_owned()
}

#[tokio::test]
async fn a_save_shows_on_the_next_request_of_every_visitor() {
    let app = app().await;
    // The built-in look: the configured name, no logo, no band, no banner.
    let before = app.browser().get("/").await;
    assert!(
        before.body.contains("<title>Home — testsite</title>"),
        "{}",
        before.body
    );
    assert!(before.body.contains("--accent:#0645ad"));
    assert!(!before.body.contains("site-logo") && !before.body.contains("site-banner"));
    assert!(!before.body.contains("border-top:.5rem"));

    let mut admin = admin_on_form(&app).await;
    let logo = png(64, 32);
    let r = post_branding(
        &mut admin,
        GOOD,
        Some(File {
            name: "logo.png",
            content_type: "image/png",
            bytes: &logo,
        }),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), Some("/admin/branding?saved=1"));
    assert!(
        admin
            .get("/admin/branding?saved=1")
            .await
            .body
            .contains("id=\"saved\"")
    );

    // Another visitor, the very next request, no restart.
    let mut visitor = app.browser();
    let page = visitor.get("/releases").await;
    assert!(page.body.contains("— Кинозал</title>"), "{}", page.body);
    assert!(page.body.contains("<span id=\"site-name\">Кинозал</span>"));
    assert!(page.body.contains("--accent:#8a1c1c"));
    assert!(page.body.contains("body{border-top:.5rem solid #1c5d8a}"));
    assert!(page.body.contains("Maintenance tonight at 22:00 UTC"));
    // Error pages wear it too.
    let missing = visitor.get("/no/such/page").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains("Maintenance tonight") && missing.body.contains("Кинозал"));

    let url = logo_url(&page.body);
    assert!(
        url.starts_with("/branding/logo/") && url.ends_with(".png"),
        "{url}"
    );
    let served = visitor.get(&url).await;
    assert_eq!(served.status, StatusCode::OK);
    assert_eq!(served.headers[header::CONTENT_TYPE], "image/png");
    assert_eq!(
        served.headers[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(served.headers["x-content-type-options"], "nosniff");
    assert_eq!(
        served.headers[header::CONTENT_SECURITY_POLICY],
        "default-src 'none'; style-src 'unsafe-inline'"
    );
    let stored = app.store.branding().await.unwrap().unwrap();
    assert_eq!(stored.logo.unwrap().bytes, logo);
    assert_eq!(stored.site_name.as_deref(), Some("Кинозал"));

    // A new logo is a new URL; the old one is gone.
    let mut admin = admin_on_form(&app).await;
    let other = png(32, 32);
    let r = post_branding(
        &mut admin,
        GOOD,
        Some(File {
            name: "logo.png",
            content_type: "image/png",
            bytes: &other,
        }),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let new_url = logo_url(&visitor.get("/").await.body);
    assert_ne!(new_url, url);
    assert_eq!(visitor.get(&url).await.status, StatusCode::NOT_FOUND);

    // Saving without choosing a file keeps the logo; the box removes it,
    // and empty fields bring the defaults back.
    admin.get("/admin/branding").await;
    let r = post_branding(&mut admin, &[("banner", "")], None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = visitor.get("/").await;
    assert_eq!(logo_url(&page.body), new_url);
    assert!(page.body.contains("<title>Home — testsite</title>"));
    assert!(page.body.contains("--accent:#0645ad") && !page.body.contains("site-banner"));
    admin.get("/admin/branding").await;
    let r = post_branding(&mut admin, &[("remove_logo", "1")], None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(!visitor.get("/").await.body.contains("site-logo"));
    assert_eq!(visitor.get(&new_url).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn only_administrators_may_see_or_post_the_form() {
    let app = app().await;
    assert_eq!(
        app.browser().get("/admin/branding").await.status,
        StatusCode::UNAUTHORIZED
    );
    for name in ["member", "uploader", "moder"] {
        let mut b = logged_in(&app, name).await;
        assert_eq!(
            b.get("/admin/branding").await.status,
            StatusCode::FORBIDDEN,
            "{name}"
        );
        // With a valid CSRF token of their own session.
        let r = post_branding(&mut b, GOOD, None).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{name}: {}", r.body);
    }
    // An administrator's session without the form's token.
    let mut admin = logged_in(&app, "admin").await;
    admin.csrf = Some("0".repeat(64));
    let r = post_branding(&mut admin, GOOD, None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("This form has expired"), "{}", r.body);
    // Anonymous, with an anonymous form token.
    let mut anonymous = app.browser();
    anonymous.get("/login").await;
    let r = post_branding(&mut anonymous, GOOD, None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.store.branding().await.unwrap(), None);
}

#[tokio::test]
async fn bad_input_is_refused_with_its_reason_and_changes_nothing() {
    let app = app().await;
    let mut admin = admin_on_form(&app).await;
    let logo = png(16, 16);
    let r = post_branding(
        &mut admin,
        GOOD,
        Some(File {
            name: "logo.png",
            content_type: "image/png",
            bytes: &logo,
        }),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let saved = app.store.branding().await.unwrap().unwrap();
    let home = app.browser().get("/").await.body;

    let gif = b"GIF89a\x01\x00\x01\x00".to_vec();
    let mut padded = png(16, 16);
    padded.extend_from_slice(b"<script>alert(1)</script>");
    let huge = vec![0u8; 600 * 1024];
    let wide = png(4096, 16);
    let (long_name, long_banner) = ("x".repeat(61), "б".repeat(301));
    let cases = vec![
        Case {
            what: "GIF bytes named .png",
            fields: GOOD.to_vec(),
            file: Some(File { name: "logo.png", content_type: "image/png", bytes: &gif }),
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: "This file is not a valid PNG image: the file does not start with the PNG signature",
        },
        Case {
            what: "a PNG with a script after its end",
            fields: GOOD.to_vec(),
            file: Some(File { name: "logo.png", content_type: "image/png", bytes: &padded }),
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: "there are bytes after the IEND chunk",
        },
        Case {
            what: "a PNG too wide",
            fields: GOOD.to_vec(),
            file: Some(File { name: "logo.png", content_type: "image/png", bytes: &wide }),
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: "4096x16 pixels",
        },
        Case {
            what: "an oversized logo",
            fields: GOOD.to_vec(),
            file: Some(File { name: "logo.svg", content_type: "image/svg+xml", bytes: &huge }),
            status: StatusCode::PAYLOAD_TOO_LARGE,
            message: "The logo file is too large (512 KiB at most)",
        },
        Case {
            what: "malformed SVG",
            fields: GOOD.to_vec(),
            file: Some(File {
                name: "logo.svg",
                content_type: "image/svg+xml",
                bytes: b"<svg xmlns=\"http://www.w3.org/2000/svg\"><g></svg>",
            }),
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: "This file is not a valid SVG image:",
        },
        Case {
            what: "SVG whose root is not svg",
            fields: GOOD.to_vec(),
            file: Some(File {
                name: "logo.svg",
                content_type: "image/svg+xml",
                bytes: b"<html xmlns=\"http://www.w3.org/1999/xhtml\"><svg xmlns=\"http://www.w3.org/2000/svg\"/></html>",
            }),
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: "This file is not a valid SVG image:",
        },
        Case {
            what: "a GIF",
            fields: GOOD.to_vec(),
            file: Some(File { name: "logo.gif", content_type: "image/gif", bytes: &gif }),
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: "The logo must be a .png or .svg file.",
        },
        Case {
            what: "a colour name",
            fields: vec![("accent", "red")],
            file: None,
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: "Write colours as #rrggbb",
        },
        Case {
            what: "a short colour",
            fields: vec![("band", "#12345")],
            file: None,
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: "Write colours as #rrggbb",
        },
        Case {
            what: "CSS in a colour",
            fields: vec![("band", "#123456}body{display:none")],
            file: None,
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: "Write colours as #rrggbb",
        },
        Case {
            what: "an unreadable link colour",
            fields: vec![("accent", "#ffff00")],
            file: None,
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: "too light to read on white",
        },
        Case {
            what: "a long site name",
            fields: vec![("site_name", long_name.as_str())],
            file: None,
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: "at most 60 characters",
        },
        Case {
            what: "a long banner",
            fields: vec![("banner", long_banner.as_str())],
            file: None,
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: "at most 300 characters",
        },
        Case {
            what: "a control character",
            fields: vec![("banner", "ring\u{7}")],
            file: None,
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: "plain text",
        },
    ];
    for Case {
        what,
        fields,
        file,
        status,
        message,
    } in cases
    {
        admin.get("/admin/branding").await;
        let r = post_branding(&mut admin, &fields, file).await;
        assert_eq!(r.status, status, "{what}: {}", r.body);
        assert!(
            r.body.contains(message),
            "{what}: no \"{message}\" in {}",
            r.body
        );
        assert!(
            r.body.contains("id=\"form-error\""),
            "{what}: the form is shown again"
        );
        assert_eq!(
            app.store.branding().await.unwrap().as_ref(),
            Some(&saved),
            "{what}"
        );
        assert_eq!(app.browser().get("/").await.body, home, "{what}");
    }
    // What was typed comes back, escaped.
    admin.get("/admin/branding").await;
    let r = post_branding(
        &mut admin,
        &[("site_name", "<b>x</b>"), ("accent", "nope\"><script>")],
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("value=\"&#60;b&#62;x&#60;/b&#62;\""),
        "{}",
        r.body
    );
    assert!(!r.body.contains("<script>"));
}

#[tokio::test]
async fn names_and_banners_are_shown_as_text() {
    let app = app().await;
    let mut admin = admin_on_form(&app).await;
    let r = post_branding(
        &mut admin,
        &[
            ("site_name", "<i>Site</i> & co"),
            ("banner", "<script>alert(1)</script>\r\nnext line"),
        ],
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let body = app.browser().get("/").await.body;
    assert!(
        body.contains("&#60;i&#62;Site&#60;/i&#62; &#38; co"),
        "{body}"
    );
    assert!(
        body.contains("&#60;script&#62;alert(1)&#60;/script&#62; next line"),
        "{body}"
    );
    assert!(!body.contains("<script>"));
}

#[tokio::test]
async fn svg_logos_lose_scripts_handlers_foreign_objects_and_outside_references() {
    let app = app().await;
    let mut admin = admin_on_form(&app).await;
    let hostile = br##"<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
     viewBox="0 0 100 40" onload="alert('load')">
  <script>alert('script')</script>
  <script xlink:href="https://evil.example/x.js"/>
  <defs><linearGradient id="g"><stop offset="0" stop-color="#0645ad"/></linearGradient>
    <circle id="dot" cx="5" cy="5" r="4"/></defs>
  <rect width="100" height="40" fill="url(#g)" onclick="alert('click')"/>
  <rect width="10" height="10" fill="url(https://evil.example/paint.svg#p)"
        style="fill: url(https://evil.example/style.svg#s)"/>
  <a xlink:href="javascript:alert('link')"><text x="10" y="25">Kinozal</text></a>
  <a href="https://evil.example/phish"><text x="50" y="25">Go</text></a>
  <use xlink:href="javascript:alert('use')"/>
  <use href="https://evil.example/sprite.svg#icon"/>
  <use href="#dot"/>
  <image href="http://evil.example/tracker.png" width="1" height="1"/>
  <foreignObject width="100" height="40"><div xmlns="http://www.w3.org/1999/xhtml">hi</div></foreignObject>
  <animate attributeName="href" to="javascript:alert('animate')"/>
  <style>@import url(https://evil.example/x.css); rect { fill: url(https://evil.example/y.svg#z) }</style>
</svg>"##;
    let r = post_branding(
        &mut admin,
        &[],
        Some(File {
            name: "logo.svg",
            content_type: "image/svg+xml",
            bytes: hostile,
        }),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    let url = logo_url(&app.browser().get("/").await.body);
    assert!(url.ends_with(".svg"), "{url}");
    let served = app.browser().get(&url).await;
    assert_eq!(served.status, StatusCode::OK);
    assert_eq!(served.headers[header::CONTENT_TYPE], "image/svg+xml");
    assert_eq!(served.headers["x-content-type-options"], "nosniff");
    assert_eq!(
        served.headers[header::CONTENT_SECURITY_POLICY],
        "default-src 'none'; style-src 'unsafe-inline'"
    );

    let svg =
        roxmltree::Document::parse(&served.body).unwrap_or_else(|e| panic!("{e}: {}", served.body));
    assert!(svg.root_element().has_tag_name((SVG_NAMESPACE, "svg")));
    let lower = served.body.to_ascii_lowercase();
    for gone in ["<script", "foreignobject", "javascript", "alert", "@import"] {
        assert!(!lower.contains(gone), "{gone} survived:\n{}", served.body);
    }
    // The style sheet keeps no reference out: what is left of the
    // `@import` is inert text.
    let style = svg.descendants().find(|n| n.has_tag_name("style")).unwrap();
    assert!(
        style.text().unwrap().contains("fill: url(#)"),
        "{}",
        served.body
    );
    for node in svg.descendants().filter(|n| n.is_element()) {
        for attribute in node.attributes() {
            assert!(
                !attribute.value().contains("evil.example"),
                "{}",
                served.body
            );
            assert!(
                !attribute.name().to_ascii_lowercase().starts_with("on"),
                "{} kept on <{}>",
                attribute.name(),
                node.tag_name().name()
            );
            if attribute.name() == "href" {
                assert!(attribute.value().starts_with('#'), "{}", attribute.value());
            }
        }
    }
    // The drawing itself stays: shapes, the text, the local references.
    let uses: Vec<_> = svg
        .descendants()
        .filter(|n| n.has_tag_name("use"))
        .filter_map(|n| n.attribute("href"))
        .collect();
    assert_eq!(uses, ["#dot"]);
    assert!(
        svg.descendants()
            .any(|n| n.attribute("fill") == Some("url(#g)"))
    );
    assert!(svg.descendants().any(|n| n.text() == Some("Kinozal")));
    assert_eq!(
        svg.descendants().filter(|n| n.has_tag_name("rect")).count(),
        2
    );
}

#[tokio::test]
async fn a_save_by_another_process_shows_after_a_reload() {
    // Two portal processes on one database: each has its own cache.
    let app = app().await;
    let other = portal::branding::BrandingCache::new("testsite");
    assert!(
        !other.reload(&app.store).await.unwrap(),
        "nothing stored yet"
    );
    let mut admin = admin_on_form(&app).await;
    let r = post_branding(&mut admin, GOOD, None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(other.get().site_name, "testsite");
    assert!(other.reload(&app.store).await.unwrap());
    assert_eq!(other.get().site_name, "Кинозал");
    assert_eq!(other.get().banner, "Maintenance tonight at 22:00 UTC");
    assert!(!other.reload(&app.store).await.unwrap(), "unchanged since");
}
