//! Campaigns list and detail.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::app::error::UiError;
use crate::domain::audit::AuditEntry;
use crate::domain::campaign::{
    Campaign, CampaignFilterInput, CampaignStatus, Channel, PausedReason,
};
use crate::domain::ids::CampaignId;
use crate::domain::pagination::Page;
use crate::domain::time::Timestamp;

/// A campaign with the names the list shows instead of ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignRow {
    /// The campaign.
    pub campaign: Campaign,
    /// Its segment's name.
    pub segment_name: Option<String>,
    /// Its brand's name.
    pub brand_name: Option<String>,
}

/// A campaign as the list shows it: its columns and nothing more. Every row travels twice
/// (as the page's HTML and as the data the page hydrates from), so what no column shows is
/// left on the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignListItem {
    /// The campaign's id.
    pub id: CampaignId,
    /// Display name.
    pub name: String,
    /// Channel.
    pub channel: Channel,
    /// Status.
    pub status: CampaignStatus,
    /// Why it is paused, when no person paused it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paused_reason: Option<PausedReason>,
    /// Its segment's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segment_name: Option<String>,
    /// Its brand's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brand_name: Option<String>,
    /// Messages sent.
    pub sends: i64,
    /// Replies received.
    pub replies: i64,
    /// When it was created.
    pub created_at: Timestamp,
}

impl From<CampaignRow> for CampaignListItem {
    fn from(row: CampaignRow) -> Self {
        let c = row.campaign;
        Self {
            id: c.id,
            name: c.name,
            channel: c.channel,
            status: c.status,
            paused_reason: c.paused_reason,
            segment_name: row.segment_name,
            brand_name: row.brand_name,
            sends: c.rollup.sends,
            replies: c.rollup.replies,
            created_at: c.created_at,
        }
    }
}

/// What the filter bar offers: (id, name) of segments and brands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct FilterOptions {
    /// Segments.
    pub segments: Vec<(String, String)>,
    /// Brands.
    pub brands: Vec<(String, String)>,
}

/// One page of the campaigns list and what its filter bar offers, fetched together so a
/// page render looks the segments and brands up once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignList {
    /// The campaigns, with names.
    pub page: Page<CampaignListItem>,
    /// The filter bar's segments and brands.
    pub options: FilterOptions,
}

/// A campaign's page: the campaign, names, and its audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignDetail {
    /// The campaign, with names.
    pub row: CampaignRow,
    /// Every recorded change of the campaign and its artifact, newest first.
    pub trail: Vec<AuditEntry>,
    /// Every approval requested for it, newest first.
    pub approvals: Vec<crate::domain::approval::Approval>,
}

#[cfg(feature = "ssr")]
async fn options_of(
    state: &crate::server::state::AppState,
    actor: &crate::domain::actor::Actor,
) -> Result<FilterOptions, UiError> {
    use crate::domain::pagination::PageRequest;
    use crate::server::services::{brands, segments};
    let all = PageRequest {
        limit: 200,
        after: None,
    };
    let (segments, brands) = futures::try_join!(
        segments::names(&state.ctx, actor, &all),
        brands::list(&state.ctx, actor, &all)
    )?;
    Ok(FilterOptions {
        segments: segments
            .into_iter()
            .map(|s| (s.id.to_string(), s.name))
            .collect(),
        brands: brands
            .items
            .into_iter()
            .map(|b| (b.id.to_string(), b.name))
            .collect(),
    })
}

#[cfg(feature = "ssr")]
fn named(campaign: Campaign, options: &FilterOptions) -> CampaignRow {
    let find = |list: &[(String, String)], id: Option<String>| {
        id.and_then(|id| list.iter().find(|(i, _)| *i == id).map(|(_, n)| n.clone()))
    };
    CampaignRow {
        segment_name: find(
            &options.segments,
            campaign.segment_id.as_ref().map(ToString::to_string),
        ),
        brand_name: find(
            &options.brands,
            campaign.brand_id.as_ref().map(ToString::to_string),
        ),
        campaign,
    }
}

/// One page of campaigns matching the filter, and the filter bar's options.
#[server(prefix = "/rpc", endpoint = "list_campaigns", input = leptos::server_fn::codec::Json)]
pub async fn list_campaigns(
    filter: CampaignFilterInput,
    limit: Option<String>,
    cursor: Option<String>,
) -> Result<CampaignList, UiError> {
    use crate::domain::pagination::PageRequest;
    use crate::server::services::campaigns;
    let (state, actor) = super::ssr::actor().await?;
    let filter = filter.parse()?;
    let page = PageRequest::parse(limit.as_deref(), cursor.as_deref())?;
    // The page's statements go out together: one round trip of waiting instead of three.
    let (found, options) = futures::try_join!(
        async { Ok(campaigns::list(&state.ctx, &actor, &filter, &page).await?) },
        options_of(&state, &actor)
    )?;
    Ok(CampaignList {
        page: found.map(|c| named(c, &options).into()),
        options,
    })
}

/// One campaign with its audit trail.
#[server(prefix = "/rpc", endpoint = "get_campaign")]
pub async fn get_campaign(id: CampaignId) -> Result<CampaignDetail, UiError> {
    use crate::server::services::{approvals, audit_log, campaigns};
    let (state, actor) = super::ssr::actor().await?;
    let campaign = campaigns::get(&state.ctx, &actor, &id).await?;
    let mut trail =
        audit_log::for_subject(&state.ctx, &actor, "campaign", &campaign.id.to_string()).await?;
    if let Some(artifact) = &campaign.artifact {
        trail.extend(
            audit_log::for_subject(&state.ctx, &actor, &artifact.kind, &artifact.id).await?,
        );
        trail.sort_by(|a, b| (b.created_at, &b.id).cmp(&(a.created_at, &a.id)));
    }
    let approvals = approvals::for_campaign(&state.ctx, &actor, &campaign.id).await?;
    let options = options_of(&state, &actor).await?;
    Ok(CampaignDetail {
        row: named(campaign, &options),
        trail,
        approvals,
    })
}
