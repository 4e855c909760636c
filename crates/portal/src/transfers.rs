//! A member's transfer figures, shown to that member only (their
//! profile and `GET /api/v1/me`; no page shows them to anyone else):
//!
//! - the sums the tracker's flushes stored (`Store::transfer_totals`):
//!   uploaded, downloaded, releases completed, and the ratio. They lag
//!   the tracker by at most one flush interval;
//! - what they are seeding and leeching right now: the ledger's live
//!   sessions (`accounting::Ledger::activity`), in tracker mode `private`
//!   only, since other modes keep no sessions per member;
//! - per release, what was credited and when they completed it
//!   (`Store::member_transfers`), on the profile;
//! - what the tracker's optional rules say about them ([`Rules`]), in
//!   mode `private`.
//!
//! Releases are named by id and title only. The ledger's sessions know
//! a peer id, and the swarm an address, but neither leaves them: a
//! member's page says what they share, never from where. A release the
//! member may no longer see (closed since, say) keeps its place in the
//! lists without its title.

use crate::PortalState;
use crate::error::WebError;
use crate::releases::may_see;
use accounting::MemberId;
use serde::Serialize;
use std::collections::HashMap;
use store::{TransferTotals, User};

/// A release in a member's lists.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub(crate) struct Named {
    pub id: i64,
    /// Null when the member may no longer see the release.
    pub title: Option<String>,
}

impl Named {
    fn new(id: i64, title: &str, visible: bool) -> Self {
        Self {
            id,
            title: visible.then(|| title.to_owned()),
        }
    }
}

/// The releases a member has live sessions on, by what they do there (a
/// release with two clients, one done and one not, is in both).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Live {
    pub seeding: Vec<Named>,
    pub leeching: Vec<Named>,
}

/// What `user` seeds and leeches right now, by release id; `None`
/// outside tracker mode `private`.
pub(crate) async fn live(state: &PortalState, user: &User) -> Result<Option<Live>, WebError> {
    let Some(accounting) = state.tracker.accounting() else {
        return Ok(None);
    };
    let activity = accounting.ledger.activity(MemberId(user.id));
    if activity.is_empty() {
        return Ok(Some(Live::default()));
    }
    let ids: Vec<i64> = activity.iter().map(|(release, _)| release.0).collect();
    let names: HashMap<i64, Named> = state
        .store
        .release_names(&ids)
        .await?
        .into_iter()
        .map(|n| {
            let visible = may_see(n.status, n.uploader_id, Some(user));
            (n.id, Named::new(n.id, &n.title, visible))
        })
        .collect();
    let mut live = Live::default();
    for (release, sessions) in activity {
        // A release deleted since: its sessions are on their way out
        // and there is nothing to name.
        let Some(named) = names.get(&release.0) else {
            continue;
        };
        if sessions.seeding > 0 {
            live.seeding.push(named.clone());
        }
        if sessions.leeching > 0 {
            live.leeching.push(named.clone());
        }
    }
    Ok(Some(live))
}

/// Where a member stands with the tracker's optional rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Rules {
    /// False while the minimum-ratio rule holds the member back (as of
    /// the tracker's last reload of the members): new downloads are
    /// refused, seeding and resuming are not.
    pub may_start_downloads: bool,
    /// The most releases a member may download at once, if limited.
    pub max_leeching: Option<u32>,
}

/// The rules as they apply to `user`; `None` outside tracker mode
/// `private`, which has none.
pub(crate) fn rules(state: &PortalState, user: &User) -> Option<Rules> {
    let accounting = state.tracker.accounting()?;
    let member = accounting::Passkey::parse(user.passkey.expose().as_bytes())
        .and_then(|passkey| accounting.members.get(&passkey));
    Some(Rules {
        may_start_downloads: member.is_none_or(|m| m.may_start_downloads),
        max_leeching: accounting.ledger.config().max_leeching,
    })
}

/// A member's per-release history for their profile: newest release
/// first, at most `limit`, titles as in [`Named`].
pub(crate) async fn history(
    state: &PortalState,
    user: &User,
    limit: u32,
) -> Result<Vec<(Named, store::ReleaseTransfer)>, WebError> {
    Ok(state
        .store
        .member_transfers(user.id, limit)
        .await?
        .into_iter()
        .map(|t| {
            let visible = may_see(t.status, t.uploader_id, Some(user));
            (Named::new(t.release_id, &t.title, visible), t)
        })
        .collect())
}

/// Uploaded over downloaded for people: two decimals; "∞" when only
/// uploaded, "—" when nothing moved either way.
pub(crate) fn ratio_text(totals: &TransferTotals) -> String {
    match totals.ratio() {
        Some(ratio) => format!("{ratio:.2}"),
        None if totals.uploaded > 0 => "∞".to_owned(),
        None => "—".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ratio_reads_as_a_number_infinity_or_a_dash() {
        let totals = |uploaded, downloaded| TransferTotals {
            uploaded,
            downloaded,
            snatched: 0,
        };
        assert_eq!(ratio_text(&totals(3 << 20, 2 << 20)), "1.50");
        assert_eq!(ratio_text(&totals(0, 5)), "0.00");
        assert_eq!(ratio_text(&totals(5, 0)), "∞");
        assert_eq!(ratio_text(&totals(0, 0)), "—");
    }
}
