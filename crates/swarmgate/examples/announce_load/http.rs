//! HTTP announces over keep-alive connections, one request in flight on
//! each.
//!
//! With passkeys the path is `/announce/<passkey>`, the form swarmgate's
//! portal writes into members' .torrent files; without, `/announce`. The
//! query carries the binary info-hash percent-encoded, `compact=1` and
//! `numwant`. A response is read to the end of its `Content-Length`
//! body; one whose body is a bencoded `failure reason`, or whose status is
//! not 200, counts as an error.

use crate::peers::{Peer, Rng, hex};
use crate::{Context, Totals};
use std::io::Write as _;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const FAILURE: &[u8] = b"d14:failure reason";

pub async fn run(ctx: Context, connections: usize) {
    let broken = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for index in 0..connections {
        let ctx = ctx.clone();
        let broken = Arc::clone(&broken);
        tasks.push(tokio::spawn(async move {
            let peers = ctx.population.share(index, connections);
            let rng = Rng::new(u64::from(ctx.population.peers()) ^ ((index as u64) << 32));
            let deadline = tokio::time::Instant::from_std(ctx.deadline);
            let mut client = Client {
                ctx,
                peers,
                rng,
                request: Vec::with_capacity(512),
                response: Vec::with_capacity(4096),
            };
            // Past the deadline the request in flight is dropped unanswered.
            let _ = tokio::time::timeout_at(deadline, client.run(&broken)).await;
        }));
    }
    for task in tasks {
        task.await.expect("http task");
    }
    let broken = broken.load(std::sync::atomic::Ordering::Relaxed);
    if broken > 0 {
        eprintln!("{broken} connections failed or were closed by the tracker and reopened");
    }
}

#[derive(Debug)]
struct Client {
    ctx: Context,
    peers: Vec<Peer>,
    rng: Rng,
    request: Vec<u8>,
    response: Vec<u8>,
}

/// Why a connection is given up and reopened.
#[derive(Debug)]
enum Broken {
    Io,
    Closed,
    BadResponse,
}

impl From<std::io::Error> for Broken {
    fn from(_: std::io::Error) -> Self {
        Broken::Io
    }
}

impl Client {
    async fn run(&mut self, broken: &AtomicU64) {
        loop {
            let mut stream = match TcpStream::connect(self.ctx.target).await {
                Ok(stream) => stream,
                Err(_) => {
                    Totals::add(broken, 1);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let _ = stream.set_nodelay(true);
            loop {
                match self.exchange(&mut stream).await {
                    Ok(true) => {}
                    // The tracker asked to close: reconnect, not a failure.
                    Ok(false) => break,
                    Err(_) => {
                        Totals::add(broken, 1);
                        break;
                    }
                }
            }
        }
    }

    /// One announce and its response; `Ok(false)` when the tracker closes
    /// the connection after it.
    async fn exchange(&mut self, stream: &mut TcpStream) -> Result<bool, Broken> {
        self.write_request();
        stream.write_all(&self.request).await?;
        Totals::add(&self.ctx.totals.requests, 1);
        self.response.clear();
        let header_end = loop {
            if let Some(at) = find(&self.response, b"\r\n\r\n") {
                break at + 4;
            }
            if self.response.len() > 64 * 1024 {
                return Err(Broken::BadResponse);
            }
            if stream.read_buf(&mut self.response).await? == 0 {
                return Err(Broken::Closed);
            }
        };
        let head = &self.response[..header_end];
        let ok = head.starts_with(b"HTTP/1.1 200") || head.starts_with(b"HTTP/1.0 200");
        let length = header(head, b"content-length")
            .and_then(|v| std::str::from_utf8(v).ok()?.trim().parse::<usize>().ok())
            .ok_or(Broken::BadResponse)?;
        let keep_alive =
            !header(head, b"connection").is_some_and(|v| v.eq_ignore_ascii_case(b"close"));
        while self.response.len() < header_end + length {
            if stream.read_buf(&mut self.response).await? == 0 {
                return Err(Broken::Closed);
            }
        }
        let body = &self.response[header_end..header_end + length];
        let totals = &self.ctx.totals;
        if ok && !body.starts_with(FAILURE) {
            Totals::add(&totals.responses, 1);
        } else {
            Totals::add(&totals.errors, 1);
        }
        Totals::add(&totals.bytes_in, (header_end + length) as u64);
        Ok(keep_alive)
    }

    /// The next announce of a random peer of this connection's share.
    fn write_request(&mut self) {
        let index = self.rng.below(self.peers.len() as u64) as usize;
        let peer = &mut self.peers[index];
        let announce = peer.next(&mut self.rng);
        let population = &self.ctx.population;
        let r = &mut self.request;
        r.clear();
        r.extend_from_slice(b"GET /announce");
        if self.ctx.passkeys {
            r.push(b'/');
            hex(&population.passkey(peer.member), r);
        }
        r.extend_from_slice(b"?info_hash=");
        for byte in population.info_hash(peer.torrent) {
            r.push(b'%');
            hex(&[byte], r);
        }
        r.extend_from_slice(b"&peer_id=");
        r.extend_from_slice(&announce.peer_id);
        let _ = write!(
            r,
            "&port={}&uploaded={}&downloaded={}&left={}&compact=1&numwant={}{} HTTP/1.1\r\n\
             Host: 127.0.0.1\r\n\r\n",
            peer.port,
            announce.uploaded,
            announce.downloaded,
            announce.left,
            self.ctx.numwant,
            announce.event.http_param(),
        );
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The value of header `name` (lowercase) in a response head.
fn header<'a>(head: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    head.split(|&b| b == b'\n').skip(1).find_map(|line| {
        let colon = line.iter().position(|&b| b == b':')?;
        let (key, value) = line.split_at(colon);
        key.eq_ignore_ascii_case(name)
            .then(|| value[1..].trim_ascii())
    })
}
