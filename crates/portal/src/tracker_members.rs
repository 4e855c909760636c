//! Keeping the tracker's member directory in step with accounts (tracker
//! mode `private`; in other modes there is none and this does nothing).
//!
//! The database is written first and the directory follows, so a failed
//! write changes nothing on the tracker. A rotated passkey stops working
//! with the next announce; so does the passkey of an account that is
//! disabled or deleted (a deleted account's credit not yet written is
//! dropped with its rows). The binary's periodic reload from the database
//! catches anything changed elsewhere.

use crate::PortalState;
use accounting::Passkey;

fn parse(passkey: &str) -> Option<Passkey> {
    Passkey::parse(passkey.as_bytes())
}

/// `old` was replaced by `new`: only `new` works from now on.
pub(crate) fn passkey_rotated(state: &PortalState, old: &str, new: &str) {
    let Some(accounting) = state.tracker.accounting() else {
        return;
    };
    if let Some(old) = parse(old) {
        let moved = parse(new).is_some_and(|new| accounting.members.rekey(&old, new));
        if !moved {
            accounting.members.remove(&old);
        }
    }
}

/// Account `user_id`, with `passkey`, was deleted: the passkey stops
/// working, and credit not yet written is dropped with the account's
/// rows (its id may be given to the next account).
pub(crate) fn account_deleted(state: &PortalState, user_id: i64, passkey: &str) {
    if let Some(accounting) = state.tracker.accounting() {
        if let Some(passkey) = parse(passkey) {
            accounting.members.remove(&passkey);
        }
        accounting
            .ledger
            .discard_member(accounting::MemberId(user_id));
    }
}

/// A new account (registration, `swarmgate user add`) may announce at
/// once.
pub(crate) fn account_opened(state: &PortalState, user_id: i64, passkey: &str) {
    if let (Some(accounting), Some(passkey)) = (state.tracker.accounting(), parse(passkey)) {
        let member = accounting::Member {
            id: accounting::MemberId(user_id),
            may_start_downloads: true,
        };
        accounting.members.insert(passkey, member);
    }
}
