//! What the minimum-ratio rule asks before refusing a download: did the
//! rules let the member download this release before? Then leeching it
//! again resumes that download (after `stopped`, a client or tracker
//! restart, an expired session) rather than starting one. Bytes moved
//! are not asked: a seeding session's counters or a `completed` say
//! nothing of whether a download was ever let in.
//!
//! Kept only for the members the rule holds back, a few with a few
//! releases each: a reload of the members reads their `transfers` rows
//! marked `leeched` from the store ([`History::begin_load`]), and every
//! flush adds the downloads let in among what it takes from the ledger
//! ([`History::note`]). Read only when one of them asks for a download,
//! under the ledger shard's lock, so a flush filters its rows under a
//! read lock and takes the write lock only to add the few that match.
//!
//! A reload's read of the store can miss a flush that commits after it,
//! or see a release that is deleted before the load finishes; while a
//! load is running, every noted pair and every forgotten release is also
//! kept aside and applied when the load finishes. A deleted release is
//! never noted again (a flush that took its credit before the deletion
//! notes it once more after its write, which dropped the row): on SQLite
//! a new release may get its id, and a download of that one joins the
//! history at the next reload instead.

use crate::credit::Entry;
use crate::directory::{MemberId, ReleaseId};
use foldhash::{HashMap, HashSet};
use std::sync::{Mutex, MutexGuard, RwLock};

#[derive(Default)]
pub(crate) struct History {
    /// The members held back, each with the releases on record.
    releases: RwLock<HashMap<MemberId, HashSet<ReleaseId>>>,
    loads: Mutex<Loads>,
}

#[derive(Default)]
struct Loads {
    /// Every release forgotten since start: a few ids, as releases are
    /// deleted rarely (8 bytes each, kept for the life of the process).
    deleted: HashSet<ReleaseId>,
    running: usize,
    /// Every pair noted since the oldest running load began.
    noted: Vec<(MemberId, ReleaseId)>,
    /// Every release forgotten since then.
    forgotten: Vec<ReleaseId>,
}

impl History {
    pub(crate) fn contains(&self, member: MemberId, release: ReleaseId) -> bool {
        self.releases
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&member)
            .is_some_and(|releases| releases.contains(&release))
    }

    /// Adds the downloads let in among the credit a flush took from the
    /// ledger: on record once it is written, and handed back to the
    /// ledger if not.
    ///
    /// `note`, `forget` and a load's `finish` each hold the loads' lock
    /// until they are done with the history (always that lock first), so
    /// none of them can land between another's check and its change. The
    /// announce path reads the history only, never that lock.
    pub(crate) fn note(&self, taken: &[Entry]) {
        let mut loads = lock(&self.loads);
        if loads.running > 0 {
            let noted: Vec<(MemberId, ReleaseId)> = let_in(taken, &loads.deleted).collect();
            loads.noted.extend(noted);
        }
        let matched: Vec<(MemberId, ReleaseId)> = {
            let releases = self.releases.read().unwrap_or_else(|e| e.into_inner());
            if releases.is_empty() {
                return;
            }
            let_in(taken, &loads.deleted)
                .filter(|(m, r)| releases.get(m).is_some_and(|rs| !rs.contains(r)))
                .collect()
        };
        if !matched.is_empty() {
            let mut releases = self.releases.write().unwrap_or_else(|e| e.into_inner());
            add(&mut releases, matched);
        }
    }

    /// Drops a deleted release from every member's history, and from
    /// what later notes add.
    pub(crate) fn forget(&self, release: ReleaseId) {
        let mut loads = lock(&self.loads);
        loads.deleted.insert(release);
        if loads.running > 0 {
            loads.forgotten.push(release);
        }
        let mut releases = self.releases.write().unwrap_or_else(|e| e.into_inner());
        for of_member in releases.values_mut() {
            of_member.remove(&release);
        }
    }

    /// Starts a reload: call before reading the store.
    pub(crate) fn begin_load(&self) -> Load<'_> {
        lock(&self.loads).running += 1;
        Load { history: self }
    }
}

/// A reload of the history under way; dropping it unfinished (the store
/// read failed, the members were not replaced) changes nothing.
pub struct Load<'a> {
    history: &'a History,
}

impl std::fmt::Debug for Load<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Load").finish_non_exhaustive()
    }
}

impl Load<'_> {
    /// Makes `held_back` the members the rule holds back, with their
    /// `leeched` transfers read from the store and whatever was noted
    /// since the load began, less any release deleted meanwhile. Call
    /// right after the members it goes with are in place.
    pub fn finish(
        self,
        held_back: impl IntoIterator<Item = MemberId>,
        transfers: impl IntoIterator<Item = (MemberId, ReleaseId)>,
    ) {
        let mut fresh: HashMap<MemberId, HashSet<ReleaseId>> = held_back
            .into_iter()
            .map(|member| (member, HashSet::default()))
            .collect();
        add(&mut fresh, transfers);
        // Held until the swap: see `History::note`. (Dropped before
        // `self`, whose `Drop` takes it again.)
        let loads = lock(&self.history.loads);
        add(&mut fresh, loads.noted.iter().copied());
        for of_member in fresh.values_mut() {
            for release in &loads.forgotten {
                of_member.remove(release);
            }
        }
        let old = std::mem::replace(
            &mut *self
                .history
                .releases
                .write()
                .unwrap_or_else(|e| e.into_inner()),
            fresh,
        );
        drop(loads);
        drop(old);
    }
}

impl Drop for Load<'_> {
    fn drop(&mut self) {
        let mut loads = lock(&self.history.loads);
        loads.running -= 1;
        if loads.running == 0 {
            loads.noted = Vec::new();
            loads.forgotten = Vec::new();
        }
    }
}

/// The downloads let in among `taken`, less releases `deleted`.
fn let_in<'a>(
    taken: &'a [Entry],
    deleted: &'a HashSet<ReleaseId>,
) -> impl Iterator<Item = (MemberId, ReleaseId)> + 'a {
    taken
        .iter()
        .filter(move |e| e.credit.leeched && !deleted.contains(&e.release))
        .map(|e| (e.member, e.release))
}

fn add(
    history: &mut HashMap<MemberId, HashSet<ReleaseId>>,
    pairs: impl IntoIterator<Item = (MemberId, ReleaseId)>,
) {
    for (member, release) in pairs {
        if let Some(releases) = history.get_mut(&member) {
            releases.insert(release);
        }
    }
}

fn lock(loads: &Mutex<Loads>) -> MutexGuard<'_, Loads> {
    loads.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credit::Pending;

    const M: MemberId = MemberId(1);

    fn taken(pairs: &[(MemberId, ReleaseId)]) -> Vec<Entry> {
        pairs
            .iter()
            .map(|&(member, release)| Entry {
                member,
                release,
                credit: Pending {
                    leeched: true,
                    ..Pending::default()
                },
            })
            .collect()
    }

    #[test]
    fn a_flush_during_a_reload_is_not_lost_by_its_read() {
        let history = History::default();
        let load = history.begin_load();
        // The reload read the store; a flush takes and writes release 11.
        history.note(&taken(&[(M, ReleaseId(11)), (MemberId(2), ReleaseId(12))]));
        load.finish([M], [(M, ReleaseId(10))]);
        assert!(history.contains(M, ReleaseId(10)));
        assert!(history.contains(M, ReleaseId(11)), "noted during the load");
        assert!(
            !history.contains(MemberId(2), ReleaseId(12)),
            "not held back"
        );
        // Held back now: the next flush's rows join at once.
        history.note(&taken(&[(M, ReleaseId(13))]));
        assert!(history.contains(M, ReleaseId(13)));
        assert!(lock(&history.loads).noted.is_empty(), "no load running");
    }

    #[test]
    fn an_unfinished_load_changes_nothing() {
        let history = History::default();
        history.begin_load().finish([M], [(M, ReleaseId(10))]);
        let load = history.begin_load();
        history.note(&taken(&[(M, ReleaseId(11))]));
        drop(load);
        assert!(history.contains(M, ReleaseId(10)));
        assert!(
            history.contains(M, ReleaseId(11)),
            "M was held back already"
        );
        assert_eq!(lock(&history.loads).running, 0);
    }

    #[test]
    fn overlapping_loads_each_see_what_was_noted_since_the_first_began() {
        let history = History::default();
        let first = history.begin_load();
        history.note(&taken(&[(M, ReleaseId(10))]));
        let second = history.begin_load();
        first.finish([M], []);
        assert!(history.contains(M, ReleaseId(10)));
        second.finish([M], []);
        assert!(
            history.contains(M, ReleaseId(10)),
            "the second read may have missed it too"
        );
    }

    #[test]
    fn only_downloads_let_in_are_noted() {
        let history = History::default();
        history.begin_load().finish([M], []);
        let mut entries = taken(&[(M, ReleaseId(10)), (M, ReleaseId(11))]);
        entries[1].credit = Pending {
            uploaded: 5,
            downloaded: 5,
            snatched: true,
            leeched: false,
        };
        history.note(&entries);
        assert!(history.contains(M, ReleaseId(10)));
        assert!(
            !history.contains(M, ReleaseId(11)),
            "bytes and a snatch are no download let in"
        );
    }

    #[test]
    fn a_deleted_release_is_forgotten_even_by_a_load_that_read_it() {
        let history = History::default();
        history
            .begin_load()
            .finish([M], [(M, ReleaseId(10)), (M, ReleaseId(11))]);
        history.forget(ReleaseId(10));
        assert!(!history.contains(M, ReleaseId(10)));
        assert!(history.contains(M, ReleaseId(11)));
        let load = history.begin_load();
        // The load read release 11's row; then the release is deleted.
        history.forget(ReleaseId(11));
        load.finish([M], [(M, ReleaseId(11))]);
        assert!(!history.contains(M, ReleaseId(11)));
        assert!(lock(&history.loads).forgotten.is_empty(), "no load running");
    }

    #[test]
    fn a_flush_written_after_a_deletion_does_not_bring_the_release_back() {
        let history = History::default();
        history.begin_load().finish([M], []);
        let flushed = taken(&[(M, ReleaseId(10)), (M, ReleaseId(11))]);
        history.note(&flushed);
        history.forget(ReleaseId(10));
        // The write dropped release 10's row; the flush notes again.
        history.note(&flushed);
        assert!(!history.contains(M, ReleaseId(10)));
        assert!(history.contains(M, ReleaseId(11)));
    }
}
