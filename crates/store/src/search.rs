//! Browsing and searching the catalog: [`ReleaseQuery`] in, one page of
//! releases and the total out.
//!
//! # Full-text search
//!
//! Every release has one search document: its title, description and
//! file paths, cut into words (runs of letters and digits, so
//! `Ubuntu.24.04-desktop.iso` is `ubuntu 24 04 desktop iso`), lowercased
//! in every script and with `ё` folded to `е`. The document is written in
//! the release's own transaction ([`Store::create_release`]) and leaves
//! with it (a trigger on SQLite, the row itself on PostgreSQL):
//!
//! - SQLite: an FTS5 table, `unicode61 remove_diacritics 2`, which also
//!   folds accents (`café` finds `cafe`);
//! - PostgreSQL: a `tsvector` column of the `simple` configuration with a
//!   GIN index. Because the application folds case itself, the result
//!   does not depend on the database's locale. Accents are not folded
//!   (that would need the `unaccent` extension).
//!
//! A query is cut into words the same way ([`Terms`]); a release matches
//! when its document has every word, the last one as a prefix when it is
//! [`MIN_PREFIX_CHARS`] long or longer (so `фил` finds `фильмы` while
//! `a` does not expand to half the dictionary). Only words reach the
//! database, each quoted, so no input can be an operator or break the
//! query's syntax. A query without a word filters nothing.
//!
//! # Orders
//!
//! [`ReleaseSort`]: newest first, most seeders first, largest first, or
//! by title. Seeders live in the tracker's memory; the listing sorts by
//! the `seeders` column, a per-release count the binary refreshes from
//! the swarm periodically ([`Store::set_seeders`]). Nothing per peer is
//! stored. Pages show live counts, so a row's number may differ slightly
//! from the order it was sorted in until the next refresh.
//!
//! # Totals and plans
//!
//! Counting every match of a common word costs more than finding its
//! page, so the count stops at [`TOTAL_CAP`] (or one past the end of a
//! deeper page) and [`ReleasePage::total_exact`] says whether it did.
//! The count runs first and chooses the page's plan (`search_sql`): a
//! capped count means dense matches, found by walking the order's index;
//! an exact one means few, which SQLite sorts after reading them from
//! the full-text index. Figures: `bench/search.sh`, bench/README.md.

use crate::catalog::{Release, ReleaseStatus, release_from_row, to_i64};
use crate::search_sql::{self, Condition, Filter};
use crate::{Pool, Store, StoreError, sql};
use tracker_proto::InfoHash;

/// At most this many words of a query are used.
pub const MAX_TERMS: usize = 8;
/// Longer words are cut to this many characters.
pub const MAX_TERM_CHARS: usize = 64;
/// The last word of a query matches as a prefix from this length on.
pub const MIN_PREFIX_CHARS: usize = 3;

/// How a listing is ordered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ReleaseSort {
    /// Newest first.
    #[default]
    Date,
    /// Most seeders first (as last refreshed).
    Seeders,
    /// Largest first.
    Size,
    /// By title, A to Z, case-insensitive.
    Name,
}

impl ReleaseSort {
    pub const ALL: [ReleaseSort; 4] = [
        ReleaseSort::Date,
        ReleaseSort::Seeders,
        ReleaseSort::Size,
        ReleaseSort::Name,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReleaseSort::Date => "date",
            ReleaseSort::Seeders => "seeders",
            ReleaseSort::Size => "size",
            ReleaseSort::Name => "name",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// Which releases to list: every filter given must match.
#[derive(Clone, Debug)]
pub struct ReleaseQuery<'a> {
    /// Words to find in the title, description or file names (see the
    /// module docs); `None` or no words for all.
    pub text: Option<&'a str>,
    /// Any of these categories; empty for all. The caller expands a
    /// category into its sub-categories.
    pub categories: &'a [i64],
    /// Total size in bytes, inclusive.
    pub min_size: Option<u64>,
    pub max_size: Option<u64>,
    /// Created at or after this Unix time.
    pub added_since: Option<i64>,
    pub status: Option<ReleaseStatus>,
    pub sort: ReleaseSort,
    /// From 1; 0 is read as 1.
    pub page: u32,
    pub per_page: u32,
}

impl Default for ReleaseQuery<'_> {
    /// Everything, newest first, the first 50.
    fn default() -> Self {
        Self {
            text: None,
            categories: &[],
            min_size: None,
            max_size: None,
            added_since: None,
            status: None,
            sort: ReleaseSort::Date,
            page: 1,
            per_page: 50,
        }
    }
}

/// Counting the releases a listing matches stops at this many (or, on
/// a page beyond it, at the first release after the page): counting
/// every match of a common word would cost more than finding the page.
/// A listing shows such a total as "10000+".
pub const TOTAL_CAP: u64 = 10_000;

/// One page of a listing and how many releases match.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReleasePage {
    pub releases: Vec<Release>,
    /// Exactly how many match when `total_exact`; otherwise at least
    /// this many (the count stopped: see [`TOTAL_CAP`]). It is always
    /// at least `TOTAL_CAP` then, and more than the releases up to the
    /// end of this page, so `page * per_page < total` still tells
    /// whether a next page exists.
    pub total: u64,
    pub total_exact: bool,
}

/// The words of `text` as the search index keeps them: maximal runs of
/// letters and digits, lowercased, `ё` folded to `е`.
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            w.chars()
                .flat_map(char::to_lowercase)
                .map(|c| if c == 'ё' { 'е' } else { c })
                .collect()
        })
}

/// A release's search document: the words of its title, description and
/// file paths, separated by spaces.
pub(crate) fn document<'a>(
    title: &str,
    description: &str,
    paths: impl IntoIterator<Item = &'a str>,
) -> String {
    let mut document = String::with_capacity(title.len() + description.len());
    let mut push = |text: &str| {
        for word in words(text) {
            if !document.is_empty() {
                document.push(' ');
            }
            document.push_str(&word);
        }
    };
    push(title);
    push(description);
    for path in paths {
        push(path);
    }
    document
}

/// The words of a query, ready for a dialect's `match_expression`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Terms {
    words: Vec<String>,
    prefix_last: bool,
}

impl Terms {
    /// At most [`MAX_TERMS`] words of `text`, each at most
    /// [`MAX_TERM_CHARS`] long, duplicates dropped.
    pub fn parse(text: &str) -> Self {
        let mut list: Vec<String> = Vec::new();
        for word in words(text) {
            let word: String = word.chars().take(MAX_TERM_CHARS).collect();
            if !list.contains(&word) {
                list.push(word);
            }
            if list.len() == MAX_TERMS {
                break;
            }
        }
        let prefix_last = list
            .last()
            .is_some_and(|w| w.chars().count() >= MIN_PREFIX_CHARS);
        Self {
            words: list,
            prefix_last,
        }
    }

    pub fn words(&self) -> &[String] {
        &self.words
    }

    pub fn prefix_last(&self) -> bool {
        self.prefix_last
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }
}

/// A release's id and info-hashes, for looking it up in the swarm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReleaseHashes {
    pub id: i64,
    pub v1: Option<InfoHash>,
    /// The full SHA-256 info-hash.
    pub v2: Option<[u8; 32]>,
}

/// `id, info_hash_v1, info_hash_v2` as stored.
type HashRow = (i64, Option<Vec<u8>>, Option<Vec<u8>>);

/// A listing parameter, bound in [`Condition`] order.
enum Param<'a> {
    Int(i64),
    Text(&'a str),
    /// The dialect's match expression of the query's terms.
    Match,
}

impl Store {
    /// A page of releases matching `query` in its order, with the total
    /// counted up to [`TOTAL_CAP`] (further on deep pages: see
    /// [`ReleasePage`]).
    pub async fn list_releases(&self, query: &ReleaseQuery<'_>) -> Result<ReleasePage, StoreError> {
        let mut conditions = Vec::new();
        let mut params = Vec::new();
        if let Some(status) = query.status {
            conditions.push(Condition::Status);
            params.push(Param::Text(status.as_str()));
        }
        if !query.categories.is_empty() {
            conditions.push(Condition::Categories(query.categories.len()));
            params.extend(query.categories.iter().map(|id| Param::Int(*id)));
        }
        if let Some(min) = query.min_size {
            conditions.push(Condition::MinSize);
            params.push(Param::Int(to_i64(min)));
        }
        if let Some(max) = query.max_size {
            conditions.push(Condition::MaxSize);
            params.push(Param::Int(to_i64(max)));
        }
        if let Some(since) = query.added_since {
            conditions.push(Condition::AddedSince);
            params.push(Param::Int(since));
        }
        let terms = Terms::parse(query.text.unwrap_or(""));
        if !terms.is_empty() {
            conditions.push(Condition::Text);
            params.push(Param::Match);
        }
        let filter = Filter::new(&conditions);
        let per_page = u64::from(query.per_page);
        let offset = u64::from(query.page.max(1) - 1) * per_page;
        // Enough to tell whether a page follows this one.
        let limit = TOTAL_CAP.max(offset + per_page + 1);
        // Binds the filter's parameters in the order `Filter` numbers them.
        macro_rules! bind_filter {
            ($query:expr, $expression:expr) => {{
                let mut q = $query;
                for param in &params {
                    q = match param {
                        Param::Int(value) => q.bind(*value),
                        Param::Text(value) => q.bind(*value),
                        Param::Match => q.bind($expression),
                    };
                }
                q
            }};
        }
        on_backend!(self, |pool, dialect| {
            let expression = dialect::match_expression(&terms);
            let order = match query.sort {
                ReleaseSort::Date => search_sql::BY_DATE,
                ReleaseSort::Seeders => search_sql::BY_SEEDERS,
                ReleaseSort::Size => search_sql::BY_SIZE,
                ReleaseSort::Name => dialect::BY_NAME,
            };
            let drive = dialect::DRIVE_FROM_MATCHES && !terms.is_empty();
            let count_sql = if drive {
                search_sql::drive_count(&filter)
            } else {
                search_sql::walk_count(&filter, dialect::text_match)
            };
            let counted: i64 = bind_filter!(sqlx::query_scalar(&count_sql), expression.as_str())
                .bind(to_i64(limit))
                .persistent(dialect::PERSISTENT_LISTING)
                .fetch_one(pool)
                .await?;
            let total = u64::try_from(counted).unwrap_or(0);
            let total_exact = total < limit;
            if total_exact && total <= offset {
                // Nothing on this page: no need to look.
                return Ok(ReleasePage {
                    releases: Vec::new(),
                    total,
                    total_exact,
                });
            }
            let list_sql = if drive && total_exact {
                // Few enough matches to sort them all: drive from them.
                search_sql::drive_page(&filter, order)
            } else {
                // At least TOTAL_CAP matches (or as many as up to this
                // page's end) are dense enough that walking the order's
                // index fills the page after about (offset + per_page) *
                // releases / TOTAL_CAP entries at worst; a range filter
                // (size, date) would otherwise tempt SQLite into reading
                // the whole range and sorting it. With fewer, leave the
                // choice to the planner (a small category's own index).
                let index = if total_exact || query.status.is_none() {
                    None
                } else {
                    dialect::order_index(query.sort)
                };
                search_sql::walk_page(&filter, dialect::text_match, order, index)
            };
            let rows = bind_filter!(sqlx::query(&list_sql), expression.as_str())
                .bind(to_i64(per_page))
                .bind(to_i64(offset))
                .persistent(dialect::PERSISTENT_LISTING)
                .fetch_all(pool)
                .await?;
            Ok(ReleasePage {
                releases: rows
                    .iter()
                    .map(release_from_row)
                    .collect::<Result<_, _>>()?,
                total,
                total_exact,
            })
        })
    }

    /// Every approved release's id and info-hashes (v1, full v2): what
    /// the seeders refresh looks up in the swarm.
    pub async fn approved_release_hashes(&self) -> Result<Vec<ReleaseHashes>, StoreError> {
        on_backend!(self, |pool| {
            let rows: Vec<HashRow> = sqlx::query_as(sql::APPROVED_RELEASE_HASHES)
                .fetch_all(pool)
                .await?;
            rows.into_iter()
                .map(|(id, v1, v2)| {
                    let v1 = v1
                        .map(|h| <[u8; 20]>::try_from(h).map(InfoHash))
                        .transpose()
                        .map_err(|_| crate::catalog::corrupt("releases", "info_hash_v1"))?;
                    let v2 = v2
                        .map(<[u8; 32]>::try_from)
                        .transpose()
                        .map_err(|_| crate::catalog::corrupt("releases", "info_hash_v2"))?;
                    Ok(ReleaseHashes { id, v1, v2 })
                })
                .collect()
        })
    }

    /// Stores the releases' seeder counts for the "most seeders" order,
    /// in one transaction of a few statements; returns how many changed.
    /// Only changed counts are written; unknown ids are skipped.
    pub async fn set_seeders(&self, counts: &[(i64, u64)]) -> Result<u64, StoreError> {
        on_backend!(self, |pool| {
            let mut tx = pool.begin().await?;
            let mut changed = 0;
            for chunk in counts.chunks(sql::ROWS_PER_STATEMENT) {
                let statement = search_sql::set_seeders(chunk.len());
                let mut query = sqlx::query(&statement);
                for (id, seeders) in chunk {
                    query = query.bind(*id).bind(to_i64(*seeders));
                }
                changed += query.execute(&mut *tx).await?.rows_affected();
            }
            tx.commit().await?;
            Ok(changed)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_fold_case_in_every_script_and_split_file_names() {
        let all: Vec<String> = words("Ёлка ФИЛЬМ Ubuntu-24.04_desktop.ISO").collect();
        assert_eq!(
            all,
            ["елка", "фильм", "ubuntu", "24", "04", "desktop", "iso"]
        );
    }

    #[test]
    fn a_document_joins_title_description_and_paths() {
        assert_eq!(
            document("Movie (2020)", "**Great**", ["dir/A.mkv", "b.srt"]),
            "movie 2020 great dir a mkv b srt"
        );
    }

    #[test]
    fn operators_and_quotes_in_a_query_are_only_separators() {
        let terms = Terms::parse(r#"NEAR("a" -b) * OR "c:* & !d'"#);
        assert_eq!(terms.words(), ["near", "a", "b", "or", "c", "d"]);
        assert!(!terms.prefix_last());
        assert!(Terms::parse(r#""*()-^:"#).is_empty());
    }

    #[test]
    fn only_a_long_enough_last_word_is_a_prefix() {
        assert!(Terms::parse("фил").prefix_last());
        assert!(!Terms::parse("фильм x").prefix_last());
    }

    #[test]
    fn a_query_keeps_at_most_max_terms_distinct_words() {
        let terms = Terms::parse("a a b c d e f g h i j");
        assert_eq!(terms.words().len(), MAX_TERMS);
        assert_eq!(terms.words()[..2], ["a", "b"]);
    }

    #[test]
    fn sorts_round_trip_through_their_names() {
        for sort in ReleaseSort::ALL {
            assert_eq!(ReleaseSort::parse(sort.as_str()), Some(sort));
        }
        assert_eq!(ReleaseSort::parse("relevance"), None);
    }
}
