//! The connection pool's figures on both backends: each test below is two
//! tests, `<name>::sqlite` and `<name>::postgres`.

#[macro_use]
mod support;

use support::TestDb;

test_on_both_backends! {
    async fn pool_stats_count_open_and_idle_connections(db: &TestDb) {
        let store = db.open().await;
        // Nothing runs a query now, so once the migrations' connection is
        // back in the pool (returned by a task the pool spawns), every open
        // connection is idle.
        let mut stats = store.pool_stats();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while stats.idle != stats.size && std::time::Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            stats = store.pool_stats();
        }
        assert_eq!(stats.backend, db.database().backend());
        assert!(stats.size >= 1, "migrating opened a connection: {stats:?}");
        assert_eq!(stats.idle, stats.size, "{stats:?}");
        assert!(stats.size <= stats.max, "{stats:?}");
        assert_eq!(stats.max, match stats.backend {
            store::Backend::Sqlite => 4,
            store::Backend::Postgres => 8,
        });
        store.close().await;
    }
}
