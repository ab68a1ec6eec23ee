//! `/api/v1/connectors`: secrets are accepted, never returned.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiJson, ApiPath, ApiQuery, IfMatch};
use super::list::{ListJson, PageQuery};
use crate::domain::connector::{Connector, ConnectorEdit, ConnectorInput};
use crate::domain::ids::ConnectorId;
use crate::server::auth::api_key::ApiActor;
use crate::server::errors::{ApiError, Problem};
use crate::server::services::{Context, connectors};
use crate::server::state::AppState;

/// A connector (secrets are never returned; `secrets_set` names those that are set).
#[derive(Debug, Serialize, ToSchema)]
pub struct ConnectorJson {
    /// `cnr_…`.
    pub id: String,
    /// Provider kind.
    pub kind: String,
    /// What it can be used for.
    pub roles: Vec<String>,
    /// Name.
    pub name: String,
    /// Visible settings.
    pub settings: BTreeMap<String, String>,
    /// Names of the secrets that are set.
    pub secrets_set: Vec<String>,
    /// `unknown`, `healthy` or `failing`.
    pub health: String,
    /// What the last test said.
    pub health_detail: Option<String>,
    /// RFC 3339, last test.
    pub last_checked_at: Option<String>,
    /// RFC 3339: since when sending through it is held (a fault every call would hit; the
    /// reason is `health_detail`). `null` while it may be used. An admin's passing test
    /// (`POST …/test`) ends it and lets the held runs go on.
    pub failing_since: Option<String>,
    /// Runs held because of it (sequences `paused` with `paused_reason: sender_failing`).
    pub held_runs: i64,
    /// Send it back to edit.
    pub version: i64,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
}

impl From<Connector> for ConnectorJson {
    fn from(c: Connector) -> Self {
        Self {
            id: c.id.to_string(),
            kind: c.kind.as_str().to_owned(),
            roles: c.roles().iter().map(|r| r.as_str().to_owned()).collect(),
            name: c.name,
            settings: c.settings,
            secrets_set: c.secrets_set,
            health: c.health.as_str().to_owned(),
            health_detail: c.health_detail,
            last_checked_at: c.last_checked_at.map(|t| t.to_string()),
            failing_since: c.failing_since.map(|t| t.to_string()),
            held_runs: c.held_runs,
            version: c.version,
            created_at: c.created_at.to_string(),
            updated_at: c.updated_at.to_string(),
        }
    }
}

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_connectors, create_connector))
        .routes(routes!(get_connector, update_connector, delete_connector))
        .routes(routes!(test_connector))
}

/// Connectors, newest first.
#[utoipa::path(get, path = "/connectors", tag = "connectors", params(PageQuery), responses((status = 200, body = ListJson<ConnectorJson>)))]
async fn list_connectors(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<ListJson<ConnectorJson>>, ApiError> {
    Ok(Json(ListJson::from_page(
        connectors::list(&ctx, &actor, &q.parse()?).await?,
        ConnectorJson::from,
    )))
}

/// Adds a connector (needs `admin`).
#[utoipa::path(post, path = "/connectors", tag = "connectors", request_body = ConnectorInput,
    responses((status = 201, body = ConnectorJson), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn create_connector(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<ConnectorInput>,
) -> Result<Response, ApiError> {
    let connector = connectors::create(&ctx, &actor, &input).await?;
    let location = format!("/api/v1/connectors/{}", connector.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(ConnectorJson::from(connector)),
    )
        .into_response())
}

/// One connector.
#[utoipa::path(get, path = "/connectors/{id}", tag = "connectors", params(("id" = String, Path, description = "`cnr_…`")),
    responses((status = 200, body = ConnectorJson), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get_connector(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<ConnectorId>,
) -> Result<Json<ConnectorJson>, ApiError> {
    Ok(Json(connectors::get(&ctx, &actor, &id).await?.into()))
}

/// Edits a connector (needs `admin` and `version`).
#[utoipa::path(patch, path = "/connectors/{id}", tag = "connectors", request_body = ConnectorEdit, params(("id" = String, Path, description = "`cnr_…`")),
    responses((status = 200, body = ConnectorJson), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn update_connector(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<ConnectorId>,
    if_match: IfMatch,
    ApiJson(edit): ApiJson<ConnectorEdit>,
) -> Result<Json<ConnectorJson>, ApiError> {
    let version = if_match.version_or(edit.version)?;
    Ok(Json(
        connectors::update(&ctx, &actor, &id, version, &edit)
            .await?
            .into(),
    ))
}

/// Deletes a connector (needs `admin`).
#[utoipa::path(delete, path = "/connectors/{id}", tag = "connectors", params(("id" = String, Path, description = "`cnr_…`")),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn delete_connector(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<ConnectorId>,
) -> Result<StatusCode, ApiError> {
    connectors::delete(&ctx, &actor, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Runs a real, harmless check against the provider and records health and time. The
/// answer is the connector; a provider failure shows as `health: failing` with the reason.
/// Needs the `admin` scope: the check sends the connector's secrets to its host.
#[utoipa::path(post, path = "/connectors/{id}/test", tag = "connectors", params(("id" = String, Path, description = "`cnr_…`")),
    responses((status = 200, body = ConnectorJson), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn test_connector(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<ConnectorId>,
) -> Result<Json<ConnectorJson>, ApiError> {
    Ok(Json(connectors::test(&ctx, &actor, &id).await?.into()))
}
