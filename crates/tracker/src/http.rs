//! The HTTP tracker: `GET /announce` (BEP 3, 7, 23) and `GET /scrape`
//! (BEP 48).
//!
//! # Passkey URLs
//!
//! The portal hands members .torrent files whose announce URL carries
//! their passkey as the last path segment: `/announce/<passkey>` (and
//! `udp://host:port/announce/<passkey>`, the UDP tracker's BEP 41 URL
//! data). So `/announce/{passkey}` and `/scrape/{passkey}` are served as
//! well, and `?pk=<passkey>` for clients that mangle paths. In every mode
//! a path segment must have a passkey's shape, 32 hexadecimal characters
//! (anything else is refused with "malformed passkey in the announce
//! URL"). Modes `open` and `listed` ignore it otherwise; mode `private`
//! looks it up among the members ([`Tracker::announce`],
//! [`Tracker::check_scrape_passkey`]) and refuses requests without a
//! valid one. A passkey is never logged or stored by the tracker.
//!
//! Every refusal is a `200 OK` whose bencoded body holds only a
//! `failure reason`: that is what clients read and show to their users; an
//! HTTP error status would be shown as an opaque network error instead.

use crate::service::{AnnounceInput, Rejection, Tracker, Unlisted};
use crate::stats::bump;
use accounting::{Passkey, PasskeyInUrl};
use axum::Router;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::cell::RefCell;
use std::net::SocketAddr;
use std::sync::Arc;
use swarm::PeerOut;
use tracker_proto::http::{
    self as wire, AnnounceResponse, HttpRequestError, PeerFormat, ResponsePeer, ScrapeFile,
};

/// The tracker routes. Serve with
/// `into_make_service_with_connect_info::<SocketAddr>()`: the client
/// address is the socket's peer address, never a header.
///
/// `/announce/<passkey>` and `/scrape/<passkey>` are read by
/// [`with_passkey`] from the raw path rather than through a route
/// parameter: a parameter costs every private announce a map of
/// parameters and a percent-decoded copy, and a passkey needs neither (a
/// percent-encoded one is malformed, as over UDP).
pub fn router(tracker: Arc<Tracker>) -> Router {
    Router::new()
        .route("/announce", get(announce))
        .route("/scrape", get(scrape))
        .fallback(with_passkey)
        .with_state(tracker)
}

/// The refusal of a passkey segment that cannot be a passkey.
pub const MALFORMED_PASSKEY: &str = "malformed passkey in the announce URL";

/// Everything but `/announce` and `/scrape`: a passkey URL, or 404.
async fn with_passkey(
    State(tracker): State<Arc<Tracker>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let path = uri.path();
    let (announce, segment) = match (
        path.strip_prefix("/announce/"),
        path.strip_prefix("/scrape/"),
    ) {
        (Some(segment), _) => (true, segment),
        (None, Some(segment)) => (false, segment),
        (None, None) => return StatusCode::NOT_FOUND.into_response(),
    };
    if method != Method::GET && method != Method::HEAD {
        let allow = [(header::ALLOW, HeaderValue::from_static("GET,HEAD"))];
        return (StatusCode::METHOD_NOT_ALLOWED, allow).into_response();
    }
    let passkey = Passkey::parse(segment.as_bytes());
    let stats = &tracker.stats().http;
    match (announce, passkey) {
        (true, Some(passkey)) => serve_announce(&tracker, peer, &headers, &uri, Some(passkey)),
        (false, Some(passkey)) => {
            serve_scrape(&tracker, peer, &headers, &uri, PasskeyInUrl::Found(passkey))
        }
        (true, None) => {
            bump(&stats.announces);
            malformed_passkey(&tracker)
        }
        (false, None) => {
            bump(&stats.scrapes);
            malformed_passkey(&tracker)
        }
    }
}

thread_local! {
    /// Peer list reused across requests on a runtime thread.
    static PEERS: RefCell<Vec<PeerOut>> = const { RefCell::new(Vec::new()) };
}

async fn announce(
    State(tracker): State<Arc<Tracker>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    serve_announce(&tracker, peer, &headers, &uri, None)
}

/// The passkey of a request: the path segment when there is one, else a
/// `pk` query parameter.
fn passkey_of(path: Option<Passkey>, query: Option<&[u8]>) -> PasskeyInUrl {
    match (path, query) {
        (Some(passkey), _) => PasskeyInUrl::Found(passkey),
        (None, Some(text)) => {
            Passkey::parse(text).map_or(PasskeyInUrl::Malformed, PasskeyInUrl::Found)
        }
        (None, None) => PasskeyInUrl::Missing,
    }
}

fn serve_announce(
    tracker: &Tracker,
    peer: SocketAddr,
    headers: &HeaderMap,
    uri: &Uri,
    path_passkey: Option<Passkey>,
) -> Response {
    let stats = &tracker.stats().http;
    bump(&stats.announces);
    let client_ip = tracker.trusted_proxies().client_ip(peer, headers);
    if let Err(refused) = tracker.admit(client_ip) {
        return denied(tracker, &refused.message);
    }
    let request = match wire::parse_announce(query_bytes(uri)) {
        Ok(request) => request,
        Err(e) => return failure(tracker, &e),
    };
    let input = AnnounceInput {
        info_hash: request.info_hash,
        peer_id: request.peer_id,
        port: request.port,
        event: request.event,
        uploaded: request.uploaded,
        downloaded: request.downloaded,
        left: request.left,
        numwant: request.numwant,
        passkey: passkey_of(path_passkey, request.passkey.as_deref()),
    };
    let settings = tracker.settings();
    let format = if request.compact {
        PeerFormat::Compact
    } else {
        PeerFormat::Dictionary {
            no_peer_id: request.no_peer_id,
        }
    };
    let mut body = Vec::with_capacity(512);
    let served = PEERS.with_borrow_mut(|peers| {
        let counts = tracker.announce(client_ip, &input, peers)?;
        let response_peers: Vec<ResponsePeer> = peers
            .iter()
            .map(|p| ResponsePeer {
                peer_id: p.peer_id,
                ip: p.addr.ip(),
                port: p.addr.port(),
            })
            .collect();
        let response = AnnounceResponse {
            interval: settings.announce_interval,
            min_interval: settings.min_announce_interval,
            complete: counts.seeders,
            incomplete: counts.leechers,
            downloaded: counts.completed,
            peers: &response_peers,
        };
        wire::write_announce_response(&mut body, &response, format);
        Ok(())
    });
    match served {
        Ok(()) => bencoded(body),
        Err(rejection) => rejected(tracker, &rejection),
    }
}

async fn scrape(
    State(tracker): State<Arc<Tracker>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    // The scrape parser reads only `info_hash`.
    let passkey = accounting::passkey_in_query(query_bytes(&uri));
    serve_scrape(&tracker, peer, &headers, &uri, passkey)
}

fn serve_scrape(
    tracker: &Tracker,
    peer: SocketAddr,
    headers: &HeaderMap,
    uri: &Uri,
    passkey: PasskeyInUrl,
) -> Response {
    bump(&tracker.stats().http.scrapes);
    let client_ip = tracker.trusted_proxies().client_ip(peer, headers);
    if let Err(refused) = tracker.admit(client_ip) {
        return denied(tracker, &refused.message);
    }
    if let Err(rejection) = tracker.check_scrape_passkey(passkey) {
        return rejected(tracker, &rejection);
    }
    let hashes = match wire::parse_scrape(query_bytes(uri)) {
        Ok(hashes) => hashes,
        Err(e) => return failure(tracker, &e),
    };
    // Unknown hashes are answered with zero counts rather than left out:
    // a client asking about a torrent nobody announced yet learns exactly
    // that. Hashes the tracker does not serve (mode `listed`) are left
    // out: it has no stats for them (BEP 48).
    let files: Vec<ScrapeFile> = hashes
        .iter()
        .filter_map(|hash| match tracker.scrape(hash) {
            Ok(counts) => Some(ScrapeFile {
                info_hash: *hash,
                complete: counts.seeders,
                incomplete: counts.leechers,
                downloaded: counts.completed,
            }),
            Err(Unlisted) => {
                bump(&tracker.stats().http.unlisted);
                None
            }
        })
        .collect();
    let mut body = Vec::with_capacity(16 + files.len() * 80);
    wire::write_scrape_response(&mut body, &files);
    bencoded(body)
}

fn query_bytes(uri: &Uri) -> &[u8] {
    uri.query().unwrap_or("").as_bytes()
}

fn failure(tracker: &Tracker, error: &HttpRequestError) -> Response {
    bump(&tracker.stats().http.errors);
    let mut body = Vec::with_capacity(64);
    wire::write_failure(&mut body, &error.to_string());
    bencoded(body)
}

fn malformed_passkey(tracker: &Tracker) -> Response {
    bump(&tracker.stats().http.errors);
    let mut body = Vec::with_capacity(64);
    wire::write_failure(&mut body, MALFORMED_PASSKEY);
    bencoded(body)
}

fn denied(tracker: &Tracker, message: &str) -> Response {
    bump(&tracker.stats().http.denied);
    let mut body = Vec::with_capacity(32 + message.len());
    wire::write_failure(&mut body, message);
    bencoded(body)
}

fn rejected(tracker: &Tracker, rejection: &Rejection) -> Response {
    let stats = &tracker.stats().http;
    bump(match rejection {
        Rejection::Unlisted => &stats.unlisted,
        _ => &stats.unauthorized,
    });
    let message = rejection.message();
    let mut body = Vec::with_capacity(16 + message.len());
    wire::write_failure(&mut body, &message);
    bencoded(body)
}

fn bencoded(body: Vec<u8>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=binary"),
        )],
        body,
    )
        .into_response()
}
