//! The release catalog's queries (categories, releases, files, comments),
//! run against both backends like `queries.rs`.

#[macro_use]
mod support;

use store::{
    NewCategory, NewRelease, ReleaseEdit, ReleaseFile, ReleaseQuery, ReleaseStatus, Role, Store,
    StoreError,
};
use support::TestDb;
use support::helpers::*;
use tracker_proto::InfoHash;

/// Every hash the tracker lists: each approved release's v1 hash and
/// truncated v2 hash.
async fn listed_hashes(store: &Store) -> Vec<InfoHash> {
    let releases = store.listed_releases().await.unwrap();
    releases.into_iter().flat_map(|r| r.hashes).collect()
}

/// The id of the category with this slug.
async fn category(store: &Store, slug: &str) -> i64 {
    store
        .categories()
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.slug == slug)
        .unwrap_or_else(|| panic!("no category {slug}"))
        .id
}

/// Stores a release `n` (v1 hash from `n`, no v2) with two files.
async fn add_release(
    store: &Store,
    n: u32,
    title: &str,
    category_id: i64,
    uploader_id: i64,
    status: ReleaseStatus,
    created_at: i64,
) -> Result<i64, StoreError> {
    let files = [
        ReleaseFile {
            path: "dir/a.txt".into(),
            length: 3,
        },
        ReleaseFile {
            path: "dir/b.txt".into(),
            length: 4,
        },
    ];
    let tags = ["linux".to_owned(), "iso".to_owned()];
    store
        .create_release(&NewRelease {
            info_hash_v1: Some(hash(n)),
            info_hash_v2: None,
            title,
            description_md: "*hello*",
            category_id,
            uploader_id,
            status,
            size: 7,
            private: false,
            torrent: format!("torrent {n}").as_bytes(),
            created_at,
            files: &files,
            tags: &tags,
        })
        .await
}

test_on_both_backends! {
    async fn the_default_category_tree_is_there_from_the_start(db: &TestDb) {
        let store = db.open().await;
        let categories = store.categories().await.unwrap();
        let top: Vec<&str> = categories
            .iter()
            .filter(|c| c.parent_id.is_none())
            .map(|c| c.name_en.as_str())
            .collect();
        assert_eq!(top, ["Movies", "TV", "Music", "Software", "Books", "Games", "Other"]);
        let movies = category(&store, "movies").await;
        let linux = categories.iter().find(|c| c.slug == "software-linux").unwrap();
        assert_eq!(linux.parent_id, Some(category(&store, "software").await));
        assert!(categories.iter().any(|c| c.parent_id == Some(movies)));
        assert!(categories.iter().all(|c| !c.name_ru.is_empty()));
        store.close().await;
    }

    async fn categories_are_created_renamed_and_deleted_unless_in_use(db: &TestDb) {
        let store = db.open().await;
        let other = category(&store, "other").await;
        let new = NewCategory {
            parent_id: Some(other),
            slug: "misc",
            name_en: "Misc",
            name_ru: "Прочее",
            position: 5,
        };
        let id = store.create_category(&new).await.unwrap();
        assert!(matches!(
            store.create_category(&new).await,
            Err(StoreError::Conflict("slug"))
        ));
        let orphan = NewCategory { parent_id: Some(999_999), slug: "orphan", ..new.clone() };
        assert!(matches!(
            store.create_category(&orphan).await,
            Err(StoreError::Missing(_))
        ));
        let renamed = NewCategory { name_en: "Miscellany", ..new.clone() };
        assert!(store.update_category(id, &renamed).await.unwrap());
        assert!(!store.update_category(999_999, &renamed).await.unwrap());
        // A parent with children is in use.
        assert!(matches!(
            store.delete_category(other).await,
            Err(StoreError::Conflict("category"))
        ));
        let user = add_user(&store, "upl", Role::Uploader, 1).await;
        let release = add_release(&store, 1, "t", id, user, ReleaseStatus::Approved, 1).await.unwrap();
        assert!(matches!(
            store.delete_category(id).await,
            Err(StoreError::Conflict("category"))
        ));
        assert!(store.delete_release(release).await.unwrap());
        assert!(store.delete_category(id).await.unwrap());
        assert!(!store.delete_category(id).await.unwrap());
        store.close().await;
    }

    async fn a_release_is_stored_with_its_exact_torrent_files_and_tags(db: &TestDb) {
        let store = db.open().await;
        let user = add_user(&store, "upl", Role::Uploader, 1).await;
        let linux = category(&store, "software-linux").await;
        let id = add_release(&store, 1, "Debian", linux, user, ReleaseStatus::Pending, 50)
            .await
            .unwrap();
        let release = store.release(id).await.unwrap().unwrap();
        assert_eq!(release.title, "Debian");
        assert_eq!(release.info_hash_v1, Some(hash(1)));
        assert_eq!(release.info_hash_v2, None);
        assert_eq!(release.uploader.as_deref(), Some("upl"));
        assert_eq!((release.status, release.size, release.private), (ReleaseStatus::Pending, 7, false));
        assert_eq!(release.created_at, 50);
        assert_eq!(store.release_torrent(id).await.unwrap().unwrap(), b"torrent 1");
        let files = store.release_files(id).await.unwrap();
        assert_eq!(files.iter().map(|f| f.path.as_str()).collect::<Vec<_>>(), ["dir/a.txt", "dir/b.txt"]);
        assert_eq!(store.release_tags(id).await.unwrap(), ["iso", "linux"]);
        assert_eq!(store.release_id_by_hash(Some(hash(1)), None).await.unwrap(), Some(id));
        assert_eq!(store.release(id + 1).await.unwrap(), None);
        store.close().await;
    }

    async fn a_duplicate_info_hash_is_a_conflict_and_leaves_nothing_behind(db: &TestDb) {
        let store = db.open().await;
        let user = add_user(&store, "upl", Role::Uploader, 1).await;
        let other = category(&store, "other").await;
        let first = add_release(&store, 1, "first", other, user, ReleaseStatus::Approved, 1)
            .await
            .unwrap();
        let err = add_release(&store, 1, "again", other, user, ReleaseStatus::Approved, 2)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Conflict("info_hash")), "{err}");
        // The same v2 hash under a different v1 hash is a duplicate too.
        let v2 = [9u8; 32];
        let hybrid = |v1: u32| NewRelease {
            info_hash_v1: Some(hash(v1)),
            info_hash_v2: Some(v2),
            title: "hybrid",
            description_md: "",
            category_id: other,
            uploader_id: user,
            status: ReleaseStatus::Approved,
            size: 1,
            private: true,
            torrent: b"x",
            created_at: 3,
            files: &[],
            tags: &[],
        };
        let id = store.create_release(&hybrid(2)).await.unwrap();
        assert!(store.release(id).await.unwrap().unwrap().private);
        assert!(matches!(
            store.create_release(&hybrid(3)).await,
            Err(StoreError::Conflict("info_hash"))
        ));
        assert_eq!(store.release_id_by_hash(None, Some(v2)).await.unwrap(), Some(id));
        let all = store
            .list_releases(&ReleaseQuery::default())
            .await
            .unwrap();
        assert_eq!(all.total, 2);
        assert_eq!(store.release_files(first).await.unwrap().len(), 2);
        store.close().await;
    }

    async fn listed_hashes_are_v1_and_truncated_v2_of_approved_releases(db: &TestDb) {
        let store = db.open().await;
        let user = add_user(&store, "upl", Role::Uploader, 1).await;
        let other = category(&store, "other").await;
        assert!(listed_hashes(&store).await.is_empty());
        let approved = add_release(&store, 1, "a", other, user, ReleaseStatus::Approved, 1)
            .await
            .unwrap();
        add_release(&store, 2, "p", other, user, ReleaseStatus::Pending, 2).await.unwrap();
        let v2 = [7u8; 32];
        store
            .create_release(&NewRelease {
                info_hash_v1: Some(hash(3)),
                info_hash_v2: Some(v2),
                title: "hybrid",
                description_md: "",
                category_id: other,
                uploader_id: user,
                status: ReleaseStatus::Approved,
                size: 1,
                private: false,
                torrent: b"x",
                created_at: 3,
                files: &[],
                tags: &[],
            })
            .await
            .unwrap();
        let mut hashes = listed_hashes(&store).await;
        hashes.sort();
        let mut expected = vec![hash(1), hash(3), InfoHash([7; 20])];
        expected.sort();
        assert_eq!(hashes, expected);

        store.set_release_status(approved, ReleaseStatus::Closed).await.unwrap();
        assert!(!listed_hashes(&store).await.contains(&hash(1)));
        store.close().await;
    }

    async fn a_release_in_an_unknown_category_is_refused_whole(db: &TestDb) {
        let store = db.open().await;
        let user = add_user(&store, "upl", Role::Uploader, 1).await;
        let err = add_release(&store, 1, "t", 999_999, user, ReleaseStatus::Approved, 1)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Missing(_)), "{err}");
        assert_eq!(store.release_id_by_hash(Some(hash(1)), None).await.unwrap(), None);
        store.close().await;
    }

    async fn listings_filter_by_status_category_and_title_newest_first(db: &TestDb) {
        let store = db.open().await;
        let user = add_user(&store, "upl", Role::Uploader, 1).await;
        let linux = category(&store, "software-linux").await;
        let books = category(&store, "books").await;
        let approved = ReleaseStatus::Approved;
        add_release(&store, 1, "Debian 13 netinst", linux, user, approved, 10).await.unwrap();
        add_release(&store, 2, "Fedora 50% off", linux, user, approved, 30).await.unwrap();
        add_release(&store, 3, "A book", books, user, approved, 20).await.unwrap();
        add_release(&store, 4, "Pending debian", linux, user, ReleaseStatus::Pending, 40)
            .await
            .unwrap();
        let titles = |page: store::ReleasePage| {
            page.releases.into_iter().map(|r| r.title).collect::<Vec<_>>()
        };
        let public = ReleaseQuery { status: Some(approved), ..ReleaseQuery::default() };
        assert_eq!(
            titles(store.list_releases(&public).await.unwrap()),
            ["Fedora 50% off", "A book", "Debian 13 netinst"]
        );
        let in_linux = ReleaseQuery { categories: &[linux], ..public.clone() };
        assert_eq!(
            titles(store.list_releases(&in_linux).await.unwrap()),
            ["Fedora 50% off", "Debian 13 netinst"]
        );
        let debian = ReleaseQuery { text: Some("DEBIAN"), ..public.clone() };
        assert_eq!(titles(store.list_releases(&debian).await.unwrap()), ["Debian 13 netinst"]);
        let second = ReleaseQuery { per_page: 2, page: 2, ..public.clone() };
        let page = store.list_releases(&second).await.unwrap();
        assert_eq!(page.total, 3);
        assert_eq!(titles(page), ["Debian 13 netinst"]);
        let queue = ReleaseQuery { status: Some(ReleaseStatus::Pending), ..ReleaseQuery::default() };
        assert_eq!(titles(store.list_releases(&queue).await.unwrap()), ["Pending debian"]);
        store.close().await;
    }

    async fn status_changes_and_deletion_reach_the_listing(db: &TestDb) {
        let store = db.open().await;
        let user = add_user(&store, "upl", Role::Member, 1).await;
        let other = category(&store, "other").await;
        let id = add_release(&store, 1, "t", other, user, ReleaseStatus::Pending, 1).await.unwrap();
        let public = ReleaseQuery { status: Some(ReleaseStatus::Approved), ..ReleaseQuery::default() };
        assert_eq!(store.list_releases(&public).await.unwrap().total, 0);
        assert!(store.set_release_status(id, ReleaseStatus::Approved).await.unwrap());
        assert_eq!(store.list_releases(&public).await.unwrap().total, 1);
        assert!(!store.set_release_status(id + 1, ReleaseStatus::Closed).await.unwrap());
        store.add_comment(id, user, "nice", 5).await.unwrap();
        assert!(store.delete_release(id).await.unwrap());
        assert!(!store.delete_release(id).await.unwrap());
        assert_eq!(store.release(id).await.unwrap(), None);
        assert!(store.release_files(id).await.unwrap().is_empty());
        assert!(store.comments(id, true).await.unwrap().is_empty());
        store.close().await;
    }

    async fn hidden_comments_are_kept_but_shown_only_when_asked(db: &TestDb) {
        let store = db.open().await;
        let user = add_user(&store, "bob", Role::Member, 1).await;
        let other = category(&store, "other").await;
        let id = add_release(&store, 1, "t", other, user, ReleaseStatus::Approved, 1).await.unwrap();
        let first = store.add_comment(id, user, "first", 10).await.unwrap();
        store.add_comment(id, user, "second", 20).await.unwrap();
        assert_eq!(store.set_comment_hidden(first, true).await.unwrap(), Some(id));
        assert_eq!(store.set_comment_hidden(first + 100, true).await.unwrap(), None);
        let visible = store.comments(id, false).await.unwrap();
        assert_eq!(visible.iter().map(|c| c.body.as_str()).collect::<Vec<_>>(), ["second"]);
        let all = store.comments(id, true).await.unwrap();
        assert_eq!(all.len(), 2);
        assert!(all[0].hidden && all[0].username.as_deref() == Some("bob"));
        assert!(matches!(
            store.add_comment(id + 100, user, "x", 1).await,
            Err(StoreError::Missing("release"))
        ));
        store.close().await;
    }

    async fn an_edit_replaces_title_description_category_and_tags_and_search_follows(db: &TestDb) {
        let store = db.open().await;
        let user = add_user(&store, "upl", Role::Member, 1).await;
        let linux = category(&store, "software-linux").await;
        let books = category(&store, "books").await;
        let id = add_release(&store, 1, "Debian netinst", linux, user, ReleaseStatus::Approved, 1)
            .await
            .unwrap();
        let tags = ["ёлка".to_owned(), "new".to_owned()];
        let edit = ReleaseEdit {
            title: "Книга Ubuntu",
            description_md: "Совсем *другое*",
            category_id: books,
            tags: &tags,
            only_in: &[],
            resubmit: false,
        };
        assert!(store.update_release(id, &edit).await.unwrap());
        let release = store.release(id).await.unwrap().unwrap();
        assert_eq!(
            (release.title.as_str(), release.description_md.as_str(), release.category_id),
            ("Книга Ubuntu", "Совсем *другое*", books)
        );
        assert_eq!(release.status, ReleaseStatus::Approved);
        assert_eq!(release.info_hash_v1, Some(hash(1)), "the torrent is not editable");
        assert_eq!(store.release_tags(id).await.unwrap(), ["new", "ёлка"]);
        assert_eq!(store.release_files(id).await.unwrap().len(), 2);
        let found = |text: &'static str| {
            let store = store.clone();
            async move {
                let query = ReleaseQuery { text: Some(text), ..ReleaseQuery::default() };
                store.list_releases(&query).await.unwrap().total
            }
        };
        assert_eq!(found("КНИГА").await, 1, "the new title");
        assert_eq!(found("другое").await, 1, "the new description");
        assert_eq!(found("txt").await, 1, "the file names are still indexed");
        assert_eq!(found("debian").await, 0, "the old title is gone");
        assert_eq!(found("hello").await, 0, "the old description is gone");
        assert!(!store.update_release(id + 1, &edit).await.unwrap());
        store.close().await;
    }

    async fn a_refused_edit_changes_nothing(db: &TestDb) {
        let store = db.open().await;
        let user = add_user(&store, "upl", Role::Member, 1).await;
        let linux = category(&store, "software-linux").await;
        let id = add_release(&store, 1, "Debian", linux, user, ReleaseStatus::Approved, 1)
            .await
            .unwrap();
        let tags = ["other".to_owned()];
        let edit = ReleaseEdit {
            title: "Changed",
            description_md: "changed",
            category_id: 999_999,
            tags: &tags,
            only_in: &[],
            resubmit: false,
        };
        let err = store.update_release(id, &edit).await.unwrap_err();
        assert!(matches!(err, StoreError::Missing("category")), "{err}");
        // An uploader's edit, allowed only before approval.
        let late = ReleaseEdit {
            category_id: linux,
            only_in: &[ReleaseStatus::Pending, ReleaseStatus::NeedsFix],
            ..edit.clone()
        };
        assert!(!store.update_release(id, &late).await.unwrap());
        let release = store.release(id).await.unwrap().unwrap();
        assert_eq!((release.title.as_str(), release.category_id), ("Debian", linux));
        assert_eq!(store.release_tags(id).await.unwrap(), ["iso", "linux"]);
        let debian = ReleaseQuery { text: Some("debian"), ..ReleaseQuery::default() };
        assert_eq!(store.list_releases(&debian).await.unwrap().total, 1);
        store.close().await;
    }

    async fn a_resubmitted_edit_returns_a_release_that_needs_fixing_to_the_queue(db: &TestDb) {
        let store = db.open().await;
        let user = add_user(&store, "upl", Role::Member, 1).await;
        let other = category(&store, "other").await;
        let id = add_release(&store, 1, "t", other, user, ReleaseStatus::NeedsFix, 1)
            .await
            .unwrap();
        let edit = ReleaseEdit {
            title: "fixed",
            description_md: "",
            category_id: other,
            tags: &[],
            only_in: &[ReleaseStatus::Pending, ReleaseStatus::NeedsFix],
            resubmit: true,
        };
        assert!(store.update_release(id, &edit).await.unwrap());
        let release = store.release(id).await.unwrap().unwrap();
        assert_eq!((release.title.as_str(), release.status), ("fixed", ReleaseStatus::Pending));
        assert!(store.release_tags(id).await.unwrap().is_empty());
        // Resubmitting moves only a release that needs fixing.
        store.set_release_status(id, ReleaseStatus::Closed).await.unwrap();
        let staff = ReleaseEdit { only_in: &[], ..edit.clone() };
        assert!(store.update_release(id, &staff).await.unwrap());
        assert_eq!(store.release(id).await.unwrap().unwrap().status, ReleaseStatus::Closed);
        store.close().await;
    }

    async fn a_members_releases_and_comments_are_listed_newest_first(db: &TestDb) {
        let store = db.open().await;
        let bob = add_user(&store, "bob", Role::Member, 1).await;
        let eve = add_user(&store, "eve", Role::Member, 2).await;
        let other = category(&store, "other").await;
        let a = add_release(&store, 1, "a", other, bob, ReleaseStatus::Pending, 10).await.unwrap();
        let b = add_release(&store, 2, "b", other, bob, ReleaseStatus::Approved, 20).await.unwrap();
        add_release(&store, 3, "c", other, eve, ReleaseStatus::Approved, 30).await.unwrap();
        let ids: Vec<i64> = store.releases_by(bob, 10).await.unwrap().iter().map(|r| r.id).collect();
        assert_eq!(ids, [b, a]);
        assert_eq!(store.releases_by(bob, 1).await.unwrap().len(), 1);
        let first = store.add_comment(a, bob, "one", 40).await.unwrap();
        store.add_comment(b, bob, "two", 50).await.unwrap();
        store.add_comment(b, eve, "not bob's", 60).await.unwrap();
        store.set_comment_hidden(first, true).await.unwrap();
        let comments = store.comments_by(bob, 10).await.unwrap();
        let shown: Vec<(&str, &str, bool)> = comments
            .iter()
            .map(|c| (c.body.as_str(), c.release_title.as_str(), c.hidden))
            .collect();
        assert_eq!(shown, [("two", "b", false), ("one", "a", true)]);
        store.close().await;
    }
}
