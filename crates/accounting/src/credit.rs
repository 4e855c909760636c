//! What goes into the [`crate::Ledger`] and what comes out of it: its
//! rules, an announce as it records one, why it refuses one, and the
//! credit it hands to the store.

use crate::Passkey;
use crate::delta::Counters;
use crate::directory::{MemberId, Release, ReleaseId};
use tracker_proto::{AnnounceEvent, PeerId};

/// The ledger's rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LedgerConfig {
    /// Bytes per second above which a reported rise is clamped.
    pub max_rate: u64,
    /// At most this many releases leeching at once per member.
    pub max_leeching: Option<u32>,
    /// Site-wide freeleech at start ([`crate::Ledger::set_site_freeleech`]).
    pub site_freeleech: bool,
}

impl Default for LedgerConfig {
    fn default() -> Self {
        Self {
            max_rate: 1 << 30,
            max_leeching: None,
            site_freeleech: false,
        }
    }
}

/// One announce as the ledger needs it, after the tracker resolved the
/// info-hash to its release.
#[derive(Clone, Copy, Debug)]
pub struct Report {
    pub passkey: Passkey,
    pub release: Release,
    pub peer_id: PeerId,
    pub event: AnnounceEvent,
    pub counters: Counters,
    pub left: u64,
}

/// Why an announce was not recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotRecorded {
    /// The directory knows no member with the passkey (asked when the
    /// announce has no session, or turns a seeding one leeching).
    UnknownPasskey,
    Refused(Refusal),
}

/// Why an announce that would start a new download is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The minimum-ratio rule: the member's ratio is below the minimum.
    RatioTooLow,
    /// The member is already leeching this many releases.
    TooManyDownloads(u32),
}

impl Refusal {
    /// The `failure reason` clients show.
    pub fn message(&self) -> String {
        match self {
            Refusal::RatioTooLow => {
                "your ratio is below the minimum to start new downloads; seed to raise it".into()
            }
            Refusal::TooManyDownloads(max) => {
                format!("you are already downloading {max} releases, the most allowed at once")
            }
        }
    }
}

/// What [`crate::Ledger::close_release`] does with the credit of the sessions
/// it closes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReleaseCredit {
    /// Written at the next flush: the release still exists (unapproved).
    Keep,
    /// Dropped, with any not yet written: the release was deleted, its
    /// rows went with it, and its id may be given to a new release.
    Discard,
}

/// Credit for one member and release, summed over announces.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pending {
    pub uploaded: u64,
    pub downloaded: u64,
    /// A `completed` announce with nothing left was seen.
    pub snatched: bool,
    /// A download was let in: a session opened leeching, or a seeding
    /// one turned leeching, past the rules. What the ratio rule reads as
    /// a download on record, which a held-back member may resume; bytes
    /// alone are not, since a seeding session's counters or a snatch say
    /// nothing of whether the rules ever let the member download. (A
    /// client that says it has nothing left while it downloads is beyond
    /// any tracker's rules, like one that under-reports `downloaded`.)
    pub leeched: bool,
}

impl Pending {
    pub(crate) fn add(&mut self, other: Pending) {
        self.uploaded = self.uploaded.saturating_add(other.uploaded);
        self.downloaded = self.downloaded.saturating_add(other.downloaded);
        self.snatched |= other.snatched;
        self.leeched |= other.leeched;
    }
}

/// One row of credit for the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    pub member: MemberId,
    pub release: ReleaseId,
    pub credit: Pending,
}

/// A member's live sessions on one release.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Live {
    pub seeding: u32,
    pub leeching: u32,
}
