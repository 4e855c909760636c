//! The JSON API's routes and their OpenAPI 3.1 description, made by one
//! router so that they cannot drift apart.
//!
//! Each feature module that serves `/api/v1` exports `api()`, a
//! [`OpenApiRouter`] whose routes are registered with `routes!` from
//! handlers annotated with `#[utoipa::path]` (path, parameters, request
//! body, every status the handler returns and the `code`s behind it),
//! the request and response types deriving `ToSchema`. [`router`] merges
//! them, splits the result into the axum router the portal serves and
//! the document, adds what every operation has in common (the policy
//! gate's 451, the security schemes), and serves the document at
//! `GET /api/v1/openapi.json`.
//!
//! A route added with a plain `.route("/api/v1/...")` would be served
//! but not described. `tests/openapi.rs` catches that: it scans this
//! crate's source for `/api/v1` paths and fails on any the document
//! lacks, and sends every method to every documented path, expecting the
//! router to answer exactly the documented ones.
//!
//! Authentication: an API token (`Authorization: Bearer`, from
//! `POST /api/v1/auth/token`) or the browser's session cookie; with the
//! cookie, a state-changing request also carries `X-CSRF-Token` or is
//! refused (403 `csrf_failed`), which is why every such operation lists
//! a 403.

use crate::PortalState;
use axum::extract::Extension;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::{Router, body::Bytes};
use store::{ReleaseSort, ReleaseStatus, Role};
use utoipa::openapi::schema::{Object, ObjectBuilder, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{OpenApi as Document, RefOr, ResponseBuilder, content::ContentBuilder};
use utoipa::{Modify, OpenApi, PartialSchema as _, ToSchema as _};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The security scheme of API tokens.
const BEARER: &str = "bearer";
/// The security scheme of the browser's session cookie.
const SESSION: &str = "session";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "swarmgate",
        description = "The JSON API of a swarmgate portal: releases, categories, the member's \
            own account and data, API tokens and swarm totals. Errors are `{code, message}`: \
            `code` is stable, for programs; `message` is for people, in the language the \
            request asks for (`Accept-Language` or `?lang=en|ru`).",
    ),
    modifiers(&SecuritySchemes),
    tags(
        (name = "releases", description = "The catalog: browse, upload, edit, moderate, download"),
        (name = "categories", description = "The category tree"),
        (name = "account", description = "The member's own account and data"),
        (name = "tokens", description = "API tokens"),
        (name = "site", description = "The site itself"),
    )
)]
struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut Document) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API token from `POST /api/v1/auth/token` (64 hex characters). \
                         A request that carries one is authenticated by it alone and needs \
                         no CSRF token.",
                    ))
                    .build(),
            ),
        );
        let mut cookie = ApiKeyValue::new(crate::cookies::SESSION);
        cookie.description = Some(
            "The browser's session cookie. State-changing requests authenticated by it \
             carry the page's CSRF token in `X-CSRF-Token`."
                .into(),
        );
        components.add_security_scheme(SESSION, SecurityScheme::ApiKey(ApiKey::Cookie(cookie)));
    }
}

/// The JSON API: every `/api/v1` route, with the document describing
/// them served at `/api/v1/openapi.json`.
pub(crate) fn router(state: &PortalState) -> Router<PortalState> {
    let (router, document) = api(state).split_for_parts();
    let document = finish(document);
    // The document is the same for every request: serialized once.
    let json = Bytes::from(document.to_json().unwrap_or_default());
    router.layer(Extension(Served(json)))
}

/// Every documented route, before the common parts are added.
fn api(state: &PortalState) -> OpenApiRouter<PortalState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(openapi_json))
        .merge(crate::api::api())
        .merge(crate::tokens::api())
        .merge(crate::member_data::api())
        .merge(crate::home::api())
        .merge(crate::releases::api(state))
}

/// The document as served.
#[derive(Clone)]
struct Served(Bytes);

/// Adds what every operation shares: the policy gate in front of every
/// route answers 451 to a client the operator's access policy refuses.
fn finish(mut document: Document) -> Document {
    let components = document.components.get_or_insert_with(Default::default);
    components.schemas.insert(
        crate::legal_block::JsonRefusal::name().into_owned(),
        crate::legal_block::JsonRefusal::schema(),
    );
    let refusal = ResponseBuilder::new()
        .description(
            "The operator's access policy refuses this client (RFC 7725), in the \
             client's language where the rule has one.",
        )
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
                    crate::legal_block::JsonRefusal::name(),
                ))))
                .build(),
        )
        .build();
    for item in document.paths.paths.values_mut() {
        for operation in [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ]
        .into_iter()
        .flatten()
        {
            operation
                .responses
                .responses
                .entry("451".into())
                .or_insert_with(|| RefOr::T(refusal.clone()));
        }
    }
    document
}

/// This document
///
/// The OpenAPI 3.1 description of every `/api/v1` route, generated from
/// the code that serves them.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    operation_id = "openapi",
    tag = "site",
    security((), ("bearer" = []), ("session" = [])),
    responses(
        (status = 200, description = "The OpenAPI document", content_type = "application/json",
            body = Object),
    )
)]
async fn openapi_json(Extension(Served(json)): Extension<Served>) -> Response {
    let mut response = json.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

fn enumeration<'a>(description: &str, values: impl IntoIterator<Item = &'a str>) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .enum_values(Some(values))
        .build()
}

/// A member's role, as the API names it.
pub(crate) fn role_schema() -> Object {
    enumeration(
        "What the member may do: everything, moderate, publish without review, or use \
         the site.",
        Role::ALL.map(Role::as_str),
    )
}

/// A release's moderation status, as the API names it.
pub(crate) fn status_schema() -> Object {
    enumeration(
        "Where a release stands in moderation; only `approved` ones are public.",
        ReleaseStatus::ALL.map(ReleaseStatus::as_str),
    )
}

/// The listing's `status` parameter: a status, or empty for the
/// default.
pub(crate) fn status_filter_schema() -> Object {
    enumeration(
        "Staff only, except `approved` (the default; so is an empty value).",
        std::iter::once("").chain(ReleaseStatus::ALL.map(ReleaseStatus::as_str)),
    )
}

/// The listing's `sort` parameter.
pub(crate) fn sort_schema() -> Object {
    enumeration(
        "`date` (newest first, the default; so is an empty value), `seeders` (most \
         first), `size` (largest first) or `name`.",
        std::iter::once("").chain(ReleaseSort::ALL.map(ReleaseSort::as_str)),
    )
}
