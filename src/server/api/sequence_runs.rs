//! The run of a sequence: pause, resume, cancel, progress, the messages table, settling
//! uncertain messages, and the sandbox outbox.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::email_sequences::SequenceJson;
use super::extract::{ApiJson, ApiPath, ApiQuery};
use super::list::{ListJson, PageQuery};
use crate::domain::Error;
use crate::domain::ids::SequenceId;
use crate::domain::message::{
    LedgerMessage, MessageFilter, NextSend, RunControl, RunProgress, SettleInput, StepProgress,
};
use crate::domain::outbox::OutboxMessage;
use crate::server::auth::api_key::ApiActor;
use crate::server::errors::{ApiError, Problem};
use crate::server::services::{Context, runs, sequences};
use crate::server::state::AppState;

/// One message of the run.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessageJson {
    /// The `Message-ID` it is (or will be) sent with, without angle brackets.
    pub message_id: String,
    /// `ctc_…`.
    pub contact_id: String,
    /// The recipient's address.
    pub email: String,
    /// 0-based step.
    pub step_index: u32,
    /// `scheduled`, `sending`, `sent`, `failed`, `uncertain` or `skipped`.
    pub status: String,
    /// RFC 3339: when it is (or was) due.
    pub scheduled_for: String,
    /// RFC 3339: when the provider accepted it.
    pub sent_at: Option<String>,
    /// Attempts so far.
    pub attempts: u32,
    /// The provider's id for it (e.g. the Gmail id or the SMTP queue id).
    pub provider_id: Option<String>,
    /// The provider's reason for the last failure, or why it was skipped.
    pub error: Option<String>,
}

impl From<LedgerMessage> for MessageJson {
    fn from(m: LedgerMessage) -> Self {
        Self {
            message_id: m.message_id,
            contact_id: m.contact_id.to_string(),
            email: m.email,
            step_index: m.step_index,
            status: m.status.as_str().to_owned(),
            scheduled_for: m.scheduled_for.to_string(),
            sent_at: m.sent_at.map(|t| t.to_string()),
            attempts: m.attempts,
            provider_id: m.provider_id,
            error: m.error,
        }
    }
}

/// `?status=&step=&limit=&cursor=`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MessageQuery {
    /// Only this status.
    pub status: Option<String>,
    /// Only this step (0-based).
    pub step: Option<String>,
    /// Rows per page, 1–200 (default 50).
    pub limit: Option<String>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
}

/// Counts of one step.
#[derive(Debug, Serialize, ToSchema)]
pub struct StepProgressJson {
    /// 0-based step.
    pub step_index: u32,
    /// Accepted by the provider.
    pub sent: i64,
    /// Still to send.
    pub scheduled: i64,
    /// Failed for good.
    pub failed: i64,
    /// Outcome unknown.
    pub uncertain: i64,
    /// Never to be sent (reply, unsubscribe, bounce, cancel, earlier failure).
    pub skipped: i64,
}

impl From<StepProgress> for StepProgressJson {
    fn from(s: StepProgress) -> Self {
        Self {
            step_index: s.step_index,
            sent: s.sent,
            scheduled: s.scheduled,
            failed: s.failed,
            uncertain: s.uncertain,
            skipped: s.skipped,
        }
    }
}

/// Messages of one step due at one moment.
#[derive(Debug, Serialize, ToSchema)]
pub struct NextSendJson {
    /// 0-based step.
    pub step_index: u32,
    /// RFC 3339.
    pub at: String,
    /// How many.
    pub messages: i64,
}

impl From<NextSend> for NextSendJson {
    fn from(n: NextSend) -> Self {
        Self {
            step_index: n.step_index,
            at: n.at.to_string(),
            messages: n.messages,
        }
    }
}

/// How far the run has got.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgressJson {
    /// One entry per step.
    pub steps: Vec<StepProgressJson>,
    /// The next moments messages fall due, soonest first.
    pub next_sends: Vec<NextSendJson>,
}

impl From<RunProgress> for ProgressJson {
    fn from(p: RunProgress) -> Self {
        Self {
            steps: p.steps.into_iter().map(Into::into).collect(),
            next_sends: p.next_sends.into_iter().map(Into::into).collect(),
        }
    }
}

/// A message a sandbox sender accepted, whole.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxJson {
    /// Its `Message-ID`.
    pub message_id: String,
    /// `cnr_…`.
    pub connector_id: String,
    /// `seq_…`.
    pub sequence_id: String,
    /// `ctc_…`.
    pub contact_id: String,
    /// 0-based step.
    pub step_index: u32,
    /// The recipient.
    pub to: String,
    /// The subject as sent.
    pub subject: String,
    /// The whole RFC 5322 message.
    pub raw: String,
    /// RFC 3339.
    pub created_at: String,
}

impl From<OutboxMessage> for OutboxJson {
    fn from(m: OutboxMessage) -> Self {
        Self {
            message_id: m.message_id,
            connector_id: m.connector_id.to_string(),
            sequence_id: m.sequence_id.to_string(),
            contact_id: m.contact_id.to_string(),
            step_index: m.step_index,
            to: m.to_address,
            subject: m.subject,
            raw: m.raw,
            created_at: m.created_at.to_string(),
        }
    }
}

/// `?sequence_id=&limit=&cursor=`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutboxQuery {
    /// Only this sequence's messages.
    pub sequence_id: Option<String>,
    /// Rows per page, 1–200 (default 50).
    pub limit: Option<String>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
}

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(pause_sequence))
        .routes(routes!(resume_sequence))
        .routes(routes!(cancel_sequence))
        .routes(routes!(sequence_progress))
        .routes(routes!(list_messages))
        .routes(routes!(settle_message))
        .routes(routes!(list_outbox))
}

async fn steer(
    ctx: &Context,
    actor: &crate::domain::actor::Actor,
    id: &SequenceId,
    control: RunControl,
) -> Result<Json<SequenceJson>, ApiError> {
    runs::control(ctx, actor, id, control).await?;
    Ok(Json(sequences::get(ctx, actor, id).await?.into()))
}

/// Pauses a running sequence before its next message; nothing is lost.
#[utoipa::path(post, path = "/marketing/email-sequences/{id}/pause", tag = "marketing",
    params(("id" = String, Path, description = "`seq_…`")),
    responses((status = 200, body = SequenceJson), (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn pause_sequence(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<SequenceId>,
) -> Result<Json<SequenceJson>, ApiError> {
    steer(&ctx, &actor, &id, RunControl::Pause).await
}

/// Resumes a paused sequence; messages that fell due meanwhile go out now.
#[utoipa::path(post, path = "/marketing/email-sequences/{id}/resume", tag = "marketing",
    params(("id" = String, Path, description = "`seq_…`")),
    responses((status = 200, body = SequenceJson), (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn resume_sequence(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<SequenceId>,
) -> Result<Json<SequenceJson>, ApiError> {
    steer(&ctx, &actor, &id, RunControl::Resume).await
}

/// Cancels a running or paused sequence: every message not yet sent is skipped for good.
#[utoipa::path(post, path = "/marketing/email-sequences/{id}/cancel", tag = "marketing",
    params(("id" = String, Path, description = "`seq_…`")),
    responses((status = 200, body = SequenceJson), (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn cancel_sequence(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<SequenceId>,
) -> Result<Json<SequenceJson>, ApiError> {
    steer(&ctx, &actor, &id, RunControl::Cancel).await
}

/// Per-step counts of the run and the next sends due.
#[utoipa::path(get, path = "/marketing/email-sequences/{id}/progress", tag = "marketing",
    params(("id" = String, Path, description = "`seq_…`")),
    responses((status = 200, body = ProgressJson), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn sequence_progress(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<SequenceId>,
) -> Result<Json<ProgressJson>, ApiError> {
    Ok(Json(runs::progress(&ctx, &actor, &id).await?.into()))
}

/// The run: one row per message (newest first), filtered by `status` and `step`.
#[utoipa::path(get, path = "/marketing/email-sequences/{id}/messages", tag = "marketing",
    params(("id" = String, Path, description = "`seq_…`"), MessageQuery),
    responses((status = 200, body = ListJson<MessageJson>), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn list_messages(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<SequenceId>,
    ApiQuery(q): ApiQuery<MessageQuery>,
) -> Result<Json<ListJson<MessageJson>>, ApiError> {
    let filter = MessageFilter::parse(q.status.as_deref(), q.step.as_deref());
    let page = PageQuery {
        limit: q.limit,
        cursor: q.cursor,
    }
    .parse();
    let (filter, page) = Error::both(filter, page)?;
    Ok(Json(ListJson::from_page(
        runs::messages(&ctx, &actor, &id, &filter, &page).await?,
        MessageJson::from,
    )))
}

/// Settles a message whose outcome is unknown: `mark_sent` or `send_again`. Anything but
/// an uncertain message is a 409.
#[utoipa::path(post, path = "/marketing/email-sequences/{id}/messages/{message_id}/settle", tag = "marketing",
    request_body = SettleInput,
    params(("id" = String, Path, description = "`seq_…`"), ("message_id" = String, Path, description = "the Message-ID")),
    responses((status = 200, body = MessageJson), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn settle_message(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiPath((id, message_id)): ApiPath<(SequenceId, String)>,
    ApiJson(input): ApiJson<SettleInput>,
) -> Result<Json<MessageJson>, ApiError> {
    let choice = input.parse()?;
    Ok(Json(
        runs::settle(&ctx, &actor, &id, &message_id, choice)
            .await?
            .into(),
    ))
}

/// What `sandbox` senders delivered, whole, newest first.
#[utoipa::path(get, path = "/marketing/outbox", tag = "marketing", params(OutboxQuery),
    responses((status = 200, body = ListJson<OutboxJson>), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn list_outbox(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<OutboxQuery>,
) -> Result<Json<ListJson<OutboxJson>>, ApiError> {
    let sequence = q
        .sequence_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<SequenceId>()
                .map_err(|e| Error::invalid("sequence_id", e.to_string()))
        })
        .transpose();
    let page = PageQuery {
        limit: q.limit,
        cursor: q.cursor,
    }
    .parse();
    let (sequence, page) = Error::both(sequence, page)?;
    Ok(Json(ListJson::from_page(
        runs::outbox(&ctx, &actor, sequence.as_ref(), &page).await?,
        OutboxJson::from,
    )))
}
