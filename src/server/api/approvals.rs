//! `/api/v1/marketing/approvals`: the one inbox of the approval gate.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiJson, ApiPath, ApiQuery, IfMatch, OptionalJson};
use super::list::ListJson;
use crate::domain::Error;
use crate::domain::actor::Principal;
use crate::domain::approval::{Approval, ApprovalFilterInput, Decision, DecisionInput};
use crate::domain::ids::ApprovalId;
use crate::domain::pagination::PageRequest;
use crate::server::auth::api_key::ApiActor;
use crate::server::errors::{ApiError, Problem};
use crate::server::services::{Context, approvals, decisions};
use crate::server::state::AppState;

/// Who asked or decided.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActorJson {
    /// `user` (a person in the console) or `key` (an API client).
    #[serde(rename = "type")]
    pub kind: String,
    /// The person (for keys: the key's owner).
    pub user_id: String,
    /// The key, for API clients.
    pub key_id: Option<String>,
    /// The person's email.
    pub email: Option<String>,
}

fn actor_json(p: Principal, email: Option<String>) -> ActorJson {
    match p {
        Principal::User { user_id } => ActorJson {
            kind: "user".into(),
            user_id: user_id.to_string(),
            key_id: None,
            email,
        },
        Principal::Key { key_id, user_id } => ActorJson {
            kind: "key".into(),
            user_id: user_id.to_string(),
            key_id: Some(key_id.to_string()),
            email,
        },
    }
}

/// An approval request.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApprovalJson {
    /// `apr_…`.
    pub id: String,
    /// `email_sequence`, `ad_campaign`, `blog_publish` or `ad_creative`.
    pub subject_type: String,
    /// The subject's id.
    pub subject_id: String,
    /// The subject's name when requested.
    pub subject_name: String,
    /// `cmp_…`.
    pub campaign_id: Option<String>,
    /// `pending`, `approved`, `rejected` or `cancelled`.
    pub status: String,
    /// Who asked.
    pub requested_by: ActorJson,
    /// Who decided (or whose edit cancelled it).
    pub decided_by: Option<ActorJson>,
    /// RFC 3339.
    pub decided_at: Option<String>,
    /// The approver's note.
    pub note: Option<String>,
    /// SHA-256 (hex) of the exact content decided.
    pub content_hash: String,
    /// For subjects that reach people: how many recipients the request was shown with.
    pub audience_recipients: Option<i64>,
    /// SHA-256 (hex) over the ids and addresses of those recipients.
    pub audience_digest: Option<String>,
    /// The console page where a human decides it.
    pub console_path: String,
    /// RFC 3339.
    pub created_at: String,
}

impl From<Approval> for ApprovalJson {
    fn from(a: Approval) -> Self {
        Self {
            console_path: a.console_page(),
            id: a.id.to_string(),
            subject_type: a.subject_type.as_str().to_owned(),
            subject_id: a.subject_id,
            subject_name: a.subject_name,
            campaign_id: a.campaign_id.map(|c| c.to_string()),
            status: a.status.as_str().to_owned(),
            requested_by: actor_json(a.requested_by, Some(a.requested_by_email)),
            decided_by: a.decided_by.map(|p| actor_json(p, a.decided_by_email)),
            decided_at: a.decided_at.map(|t| t.to_string()),
            note: a.note,
            content_hash: a.content_hash,
            audience_recipients: a.audience.as_ref().map(|f| f.count),
            audience_digest: a.audience.map(|f| f.digest),
            created_at: a.created_at.to_string(),
        }
    }
}

/// Filters and paging.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApprovalQuery {
    /// `pending`, `approved`, `rejected` or `cancelled`.
    pub status: Option<String>,
    /// `email_sequence`, `ad_campaign`, `blog_publish` or `ad_creative`.
    pub subject_type: Option<String>,
    /// 1–200 (default 50).
    pub limit: Option<String>,
    /// From `next_cursor`.
    pub cursor: Option<String>,
}

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_approvals))
        .routes(routes!(get_approval))
        .routes(routes!(approve_request))
        .routes(routes!(reject_request))
}

/// Approval requests across channels, newest first.
#[utoipa::path(get, path = "/marketing/approvals", tag = "marketing", params(ApprovalQuery),
    responses((status = 200, body = ListJson<ApprovalJson>), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn list_approvals(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<ApprovalQuery>,
) -> Result<Json<ListJson<ApprovalJson>>, ApiError> {
    let filter = ApprovalFilterInput {
        status: q.status,
        subject_type: q.subject_type,
    };
    let (filter, page) = Error::both(
        filter.parse(),
        PageRequest::parse(q.limit.as_deref(), q.cursor.as_deref()),
    )?;
    Ok(Json(ListJson::from_page(
        approvals::list(&ctx, &actor, &filter, &page).await?,
        ApprovalJson::from,
    )))
}

/// One approval request.
#[utoipa::path(get, path = "/marketing/approvals/{id}", tag = "marketing", params(("id" = String, Path, description = "`apr_…`")),
    responses((status = 200, body = ApprovalJson), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get_approval(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<ApprovalId>,
) -> Result<Json<ApprovalJson>, ApiError> {
    Ok(Json(approvals::get(&ctx, &actor, &id).await?.into()))
}

/// Approves any pending request, whatever its subject, by the subject's own rules (approver
/// role or `marketing:approve`; the subject's `version` when given).
#[utoipa::path(post, path = "/marketing/approvals/{id}/approve", tag = "marketing", request_body(content = DecisionInput, description = "optional"),
    params(("id" = String, Path, description = "`apr_…`")),
    responses((status = 200, body = ApprovalJson), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn approve_request(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<ApprovalId>,
    if_match: IfMatch,
    OptionalJson(body): OptionalJson<DecisionInput>,
) -> Result<Json<ApprovalJson>, ApiError> {
    let input = if_match.decision(body.unwrap_or_default())?;
    Ok(Json(
        decisions::decide_request(&ctx, &actor, &id, Decision::Approve, &input)
            .await?
            .into(),
    ))
}

/// Rejects any pending request with a note.
#[utoipa::path(post, path = "/marketing/approvals/{id}/reject", tag = "marketing", request_body = DecisionInput,
    params(("id" = String, Path, description = "`apr_…`")),
    responses((status = 200, body = ApprovalJson), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn reject_request(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<ApprovalId>,
    if_match: IfMatch,
    ApiJson(body): ApiJson<DecisionInput>,
) -> Result<Json<ApprovalJson>, ApiError> {
    let input = if_match.decision(body)?;
    Ok(Json(
        decisions::decide_request(&ctx, &actor, &id, Decision::Reject, &input)
            .await?
            .into(),
    ))
}
