//! RSS 2.0 feeds for feed readers and torrent clients' RSS downloaders:
//!
//! - `GET /rss`: the newest approved releases, narrowed by the listing's
//!   own fields (`q`, `category`, `min_size`, `max_size`, `since`,
//!   `sort`; see `releases::browse`), e.g. `/rss?category=movies`;
//! - `GET /rss/saved/{token}`: a member's saved search (`saved`).
//!
//! Without a key a feed is public and each item links to its release
//! page. With `?passkey=<the member's passkey>` (their RSS key, see the
//! module above) each item also has an `enclosure`: the cookieless
//! download of the member's own .torrent. Feeds list approved releases
//! only, [`FEED_ITEMS`] of them, in the search's order (newest first
//! unless it says otherwise).
//!
//! The document follows the RSS 2.0 specification
//! (<https://www.rssboard.org/rss-specification>): a channel with
//! `title`, `link`, `description` and `language`; items with `title`,
//! `link`, a permalink `guid` (the release page), `pubDate` (RFC 822),
//! `category`, `description` and, keyed, `enclosure` (`url`, `length`,
//! `type`). `length` is the release's size, as torrent feeds use it
//! (the personal .torrent is written on request, so its own size is not
//! known up front).

use super::download::key_refused;
use super::saved::{feed_query, parse_feed_query};
use super::xml::Xml;
use super::{
    KeyRefusal, download_url, listed_hashes, member_by_passkey, release_url, rfc822, site_url,
};
use crate::PortalState;
use crate::error::WebError;
use crate::i18n::{Lang, Text};
use crate::releases::{CategoryTree, ListQuery, category_name, counts, human_size, listing};
use axum::extract::rejection::QueryRejection;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Router, routing::get};
use serde::Deserialize;
use std::net::SocketAddr;
use store::{ReleaseStatus, User};

/// Items in a feed.
pub(crate) const FEED_ITEMS: u32 = 50;

pub fn router() -> Router<PortalState> {
    Router::new()
        .route("/rss", get(search_feed))
        .route("/rss/saved/{token}", get(saved_feed))
}

/// A feed's query string: the listing's fields and the key.
#[derive(Debug, Default, Deserialize)]
struct FeedParams {
    q: Option<String>,
    category: Option<String>,
    min_size: Option<String>,
    max_size: Option<String>,
    since: Option<String>,
    sort: Option<String>,
    /// Only `approved` (or nothing): feeds list nothing else.
    status: Option<String>,
    passkey: Option<String>,
}

/// What a request to a feed brings.
struct FeedRequest {
    site: String,
    lang: Lang,
    /// The member whose passkey came as the key.
    member: Option<User>,
}

fn params(query: Result<Query<FeedParams>, QueryRejection>) -> Result<FeedParams, WebError> {
    let params = query.map(|Query(q)| q).map_err(|_| WebError::Invalid)?;
    let status = params.status.as_deref().map(str::trim).unwrap_or_default();
    if !status.is_empty() && ReleaseStatus::parse(status) != Some(ReleaseStatus::Approved) {
        return Err(WebError::refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            "feed_status",
            Text::error_feed_status,
        ));
    }
    Ok(params)
}

async fn feed_request(
    state: &PortalState,
    lang: Lang,
    peer: SocketAddr,
    headers: &HeaderMap,
    key: Option<&str>,
) -> Result<FeedRequest, WebError> {
    let site = site_url(state, peer, headers).ok_or_else(|| {
        WebError::refused(
            StatusCode::BAD_REQUEST,
            "no_site_url",
            Text::error_no_site_url,
        )
    })?;
    let member = match key.map(str::trim).filter(|k| !k.is_empty()) {
        None => None,
        Some(key) => match member_by_passkey(state, key).await? {
            Ok(user) => Some(user),
            Err(KeyRefusal::Unknown | KeyRefusal::Disabled) => return Err(key_refused()),
        },
    };
    Ok(FeedRequest { site, lang, member })
}

async fn search_feed(
    State(state): State<PortalState>,
    Extension(lang): Extension<Lang>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    query: Result<Query<FeedParams>, QueryRejection>,
) -> Result<Response, WebError> {
    let params = params(query)?;
    let request = feed_request(&state, lang, peer, &headers, params.passkey.as_deref()).await?;
    let query = ListQuery {
        q: params.q,
        category: params.category,
        min_size: params.min_size,
        max_size: params.max_size,
        since: params.since,
        sort: params.sort,
        status: None,
        page: None,
    };
    let tree = CategoryTree::load(&state).await?;
    let t = lang.text();
    let mut heading: Vec<String> = Vec::new();
    if let Some(category) = query.category.as_deref().and_then(|c| tree.find(c)) {
        heading.push(category_name(category, lang).to_owned());
    }
    if let Some(words) = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        heading.push(format!("«{words}»"));
    }
    let title = if heading.is_empty() {
        t.newest_releases().to_owned()
    } else {
        heading.join(" · ")
    };
    render(&state, &request, &tree, &query, &title).await
}

async fn saved_feed(
    State(state): State<PortalState>,
    Extension(lang): Extension<Lang>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(token): Path<String>,
    query: Result<Query<FeedParams>, QueryRejection>,
) -> Result<Response, WebError> {
    let params = params(query)?;
    let well_formed = token.len() == 32 && token.bytes().all(|b| b.is_ascii_hexdigit());
    if !well_formed {
        return Err(WebError::NotFound);
    }
    let saved = state
        .store
        .saved_search_by_token(&token.to_ascii_lowercase())
        .await?
        .ok_or(WebError::NotFound)?;
    let request = feed_request(&state, lang, peer, &headers, params.passkey.as_deref()).await?;
    let tree = CategoryTree::load(&state).await?;
    let query = parse_feed_query(&saved.query)?;
    render(&state, &request, &tree, &query, &saved.name).await
}

/// The feed of `query`'s first [`FEED_ITEMS`] approved releases.
async fn render(
    state: &PortalState,
    request: &FeedRequest,
    tree: &CategoryTree,
    query: &ListQuery,
    title: &str,
) -> Result<Response, WebError> {
    let mut categories = Vec::new();
    // No user: the listing of approved releases anyone sees.
    let mut listing = listing(tree, query, None, &mut categories)?;
    listing.page = 1;
    listing.per_page = FEED_ITEMS;
    let found = state.store.list_releases(&listing).await?;
    let t = request.lang.text();
    let site = &request.site;
    let search = feed_query(query);
    let mut xml = Xml::new();
    xml.open("rss", &[("version", "2.0")]);
    xml.open("channel", &[]);
    xml.element(
        "title",
        &[],
        &format!("{} — {title}", state.brand().site_name),
    );
    let link = if search.is_empty() {
        format!("{site}/releases")
    } else {
        format!("{site}/releases?{search}")
    };
    xml.element("link", &[], &link);
    xml.element("description", &[], t.feed_description());
    xml.element("language", &[], request.lang.code());
    if let Some(newest) = found.releases.iter().map(|r| r.created_at).max() {
        xml.element("lastBuildDate", &[], &rfc822(newest));
    }
    for release in found
        .releases
        .iter()
        .filter(|r| r.status == ReleaseStatus::Approved)
    {
        let page = release_url(site, release.id);
        let category = tree
            .path(release.category_id)
            .iter()
            .map(|c| category_name(c, request.lang))
            .collect::<Vec<_>>()
            .join(" / ");
        let Some(hashes) = listed_hashes(release) else {
            continue;
        };
        let live = counts(state, &hashes);
        xml.open("item", &[]);
        xml.element("title", &[], &release.title);
        xml.element("link", &[], &page);
        xml.element("guid", &[("isPermaLink", "true")], &page);
        xml.element("pubDate", &[], &rfc822(release.created_at));
        xml.element("category", &[], &category);
        xml.element(
            "description",
            &[],
            &format!(
                "{category} · {} · {}: {} · {}: {}",
                human_size(release.size),
                t.seeders(),
                live.seeders,
                t.leechers(),
                live.leechers
            ),
        );
        if let Some(member) = &request.member {
            let size = release.size.to_string();
            let url = download_url(site, release.id, &member.passkey);
            xml.empty(
                "enclosure",
                &[
                    ("url", url.as_str()),
                    ("length", size.as_str()),
                    ("type", "application/x-bittorrent"),
                ],
            );
        }
        xml.close("item");
    }
    xml.close("channel");
    xml.close("rss");
    let mut response = xml.into_bytes().into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/rss+xml; charset=utf-8"),
    );
    // A keyed feed carries the member's passkey in every enclosure. A
    // public one may be kept by the reader's own cache only: a shared
    // cache would serve it to visitors the access policy refuses (see
    // `legal_block`).
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if request.member.is_some() {
            "private, no-store"
        } else {
            "private, max-age=300"
        }),
    );
    Ok(response)
}
