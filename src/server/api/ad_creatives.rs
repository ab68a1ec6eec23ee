//! `/api/v1/marketing/ad-creatives`: generate variants, read, edit within the platform's
//! limits, request approval, and the gate.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::approvals::ApprovalJson;
use super::extract::{ApiJson, ApiPath, ApiQuery, IfMatch, OptionalJson};
use super::list::ListJson;
use crate::domain::Error;
use crate::domain::ad_creative::{
    CreativeEdit, CreativeFilterInput, CreativeView, GenerateCreativesInput,
};
use crate::domain::ad_platform::CopyWarning;
use crate::domain::approval::{AtVersion, Decision, DecisionInput};
use crate::domain::ids::AdCreativeId;
use crate::domain::pagination::PageRequest;
use crate::server::auth::api_key::ApiActor;
use crate::server::errors::{ApiError, Problem};
use crate::server::services::{Context, ad_creatives};
use crate::server::state::AppState;

/// A recommended length exceeded: allowed, shown to the approver.
#[derive(Debug, Serialize, ToSchema)]
pub struct CopyWarningJson {
    /// The field, e.g. `headlines[0]`.
    pub field: String,
    /// What is past what.
    pub message: String,
}

impl From<CopyWarning> for CopyWarningJson {
    fn from(w: CopyWarning) -> Self {
        Self {
            field: w.field,
            message: w.message,
        }
    }
}

/// An ad creative: one variant of ad copy for one platform.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreativeJson {
    /// `cre_…`.
    pub id: String,
    /// `google`, `linkedin` or `meta`.
    pub platform: String,
    /// `brd_…`.
    pub brand_id: String,
    /// `cmp_…` of the campaign it was made for, if any.
    pub campaign_id: Option<String>,
    /// What it is for.
    pub objective: String,
    /// Google: 3–15; LinkedIn and Meta: one.
    pub headlines: Vec<String>,
    /// Google: 2–4; Meta: at most one; LinkedIn: none.
    pub descriptions: Vec<String>,
    /// LinkedIn's introductory text or Meta's primary text.
    pub primary_text: Option<String>,
    /// Google's display-URL paths.
    pub path1: Option<String>,
    /// Google's second display-URL path.
    pub path2: Option<String>,
    /// LinkedIn and Meta: the platform's call-to-action label.
    pub call_to_action: Option<String>,
    /// Where a click lands; required before approval.
    pub final_url: Option<String>,
    /// Recommended lengths exceeded.
    pub warnings: Vec<CopyWarningJson>,
    /// `draft`, `approved`, `rejected` or `archived`.
    pub status: String,
    /// Picked in the variant picker: kept when the others are regenerated.
    pub picked: bool,
    /// Bumped on every edit; send it back with `PATCH`.
    pub version: i64,
    /// `apr_…` of the approval request waiting on it, if any.
    pub pending_approval_id: Option<String>,
    /// The console page where it is reviewed.
    pub console_url: String,
    /// Created.
    pub created_at: String,
    /// Last changed.
    pub updated_at: String,
}

impl From<CreativeView> for CreativeJson {
    fn from(v: CreativeView) -> Self {
        let c = v.creative;
        Self {
            console_url: crate::domain::ad_creative::AdCreative::console_page(&c.id),
            id: c.id.to_string(),
            platform: c.platform.as_str().to_owned(),
            brand_id: c.brand_id.to_string(),
            campaign_id: c.campaign_id.map(|id| id.to_string()),
            objective: c.objective,
            headlines: c.copy.headlines,
            descriptions: c.copy.descriptions,
            primary_text: c.copy.primary_text,
            path1: c.copy.path1,
            path2: c.copy.path2,
            call_to_action: c.copy.call_to_action,
            final_url: c.copy.final_url,
            warnings: c.warnings.into_iter().map(CopyWarningJson::from).collect(),
            status: c.status.as_str().to_owned(),
            picked: c.picked,
            version: c.version,
            pending_approval_id: v.pending_approval.map(|a| a.to_string()),
            created_at: c.created_at.to_string(),
            updated_at: c.updated_at.to_string(),
        }
    }
}

/// The variants just written.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedCreativesJson {
    /// Newly generated drafts.
    pub items: Vec<CreativeJson>,
}

/// Filters and paging.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CreativeQuery {
    /// `google`, `linkedin` or `meta`.
    pub platform: Option<String>,
    /// `draft`, `approved`, `rejected` or `archived`; without it, every status but
    /// `archived`.
    pub status: Option<String>,
    /// `cmp_…`.
    pub campaign_id: Option<String>,
    /// `brd_…`.
    pub brand_id: Option<String>,
    /// The objective, exactly as generated.
    pub objective: Option<String>,
    /// 1–200 (default 50).
    pub limit: Option<String>,
    /// From `next_cursor`.
    pub cursor: Option<String>,
}

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(generate_creatives))
        .routes(routes!(regenerate_creatives))
        .routes(routes!(list_creatives))
        .routes(routes!(get_creative, edit_creative))
        .routes(routes!(request_approval))
        .routes(routes!(approve_creative))
        .routes(routes!(reject_creative))
}

fn created(items: Vec<CreativeView>) -> Response {
    (
        StatusCode::CREATED,
        Json(CreatedCreativesJson {
            items: items.into_iter().map(CreativeJson::from).collect(),
        }),
    )
        .into_response()
}

/// Generates `count` variants of ad copy (1–10, default 3) for a platform in the brand's
/// voice, each within the platform's hard limits and free of the brand's forbidden
/// phrases. They are drafts: nothing runs until a person approves one and launches it.
#[utoipa::path(post, path = "/marketing/ad-creatives/generate", tag = "marketing", request_body = GenerateCreativesInput,
    responses((status = 201, body = CreatedCreativesJson), (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 502, body = Problem, content_type = "application/problem+json")))]
async fn generate_creatives(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<GenerateCreativesInput>,
) -> Result<Response, ApiError> {
    Ok(created(ad_creatives::generate(&ctx, &actor, &input).await?))
}

/// Regenerates a variant set (the same platform, brand, objective and campaign): unpicked
/// drafts and rejected variants are archived and replaced (as many as are replaced, unless
/// `count` says otherwise); picked and approved ones stay.
#[utoipa::path(post, path = "/marketing/ad-creatives/regenerate", tag = "marketing", request_body = GenerateCreativesInput,
    responses((status = 201, body = CreatedCreativesJson), (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 502, body = Problem, content_type = "application/problem+json")))]
async fn regenerate_creatives(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<GenerateCreativesInput>,
) -> Result<Response, ApiError> {
    Ok(created(
        ad_creatives::regenerate(&ctx, &actor, &input).await?,
    ))
}

/// Ad creatives, newest first.
#[utoipa::path(get, path = "/marketing/ad-creatives", tag = "marketing", params(CreativeQuery),
    responses((status = 200, body = ListJson<CreativeJson>), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn list_creatives(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<CreativeQuery>,
) -> Result<Json<ListJson<CreativeJson>>, ApiError> {
    let (filter, page) = Error::both(
        CreativeFilterInput {
            platform: q.platform,
            status: q.status,
            campaign_id: q.campaign_id,
            brand_id: q.brand_id,
            objective: q.objective,
        }
        .parse(),
        PageRequest::parse(q.limit.as_deref(), q.cursor.as_deref()),
    )?;
    Ok(Json(ListJson::from_page(
        ad_creatives::list(&ctx, &actor, &filter, &page).await?,
        CreativeJson::from,
    )))
}

/// One creative.
#[utoipa::path(get, path = "/marketing/ad-creatives/{id}", tag = "marketing", params(("id" = String, Path, description = "`cre_…`")),
    responses((status = 200, body = CreativeJson), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get_creative(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<AdCreativeId>,
) -> Result<Json<CreativeJson>, ApiError> {
    Ok(Json(ad_creatives::get(&ctx, &actor, &id).await?.into()))
}

/// Edits the copy (lists are replaced whole; an empty string clears an optional field) or
/// picks it; needs `version`. Hard limits refuse (422 naming the field, the limit and the
/// length); changed copy needs approving again.
#[utoipa::path(patch, path = "/marketing/ad-creatives/{id}", tag = "marketing", request_body = CreativeEdit,
    params(("id" = String, Path, description = "`cre_…`")),
    responses((status = 200, body = CreativeJson), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn edit_creative(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<AdCreativeId>,
    if_match: IfMatch,
    ApiJson(edit): ApiJson<CreativeEdit>,
) -> Result<Json<CreativeJson>, ApiError> {
    let edit = CreativeEdit {
        version: Some(if_match.version_or(edit.version)?),
        ..edit
    };
    Ok(Json(
        ad_creatives::edit(&ctx, &actor, &id, &edit).await?.into(),
    ))
}

/// Asks an approver to approve a draft (it appears in the Approvals inbox). The copy must
/// be complete: a landing page, every hard limit, no forbidden phrase. Asking again for
/// the same copy answers with the request already open.
#[utoipa::path(post, path = "/marketing/ad-creatives/{id}/request-approval", tag = "marketing",
    request_body(content = AtVersion, description = "optional"),
    params(("id" = String, Path, description = "`cre_…`")),
    responses((status = 200, body = ApprovalJson), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn request_approval(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<AdCreativeId>,
    if_match: IfMatch,
    OptionalJson(body): OptionalJson<AtVersion>,
) -> Result<Json<ApprovalJson>, ApiError> {
    let version = if_match.optional_version(body.unwrap_or_default().version)?;
    Ok(Json(
        ad_creatives::request_approval(&ctx, &actor, &id, version)
            .await?
            .into(),
    ))
}

/// The gate for creatives: only an approved creative may be carried by an ad campaign.
/// Needs `marketing:approve` (key) or the approver role (session); otherwise 403
/// `approval_required` naming the console page. Only complete copy is approved.
#[utoipa::path(post, path = "/marketing/ad-creatives/{id}/approve", tag = "marketing", request_body(content = DecisionInput, description = "optional"),
    params(("id" = String, Path, description = "`cre_…`")),
    responses((status = 200, body = CreativeJson), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn approve_creative(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<AdCreativeId>,
    if_match: IfMatch,
    OptionalJson(body): OptionalJson<DecisionInput>,
) -> Result<Json<CreativeJson>, ApiError> {
    let input = if_match.decision(body.unwrap_or_default())?;
    Ok(Json(
        ad_creatives::decide(&ctx, &actor, &id, Decision::Approve, &input)
            .await?
            .into(),
    ))
}

/// Rejects a creative with a note; editing its copy makes it a draft again.
#[utoipa::path(post, path = "/marketing/ad-creatives/{id}/reject", tag = "marketing", request_body = DecisionInput,
    params(("id" = String, Path, description = "`cre_…`")),
    responses((status = 200, body = CreativeJson), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn reject_creative(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<AdCreativeId>,
    if_match: IfMatch,
    ApiJson(body): ApiJson<DecisionInput>,
) -> Result<Json<CreativeJson>, ApiError> {
    let input = if_match.decision(body)?;
    Ok(Json(
        ad_creatives::decide(&ctx, &actor, &id, Decision::Reject, &input)
            .await?
            .into(),
    ))
}
