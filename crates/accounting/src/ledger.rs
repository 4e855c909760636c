//! The ledger: live peer sessions per member and the credit not yet
//! written to the store.
//!
//! # Sessions
//!
//! A session is one client's run on one release for one member, keyed by
//! (passkey, release, peer id): clients draw a new peer id when they
//! start, and the passkey in the key means a peer id seen in someone
//! else's swarm cannot touch this member's session. The release, not the
//! info-hash: a client in both swarms of a hybrid release announces under
//! each of its two hashes, with its torrent's totals in both (libtorrent
//! does), and one session takes the higher of the two reports instead of
//! crediting each in full. A client that split its totals between the two
//! would be credited short, never over. `stopped` closes a
//! session; sessions not heard from within the peer lifetime are swept by
//! [`Ledger::expire`], as the swarm sweeps its peers. What an announce
//! credits is decided by [`crate::delta`].
//!
//! # Passkeys
//!
//! An open session proves its passkey: it was opened with a passkey the
//! member directory knew, and a passkey that stops working (rotated,
//! account disabled or deleted) has its sessions closed at once
//! ([`Ledger::close_passkey`], called by [`crate::Members`]). So an
//! announce that finds its session needs no directory lookup, a cache
//! miss in a table as large as the membership; only an announce that
//! opens a session (or, rarely, turns a seeding one leeching, which the
//! rules check) asks the directory, under the shard lock that the
//! closing takes too, so a session cannot be opened with a passkey
//! whose sessions were just closed.
//!
//! # Layout
//!
//! 64 shards behind their own mutexes, picked by passkey, so that all of
//! a member's state is in one shard (a member has one passkey at a time,
//! and the sessions of the one before are closed): the live seeding/leeching counts the
//! optional download limit checks on the hot path, and the member pages'
//! lists, come from one lock without a scan. Announces by different members
//! rarely contend. Each shard holds the sessions, each member's live counts
//! per release, and the pending credit. An open session keeps its own
//! pending credit in its entry, so an announce costs one probe of the
//! session table; a closed session's credit moves to a per (member,
//! release) map, where each download let in is marked as it starts. [`Ledger::take_pending`] sums both for the store, a scan
//! of the sessions once per flush instead of a second probe per announce.
//!
//! The session table is our own ([`crate::sessions`]): a lookup reads
//! two cache lines. Keys hash with foldhash, seeded per ledger: a
//! session key carries a client-chosen peer id, but finding colliding ids
//! needs the seed, and SipHash cost a tenth of an announce on keys of this
//! size (44 bytes hashed).
//!
//! Nothing here is ever written to disk but the pending credit (member id,
//! release id, byte counts, a snatch flag, whether a download was let
//! in); the peer id lives in memory only, like the swarm's addresses.

use crate::Passkey;
use crate::credit::{
    Entry, LedgerConfig, Live, NotRecorded, Pending, Refusal, ReleaseCredit, Report,
};
use crate::delta::{self, Baseline, Counters};
use crate::directory::{Directory, Member, MemberId, ReleaseId};
use crate::sessions::{Session, SessionKey, SessionTable};
use foldhash::{HashMap, HashSet};
use std::fmt;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use swarm::Secs;
use tracker_proto::AnnounceEvent;

const SHARDS: usize = 64;

#[derive(Default)]
struct MemberLive {
    releases: HashMap<ReleaseId, Live>,
    /// How many of `releases` have a leeching session.
    leeching_releases: u32,
}

#[derive(Default)]
struct Shard {
    sessions: SessionTable,
    /// How many of `sessions` hold credit, so that the backlog is a sum
    /// of counts instead of a scan.
    with_credit: usize,
    live: HashMap<MemberId, MemberLive>,
    /// Credit of closed sessions, downloads let in ([`Pending::leeched`]),
    /// and credit handed back by [`Ledger::restore`].
    pending: HashMap<(MemberId, ReleaseId), Pending>,
}

impl Shard {
    /// Closes the session at `key` (hashed to `hash`), keeping its credit.
    fn close(&mut self, key: &SessionKey, hash: u64) {
        if let Some(session) = self.sessions.remove(key, hash) {
            self.adjust(session.member, key.release, session.seeding, false);
            if session.has_pending() {
                self.with_credit -= 1;
                self.pending
                    .entry((session.member, key.release))
                    .or_default()
                    .add(session.pending());
            }
        }
    }

    /// Counts a session of `member` on `release` in or out.
    fn adjust(&mut self, member: MemberId, release: ReleaseId, seeding: bool, joined: bool) {
        let live = self.live.entry(member).or_default();
        let counts = live.releases.entry(release).or_default();
        let was_leeching = counts.leeching > 0;
        let slot = if seeding {
            &mut counts.seeding
        } else {
            &mut counts.leeching
        };
        *slot = if joined {
            slot.saturating_add(1)
        } else {
            slot.saturating_sub(1)
        };
        let is_leeching = counts.leeching > 0;
        let empty = counts.seeding == 0 && counts.leeching == 0;
        match (was_leeching, is_leeching) {
            (false, true) => live.leeching_releases += 1,
            (true, false) => live.leeching_releases -= 1,
            _ => {}
        }
        if empty {
            live.releases.remove(&release);
            if live.releases.is_empty() {
                self.live.remove(&member);
            }
        }
    }

    /// Marks a download of `release` let in for `member`, in the closed
    /// sums: at once, so that the ratio rule finds it whichever of the
    /// member's sessions asks, and written with the next flush.
    fn let_in(&mut self, member: MemberId, release: ReleaseId) {
        self.pending.entry((member, release)).or_default().leeched = true;
    }

    fn is_leeching(&self, member: MemberId, release: ReleaseId) -> bool {
        self.live
            .get(&member)
            .and_then(|live| live.releases.get(&release))
            .is_some_and(|counts| counts.leeching > 0)
    }

    fn leeching_releases(&self, member: MemberId) -> u32 {
        self.live
            .get(&member)
            .map_or(0, |live| live.leeching_releases)
    }
}

/// Counters for monitoring.
#[derive(Debug, Default)]
pub struct LedgerStats {
    /// Announces whose reported rise was clamped to the rate cap.
    pub clamped: AtomicU64,
    /// Announces refused by the ratio or download-limit rules.
    pub refused: AtomicU64,
}

/// Live sessions and pending credit of every member.
pub struct Ledger {
    shards: Box<[Mutex<Shard>]>,
    /// Picks a passkey's shard.
    passkey_hasher: foldhash::fast::RandomState,
    /// Hashes session keys.
    key_hasher: foldhash::fast::RandomState,
    config: LedgerConfig,
    site_freeleech: AtomicBool,
    stats: LedgerStats,
}

impl fmt::Debug for Ledger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ledger")
            .field("config", &self.config)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl Ledger {
    pub fn new(config: LedgerConfig) -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::new(Shard::default())).collect(),
            passkey_hasher: foldhash::fast::RandomState::default(),
            key_hasher: foldhash::fast::RandomState::default(),
            site_freeleech: AtomicBool::new(config.site_freeleech),
            config,
            stats: LedgerStats::default(),
        }
    }

    /// The shard of `passkey`'s sessions, by a seeded hash: an announcer
    /// may send any passkey, and must not be able to aim a flood of made-up
    /// ones at one shard's lock.
    fn shard_index(&self, passkey: &Passkey) -> usize {
        (self.passkey_hasher.hash_one(passkey) >> 58) as usize % SHARDS
    }

    fn key_hash(&self, key: &SessionKey) -> u64 {
        self.key_hasher.hash_one(key)
    }

    pub fn stats(&self) -> &LedgerStats {
        &self.stats
    }

    pub fn config(&self) -> LedgerConfig {
        self.config
    }

    pub fn site_freeleech(&self) -> bool {
        self.site_freeleech.load(Ordering::Relaxed)
    }

    /// Turns site-wide freeleech on or off from the next announce on.
    pub fn set_site_freeleech(&self, on: bool) {
        self.site_freeleech.store(on, Ordering::Relaxed);
    }

    /// Records an announce: opens, updates or closes its session and adds
    /// its credit to the pending sums. An announce without a session asks
    /// `directory` who the passkey belongs to and is refused if nobody.
    /// One that would start a download (no leeching session of the member
    /// on the release yet, something left) is checked against the rules
    /// first. A new session refused changes nothing; a seeding session
    /// refused the turn to leeching is credited what it reports and stays
    /// seeding, so that a member held back who rechecks a release they
    /// seed keeps the credit for the upload.
    pub fn record(
        &self,
        report: &Report,
        now: Secs,
        directory: &impl Directory,
    ) -> Result<(), NotRecorded> {
        let release = report.release.id;
        let key = SessionKey {
            passkey: report.passkey,
            release,
            peer_id: report.peer_id,
        };
        let seeding = report.left == 0;
        let stopped = report.event == AnnounceEvent::Stopped;
        let free = report.release.freeleech || self.site_freeleech();
        let snatched = report.event == AnnounceEvent::Completed && seeding;
        let hash = self.key_hash(&key);
        let mut shard = lock(&self.shards[self.shard_index(&report.passkey)]);
        if let Some(i) = shard.sessions.find(&key, hash) {
            let session = shard.sessions.at_mut(i);
            let member = session.member;
            // Rare: a client that announced nothing left now has
            // something left (a recheck found data missing, or a client
            // that said it was seeding to open a session unchecked).
            let mut refused = None;
            if session.seeding && !seeding && !stopped {
                let found = directory
                    .member(&report.passkey)
                    .filter(|m| m.id == member)
                    .ok_or(NotRecorded::UnknownPasskey)?;
                match self.admit_download(&shard, found, release, directory) {
                    Ok(()) => shard.let_in(member, release),
                    Err(refusal) => refused = Some(refusal),
                }
            }
            let seeding = seeding || refused.is_some();
            let session = shard.sessions.at_mut(i);
            let (c, baseline) = delta::credit(
                session.baseline(),
                report.counters,
                now,
                self.config.max_rate,
            );
            if c.clamped {
                self.stats.clamped.fetch_add(1, Ordering::Relaxed);
            }
            session.counters = baseline.counters;
            session.at = baseline.at;
            let had_credit = session.has_pending();
            session.add_pending(Pending {
                uploaded: c.uploaded,
                downloaded: if free { 0 } else { c.downloaded },
                snatched,
                leeched: false,
            });
            let gained_credit = !had_credit && session.has_pending();
            let was_seeding = session.seeding;
            if !stopped {
                session.seeding = seeding;
            }
            shard.with_credit += usize::from(gained_credit);
            if stopped {
                // Counted out as what it was; its credit is kept.
                shard.close(&key, hash);
            } else if was_seeding != seeding {
                shard.adjust(member, release, was_seeding, false);
                shard.adjust(member, release, seeding, true);
            }
            return refused.map_or(Ok(()), |refusal| Err(NotRecorded::Refused(refusal)));
        }
        // Under the shard lock: see "Passkeys" above.
        let member = directory
            .member(&report.passkey)
            .ok_or(NotRecorded::UnknownPasskey)?;
        if stopped {
            return Ok(());
        }
        if !seeding {
            self.admit_download(&shard, member, release, directory)
                .map_err(NotRecorded::Refused)?;
            shard.let_in(member.id, release);
        }
        let baseline = Baseline::first(report.counters, now);
        let session = Session {
            member: member.id,
            counters: baseline.counters,
            at: baseline.at,
            seeding,
            pending: Counters::default(),
            snatched,
        };
        shard.sessions.insert_new(key, hash, session);
        shard.with_credit += usize::from(session.has_pending());
        shard.adjust(member.id, release, seeding, true);
        Ok(())
    }

    /// Checks a session about to leech `release` against the rules. Not a
    /// new download if the member is leeching it already. For the ratio
    /// rule, not a new download either if one was let in before: marked
    /// in this passkey's shard (until a flush takes it), or on record in
    /// `directory`'s history.
    fn admit_download(
        &self,
        shard: &Shard,
        member: Member,
        release: ReleaseId,
        directory: &impl Directory,
    ) -> Result<(), Refusal> {
        if shard.is_leeching(member.id, release) {
            return Ok(());
        }
        let resumed = || {
            shard
                .pending
                .get(&(member.id, release))
                .is_some_and(|p| p.leeched)
                || directory.has_history(member.id, release)
        };
        let refusal = if !member.may_start_downloads && !resumed() {
            Some(Refusal::RatioTooLow)
        } else {
            self.config
                .max_leeching
                .filter(|&max| shard.leeching_releases(member.id) >= max)
                .map(Refusal::TooManyDownloads)
        };
        match refusal {
            Some(refusal) => {
                self.stats.refused.fetch_add(1, Ordering::Relaxed);
                Err(refusal)
            }
            None => Ok(()),
        }
    }

    /// Closes every session opened with `passkey`, keeping their credit:
    /// the passkey no longer works, so its next announce must ask the
    /// directory again (and be refused). Returns how many were closed.
    pub fn close_passkey(&self, passkey: &Passkey) -> usize {
        self.close_passkeys([*passkey])
    }

    /// [`Ledger::close_passkey`] for many passkeys (a reload that dropped
    /// them): one scan of each shard concerned.
    pub fn close_passkeys(&self, passkeys: impl IntoIterator<Item = Passkey>) -> usize {
        let mut by_shard: Vec<HashSet<Passkey>> = (0..SHARDS).map(|_| HashSet::default()).collect();
        for passkey in passkeys {
            by_shard[self.shard_index(&passkey)].insert(passkey);
        }
        let mut closed = 0;
        for (shard, passkeys) in self.shards.iter().zip(&by_shard) {
            if passkeys.is_empty() {
                continue;
            }
            closed += self.close_in(&mut lock(shard), |key, _| passkeys.contains(&key.passkey));
        }
        closed
    }

    /// Closes the sessions of `shard` that `picked` chooses, keeping their
    /// credit; returns how many.
    fn close_in(&self, shard: &mut Shard, picked: impl Fn(&SessionKey, &Session) -> bool) -> usize {
        let keys: Vec<SessionKey> = shard
            .sessions
            .iter()
            .filter(|(key, session)| picked(key, session))
            .map(|(key, _)| *key)
            .collect();
        for key in &keys {
            shard.close(key, self.key_hash(key));
        }
        keys.len()
    }

    /// Closes every session on `release`, whose hashes were unlisted
    /// (unapproved or deleted): its peers were dropped and no announce
    /// opens a session on it again, so these would only hold a place
    /// among the member's downloads until they expired. Returns how many
    /// were closed.
    pub fn close_release(&self, release: ReleaseId, credit: ReleaseCredit) -> usize {
        let mut closed = 0;
        for shard in self.shards.iter() {
            let mut shard = lock(shard);
            closed += self.close_in(&mut shard, |key, _| key.release == release);
            if credit == ReleaseCredit::Discard {
                shard.pending.retain(|(_, r), _| *r != release);
            }
        }
        closed
    }

    /// Drops the credit not yet written of `member`, whose account was
    /// deleted: its rows went with it, and its id may be given to a new
    /// account. Its sessions were closed with its passkey.
    pub fn discard_member(&self, member: MemberId) {
        for shard in self.shards.iter() {
            lock(shard).pending.retain(|(m, _), _| *m != member);
        }
    }

    /// Closes sessions not heard from since `cutoff` (a client that
    /// vanished without `stopped`). Returns how many were closed.
    pub fn expire(&self, cutoff: Secs) -> usize {
        let mut removed = 0;
        for shard in self.shards.iter() {
            let mut shard = lock(shard);
            removed += self.close_in(&mut shard, |_, session| session.at < cutoff);
            shard.sessions.shrink_if_sparse();
        }
        removed
    }

    /// Takes every pending credit, leaving none. Hand back with
    /// [`Ledger::restore`] what could not be written.
    pub fn take_pending(&self) -> Vec<Entry> {
        // One sum per (member, release) over all shards: a member's credit
        // can sit in two (the shard of a passkey rotated away, credit
        // handed back by `restore`).
        let mut sums: HashMap<(MemberId, ReleaseId), Pending> = HashMap::default();
        for shard in self.shards.iter() {
            let mut shard = lock(shard);
            let closed = std::mem::take(&mut shard.pending);
            for (key, credit) in closed {
                sums.entry(key).or_default().add(credit);
            }
            if shard.with_credit > 0 {
                for (key, session) in shard.sessions.iter_mut() {
                    if session.has_pending() {
                        sums.entry((session.member, key.release))
                            .or_default()
                            .add(session.take_pending());
                    }
                }
                shard.with_credit = 0;
            }
        }
        sums.into_iter()
            .map(|((member, release), credit)| Entry {
                member,
                release,
                credit,
            })
            .collect()
    }

    /// Puts back credit that could not be written, added to whatever
    /// accrued meanwhile, so that nothing is lost or counted twice.
    pub fn restore(&self, entries: impl IntoIterator<Item = Entry>) {
        for entry in entries {
            // Any shard will do: `take_pending` sums across them.
            let index = (entry.member.0 as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 58;
            lock(&self.shards[index as usize % SHARDS])
                .pending
                .entry((entry.member, entry.release))
                .or_default()
                .add(entry.credit);
        }
    }

    /// How many credits wait for the next flush: open sessions with
    /// credit and closed (member, release) sums, marks of downloads let in
    /// among them (so a pair can count twice; the flush writes one row).
    /// Counted as they change: a metrics scrape takes each shard's lock
    /// for a moment only.
    pub fn backlog(&self) -> usize {
        self.shards
            .iter()
            .map(|s| {
                let shard = lock(s);
                shard.pending.len() + shard.with_credit
            })
            .sum()
    }

    /// How many sessions are open.
    pub fn sessions(&self) -> usize {
        self.shards.iter().map(|s| lock(s).sessions.len()).sum()
    }

    /// The releases `member` is seeding or leeching right now, sorted by id.
    /// (The shard is picked by passkey, which the caller need not know: a
    /// look into every shard, for member pages, not the hot path.)
    pub fn activity(&self, member: MemberId) -> Vec<(ReleaseId, Live)> {
        let mut out: Vec<(ReleaseId, Live)> = Vec::new();
        for shard in self.shards.iter() {
            if let Some(live) = lock(shard).live.get(&member) {
                out.extend(live.releases.iter().map(|(r, l)| (*r, *l)));
            }
        }
        out.sort_by_key(|(release, _)| *release);
        // Two shards hold one member only for a moment after a rotation.
        out.dedup_by(|later, earlier| {
            let same = later.0 == earlier.0;
            if same {
                earlier.1.seeding += later.1.seeding;
                earlier.1.leeching += later.1.leeching;
            }
            same
        });
        out
    }
}

fn lock(shard: &Mutex<Shard>) -> MutexGuard<'_, Shard> {
    shard.lock().unwrap_or_else(|e| e.into_inner())
}
