//! The connection pool's figures, for metrics: read from the pool's own
//! counters, no query and no connection taken.

use crate::{Backend, Pool, Store};

/// How the store's connection pool stands at one moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolStats {
    pub backend: Backend,
    /// Open connections, idle or in use.
    pub size: u32,
    /// Open connections waiting for a query.
    pub idle: u32,
    /// The most connections the pool opens.
    pub max: u32,
}

impl Store {
    /// The pool's figures now.
    pub fn pool_stats(&self) -> PoolStats {
        fn of<DB: sqlx::Database>(backend: Backend, pool: &sqlx::Pool<DB>) -> PoolStats {
            PoolStats {
                backend,
                size: pool.size(),
                idle: u32::try_from(pool.num_idle()).unwrap_or(u32::MAX),
                max: pool.options().get_max_connections(),
            }
        }
        match &self.pool {
            Pool::Sqlite(pool) => of(Backend::Sqlite, pool),
            Pool::Postgres(pool) => of(Backend::Postgres, pool),
        }
    }
}
