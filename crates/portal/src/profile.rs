//! The member's own pages: `GET /profile` (name, role, passkey, their
//! transfer figures: see `transfers`; their newest releases and comments,
//! links to export their data and delete their account: see
//! `member_data`),
//! `POST /profile/passkey` (replace the passkey), and `GET/POST /invites`
//! (create and list invitations, for roles allowed to invite).

use crate::PortalState;
use crate::accounts::new_passkey;
use crate::error::WebError;
use crate::pages::{
    InviteRow, InvitesPage, MemberCommentRow, ProfilePage, TransferRow, UploadRow, can_invite,
    date, render, role_text, status_text,
};
use crate::releases::human_size;
use crate::session::{Visitor, hash_secret, random_hex};
use crate::transfers;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Router, routing::get, routing::post};
use serde::Deserialize;
use store::StoreError;

pub fn router() -> Router<PortalState> {
    Router::new()
        .route("/profile", get(profile))
        .route("/profile/passkey", post(rotate_passkey))
        .route("/invites", get(invites).post(create_invite))
}

#[derive(Deserialize)]
struct ProfileQuery {
    rotated: Option<String>,
}

/// How many of their releases and comments the profile lists; the
/// export has them all.
const PROFILE_ROWS: u32 = 20;
/// Characters of a comment shown on the profile.
const EXCERPT_CHARS: usize = 200;

async fn profile(
    State(state): State<PortalState>,
    visitor: Visitor,
    query: Result<Query<ProfileQuery>, QueryRejection>,
) -> Result<Response, WebError> {
    let user = visitor.require_user()?;
    let t = visitor.lang.text();
    let uploads = state
        .store
        .releases_by(user.id, PROFILE_ROWS)
        .await?
        .into_iter()
        .map(|r| UploadRow {
            editable: crate::releases::may_edit(user, &r),
            id: r.id,
            title: r.title,
            status: status_text(&t, r.status),
            added: date(r.created_at),
        })
        .collect();
    let comments = state
        .store
        .comments_by(user.id, PROFILE_ROWS)
        .await?
        .into_iter()
        .map(|c| {
            let mut excerpt: String = c.body.chars().take(EXCERPT_CHARS).collect();
            if excerpt.len() < c.body.len() {
                excerpt.push('…');
            }
            MemberCommentRow {
                id: c.id,
                release_id: c.release_id,
                release_title: c.release_title,
                date: date(c.created_at),
                excerpt,
                hidden: c.hidden,
            }
        })
        .collect();
    let totals = state.store.transfer_totals(user.id).await?;
    let history = transfers::history(&state, user, PROFILE_ROWS)
        .await?
        .into_iter()
        .map(|(release, t)| TransferRow {
            release,
            uploaded: human_size(t.uploaded),
            downloaded: human_size(t.downloaded),
            completed: t.snatched_at.map(date),
        })
        .collect();
    let html = render(&ProfilePage {
        page: visitor.page(),
        username: user.username.as_str().to_owned(),
        role: role_text(&t, user.role),
        since: date(user.created_at),
        passkey: user.passkey.expose().to_owned(),
        rotated: query.is_ok_and(|Query(q)| q.rotated.is_some()),
        uploaded: human_size(totals.uploaded),
        downloaded: human_size(totals.downloaded),
        ratio: transfers::ratio_text(&totals),
        snatched: totals.snatched,
        live: transfers::live(&state, user).await?,
        rules: transfers::rules(&state, user),
        history,
        uploads,
        comments,
        saved_searches: crate::feeds::saved_search_rows(&state, user).await?,
    });
    Ok(Html(html).into_response())
}

/// Replaces the passkey. Every .torrent file downloaded before carries
/// the old one, which the tracker will no longer accept.
async fn rotate_passkey(
    State(state): State<PortalState>,
    visitor: Visitor,
) -> Result<Response, WebError> {
    let user = visitor.require_user()?;
    // 128 random bits collide never in practice; a few tries make even
    // that a non-event rather than an error page.
    for _ in 0..3 {
        let passkey = new_passkey();
        match state
            .store
            .replace_passkey(user.id, &user.passkey, &passkey)
            .await
        {
            Ok(true) => {
                crate::tracker_members::passkey_rotated(
                    &state,
                    user.passkey.expose(),
                    passkey.expose(),
                );
                return Ok(Redirect::to("/profile?rotated=1").into_response());
            }
            // Rotated meanwhile by another request, which told the
            // tracker: the profile shows the passkey that won.
            Ok(false) => return Ok(Redirect::to("/profile?rotated=1").into_response()),
            Err(StoreError::Conflict(_)) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(WebError::Internal(
        "three passkey collisions in a row".into(),
    ))
}

async fn invites(State(state): State<PortalState>, visitor: Visitor) -> Result<Response, WebError> {
    invites_page(&state, &visitor, None).await
}

async fn invites_page(
    state: &PortalState,
    visitor: &Visitor,
    new_code: Option<String>,
) -> Result<Response, WebError> {
    let user = visitor.require_user()?;
    if !can_invite(user.role) {
        return Err(WebError::Forbidden);
    }
    let invites = state
        .store
        .invites_by(user.id)
        .await?
        .into_iter()
        .map(|i| InviteRow {
            created: date(i.created_at),
            expires: date(i.expires_at),
            used_by: i.used_by.map(|u| u.as_str().to_owned()),
        })
        .collect();
    let html = render(&InvitesPage {
        page: visitor.page(),
        invites,
        new_code,
    });
    Ok(Html(html).into_response())
}

async fn create_invite(
    State(state): State<PortalState>,
    visitor: Visitor,
) -> Result<Response, WebError> {
    let user = visitor.require_user()?;
    if !can_invite(user.role) {
        return Err(WebError::Forbidden);
    }
    let code = random_hex(16);
    let now = state.clock.now();
    state
        .store
        .create_invite(
            &hash_secret(&code),
            user.id,
            now,
            now + state.accounts.invite_lifetime_secs,
        )
        .await?;
    invites_page(&state, &visitor, Some(code)).await
}
