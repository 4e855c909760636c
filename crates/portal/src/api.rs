//! `GET /api/v1/me`: the logged-in member, as JSON. Errors are
//! `{"code": ..., "message": ...}` like every portal error.

use crate::PortalState;
use crate::error::WebError;
use crate::session::Visitor;
use axum::response::Json;
use axum::{Router, routing::get};
use serde::Serialize;

pub fn router() -> Router<PortalState> {
    Router::new().route("/api/v1/me", get(me))
}

#[derive(Debug, Serialize)]
struct Me {
    username: String,
    role: &'static str,
}

async fn me(visitor: Visitor) -> Result<Json<Me>, WebError> {
    let user = visitor.require_user()?;
    Ok(Json(Me {
        username: user.username.as_str().to_owned(),
        role: user.role.as_str(),
    }))
}
