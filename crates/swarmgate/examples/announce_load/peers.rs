//! The simulated members, torrents and peers, all derived from a seed.
//!
//! A peer is one member's client on one torrent: a peer id, a port on
//! 127.0.0.1, and the counters a real client reports (BEP 3: bytes since
//! its session started). Its first announce is `started` with zeros; each
//! later one adds up to 64 MiB downloaded (leechers) and up to 16 or 32
//! MiB uploaded: under the ledger's 1 GiB/s cap even at one announce a
//! second, so nothing is clamped, and fast enough that leechers of the
//! smaller torrents finish within a run. A leecher that has downloaded
//! the whole torrent sends `completed` and seeds from then on; one
//! announce in [`STOP_ONE_IN`] is `stopped`, after which the client starts
//! a new session with a new peer id and counters from zero.

use crate::PopulationArgs;

const MIB: u64 = 1 << 20;
/// One announce in this many closes the peer's session.
pub const STOP_ONE_IN: u64 = 200;
/// A quarter of the peers start as seeders, as in the aquatic HTTP tester.
const SEEDER_ONE_IN: u64 = 4;

/// Who announces for what.
#[derive(Debug)]
pub struct Population {
    members: u32,
    torrents: u32,
    peers: u32,
    seed: u64,
}

/// SplitMix64's finaliser: a bijection, so distinct inputs give distinct
/// outputs.
fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Population {
    /// `peers` 0 means twice the members.
    pub fn new(args: PopulationArgs, peers: u32) -> Self {
        assert!(
            args.members > 0 && args.torrents > 0,
            "--members and --torrents must be at least 1"
        );
        Self {
            members: args.members,
            torrents: args.torrents,
            peers: if peers == 0 {
                args.members.saturating_mul(2)
            } else {
                peers
            },
            seed: args.seed,
        }
    }

    pub fn members(&self) -> u32 {
        self.members
    }

    pub fn torrents(&self) -> u32 {
        self.torrents
    }

    pub fn peers(&self) -> u32 {
        self.peers
    }

    /// Distinct for distinct `index` within one `domain`.
    fn mix(&self, domain: u64, index: u64) -> u64 {
        splitmix(
            self.seed
                .wrapping_mul(0xD1B5_4A32_D192_ED03)
                .wrapping_add(domain << 40)
                .wrapping_add(index),
        )
    }

    /// Member `member`'s passkey (the first half alone is distinct per
    /// member).
    pub fn passkey(&self, member: u32) -> [u8; 16] {
        let mut key = [0; 16];
        key[..8].copy_from_slice(&self.mix(1, u64::from(member)).to_be_bytes());
        key[8..].copy_from_slice(&self.mix(2, u64::from(member)).to_be_bytes());
        key
    }

    /// Torrent `torrent`'s v1 info-hash (distinct per torrent likewise).
    pub fn info_hash(&self, torrent: u32) -> [u8; 20] {
        let mut hash = [0; 20];
        hash[..8].copy_from_slice(&self.mix(3, u64::from(torrent)).to_be_bytes());
        hash[8..16].copy_from_slice(&self.mix(4, u64::from(torrent)).to_be_bytes());
        hash[16..].copy_from_slice(&self.mix(5, u64::from(torrent)).to_be_bytes()[..4]);
        hash
    }

    /// 256 MiB to 4 GiB.
    pub fn torrent_size(&self, torrent: u32) -> u64 {
        256 * MIB * (1 + self.mix(6, u64::from(torrent)) % 16)
    }

    /// Peer `k`, fresh (not started yet).
    pub fn peer(&self, k: u32) -> Peer {
        let member = (self.mix(7, u64::from(k)) % u64::from(self.members)) as u32;
        let torrent = (self.mix(8, u64::from(k)) % u64::from(self.torrents)) as u32;
        let seeder = self.mix(9, u64::from(k)).is_multiple_of(SEEDER_ONE_IN);
        Peer {
            k,
            member,
            torrent,
            // Peers are told apart by address and port within a torrent;
            // all send from 127.0.0.1.
            port: 1024 + (k % 64_000) as u16,
            started: false,
            generation: 0,
            uploaded: 0,
            downloaded: 0,
            left: if seeder {
                0
            } else {
                self.torrent_size(torrent)
            },
        }
    }

    /// The peers one of `tasks` load tasks drives: every `tasks`-th.
    pub fn share(&self, task: usize, tasks: usize) -> Vec<Peer> {
        (task as u32..self.peers)
            .step_by(tasks)
            .map(|k| self.peer(k))
            .collect()
    }
}

/// BEP 3 / BEP 15 announce events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    None,
    Completed,
    Started,
    Stopped,
}

impl Event {
    /// BEP 15's numbering.
    pub fn udp_code(self) -> u32 {
        match self {
            Event::None => 0,
            Event::Completed => 1,
            Event::Started => 2,
            Event::Stopped => 3,
        }
    }

    /// The `&event=...` of an HTTP announce, empty for none.
    pub fn http_param(self) -> &'static str {
        match self {
            Event::None => "",
            Event::Completed => "&event=completed",
            Event::Started => "&event=started",
            Event::Stopped => "&event=stopped",
        }
    }
}

/// One simulated client.
#[derive(Clone, Debug)]
pub struct Peer {
    k: u32,
    pub member: u32,
    pub torrent: u32,
    pub port: u16,
    started: bool,
    generation: u32,
    uploaded: u64,
    downloaded: u64,
    left: u64,
}

/// What one announce reports.
#[derive(Clone, Copy, Debug)]
pub struct Announce {
    pub event: Event,
    pub peer_id: [u8; 20],
    pub uploaded: u64,
    pub downloaded: u64,
    pub left: u64,
}

impl Peer {
    /// Whether it has the whole torrent (a fresh peer: whether it starts
    /// as a seeder).
    pub fn seeder(&self) -> bool {
        self.left == 0
    }

    /// The peer's next announce, its counters moved on.
    pub fn next(&mut self, rng: &mut Rng) -> Announce {
        let event = if !self.started {
            self.started = true;
            self.uploaded = 0;
            self.downloaded = 0;
            Event::Started
        } else if rng.below(STOP_ONE_IN) == 0 {
            self.started = false;
            Event::Stopped
        } else if self.left > 0 {
            let got = rng.below(64 * MIB).min(self.left);
            self.downloaded += got;
            self.left -= got;
            self.uploaded += rng.below(16 * MIB);
            if self.left == 0 {
                Event::Completed
            } else {
                Event::None
            }
        } else {
            self.uploaded += rng.below(32 * MIB);
            Event::None
        };
        let announce = Announce {
            event,
            peer_id: self.peer_id(),
            uploaded: self.uploaded,
            downloaded: self.downloaded,
            left: self.left,
        };
        if event == Event::Stopped {
            // A client draws a new peer id for its next session.
            self.generation = self.generation.wrapping_add(1);
        }
        announce
    }

    /// `-SG0100-` and twelve base-36 digits of the peer's number and
    /// session: URL-safe, so HTTP announces need not escape it.
    fn peer_id(&self) -> [u8; 20] {
        const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
        let mut id = *b"-SG0100-000000000000";
        let mut write = |at: std::ops::Range<usize>, mut n: u64| {
            for slot in id[at].iter_mut().rev() {
                *slot = DIGITS[(n % 36) as usize];
                n /= 36;
            }
        };
        write(8..16, u64::from(self.k));
        write(16..20, u64::from(self.generation));
        id
    }
}

/// xorshift64*: enough for picking peers and byte counts.
#[derive(Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(splitmix(seed) | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform enough in `0..n` for n far below 2^64.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Lowercase hex, as the portal stores passkeys.
pub fn hex(bytes: &[u8], out: &mut Vec<u8>) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)]);
        out.push(DIGITS[usize::from(b & 15)]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn population() -> Population {
        Population::new(
            PopulationArgs {
                members: 1000,
                torrents: 100,
                seed: 1,
            },
            0,
        )
    }

    #[test]
    fn passkeys_and_info_hashes_are_distinct() {
        let p = population();
        let keys: std::collections::HashSet<_> = (0..1000).map(|m| p.passkey(m)).collect();
        assert_eq!(keys.len(), 1000);
        let hashes: std::collections::HashSet<_> = (0..100).map(|t| p.info_hash(t)).collect();
        assert_eq!(hashes.len(), 100);
    }

    #[test]
    fn a_leecher_starts_at_zero_and_completes_once() {
        let p = population();
        let mut rng = Rng::new(3);
        let mut peer = (0..).map(|k| p.peer(k)).find(|peer| peer.left > 0).unwrap();
        let first = peer.next(&mut rng);
        assert_eq!(first.event, Event::Started);
        assert_eq!((first.uploaded, first.downloaded), (0, 0));
        let mut completed = 0;
        let mut last = first;
        for _ in 0..10_000 {
            let a = peer.next(&mut rng);
            if a.event != Event::Started {
                assert!(a.uploaded >= last.uploaded && a.downloaded >= last.downloaded);
            }
            completed += usize::from(a.event == Event::Completed);
            last = a;
        }
        assert_eq!(completed, 1);
    }
}
