//! Saved searches and the passkey lookup feeds authenticate with, run
//! against both backends like `queries.rs`.

#[macro_use]
mod support;

use store::{
    AccountDeletion, MAX_SAVED_SEARCH_NAME_CHARS, MAX_SAVED_SEARCH_QUERY_BYTES,
    MAX_SAVED_SEARCHES_PER_USER, NewSavedSearch, Passkey, Role, SaveSearchError, StoreError,
};
use support::TestDb;
use support::helpers::*;

fn token(n: u32) -> String {
    format!("{n:032x}")
}

fn search<'a>(
    user_id: i64,
    name: &'a str,
    query: &'a str,
    feed_token: &'a str,
) -> NewSavedSearch<'a> {
    NewSavedSearch {
        user_id,
        name,
        query,
        feed_token,
        created_at: 50,
    }
}

test_on_both_backends! {
    async fn a_saved_search_is_found_by_its_owner_and_its_feed_token(db: &TestDb) {
        let store = db.open().await;
        let bob = add_user(&store, "bob", Role::Member, 1).await;
        let alice = add_user(&store, "alice", Role::Member, 2).await;
        let t1 = token(1);
        let id = store
            .save_search(&search(bob, "  Linux ISOs ", "q=linux&category=software", &t1))
            .await
            .unwrap();
        let saved = store.saved_searches(bob).await.unwrap();
        assert_eq!(saved.len(), 1);
        assert_eq!(saved[0].id, id);
        assert_eq!(saved[0].name, "Linux ISOs", "stored trimmed");
        assert_eq!(saved[0].query, "q=linux&category=software");
        assert_eq!(saved[0].created_at, 50);
        assert_eq!(store.saved_search_by_token(&t1).await.unwrap().as_ref(), Some(&saved[0]));
        assert_eq!(store.saved_search_by_token(&token(9)).await.unwrap(), None);
        assert!(store.saved_searches(alice).await.unwrap().is_empty());
        // Only the owner deletes it.
        assert!(!store.delete_saved_search(alice, id).await.unwrap());
        assert!(store.delete_saved_search(bob, id).await.unwrap());
        assert!(!store.delete_saved_search(bob, id).await.unwrap());
        assert_eq!(store.saved_search_by_token(&t1).await.unwrap(), None);
        store.close().await;
    }

    async fn bad_saved_searches_are_refused_and_change_nothing(db: &TestDb) {
        let store = db.open().await;
        let bob = add_user(&store, "bob", Role::Member, 1).await;
        let alice = add_user(&store, "alice", Role::Member, 2).await;
        store.save_search(&search(bob, "films", "q=a", &token(1))).await.unwrap();
        let long_name = "я".repeat(MAX_SAVED_SEARCH_NAME_CHARS + 1);
        let long_query = "q=".to_owned() + &"x".repeat(MAX_SAVED_SEARCH_QUERY_BYTES);
        for (attempt, expected) in [
            (search(bob, "films", "q=b", &token(2)), "name taken"),
            (search(bob, " ", "q=b", &token(3)), "empty name"),
            (search(bob, &long_name, "q=b", &token(4)), "long name"),
            // A NUL made PostgreSQL fail the insert (a 500 in the portal).
            (search(bob, "a\0b", "q=b", &token(8)), "control name"),
            (search(bob, "a\tb", "q=b", &token(9)), "control name"),
            (search(bob, "a\u{85}b", "q=b", &token(10)), "control name"),
            (search(bob, "other", &long_query, &token(5)), "long query"),
            (search(bob, "other", "q=b", &token(1)), "token taken"),
            (search(bob + alice + 100, "x", "q=b", &token(6)), "no account"),
        ] {
            let err = store.save_search(&attempt).await.unwrap_err();
            let ok = match expected {
                "name taken" => matches!(err, SaveSearchError::Store(StoreError::Conflict("name"))),
                "empty name" | "long name" | "control name" => {
                    matches!(err, SaveSearchError::Name)
                }
                "long query" => matches!(err, SaveSearchError::Query),
                "token taken" => {
                    matches!(err, SaveSearchError::Store(StoreError::Conflict("feed_token")))
                }
                _ => matches!(err, SaveSearchError::Store(StoreError::Missing("account"))),
            };
            assert!(ok, "{expected}: {err:?}");
        }
        assert_eq!(store.saved_searches(bob).await.unwrap().len(), 1);
        // Another member may use the same name.
        store.save_search(&search(alice, "films", "q=a", &token(7))).await.unwrap();
        store.close().await;
    }

    async fn a_disabled_members_saved_search_has_no_feed(db: &TestDb) {
        let store = db.open().await;
        let bob = add_user(&store, "bob", Role::Member, 1).await;
        let t1 = token(1);
        store.save_search(&search(bob, "films", "q=a", &t1)).await.unwrap();
        store.set_disabled(bob, true).await.unwrap();
        assert_eq!(store.saved_search_by_token(&t1).await.unwrap(), None);
        assert_eq!(store.saved_searches(bob).await.unwrap().len(), 1, "kept for the member");
        store.set_disabled(bob, false).await.unwrap();
        assert!(store.saved_search_by_token(&t1).await.unwrap().is_some());
        store.close().await;
    }

    async fn a_member_keeps_at_most_the_limit_of_saved_searches(db: &TestDb) {
        let store = db.open().await;
        let bob = add_user(&store, "bob", Role::Member, 1).await;
        let max = u32::try_from(MAX_SAVED_SEARCHES_PER_USER).unwrap();
        for n in 0..max {
            let name = format!("search {n}");
            store.save_search(&search(bob, &name, "q=x", &token(n))).await.unwrap();
        }
        let err = store
            .save_search(&search(bob, "one more", "q=x", &token(max)))
            .await
            .unwrap_err();
        assert!(matches!(err, SaveSearchError::TooMany), "{err:?}");
        assert_eq!(store.saved_searches(bob).await.unwrap().len(), usize::try_from(max).unwrap());
        let first = store.saved_searches(bob).await.unwrap()[0].id;
        assert!(store.delete_saved_search(bob, first).await.unwrap());
        store.save_search(&search(bob, "one more", "q=x", &token(max))).await.unwrap();
        store.close().await;
    }

    async fn saved_searches_are_exported_and_deleted_with_the_account(db: &TestDb) {
        let store = db.open().await;
        let _admin = add_user(&store, "root", Role::Admin, 9).await;
        let bob = add_user(&store, "bob", Role::Member, 1).await;
        store.save_search(&search(bob, "b", "q=b", &token(2))).await.unwrap();
        store.save_search(&search(bob, "a", "q=a", &token(1))).await.unwrap();
        let data = store.member_data(bob).await.unwrap().unwrap();
        let names: Vec<(&str, &str, &str)> = data
            .saved_searches
            .iter()
            .map(|s| (s.name.as_str(), s.query.as_str(), s.feed_token.as_str()))
            .collect();
        assert_eq!(names, [("b", "q=b", token(2).as_str()), ("a", "q=a", token(1).as_str())]);
        assert_eq!(store.delete_account(bob).await.unwrap(), AccountDeletion::Deleted);
        assert_eq!(store.saved_search_by_token(&token(1)).await.unwrap(), None);
        assert!(store.saved_searches(bob).await.unwrap().is_empty());
        store.close().await;
    }

    async fn a_passkey_names_its_account_even_when_disabled(db: &TestDb) {
        let store = db.open().await;
        let bob = add_user(&store, "bob", Role::Member, 1).await;
        let key = Passkey::from_bytes([1; 16]);
        let user = store.user_by_passkey(&key).await.unwrap().unwrap();
        assert_eq!((user.id, user.disabled), (bob, false));
        store.set_disabled(bob, true).await.unwrap();
        let user = store.user_by_passkey(&key).await.unwrap().unwrap();
        assert_eq!((user.id, user.disabled), (bob, true));
        assert_eq!(store.user_by_passkey(&Passkey::from_bytes([3; 16])).await.unwrap(), None);
        store.close().await;
    }
}
