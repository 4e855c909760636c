//! Every query of the store, run against both backends: each test below
//! is two tests, `<name>::sqlite` and `<name>::postgres`.

#[macro_use]
mod support;

use store::{Backend, MigrationReport, PolicyCount, Store};
use support::TestDb;
use tracker_proto::InfoHash;

fn hash(i: u32) -> InfoHash {
    let mut h = [0u8; 20];
    h[..4].copy_from_slice(&i.to_be_bytes());
    InfoHash(h)
}

fn count(country: &str, decision: &str, n: u64) -> PolicyCount {
    PolicyCount {
        scope: "tracker".into(),
        country: country.into(),
        rule: "r".into(),
        decision: decision.into(),
        count: n,
    }
}

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
        assert_eq!(descriptions, ["torrent stats", "policy counters"]);
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
