//! `/api/v1/admin/webhooks`: outgoing-webhook endpoints, their delivery log, test events and
//! redeliveries (needs `admin`).

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiJson, ApiPath, ApiQuery, IfMatch};
use super::idempotency::NotReplayable;
use super::list::{ListJson, PageQuery};
use crate::domain::ids::{WebhookDeliveryId, WebhookEndpointId};
use crate::domain::webhook::{Attempt, Delivery, EndpointInput, WebhookEndpoint};
use crate::server::auth::api_key::ApiActor;
use crate::server::errors::{ApiError, Problem};
use crate::server::services::{Context, webhooks};
use crate::server::state::AppState;

/// An endpoint that receives the workspace's events.
#[derive(Debug, Serialize, ToSchema)]
pub struct EndpointJson {
    /// `whk_…`.
    pub id: String,
    /// Where deliveries are posted.
    pub url: String,
    /// What it is for.
    pub description: String,
    /// The events it receives.
    pub events: Vec<String>,
    /// Whether deliveries are sent.
    pub enabled: bool,
    /// Why it was switched off, when deliveries kept failing.
    pub disabled_reason: Option<String>,
    /// The signing secret's last four characters.
    pub secret_hint: String,
    /// Send it back with `PATCH`.
    pub version: i64,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
}

impl From<WebhookEndpoint> for EndpointJson {
    fn from(e: WebhookEndpoint) -> Self {
        Self {
            id: e.id.to_string(),
            url: e.url,
            description: e.description,
            events: e.events.iter().map(|e| e.as_str().to_owned()).collect(),
            enabled: e.enabled,
            disabled_reason: e.disabled_reason,
            secret_hint: e.secret_hint,
            version: e.version,
            created_at: e.created_at.to_string(),
            updated_at: e.updated_at.to_string(),
        }
    }
}

/// A new endpoint with its signing secret: shown here once, never again.
#[derive(Serialize, ToSchema)]
pub struct CreatedJson {
    /// The endpoint.
    #[serde(flatten)]
    pub endpoint: EndpointJson,
    /// `whsec_…`: verify each delivery's `Tenex-Signature` with it.
    pub secret: String,
}

/// One try at a delivery.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptJson {
    /// 1 for the first.
    pub attempt: i64,
    /// RFC 3339.
    pub started_at: String,
    /// The request headers sent (the signature included).
    pub request_headers: Vec<HeaderJson>,
    /// The receiver's status code; `null` when it never answered.
    pub response_status: Option<i64>,
    /// The start of its answer.
    pub response_body: Option<String>,
    /// How long it took.
    pub duration_ms: i64,
    /// What went wrong.
    pub error: Option<String>,
}

/// A request header.
#[derive(Debug, Serialize, ToSchema)]
pub struct HeaderJson {
    /// Its name.
    pub name: String,
    /// Its value.
    pub value: String,
}

impl From<Attempt> for AttemptJson {
    fn from(a: Attempt) -> Self {
        Self {
            attempt: a.attempt,
            started_at: a.started_at.to_string(),
            request_headers: a
                .request_headers
                .into_iter()
                .map(|(name, value)| HeaderJson { name, value })
                .collect(),
            response_status: a.response_status,
            response_body: a.response_body,
            duration_ms: a.duration_ms,
            error: a.error,
        }
    }
}

/// One event sent (or being sent) to one endpoint.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryJson {
    /// `whd_…`.
    pub id: String,
    /// `whk_…`.
    pub endpoint_id: String,
    /// The event's id (`wev_…`): the same on a redelivery, so receivers can drop repeats.
    pub event_id: String,
    /// The event's type (`webhook.test` for a test).
    pub event_type: String,
    /// `event`, `test` or `redeliver`.
    pub cause: String,
    /// `pending` (retries left), `succeeded` or `failed`.
    pub status: String,
    /// Attempts made.
    pub attempts: i64,
    /// The last answer's status code.
    pub response_status: Option<i64>,
    /// How long the last attempt took.
    pub duration_ms: Option<i64>,
    /// What went wrong last.
    pub error: Option<String>,
    /// The body posted.
    pub body: String,
    /// Each attempt, oldest first.
    pub attempt_log: Vec<AttemptJson>,
    /// RFC 3339.
    pub created_at: String,
    /// When a receiver took it.
    pub delivered_at: Option<String>,
}

impl From<Delivery> for DeliveryJson {
    fn from(d: Delivery) -> Self {
        Self {
            id: d.id.to_string(),
            endpoint_id: d.endpoint_id.to_string(),
            event_id: d.event_id,
            event_type: d.event_type,
            cause: d.cause.as_str().to_owned(),
            status: d.status.as_str().to_owned(),
            attempts: d.attempts,
            response_status: d.response_status,
            duration_ms: d.duration_ms,
            error: d.error,
            body: d.body,
            attempt_log: d.attempt_log.into_iter().map(Into::into).collect(),
            created_at: d.created_at.to_string(),
            delivered_at: d.delivered_at.map(|t| t.to_string()),
        }
    }
}

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_endpoints, create_endpoint))
        .routes(routes!(get_endpoint, edit_endpoint, delete_endpoint))
        .routes(routes!(send_test))
        .routes(routes!(list_deliveries))
        .routes(routes!(redeliver))
}

const ID: &str = "`whk_…`";

/// The workspace's webhook endpoints, newest first.
#[utoipa::path(get, path = "/admin/webhooks", tag = "admin", params(PageQuery),
    responses((status = 200, body = ListJson<EndpointJson>), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn list_endpoints(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<ListJson<EndpointJson>>, ApiError> {
    Ok(Json(ListJson::from_page(
        webhooks::list(&ctx, &actor, &q.parse()?).await?,
        EndpointJson::from,
    )))
}

/// Adds an endpoint. `url` must be `https` and resolve to public addresses (private ones,
/// over `http` too, only when the workspace allows private targets). The answer carries
/// the signing secret, once.
#[utoipa::path(post, path = "/admin/webhooks", tag = "admin", request_body = EndpointInput,
    responses((status = 201, body = CreatedJson), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn create_endpoint(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<EndpointInput>,
) -> Result<Response, ApiError> {
    let created = webhooks::create(&ctx, &actor, &input).await?;
    let location = format!("/api/v1/admin/webhooks/{}", created.endpoint.id);
    // The secret is never stored in the clear, not even as a replayable answer.
    let replay_note = NotReplayable(format!(
        "an earlier request with this Idempotency-Key added endpoint {}; its secret is shown only once, \
         so delete it and add another if it was lost",
        created.endpoint.id
    ));
    let mut response = (
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(CreatedJson {
            endpoint: created.endpoint.into(),
            secret: created.secret,
        }),
    )
        .into_response();
    response.extensions_mut().insert(replay_note);
    Ok(response)
}

/// One endpoint (never its secret).
#[utoipa::path(get, path = "/admin/webhooks/{id}", tag = "admin", params(("id" = String, Path, description = ID)),
    responses((status = 200, body = EndpointJson), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get_endpoint(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<WebhookEndpointId>,
) -> Result<Json<EndpointJson>, ApiError> {
    Ok(Json(webhooks::get(&ctx, &actor, &id).await?.into()))
}

/// Edits an endpoint: `url`, `events`, `description`, `enabled` (switching on clears the
/// reason it was switched off). Needs `version`; a stale one is 409.
#[utoipa::path(patch, path = "/admin/webhooks/{id}", tag = "admin", params(("id" = String, Path, description = ID)),
    request_body = EndpointInput,
    responses((status = 200, body = EndpointJson), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn edit_endpoint(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<WebhookEndpointId>,
    if_match: IfMatch,
    ApiJson(input): ApiJson<EndpointInput>,
) -> Result<Json<EndpointJson>, ApiError> {
    let input = EndpointInput {
        version: Some(if_match.version_or(input.version)?),
        ..input
    };
    Ok(Json(
        webhooks::update(&ctx, &actor, &id, &input).await?.into(),
    ))
}

/// Deletes an endpoint and its delivery log.
#[utoipa::path(delete, path = "/admin/webhooks/{id}", tag = "admin", params(("id" = String, Path, description = ID)),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn delete_endpoint(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<WebhookEndpointId>,
) -> Result<StatusCode, ApiError> {
    webhooks::delete(&ctx, &actor, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Queues a `webhook.test` event to the endpoint (one attempt, even when it is switched
/// off); watch it in the delivery log.
#[utoipa::path(post, path = "/admin/webhooks/{id}/test", tag = "admin", params(("id" = String, Path, description = ID)),
    responses((status = 202, body = DeliveryJson), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn send_test(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<WebhookEndpointId>,
) -> Result<(StatusCode, Json<DeliveryJson>), ApiError> {
    let delivery = webhooks::send_test(&ctx, &actor, &id).await?;
    Ok((StatusCode::ACCEPTED, Json(delivery.into())))
}

/// The endpoint's deliveries, newest first, each with its attempts: request headers,
/// response status, the start of the answer and timing.
#[utoipa::path(get, path = "/admin/webhooks/{id}/deliveries", tag = "admin",
    params(("id" = String, Path, description = ID), PageQuery),
    responses((status = 200, body = ListJson<DeliveryJson>), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn list_deliveries(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<WebhookEndpointId>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<ListJson<DeliveryJson>>, ApiError> {
    Ok(Json(ListJson::from_page(
        webhooks::deliveries(&ctx, &actor, &id, &q.parse()?).await?,
        DeliveryJson::from,
    )))
}

/// Sends an earlier delivery's event again (same event id and body, signed anew): one
/// attempt, as a new delivery in the log.
#[utoipa::path(post, path = "/admin/webhooks/deliveries/{delivery_id}/redeliver", tag = "admin",
    params(("delivery_id" = String, Path, description = "`whd_…`")),
    responses((status = 202, body = DeliveryJson), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn redeliver(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<WebhookDeliveryId>,
) -> Result<(StatusCode, Json<DeliveryJson>), ApiError> {
    let delivery = webhooks::redeliver(&ctx, &actor, &id).await?;
    Ok((StatusCode::ACCEPTED, Json(delivery.into())))
}
