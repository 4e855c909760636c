//! Administrators' pages: the dashboard (`dashboard`: `/admin` and
//! `/admin/traffic.svg`, with the chart drawn by `chart` from the series
//! `traffic` builds) and the branding form (`crate::branding`).
//!
//! Every route checks [`require_admin`] first: visitors who are not
//! logged in get 401, members, uploaders and moderators 403. POSTs pass
//! the CSRF check before that, like every other form of the site.

mod chart;
mod dashboard;
mod traffic;

use crate::PortalState;
use crate::error::WebError;
use crate::session::Visitor;
use axum::Router;
use store::{Role, User};

pub(crate) fn router() -> Router<PortalState> {
    dashboard::router().merge(crate::branding::router())
}

/// The logged-in administrator, or 401 (not logged in) or 403.
pub(crate) fn require_admin(visitor: &Visitor) -> Result<&User, WebError> {
    let user = visitor.require_user()?;
    if user.role == Role::Admin {
        Ok(user)
    } else {
        Err(WebError::Forbidden)
    }
}
