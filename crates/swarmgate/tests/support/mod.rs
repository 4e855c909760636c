//! Shared helpers for the in-process server tests: start swarmgate on
//! port 0 with a stopped clock, and speak raw UDP and HTTP to it.
#![allow(dead_code)]

pub mod browser;
pub mod clients;

use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, UdpSocket};
use std::sync::Arc;
use std::time::Duration;
use swarm::{ManualClock, Secs};
use swarmgate::{Config, Running};
use tracker_proto::udp::{
    AnnounceRequest, ConnectRequest, ConnectionId, Request, Response, ScrapeRequest, TransactionId,
};
use tracker_proto::{AnnounceEvent, InfoHash, PeerId};

pub struct TestServer {
    pub running: Running,
    pub clock: ManualClock,
    pub data_dir: tempfile::TempDir,
}

/// A config that binds everything to `ip` port 0 and keeps data in `dir`.
pub fn config_for(ip: IpAddr, dir: &std::path::Path) -> Config {
    let mut config = Config::default();
    config.tracker.udp_bind = SocketAddr::new(ip, 0);
    config.tracker.http_bind = SocketAddr::new(ip, 0);
    config.tracker.udp_workers = 2;
    config.portal.bind = SocketAddr::new(ip, 0);
    config.metrics.bind = SocketAddr::new(ip, 0);
    config.storage.data_dir = dir.to_owned();
    config
}

pub async fn start_on(ip: IpAddr) -> TestServer {
    let data_dir = tempfile::tempdir().unwrap();
    start_in(config_for(ip, data_dir.path()), data_dir).await
}

pub async fn start() -> TestServer {
    start_on(IpAddr::from([127, 0, 0, 1])).await
}

pub async fn start_in(config: Config, data_dir: tempfile::TempDir) -> TestServer {
    let clock = ManualClock::new(Secs(1_000_000));
    let running = swarmgate::start_with_clock(&config, Arc::new(clock.clone()))
        .await
        .unwrap();
    TestServer {
        running,
        clock,
        data_dir,
    }
}

/// A data directory with a migrated database in it, for a test to fill
/// before the server starts there.
pub async fn migrated_store() -> (tempfile::TempDir, store::Store) {
    let data_dir = tempfile::tempdir().unwrap();
    let store = store::Store::open_in_dir(data_dir.path()).await.unwrap();
    store.migrate().await.unwrap();
    (data_dir, store)
}

/// An uploader account named `name` whose passkey is 16 bytes of `seed`
/// (32 hex characters: `format!("{seed:02x}").repeat(16)`).
pub async fn add_uploader(store: &store::Store, name: &str, seed: u8) -> i64 {
    store
        .create_user(&store::NewUser {
            username: &store::Username::parse(name).unwrap(),
            password_hash: &store::PasswordHash("$argon2id$fake".into()),
            role: store::Role::Uploader,
            passkey: &store::Passkey::from_bytes([seed; 16]),
            created_at: 1,
        })
        .await
        .unwrap()
}

/// The passkey [`add_uploader`] gives an account made with `seed`.
pub fn passkey_hex(seed: u8) -> String {
    format!("{seed:02x}").repeat(16)
}

/// A release with `status` uploaded by `uploader`, under v1 hash
/// [`hash`]`(n)` and, if given, a v2 hash: its id.
pub async fn add_release(
    store: &store::Store,
    uploader: i64,
    n: u8,
    v2: Option<[u8; 32]>,
    status: store::ReleaseStatus,
) -> i64 {
    let category = store.categories().await.unwrap()[0].id;
    store
        .create_release(&store::NewRelease {
            info_hash_v1: Some(hash(n)),
            info_hash_v2: v2,
            title: "t",
            description_md: "",
            category_id: category,
            uploader_id: uploader,
            status,
            size: 1 << 30,
            private: true,
            torrent: &[n],
            created_at: 1,
            files: &[],
            tags: &[],
        })
        .await
        .unwrap()
}

pub fn hash(n: u8) -> InfoHash {
    InfoHash([n; 20])
}

pub fn peer(n: u8) -> PeerId {
    let mut id = *b"-SG0001-000000000000";
    id[19] = n;
    PeerId(id)
}

/// A UDP tracker client bound to `local_ip` (e.g. 127.0.0.2, so peers look
/// like different hosts).
pub struct UdpClient {
    pub socket: UdpSocket,
    server: SocketAddr,
    next_tx: u32,
}

impl UdpClient {
    pub fn new(local_ip: IpAddr, server: SocketAddr) -> Self {
        let socket = UdpSocket::bind(SocketAddr::new(local_ip, 0)).unwrap();
        socket
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        Self {
            socket,
            server,
            next_tx: 1,
        }
    }

    pub fn send_raw(&self, bytes: &[u8]) {
        self.socket.send_to(bytes, self.server).unwrap();
    }

    /// Waits for one datagram; None on timeout.
    pub fn recv_raw(&self, timeout: Duration) -> Option<Vec<u8>> {
        self.socket.set_read_timeout(Some(timeout)).unwrap();
        let mut buf = [0u8; 4096];
        let got = self
            .socket
            .recv_from(&mut buf)
            .ok()
            .map(|(n, _)| buf[..n].to_vec());
        self.socket
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        got
    }

    fn tx(&mut self) -> TransactionId {
        self.next_tx += 1;
        TransactionId(self.next_tx)
    }

    pub fn request(&mut self, request: &Request) -> Response {
        let mut bytes = Vec::new();
        request.write_to(&mut bytes);
        self.send_raw(&bytes);
        let reply = self
            .recv_raw(Duration::from_secs(5))
            .expect("the tracker answers");
        Response::parse(&reply, self.server.is_ipv6()).expect("a well-formed response")
    }

    pub fn connect(&mut self) -> ConnectionId {
        let transaction_id = self.tx();
        match self.request(&Request::Connect(ConnectRequest { transaction_id })) {
            Response::Connect {
                transaction_id: echoed,
                connection_id,
            } => {
                assert_eq!(echoed, transaction_id);
                connection_id
            }
            other => panic!("expected a connect response, got {other:?}"),
        }
    }

    pub fn announce_with(&mut self, connection_id: ConnectionId, req: UdpAnnounce) -> Response {
        let transaction_id = self.tx();
        self.request(&Request::Announce(AnnounceRequest {
            connection_id,
            transaction_id,
            info_hash: req.info_hash,
            peer_id: req.peer_id,
            downloaded: req.downloaded,
            left: req.left,
            uploaded: req.uploaded,
            event: req.event,
            ip_address: 0,
            key: 7,
            num_want: req.num_want,
            port: req.port,
            url_data: req.url_data.as_bytes().into(),
        }))
    }

    pub fn announce(&mut self, req: UdpAnnounce) -> Response {
        let id = self.connect();
        self.announce_with(id, req)
    }

    pub fn scrape(&mut self, hashes: &[InfoHash]) -> Response {
        let connection_id = self.connect();
        let transaction_id = self.tx();
        self.request(&Request::Scrape(ScrapeRequest {
            connection_id,
            transaction_id,
            info_hashes: hashes.to_vec(),
        }))
    }
}

#[derive(Clone, Copy, Debug)]
pub struct UdpAnnounce {
    pub info_hash: InfoHash,
    pub peer_id: PeerId,
    pub port: u16,
    pub left: u64,
    pub event: AnnounceEvent,
    pub num_want: Option<u32>,
    pub uploaded: u64,
    pub downloaded: u64,
    /// BEP 41 URL data, e.g. `/announce/<passkey>`.
    pub url_data: &'static str,
}

impl UdpAnnounce {
    pub fn new(info_hash: InfoHash, peer_id: PeerId, port: u16, left: u64) -> Self {
        Self {
            info_hash,
            peer_id,
            port,
            left,
            event: AnnounceEvent::Started,
            num_want: None,
            uploaded: 0,
            downloaded: 0,
            url_data: "",
        }
    }

    pub fn event(mut self, event: AnnounceEvent) -> Self {
        self.event = event;
        self
    }

    pub fn counters(mut self, uploaded: u64, downloaded: u64) -> Self {
        self.uploaded = uploaded;
        self.downloaded = downloaded;
        self
    }

    /// Leaks `url_data` to keep the type `Copy`: a few bytes per test.
    pub fn url(mut self, url_data: &str) -> Self {
        self.url_data = Box::leak(url_data.to_owned().into_boxed_str());
        self
    }
}

/// Percent-encodes every byte (what real clients do for binary values).
pub fn pct(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("%{b:02X}")).collect()
}

/// An HTTP announce from `ip` to `path` (with a passkey in it, or `?pk=`)
/// for torrent `hash(n)` as peer `peer(n)`, with `counters` (uploaded,
/// downloaded, left); the reply's body. Asserts status 200.
pub fn http_announce(
    server: &TestServer,
    ip: IpAddr,
    path: &str,
    n: u8,
    counters: (u64, u64, u64),
    event: &str,
) -> Vec<u8> {
    let (uploaded, downloaded, left) = counters;
    let query = announce_query(hash(n), peer(n), 6881, left, event)
        .replace("uploaded=0", &format!("uploaded={uploaded}"))
        .replace("downloaded=0", &format!("downloaded={downloaded}"));
    let sep = if path.contains('?') { '&' } else { '?' };
    let (status, body) = http_get(
        ip,
        server.running.http_addr(),
        &format!("{path}{sep}{query}"),
    );
    assert_eq!(status, 200);
    body
}

/// An HTTP announce query for a peer.
pub fn announce_query(
    info_hash: InfoHash,
    peer_id: PeerId,
    port: u16,
    left: u64,
    event: &str,
) -> String {
    format!(
        "info_hash={}&peer_id={}&port={port}&uploaded=0&downloaded=0&left={left}&event={event}",
        pct(&info_hash.0),
        pct(&peer_id.0)
    )
}

/// A plain HTTP/1.1 GET from `local_ip`; returns (status, body).
pub fn http_get(local_ip: IpAddr, server: SocketAddr, path_and_query: &str) -> (u16, Vec<u8>) {
    let response = http_request(local_ip, server, path_and_query, &[]);
    (response.status, response.body)
}

/// An HTTP response as the tests see it.
#[derive(Debug)]
pub struct HttpResponse {
    pub status: u16,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A GET from `local_ip` with extra request headers.
pub fn http_request(
    local_ip: IpAddr,
    server: SocketAddr,
    path_and_query: &str,
    extra_headers: &[(&str, &str)],
) -> HttpResponse {
    let socket = match local_ip {
        IpAddr::V4(_) => socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None),
        IpAddr::V6(_) => socket2::Socket::new(socket2::Domain::IPV6, socket2::Type::STREAM, None),
    }
    .unwrap();
    socket.bind(&SocketAddr::new(local_ip, 0).into()).unwrap();
    socket
        .connect_timeout(&server.into(), Duration::from_secs(5))
        .unwrap();
    let mut stream: TcpStream = socket.into();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut request =
        format!("GET {path_and_query} HTTP/1.1\r\nHost: tracker\r\nConnection: close\r\n");
    for (name, value) in extra_headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete response");
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    if headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"))
    {
        body = dechunk(&body);
    }
    HttpResponse {
        status,
        headers,
        body,
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n").unwrap();
        let size =
            usize::from_str_radix(std::str::from_utf8(&data[..line_end]).unwrap().trim(), 16)
                .unwrap();
        data = &data[line_end + 2..];
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}

/// Decodes a bencoded dictionary body and returns `key`'s integer.
pub fn bint(body: &[u8], key: &str) -> i64 {
    let value = bencode::decode(body).unwrap();
    value
        .value
        .get(key.as_bytes())
        .and_then(|v| v.value.as_int())
        .unwrap_or_else(|| panic!("no integer {key} in {}", String::from_utf8_lossy(body)))
}

/// An HTTP tracker reply's `failure reason`, if it has one.
pub fn failure_reason(body: &[u8]) -> Option<String> {
    bbytes(body, "failure reason").map(|m| String::from_utf8(m).unwrap())
}

/// The bytes of `key` in a bencoded dictionary body.
pub fn bbytes(body: &[u8], key: &str) -> Option<Vec<u8>> {
    let value = bencode::decode(body).unwrap();
    value
        .value
        .get(key.as_bytes())
        .and_then(|v| v.value.as_bytes())
        .map(<[u8]>::to_vec)
}

/// Scrapes one hash over HTTP from 127.0.0.1: (complete, downloaded).
pub fn bencode_scrape(server: SocketAddr, info_hash: &[u8; 20]) -> (i64, i64) {
    let (status, body) = http_get(
        IpAddr::from([127, 0, 0, 1]),
        server,
        &format!("/scrape?info_hash={}", pct(info_hash)),
    );
    assert_eq!(status, 200);
    let decoded = bencode::decode(&body).unwrap();
    let files = decoded.value.get(b"files").expect("a files dictionary");
    let entry = &files
        .value
        .get(info_hash)
        .expect("the hash is answered")
        .value;
    let int = |key: &[u8]| entry.get(key).and_then(|v| v.value.as_int()).unwrap();
    (int(b"complete"), int(b"downloaded"))
}
