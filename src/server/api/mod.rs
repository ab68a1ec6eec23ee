//! The JSON API under `/api/v1`: one router per resource, every route in the OpenAPI
//! document generated from the handlers themselves.

pub mod ad_campaigns;
pub mod ad_creatives;
mod answers;
pub mod api_keys;
pub mod approvals;
pub mod audit_log;
pub mod blog_drafts;
pub mod brands;
pub mod campaigns;
pub mod connectors;
pub mod contacts;
pub mod docs;
pub mod email_sequences;
pub mod events;
pub mod extract;
pub mod idempotency;
pub mod list;
pub mod publish_jobs;
pub mod rollups;
pub mod segments;
pub mod sequence_runs;
pub mod settings;
pub mod suppressions;
pub mod webhooks;
pub mod whoami;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::from_fn_with_state;
use axum::response::IntoResponse;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

use crate::domain::Error;
use crate::server::auth::api_key::authenticate;
use crate::server::errors::{ApiError, Problem};
use crate::server::state::AppState;
use axum::http::StatusCode;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tenex Marketing API",
        description = "Campaigns, email sequences, ads and blog publishing behind a human approval gate. \
                       Authenticate with `Authorization: Bearer tnx_<prefix>_<secret>`. Errors are \
                       `application/problem+json` with a machine `code`.",
        version = "1"
    ),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    tags(
        (name = "identity", description = "Who is calling"),
        (name = "admin", description = "API keys, the audit log, workspace settings, background jobs and outgoing webhooks"),
        (name = "marketing", description = "Campaigns across channels"),
        (name = "crm", description = "Contacts, imports and segments"),
        (name = "knowledge", description = "Brands"),
        (name = "connectors", description = "Accounts at outside providers"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut scheme = Http::new(HttpAuthScheme::Bearer);
        scheme.bearer_format = Some("tnx_<prefix>_<secret>".into());
        components.add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// Every `/api/v1` route with its OpenAPI description.
fn routes() -> OpenApiRouter<AppState> {
    let v1 = OpenApiRouter::new()
        .merge(whoami::router())
        .merge(api_keys::router())
        .merge(audit_log::router())
        .merge(brands::router())
        .merge(contacts::router())
        .merge(segments::router())
        .merge(connectors::router())
        .merge(campaigns::router())
        .merge(email_sequences::router())
        .merge(ad_creatives::router())
        .merge(ad_campaigns::router())
        .merge(blog_drafts::router())
        .merge(publish_jobs::router())
        .merge(sequence_runs::router())
        .merge(suppressions::router())
        .merge(events::router())
        .merge(approvals::router())
        .merge(settings::router())
        .merge(rollups::router())
        .merge(webhooks::router());
    OpenApiRouter::with_openapi(ApiDoc::openapi()).nest("/api/v1", v1)
}

/// The routes and their OpenAPI 3.1 document, with the common answers of every operation.
fn documented() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, mut doc) = routes().split_for_parts();
    answers::complete_document(&mut doc);
    (router, doc)
}

/// The OpenAPI 3.1 document of every route.
pub fn openapi() -> utoipa::openapi::OpenApi {
    documented().1
}

/// The `/api/v1` routes: bearer authentication and rate limit, idempotent POSTs, the body
/// limit, and problem+json for unknown paths.
pub fn router(state: &AppState) -> Router<AppState> {
    let (authenticated, doc) = documented();
    let doc_json = std::sync::Arc::new(crate::server::assets::Precompressed::new(
        "application/json",
        serde_json::to_string(&doc).expect("the OpenAPI document serializes"),
    ));
    let authenticated = authenticated
        .route("/api/v1/{*rest}", axum::routing::any(unknown_route))
        .method_not_allowed_fallback(method_not_allowed)
        .layer(from_fn_with_state(
            state.clone(),
            idempotency::replay_or_record,
        ))
        .layer(from_fn_with_state(state.clone(), authenticate))
        .layer(DefaultBodyLimit::max(state.settings.max_body_bytes));
    Router::new()
        .route(
            "/api/v1/openapi.json",
            axum::routing::get(move |headers: axum::http::HeaderMap| async move {
                doc_json.answer(&headers).await
            }),
        )
        .merge(authenticated)
}

async fn method_not_allowed() -> impl IntoResponse {
    Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this route does not take that method",
    )
}

async fn unknown_route() -> impl IntoResponse {
    ApiError(Error::NotFound("route"))
}
