//! Transfer accounting for private tracking: what the tracker credited
//! each member per release, their snatches, the per-member sums, and what
//! the tracker loads at start (members by passkey, listed releases).
//!
//! Credit arrives in batches ([`Store::add_transfers`]): one transaction
//! of multi-row upserts, so a batch is in the database entirely or not at
//! all, and a failed batch can be retried whole without counting twice.
//! Sums saturate at `i64::MAX` instead of overflowing, and rows for an
//! account or release deleted since the credit was earned are dropped
//! (the member's sums still count bytes on a deleted release).

use crate::catalog::corrupt;
use crate::{Backend, Pool, ReleaseStatus, Store, StoreError};
use std::collections::HashMap;
use std::fmt::Write as _;
use tracker_proto::InfoHash;

/// Rows per statement: 6 parameters each, far below both backends' limits.
const ROWS: usize = 500;

/// Credit for one member and release since the last batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TransferCredit {
    pub user_id: i64,
    pub release_id: i64,
    pub uploaded: u64,
    pub downloaded: u64,
    /// The member completed the release in this batch's interval.
    pub snatched: bool,
    /// The tracker let the member download the release (kept once set):
    /// what the minimum-ratio rule reads as a download to resume.
    pub leeched: bool,
}

/// A member's transfer sums.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TransferTotals {
    pub uploaded: u64,
    pub downloaded: u64,
    /// Releases completed.
    pub snatched: u64,
}

impl TransferTotals {
    /// Uploaded over downloaded; `None` before anything was downloaded
    /// (shown as "∞" or "—").
    pub fn ratio(&self) -> Option<f64> {
        (self.downloaded > 0).then(|| self.uploaded as f64 / self.downloaded as f64)
    }
}

/// A member's transfer on one release, with what callers need to show
/// only what the member may see: releases are not filtered here by
/// status, so a release closed since is still in the member's history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReleaseTransfer {
    pub release_id: i64,
    pub title: String,
    pub status: ReleaseStatus,
    /// `None` once the uploader's account is deleted.
    pub uploader_id: Option<i64>,
    pub uploaded: u64,
    pub downloaded: u64,
    pub snatched_at: Option<i64>,
}

/// A release's title and what decides who may see it, for lists that
/// name releases by id (a member's live seeding and leeching).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReleaseName {
    pub id: i64,
    pub title: String,
    pub status: ReleaseStatus,
    pub uploader_id: Option<i64>,
}

/// A member the tracker serves: an account that is not disabled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrackerMember {
    pub user_id: i64,
    /// 32 lowercase hex characters.
    pub passkey: String,
    pub totals: TransferTotals,
}

/// An approved release as the tracker lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListedRelease {
    pub id: i64,
    /// Its v1 hash and/or its v2 hash truncated to 20 bytes.
    pub hashes: Vec<InfoHash>,
    pub freeleech: bool,
}

fn as_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn as_u64(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// `credits` sorted by (member, release), duplicates merged. In key order
/// the upserts walk the primary key's B-tree from left to right, touching
/// each page once per batch: on SQLite a 200,000-row flush in random
/// order took 2.5-5 times as long (`examples/flush_bench.rs`). It is also
/// one lock order for concurrent writers, and PostgreSQL refuses a
/// statement that would update one row twice.
fn in_key_order(credits: &[TransferCredit]) -> Vec<TransferCredit> {
    let mut sorted = credits.to_vec();
    sorted.sort_unstable_by_key(|c| (c.user_id, c.release_id));
    sorted.dedup_by(|next, kept| {
        let same = (next.user_id, next.release_id) == (kept.user_id, kept.release_id);
        if same {
            kept.uploaded = kept.uploaded.saturating_add(next.uploaded);
            kept.downloaded = kept.downloaded.saturating_add(next.downloaded);
            kept.snatched |= next.snatched;
            kept.leeched |= next.leeched;
        }
        same
    });
    sorted
}

/// `column = column + excluded.column`, saturating at `i64::MAX`.
fn saturating_add(table: &str, column: &str) -> String {
    format!(
        "{column} = CASE WHEN {table}.{column} > 9223372036854775807 - excluded.{column} \
         THEN 9223372036854775807 ELSE {table}.{column} + excluded.{column} END"
    )
}

/// How parameters are written: `$1, $2, ...` for PostgreSQL, `?` for
/// SQLite. The shared SQL elsewhere uses `$N` on both, but sqlx asks
/// SQLite for every parameter's name when binding, and SQLite finds a
/// `$N` name by walking the statement's list of names: quadratic in a
/// 2,500-parameter batch, where it took 60 % of a flush's CPU.
/// Anonymous `?` parameters have no names to walk.
#[derive(Clone, Copy)]
enum Params {
    Numbered,
    Anonymous,
}

impl Params {
    fn of(backend: Backend) -> Self {
        match backend {
            Backend::Postgres => Params::Numbered,
            Backend::Sqlite => Params::Anonymous,
        }
    }
}

/// `WITH v (names) AS (VALUES (CAST($1 AS BIGINT), ...), ...)`: every
/// parameter cast, since PostgreSQL would read an untyped VALUES column
/// as text.
fn values(names: &[&str], rows: usize, params: Params) -> String {
    let mut sql = format!("WITH v ({}) AS (VALUES ", names.join(", "));
    for row in 0..rows {
        sql.push_str(if row == 0 { "(" } else { ", (" });
        for column in 0..names.len() {
            let n = row * names.len() + column + 1;
            let separator = if column == 0 { "" } else { ", " };
            let _ = match params {
                Params::Numbered => write!(sql, "{separator}CAST(${n} AS BIGINT)"),
                Params::Anonymous => write!(sql, "{separator}CAST(? AS BIGINT)"),
            };
        }
        sql.push(')');
    }
    sql.push_str(") ");
    sql
}

/// How a batch's rows are kept from naming an account or release deleted
/// since the credit was earned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Parents {
    /// Left to the foreign keys: a row that names a deleted one fails the
    /// statement, and the batch is then written again `Checked`. An upsert
    /// that updates a row checks no parent (its keys do not change), so a
    /// flush of sessions already on record reads only the rows it writes.
    /// Checking each row instead read the `users` row of every member
    /// credited: in the private benchmark's flushes (200,000 rows), the
    /// pages of a 100,000-member table, through the tracker's caches.
    Assumed,
    /// `WHERE EXISTS` on the account and the release, per row.
    Checked,
}

/// The `WHERE` of an `INSERT ... SELECT` with an upsert clause: SQLite
/// needs one, if only `WHERE true`, to tell the clause's `ON` from a
/// join's.
impl Parents {
    fn of_member(self) -> &'static str {
        match self {
            Parents::Assumed => "WHERE true ",
            Parents::Checked => "WHERE EXISTS (SELECT 1 FROM users u WHERE u.id = v.user_id) ",
        }
    }

    fn of_transfer(self) -> &'static str {
        match self {
            Parents::Assumed => "WHERE true ",
            Parents::Checked => {
                "WHERE EXISTS (SELECT 1 FROM users u WHERE u.id = v.user_id) \
                 AND EXISTS (SELECT 1 FROM releases r WHERE r.id = v.release_id) "
            }
        }
    }
}

fn upsert_transfers(rows: usize, params: Params, parents: Parents) -> String {
    let mut sql = values(
        &[
            "user_id",
            "release_id",
            "uploaded",
            "downloaded",
            "snatched_at",
            "leeched",
        ],
        rows,
        params,
    );
    // `leeched` arrives as 0 or 1 (every value is cast to BIGINT) and is
    // compared into the column's boolean (PostgreSQL) or 0/1 (SQLite).
    let _ = write!(
        sql,
        "INSERT INTO transfers (user_id, release_id, uploaded, downloaded, snatched_at, leeched) \
         SELECT v.user_id, v.release_id, v.uploaded, v.downloaded, v.snatched_at, v.leeched <> 0 \
         FROM v {}\
         ON CONFLICT (user_id, release_id) DO UPDATE SET {}, {}, \
         snatched_at = COALESCE(transfers.snatched_at, excluded.snatched_at), \
         leeched = transfers.leeched OR excluded.leeched",
        parents.of_transfer(),
        saturating_add("transfers", "uploaded"),
        saturating_add("transfers", "downloaded"),
    );
    sql
}

fn upsert_totals(rows: usize, params: Params, parents: Parents) -> String {
    let mut sql = values(&["user_id", "uploaded", "downloaded"], rows, params);
    let _ = write!(
        sql,
        "INSERT INTO transfer_totals (user_id, uploaded, downloaded) \
         SELECT v.user_id, v.uploaded, v.downloaded FROM v {}\
         ON CONFLICT (user_id) DO UPDATE SET {}, {}",
        parents.of_member(),
        saturating_add("transfer_totals", "uploaded"),
        saturating_add("transfer_totals", "downloaded"),
    );
    sql
}

const TRACKER_MEMBERS: &str = "SELECT u.id, u.passkey, COALESCE(t.uploaded, 0), COALESCE(t.downloaded, 0) \
     FROM users u LEFT JOIN transfer_totals t ON t.user_id = u.id \
     WHERE u.disabled = FALSE";

/// id, info_hash_v1, info_hash_v2, freeleech.
type ListedRow = (i64, Option<Vec<u8>>, Option<Vec<u8>>, bool);

const LISTED_RELEASES: &str =
    "SELECT id, info_hash_v1, info_hash_v2, freeleech FROM releases WHERE status = 'approved'";

const TOTALS: &str = "SELECT COALESCE((SELECT uploaded FROM transfer_totals WHERE user_id = $1), 0), \
     COALESCE((SELECT downloaded FROM transfer_totals WHERE user_id = $1), 0), \
     (SELECT COUNT(*) FROM transfers WHERE user_id = $1 AND snatched_at IS NOT NULL)";

const MEMBER_TRANSFERS: &str = "SELECT t.release_id, r.title, r.status, r.uploader_id, \
     t.uploaded, t.downloaded, t.snatched_at \
     FROM transfers t JOIN releases r ON r.id = t.release_id \
     WHERE t.user_id = $1 ORDER BY t.release_id DESC LIMIT $2";

/// release_id, title, status, uploader_id, uploaded, downloaded,
/// snatched_at.
type TransferRow = (i64, String, String, Option<i64>, i64, i64, Option<i64>);

/// `select` followed by `IN ($1, ..., $rows)`.
fn in_list(select: &str, rows: usize) -> String {
    let mut sql = format!("{select} IN (");
    for n in 1..=rows {
        let _ = write!(
            sql,
            "{}CAST(${n} AS BIGINT)",
            if n == 1 { "" } else { ", " }
        );
    }
    sql.push(')');
    sql
}

fn status(text: &str) -> Result<ReleaseStatus, StoreError> {
    ReleaseStatus::parse(text).ok_or_else(|| corrupt("releases", "status"))
}

const SET_FREELEECH: &str = "UPDATE releases SET freeleech = $2 WHERE id = $1";

impl Store {
    /// Adds a batch of credit in one transaction: per (member, release)
    /// rows and the members' sums. `now` (Unix seconds) stamps new
    /// snatches; a release snatched before keeps its first time.
    pub async fn add_transfers(
        &self,
        credits: &[TransferCredit],
        now: i64,
    ) -> Result<(), StoreError> {
        if credits.is_empty() {
            return Ok(());
        }
        let mut per_member: HashMap<i64, (u64, u64)> = HashMap::new();
        for c in credits {
            let sums = per_member.entry(c.user_id).or_default();
            sums.0 = sums.0.saturating_add(c.uploaded);
            sums.1 = sums.1.saturating_add(c.downloaded);
        }
        let mut sums: Vec<(i64, (u64, u64))> = per_member.into_iter().collect();
        // One lock order for concurrent writers (several nodes).
        sums.sort_unstable_by_key(|(id, _)| *id);
        let credits = in_key_order(credits);
        let params = Params::of(self.backend());
        on_backend!(self, |pool| {
            for parents in [Parents::Assumed, Parents::Checked] {
                let mut tx = pool.begin().await?;
                // A full chunk's statement is built once per attempt, not
                // once per chunk: 47 kB of text for the transfers (flush
                // bench, 200,000 rows: 1.01-1.07 µs per row, was 1.09-1.20).
                let (mut full_transfers, mut full_totals) = (None, None);
                let written: Result<(), sqlx::Error> = async {
                    for chunk in credits.chunks(ROWS) {
                        let tail;
                        let text = if chunk.len() == ROWS {
                            full_transfers
                                .get_or_insert_with(|| upsert_transfers(ROWS, params, parents))
                        } else {
                            tail = upsert_transfers(chunk.len(), params, parents);
                            &tail
                        };
                        let mut query = sqlx::query(text);
                        for c in chunk {
                            query = query
                                .bind(c.user_id)
                                .bind(c.release_id)
                                .bind(as_i64(c.uploaded))
                                .bind(as_i64(c.downloaded))
                                .bind(c.snatched.then_some(now))
                                .bind(i64::from(c.leeched));
                        }
                        query.execute(&mut *tx).await?;
                    }
                    for chunk in sums.chunks(ROWS) {
                        let tail;
                        let text = if chunk.len() == ROWS {
                            full_totals.get_or_insert_with(|| upsert_totals(ROWS, params, parents))
                        } else {
                            tail = upsert_totals(chunk.len(), params, parents);
                            &tail
                        };
                        let mut query = sqlx::query(text);
                        for (user_id, (uploaded, downloaded)) in chunk {
                            query = query
                                .bind(*user_id)
                                .bind(as_i64(*uploaded))
                                .bind(as_i64(*downloaded));
                        }
                        query.execute(&mut *tx).await?;
                    }
                    Ok(())
                }
                .await;
                match written {
                    // Dropping `tx` rolls the attempt back whole.
                    Err(sqlx::Error::Database(e))
                        if parents == Parents::Assumed
                            && e.kind() == sqlx::error::ErrorKind::ForeignKeyViolation => {}
                    written => {
                        written?;
                        tx.commit().await?;
                        return Ok(());
                    }
                }
            }
            unreachable!("the attempt with its parents checked returns whatever comes of it")
        })
    }

    /// A member's sums and snatch count (zeros for a member who never
    /// transferred anything).
    pub async fn transfer_totals(&self, user_id: i64) -> Result<TransferTotals, StoreError> {
        on_backend!(self, |pool| {
            let (up, down, snatched): (i64, i64, i64) =
                sqlx::query_as(TOTALS).bind(user_id).fetch_one(pool).await?;
            Ok(TransferTotals {
                uploaded: as_u64(up),
                downloaded: as_u64(down),
                snatched: as_u64(snatched),
            })
        })
    }

    /// A member's per-release transfers, newest release first, at most
    /// `limit`.
    pub async fn member_transfers(
        &self,
        user_id: i64,
        limit: u32,
    ) -> Result<Vec<ReleaseTransfer>, StoreError> {
        on_backend!(self, |pool| {
            let rows: Vec<TransferRow> = sqlx::query_as(MEMBER_TRANSFERS)
                .bind(user_id)
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await?;
            rows.into_iter()
                .map(
                    |(release_id, title, status_text, uploader_id, up, down, snatched_at)| {
                        Ok(ReleaseTransfer {
                            release_id,
                            title,
                            status: status(&status_text)?,
                            uploader_id,
                            uploaded: as_u64(up),
                            downloaded: as_u64(down),
                            snatched_at,
                        })
                    },
                )
                .collect()
        })
    }

    /// The titles of releases `ids`, in id order; ids of releases deleted
    /// meanwhile are left out.
    pub async fn release_names(&self, ids: &[i64]) -> Result<Vec<ReleaseName>, StoreError> {
        let mut names = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(ROWS) {
            let text = in_list(
                "SELECT id, title, status, uploader_id FROM releases WHERE id",
                chunk.len(),
            );
            let rows: Vec<(i64, String, String, Option<i64>)> = on_backend!(self, |pool| {
                let mut query = sqlx::query_as(&text);
                for id in chunk {
                    query = query.bind(*id);
                }
                query.fetch_all(pool).await?
            });
            for (id, title, status_text, uploader_id) in rows {
                names.push(ReleaseName {
                    id,
                    title,
                    status: status(&status_text)?,
                    uploader_id,
                });
            }
        }
        names.sort_unstable_by_key(|n| n.id);
        Ok(names)
    }

    /// The (member, release) pairs whose download the tracker let in
    /// (`leeched`), for members `user_ids`: what the minimum-ratio rule
    /// lets them resume.
    pub async fn leeched_releases(&self, user_ids: &[i64]) -> Result<Vec<(i64, i64)>, StoreError> {
        let mut pairs = Vec::new();
        for chunk in user_ids.chunks(ROWS) {
            let text = in_list(
                "SELECT user_id, release_id FROM transfers WHERE leeched AND user_id",
                chunk.len(),
            );
            let rows: Vec<(i64, i64)> = on_backend!(self, |pool| {
                let mut query = sqlx::query_as(&text);
                for id in chunk {
                    query = query.bind(*id);
                }
                query.fetch_all(pool).await?
            });
            pairs.extend(rows);
        }
        Ok(pairs)
    }

    /// Every account the tracker serves in mode `private`, with its sums
    /// (for the optional minimum-ratio rule).
    pub async fn tracker_members(&self) -> Result<Vec<TrackerMember>, StoreError> {
        on_backend!(self, |pool| {
            let rows: Vec<(i64, String, i64, i64)> =
                sqlx::query_as(TRACKER_MEMBERS).fetch_all(pool).await?;
            Ok(rows
                .into_iter()
                .map(|(user_id, passkey, up, down)| TrackerMember {
                    user_id,
                    passkey,
                    totals: TransferTotals {
                        uploaded: as_u64(up),
                        downloaded: as_u64(down),
                        snatched: 0,
                    },
                })
                .collect())
        })
    }

    /// Every approved release with the hashes the tracker lists it under:
    /// its v1 info-hash and the first 20 bytes of its v2 one (BEP 52: what
    /// clients announce a v2 swarm under), so a hybrid release gives both.
    pub async fn listed_releases(&self) -> Result<Vec<ListedRelease>, StoreError> {
        on_backend!(self, |pool| {
            let rows: Vec<ListedRow> = sqlx::query_as(LISTED_RELEASES).fetch_all(pool).await?;
            rows.into_iter()
                .map(|(id, v1, v2, freeleech)| {
                    let mut hashes = Vec::with_capacity(2);
                    if let Some(v1) = v1 {
                        let v1 = <[u8; 20]>::try_from(v1)
                            .map_err(|_| corrupt("releases", "info_hash_v1 is not 20 bytes"))?;
                        hashes.push(InfoHash(v1));
                    }
                    if let Some(v2) = v2 {
                        let v2 = <[u8; 32]>::try_from(v2)
                            .map_err(|_| corrupt("releases", "info_hash_v2 is not 32 bytes"))?;
                        let mut truncated = [0; 20];
                        truncated.copy_from_slice(&v2[..20]);
                        hashes.push(InfoHash(truncated));
                    }
                    Ok(ListedRelease {
                        id,
                        hashes,
                        freeleech,
                    })
                })
                .collect()
        })
    }

    /// Marks a release freeleech or not. Returns false if there is no such
    /// release.
    pub async fn set_freeleech(
        &self,
        release_id: i64,
        freeleech: bool,
    ) -> Result<bool, StoreError> {
        on_backend!(self, |pool| {
            let done = sqlx::query(SET_FREELEECH)
                .bind(release_id)
                .bind(freeleech)
                .execute(pool)
                .await?;
            Ok(done.rows_affected() > 0)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_is_cast_and_numbered_in_order() {
        let sql = values(&["a", "b"], 2, Params::Numbered);
        assert_eq!(
            sql,
            "WITH v (a, b) AS (VALUES (CAST($1 AS BIGINT), CAST($2 AS BIGINT)), \
             (CAST($3 AS BIGINT), CAST($4 AS BIGINT))) "
        );
        assert!(
            upsert_transfers(1, Params::Numbered, Parents::Assumed)
                .contains("ON CONFLICT (user_id, release_id)")
        );
        assert_eq!(
            values(&["a"], 2, Params::Anonymous),
            "WITH v (a) AS (VALUES (CAST(? AS BIGINT)), (CAST(? AS BIGINT))) "
        );
    }
}
