//! UDP announces (BEP 15, with BEP 41 URL data for the passkey).
//!
//! Each socket is connected to the tracker (so `send` skips the route
//! lookup), gets a connection id, and keeps `window` announces in flight
//! in numbered slots: a response frees its slot (the slot is the low byte
//! of the transaction id) and the slot sends the next announce at once.
//! A slot unanswered for [`LOST_AFTER`] counts as lost and sends again, so
//! lost datagrams do not shrink the window. The connection id is renewed
//! every [`RECONNECT_EVERY`], well inside every tracker's validity, and
//! at once after an error that names the connection.

use crate::peers::{Peer, Rng, hex};
use crate::{Context, Totals};
use std::time::{Duration, Instant};
use tokio::net::UdpSocket;

const PROTOCOL_ID: u64 = 0x0417_2710_1980;
const ACTION_CONNECT: u32 = 0;
const ACTION_ANNOUNCE: u32 = 1;
const ACTION_ERROR: u32 = 3;
/// BEP 41 option type `URLData`.
const OPTION_URL_DATA: u8 = 2;
/// Transaction ids of connect requests have this bit; announces do not.
const CONNECT_TID: u32 = 1 << 31;
const LOST_AFTER: Duration = Duration::from_millis(100);
const RECONNECT_EVERY: Duration = Duration::from_secs(30);
/// How long one receive waits before the task looks at its slots.
const RECV_WAIT: Duration = Duration::from_millis(50);

pub async fn run(ctx: Context, sockets: usize, window: usize) {
    let mut tasks = Vec::new();
    for index in 0..sockets {
        let ctx = ctx.clone();
        tasks.push(tokio::spawn(async move {
            let peers = ctx.population.share(index, sockets);
            let socket = UdpSocket::bind("127.0.0.1:0").await.expect("binding");
            socket.connect(ctx.target).await.expect("connecting");
            Driver {
                rng: Rng::new(u64::from(ctx.population.peers()) ^ ((index as u64) << 32)),
                ctx,
                socket,
                peers,
                slots: vec![None; window],
                sequence: 0,
                connection: None,
                connect_sent: None,
                packet: Vec::with_capacity(160),
            }
            .run()
            .await;
        }));
    }
    for task in tasks {
        task.await.expect("udp task");
    }
}

#[derive(Clone, Copy, Debug)]
struct Slot {
    transaction_id: u32,
    sent_at: Instant,
}

#[derive(Debug)]
struct Driver {
    ctx: Context,
    socket: UdpSocket,
    peers: Vec<Peer>,
    rng: Rng,
    slots: Vec<Option<Slot>>,
    sequence: u32,
    /// The connection id and when it was issued.
    connection: Option<(u64, Instant)>,
    connect_sent: Option<Instant>,
    packet: Vec<u8>,
}

impl Driver {
    async fn run(mut self) {
        let mut buf = [0u8; 2048];
        let mut next_scan = Instant::now();
        loop {
            let now = Instant::now();
            if now >= self.ctx.deadline {
                return;
            }
            let renew = self
                .connection
                .is_none_or(|(_, at)| now.duration_since(at) >= RECONNECT_EVERY);
            let waiting = self
                .connect_sent
                .is_some_and(|at| now.duration_since(at) < LOST_AFTER);
            if renew && !waiting {
                self.send_connect(now).await;
            }
            if now >= next_scan {
                next_scan = now + LOST_AFTER / 2;
                self.resend_lost(now).await;
            }
            let received = tokio::time::timeout(RECV_WAIT, self.socket.recv(&mut buf)).await;
            match received {
                Ok(Ok(len)) => self.handle(&buf[..len]).await,
                // ICMP port unreachable from an earlier send: the tracker
                // is not (yet, or any more) listening.
                Ok(Err(_)) => tokio::time::sleep(RECV_WAIT).await,
                Err(_) => {}
            }
        }
    }

    async fn send_connect(&mut self, now: Instant) {
        let mut packet = [0u8; 16];
        packet[..8].copy_from_slice(&PROTOCOL_ID.to_be_bytes());
        packet[8..12].copy_from_slice(&ACTION_CONNECT.to_be_bytes());
        packet[12..].copy_from_slice(&CONNECT_TID.to_be_bytes());
        let _ = self.socket.send(&packet).await;
        self.connect_sent = Some(now);
    }

    async fn handle(&mut self, datagram: &[u8]) {
        if datagram.len() < 8 {
            return;
        }
        let action = u32::from_be_bytes(datagram[..4].try_into().unwrap());
        let transaction_id = u32::from_be_bytes(datagram[4..8].try_into().unwrap());
        if transaction_id & CONNECT_TID != 0 {
            if action == ACTION_CONNECT && datagram.len() >= 16 {
                let id = u64::from_be_bytes(datagram[8..16].try_into().unwrap());
                let first = self.connection.is_none();
                self.connection = Some((id, Instant::now()));
                self.connect_sent = None;
                if first {
                    for slot in 0..self.slots.len() {
                        self.send_announce(slot).await;
                    }
                }
            }
            return;
        }
        let slot = (transaction_id & 0xff) as usize;
        match self.slots.get(slot).copied().flatten() {
            Some(s) if s.transaction_id == transaction_id => {}
            // An answer to an announce already counted lost and resent.
            _ => return,
        }
        let totals = &self.ctx.totals;
        match action {
            ACTION_ANNOUNCE if datagram.len() >= 20 => {
                Totals::add(&totals.responses, 1);
                Totals::add(&totals.peers, ((datagram.len() - 20) / 6) as u64);
            }
            ACTION_ERROR => {
                Totals::add(&totals.errors, 1);
                let message = String::from_utf8_lossy(&datagram[8..]);
                if message.contains("connection") {
                    self.connection = None;
                }
            }
            _ => Totals::add(&totals.errors, 1),
        }
        self.send_announce(slot).await;
    }

    async fn resend_lost(&mut self, now: Instant) {
        if self.connection.is_none() {
            return;
        }
        for slot in 0..self.slots.len() {
            let lost =
                self.slots[slot].is_some_and(|s| now.duration_since(s.sent_at) >= LOST_AFTER);
            if lost {
                self.send_announce(slot).await;
            }
        }
    }

    /// Sends the next announce of a random peer from `slot`.
    async fn send_announce(&mut self, slot: usize) {
        let Some((connection_id, _)) = self.connection else {
            self.slots[slot] = None;
            return;
        };
        self.sequence = self.sequence.wrapping_add(1);
        let transaction_id = ((self.sequence << 8) | slot as u32) & !CONNECT_TID;
        let index = self.rng.below(self.peers.len() as u64) as usize;
        let peer = &mut self.peers[index];
        let announce = peer.next(&mut self.rng);
        let p = &mut self.packet;
        p.clear();
        p.extend_from_slice(&connection_id.to_be_bytes());
        p.extend_from_slice(&ACTION_ANNOUNCE.to_be_bytes());
        p.extend_from_slice(&transaction_id.to_be_bytes());
        p.extend_from_slice(&self.ctx.population.info_hash(peer.torrent));
        p.extend_from_slice(&announce.peer_id);
        p.extend_from_slice(&announce.downloaded.to_be_bytes());
        p.extend_from_slice(&announce.left.to_be_bytes());
        p.extend_from_slice(&announce.uploaded.to_be_bytes());
        p.extend_from_slice(&announce.event.udp_code().to_be_bytes());
        p.extend_from_slice(&0u32.to_be_bytes()); // IP address: the sender's
        p.extend_from_slice(&(index as u32).to_be_bytes()); // key
        p.extend_from_slice(&self.ctx.numwant.to_be_bytes());
        p.extend_from_slice(&peer.port.to_be_bytes());
        if self.ctx.passkeys {
            // `/announce/` and 32 hex digits: 42 bytes, one option.
            p.push(OPTION_URL_DATA);
            p.push(42);
            p.extend_from_slice(b"/announce/");
            hex(&self.ctx.population.passkey(peer.member), p);
        }
        let _ = self.socket.send(p).await;
        Totals::add(&self.ctx.totals.requests, 1);
        self.slots[slot] = Some(Slot {
            transaction_id,
            sent_at: Instant::now(),
        });
    }
}
