//! The dashboard and a campaign's charts: rollups shaped for the console.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::app::error::UiError;
use crate::domain::campaign::{CampaignStatus, Channel};
use crate::domain::change::Counts;
use crate::domain::ids::CampaignId;
use crate::domain::rollup::RangeInput;

/// Measures by day over a range, with the totals before it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RollupView {
    /// First day (`YYYY-MM-DD`).
    pub from: String,
    /// Last day.
    pub to: String,
    /// How many days.
    pub len: i64,
    /// The time zone that decided the days.
    pub time_zone: String,
    /// Sums over the range.
    pub totals: Counts,
    /// Sums over the range of the same length just before.
    pub previous: Counts,
    /// Every day, oldest first.
    pub days: Vec<(String, Counts)>,
}

/// A campaign's totals over the range, for the top-campaigns table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignResult {
    /// `cmp_…`.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its channel.
    pub channel: Channel,
    /// Its status.
    pub status: CampaignStatus,
    /// What it counted in the range.
    pub counts: Counts,
}

/// What the dashboard shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DashboardView {
    /// The workspace's rollup (one channel when asked).
    pub rollup: RollupView,
    /// Totals per channel (`None`: what no campaign earned).
    pub channels: Vec<(Option<Channel>, Counts)>,
    /// Campaigns with activity in the range.
    pub campaigns: Vec<CampaignResult>,
}

#[cfg(feature = "ssr")]
fn view_of(r: crate::server::services::rollups::Rollup) -> RollupView {
    use crate::domain::time::format_date;
    RollupView {
        from: format_date(r.series.range.from),
        to: format_date(r.series.range.to),
        len: r.series.range.len(),
        time_zone: r.time_zone,
        totals: r.series.totals,
        previous: r.previous,
        days: r
            .series
            .days
            .into_iter()
            .map(|(d, c)| (format_date(d), c))
            .collect(),
    }
}

/// The dashboard for a range (`days` or `from`/`to`) and optionally one channel.
#[server(prefix = "/rpc", endpoint = "dashboard", input = leptos::server_fn::codec::Json)]
pub async fn load_dashboard(
    range: RangeInput,
    channel: Option<String>,
) -> Result<DashboardView, UiError> {
    use crate::domain::rollup::RollupScope;
    use crate::server::services::rollups;
    let (state, actor) = super::ssr::actor().await?;
    let channel = RollupScope::parse(channel.as_deref(), None)?.channel;
    let d = rollups::dashboard(&state.ctx, &actor, &range, channel).await?;
    Ok(DashboardView {
        rollup: view_of(d.rollup),
        channels: d.channels,
        campaigns: d
            .campaigns
            .into_iter()
            .map(|c| CampaignResult {
                id: c.id.to_string(),
                name: c.name,
                channel: c.channel,
                status: c.status,
                counts: c.counts,
            })
            .collect(),
    })
}

/// One campaign's measures by day (default: its whole life, at most a year).
#[server(prefix = "/rpc", endpoint = "campaign_metrics", input = leptos::server_fn::codec::Json)]
pub async fn load_campaign_metrics(
    id: CampaignId,
    range: RangeInput,
) -> Result<RollupView, UiError> {
    use crate::server::services::rollups;
    let (state, actor) = super::ssr::actor().await?;
    let (_, r) = rollups::campaign(&state.ctx, &actor, &id, &range).await?;
    Ok(view_of(r))
}
