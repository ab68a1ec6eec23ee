//! `GET /api/v1/marketing/rollups` and `GET /api/v1/marketing/campaigns/{id}/metrics`: the
//! measures by day over a range, read from the counters kept as things happen.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiPath, ApiQuery};
use crate::domain::change::Counts;
use crate::domain::ids::CampaignId;
use crate::domain::money::usd;
use crate::domain::rollup::{RangeInput, RollupScope};
use crate::domain::time::format_date;
use crate::server::auth::api_key::ApiActor;
use crate::server::errors::{ApiError, Problem};
use crate::server::services::Context;
use crate::server::services::rollups::{self, Rollup};
use crate::server::state::AppState;

/// A workspace rollup's range and scope.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RollupQuery {
    /// First day, `YYYY-MM-DD` in the workspace's time zone (default: 29 days before `to`).
    pub from: Option<String>,
    /// Last day, included (default: today). At most 366 days after `from`.
    pub to: Option<String>,
    /// Instead of `from`: the last this many days up to `to` (1–366).
    pub days: Option<String>,
    /// Only campaigns of this channel: `email`, `ads` or `blog`.
    pub channel: Option<String>,
    /// Only this campaign (`cmp_…`).
    pub campaign_id: Option<String>,
}

/// A campaign's range.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MetricsQuery {
    /// First day, `YYYY-MM-DD` (default: the day the campaign was created, at most a year
    /// back).
    pub from: Option<String>,
    /// Last day, included (default: today).
    pub to: Option<String>,
    /// Instead of `from`: the last this many days up to `to` (1–366).
    pub days: Option<String>,
}

/// What was counted over a day or a range.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeasuresJson {
    /// Messages accepted by a sender.
    pub sends: i64,
    /// Sent messages that did not bounce.
    pub deliveries: i64,
    /// Replies.
    pub replies: i64,
    /// Bounces.
    pub bounces: i64,
    /// Unsubscribes.
    pub unsubscribes: i64,
    /// Conversions.
    pub conversions: i64,
    /// What the conversions were worth.
    pub conversion_value_usd: f64,
    /// Ad spend.
    pub spend_usd: f64,
    /// Ad impressions.
    pub impressions: i64,
    /// Ad clicks.
    pub clicks: i64,
    /// Spend ÷ conversions; `null` without conversions.
    pub cac_usd: Option<f64>,
    /// Replies ÷ sends; `null` before anything was sent.
    pub reply_rate: Option<f64>,
}

impl From<&Counts> for MeasuresJson {
    fn from(c: &Counts) -> Self {
        Self {
            sends: c.sends,
            deliveries: c.deliveries,
            replies: c.replies,
            bounces: c.bounces,
            unsubscribes: c.unsubscribes,
            conversions: c.conversions,
            conversion_value_usd: usd(c.conversion_value_cents),
            spend_usd: usd(c.spend_cents),
            impressions: c.impressions,
            clicks: c.clicks,
            cac_usd: c.cac_cents().map(usd),
            reply_rate: c.reply_rate().map(|r| (r * 10_000.0).round() / 10_000.0),
        }
    }
}

/// One day of a series.
#[derive(Debug, Serialize, ToSchema)]
pub struct DayJson {
    /// `YYYY-MM-DD` in the workspace's time zone.
    pub date: String,
    /// What was counted that day (zeros when nothing happened).
    #[serde(flatten)]
    pub measures: MeasuresJson,
}

/// Measures over a range: totals, the totals of the range just before (for the change),
/// and every day.
#[derive(Debug, Serialize, ToSchema)]
pub struct RollupSeriesJson {
    /// First day.
    pub from: String,
    /// Last day.
    pub to: String,
    /// The IANA time zone that decided where each day starts.
    pub time_zone: String,
    /// The channel it covers; `null` for every channel (and what no campaign earned).
    pub channel: Option<String>,
    /// The campaign it covers; `null` for the workspace.
    pub campaign_id: Option<String>,
    /// Sums over the range.
    pub totals: MeasuresJson,
    /// Sums over the range of the same length just before.
    pub previous_totals: MeasuresJson,
    /// One entry per day of the range, oldest first.
    pub days: Vec<DayJson>,
}

impl From<Rollup> for RollupSeriesJson {
    fn from(r: Rollup) -> Self {
        Self {
            from: format_date(r.series.range.from),
            to: format_date(r.series.range.to),
            time_zone: r.time_zone,
            channel: r.scope.channel.map(|c| c.as_str().to_owned()),
            campaign_id: r.scope.campaign_id.map(|c| c.to_string()),
            totals: (&r.series.totals).into(),
            previous_totals: (&r.previous).into(),
            days: r
                .series
                .days
                .iter()
                .map(|(d, c)| DayJson {
                    date: format_date(*d),
                    measures: c.into(),
                })
                .collect(),
        }
    }
}

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(workspace_rollup))
        .routes(routes!(campaign_metrics))
}

/// The workspace's measures by day (every day present, zeros when nothing happened), for
/// one channel or one campaign when asked. Days start in the workspace's time zone.
#[utoipa::path(get, path = "/marketing/rollups", tag = "marketing", params(RollupQuery),
    responses((status = 200, body = RollupSeriesJson), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn workspace_rollup(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<RollupQuery>,
) -> Result<Json<RollupSeriesJson>, ApiError> {
    let scope = RollupScope::parse(q.channel.as_deref(), q.campaign_id.as_deref())?;
    let range = RangeInput {
        from: q.from,
        to: q.to,
        days: q.days,
    };
    let rollup = rollups::workspace(&ctx, &actor, &range, scope).await?;
    Ok(Json(rollup.into()))
}

/// One campaign's measures by day.
#[utoipa::path(get, path = "/marketing/campaigns/{id}/metrics", tag = "marketing",
    params(("id" = String, Path, description = "`cmp_…`"), MetricsQuery),
    responses((status = 200, body = RollupSeriesJson), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn campaign_metrics(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<CampaignId>,
    ApiQuery(q): ApiQuery<MetricsQuery>,
) -> Result<Json<RollupSeriesJson>, ApiError> {
    let range = RangeInput {
        from: q.from,
        to: q.to,
        days: q.days,
    };
    let (_, rollup) = rollups::campaign(&ctx, &actor, &id, &range).await?;
    Ok(Json(rollup.into()))
}
