//! The SQL of catalog listings (`search.rs`): the filter, the orders, a
//! page, a capped count, and the batch update of seeder counts.
//!
//! A page is found in one of two shapes:
//!
//! - **walk**: follow the index of the order (`status`, then the sort
//!   key; see the search migration) and keep the releases that pass the
//!   filter, words included (`r.id IN (matches)` on SQLite, `search @@`
//!   on PostgreSQL), until the page is full. Cheap when matches are
//!   dense, as for a browse or a common word; it reads the whole index
//!   when they are rare.
//! - **drive** (SQLite): read the full-text matches, look each release
//!   up by id (in the narrow `releases_filter` index, not the wide row),
//!   sort them by the order's key and fetch the page's rows last. Its
//!   cost grows with the number of matches, so it is used only once the
//!   capped count has shown that number to be small.
//!
//! SQLite's planner knows nothing of how many rows an FTS5 match returns,
//! so `search.rs` picks the shape from the count; PostgreSQL's planner
//! picks itself from its statistics when it plans with the actual words
//! (an unnamed statement, `postgres::PERSISTENT_LISTING`).

use std::fmt::Write as _;

/// One condition of a listing's `WHERE`, in the order its parameters
/// are bound: each binds one, `Categories(n)` binds n ids. `Text`, when
/// present, comes last.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Condition {
    Status,
    Categories(usize),
    MinSize,
    MaxSize,
    AddedSince,
    /// The dialect's full-text match of one expression.
    Text,
}

/// Newest first; the other orders break ties by id so pages never
/// overlap. Each matches an index led by `status` (see the search
/// migration); the name order is the dialect's (`BY_NAME`).
pub(crate) const BY_DATE: &str = "r.created_at DESC, r.id DESC";
pub(crate) const BY_SEEDERS: &str = "r.seeders DESC, r.id DESC";
pub(crate) const BY_SIZE: &str = "r.size DESC, r.id DESC";

/// A release's columns in the order `catalog::release_from_row` reads
/// them, from `releases r LEFT JOIN users u`.
const RELEASE_COLUMNS: &str = "r.id, r.info_hash_v1, r.info_hash_v2, r.title, r.description_md, \
     r.category_id, r.uploader_id, u.username, r.status, r.size, r.private, r.created_at, \
     r.freeleech";

/// A listing's conditions as SQL, placeholders numbered from 1 in
/// [`Condition`] order.
pub(crate) struct Filter {
    /// Every condition but the text match.
    fields: Vec<String>,
    /// The placeholder of the text match expression, if any.
    text: Option<usize>,
    /// Placeholders used; the statement's own follow.
    params: usize,
}

impl Filter {
    pub(crate) fn new(conditions: &[Condition]) -> Self {
        let mut fields = Vec::new();
        let mut text = None;
        let mut n = 0;
        let mut next = || {
            n += 1;
            n
        };
        for condition in conditions {
            match *condition {
                Condition::Status => fields.push(format!("r.status = ${}", next())),
                Condition::Categories(count) => {
                    let list: Vec<String> = (0..count).map(|_| format!("${}", next())).collect();
                    fields.push(format!("r.category_id IN ({})", list.join(", ")));
                }
                Condition::MinSize => fields.push(format!("r.size >= ${}", next())),
                Condition::MaxSize => fields.push(format!("r.size <= ${}", next())),
                Condition::AddedSince => fields.push(format!("r.created_at >= ${}", next())),
                Condition::Text => text = Some(next()),
            }
        }
        Self {
            fields,
            text,
            params: n,
        }
    }

    /// The placeholder after the filter's `k`-th own one (from 1).
    fn param(&self, k: usize) -> usize {
        self.params + k
    }

    /// ` WHERE ...` of the walk: every condition, the text as
    /// `text_match` has it; empty when there is none.
    fn walk_where(&self, text_match: fn(usize) -> String) -> String {
        let mut clauses = self.fields.clone();
        clauses.extend(self.text.map(text_match));
        if clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", clauses.join(" AND "))
        }
    }

    /// `FROM ... WHERE ...` of the drive: each match's release is found
    /// by id in `releases_filter` (the planner, knowing nothing of its
    /// width, would pick the row), then tested. The unary `+` keeps the
    /// conditions from becoming index seeks: an `IN` list would be one
    /// seek per value and match.
    fn drive_from(&self) -> String {
        let mut sql = String::from(
            "FROM release_search s CROSS JOIN releases r INDEXED BY releases_filter \
             ON r.id = s.rowid WHERE s.release_search MATCH ",
        );
        let _ = write!(sql, "${}", self.text.unwrap_or(0));
        for field in &self.fields {
            let _ = write!(sql, " AND +{field}");
        }
        sql
    }
}

/// A page in `order`, walking its index: the filter's parameters, then
/// `LIMIT` and `OFFSET`. `index` (SQLite's `INDEXED BY`) names the
/// order's index when the walk must take it: see `search.rs`.
pub(crate) fn walk_page(
    filter: &Filter,
    text_match: fn(usize) -> String,
    order: &str,
    index: Option<&str>,
) -> String {
    let indexed = index.map_or(String::new(), |name| format!(" INDEXED BY {name}"));
    format!(
        "SELECT {RELEASE_COLUMNS} FROM releases r{indexed} LEFT JOIN users u ON u.id = r.uploader_id\
         {} ORDER BY {order} LIMIT ${} OFFSET ${}",
        filter.walk_where(text_match),
        filter.param(1),
        filter.param(2),
    )
}

/// How many releases the filter matches, counting at most `LIMIT`: the
/// filter's parameters, then the limit.
pub(crate) fn walk_count(filter: &Filter, text_match: fn(usize) -> String) -> String {
    format!(
        "SELECT COUNT(*) FROM (SELECT 1 FROM releases r{} LIMIT ${}) t",
        filter.walk_where(text_match),
        filter.param(1),
    )
}

/// SQLite: a page of a text search in `order`, driven from the matches
/// (see the module docs); parameters as [`walk_page`]. Only the page's
/// ids are sorted with their keys; their rows are read at the end.
pub(crate) fn drive_page(filter: &Filter, order: &str) -> String {
    format!(
        "SELECT {RELEASE_COLUMNS} FROM (SELECT r.id AS id {} ORDER BY {order} LIMIT ${} OFFSET ${}) p \
         CROSS JOIN releases r ON r.id = p.id LEFT JOIN users u ON u.id = r.uploader_id \
         ORDER BY {order}",
        filter.drive_from(),
        filter.param(1),
        filter.param(2),
    )
}

/// SQLite: the capped count of a text search, driven from the matches;
/// parameters as [`walk_count`].
pub(crate) fn drive_count(filter: &Filter) -> String {
    format!(
        "SELECT COUNT(*) FROM (SELECT 1 {} LIMIT ${}) t",
        filter.drive_from(),
        filter.param(1),
    )
}

/// Sets `rows` releases' seeder counts ($1 id, $2 count, $3 id, ...) in
/// one statement, writing only the rows whose count changed, so an idle
/// refresh writes nothing. `UPDATE ... FROM` (SQLite 3.33+) and the
/// `columnN` names of a `VALUES` list are the same on both backends.
pub(crate) fn set_seeders(rows: usize) -> String {
    let mut sql = String::from("UPDATE releases SET seeders = v.column2 FROM (VALUES ");
    for row in 0..rows {
        let n = row * 2 + 1;
        let _ = write!(
            sql,
            "{}(CAST(${n} AS BIGINT), CAST(${} AS BIGINT))",
            if row == 0 { "" } else { ", " },
            n + 1
        );
    }
    sql.push_str(") AS v WHERE releases.id = v.column1 AND releases.seeders <> v.column2");
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Condition; 6] = [
        Condition::Status,
        Condition::Categories(2),
        Condition::MinSize,
        Condition::MaxSize,
        Condition::AddedSince,
        Condition::Text,
    ];

    fn text(n: usize) -> String {
        format!("MATCH(${n})")
    }

    #[test]
    fn a_walk_numbers_its_filters_then_limit_and_offset() {
        let sql = walk_page(&Filter::new(&ALL), text, BY_SIZE, None);
        assert!(
            sql.ends_with(
                "WHERE r.status = $1 AND r.category_id IN ($2, $3) \
                 AND r.size >= $4 AND r.size <= $5 AND r.created_at >= $6 AND MATCH($7) \
                 ORDER BY r.size DESC, r.id DESC LIMIT $8 OFFSET $9"
            ),
            "{sql}"
        );
        assert_eq!(
            walk_count(&Filter::new(&[]), text),
            "SELECT COUNT(*) FROM (SELECT 1 FROM releases r LIMIT $1) t"
        );
    }

    #[test]
    fn a_walk_may_name_its_index() {
        let sql = walk_page(
            &Filter::new(&[Condition::Status]),
            text,
            BY_DATE,
            Some("releases_listing"),
        );
        assert!(
            sql.contains("FROM releases r INDEXED BY releases_listing LEFT JOIN users u"),
            "{sql}"
        );
    }

    #[test]
    fn a_drive_starts_from_the_match_and_only_tests_the_release() {
        let filter = Filter::new(&[Condition::Status, Condition::Categories(2), Condition::Text]);
        assert_eq!(
            drive_count(&filter),
            "SELECT COUNT(*) FROM (SELECT 1 FROM release_search s CROSS JOIN releases r \
             INDEXED BY releases_filter ON r.id = s.rowid WHERE s.release_search MATCH $4 AND +r.status = $1 \
             AND +r.category_id IN ($2, $3) LIMIT $5) t"
        );
        let page = drive_page(&filter, BY_DATE);
        assert!(
            page.contains("AND +r.category_id IN ($2, $3) ORDER BY r.created_at DESC, r.id DESC LIMIT $5 OFFSET $6) p"),
            "{page}"
        );
    }

    #[test]
    fn seeders_rows_are_numbered_in_pairs() {
        assert_eq!(
            set_seeders(2),
            "UPDATE releases SET seeders = v.column2 FROM (VALUES \
             (CAST($1 AS BIGINT), CAST($2 AS BIGINT)), (CAST($3 AS BIGINT), CAST($4 AS BIGINT))) \
             AS v WHERE releases.id = v.column1 AND releases.seeders <> v.column2"
        );
    }
}
