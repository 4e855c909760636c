//! The Torznab indexer API (Torznab 1.3, itself Newznab's API with
//! torrent attributes): `GET /torznab/api?t=<function>&apikey=<key>`,
//! what Prowlarr, Jackett, Sonarr and Radarr add as a "Generic Torznab"
//! indexer (URL `https://<site>/torznab`).
//!
//! - `t=caps`: the server's name, result limits, the search functions
//!   and their parameters, and the categories (`categories`). A key is
//!   optional here (the tree is public); a wrong one is still refused.
//! - `t=search` (`q`), `t=tvsearch` (`q`, `season`, `ep`), `t=movie`
//!   (`q`), each with `cat` (comma-separated Torznab numbers), `offset`
//!   and `limit` (default [`DEFAULT_LIMIT`], at most [`MAX_LIMIT`]; `0`
//!   is the default). They run the catalog's full-text search over
//!   approved releases, newest first; without `q` they list the newest
//!   (clients test an indexer, and poll it, that way). `tvsearch` adds
//!   the episode to the words, or searches for it alone without `q` (as
//!   Sonarr asks by season and episode): `S01E02`, `S01`, or for a daily
//!   show (season = a year, `ep` = `MM/DD`) `2024 10 15`, which match how
//!   release titles spell them. Other parameters (`imdbid`, `extended`,
//!   ...) are ignored, as the caps do not offer them.
//!
//! Results are RSS 2.0 with the `torznab` namespace: per item `title`,
//! `guid`, `link` and `comments` (the release page), `pubDate` (RFC
//! 822), `size`, `category`, an `enclosure` with the member's cookieless
//! download (`download`), and `torznab:attr` for `category` (standard
//! and site number), `size`, `seeders`, `leechers`, `peers`, `grabs`
//! (live, from this node's swarm, as on the release page), `infohash`,
//! `magneturl` (with the member's passkey), `downloadvolumefactor` (0
//! for freeleech) and `uploadvolumefactor` (1).
//!
//! Errors are `<error code="..." description="..."/>` with the spec's
//! codes: 100 incorrect credentials, 101 account suspended, 200 missing
//! parameter, 201 incorrect parameter, 202 no such function, 203
//! function not available, all with HTTP 200, and 900 unknown error
//! with HTTP 500. The 200 is what Newznab and Jackett answer, and what
//! clients need: Sonarr's and Radarr's indexer code throws on any other
//! status before its Torznab parser reads the error's code. A missing
//! key is Torznab code 200 with the description exactly `Missing
//! parameter`, which Prowlarr reads as "this indexer needs an API key".

use super::categories::{SITE_BASE, TorznabCategories};
use super::xml::Xml;
use super::{
    KeyRefusal, download_url, listed_hashes, member_by_passkey, release_url, rfc822, site_url,
};
use crate::PortalState;
use crate::error::WebError;
use crate::legal_block::MayDownload;
use crate::releases::{CategoryTree, counts, magnet_with};
use crate::session::hash_secret;
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Router, routing::get};
use metainfo::InfoHashes;
use std::net::SocketAddr;
use store::{Release, ReleaseQuery, ReleaseSort, ReleaseStatus, User};

/// Results per request unless `limit` says otherwise.
pub(crate) const DEFAULT_LIMIT: u32 = 50;
/// The most results one request gets.
pub(crate) const MAX_LIMIT: u32 = 100;

const NS_TORZNAB: &str = "http://torznab.com/schemas/2015/feed";
const NS_ATOM: &str = "http://www.w3.org/2005/Atom";

/// Newznab functions swarmgate knows but does not offer.
const NOT_AVAILABLE: [&str; 11] = [
    "music",
    "book",
    "details",
    "get",
    "getnfo",
    "register",
    "cartadd",
    "cartdel",
    "comments",
    "commentadd",
    "user",
];

pub fn router() -> Router<PortalState> {
    Router::new().route("/torznab/api", get(api))
}

/// A Torznab error: its code and description.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TorznabError {
    code: u16,
    description: String,
}

impl TorznabError {
    fn new(code: u16, description: impl Into<String>) -> Self {
        Self {
            code,
            description: description.into(),
        }
    }

    fn credentials() -> Self {
        Self::new(100, "Incorrect user credentials")
    }

    fn incorrect(parameter: &str) -> Self {
        Self::new(201, format!("Incorrect parameter: {parameter}"))
    }

    /// HTTP 200 for the caller's mistakes (100-299), so clients read the
    /// code; 500 for ours (900).
    fn status(&self) -> StatusCode {
        match self.code {
            100..=299 => StatusCode::OK,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<WebError> for TorznabError {
    fn from(e: WebError) -> Self {
        match e {
            WebError::Internal(cause) => {
                tracing::error!(error = %cause, "torznab request failed");
                Self::new(900, "Unknown error")
            }
            _ => Self::new(201, "Incorrect parameter"),
        }
    }
}

impl From<store::StoreError> for TorznabError {
    fn from(e: store::StoreError) -> Self {
        WebError::from(e).into()
    }
}

impl IntoResponse for TorznabError {
    fn into_response(self) -> Response {
        let mut xml = Xml::new();
        let code = self.code.to_string();
        xml.empty(
            "error",
            &[
                ("code", code.as_str()),
                ("description", self.description.as_str()),
            ],
        );
        xml_response(self.status(), "application/xml", xml)
    }
}

fn xml_response(status: StatusCode, content_type: &'static str, xml: Xml) -> Response {
    let mut response = (status, xml.into_bytes()).into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&format!("{content_type}; charset=utf-8")) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    // Results carry the member's passkey.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    response
}

/// The query's parameters, the first of each name, trimmed; blank ones
/// count as absent.
#[derive(Debug)]
struct Params(Vec<(String, String)>);

impl Params {
    fn parse(raw: &str) -> Self {
        Self(serde_urlencoded::from_str(raw).unwrap_or_default())
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }

    fn number<T: std::str::FromStr>(&self, name: &str) -> Result<Option<T>, TorznabError> {
        self.get(name)
            .map(|v| v.parse().map_err(|_| TorznabError::incorrect(name)))
            .transpose()
    }
}

async fn api(
    State(state): State<PortalState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let params = Params::parse(raw.as_deref().unwrap_or_default());
    match answer(&state, peer, &headers, &params).await {
        Ok((content_type, xml)) => xml_response(StatusCode::OK, content_type, xml),
        Err(e) => e.into_response(),
    }
}

async fn answer(
    state: &PortalState,
    peer: SocketAddr,
    headers: &HeaderMap,
    params: &Params,
) -> Result<(&'static str, Xml), TorznabError> {
    let function = params
        .get("t")
        .ok_or_else(|| TorznabError::new(200, "Missing parameter: t"))?;
    match function {
        "caps" => {
            if let Some(key) = params.get("apikey") {
                authenticate(state, key).await?;
            }
            Ok(("application/xml", caps(state).await?))
        }
        "search" | "tvsearch" | "movie" => {
            let key = params
                .get("apikey")
                .ok_or_else(|| TorznabError::new(200, "Missing parameter"))?;
            let user = authenticate(state, key).await?;
            let site = site_url(state, peer, headers).ok_or_else(|| {
                TorznabError::new(
                    900,
                    "Unknown error: the request names no host and portal.public_url is not set",
                )
            })?;
            let may = MayDownload::of(state, peer, headers);
            let xml = search(state, &site, (&user, may), function, params).await?;
            Ok(("application/rss+xml", xml))
        }
        f if NOT_AVAILABLE.contains(&f) => Err(TorznabError::new(
            203,
            format!("Function not available: {f}"),
        )),
        _ => Err(TorznabError::new(202, "No such function")),
    }
}

/// The enabled member an `apikey` names: a passkey (32 hex characters)
/// or an API token (64). A disabled account's passkey is 101; its API
/// tokens were revoked when it was disabled, so they are 100 like any
/// unknown key.
async fn authenticate(state: &PortalState, key: &str) -> Result<User, TorznabError> {
    if key.len() == 32 {
        return match member_by_passkey(state, key).await? {
            Ok(user) => Ok(user),
            Err(KeyRefusal::Unknown) => Err(TorznabError::credentials()),
            Err(KeyRefusal::Disabled) => Err(TorznabError::new(101, "Account suspended")),
        };
    }
    if key.len() == 64 && key.bytes().all(|b| b.is_ascii_hexdigit()) {
        let token = hash_secret(&key.to_ascii_lowercase());
        if let Some(user) = state.store.api_token_user(&token).await? {
            return Ok(user);
        }
    }
    Err(TorznabError::credentials())
}

async fn caps(state: &PortalState) -> Result<Xml, TorznabError> {
    let tree = CategoryTree::load(state).await?;
    let torznab = TorznabCategories::new(&tree);
    let brand = state.brand();
    let mut xml = Xml::new();
    xml.open("caps", &[]);
    xml.empty(
        "server",
        &[("version", "1.3"), ("title", brand.site_name.as_str())],
    );
    let (max, default) = (MAX_LIMIT.to_string(), DEFAULT_LIMIT.to_string());
    xml.empty(
        "limits",
        &[("max", max.as_str()), ("default", default.as_str())],
    );
    xml.open("searching", &[]);
    for (function, available, params) in [
        ("search", "yes", "q"),
        ("tv-search", "yes", "q,season,ep"),
        ("movie-search", "yes", "q"),
        ("music-search", "no", "q"),
        ("audio-search", "no", "q"),
        ("book-search", "no", "q"),
    ] {
        xml.empty(
            function,
            &[("available", available), ("supportedParams", params)],
        );
    }
    xml.close("searching");
    xml.open("categories", &[]);
    for (family, subs) in torznab.standard_in_use() {
        let id = family.id.to_string();
        xml.open("category", &[("id", id.as_str()), ("name", family.name)]);
        for sub in subs {
            let id = sub.id.to_string();
            xml.empty("subcat", &[("id", id.as_str()), ("name", sub.name)]);
        }
        xml.close("category");
    }
    // The site's own tree: top-level categories, and everything below
    // each as its sub-categories, named by their path.
    let site = torznab.site();
    let mut rest = site.iter().peekable();
    while let Some((_, id, name)) = rest.next() {
        let number = (SITE_BASE + id).to_string();
        xml.open(
            "category",
            &[("id", number.as_str()), ("name", name.as_str())],
        );
        while let Some((_, id, _)) = rest.next_if(|(depth, _, _)| *depth > 0) {
            let number = (SITE_BASE + id).to_string();
            let path: Vec<&str> = tree.path(*id).iter().map(|c| c.name_en.as_str()).collect();
            xml.empty(
                "subcat",
                &[("id", number.as_str()), ("name", path.join("/").as_str())],
            );
        }
        xml.close("category");
    }
    xml.close("categories");
    xml.close("caps");
    Ok(xml)
}

/// The words `tvsearch` adds for `season` and `ep`; `None` without a
/// season.
fn episode_words(params: &Params) -> Result<Option<String>, TorznabError> {
    let Some(season) = params.number::<u32>("season")? else {
        return Ok(None);
    };
    let ep = params.get("ep");
    if season >= 1000 {
        // A daily show: the season is the year, the episode `MM/DD`.
        let Some(ep) = ep else {
            return Ok(Some(season.to_string()));
        };
        let (month, day) = ep
            .split_once('/')
            .and_then(|(m, d)| Some((m.parse::<u32>().ok()?, d.parse::<u32>().ok()?)))
            .filter(|(m, d)| (1..=12).contains(m) && (1..=31).contains(d))
            .ok_or_else(|| TorznabError::incorrect("ep"))?;
        return Ok(Some(format!("{season} {month:02} {day:02}")));
    }
    Ok(Some(match ep {
        None => format!("S{season:02}"),
        Some(ep) => {
            let ep: u32 = ep.parse().map_err(|_| TorznabError::incorrect("ep"))?;
            format!("S{season:02}E{ep:02}")
        }
    }))
}

/// `user` asked, and whether the policy lets them download .torrent
/// files (the items' magnet links are left out otherwise).
async fn search(
    state: &PortalState,
    site: &str,
    (user, may): (&User, MayDownload),
    function: &str,
    params: &Params,
) -> Result<Xml, TorznabError> {
    let limit = match params.number::<u32>("limit")? {
        None | Some(0) => DEFAULT_LIMIT,
        Some(n) => n.min(MAX_LIMIT),
    };
    let offset = params.number::<u64>("offset")?.unwrap_or(0);
    let episode = match function {
        "tvsearch" => episode_words(params)?,
        _ => None,
    };
    let text = match (params.get("q"), episode) {
        (Some(q), Some(words)) => Some(format!("{q} {words}")),
        (Some(q), None) => Some(q.to_owned()),
        // Sonarr asks for an episode by its season and number alone.
        (None, words) => words,
    };
    let tree = CategoryTree::load(state).await?;
    let torznab = TorznabCategories::new(&tree);
    let mut categories = Vec::new();
    let mut filtered = false;
    if let Some(cat) = params.get("cat") {
        for part in cat.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let number: i64 = part.parse().map_err(|_| TorznabError::incorrect("cat"))?;
            categories.extend(torznab.select(&tree, number));
            filtered = true;
        }
        categories.sort_unstable();
        categories.dedup();
    }
    let releases = if filtered && categories.is_empty() {
        // Categories were asked for and none of ours is among them.
        Vec::new()
    } else {
        window(state, text.as_deref(), &categories, offset, limit).await?
    };
    let mut xml = Xml::new();
    xml.open(
        "rss",
        &[
            ("version", "2.0"),
            ("xmlns:atom", NS_ATOM),
            ("xmlns:torznab", NS_TORZNAB),
        ],
    );
    xml.open("channel", &[]);
    let self_link = format!("{site}/torznab/api");
    xml.empty(
        "atom:link",
        &[
            ("href", self_link.as_str()),
            ("rel", "self"),
            ("type", "application/rss+xml"),
        ],
    );
    let brand = state.brand();
    xml.element("title", &[], &brand.site_name);
    xml.element(
        "description",
        &[],
        &format!("{} (Torznab)", brand.site_name),
    );
    xml.element("link", &[], &format!("{site}/"));
    let site_freeleech = state
        .tracker
        .accounting()
        .is_some_and(|a| a.ledger.site_freeleech());
    for release in &releases {
        let Some(hashes) = listed_hashes(release) else {
            continue;
        };
        item(
            &mut xml,
            state,
            site,
            (user, may),
            &torznab,
            (release, &hashes),
            site_freeleech,
        );
    }
    xml.close("channel");
    xml.close("rss");
    Ok(xml)
}

/// Approved releases `offset..offset + limit` of a search, newest first:
/// one page of the store's listing when `offset` is a multiple of
/// `limit`, else the two pages that window spans.
async fn window(
    state: &PortalState,
    text: Option<&str>,
    categories: &[i64],
    offset: u64,
    limit: u32,
) -> Result<Vec<Release>, TorznabError> {
    let per_page = u64::from(limit);
    let Ok(first) = u32::try_from(offset / per_page + 1) else {
        return Ok(Vec::new());
    };
    let skip = usize::try_from(offset % per_page).unwrap_or(0);
    let pages = if skip == 0 { 1 } else { 2 };
    let mut releases = Vec::new();
    for page in (first..).take(pages) {
        let found = state
            .store
            .list_releases(&ReleaseQuery {
                text,
                categories,
                status: Some(ReleaseStatus::Approved),
                sort: ReleaseSort::Date,
                page,
                per_page: limit,
                ..ReleaseQuery::default()
            })
            .await?;
        let full = found.releases.len() == usize::try_from(limit).unwrap_or(usize::MAX);
        releases.extend(found.releases);
        if !full {
            break;
        }
    }
    Ok(releases
        .into_iter()
        // The query asked for approved releases; this keeps it so.
        .filter(|r| r.status == ReleaseStatus::Approved)
        .skip(skip)
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .collect())
}

fn item(
    xml: &mut Xml,
    state: &PortalState,
    site: &str,
    (user, may): (&User, MayDownload),
    torznab: &TorznabCategories,
    (release, hashes): (&Release, &InfoHashes),
    site_freeleech: bool,
) {
    let page = release_url(site, release.id);
    let live = counts(state, hashes);
    // Clients expect 40 hex characters: a v2-only torrent gives its v2
    // hash truncated to 20 bytes, as trackers see it (BEP 52).
    let info_hash = hashes
        .v1()
        .or_else(|| hashes.v2().map(|h| h.truncated()))
        .map(|h| h.to_hex())
        .unwrap_or_default();
    let standard = torznab.standard_of(release.category_id).to_string();
    let own = (SITE_BASE + release.category_id).to_string();
    let size = release.size.to_string();
    let download = download_url(site, release.id, &user.passkey);
    xml.open("item", &[]);
    xml.element("title", &[], &release.title);
    xml.element("guid", &[("isPermaLink", "true")], &page);
    xml.element("link", &[], &page);
    xml.element("comments", &[], &format!("{page}#comments"));
    xml.element("pubDate", &[], &rfc822(release.created_at));
    xml.element("size", &[], &size);
    xml.element("category", &[], &standard);
    xml.element("category", &[], &own);
    xml.empty(
        "enclosure",
        &[
            ("url", download.as_str()),
            ("length", size.as_str()),
            ("type", "application/x-bittorrent"),
        ],
    );
    let factor = if release.freeleech || site_freeleech {
        "0"
    } else {
        "1"
    };
    let numbers = [
        ("category", standard.clone()),
        ("category", own.clone()),
        ("size", size.clone()),
        ("seeders", live.seeders.to_string()),
        ("leechers", live.leechers.to_string()),
        ("peers", (live.seeders + live.leechers).to_string()),
        ("grabs", live.completed.to_string()),
        ("infohash", info_hash),
        ("downloadvolumefactor", factor.to_owned()),
        ("uploadvolumefactor", "1".to_owned()),
    ];
    for (name, value) in &numbers {
        xml.empty("torznab:attr", &[("name", name), ("value", value.as_str())]);
    }
    if let Some(magnet) = magnet_with(state, Some(user), release, hashes, may) {
        xml.empty(
            "torznab:attr",
            &[("name", "magneturl"), ("value", magnet.as_str())],
        );
    }
    xml.close("item");
}
