//! Requests per hour and country, summed from the access policy's
//! aggregate counters (`policy_counters`) for the portal's traffic chart.
//!
//! The counters' primary key starts with the hour, so a week's window is
//! one index range; the sum runs over rules and decisions (and scopes,
//! unless one is asked for). Countries only, never anything finer.

use crate::{Pool, Store, StoreError};
use sqlx::Row as _;

/// Requests counted in one hour from one country.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HourlyCount {
    /// Hours since the Unix epoch.
    pub hour: i64,
    /// ISO 3166-1 alpha-2, or `unknown`.
    pub country: String,
    pub count: u64,
}

/// `$3` NULL sums every scope. The cast names the parameter's type for
/// PostgreSQL, which cannot infer it from `IS NULL` alone; `SUM` of a
/// `BIGINT` is `NUMERIC` there, hence the second cast.
const HOURLY_COUNTRY_COUNTS: &str = "SELECT hour, country, CAST(SUM(count) AS BIGINT) \
     FROM policy_counters \
     WHERE hour >= $1 AND hour < $2 AND (CAST($3 AS TEXT) IS NULL OR scope = $3) \
     GROUP BY hour, country ORDER BY hour, country";

impl Store {
    /// Requests per hour and country for the hours in `from_hour..to_hour`,
    /// in scope `scope` or in all of them; ordered by hour, then country.
    /// Hours without requests have no rows.
    pub async fn hourly_country_counts(
        &self,
        from_hour: i64,
        to_hour: i64,
        scope: Option<&str>,
    ) -> Result<Vec<HourlyCount>, StoreError> {
        on_backend!(self, |pool| {
            let rows = sqlx::query(HOURLY_COUNTRY_COUNTS)
                .bind(from_hour)
                .bind(to_hour)
                .bind(scope)
                .fetch_all(pool)
                .await?;
            rows.iter()
                .map(|row| {
                    let count: i64 = row.try_get(2)?;
                    Ok(HourlyCount {
                        hour: row.try_get(0)?,
                        country: row.try_get(1)?,
                        count: u64::try_from(count).unwrap_or(0),
                    })
                })
                .collect()
        })
    }
}
