//! The connection pool's figures on both backends: each test below is two
//! tests, `<name>::sqlite` and `<name>::postgres`.

#[macro_use]
mod support;

use support::TestDb;

test_on_both_backends! {
    async fn pool_stats_count_open_and_idle_connections(db: &TestDb) {
        let store = db.open().await;
        let stats = store.pool_stats();
        assert_eq!(stats.backend, db.database().backend());
        assert!(stats.size >= 1, "migrating opened a connection: {stats:?}");
        assert!(stats.idle <= stats.size, "{stats:?}");
        assert!(stats.size <= stats.max, "{stats:?}");
        assert_eq!(stats.max, match stats.backend {
            store::Backend::Sqlite => 4,
            store::Backend::Postgres => 8,
        });
        store.close().await;
    }
}
