//! `/api/v1/admin/api-keys`: mint, list and revoke keys.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiJson, ApiPath, ApiQuery};
use super::idempotency::NotReplayable;
use super::list::{ListJson, PageQuery};
use crate::domain::api_key::{ApiKey, ApiKeyInput};
use crate::domain::ids::ApiKeyId;
use crate::domain::time::Timestamp;
use crate::server::auth::api_key::ApiActor;
use crate::server::errors::{ApiError, Problem};
use crate::server::services::{Context, api_keys};
use crate::server::state::AppState;

/// A key as listed (never the secret).
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyJson {
    /// `key_…`.
    pub id: String,
    /// What it is for.
    pub name: String,
    /// The public part, `tnx_<prefix>_…`.
    pub prefix: String,
    /// What it may do.
    pub scopes: Vec<String>,
    /// The member who minted it (`usr_…`).
    pub created_by: String,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339, minute precision; `null` if never used.
    pub last_used_at: Option<String>,
    /// RFC 3339; `null` if it never expires.
    pub expires_at: Option<String>,
    /// RFC 3339; `null` unless revoked.
    pub revoked_at: Option<String>,
    /// `active`, `expired` or `revoked`, as of this answer.
    pub status: String,
}

impl ApiKeyJson {
    fn new(k: ApiKey, now: Timestamp) -> Self {
        Self {
            status: k.state(now).as_str().to_owned(),
            id: k.id.to_string(),
            name: k.name,
            prefix: k.prefix,
            scopes: k.scopes.iter().map(|s| s.as_str().to_owned()).collect(),
            created_by: k.created_by.to_string(),
            created_at: k.created_at.to_string(),
            last_used_at: k.last_used_at.map(|t| t.to_string()),
            expires_at: k.expires_at.map(|t| t.to_string()),
            revoked_at: k.revoked_at.map(|t| t.to_string()),
        }
    }
}

/// A freshly minted key: `key` is shown this once and never again.
#[derive(Serialize, ToSchema)]
pub struct CreatedApiKeyJson {
    /// `key_…`.
    pub id: String,
    /// The full key, `tnx_<prefix>_<secret>`.
    pub key: String,
    /// The public part.
    pub prefix: String,
    /// What it is for.
    pub name: String,
    /// What it may do.
    pub scopes: Vec<String>,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339 or `null`.
    pub expires_at: Option<String>,
}

impl std::fmt::Debug for CreatedApiKeyJson {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedApiKeyJson")
            .field("id", &self.id)
            .field("prefix", &self.prefix)
            .field("name", &self.name)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_api_keys, create_api_key))
        .routes(routes!(get_api_key, revoke_api_key))
}

/// Lists keys, newest first: every key of the workspace for admins, otherwise the caller's own.
#[utoipa::path(get, path = "/admin/api-keys", tag = "admin", params(PageQuery),
    responses(
        (status = 200, body = ListJson<ApiKeyJson>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
async fn list_api_keys(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<ListJson<ApiKeyJson>>, ApiError> {
    let page = api_keys::list(&ctx, &actor, &query.parse()?).await?;
    let now = ctx.now();
    Ok(Json(ListJson::from_page(page, |k| ApiKeyJson::new(k, now))))
}

/// Mints a key. The answer holds the full key; it cannot be shown again.
#[utoipa::path(post, path = "/admin/api-keys", tag = "admin", request_body = ApiKeyInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe retries")),
    responses(
        (status = 201, body = CreatedApiKeyJson),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
async fn create_api_key(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<ApiKeyInput>,
) -> Result<Response, ApiError> {
    let request = input.parse(ctx.now())?;
    let minted = api_keys::mint(&ctx, &actor, request).await?;
    let location = format!("/api/v1/admin/api-keys/{}", minted.key.id);
    let json = CreatedApiKeyJson {
        id: minted.key.id.to_string(),
        key: minted.token,
        prefix: minted.key.prefix,
        name: minted.key.name,
        scopes: minted
            .key
            .scopes
            .iter()
            .map(|s| s.as_str().to_owned())
            .collect(),
        created_at: minted.key.created_at.to_string(),
        expires_at: minted.key.expires_at.map(|t| t.to_string()),
    };
    let replay_note = NotReplayable(format!(
        "an earlier request with this Idempotency-Key minted key {}; its secret is shown only once, \
         so revoke it and mint another if it was lost",
        json.id
    ));
    let mut response = (
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(json),
    )
        .into_response();
    response.extensions_mut().insert(replay_note);
    Ok(response)
}

/// One key (never its secret).
#[utoipa::path(get, path = "/admin/api-keys/{id}", tag = "admin",
    params(("id" = String, Path, description = "`key_…`")),
    responses(
        (status = 200, body = ApiKeyJson),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_api_key(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<ApiKeyId>,
) -> Result<Json<ApiKeyJson>, ApiError> {
    Ok(Json(ApiKeyJson::new(
        api_keys::get(&ctx, &actor, &id).await?,
        ctx.now(),
    )))
}

/// Revokes a key; it stops working on the next request.
#[utoipa::path(delete, path = "/admin/api-keys/{id}", tag = "admin",
    params(("id" = String, Path, description = "`key_…`")),
    responses(
        (status = 200, body = ApiKeyJson),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
    ))]
async fn revoke_api_key(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<ApiKeyId>,
) -> Result<Json<ApiKeyJson>, ApiError> {
    Ok(Json(ApiKeyJson::new(
        api_keys::revoke(&ctx, &actor, &id).await?,
        ctx.now(),
    )))
}
