//! `/api/v1/crm/segments`.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::contacts::ContactJson;
use super::extract::{ApiJson, ApiPath, ApiQuery, IfMatch};
use super::list::{ListJson, PageQuery};
use crate::domain::ids::{ContactId, SegmentId};
use crate::domain::segment::{MembersInput, RuleInput, SegmentEdit, SegmentInput};
use crate::server::auth::api_key::ApiActor;
use crate::server::errors::{ApiError, Problem};
use crate::server::services::Context;
use crate::server::services::segments::{self, AudiencePreview, SegmentView};
use crate::server::state::AppState;

/// A segment with its live size.
#[derive(Debug, Serialize, ToSchema)]
pub struct SegmentJson {
    /// `seg_…`.
    pub id: String,
    /// Name.
    pub name: String,
    /// `static` or `rule`.
    pub kind: String,
    /// The rule, for rule segments.
    pub rule: Option<RuleInput>,
    /// Contacts in it now.
    pub member_count: i64,
    /// Send it back to edit.
    pub version: i64,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
}

impl From<SegmentView> for SegmentJson {
    fn from(v: SegmentView) -> Self {
        let s = v.segment;
        Self {
            id: s.id.to_string(),
            name: s.name,
            kind: s.kind.as_str().to_owned(),
            rule: s.rule,
            member_count: v.member_count,
            version: s.version,
            created_at: s.created_at.to_string(),
            updated_at: s.updated_at.to_string(),
        }
    }
}

/// The live size and a sample of a rule.
#[derive(Debug, Serialize, ToSchema)]
pub struct AudiencePreviewJson {
    /// Matching contacts.
    pub count: i64,
    /// The newest few.
    pub sample: Vec<ContactJson>,
}

impl From<AudiencePreview> for AudiencePreviewJson {
    fn from(p: AudiencePreview) -> Self {
        Self {
            count: p.count,
            sample: p.sample.into_iter().map(ContactJson::from).collect(),
        }
    }
}

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_segments, create_segment))
        .routes(routes!(get_segment, update_segment))
        .routes(routes!(list_members, add_members))
        .routes(routes!(remove_member))
        .routes(routes!(preview_segment))
}

/// Segments with their live counts, newest first.
#[utoipa::path(get, path = "/crm/segments", tag = "crm", params(PageQuery), responses((status = 200, body = ListJson<SegmentJson>)))]
async fn list_segments(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<ListJson<SegmentJson>>, ApiError> {
    Ok(Json(ListJson::from_page(
        segments::list(&ctx, &actor, &q.parse()?).await?,
        SegmentJson::from,
    )))
}

/// Creates a segment. A rule is validated: an unknown field or operator is a 422 naming it.
#[utoipa::path(post, path = "/crm/segments", tag = "crm", request_body = SegmentInput,
    responses((status = 201, body = SegmentJson), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn create_segment(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<SegmentInput>,
) -> Result<Response, ApiError> {
    let new = input.parse()?;
    let view = segments::create(
        &ctx,
        &actor,
        new,
        input.contact_ids.as_deref().unwrap_or_default(),
    )
    .await?;
    let location = format!("/api/v1/crm/segments/{}", view.segment.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(SegmentJson::from(view)),
    )
        .into_response())
}

/// One segment with its live count.
#[utoipa::path(get, path = "/crm/segments/{id}", tag = "crm", params(("id" = String, Path, description = "`seg_…`")),
    responses((status = 200, body = SegmentJson), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get_segment(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<SegmentId>,
) -> Result<Json<SegmentJson>, ApiError> {
    Ok(Json(segments::get(&ctx, &actor, &id).await?.into()))
}

/// Renames a segment or replaces its rule; needs `version`.
#[utoipa::path(patch, path = "/crm/segments/{id}", tag = "crm", request_body = SegmentEdit, params(("id" = String, Path, description = "`seg_…`")),
    responses((status = 200, body = SegmentJson), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn update_segment(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<SegmentId>,
    if_match: IfMatch,
    ApiJson(edit): ApiJson<SegmentEdit>,
) -> Result<Json<SegmentJson>, ApiError> {
    let version = if_match.version_or(edit.version)?;
    Ok(Json(
        segments::update(
            &ctx,
            &actor,
            &id,
            version,
            edit.name.as_deref(),
            edit.rule.as_ref(),
        )
        .await?
        .into(),
    ))
}

/// The segment's members, newest contacts first.
#[utoipa::path(get, path = "/crm/segments/{id}/members", tag = "crm", params(("id" = String, Path, description = "`seg_…`"), PageQuery),
    responses((status = 200, body = ListJson<ContactJson>), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn list_members(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<SegmentId>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<ListJson<ContactJson>>, ApiError> {
    Ok(Json(ListJson::from_page(
        segments::members(&ctx, &actor, &id, &q.parse()?).await?,
        ContactJson::from,
    )))
}

/// Adds contacts to a static segment.
#[utoipa::path(post, path = "/crm/segments/{id}/members", tag = "crm", request_body = MembersInput, params(("id" = String, Path, description = "`seg_…`")),
    responses((status = 200, body = SegmentJson), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn add_members(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<SegmentId>,
    ApiJson(members): ApiJson<MembersInput>,
) -> Result<Json<SegmentJson>, ApiError> {
    Ok(Json(
        segments::add_members(&ctx, &actor, &id, &members.contact_ids)
            .await?
            .into(),
    ))
}

/// Removes a contact from a static segment.
#[utoipa::path(delete, path = "/crm/segments/{id}/members/{contact_id}", tag = "crm",
    params(("id" = String, Path, description = "`seg_…`"), ("contact_id" = String, Path, description = "`ctc_…`")),
    responses((status = 200, body = SegmentJson), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn remove_member(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiPath((id, contact)): ApiPath<(SegmentId, ContactId)>,
) -> Result<Json<SegmentJson>, ApiError> {
    Ok(Json(
        segments::remove_member(&ctx, &actor, &id, &contact)
            .await?
            .into(),
    ))
}

/// Counts and samples the contacts a rule would match, without saving anything.
#[utoipa::path(post, path = "/crm/segments/preview", tag = "crm", request_body = RuleInput,
    responses((status = 200, body = AudiencePreviewJson), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn preview_segment(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiJson(rule): ApiJson<RuleInput>,
) -> Result<Json<AudiencePreviewJson>, ApiError> {
    Ok(Json(
        segments::preview_rule(&ctx, &actor, &rule).await?.into(),
    ))
}
