//! `/api/v1/marketing/ad-campaigns`: launch requests, the gate, mid-flight controls, and
//! what the platform created and reported.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiJson, ApiPath, ApiQuery, IfMatch, OptionalJson};
use super::list::ListJson;
use crate::domain::Error;
use crate::domain::ad_campaign::AdCampaignView;
use crate::domain::ad_campaign::{AdCampaignFilterInput, AdControl, DayMetrics, LaunchInput};
use crate::domain::approval::{Decision, DecisionInput};
use crate::domain::ids::AdCampaignId;
use crate::domain::money::usd;
use crate::domain::pagination::PageRequest;
use crate::server::auth::api_key::ApiActor;
use crate::server::errors::{ApiError, Problem};
use crate::server::services::Context;
use crate::server::services::ad_campaigns;
use crate::server::state::AppState;

/// Spend and results for one day, or added up.
#[derive(Debug, Serialize, ToSchema)]
pub struct MetricsJson {
    /// `YYYY-MM-DD` (absent in totals).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub day: Option<String>,
    /// Spend in dollars.
    pub spend_usd: f64,
    /// Impressions.
    pub impressions: i64,
    /// Clicks.
    pub clicks: i64,
    /// Conversions the platform counted.
    pub conversions: i64,
    /// Spend per conversion, `null` without conversions.
    pub cac_usd: Option<f64>,
}

impl MetricsJson {
    fn of(m: &DayMetrics, with_day: bool) -> Self {
        Self {
            day: with_day.then(|| m.day.clone()),
            spend_usd: usd(m.spend_cents),
            impressions: m.impressions,
            clicks: m.clicks,
            conversions: m.conversions,
            cac_usd: m.cac_cents().map(usd),
        }
    }
}

/// One call made to the platform (for a sandbox: one it would have made).
#[derive(Debug, Serialize, ToSchema)]
pub struct PlatformCallJson {
    /// When.
    pub at: String,
    /// HTTP method.
    pub method: String,
    /// Path and query, without the host.
    pub path: String,
    /// The answer's status (0: none).
    pub status: u16,
    /// What it was for, and the provider's message when it failed.
    pub note: String,
}

/// An ad campaign.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdCampaignJson {
    /// `adc_…`.
    pub id: String,
    /// `cmp_…`: its campaign (rollups, metrics).
    pub campaign_id: String,
    /// Display name.
    pub name: String,
    /// `google`, `linkedin` or `meta`.
    pub platform: String,
    /// `leads`, `traffic`, `awareness` or `conversions`.
    pub objective: String,
    /// `seg_…`.
    pub segment_id: String,
    /// `brd_…`.
    pub brand_id: String,
    /// `cnr_…`: the ad account.
    pub connector_id: String,
    /// Dollars per day.
    pub daily_budget_usd: f64,
    /// `cre_…`, in the order the ads were created.
    pub creative_ids: Vec<String>,
    /// Start (RFC 3339), if set.
    pub starts_at: Option<String>,
    /// End (RFC 3339), if set.
    pub ends_at: Option<String>,
    /// `pending_approval`, `launching`, `active`, `paused`, `cancelled`, `completed`,
    /// `rejected` or `failed`.
    pub status: String,
    /// The action running now (`pause`, `resume`, `cancel`), shown as "pausing…".
    pub in_flight: Option<String>,
    /// The provider's message when a step failed.
    pub error: Option<String>,
    /// People in the audience when the launch was requested.
    pub audience_size: i64,
    /// The platform's ids by launch step (`campaign`, `ad_set`, `ad:0`, …).
    pub platform_ids: std::collections::BTreeMap<String, String>,
    /// The campaign in the platform's own ad manager, once it exists there (on
    /// `GET /ad-campaigns/{id}`; none for a sandbox).
    pub platform_url: Option<String>,
    /// Every synced day added up.
    pub metrics: MetricsJson,
    /// The synced days, oldest first (on `GET /ad-campaigns/{id}`).
    pub days: Vec<MetricsJson>,
    /// The latest calls to the platform, oldest first (on `GET /ad-campaigns/{id}`).
    pub platform_calls: Vec<PlatformCallJson>,
    /// `apr_…` of the approval request waiting on it, if any.
    pub pending_approval_id: Option<String>,
    /// Bumped on every change; send it back to approve what you saw.
    pub version: i64,
    /// The console page.
    pub console_url: String,
    /// Created.
    pub created_at: String,
    /// Last changed.
    pub updated_at: String,
}

impl From<AdCampaignView> for AdCampaignJson {
    fn from(v: AdCampaignView) -> Self {
        let a = v.ad;
        Self {
            console_url: crate::domain::ad_campaign::AdCampaign::console_page(&a.id),
            id: a.id.to_string(),
            campaign_id: a.campaign_id.to_string(),
            name: a.name,
            platform: a.platform.as_str().to_owned(),
            objective: a.objective.as_str().to_owned(),
            segment_id: a.segment_id.to_string(),
            brand_id: a.brand_id.to_string(),
            connector_id: a.connector_id.to_string(),
            daily_budget_usd: a.daily_budget_cents as f64 / 100.0,
            creative_ids: a.creative_ids.iter().map(ToString::to_string).collect(),
            starts_at: a.starts_at.map(|t| t.to_string()),
            ends_at: a.ends_at.map(|t| t.to_string()),
            status: a.status.as_str().to_owned(),
            in_flight: a.in_flight.map(|c| c.as_str().to_owned()),
            error: a.last_error,
            audience_size: a.audience_size,
            platform_ids: v.remote_ids,
            platform_url: v.platform_url,
            metrics: MetricsJson::of(&v.totals, false),
            days: v.days.iter().map(|d| MetricsJson::of(d, true)).collect(),
            platform_calls: v
                .calls
                .into_iter()
                .map(|(at, c)| PlatformCallJson {
                    at: at.to_string(),
                    method: c.method,
                    path: c.path,
                    status: c.status,
                    note: c.note,
                })
                .collect(),
            pending_approval_id: v.pending_approval.map(|a| a.to_string()),
            version: a.version,
            created_at: a.created_at.to_string(),
            updated_at: a.updated_at.to_string(),
        }
    }
}

/// Filters and paging.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AdCampaignQuery {
    /// A status.
    pub status: Option<String>,
    /// `google`, `linkedin` or `meta`.
    pub platform: Option<String>,
    /// 1–200 (default 50).
    pub limit: Option<String>,
    /// From `next_cursor`.
    pub cursor: Option<String>,
}

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_ad_campaign, list_ad_campaigns))
        .routes(routes!(get_ad_campaign))
        .routes(routes!(approve_ad_campaign))
        .routes(routes!(reject_ad_campaign))
        .routes(routes!(pause_ad_campaign))
        .routes(routes!(resume_ad_campaign))
        .routes(routes!(cancel_ad_campaign))
        .routes(routes!(retry_ad_campaign_launch))
}

/// Requests a launch: approved creatives of the campaign's platform, an ad account of that
/// platform (or a sandbox), a daily budget within the workspace's cap. It is created
/// `pending_approval` with an approval request showing the audience; nothing reaches the
/// platform and nothing is spent until a person approves.
#[utoipa::path(post, path = "/marketing/ad-campaigns", tag = "marketing", request_body = LaunchInput,
    responses((status = 201, body = AdCampaignJson), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn create_ad_campaign(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<LaunchInput>,
) -> Result<(StatusCode, Json<AdCampaignJson>), ApiError> {
    let created = ad_campaigns::create(&ctx, &actor, &input).await?;
    Ok((StatusCode::CREATED, Json(created.into())))
}

/// Ad campaigns, newest first, with their platform ids and metric totals.
#[utoipa::path(get, path = "/marketing/ad-campaigns", tag = "marketing", params(AdCampaignQuery),
    responses((status = 200, body = ListJson<AdCampaignJson>), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn list_ad_campaigns(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<AdCampaignQuery>,
) -> Result<Json<ListJson<AdCampaignJson>>, ApiError> {
    let (filter, page) = Error::both(
        AdCampaignFilterInput {
            status: q.status,
            platform: q.platform,
        }
        .parse(),
        PageRequest::parse(q.limit.as_deref(), q.cursor.as_deref()),
    )?;
    Ok(Json(ListJson::from_page(
        ad_campaigns::list(&ctx, &actor, &filter, &page).await?,
        AdCampaignJson::from,
    )))
}

/// One ad campaign, with its synced days and the latest platform calls.
#[utoipa::path(get, path = "/marketing/ad-campaigns/{id}", tag = "marketing", params(("id" = String, Path, description = "`adc_…`")),
    responses((status = 200, body = AdCampaignJson), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get_ad_campaign(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<AdCampaignId>,
) -> Result<Json<AdCampaignJson>, ApiError> {
    Ok(Json(ad_campaigns::get(&ctx, &actor, &id).await?.into()))
}

/// The gate: approval pins the audience shown and queues the launch on the platform.
/// Needs `marketing:approve` (key) or the approver role (session); otherwise 403
/// `approval_required` naming the console page.
#[utoipa::path(post, path = "/marketing/ad-campaigns/{id}/approve", tag = "marketing", request_body(content = DecisionInput, description = "optional"),
    params(("id" = String, Path, description = "`adc_…`")),
    responses((status = 200, body = AdCampaignJson), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn approve_ad_campaign(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<AdCampaignId>,
    if_match: IfMatch,
    OptionalJson(body): OptionalJson<DecisionInput>,
) -> Result<Json<AdCampaignJson>, ApiError> {
    let input = if_match.decision(body.unwrap_or_default())?;
    Ok(Json(
        ad_campaigns::decide(&ctx, &actor, &id, Decision::Approve, &input)
            .await?
            .into(),
    ))
}

/// Rejects a launch with a note; nothing is created on the platform.
#[utoipa::path(post, path = "/marketing/ad-campaigns/{id}/reject", tag = "marketing", request_body = DecisionInput,
    params(("id" = String, Path, description = "`adc_…`")),
    responses((status = 200, body = AdCampaignJson), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn reject_ad_campaign(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<AdCampaignId>,
    if_match: IfMatch,
    ApiJson(body): ApiJson<DecisionInput>,
) -> Result<Json<AdCampaignJson>, ApiError> {
    let input = if_match.decision(body)?;
    Ok(Json(
        ad_campaigns::decide(&ctx, &actor, &id, Decision::Reject, &input)
            .await?
            .into(),
    ))
}

async fn controlled(
    ctx: &Context,
    actor: &crate::domain::actor::Actor,
    id: &AdCampaignId,
    control: AdControl,
) -> Result<(StatusCode, Json<AdCampaignJson>), ApiError> {
    let view = ad_campaigns::control(ctx, actor, id, control).await?;
    Ok((StatusCode::ACCEPTED, Json(view.into())))
}

/// Pauses an active campaign on the platform: 202 with `in_flight: "pause"` at once,
/// `paused` when the platform confirmed. 409 from any other status.
#[utoipa::path(post, path = "/marketing/ad-campaigns/{id}/pause", tag = "marketing",
    params(("id" = String, Path, description = "`adc_…`")),
    responses((status = 202, body = AdCampaignJson), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn pause_ad_campaign(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<AdCampaignId>,
) -> Result<(StatusCode, Json<AdCampaignJson>), ApiError> {
    controlled(&ctx, &actor, &id, AdControl::Pause).await
}

/// Resumes a paused campaign on the platform. 409 unless paused.
#[utoipa::path(post, path = "/marketing/ad-campaigns/{id}/resume", tag = "marketing",
    params(("id" = String, Path, description = "`adc_…`")),
    responses((status = 202, body = AdCampaignJson), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn resume_ad_campaign(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<AdCampaignId>,
) -> Result<(StatusCode, Json<AdCampaignJson>), ApiError> {
    controlled(&ctx, &actor, &id, AdControl::Resume).await
}

/// Cancels for good: a request not yet decided is withdrawn; a launch in progress stops and
/// removes what it created; a live campaign is removed on the platform.
#[utoipa::path(post, path = "/marketing/ad-campaigns/{id}/cancel", tag = "marketing",
    params(("id" = String, Path, description = "`adc_…`")),
    responses((status = 202, body = AdCampaignJson), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn cancel_ad_campaign(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<AdCampaignId>,
) -> Result<(StatusCode, Json<AdCampaignJson>), ApiError> {
    controlled(&ctx, &actor, &id, AdControl::Cancel).await
}

/// Tries a failed launch again from the step that failed (what was created is kept).
#[utoipa::path(post, path = "/marketing/ad-campaigns/{id}/retry-launch", tag = "marketing",
    params(("id" = String, Path, description = "`adc_…`")),
    responses((status = 202, body = AdCampaignJson), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn retry_ad_campaign_launch(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<AdCampaignId>,
) -> Result<(StatusCode, Json<AdCampaignJson>), ApiError> {
    controlled(&ctx, &actor, &id, AdControl::RetryLaunch).await
}
