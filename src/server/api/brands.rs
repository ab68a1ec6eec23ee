//! `/api/v1/knowledge/brands`.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiJson, ApiPath, ApiQuery};
use super::list::{ListJson, PageQuery};
use crate::domain::brand::{Brand, BrandInput};
use crate::domain::ids::BrandId;
use crate::server::auth::api_key::ApiActor;
use crate::server::errors::{ApiError, Problem};
use crate::server::services::{Context, brands};
use crate::server::state::AppState;

/// A brand.
#[derive(Debug, Serialize, ToSchema)]
pub struct BrandJson {
    /// `brd_…`.
    pub id: String,
    /// Name.
    pub name: String,
    /// Company overview.
    pub company_overview: String,
    /// USPs.
    pub usps: Vec<String>,
    /// ICP / market segments.
    pub icp_market_segments: Vec<String>,
    /// Voice.
    pub brand_voice: String,
    /// Forbidden phrases.
    pub do_not_say: Vec<String>,
    /// The workspace's default brand.
    pub is_default: bool,
    /// Send it back to edit.
    pub version: i64,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
}

impl From<Brand> for BrandJson {
    fn from(b: Brand) -> Self {
        Self {
            id: b.id.to_string(),
            name: b.name,
            company_overview: b.company_overview,
            usps: b.usps,
            icp_market_segments: b.icp_market_segments,
            brand_voice: b.brand_voice,
            do_not_say: b.do_not_say,
            is_default: b.is_default,
            version: b.version,
            created_at: b.created_at.to_string(),
            updated_at: b.updated_at.to_string(),
        }
    }
}

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_brands, create_brand))
        .routes(routes!(get_brand, update_brand))
}

/// Brands, newest first.
#[utoipa::path(get, path = "/knowledge/brands", tag = "knowledge", params(PageQuery),
    responses((status = 200, body = ListJson<BrandJson>), (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn list_brands(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<ListJson<BrandJson>>, ApiError> {
    Ok(Json(ListJson::from_page(
        brands::list(&ctx, &actor, &q.parse()?).await?,
        BrandJson::from,
    )))
}

/// Creates a brand (the first one becomes the default).
#[utoipa::path(post, path = "/knowledge/brands", tag = "knowledge", request_body = BrandInput,
    responses((status = 201, body = BrandJson), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn create_brand(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<BrandInput>,
) -> Result<Response, ApiError> {
    let brand = brands::create(&ctx, &actor, &input).await?;
    let location = format!("/api/v1/knowledge/brands/{}", brand.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(BrandJson::from(brand)),
    )
        .into_response())
}

/// One brand.
#[utoipa::path(get, path = "/knowledge/brands/{id}", tag = "knowledge", params(("id" = String, Path, description = "`brd_…`")),
    responses((status = 200, body = BrandJson), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get_brand(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<BrandId>,
) -> Result<Json<BrandJson>, ApiError> {
    Ok(Json(brands::get(&ctx, &actor, &id).await?.into()))
}

/// Edits a brand; needs the current `version` (body or `If-Match`).
#[utoipa::path(patch, path = "/knowledge/brands/{id}", tag = "knowledge", request_body = BrandInput,
    params(("id" = String, Path, description = "`brd_…`")),
    responses((status = 200, body = BrandJson), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn update_brand(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<BrandId>,
    if_match: super::extract::IfMatch,
    ApiJson(input): ApiJson<BrandInput>,
) -> Result<Json<BrandJson>, ApiError> {
    let version = if_match.version_or(input.version)?;
    Ok(Json(
        brands::update(&ctx, &actor, &id, version, &input)
            .await?
            .into(),
    ))
}
