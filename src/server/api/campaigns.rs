//! `/api/v1/marketing/campaigns`.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiPath, ApiQuery};
use super::list::ListJson;
use crate::domain::campaign::{Campaign, CampaignFilterInput};
use crate::domain::ids::CampaignId;
use crate::domain::money::usd;
use crate::domain::pagination::PageRequest;
use crate::server::auth::api_key::ApiActor;
use crate::server::errors::{ApiError, Problem};
use crate::server::services::{Context, campaigns};
use crate::server::state::AppState;

/// Filters and paging.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CampaignQuery {
    /// `email`, `ads` or `blog`.
    pub channel: Option<String>,
    /// draft, pending_approval, active, paused, completed, cancelled, rejected, failed.
    pub status: Option<String>,
    /// `seg_…`.
    pub segment_id: Option<String>,
    /// `brd_…`.
    pub brand_id: Option<String>,
    /// RFC 3339 (or a date).
    pub created_after: Option<String>,
    /// RFC 3339 (or a date).
    pub created_before: Option<String>,
    /// 1–200 (default 50).
    pub limit: Option<String>,
    /// From `next_cursor`.
    pub cursor: Option<String>,
}

/// The channel artifact.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArtifactJson {
    /// `email_sequence`, `ad_campaign` or `blog_draft`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Its id.
    pub id: String,
}

/// Counters kept as events arrive.
#[derive(Debug, Serialize, ToSchema)]
pub struct RollupJson {
    /// Messages sent.
    pub sends: i64,
    /// Replies.
    pub replies: i64,
    /// Conversions.
    pub conversions: i64,
    /// Ad spend.
    pub spend_usd: f64,
    /// Spend ÷ conversions; `null` without conversions.
    pub cac_usd: Option<f64>,
}

/// A campaign.
#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignJson {
    /// `cmp_…`.
    pub id: String,
    /// Name.
    pub name: String,
    /// `email`, `ads` or `blog`.
    pub channel: String,
    /// Status.
    pub status: String,
    /// Why it is `paused` when no person paused it: `sender_failing` (its sender connector
    /// cannot work; it goes on once the connector passes a test). `null` otherwise.
    pub paused_reason: Option<String>,
    /// `seg_…`.
    pub segment_id: Option<String>,
    /// `brd_…`.
    pub brand_id: Option<String>,
    /// The channel artifact.
    pub artifact: Option<ArtifactJson>,
    /// Counters.
    pub rollup: RollupJson,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
}

impl From<Campaign> for CampaignJson {
    fn from(c: Campaign) -> Self {
        Self {
            id: c.id.to_string(),
            name: c.name,
            channel: c.channel.as_str().to_owned(),
            status: c.status.as_str().to_owned(),
            paused_reason: c.paused_reason.map(|r| r.as_str().to_owned()),
            segment_id: c.segment_id.map(|s| s.to_string()),
            brand_id: c.brand_id.map(|b| b.to_string()),
            artifact: c.artifact.map(|a| ArtifactJson {
                kind: a.kind,
                id: a.id,
            }),
            rollup: RollupJson {
                sends: c.rollup.sends,
                replies: c.rollup.replies,
                conversions: c.rollup.conversions,
                spend_usd: usd(c.rollup.spend_cents),
                cac_usd: c.rollup.cac_cents().map(usd),
            },
            created_at: c.created_at.to_string(),
            updated_at: c.updated_at.to_string(),
        }
    }
}

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_campaigns))
        .routes(routes!(get_campaign))
}

/// Campaigns across channels, newest first, filtered.
#[utoipa::path(get, path = "/marketing/campaigns", tag = "marketing", params(CampaignQuery),
    responses((status = 200, body = ListJson<CampaignJson>), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn list_campaigns(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<CampaignQuery>,
) -> Result<Json<ListJson<CampaignJson>>, ApiError> {
    let filter = CampaignFilterInput {
        channel: q.channel,
        status: q.status,
        segment_id: q.segment_id,
        brand_id: q.brand_id,
        created_after: q.created_after,
        created_before: q.created_before,
    };
    let (filter, page) = parse_both(&filter, q.limit.as_deref(), q.cursor.as_deref())?;
    Ok(Json(ListJson::from_page(
        campaigns::list(&ctx, &actor, &filter, &page).await?,
        CampaignJson::from,
    )))
}

/// Parses filters and paging together, so one 422 names every bad parameter.
fn parse_both(
    filter: &CampaignFilterInput,
    limit: Option<&str>,
    cursor: Option<&str>,
) -> Result<(crate::domain::campaign::CampaignFilter, PageRequest), crate::domain::Error> {
    crate::domain::Error::both(filter.parse(), PageRequest::parse(limit, cursor))
}

/// One campaign with its artifact reference and rollup.
#[utoipa::path(get, path = "/marketing/campaigns/{id}", tag = "marketing", params(("id" = String, Path, description = "`cmp_…`")),
    responses((status = 200, body = CampaignJson), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get_campaign(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<CampaignId>,
) -> Result<Json<CampaignJson>, ApiError> {
    Ok(Json(campaigns::get(&ctx, &actor, &id).await?.into()))
}
