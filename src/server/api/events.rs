//! `/api/v1/marketing/events` and `/api/v1/marketing/inbound/email`: what happened after
//! a message went out.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::ApiJson;
use crate::domain::event::{Event, EventInput};
use crate::domain::inbound::InboundEmail;
use crate::server::auth::api_key::ApiActor;
use crate::server::errors::{ApiError, Problem};
use crate::server::services::{Context, events};
use crate::server::state::AppState;

/// A recorded event.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventJson {
    /// `evt_…`.
    pub id: String,
    /// Your id for it.
    pub client_id: String,
    /// `conversion`, `reply`, `bounce` or `unsubscribe`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `ctc_…`.
    pub contact_id: Option<String>,
    /// The campaign it counted for.
    pub campaign_id: Option<String>,
    /// The sequence whose enrollment it ended.
    pub sequence_id: Option<String>,
    /// `api`, `inbound_email` or `unsubscribe_link`.
    pub source: String,
    /// RFC 3339.
    pub occurred_at: String,
    /// Conversion value.
    pub value_usd: f64,
    /// True when this id had been recorded before: nothing changed this time.
    pub duplicate: bool,
}

impl EventJson {
    pub fn of(e: Event, duplicate: bool) -> Self {
        Self {
            id: e.id.to_string(),
            client_id: e.client_id,
            kind: e.kind.as_str().to_owned(),
            contact_id: e.contact_id.map(|c| c.to_string()),
            campaign_id: e.campaign_id.map(|c| c.to_string()),
            sequence_id: e.sequence_id.map(|s| s.to_string()),
            source: e.source.as_str().to_owned(),
            occurred_at: e.occurred_at.to_string(),
            value_usd: e.value_cents as f64 / 100.0,
            duplicate,
        }
    }
}

/// What was done with an inbound message.
#[derive(Debug, Serialize, ToSchema)]
pub struct InboundJson {
    /// `reply`, `auto_reply` or `bounce`.
    pub kind: String,
    /// Whether it answers (or reports on) a message Tenex sent.
    pub matched: bool,
    /// The event recorded, when it counted.
    pub event: Option<EventJson>,
    /// Why nothing was recorded, when nothing was.
    pub reason: Option<String>,
}

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(record_event))
        .routes(routes!(inbound_email))
}

/// Records a reply, bounce, unsubscribe or conversion. A repeated `id` is accepted and
/// counted once (200 with `duplicate: true`); the first time is 201.
#[utoipa::path(post, path = "/marketing/events", tag = "marketing", request_body = EventInput,
    responses((status = 201, body = EventJson), (status = 200, body = EventJson, description = "already recorded"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn record_event(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<EventInput>,
) -> Result<(StatusCode, Json<EventJson>), ApiError> {
    let recorded = events::record(&ctx, &actor, &input).await?;
    let status = if recorded.duplicate {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((
        status,
        Json(EventJson::of(recorded.event, recorded.duplicate)),
    ))
}

/// Takes a parsed inbound message: matched by `In-Reply-To`/`References` to a Message-ID
/// Tenex sent, a person's reply ends that enrollment, a delivery report marks a bounce, and
/// an automatic answer changes nothing. A message answering nothing of ours is 200 with
/// `matched: false`.
#[utoipa::path(post, path = "/marketing/inbound/email", tag = "marketing", request_body = InboundEmail,
    responses((status = 200, body = InboundJson), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn inbound_email(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiJson(mail): ApiJson<InboundEmail>,
) -> Result<Json<InboundJson>, ApiError> {
    let result = events::inbound(&ctx, &actor, &mail).await?;
    let duplicate = result.reason.is_some() && result.event.is_some();
    Ok(Json(InboundJson {
        kind: serde_json::to_value(result.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        matched: result.matched,
        event: result.event.map(|e| EventJson::of(e, duplicate)),
        reason: result.reason,
    }))
}
