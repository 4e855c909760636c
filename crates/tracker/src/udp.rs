//! The UDP tracker server (BEP 15).
//!
//! Worker threads share one socket and block in `recv_from`. Each owns its
//! receive buffer, reply buffer and peer list, so a request costs two
//! syscalls and no allocation once the buffers have grown. A read timeout
//! lets workers notice shutdown without a wake-up datagram.
//!
//! Connection ids are stateless (see `tracker_proto::udp::connection_id`):
//! a flood of connect packets costs CPU, never memory.

use crate::service::{AnnounceInput, Rejection, Tracker, Unlisted};
use crate::shutdown::Shutdown;
use crate::stats::bump;
use accounting::{PasskeyInUrl, passkey_in_url};
use std::io;
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;
use swarm::{PeerOut, SwarmCounts};
use tracker_proto::udp::{
    AnnounceHeader, AnnounceRequest, Request, RequestParseError, Response, ScrapeRequest,
    ScrapeStats, TransactionId, write_announce, write_error,
};

/// How often an idle worker checks for shutdown.
const SHUTDOWN_POLL: Duration = Duration::from_millis(200);

/// Largest datagram read. An announce with BEP 41 URL data is about 360
/// bytes; a full scrape 1,496. Anything longer is truncated and then fails
/// to parse or is read up to what fits.
const RECV_BUFFER: usize = 2048;

/// Starts `workers` threads serving `socket` until `shutdown` triggers.
pub fn spawn(
    socket: UdpSocket,
    tracker: Arc<Tracker>,
    workers: usize,
    shutdown: Shutdown,
) -> io::Result<Vec<JoinHandle<()>>> {
    socket.set_read_timeout(Some(SHUTDOWN_POLL))?;
    (0..workers.max(1))
        .map(|i| {
            let socket = socket.try_clone()?;
            let tracker = Arc::clone(&tracker);
            let shutdown = shutdown.clone();
            std::thread::Builder::new()
                .name(format!("udp-worker-{i}"))
                .spawn(move || Worker::new(tracker).run(&socket, &shutdown))
        })
        .collect()
}

struct Worker {
    tracker: Arc<Tracker>,
    reply: Vec<u8>,
    peers: Vec<PeerOut>,
}

impl Worker {
    fn new(tracker: Arc<Tracker>) -> Self {
        Self {
            tracker,
            reply: Vec::with_capacity(RECV_BUFFER),
            peers: Vec::with_capacity(200),
        }
    }

    fn run(mut self, socket: &UdpSocket, shutdown: &Shutdown) {
        let mut buf = [0u8; RECV_BUFFER];
        while !shutdown.is_triggered() {
            let (len, src) = match socket.recv_from(&mut buf) {
                Ok(received) => received,
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    continue;
                }
                // ICMP errors from earlier sends surface here on some
                // systems; they concern one client, not the socket.
                Err(e) => {
                    tracing::debug!(error = %e, "udp receive failed");
                    continue;
                }
            };
            self.reply.clear();
            if self.handle(&buf[..len], src) && socket.send_to(&self.reply, src).is_err() {
                bump(&self.tracker.stats().udp.send_failures);
            }
        }
    }

    /// Writes the reply for one datagram into `self.reply`; false when
    /// the datagram gets no reply.
    fn handle(&mut self, datagram: &[u8], src: SocketAddr) -> bool {
        let ip = src.ip().to_canonical();
        let request = match Request::parse(datagram) {
            Ok(request) => request,
            Err(RequestParseError::Reply {
                transaction_id,
                message,
            }) => {
                return self.error(transaction_id, message);
            }
            Err(RequestParseError::Drop) => {
                bump(&self.tracker.stats().udp.dropped);
                return false;
            }
        };
        if self.refuse(&request, ip) {
            return true;
        }
        let stats = &self.tracker.stats().udp;
        let response = match request {
            Request::Connect(req) => {
                bump(&stats.connects);
                let id = self
                    .tracker
                    .connection_ids()
                    .issue(ip, unix_now(&self.tracker));
                Response::Connect {
                    transaction_id: req.transaction_id,
                    connection_id: id,
                }
            }
            Request::Announce(req) => {
                bump(&stats.announces);
                if !self.connection_is_valid(req.connection_id, ip) {
                    return self.error(req.transaction_id, STALE_CONNECTION);
                }
                self.announce(&req, ip);
                return true;
            }
            Request::Scrape(req) => {
                bump(&stats.scrapes);
                if !self.connection_is_valid(req.connection_id, ip) {
                    return self.error(req.transaction_id, STALE_CONNECTION);
                }
                // BEP 41 URL data comes with announces only, so a UDP
                // scrape cannot show a passkey: in mode `private` it would
                // tell anyone which hashes are listed, and their counts.
                if self.tracker.accounting().is_some() {
                    bump(&stats.unauthorized);
                    return self.error(req.transaction_id, PRIVATE_SCRAPE);
                }
                self.scrape(&req)
            }
        };
        response.write_to(&mut self.reply);
        true
    }

    /// Writes the policy's refusal for a denied client; BEP 15 has no
    /// refusal packet for connect either, so a denied connect gets the
    /// same error packet and the client shows its message.
    fn refuse(&mut self, request: &Request, ip: IpAddr) -> bool {
        let Err(refused) = self.tracker.admit(ip) else {
            return false;
        };
        bump(&self.tracker.stats().udp.denied);
        let transaction_id = match request {
            Request::Connect(r) => r.transaction_id,
            Request::Announce(r) => r.transaction_id,
            Request::Scrape(r) => r.transaction_id,
        };
        write_error(&mut self.reply, transaction_id, &refused.message);
        true
    }

    fn connection_is_valid(&self, id: tracker_proto::udp::ConnectionId, ip: IpAddr) -> bool {
        self.tracker
            .connection_ids()
            .validate(id, ip, unix_now(&self.tracker))
    }

    fn error(&mut self, transaction_id: TransactionId, message: &str) -> bool {
        bump(&self.tracker.stats().udp.errors);
        write_error(&mut self.reply, transaction_id, message);
        true
    }

    /// Records the announce and writes the reply straight from the swarm's
    /// peer list into the reply buffer: no per-request allocation. A hash
    /// the tracker does not serve gets an error packet.
    fn announce(&mut self, req: &AnnounceRequest, ip: IpAddr) {
        // BEP 41 URL data is read only where a passkey matters.
        let passkey = if self.tracker.accounting().is_some() {
            passkey_in_url(&req.url_data)
        } else {
            PasskeyInUrl::Missing
        };
        let input = AnnounceInput {
            info_hash: req.info_hash,
            peer_id: req.peer_id,
            port: req.port,
            event: req.event,
            uploaded: req.uploaded,
            downloaded: req.downloaded,
            left: req.left,
            numwant: req.num_want,
            passkey,
        };
        let counts = match self.tracker.announce(ip, &input, &mut self.peers) {
            Ok(counts) => counts,
            Err(rejection) => {
                let stats = &self.tracker.stats().udp;
                bump(match rejection {
                    Rejection::Unlisted => &stats.unlisted,
                    _ => &stats.unauthorized,
                });
                write_error(&mut self.reply, req.transaction_id, &rejection.message());
                return;
            }
        };
        let header = AnnounceHeader {
            transaction_id: req.transaction_id,
            interval: self.tracker.settings().announce_interval,
            leechers: counts.leechers,
            seeders: counts.seeders,
        };
        // The swarm only hands out peers of the requester's family.
        let peers = self.peers.iter().map(|p| p.addr);
        write_announce(&mut self.reply, header, ip.is_ipv6(), peers);
    }

    /// Answers every hash in its place, as BEP 15 requires: one the
    /// tracker does not serve gets zeros.
    fn scrape(&self, req: &ScrapeRequest) -> Response {
        let stats = req
            .info_hashes
            .iter()
            .map(|hash| {
                let counts = self.tracker.scrape(hash).unwrap_or_else(|Unlisted| {
                    bump(&self.tracker.stats().udp.unlisted);
                    SwarmCounts::default()
                });
                ScrapeStats {
                    seeders: counts.seeders,
                    completed: u32::try_from(counts.completed).unwrap_or(u32::MAX),
                    leechers: counts.leechers,
                }
            })
            .collect();
        Response::Scrape {
            transaction_id: req.transaction_id,
            stats,
        }
    }
}

/// The reply to a UDP scrape in mode `private`.
const PRIVATE_SCRAPE: &str =
    "this private tracker answers scrapes over HTTP only, with your passkey";

/// The reply to an announce or scrape whose connection id is too old,
/// forged, or was issued to another address. Clients reconnect on it.
const STALE_CONNECTION: &str = "connection id expired or invalid; reconnect";

/// Seconds for connection ids, from the tracker's injected clock so tests
/// can age an id without sleeping.
fn unix_now(tracker: &Tracker) -> u64 {
    u64::from(tracker.now().0)
}
