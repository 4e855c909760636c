//! The Torznab API through the router in process, its answers read with
//! a real XML parser the way Prowlarr's Torznab parser reads them: the
//! caps field by field, every element and `torznab:attr` of a result,
//! the enclosure downloaded without a cookie, the error codes, paging,
//! category filters and that only approved releases ever appear.

mod feed_helpers;
mod release_helpers;
mod support;

use feed_helpers::*;
use release_helpers::*;
use std::collections::BTreeMap;
use support::App;

/// Releases of the tests below, oldest first.
struct Catalog {
    app: App,
    passkey: String,
    /// `(title, id)` of the approved releases, oldest first.
    approved: Vec<(String, i64)>,
    freeleech: i64,
}

const TITLES: [(&str, &str); 5] = [
    ("Ubuntu 24.04 Desktop", "software-linux"),
    ("Show.S01E02.1080p", "tv-series"),
    ("Show.S01E03.720p", "tv-series"),
    ("Film & <Friends> «Ёлки» \u{1}2020", "movies"),
    ("Концерт 2025 FLAC", "music-lossless"),
];

async fn catalog() -> Catalog {
    let app = feed_app().await;
    let mut uploader = logged_in(&app, "uploader").await;
    let mut approved = Vec::new();
    for (title, category) in TITLES {
        let id = add_release(&app, &mut uploader, title, category).await;
        if title.contains('\u{1}') {
            // Uploads turn control characters into spaces; an imported
            // title is stored as it came.
            let release = app.store.release(id).await.unwrap().unwrap();
            let edit = store::ReleaseEdit {
                title,
                description_md: "",
                category_id: release.category_id,
                tags: &[],
                only_in: &[],
                resubmit: false,
            };
            assert!(app.store.update_release(id, &edit).await.unwrap());
        }
        approved.push((title.to_owned(), id));
    }
    // Never listed: a member's upload waits for review, and a moderator
    // sends another back.
    let mut member = logged_in(&app, "member").await;
    add_release(&app, &mut member, "Pending Ubuntu upload", "software-linux").await;
    let mut moder = logged_in(&app, "moder").await;
    let fix = add_release(&app, &mut uploader, "Needs fix Ubuntu", "software-linux").await;
    let r = json_request(
        &mut moder,
        "POST",
        &format!("/api/v1/releases/{fix}/status"),
        r#"{"status":"needs_fix"}"#,
    )
    .await;
    assert!(r.status.is_success(), "{}", r.body);
    let freeleech = approved[1].1;
    make_freeleech(&mut moder, freeleech).await;
    let passkey = app.passkey_of("member").await.expose().to_owned();
    Catalog {
        app,
        passkey,
        approved,
        freeleech,
    }
}

impl Catalog {
    async fn api(&self, query: &str) -> support::Reply {
        fetch(
            &self.app,
            &format!("/torznab/api?{query}&apikey={}", self.passkey),
        )
        .await
    }

    async fn titles(&self, query: &str) -> Vec<String> {
        let r = self.api(query).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        titles(&r.body)
    }

    /// Approved titles, newest first, from `skip` on.
    fn newest(&self, skip: usize, take: usize) -> Vec<String> {
        self.approved
            .iter()
            .rev()
            .skip(skip)
            .take(take)
            .map(|(t, _)| t.clone())
            .collect()
    }
}

/// The title as the feed carries it: control characters dropped.
fn shown(title: &str) -> String {
    title.chars().filter(|c| !c.is_control()).collect()
}

#[tokio::test]
async fn caps_offer_the_limits_the_search_functions_and_both_kinds_of_category() {
    let app = feed_app().await;
    let r = fetch(&app, "/torznab/api?t=caps").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .contains("xml")
    );
    let doc = roxmltree::Document::parse(&r.body).unwrap();
    let caps = doc.root_element();
    assert_eq!(caps.tag_name().name(), "caps");
    assert_eq!(child(caps, "server").attribute("title"), Some("testsite"));
    let limits = child(caps, "limits");
    assert_eq!(
        (limits.attribute("max"), limits.attribute("default")),
        (Some("100"), Some("50"))
    );
    let searching = child(caps, "searching");
    for (function, available, params) in [
        ("search", "yes", "q"),
        ("tv-search", "yes", "q,season,ep"),
        ("movie-search", "yes", "q"),
        ("music-search", "no", "q"),
        ("book-search", "no", "q"),
    ] {
        let f = child(searching, function);
        assert_eq!(f.attribute("available"), Some(available), "{function}");
        assert_eq!(f.attribute("supportedParams"), Some(params), "{function}");
    }
    // Every category and sub-category, by number.
    let mut found: BTreeMap<i64, (String, Option<i64>)> = BTreeMap::new();
    for category in child(caps, "categories")
        .children()
        .filter(|n| n.is_element())
    {
        assert_eq!(category.tag_name().name(), "category");
        let id: i64 = category.attribute("id").unwrap().parse().unwrap();
        let name = category.attribute("name").unwrap().to_owned();
        assert!(found.insert(id, (name, None)).is_none(), "{id} twice");
        for sub in category.children().filter(|n| n.is_element()) {
            assert_eq!(sub.tag_name().name(), "subcat");
            let sub_id: i64 = sub.attribute("id").unwrap().parse().unwrap();
            let name = sub.attribute("name").unwrap().to_owned();
            assert!(
                found.insert(sub_id, (name, Some(id))).is_none(),
                "{sub_id} twice"
            );
        }
    }
    let name = |id: i64| found.get(&id).map(|(n, p)| (n.as_str(), *p));
    // Standard families the default tree maps into, with the
    // sub-categories it uses.
    assert_eq!(name(2000), Some(("Movies", None)));
    assert_eq!(name(2020), Some(("Movies/Other", Some(2000))));
    assert_eq!(name(5000), Some(("TV", None)));
    assert_eq!(name(5050), Some(("TV/Other", Some(5000))));
    assert_eq!(name(3000), Some(("Audio", None)));
    assert_eq!(name(3010), Some(("Audio/MP3", Some(3000))));
    assert_eq!(name(3030), Some(("Audio/Audiobook", Some(3000))));
    assert_eq!(name(3040), Some(("Audio/Lossless", Some(3000))));
    assert_eq!(name(4000), Some(("PC", None)));
    assert_eq!(name(4050), Some(("PC/Games", Some(4000))));
    assert_eq!(name(7000), Some(("Books", None)));
    assert_eq!(name(7020), Some(("Books/EBook", Some(7000))));
    assert_eq!(name(1000), Some(("Console", None)));
    assert_eq!(name(8000), Some(("Other", None)));
    assert_eq!(name(2040), None, "no HD category in the default tree");
    // The site's own tree from 100000 on, children under their top.
    let tree = app.store.categories().await.unwrap();
    let id_of = |slug: &str| 100_000 + tree.iter().find(|c| c.slug == slug).unwrap().id;
    assert_eq!(name(id_of("movies")), Some(("Movies", None)));
    assert_eq!(
        name(id_of("movies-documentary")),
        Some(("Movies/Documentaries", Some(id_of("movies"))))
    );
    assert_eq!(
        name(id_of("books-audio")),
        Some(("Books/Audiobooks", Some(id_of("books"))))
    );
    assert_eq!(
        found.keys().filter(|&&id| id >= 100_000).count(),
        tree.len()
    );

    // A key is optional for caps, but a wrong one is still refused.
    let r = fetch(
        &app,
        "/torznab/api?t=caps&apikey=0123456789abcdef0123456789abcdef",
    )
    .await;
    assert_error(&r, 100);
}

#[tokio::test]
async fn a_search_result_has_everything_prowlarr_reads() {
    let c = catalog().await;
    let r = c.api("t=search&q=").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("application/rss+xml")
    );
    assert_eq!(r.headers[header::CACHE_CONTROL], "private, no-store");
    let doc = roxmltree::Document::parse(&r.body).unwrap();
    assert_eq!(
        doc.root_element().lookup_namespace_uri(Some("torznab")),
        Some(TORZNAB)
    );
    let items = items(&doc);
    assert_eq!(items.len(), TITLES.len());
    let tree = c.app.store.categories().await.unwrap();
    let mut seen = Vec::new();
    for item in &items {
        let title = text(*item, "title").to_owned();
        let (_, id) = c
            .approved
            .iter()
            .find(|(t, _)| shown(t) == title)
            .unwrap_or_else(|| panic!("unexpected item {title}"));
        let release = c.app.store.release(*id).await.unwrap().unwrap();
        let page = format!("{SITE}/releases/{id}");
        assert_eq!(text(*item, "guid"), page);
        assert_eq!(text(*item, "link"), page);
        assert_eq!(text(*item, "comments"), format!("{page}#comments"));
        assert_eq!(
            parse_rfc822(text(*item, "pubDate")),
            Some(release.created_at),
            "{title}"
        );
        assert_eq!(text(*item, "size"), release.size.to_string());
        let enclosure = child(*item, "enclosure");
        assert_eq!(
            enclosure.attribute("type"),
            Some("application/x-bittorrent")
        );
        assert_eq!(
            enclosure.attribute("length"),
            Some(release.size.to_string().as_str())
        );
        let url = enclosure.attribute("url").unwrap();
        assert_eq!(
            url,
            format!("{SITE}/feeds/torrent/{id}?passkey={}", c.passkey)
        );

        let one = |name: &str| {
            let values = attr_values(*item, name);
            assert_eq!(values.len(), 1, "{name} of {title}: {values:?}");
            values[0].clone()
        };
        assert_eq!(one("size"), release.size.to_string());
        assert_eq!(
            (one("seeders"), one("leechers"), one("peers")),
            ("0".into(), "0".into(), "0".into())
        );
        let info_hash = one("infohash");
        assert_eq!(info_hash, release.info_hash_v1.unwrap().to_hex());
        assert!(info_hash.len() == 40 && info_hash.bytes().all(|b| b.is_ascii_hexdigit()));
        let magnet = one("magneturl");
        assert!(
            magnet.starts_with(&format!("magnet:?xt=urn:btih:{info_hash}")),
            "{magnet}"
        );
        assert!(
            magnet.contains(&c.passkey),
            "the member's announce URL: {magnet}"
        );
        let free = if *id == c.freeleech { "0" } else { "1" };
        assert_eq!(one("downloadvolumefactor"), free, "{title}");
        assert_eq!(one("uploadvolumefactor"), "1");
        // Categories: the standard number and the site's own.
        let site = 100_000 + release.category_id;
        let slug = &tree
            .iter()
            .find(|t| t.id == release.category_id)
            .unwrap()
            .slug;
        let standard = match slug.as_str() {
            "software-linux" => 4000,
            "tv-series" => 5000,
            "movies" => 2000,
            "music-lossless" => 3040,
            other => panic!("{other}"),
        };
        let expected = vec![standard.to_string(), site.to_string()];
        assert_eq!(attr_values(*item, "category"), expected, "{title}");
        let elements: Vec<&str> = item
            .children()
            .filter(|n| n.has_tag_name("category"))
            .map(|n| n.text().unwrap())
            .collect();
        assert_eq!(elements, expected);
        seen.push(title);
    }
    assert_eq!(
        seen,
        c.newest(0, 5).iter().map(|t| shown(t)).collect::<Vec<_>>()
    );
    assert!(
        r.body.contains("Film &amp; &lt;Friends&gt; «Ёлки» 2020"),
        "{}",
        r.body
    );

    // The enclosure downloads without a cookie, with the member's
    // passkey in the announce URL.
    let url = child(items[0], "enclosure").attribute("url").unwrap();
    let (status, bytes) = fetch_bytes(&c.app, path_of(url)).await;
    assert_eq!(status, StatusCode::OK);
    let torrent = Metainfo::parse(&bytes, &Limits::default()).unwrap();
    let announce = format!("http://tracker.test:6969/announce/{}", c.passkey);
    assert_eq!(torrent.announce(), Some(announce.as_str()));
    // An API token works as the key too.
    let token = api_token(&c.app, "member").await;
    let r = fetch(&c.app, &format!("/torznab/api?t=search&apikey={token}")).await;
    assert_eq!(titles(&r.body).len(), TITLES.len(), "{}", r.body);
}

/// A Torznab error as Sonarr and Radarr can read it: HTTP 200 (they
/// throw on any other status before reading the code), XML, the code.
fn assert_error(r: &support::Reply, code: u16) {
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .contains("xml")
    );
    let doc = roxmltree::Document::parse(&r.body).unwrap();
    let error = doc.root_element();
    assert_eq!(error.tag_name().name(), "error");
    assert_eq!(
        error.attribute("code"),
        Some(code.to_string().as_str()),
        "{}",
        r.body
    );
    assert!(!error.attribute("description").unwrap().is_empty());
}

#[tokio::test]
async fn bad_keys_functions_and_parameters_get_torznab_errors() {
    let c = catalog().await;
    let app = &c.app;
    let get = |q: String| async move { fetch(app, &format!("/torznab/api?{q}")).await };
    let missing = get("t=search&q=ubuntu".into()).await;
    // Torznab errors came with HTTP 4xx, which Sonarr and Radarr never read.
    assert_error(&missing, 200);
    assert!(
        missing.body.contains("description=\"Missing parameter\""),
        "{}",
        missing.body
    );
    for key in ["nonsense", &"0".repeat(32), &"f".repeat(64)] {
        assert_error(&get(format!("t=search&apikey={key}")).await, 100);
    }
    // A revoked token, then a disabled account's passkey.
    let token = api_token(app, "member").await;
    let r = bearer_request(app, &token, "DELETE", "/api/v1/auth/token", None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_error(&get(format!("t=search&apikey={token}")).await, 100);
    let other = app.passkey_of("other").await.expose().to_owned();
    let other_id = app
        .store
        .user_by_name(&store::Username::parse("other").unwrap())
        .await;
    app.store
        .set_disabled(other_id.unwrap().unwrap().id, true)
        .await
        .unwrap();
    assert_error(&get(format!("t=search&apikey={other}")).await, 101);
    assert_error(&get(format!("t=caps&apikey={other}")).await, 101);

    let key = &c.passkey;
    for (query, code) in [
        ("q=ubuntu".to_owned(), 200),
        ("t=".to_owned(), 200),
        ("t=fly".to_owned(), 202),
        ("t=music&q=x".to_owned(), 203),
        ("t=book".to_owned(), 203),
        ("t=search&limit=abc".to_owned(), 201),
        ("t=search&limit=-1".to_owned(), 201),
        ("t=search&offset=x".to_owned(), 201),
        ("t=search&cat=movies".to_owned(), 201),
        ("t=tvsearch&q=show&season=one".to_owned(), 201),
        ("t=tvsearch&q=show&season=1&ep=2x".to_owned(), 201),
        ("t=tvsearch&q=show&season=2024&ep=13/40".to_owned(), 201),
    ] {
        let r = get(format!("{query}&apikey={key}")).await;
        assert_error(&r, code);
    }
}

#[tokio::test]
async fn an_empty_query_lists_the_newest_approved_releases_and_pages_by_offset() {
    let c = catalog().await;
    for t in ["search", "tvsearch", "movie"] {
        assert_eq!(
            c.titles(&format!("t={t}")).await,
            shown_all(&c.newest(0, 5)),
            "{t}"
        );
    }
    assert_eq!(
        c.titles("t=search&limit=2").await,
        shown_all(&c.newest(0, 2))
    );
    assert_eq!(
        c.titles("t=search&limit=2&offset=2").await,
        shown_all(&c.newest(2, 2))
    );
    // A window across two of the store's pages.
    assert_eq!(
        c.titles("t=search&limit=3&offset=1").await,
        shown_all(&c.newest(1, 3))
    );
    assert_eq!(
        c.titles("t=search&limit=3&offset=4").await,
        shown_all(&c.newest(4, 3))
    );
    assert!(c.titles("t=search&offset=5").await.is_empty());
    assert!(c.titles("t=search&offset=99999999999999").await.is_empty());
    // 0 is the default; more than the most is the most.
    assert_eq!(c.titles("t=search&limit=0").await.len(), 5);
    assert_eq!(c.titles("t=search&limit=1000").await.len(), 5);
}

fn shown_all(titles: &[String]) -> Vec<String> {
    titles.iter().map(|t| shown(t)).collect()
}

#[tokio::test]
async fn only_approved_releases_ever_appear() {
    let c = catalog().await;
    // The pending and the sent-back uploads match these words exactly.
    for query in [
        "t=search&q=ubuntu",
        "t=search&q=pending",
        "t=search&q=needs+fix",
    ] {
        let titles = c.titles(query).await;
        assert!(
            titles
                .iter()
                .all(|t| !t.contains("Pending") && !t.contains("Needs")),
            "{titles:?}"
        );
    }
    assert_eq!(
        c.titles("t=search&q=ubuntu").await,
        ["Ubuntu 24.04 Desktop"]
    );
    // Staff's keys see no more than anyone's.
    let moder = c.app.passkey_of("moder").await.expose().to_owned();
    let r = fetch(
        &c.app,
        &format!("/torznab/api?t=search&q=ubuntu&apikey={moder}"),
    )
    .await;
    assert_eq!(titles(&r.body), ["Ubuntu 24.04 Desktop"]);
}

#[tokio::test]
async fn categories_filter_by_standard_and_site_numbers() {
    let c = catalog().await;
    let tree = c.app.store.categories().await.unwrap();
    let site = |slug: &str| 100_000 + tree.iter().find(|t| t.slug == slug).unwrap().id;
    let tv = vec![
        "Show.S01E03.720p".to_owned(),
        "Show.S01E02.1080p".to_owned(),
    ];
    assert_eq!(c.titles("t=search&cat=5000").await, tv);
    assert_eq!(
        c.titles(&format!("t=search&cat={}", site("tv"))).await,
        tv,
        "with sub-categories"
    );
    assert_eq!(
        c.titles(&format!("t=search&cat={}", site("tv-series")))
            .await,
        tv
    );
    assert_eq!(c.titles("t=search&cat=3040").await, ["Концерт 2025 FLAC"]);
    assert_eq!(
        c.titles("t=search&cat=3000").await,
        ["Концерт 2025 FLAC"],
        "the whole family"
    );
    assert_eq!(
        c.titles("t=search&cat=2000,4000").await,
        shown_all(&[
            "Film & <Friends> «Ёлки» \u{1}2020".into(),
            "Ubuntu 24.04 Desktop".into()
        ])
    );
    // A sub-category also finds the categories mapped to its family
    // alone: Sonarr's default 5030,5040 found nothing in `tv-series`.
    assert_eq!(c.titles("t=search&cat=5030,5040").await, tv);
    assert_eq!(
        c.titles("t=search&cat=2040").await,
        shown_all(&["Film & <Friends> «Ёлки» \u{1}2020".into()])
    );
    assert_eq!(c.titles("t=search&cat=3010").await, Vec::<String>::new());
    // Numbers none of the site's categories maps to select nothing.
    assert!(c.titles("t=search&cat=6000").await.is_empty());
    assert!(
        c.titles("t=search&cat=2041").await.is_empty(),
        "not standard"
    );
    assert!(c.titles("t=search&cat=199999").await.is_empty());
    assert_eq!(c.titles("t=movie&q=friends&cat=2000").await.len(), 1);
}

#[tokio::test]
async fn tv_searches_add_the_episode_to_the_words() {
    let c = catalog().await;
    assert_eq!(
        c.titles("t=tvsearch&q=show&season=1&ep=2").await,
        ["Show.S01E02.1080p"]
    );
    assert_eq!(
        c.titles("t=tvsearch&q=show&season=01&ep=03").await,
        ["Show.S01E03.720p"]
    );
    assert_eq!(c.titles("t=tvsearch&q=show&season=1").await.len(), 2);
    // Without `q` the episode alone is searched for (it listed the newest).
    assert_eq!(
        c.titles("t=tvsearch&season=1&ep=2").await,
        ["Show.S01E02.1080p"]
    );
    assert!(c.titles("t=tvsearch&q=show&season=2").await.is_empty());
    assert_eq!(
        c.titles("t=tvsearch&q=концерт&season=2025").await,
        ["Концерт 2025 FLAC"]
    );
    // Words only: a movie search and a plain search find by title.
    assert_eq!(c.titles("t=movie&q=ёлки").await.len(), 1);
    assert_eq!(c.titles("t=search&q=s01e02").await, ["Show.S01E02.1080p"]);
}
