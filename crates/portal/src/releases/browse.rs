//! The listing's parameters, shared by `/releases` and
//! `GET /api/v1/releases`: `q` (full-text words, see `store::search`),
//! `category` (slug or id, with its sub-categories), `min_size` and
//! `max_size` (bytes, or a number with `K`, `M`, `G` or `T`: binary
//! multiples, as sizes are shown), `since` (`YYYY-MM-DD`, UTC, or Unix
//! seconds), `status` (staff only; anyone may ask for `approved`),
//! `sort` (`date`, `seeders`, `size`, `name`) and `page`. Empty values
//! are absent ones, so a submitted form with blank fields is a plain
//! listing (free-text fields are trimmed first; `status` and `sort`,
//! picked from fixed sets, are not). A value that does not parse is a
//! 422 naming the problem.

use super::categories::CategoryTree;
use super::view::is_staff;
use crate::error::WebError;
use crate::i18n::Text;
use axum::extract::Query;
use axum::extract::rejection::QueryRejection;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use store::{ReleaseQuery, ReleaseSort, ReleaseStatus, User};
use utoipa::IntoParams;

/// Releases per page, in the API and on `/releases`.
pub(crate) const PER_PAGE: u32 = 50;

/// The query string as sent; every field optional and kept as text, so
/// links to further pages repeat it as given.
#[derive(Clone, Debug, Default, Deserialize, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ListQuery {
    /// Words to find in titles, descriptions and file names.
    #[param(example = "debian netinst")]
    pub q: Option<String>,
    /// A category's slug or id; its sub-categories are included.
    #[param(example = "software")]
    pub category: Option<String>,
    /// Bytes, or a number with `K`, `M`, `G` or `T` (binary multiples):
    /// `700M`, `1.5G`.
    #[param(example = "700M")]
    pub min_size: Option<String>,
    /// Likewise.
    #[param(example = "4.5G")]
    pub max_size: Option<String>,
    /// Added on or after: `YYYY-MM-DD` (UTC) or Unix seconds.
    #[param(example = "2026-01-01")]
    pub since: Option<String>,
    /// Staff only, except `approved` (the default).
    #[param(schema_with = crate::openapi::status_filter_schema)]
    pub status: Option<String>,
    #[param(schema_with = crate::openapi::sort_schema)]
    pub sort: Option<String>,
    /// From 1 (0 reads as 1).
    #[param(minimum = 0, maximum = 4_294_967_295_u64, format = Int64)]
    pub page: Option<u32>,
}

fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// A value from a fixed set (`status`, `sort`): empty is absent, as in
/// [`given`], but nothing is trimmed, so `"\n"` is a value the set does
/// not hold (a 422), as the API's schema says, not a blank field.
fn chosen(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|v| !v.is_empty())
}

fn invalid() -> WebError {
    WebError::refused(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_query",
        Text::error_invalid,
    )
}

impl ListQuery {
    pub(crate) fn page(&self) -> u32 {
        self.page.unwrap_or(1).max(1)
    }

    /// The query string for page `page` of the same listing, blanks left
    /// out.
    pub(crate) fn link(&self, page: u32) -> String {
        format!("?{}", self.query_string(Some(page)))
    }

    /// The fields as a query string without `?`, blanks left out, `page`
    /// last when given.
    pub(crate) fn query_string(&self, page: Option<u32>) -> String {
        let page = page.map(|p| p.to_string());
        let pairs: Vec<(&str, &str)> = [
            ("q", given(&self.q)),
            ("category", given(&self.category)),
            ("min_size", given(&self.min_size)),
            ("max_size", given(&self.max_size)),
            ("since", given(&self.since)),
            ("status", given(&self.status)),
            ("sort", given(&self.sort)),
            ("page", page.as_deref()),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect();
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }
}

/// The store query for `query` as `user` may ask it: approved releases
/// unless a staff member asks for another status. An unknown category,
/// size, date or order is a 422; a status from anyone else is a 403.
pub(crate) fn listing<'a>(
    tree: &CategoryTree,
    query: &'a ListQuery,
    user: Option<&User>,
    categories: &'a mut Vec<i64>,
) -> Result<ReleaseQuery<'a>, WebError> {
    if let Some(key) = given(&query.category) {
        let category = tree.find(key).ok_or_else(|| {
            WebError::refused(
                StatusCode::UNPROCESSABLE_ENTITY,
                "unknown_category",
                Text::error_unknown_category,
            )
        })?;
        *categories = tree.subtree(category.id);
    }
    let status = match chosen(&query.status) {
        None => ReleaseStatus::Approved,
        Some(s) => {
            let status = ReleaseStatus::parse(s).ok_or_else(|| {
                WebError::refused(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_status",
                    Text::error_invalid_status,
                )
            })?;
            if status != ReleaseStatus::Approved && !is_staff(user) {
                return Err(WebError::Forbidden);
            }
            status
        }
    };
    let sort = match chosen(&query.sort) {
        None => ReleaseSort::Date,
        Some(s) => ReleaseSort::parse(s).ok_or_else(invalid)?,
    };
    let size = |v: &Option<String>| given(v).map(|s| parse_size(s).ok_or_else(invalid));
    Ok(ReleaseQuery {
        text: given(&query.q),
        categories,
        min_size: size(&query.min_size).transpose()?,
        max_size: size(&query.max_size).transpose()?,
        added_since: given(&query.since)
            .map(|s| parse_since(s).ok_or_else(invalid))
            .transpose()?,
        status: Some(status),
        sort,
        page: query.page(),
        per_page: PER_PAGE,
    })
}

pub(crate) fn query_params(
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<ListQuery, WebError> {
    query.map(|Query(q)| q).map_err(|_| {
        WebError::refused(
            StatusCode::BAD_REQUEST,
            "invalid_query",
            Text::error_invalid,
        )
    })
}

/// Bytes, or a decimal number with a binary multiple: `700M`, `1.5G`,
/// `4 GiB`, `2k`.
fn parse_size(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let unit = unit.trim().to_ascii_lowercase();
    let shift = match unit.trim_end_matches("ib").trim_end_matches('b') {
        "" => 0,
        "k" => 10,
        "m" => 20,
        "g" => 30,
        "t" => 40,
        _ => return None,
    };
    if number.is_empty() {
        return None;
    }
    if shift == 0 || !number.contains('.') {
        return number.parse::<u64>().ok()?.checked_mul(1 << shift);
    }
    let value = number.parse::<f64>().ok()? * (1u64 << shift) as f64;
    (value.is_finite() && value < u64::MAX as f64).then_some(value as u64)
}

/// `YYYY-MM-DD` (midnight UTC) or Unix seconds.
fn parse_since(text: &str) -> Option<i64> {
    if let Ok(seconds) = text.parse::<i64>() {
        return Some(seconds);
    }
    let mut parts = text.splitn(3, '-');
    let year: i64 = parts.next()?.parse().ok()?;
    let month: i64 = parts.next()?.parse().ok()?;
    let day: i64 = parts.next()?.parse().ok()?;
    if !(1..=9999).contains(&year) || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    // Days from civil (H. Hinnant), the inverse of `pages::date`.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some((era * 146_097 + doe - 719_468) * 86_400)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_take_binary_multiples() {
        assert_eq!(parse_size("1024"), Some(1024));
        assert_eq!(parse_size("700M"), Some(700 << 20));
        assert_eq!(parse_size("1.5 GiB"), Some(3 << 29));
        assert_eq!(parse_size("2k"), Some(2048));
        assert_eq!(parse_size("4gb"), Some(4 << 30));
        assert_eq!(parse_size("G"), None);
        assert_eq!(parse_size("12 parsecs"), None);
        assert_eq!(parse_size("99999999999T"), None);
    }

    #[test]
    fn since_reads_dates_as_utc_midnight_and_plain_seconds() {
        assert_eq!(parse_since("1970-01-01"), Some(0));
        assert_eq!(parse_since("2024-03-01"), Some(1_709_251_200));
        assert_eq!(
            crate::pages::date(parse_since("2026-11-20").unwrap()),
            "2026-11-20"
        );
        assert_eq!(parse_since("86400"), Some(86_400));
        assert_eq!(parse_since("2024-13-01"), None);
        assert_eq!(parse_since("yesterday"), None);
    }

    #[test]
    fn page_links_repeat_the_given_fields_only() {
        let query = ListQuery {
            q: Some("фильм 2020".into()),
            min_size: Some(" ".into()),
            sort: Some("size".into()),
            ..ListQuery::default()
        };
        assert_eq!(
            query.link(2),
            "?q=%D1%84%D0%B8%D0%BB%D1%8C%D0%BC+2020&sort=size&page=2"
        );
    }
}
