//! `/api/v1/marketing/email-sequences`: preview, read, edit and the approval gate.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::approvals::ApprovalJson;
use super::campaigns::CampaignJson;
use super::extract::{ApiJson, ApiPath, ApiQuery, IfMatch, OptionalJson};
use super::list::ListJson;
use crate::domain::Error;
use crate::domain::approval::{AtVersion, Decision, DecisionInput};
use crate::domain::ids::{ContactId, SequenceId};
use crate::domain::pagination::PageRequest;
use crate::domain::sequence::{
    PreviewInput, PreviewReport, Sample, SendWindow, SequenceEdit, SequenceFilterInput,
    SequenceView, Step, Warning,
};
use crate::server::auth::api_key::ApiActor;
use crate::server::errors::{ApiError, Problem};
use crate::server::services::sequences::Previewed;
use crate::server::services::{Context, sequences};
use crate::server::state::AppState;

/// One email of a sequence.
#[derive(Debug, Serialize, ToSchema)]
pub struct StepJson {
    /// 0-based position.
    pub index: u32,
    /// Days after approval.
    pub day_offset: u32,
    /// Subject template.
    pub subject: String,
    /// Plain-text body template.
    pub body: String,
}

impl From<Step> for StepJson {
    fn from(s: Step) -> Self {
        Self {
            index: s.index,
            day_offset: s.day_offset,
            subject: s.subject,
            body: s.body,
        }
    }
}

/// When mail may go out.
#[derive(Debug, Serialize, ToSchema)]
pub struct SendWindowJson {
    /// `mon` … `sun` (default Monday to Friday).
    pub days: Option<Vec<String>>,
    /// 0–23 (default 9).
    pub start_hour: Option<i64>,
    /// 1–24, after `start_hour` (default 17).
    pub end_hour: Option<i64>,
    /// IANA time zone, e.g. `Europe/Berlin`.
    pub timezone: Option<String>,
}

impl From<SendWindow> for SendWindowJson {
    fn from(w: SendWindow) -> Self {
        Self {
            days: Some(w.days.iter().map(|d| d.as_str().to_owned()).collect()),
            start_hour: Some(i64::from(w.start_hour)),
            end_hour: Some(i64::from(w.end_hour)),
            timezone: Some(w.timezone),
        }
    }
}

/// Progress counters.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatsJson {
    /// Contacts enrolled at approval.
    pub enrolled: i64,
    /// Messages the provider accepted.
    pub sent: i64,
    /// Enrollments ended by a reply.
    pub replied: i64,
    /// Enrollments ended by an unsubscribe.
    pub unsubscribed: i64,
    /// Enrollments ended by a bounce.
    pub bounced: i64,
    /// Messages that failed for good.
    pub failed: i64,
    /// Messages whose outcome is unknown (the worker stopped mid-send): a person decides.
    pub uncertain: i64,
    /// Messages still to send.
    pub scheduled: i64,
}

impl From<crate::domain::sequence::SequenceStats> for StatsJson {
    fn from(s: crate::domain::sequence::SequenceStats) -> Self {
        Self {
            enrolled: s.enrolled,
            sent: s.sent,
            replied: s.replied,
            unsubscribed: s.unsubscribed,
            bounced: s.bounced,
            failed: s.failed,
            uncertain: s.uncertain,
            scheduled: s.scheduled,
        }
    }
}

/// An email sequence.
#[derive(Debug, Serialize, ToSchema)]
pub struct SequenceJson {
    /// `seq_…`.
    pub id: String,
    /// `cmp_…`.
    pub campaign_id: String,
    /// Name.
    pub name: String,
    /// What it is for.
    pub objective: String,
    /// `seg_…`.
    pub segment_id: String,
    /// `brd_…`.
    pub brand_id: String,
    /// `cnr_…`.
    pub sender_connector_id: String,
    /// `pending_approval`, `active`, `paused`, `completed`, `cancelled` or `rejected`.
    pub status: String,
    /// Why it is `paused` when no person paused it: `sender_failing` (its sender connector
    /// cannot work; it goes on once the connector passes a test). `null` otherwise.
    pub paused_reason: Option<String>,
    /// Send it back when editing.
    pub version: i64,
    /// The emails.
    pub steps: Vec<StepJson>,
    /// Day offset of each email.
    pub cadence_days: Vec<u32>,
    /// `null` for any time.
    pub send_window: Option<SendWindowJson>,
    /// Steps after the first are replies in the first step's thread.
    pub thread_replies: bool,
    /// SHA-256 (hex) of the content an approver signs off on.
    pub content_hash: String,
    /// RFC 3339.
    pub approved_at: Option<String>,
    /// Counters.
    pub stats: StatsJson,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
}

impl From<SequenceView> for SequenceJson {
    fn from(v: SequenceView) -> Self {
        let s = v.sequence;
        Self {
            cadence_days: s.cadence_days(),
            id: s.id.to_string(),
            campaign_id: s.campaign_id.to_string(),
            name: s.name,
            objective: s.objective,
            segment_id: s.segment_id.to_string(),
            brand_id: s.brand_id.to_string(),
            sender_connector_id: s.sender_connector_id.to_string(),
            status: s.status.as_str().to_owned(),
            paused_reason: s.paused_reason.map(|r| r.as_str().to_owned()),
            version: s.version,
            steps: s.steps.into_iter().map(StepJson::from).collect(),
            send_window: s.send_window.map(SendWindowJson::from),
            thread_replies: s.thread_replies,
            content_hash: s.content_hash,
            approved_at: s.approved_at.map(|t| t.to_string()),
            stats: v.stats.into(),
            created_at: s.created_at.to_string(),
            updated_at: s.updated_at.to_string(),
        }
    }
}

/// Something to look at before approving.
#[derive(Debug, Serialize, ToSchema)]
pub struct WarningJson {
    /// `missing_variable`, `do_not_say`, `empty_segment`, `sender_unhealthy`, `too_long` or
    /// `render_failed`.
    pub code: String,
    /// In words.
    pub message: String,
    /// The step it concerns.
    pub step_index: Option<u32>,
    /// How many contacts it concerns.
    pub contacts: Option<i64>,
}

impl From<Warning> for WarningJson {
    fn from(w: Warning) -> Self {
        Self {
            code: w.kind.as_str().to_owned(),
            message: w.message,
            step_index: w.step_index,
            contacts: w.contacts,
        }
    }
}

/// The steps rendered for one contact.
#[derive(Debug, Serialize, ToSchema)]
pub struct SampleJson {
    /// `ctc_…`.
    pub contact_id: String,
    /// Their address.
    pub email: String,
    /// Their name.
    pub name: String,
    /// Every step as they would read it.
    pub steps: Vec<StepJson>,
    /// What is wrong for this contact.
    pub warnings: Vec<WarningJson>,
}

impl From<Sample> for SampleJson {
    fn from(s: Sample) -> Self {
        Self {
            contact_id: s.contact_id.to_string(),
            email: s.email,
            name: s.name,
            steps: s.steps.into_iter().map(StepJson::from).collect(),
            warnings: s.warnings.into_iter().map(WarningJson::from).collect(),
        }
    }
}

/// What the sequence would do.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewJson {
    /// Contacts who would be enrolled (unsubscribed, bounced and duplicate addresses removed).
    pub recipients: i64,
    /// The templates.
    pub steps: Vec<StepJson>,
    /// Steps rendered for real contacts.
    pub samples: Vec<SampleJson>,
    /// Across the audience.
    pub warnings: Vec<WarningJson>,
}

impl From<PreviewReport> for PreviewJson {
    fn from(p: PreviewReport) -> Self {
        Self {
            recipients: p.recipients,
            steps: p.steps.into_iter().map(StepJson::from).collect(),
            samples: p.samples.into_iter().map(SampleJson::from).collect(),
            warnings: p.warnings.into_iter().map(WarningJson::from).collect(),
        }
    }
}

/// The answer to a preview.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewedJson {
    /// The new sequence, `pending_approval`.
    pub sequence: SequenceJson,
    /// Its campaign.
    pub campaign: CampaignJson,
    /// The open approval request.
    pub approval: ApprovalJson,
    /// Recipients, samples and warnings.
    pub preview: PreviewJson,
}

impl From<Previewed> for PreviewedJson {
    fn from(p: Previewed) -> Self {
        Self {
            sequence: SequenceView {
                sequence: p.sequence,
                stats: Default::default(),
            }
            .into(),
            campaign: p.campaign.into(),
            approval: p.approval.into(),
            preview: p.preview.into(),
        }
    }
}

/// Filters and paging.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SequenceQuery {
    /// A sequence status.
    pub status: Option<String>,
    /// `seg_…`.
    pub segment_id: Option<String>,
    /// RFC 3339 (or a date).
    pub created_after: Option<String>,
    /// RFC 3339 (or a date).
    pub created_before: Option<String>,
    /// 1–200 (default 50).
    pub limit: Option<String>,
    /// From `next_cursor`.
    pub cursor: Option<String>,
}

/// `?contact_id=`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RenderQuery {
    /// `ctc_…`; default the first recipient.
    pub contact_id: Option<String>,
}

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(preview_sequence))
        .routes(routes!(list_sequences))
        .routes(routes!(get_sequence, edit_sequence))
        .routes(routes!(render_sequence))
        .routes(routes!(refresh_preview))
        .routes(routes!(approve_sequence))
        .routes(routes!(reject_sequence))
}

/// Generates a sequence and shows what it would send, to whom, with warnings. Creates the
/// sequence and its campaign in `pending_approval` with an approval request. Sends nothing.
#[utoipa::path(post, path = "/marketing/email-sequences/preview", tag = "marketing", request_body = PreviewInput,
    responses((status = 201, body = PreviewedJson), (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 502, body = Problem, content_type = "application/problem+json")))]
async fn preview_sequence(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<PreviewInput>,
) -> Result<Response, ApiError> {
    let previewed = sequences::preview(&ctx, &actor, &input).await?;
    let location = format!(
        "/api/v1/marketing/email-sequences/{}",
        previewed.sequence.id
    );
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(PreviewedJson::from(previewed)),
    )
        .into_response())
}

/// Email sequences, newest first.
#[utoipa::path(get, path = "/marketing/email-sequences", tag = "marketing", params(SequenceQuery),
    responses((status = 200, body = ListJson<SequenceJson>), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn list_sequences(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<SequenceQuery>,
) -> Result<Json<ListJson<SequenceJson>>, ApiError> {
    let (filter, page) = Error::both(
        SequenceFilterInput {
            status: q.status,
            segment_id: q.segment_id,
            created_after: q.created_after,
            created_before: q.created_before,
        }
        .parse(),
        PageRequest::parse(q.limit.as_deref(), q.cursor.as_deref()),
    )?;
    Ok(Json(ListJson::from_page(
        sequences::list(&ctx, &actor, &filter, &page).await?,
        SequenceJson::from,
    )))
}

/// One sequence with its steps, status, version and counters.
#[utoipa::path(get, path = "/marketing/email-sequences/{id}", tag = "marketing", params(("id" = String, Path, description = "`seq_…`")),
    responses((status = 200, body = SequenceJson), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get_sequence(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<SequenceId>,
) -> Result<Json<SequenceJson>, ApiError> {
    Ok(Json(sequences::get(&ctx, &actor, &id).await?.into()))
}

/// The steps rendered for one contact, with that contact's warnings.
#[utoipa::path(get, path = "/marketing/email-sequences/{id}/preview", tag = "marketing",
    params(("id" = String, Path, description = "`seq_…`"), RenderQuery),
    responses((status = 200, body = SampleJson), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn render_sequence(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<SequenceId>,
    ApiQuery(q): ApiQuery<RenderQuery>,
) -> Result<Json<SampleJson>, ApiError> {
    let contact = match q
        .contact_id
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        None => None,
        Some(c) => Some(
            c.parse::<ContactId>()
                .map_err(|e| Error::invalid("contact_id", e.to_string()))?,
        ),
    };
    Ok(Json(
        sequences::render_for(&ctx, &actor, &id, contact.as_ref())
            .await?
            .into(),
    ))
}

/// Edits steps or cadence while `pending_approval`; needs `version`. The open approval
/// request is cancelled and a new one raised for the new content.
#[utoipa::path(patch, path = "/marketing/email-sequences/{id}", tag = "marketing", request_body = SequenceEdit,
    params(("id" = String, Path, description = "`seq_…`")),
    responses((status = 200, body = SequenceJson), (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn edit_sequence(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<SequenceId>,
    if_match: IfMatch,
    ApiJson(edit): ApiJson<SequenceEdit>,
) -> Result<Json<SequenceJson>, ApiError> {
    let version = if_match.version_or(edit.version)?;
    Ok(Json(
        sequences::edit(&ctx, &actor, &id, version, &edit)
            .await?
            .into(),
    ))
}

/// Shows a pending sequence to its audience as it is now: a new approval request for the
/// current recipients replaces the open one, under a new version. The answer is shaped like
/// the preview's.
#[utoipa::path(post, path = "/marketing/email-sequences/{id}/refresh-preview", tag = "marketing", request_body(content = AtVersion, description = "optional"),
    params(("id" = String, Path, description = "`seq_…`")),
    responses((status = 200, body = PreviewedJson), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn refresh_preview(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<SequenceId>,
    if_match: IfMatch,
    OptionalJson(body): OptionalJson<AtVersion>,
) -> Result<Json<PreviewedJson>, ApiError> {
    let version = if_match.optional_version(body.unwrap_or_default().version)?;
    Ok(Json(
        sequences::refresh_preview(&ctx, &actor, &id, version)
            .await?
            .into(),
    ))
}

/// The gate: enrolls the segment's eligible contacts as of now, pinning their addresses and
/// data, and starts the run. Needs `marketing:approve` (key) or the approver role (session);
/// otherwise 403 `approval_required` naming the console page where a human can approve. 409
/// `audience_changed` when the audience is not the one the preview showed; 422 when the
/// preview's warnings are not acknowledged.
#[utoipa::path(post, path = "/marketing/email-sequences/{id}/approve", tag = "marketing", request_body(content = DecisionInput, description = "optional"),
    params(("id" = String, Path, description = "`seq_…`")),
    responses((status = 200, body = SequenceJson), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn approve_sequence(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<SequenceId>,
    if_match: IfMatch,
    OptionalJson(body): OptionalJson<DecisionInput>,
) -> Result<Json<SequenceJson>, ApiError> {
    let input = if_match.decision(body.unwrap_or_default())?;
    Ok(Json(
        sequences::decide(&ctx, &actor, &id, Decision::Approve, &input)
            .await?
            .into(),
    ))
}

/// Rejects with a note; nothing is ever sent.
#[utoipa::path(post, path = "/marketing/email-sequences/{id}/reject", tag = "marketing", request_body = DecisionInput,
    params(("id" = String, Path, description = "`seq_…`")),
    responses((status = 200, body = SequenceJson), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn reject_sequence(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<SequenceId>,
    if_match: IfMatch,
    ApiJson(b): ApiJson<DecisionInput>,
) -> Result<Json<SequenceJson>, ApiError> {
    let input = if_match.decision(b)?;
    Ok(Json(
        sequences::decide(&ctx, &actor, &id, Decision::Reject, &input)
            .await?
            .into(),
    ))
}
