//! Keeping the tracker's catalog in step with the releases (tracker mode
//! `listed`; in mode `open` there is no catalog and this does nothing).
//!
//! A release is listed under every hash a client may announce it by:
//! its v1 info-hash and its v2 info-hash truncated to 20 bytes (BEP 52),
//! as [`InfoHashes::tracker_hashes`] gives them. It is listed while its
//! status is `approved` and at no other time:
//!
//! - an upload approved at once (a trusted uploader's) is listed as soon
//!   as it is stored;
//! - a status change lists the release when its stored status is then
//!   `approved`, and unlists it otherwise, which drops its peers at once
//!   ([`tracker::catalog::Catalog::remove`]);
//! - a deletion unlists the hashes read before the row went away.
//!
//! In mode `private` an unlisting also closes the release's sessions in
//! the ledger ([`accounting::Ledger::close_release`]): an unapproved
//! release's credit so far is written at the next flush, a deleted
//! release's is dropped with its rows, and the ratio rule's history
//! forgets it ([`accounting::Members::forget_release`]).
//!
//! The database is written first and the catalog follows, so a failed
//! write never lists anything. After a status change the release is read
//! back and the stored status decides, so two moderators changing it at
//! once leave the catalog as the later read saw the database. A restart
//! rebuilds the catalog from the database
//! (`Store::listed_releases`).

use crate::PortalState;
use accounting::{Release, ReleaseCredit, ReleaseId};
use metainfo::InfoHashes;
use store::ReleaseStatus;

/// The tracker's view of release `id`: what mode `private` credits
/// announces to.
pub(crate) fn tracked(id: i64, freeleech: bool) -> Release {
    Release {
        id: ReleaseId(id),
        freeleech,
    }
}

/// Lists `hashes` if `status` is approved, unlists them otherwise.
pub(crate) fn follow_status(
    state: &PortalState,
    release: Release,
    hashes: &InfoHashes,
    status: ReleaseStatus,
) {
    if status == ReleaseStatus::Approved {
        list(state, release, hashes);
    } else {
        unlist(state, release.id, hashes, ReleaseCredit::Keep);
    }
}

/// Lists `hashes` for `release`: announces for them are served from the
/// next one on.
pub(crate) fn list(state: &PortalState, release: Release, hashes: &InfoHashes) {
    if let Some(catalog) = state.tracker.catalog() {
        for hash in hashes.tracker_hashes() {
            catalog.insert(hash, release);
        }
    }
}

/// Unlists `hashes`, drops their peers from the swarm and closes the
/// sessions on `release`, whose credit goes as `credit` says.
pub(crate) fn unlist(
    state: &PortalState,
    release: ReleaseId,
    hashes: &InfoHashes,
    credit: ReleaseCredit,
) {
    if let Some(catalog) = state.tracker.catalog() {
        for hash in hashes.tracker_hashes() {
            catalog.remove(&hash);
        }
    }
    // After the catalog: an announce now finds the hashes unlisted and
    // opens no session to replace these.
    if let Some(accounting) = state.tracker.accounting() {
        accounting.ledger.close_release(release, credit);
        if credit == ReleaseCredit::Discard {
            accounting.members.forget_release(release);
        }
    }
}
