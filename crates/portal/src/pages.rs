//! The portal's HTML pages: askama templates (`templates/`, escaped by
//! default) and what every page shows — the site's name and branding
//! (logo, accent colours, banner: [`crate::branding`]), the menu for the
//! visitor's role, the language switch — gathered in [`Page`].
//!
//! Pages use no JavaScript and one small inline stylesheet: readable on
//! a phone (`viewport`, one column), keyboard-usable (a skip link, native
//! controls, visible focus), with a label on every field and text
//! contrast above WCAG AA.

use crate::branding::Branding;
use crate::i18n::{Lang, Text};
use askama::Template;
use std::sync::Arc;
use store::{ReleaseStatus, Role, User};

/// What the shared layout needs.
#[derive(Clone, Debug)]
pub struct Page {
    pub t: Text,
    pub lang: &'static str,
    pub site: String,
    /// The site's logo, colours and banner as this request found them.
    pub brand: Arc<Branding>,
    /// The logged-in member's name and whether they may invite.
    pub user: Option<String>,
    pub can_invite: bool,
    /// Moderators and admins: the menu links the moderation queue.
    pub staff: bool,
    /// Admins: the menu links the dashboard.
    pub admin: bool,
    /// The CSRF token every form of this page carries.
    pub csrf: String,
    /// The header's search box; off on the listing, which has its own.
    pub header_search: bool,
    /// Site-wide freeleech is on (tracker mode `private`): every page
    /// says downloads do not count.
    pub site_freeleech: bool,
}

impl Page {
    pub fn new(lang: Lang, brand: Arc<Branding>, user: Option<&User>, csrf: &str) -> Self {
        Self {
            t: lang.text(),
            lang: lang.code(),
            site: brand.site_name.clone(),
            brand,
            user: user.map(|u| u.username.as_str().to_owned()),
            can_invite: user.is_some_and(|u| can_invite(u.role)),
            staff: user.is_some_and(|u| matches!(u.role, Role::Admin | Role::Moderator)),
            admin: user.is_some_and(|u| u.role == Role::Admin),
            csrf: csrf.to_owned(),
            header_search: true,
            site_freeleech: false,
        }
    }

    /// For error pages rendered outside a handler: no menu for a member,
    /// no forms.
    pub fn anonymous(lang: Lang, brand: Arc<Branding>) -> Self {
        Self::new(lang, brand, None, "")
    }
}

/// Who may create invitations: staff, and uploaders, whose releases
/// vouch for them. Plain members may not, so an invite-only site does
/// not grow exponentially from one careless account.
pub fn can_invite(role: Role) -> bool {
    matches!(role, Role::Admin | Role::Moderator | Role::Uploader)
}

pub fn role_text(t: &Text, role: Role) -> &'static str {
    match role {
        Role::Admin => t.role_admin(),
        Role::Moderator => t.role_moderator(),
        Role::Uploader => t.role_uploader(),
        Role::Member => t.role_member(),
    }
}

pub fn status_text(t: &Text, status: ReleaseStatus) -> &'static str {
    match status {
        ReleaseStatus::Pending => t.status_pending(),
        ReleaseStatus::Approved => t.status_approved(),
        ReleaseStatus::NeedsFix => t.status_needs_fix(),
        ReleaseStatus::Duplicate => t.status_duplicate(),
        ReleaseStatus::Closed => t.status_closed(),
    }
}

/// `YYYY-MM-DD` (UTC) of a Unix time, without a date library
/// (Howard Hinnant's days-to-civil algorithm).
pub fn date(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Renders a template; a template that fails to render is a bug, shown
/// as a short plain message rather than a panic.
pub fn render(template: &impl Template) -> String {
    template.render().unwrap_or_else(|e| {
        tracing::error!(error = %e, "template failed to render");
        "internal error".into()
    })
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage<'a> {
    pub page: &'a Page,
    pub status: u16,
    pub message: &'a str,
}

impl ErrorPage<'_> {
    pub fn render_html(&self) -> String {
        render(self)
    }
}

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub page: Page,
    pub username: String,
    pub error: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "register.html")]
pub struct RegisterPage {
    pub page: Page,
    /// Registration is closed: show why, no form.
    pub closed: bool,
    /// The form asks for an invitation code.
    pub needs_invite: bool,
    pub username: String,
    pub invite: String,
    pub error: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "profile.html")]
pub struct ProfilePage {
    pub page: Page,
    pub username: String,
    pub role: &'static str,
    pub since: String,
    pub passkey: String,
    pub rotated: bool,
    /// The stored sums, for people (`1.5 GiB`, a ratio with two
    /// decimals, "∞" or "—").
    pub uploaded: String,
    pub downloaded: String,
    pub ratio: String,
    pub snatched: u64,
    /// Live seeding and leeching; `None` outside tracker mode `private`.
    pub live: Option<crate::transfers::Live>,
    /// The tracker's rules for the member; likewise.
    pub rules: Option<crate::transfers::Rules>,
    pub history: Vec<TransferRow>,
    pub uploads: Vec<UploadRow>,
    pub comments: Vec<MemberCommentRow>,
    /// Saved searches with their feeds (`crate::feeds`).
    pub saved_searches: Vec<crate::feeds::SavedSearchRow>,
}

/// One of the member's releases on their profile.
pub struct UploadRow {
    pub id: i64,
    pub title: String,
    pub status: &'static str,
    pub added: String,
    /// The member may still edit it (pending or needs fixing).
    pub editable: bool,
}

/// What the tracker credited the member on one release.
pub struct TransferRow {
    pub release: crate::transfers::Named,
    pub uploaded: String,
    pub downloaded: String,
    /// The day they completed it, if they did.
    pub completed: Option<String>,
}

/// One of the member's comments on their profile.
pub struct MemberCommentRow {
    pub id: i64,
    pub release_id: i64,
    pub release_title: String,
    pub date: String,
    /// The start of the comment.
    pub excerpt: String,
    pub hidden: bool,
}

#[derive(Template)]
#[template(path = "delete_account.html")]
pub struct DeleteAccountPage {
    pub page: Page,
    pub error: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "account_deleted.html")]
pub struct AccountDeletedPage {
    pub page: Page,
}

pub struct InviteRow {
    pub created: String,
    pub expires: String,
    pub used_by: Option<String>,
}

#[derive(Template)]
#[template(path = "invites.html")]
pub struct InvitesPage {
    pub page: Page,
    pub invites: Vec<InviteRow>,
    /// The code just created, shown this once.
    pub new_code: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_utc_calendar_days() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(951_782_400), "2000-02-29");
        assert_eq!(date(1_767_225_599), "2025-12-31");
        assert_eq!(date(-86_400), "1969-12-31");
    }
}
