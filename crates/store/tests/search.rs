//! Browsing and full-text search, run against both backends like
//! `queries.rs`: case folding in Latin and Cyrillic, file names, filters,
//! orders, pages and hostile query strings.

// Shared with queries.rs, which uses all of it.
#[allow(dead_code)]
#[macro_use]
mod support;

use store::{
    NewRelease, NewUser, Passkey, PasswordHash, ReleaseFile, ReleasePage, ReleaseQuery,
    ReleaseSort, ReleaseStatus, Role, Store, TOTAL_CAP, Username,
};
use support::TestDb;
use tracker_proto::InfoHash;

async fn uploader(store: &Store) -> i64 {
    store
        .create_user(&NewUser {
            username: &Username::parse("upl").unwrap(),
            password_hash: &PasswordHash("$argon2id$fake".into()),
            role: Role::Uploader,
            passkey: &Passkey::from_bytes([1; 16]),
            created_at: 1,
        })
        .await
        .unwrap()
}

async fn category(store: &Store, slug: &str) -> i64 {
    store
        .categories()
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.slug == slug)
        .unwrap()
        .id
}

/// The test catalog's releases: title, description, file paths, slug,
/// size, created at, status.
struct Spec {
    title: &'static str,
    description: &'static str,
    files: &'static [&'static str],
    category: &'static str,
    size: u64,
    created_at: i64,
    status: ReleaseStatus,
}

const CATALOG: &[Spec] = &[
    Spec {
        title: "Ubuntu 24.04 Desktop",
        description: "The **LTS** release",
        files: &["ubuntu-24.04-desktop-amd64.iso"],
        category: "software-linux",
        size: 6_000,
        created_at: 100,
        status: ReleaseStatus::Approved,
    },
    Spec {
        title: "Фильм о море",
        description: "Документальный фильм, 2020",
        files: &["Фильм/море.mkv", "Фильм/subs.srt"],
        category: "movies-documentary",
        size: 2_000,
        created_at: 200,
        status: ReleaseStatus::Approved,
    },
    Spec {
        title: "Ёжик в тумане",
        description: "Мультфильм",
        files: &["ezhik.avi"],
        category: "movies-animation",
        size: 500,
        created_at: 300,
        status: ReleaseStatus::Approved,
    },
    Spec {
        title: "Audio book",
        description: "read aloud",
        files: &["Chapter_01_Introduction.mp3", "cover.jpg"],
        category: "books-audio",
        size: 9_000,
        created_at: 400,
        status: ReleaseStatus::Approved,
    },
    Spec {
        title: "ubuntu server pending",
        description: "",
        files: &["server.iso"],
        category: "software-linux",
        size: 1_000,
        created_at: 500,
        status: ReleaseStatus::Pending,
    },
];

/// Stores [`CATALOG`]; returns the ids in its order.
async fn fill(store: &Store) -> Vec<i64> {
    let user = uploader(store).await;
    let mut ids = Vec::new();
    for (n, spec) in CATALOG.iter().enumerate() {
        let files: Vec<ReleaseFile> = spec
            .files
            .iter()
            .map(|p| ReleaseFile {
                path: (*p).into(),
                length: spec.size / spec.files.len() as u64,
            })
            .collect();
        let mut hash = [0u8; 20];
        hash[0] = n as u8 + 1;
        let id = store
            .create_release(&NewRelease {
                info_hash_v1: Some(InfoHash(hash)),
                info_hash_v2: None,
                title: spec.title,
                description_md: spec.description,
                category_id: category(store, spec.category).await,
                uploader_id: user,
                status: spec.status,
                size: spec.size,
                private: false,
                torrent: b"x",
                created_at: spec.created_at,
                files: &files,
                tags: &[],
            })
            .await
            .unwrap();
        ids.push(id);
    }
    ids
}

fn titles(page: ReleasePage) -> Vec<String> {
    page.releases.into_iter().map(|r| r.title).collect()
}

async fn search(store: &Store, text: &str) -> Vec<String> {
    let query = ReleaseQuery {
        text: Some(text),
        status: Some(ReleaseStatus::Approved),
        ..ReleaseQuery::default()
    };
    titles(store.list_releases(&query).await.unwrap())
}

test_on_both_backends! {
    async fn search_folds_case_in_latin_and_cyrillic(db: &TestDb) {
        let store = db.open().await;
        fill(&store).await;
        assert_eq!(search(&store, "UBUNTU").await, ["Ubuntu 24.04 Desktop"]);
        assert_eq!(search(&store, "фильм").await, ["Фильм о море"]);
        assert_eq!(search(&store, "ФИЛЬМ МОРЕ").await, ["Фильм о море"]);
        assert_eq!(search(&store, "МОРЕ").await, ["Фильм о море"]);
        // ё and е are one letter to the index.
        assert_eq!(search(&store, "ежик").await, ["Ёжик в тумане"]);
        assert_eq!(search(&store, "ЁЖИК").await, ["Ёжик в тумане"]);
        store.close().await;
    }

    async fn search_finds_words_of_descriptions_and_file_names(db: &TestDb) {
        let store = db.open().await;
        fill(&store).await;
        assert_eq!(search(&store, "lts").await, ["Ubuntu 24.04 Desktop"]);
        assert_eq!(search(&store, "amd64").await, ["Ubuntu 24.04 Desktop"]);
        assert_eq!(search(&store, "introduction").await, ["Audio book"]);
        assert_eq!(search(&store, "subs srt").await, ["Фильм о море"]);
        assert_eq!(search(&store, "24.04").await, ["Ubuntu 24.04 Desktop"]);
        // Every word must match.
        assert!(search(&store, "ubuntu фильм").await.is_empty());
        store.close().await;
    }

    async fn the_last_word_of_a_search_matches_as_a_prefix(db: &TestDb) {
        let store = db.open().await;
        fill(&store).await;
        assert_eq!(search(&store, "документ").await, ["Фильм о море"]);
        assert_eq!(search(&store, "desk").await, ["Ubuntu 24.04 Desktop"]);
        // Only the last word, and only from three letters on.
        assert!(search(&store, "desk ubuntu").await.is_empty());
        assert!(search(&store, "de").await.is_empty());
        store.close().await;
    }

    async fn hostile_search_strings_are_words_not_syntax(db: &TestDb) {
        let store = db.open().await;
        fill(&store).await;
        for hostile in [
            "\"ubuntu",
            "ubuntu\"",
            "ubuntu*",
            "NEAR(ubuntu desktop)",
            "-ubuntu",
            "ubuntu -desktop",
            "(ubuntu",
            "ubuntu)",
            "ubuntu OR фильм",
            "ubuntu AND NOT x",
            "'ubuntu'",
            "ubuntu:*",
            "ubuntu & !desktop | x <-> y",
            "ubuntu\\",
            "ubuntu; DROP TABLE releases; --",
            "ubuntu\u{0}",
        ] {
            let found = search(&store, hostile).await;
            assert!(
                found.is_empty() || found == ["Ubuntu 24.04 Desktop"],
                "{hostile:?}: {found:?}"
            );
        }
        assert_eq!(search(&store, "ubuntu*").await, ["Ubuntu 24.04 Desktop"]);
        assert_eq!(search(&store, "-ubuntu").await, ["Ubuntu 24.04 Desktop"]);
        // NEAR and OR are plain words here, and no release has them.
        assert!(search(&store, "ubuntu OR фильм").await.is_empty());
        // Nothing but punctuation filters nothing.
        assert_eq!(search(&store, "\"*()-:").await.len(), 4);
        store.close().await;
    }

    async fn listings_filter_by_size_date_category_and_status(db: &TestDb) {
        let store = db.open().await;
        fill(&store).await;
        let public = ReleaseQuery { status: Some(ReleaseStatus::Approved), ..ReleaseQuery::default() };
        let sized = ReleaseQuery { min_size: Some(2_000), max_size: Some(6_000), ..public.clone() };
        assert_eq!(
            titles(store.list_releases(&sized).await.unwrap()),
            ["Фильм о море", "Ubuntu 24.04 Desktop"]
        );
        let recent = ReleaseQuery { added_since: Some(300), ..public.clone() };
        assert_eq!(
            titles(store.list_releases(&recent).await.unwrap()),
            ["Audio book", "Ёжик в тумане"]
        );
        let movies = [
            category(&store, "movies-documentary").await,
            category(&store, "movies-animation").await,
        ];
        let in_movies = ReleaseQuery { categories: &movies, text: Some("фильм"), ..public.clone() };
        // "Мультфильм" is another word: no match inside words.
        assert_eq!(titles(store.list_releases(&in_movies).await.unwrap()), ["Фильм о море"]);
        let pending = ReleaseQuery {
            status: Some(ReleaseStatus::Pending),
            text: Some("ubuntu"),
            ..ReleaseQuery::default()
        };
        assert_eq!(titles(store.list_releases(&pending).await.unwrap()), ["ubuntu server pending"]);
        let any = ReleaseQuery { text: Some("ubuntu"), ..ReleaseQuery::default() };
        assert_eq!(store.list_releases(&any).await.unwrap().total, 2);
        store.close().await;
    }

    async fn listings_sort_by_date_seeders_size_and_name(db: &TestDb) {
        let store = db.open().await;
        let ids = fill(&store).await;
        let sorted = |sort| ReleaseQuery {
            status: Some(ReleaseStatus::Approved),
            sort,
            ..ReleaseQuery::default()
        };
        assert_eq!(
            titles(store.list_releases(&sorted(ReleaseSort::Date)).await.unwrap()),
            ["Audio book", "Ёжик в тумане", "Фильм о море", "Ubuntu 24.04 Desktop"]
        );
        assert_eq!(
            titles(store.list_releases(&sorted(ReleaseSort::Size)).await.unwrap()),
            ["Audio book", "Ubuntu 24.04 Desktop", "Фильм о море", "Ёжик в тумане"]
        );
        let by_name = titles(store.list_releases(&sorted(ReleaseSort::Name)).await.unwrap());
        assert_eq!(by_name[..2], ["Audio book", "Ubuntu 24.04 Desktop"]);

        let hashes = store.approved_release_hashes().await.unwrap();
        assert_eq!(hashes.len(), 4);
        assert!(hashes.iter().all(|h| ids.contains(&h.id) && h.v1.is_some() && h.v2.is_none()));
        assert_eq!(store.set_seeders(&[(ids[2], 7), (ids[0], 3), (999_999, 1)]).await.unwrap(), 2);
        // An unchanged count is not written again.
        assert_eq!(store.set_seeders(&[(ids[2], 7)]).await.unwrap(), 0);
        assert_eq!(
            titles(store.list_releases(&sorted(ReleaseSort::Seeders)).await.unwrap()),
            ["Ёжик в тумане", "Ubuntu 24.04 Desktop", "Audio book", "Фильм о море"]
        );
        store.close().await;
    }

    async fn search_results_page_with_a_stable_total(db: &TestDb) {
        let store = db.open().await;
        let user = uploader(&store).await;
        let other = category(&store, "other").await;
        for n in 0..7u8 {
            let mut hash = [0u8; 20];
            hash[0] = n + 1;
            let title = format!("Сборник {n}");
            store
                .create_release(&NewRelease {
                    info_hash_v1: Some(InfoHash(hash)),
                    info_hash_v2: None,
                    title: &title,
                    description_md: "",
                    category_id: other,
                    uploader_id: user,
                    status: ReleaseStatus::Approved,
                    size: 1,
                    private: false,
                    torrent: b"x",
                    created_at: i64::from(n),
                    files: &[],
                    tags: &[],
                })
                .await
                .unwrap();
        }
        let mut seen = Vec::new();
        for page in 1..=3 {
            let query = ReleaseQuery { text: Some("СБОРНИК"), page, per_page: 3, ..ReleaseQuery::default() };
            let found = store.list_releases(&query).await.unwrap();
            assert_eq!(found.total, 7);
            seen.extend(titles(found));
        }
        let expected: Vec<String> = (0..7).rev().map(|n| format!("Сборник {n}")).collect();
        assert_eq!(seen, expected);
        let past = ReleaseQuery { text: Some("сборник"), page: 9, per_page: 3, ..ReleaseQuery::default() };
        let found = store.list_releases(&past).await.unwrap();
        assert_eq!((found.total, found.releases.len()), (7, 0));
        store.close().await;
    }

    async fn a_deleted_release_leaves_the_search_index(db: &TestDb) {
        let store = db.open().await;
        let ids = fill(&store).await;
        assert!(store.delete_release(ids[0]).await.unwrap());
        let any = ReleaseQuery { text: Some("ubuntu"), ..ReleaseQuery::default() };
        assert_eq!(titles(store.list_releases(&any).await.unwrap()), ["ubuntu server pending"]);
        store.close().await;
    }
}

/// `n` approved releases in category `other`, created at 0, 1, ...;
/// titled "Сборник N", and the last one also "редкий".
async fn import_many(store: &Store, n: usize) {
    let user = uploader(store).await;
    let other = category(store, "other").await;
    let titles: Vec<String> = (0..n)
        .map(|i| {
            if i == n - 1 {
                format!("Сборник {i} редкий")
            } else {
                format!("Сборник {i}")
            }
        })
        .collect();
    let releases: Vec<NewRelease<'_>> = titles
        .iter()
        .enumerate()
        .map(|(i, title)| {
            let mut hash = [0u8; 20];
            hash[..8].copy_from_slice(&(i as u64 + 1).to_be_bytes());
            NewRelease {
                info_hash_v1: Some(InfoHash(hash)),
                info_hash_v2: None,
                title,
                description_md: "",
                category_id: other,
                uploader_id: user,
                status: ReleaseStatus::Approved,
                size: i as u64,
                private: false,
                torrent: b"x",
                created_at: i as i64,
                files: &[],
                tags: &[],
            }
        })
        .collect();
    let ids = store.import_releases(&releases).await.unwrap();
    assert_eq!(ids.len(), n);
}

test_on_both_backends! {
    async fn counting_stops_at_the_cap_and_still_tells_a_next_page(db: &TestDb) {
        let store = db.open().await;
        let n = TOTAL_CAP as usize + 1;
        import_many(&store, n).await;
        let all = |text, page| ReleaseQuery {
            text,
            page,
            status: Some(ReleaseStatus::Approved),
            ..ReleaseQuery::default()
        };
        // A browse and a word every release has: at least the cap.
        for text in [None, Some("сборник"), Some("СБОР")] {
            let first = store.list_releases(&all(text, 1)).await.unwrap();
            assert_eq!((first.total, first.total_exact), (TOTAL_CAP, false), "{text:?}");
            assert_eq!(first.releases.len(), 50);
            assert_eq!(first.releases[0].title, format!("Сборник {} редкий", n - 1));
            // The last full page: the count goes one past it, so the
            // next page is known to exist.
            let last_full = store.list_releases(&all(text, 200)).await.unwrap();
            assert_eq!((last_full.total, last_full.total_exact), (TOTAL_CAP + 1, false));
            assert_eq!(last_full.releases.last().unwrap().title, "Сборник 1");
            let tail = store.list_releases(&all(text, 201)).await.unwrap();
            assert_eq!((tail.total, tail.total_exact), (TOTAL_CAP + 1, true));
            assert_eq!(titles(tail), ["Сборник 0"]);
        }
        // Few matches: exact, in every order.
        for sort in ReleaseSort::ALL {
            let rare = ReleaseQuery { sort, ..all(Some("редкий"), 1) };
            let found = store.list_releases(&rare).await.unwrap();
            assert_eq!((found.total, found.total_exact), (1, true));
            assert_eq!(titles(found), [format!("Сборник {} редкий", n - 1)]);
        }
        // A filter narrows the count below the cap: exact again.
        let small = ReleaseQuery { max_size: Some(99), sort: ReleaseSort::Size, ..all(Some("сборник"), 1) };
        let found = store.list_releases(&small).await.unwrap();
        assert_eq!((found.total, found.total_exact), (100, true));
        assert_eq!(found.releases[0].title, "Сборник 99");
        store.close().await;
    }

    async fn seeders_are_written_in_batches_and_only_when_changed(db: &TestDb) {
        let store = db.open().await;
        import_many(&store, 1_200).await;
        let hashes = store.approved_release_hashes().await.unwrap();
        let counts: Vec<(i64, u64)> = hashes.iter().map(|h| (h.id, (h.id % 7) as u64)).collect();
        // Ids divisible by 7 keep their 0.
        let expected = counts.iter().filter(|(_, s)| *s != 0).count() as u64;
        assert_eq!(store.set_seeders(&counts).await.unwrap(), expected);
        assert_eq!(store.set_seeders(&counts).await.unwrap(), 0);
        let top = ReleaseQuery {
            status: Some(ReleaseStatus::Approved),
            sort: ReleaseSort::Seeders,
            per_page: 1,
            ..ReleaseQuery::default()
        };
        let first = store.list_releases(&top).await.unwrap().releases.remove(0);
        assert_eq!(first.id % 7, 6);
        store.close().await;
    }
}
