//! Every query of the store, run against both backends: each test below
//! is two tests, `<name>::sqlite` and `<name>::postgres`.

#[macro_use]
mod support;

use store::{
    Backend, MigrationReport, NewUser, Passkey, PasswordHash, PolicyCount, RedeemError, Role,
    SecretHash, Store, StoreError, Username,
};
use support::TestDb;
use support::helpers::*;
use tracker_proto::InfoHash;

test_on_both_backends! {
    async fn the_store_reports_the_backend_it_was_opened_on(db: &TestDb) {
        let store = db.open().await;
        assert_eq!(store.backend(), db.database().backend());
        store.close().await;
    }

    async fn migrations_apply_once_and_then_report_nothing_to_do(db: &TestDb) {
        let store = Store::connect(db.database()).await.unwrap();
        let first = store.migrate().await.unwrap();
        let descriptions: Vec<&str> = first.applied.iter().map(|(_, d)| d.as_str()).collect();
        assert_eq!(
            descriptions,
            [
                "torrent stats",
                "policy counters",
                "accounts",
                "catalog",
                "search",
                "api tokens",
                "deleted accounts",
                "search indexes",
                "accounting",
                "saved searches",
                "branding",
                "transfers leeched",
            ]
        );
        assert_eq!(first.version, first.applied.last().unwrap().0);
        let second = store.migrate().await.unwrap();
        assert_eq!(
            second,
            MigrationReport {
                applied: vec![],
                version: first.version
            }
        );
        store.close().await;
    }

    async fn completed_counts_survive_reopening_the_database(db: &TestDb) {
        let (a, b) = (InfoHash([1; 20]), InfoHash([2; 20]));
        let store = db.open().await;
        store.save_completed(&[(a, 3), (b, 1)]).await.unwrap();
        store.save_completed(&[(a, 4)]).await.unwrap();
        store.close().await;

        let store = db.open().await;
        let mut counts = store.load_completed().await.unwrap();
        counts.sort();
        assert_eq!(counts, vec![(a, 4), (b, 1)]);
        store.close().await;
    }

    async fn an_older_count_never_overwrites_a_newer_one(db: &TestDb) {
        let store = db.open().await;
        let a = InfoHash([7; 20]);
        store.save_completed(&[(a, 10)]).await.unwrap();
        store.save_completed(&[(a, 2)]).await.unwrap();
        assert_eq!(store.load_completed().await.unwrap(), vec![(a, 10)]);
        store.close().await;
    }

    async fn saving_nothing_is_a_no_op(db: &TestDb) {
        let store = db.open().await;
        store.save_completed(&[]).await.unwrap();
        store.add_policy_counts(1, &[]).await.unwrap();
        assert!(store.load_completed().await.unwrap().is_empty());
        assert!(store.policy_counts_since(0).await.unwrap().is_empty());
        store.close().await;
    }

    async fn saving_more_rows_than_one_statement_holds_works(db: &TestDb) {
        let store = db.open().await;
        let counts: Vec<_> = (0..1_234u32).map(|i| (hash(i), u64::from(i) + 1)).collect();
        store.save_completed(&counts).await.unwrap();
        // Again, lower: every chunk's upsert keeps the stored maximum.
        let lower: Vec<_> = counts.iter().map(|&(h, _)| (h, 1)).collect();
        store.save_completed(&lower).await.unwrap();
        let mut loaded = store.load_completed().await.unwrap();
        loaded.sort();
        assert_eq!(loaded, counts);
        store.close().await;
    }

    async fn the_largest_count_round_trips(db: &TestDb) {
        let store = db.open().await;
        let a = InfoHash([0xff; 20]);
        store.save_completed(&[(a, i64::MAX as u64)]).await.unwrap();
        assert_eq!(store.load_completed().await.unwrap(), vec![(a, i64::MAX as u64)]);
        store.close().await;
    }

    async fn policy_counts_add_up_per_hour_and_sum_over_a_window(db: &TestDb) {
        let store = db.open().await;
        store.add_policy_counts(100, &[count("RU", "deny", 5)]).await.unwrap();
        store
            .add_policy_counts(100, &[count("RU", "deny", 2), count("DE", "allow", 1)])
            .await
            .unwrap();
        store.add_policy_counts(95, &[count("DE", "allow", 3)]).await.unwrap();
        store.add_policy_counts(90, &[count("RU", "deny", 1_000)]).await.unwrap();
        // The window includes its first hour (95) and excludes hour 90.
        let rows = store.policy_counts_since(95).await.unwrap();
        assert_eq!(rows, vec![count("RU", "deny", 7), count("DE", "allow", 4)]);
        store.close().await;
    }

    async fn policy_counts_with_equal_totals_sort_by_country_scope_and_rule_bytewise(db: &TestDb) {
        let store = db.open().await;
        let row = |scope: &str, country: &str, rule: &str| PolicyCount {
            scope: scope.into(),
            country: country.into(),
            rule: rule.into(),
            decision: "allow".into(),
            count: 1,
        };
        // Bytewise, "Zeta" sorts before "alpha"; a locale collation would
        // put it after, and the two backends would disagree.
        let expected = vec![
            row("portal", "DE", "Zeta"),
            row("portal", "DE", "alpha"),
            row("tracker", "DE", "alpha"),
            row("portal", "RU", "alpha"),
            row("portal", "unknown", "alpha"),
        ];
        let mut shuffled = expected.clone();
        shuffled.reverse();
        store.add_policy_counts(7, &shuffled).await.unwrap();
        assert_eq!(store.policy_counts_since(7).await.unwrap(), expected);
        store.close().await;
    }

    async fn adding_more_policy_rows_than_one_statement_holds_works(db: &TestDb) {
        let store = db.open().await;
        let rows: Vec<PolicyCount> = (0..1_234u32)
            .map(|i| PolicyCount {
                scope: format!("category:c{i}"),
                country: "RU".into(),
                rule: "r".into(),
                decision: "shadow".into(),
                count: 2,
            })
            .collect();
        store.add_policy_counts(50, &rows).await.unwrap();
        store.add_policy_counts(51, &rows).await.unwrap();
        let summed = store.policy_counts_since(50).await.unwrap();
        assert_eq!(summed.len(), 1_234);
        assert!(summed.iter().all(|r| r.count == 4), "{:?}", &summed[..3]);
        store.close().await;
    }

    async fn a_decision_the_schema_does_not_know_is_refused(db: &TestDb) {
        let store = db.open().await;
        let err = store
            .add_policy_counts(1, &[count("RU", "maybe", 1)])
            .await
            .unwrap_err();
        assert!(err.to_string().contains("database query failed"), "{err}");
        store.close().await;
    }
}

test_on_both_backends! {
    async fn an_account_is_found_by_its_name_in_any_case(db: &TestDb) {
        let store = db.open().await;
        let id = add_user(&store, "Alice", Role::Uploader, 1).await;
        let (user, hash) = store.user_credentials(&name("aLiCe")).await.unwrap().unwrap();
        assert_eq!(user.id, id);
        assert_eq!(user.username.as_str(), "Alice");
        assert_eq!(user.role, Role::Uploader);
        assert_eq!(user.passkey, Passkey::from_bytes([1; 16]));
        assert!(!user.disabled);
        assert_eq!(user.created_at, 1_000);
        assert_eq!(hash.0, "$argon2id$fake");
        assert!(store.user_by_name(&name("bob")).await.unwrap().is_none());
        assert_eq!(store.count_users().await.unwrap(), 1);
        store.close().await;
    }

    async fn a_username_taken_in_another_case_is_a_conflict(db: &TestDb) {
        let store = db.open().await;
        add_user(&store, "alice", Role::Member, 1).await;
        let err = store
            .create_user(&NewUser {
                username: &name("ALICE"),
                password_hash: &PasswordHash("x".into()),
                role: Role::Member,
                passkey: &Passkey::from_bytes([2; 16]),
                created_at: 1,
            })
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Conflict("username")), "{err:?}");
        store.close().await;
    }

    async fn a_passkey_taken_by_another_account_is_a_conflict(db: &TestDb) {
        let store = db.open().await;
        add_user(&store, "alice", Role::Member, 1).await;
        let bob = add_user(&store, "bob", Role::Member, 2).await;
        let bobs = Passkey::from_bytes([2; 16]);
        let err = store
            .replace_passkey(bob, &bobs, &Passkey::from_bytes([1; 16]))
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Conflict("passkey")), "{err:?}");
        assert!(store.replace_passkey(bob, &bobs, &Passkey::from_bytes([3; 16])).await.unwrap());
        let bob = store.user_by_name(&name("bob")).await.unwrap().unwrap();
        assert_eq!(bob.passkey, Passkey::from_bytes([3; 16]));
        store.close().await;
    }

    async fn a_passkey_is_replaced_only_while_it_is_still_the_one_read(db: &TestDb) {
        // Two rotations at once: both read passkey 3; the first to write
        // wins, and the second changes nothing.
        let store = db.open().await;
        let bob = add_user(&store, "bob", Role::Member, 3).await;
        let read = Passkey::from_bytes([3; 16]);
        let (first, second) = (Passkey::from_bytes([4; 16]), Passkey::from_bytes([5; 16]));
        assert!(store.replace_passkey(bob, &read, &first).await.unwrap());
        assert!(!store.replace_passkey(bob, &read, &second).await.unwrap());
        let stored = store.user_by_name(&name("bob")).await.unwrap().unwrap();
        assert_eq!(stored.passkey, first);
        assert!(!store.replace_passkey(999, &first, &second).await.unwrap(), "no such account");
        store.close().await;
    }

    async fn a_session_lasts_until_it_expires_or_is_deleted(db: &TestDb) {
        let store = db.open().await;
        let id = add_user(&store, "alice", Role::Member, 1).await;
        let (a, b) = (SecretHash([1; 32]), SecretHash([2; 32]));
        store.create_session(&a, id, 100, 200).await.unwrap();
        store.create_session(&b, id, 100, 300).await.unwrap();
        assert_eq!(store.session_user(&a, 199).await.unwrap().unwrap().id, id);
        assert!(store.session_user(&a, 200).await.unwrap().is_none(), "expired");
        assert!(store.session_user(&SecretHash([9; 32]), 0).await.unwrap().is_none());
        assert_eq!(store.delete_expired_sessions(250).await.unwrap(), 1);
        store.delete_session(&b).await.unwrap();
        assert!(store.session_user(&b, 100).await.unwrap().is_none(), "logged out");
        store.close().await;
    }

    async fn disabling_an_account_or_changing_its_password_ends_its_sessions(db: &TestDb) {
        let store = db.open().await;
        let id = add_user(&store, "alice", Role::Member, 1).await;
        let token = SecretHash([1; 32]);
        store.create_session(&token, id, 0, 1_000).await.unwrap();
        assert!(store.set_disabled(id, true).await.unwrap());
        assert!(store.session_user(&token, 1).await.unwrap().is_none());
        assert!(store.user_by_name(&name("alice")).await.unwrap().unwrap().disabled);
        assert!(store.set_disabled(id, false).await.unwrap());
        store.create_session(&token, id, 0, 1_000).await.unwrap();
        assert!(store.set_password(id, &PasswordHash("new".into())).await.unwrap());
        assert!(store.session_user(&token, 1).await.unwrap().is_none());
        assert!(store.set_role(id, Role::Admin).await.unwrap());
        assert_eq!(store.user_by_name(&name("alice")).await.unwrap().unwrap().role, Role::Admin);
        assert!(!store.set_role(9_999, Role::Admin).await.unwrap(), "no such account");
        store.close().await;
    }

    async fn an_invitation_signs_up_one_account_once_before_it_expires(db: &TestDb) {
        let store = db.open().await;
        let inviter = add_user(&store, "alice", Role::Uploader, 1).await;
        let code = SecretHash([7; 32]);
        store.create_invite(&code, inviter, 100, 500).await.unwrap();
        let new = |username: &str, seed: u8| (name(username), Passkey::from_bytes([seed; 16]));
        let (late, bob, carol) = (new("late", 2), new("bob", 3), new("carol", 4));
        // Expired at 500: refused, and the account is not created.
        let err = store.create_user_with_invite(&code, 500, &signup(&late)).await.unwrap_err();
        assert!(matches!(err, RedeemError::InvalidInvite), "{err:?}");
        assert!(store.user_by_name(&name("late")).await.unwrap().is_none());
        store.create_user_with_invite(&code, 499, &signup(&bob)).await.unwrap();
        let err = store.create_user_with_invite(&code, 499, &signup(&carol)).await.unwrap_err();
        assert!(matches!(err, RedeemError::InvalidInvite), "used twice: {err:?}");
        let unknown = store
            .create_user_with_invite(&SecretHash([8; 32]), 0, &signup(&carol))
            .await
            .unwrap_err();
        assert!(matches!(unknown, RedeemError::InvalidInvite), "{unknown:?}");
        let invites = store.invites_by(inviter).await.unwrap();
        assert_eq!(invites.len(), 1);
        assert_eq!(invites[0].used_by.as_ref().map(Username::as_str), Some("bob"));
        assert_eq!((invites[0].created_at, invites[0].expires_at), (100, 500));
        store.close().await;
    }

    async fn no_table_has_a_column_for_an_address(db: &TestDb) {
        let store = db.open().await;
        let columns = store.all_columns().await.unwrap();
        assert!(columns.contains(&"users.passkey".to_owned()), "{columns:?}");
        assert!(columns.len() > 10, "{columns:?}");
        for column in &columns {
            let (table, name) = column.split_once('.').unwrap();
            // Word by word: "description" is not an "ip".
            for word in name.split('_') {
                assert!(word != "ip" && word != "ips", "{column}");
                for stem in ["addr", "agent", "host"] {
                    assert!(!word.contains(stem), "{column}");
                }
            }
            // Countries are kept only as aggregate counters, never per member.
            assert!(table == "policy_counters" || !name.contains("country"), "{column}");
        }
        store.close().await;
    }
}

/// An invited sign-up of `username` with `passkey`.
fn signup<'a>((username, passkey): &'a (Username, Passkey)) -> NewUser<'a> {
    static HASH: std::sync::LazyLock<PasswordHash> =
        std::sync::LazyLock::new(|| PasswordHash("h".into()));
    NewUser {
        username,
        password_hash: &HASH,
        role: Role::Member,
        passkey,
        created_at: 200,
    }
}

#[tokio::test]
async fn an_unreachable_postgres_server_is_a_clear_error() {
    // Port 1 on loopback: nothing listens there, the refusal is immediate.
    let database = store::Database::from_config(
        std::path::Path::new("unused"),
        Some("postgres://sg:pw@127.0.0.1:1/sg"),
    )
    .unwrap();
    assert_eq!(database.backend(), Backend::Postgres);
    let err = Store::open(&database).await.unwrap_err().to_string();
    assert!(err.contains("cannot open the database"), "{err}");
}
