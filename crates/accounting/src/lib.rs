//! Private tracking: who announces (passkey -> member) and how many bytes
//! each member moved per release (the tracker's catalog says which
//! release an info-hash is).
//!
//! Pure: no I/O, no clock of its own (announces carry a [`swarm::Secs`]).
//! The tracker calls it on the hot path in mode `private`; a background
//! job in the binary moves the pending credit to the store.
//!
//! - [`Passkey`] and [`passkey_in_url`]: the secret in announce URLs.
//! - [`Members`]: the read-mostly directory the portal keeps in step with
//!   the store (copy-on-write shards, lock-free reads), and the downloads
//!   let in before of the members the ratio rule holds back; the ledger
//!   asks it through [`Directory`].
//! - [`delta`]: what one announce credits; never more than the truth.
//! - [`Ledger`]: sessions, live seeding/leeching per member, and credit
//!   summed in memory until [`Ledger::take_pending`].

mod credit;
pub mod delta;
mod directory;
mod history;
mod ledger;
mod passkey;
mod sessions;

pub use credit::{Entry, LedgerConfig, Live, NotRecorded, Pending, Refusal, ReleaseCredit, Report};
pub use delta::Counters;
pub use directory::{Directory, Member, MemberId, Members, Release, ReleaseId};
pub use history::Load as HistoryLoad;
pub use ledger::{Ledger, LedgerStats};
pub use passkey::{Passkey, PasskeyInUrl, passkey_in_query, passkey_in_url};
