//! `/api/v1/marketing/blog-drafts`: write, read and edit blog drafts.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::approvals::ApprovalJson;
use super::extract::{ApiJson, ApiPath, ApiQuery, IfMatch};
use super::list::ListJson;
use crate::domain::Error;
use crate::domain::blog::{DraftEdit, DraftFilterInput, DraftInput, DraftView, GenerateDraftInput};
use crate::domain::ids::DraftId;
use crate::domain::pagination::PageRequest;
use crate::domain::publish::PublishInput;
use crate::server::auth::api_key::ApiActor;
use crate::server::errors::{ApiError, Problem};
use crate::server::services::{Context, blog_drafts, publishing};
use crate::server::state::AppState;

/// A blog draft with its rendering. A stale `PATCH` answers 409 with this same shape in the
/// problem's `current`.
#[derive(Debug, Serialize, ToSchema)]
pub struct DraftJson {
    /// `drf_…`.
    pub id: String,
    /// `cmp_…`, if it belongs to a campaign.
    pub campaign_id: Option<String>,
    /// `brd_…`, if written for a brand.
    pub brand_id: Option<String>,
    /// Title.
    pub title: String,
    /// URL slug, unique in the workspace.
    pub slug: String,
    /// Excerpt.
    pub excerpt: String,
    /// Tags.
    pub tags: Vec<String>,
    /// SEO title.
    pub seo_title: String,
    /// SEO description.
    pub seo_description: String,
    /// The body, Markdown (CommonMark + GFM).
    pub body_markdown: String,
    /// The body rendered and sanitised: exactly what the editor previews and what publishes.
    pub body_html: String,
    /// Words in the body.
    pub word_count: usize,
    /// Minutes to read it (230 words a minute).
    pub reading_minutes: usize,
    /// `draft`, `pending_approval` or `published`.
    pub status: String,
    /// Bumped on every edit; send it back with `PATCH`.
    pub version: i64,
    /// The newest version that went live (null: never published).
    pub published_version: Option<i64>,
    /// `cnr_…` of the CMS a pending publish request names (while `pending_approval`).
    pub publish_connector_id: Option<String>,
    /// Created.
    pub created_at: String,
    /// Last changed.
    pub updated_at: String,
}

impl From<DraftView> for DraftJson {
    fn from(v: DraftView) -> Self {
        let d = v.draft;
        Self {
            id: d.id.to_string(),
            campaign_id: d.campaign_id.map(|c| c.to_string()),
            brand_id: d.brand_id.map(|b| b.to_string()),
            title: d.title,
            slug: d.slug,
            excerpt: d.excerpt,
            tags: d.tags,
            seo_title: d.seo_title,
            seo_description: d.seo_description,
            body_markdown: d.body_markdown,
            body_html: v.body_html,
            word_count: v.word_count,
            reading_minutes: v.reading_minutes,
            status: d.status.as_str().to_owned(),
            version: d.version,
            published_version: d.published_version,
            publish_connector_id: d.publish_connector_id.map(|c| c.to_string()),
            created_at: d.created_at.to_string(),
            updated_at: d.updated_at.to_string(),
        }
    }
}

/// Filters and paging.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DraftQuery {
    /// `draft`, `pending_approval` or `published`.
    pub status: Option<String>,
    /// `cmp_…`.
    pub campaign_id: Option<String>,
    /// 1–200 (default 50).
    pub limit: Option<String>,
    /// From `next_cursor`.
    pub cursor: Option<String>,
}

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_draft, list_drafts))
        .routes(routes!(get_draft, edit_draft))
        .routes(routes!(publish_draft))
        .routes(routes!(generate_draft))
}

/// Generates a draft from a brand, a topic and keywords, in the brand's voice and without
/// its forbidden phrases; 502 when the generator could not write a usable post.
#[utoipa::path(post, path = "/marketing/blog-drafts/generate", tag = "marketing", request_body = GenerateDraftInput,
    responses((status = 201, body = DraftJson), (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 502, body = Problem, content_type = "application/problem+json")))]
async fn generate_draft(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<GenerateDraftInput>,
) -> Result<(StatusCode, Json<DraftJson>), ApiError> {
    let draft = blog_drafts::generate(&ctx, &actor, &input).await?;
    Ok((StatusCode::CREATED, Json(draft.into())))
}

/// The answer to a publish request.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublishRequestedJson {
    /// The open approval request; once an approver approves it, a publish job runs.
    pub approval: ApprovalJson,
}

/// Asks an approver to publish the draft, as it is now, to a CMS connector. Nothing reaches
/// the CMS before a person approves; editing the draft withdraws the request. 409 when a
/// request is already open or `version` (body or `If-Match`) is not current.
#[utoipa::path(post, path = "/marketing/blog-drafts/{id}/publish", tag = "marketing", request_body = PublishInput,
    params(("id" = String, Path, description = "`drf_…`")),
    responses((status = 202, body = PublishRequestedJson), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn publish_draft(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<DraftId>,
    if_match: IfMatch,
    ApiJson(input): ApiJson<PublishInput>,
) -> Result<(StatusCode, Json<PublishRequestedJson>), ApiError> {
    let input = PublishInput {
        version: if_match.optional_version(input.version)?,
        ..input
    };
    let approval = publishing::request(&ctx, &actor, &id, &input).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(PublishRequestedJson {
            approval: approval.into(),
        }),
    ))
}

/// Writes a draft by hand. Without a `slug`, one is made from the title (numbered when
/// taken); a `slug` another draft has is a 422.
#[utoipa::path(post, path = "/marketing/blog-drafts", tag = "marketing", request_body = DraftInput,
    responses((status = 201, body = DraftJson), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn create_draft(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<DraftInput>,
) -> Result<(StatusCode, Json<DraftJson>), ApiError> {
    let draft = blog_drafts::create(&ctx, &actor, &input).await?;
    Ok((StatusCode::CREATED, Json(draft.into())))
}

/// Drafts, newest first.
#[utoipa::path(get, path = "/marketing/blog-drafts", tag = "marketing", params(DraftQuery),
    responses((status = 200, body = ListJson<DraftJson>), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn list_drafts(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<DraftQuery>,
) -> Result<Json<ListJson<DraftJson>>, ApiError> {
    let (filter, page) = Error::both(
        DraftFilterInput {
            status: q.status,
            campaign_id: q.campaign_id,
        }
        .parse(),
        PageRequest::parse(q.limit.as_deref(), q.cursor.as_deref()),
    )?;
    Ok(Json(ListJson::from_page(
        blog_drafts::list(&ctx, &actor, &filter, &page).await?,
        DraftJson::from,
    )))
}

/// One draft with its rendered body.
#[utoipa::path(get, path = "/marketing/blog-drafts/{id}", tag = "marketing", params(("id" = String, Path, description = "`drf_…`")),
    responses((status = 200, body = DraftJson), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get_draft(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<DraftId>,
) -> Result<Json<DraftJson>, ApiError> {
    Ok(Json(blog_drafts::get(&ctx, &actor, &id).await?.into()))
}

/// Edits a draft at `version` (body or `If-Match`); omitted fields stay. If someone saved
/// first: 409 with the draft as it is now in the problem's `current`.
#[utoipa::path(patch, path = "/marketing/blog-drafts/{id}", tag = "marketing", request_body = DraftEdit,
    params(("id" = String, Path, description = "`drf_…`")),
    responses((status = 200, body = DraftJson), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn edit_draft(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<DraftId>,
    if_match: IfMatch,
    ApiJson(edit): ApiJson<DraftEdit>,
) -> Result<Json<DraftJson>, ApiError> {
    let edit = DraftEdit {
        version: Some(if_match.version_or(edit.version)?),
        ..edit
    };
    Ok(Json(
        blog_drafts::edit(&ctx, &actor, &id, &edit).await?.into(),
    ))
}
