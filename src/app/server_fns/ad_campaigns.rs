//! Ad campaigns: the list, the launch form, the campaign page, the decision and controls.

#![expect(
    clippy::too_many_arguments,
    reason = "a server function takes one argument per form field"
)]

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::app::error::UiError;
use crate::domain::ad_campaign::AdCampaignView;
use crate::domain::ad_creative::AdCreative;
use crate::domain::approval::Approval;
use crate::domain::ids::AdCampaignId;
use crate::domain::pagination::Page;

/// What the launch form offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct LaunchChoices {
    /// (id, name, people who can be shown ads) of the segments.
    pub segments: Vec<(String, String, i64)>,
    /// (id, name) of the brands, the default first.
    pub brands: Vec<(String, String)>,
    /// (id, name, kind) of the connectors that run ads.
    pub ad_accounts: Vec<(String, String, String)>,
    /// Approved creatives, newest first.
    pub creatives: Vec<AdCreative>,
    /// The workspace's daily budget cap, in cents.
    pub cap_cents: i64,
}

/// One campaign with what its page shows besides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdCampaignPage {
    /// The campaign, its platform ids, days and calls.
    pub view: AdCampaignView,
    /// Its creatives, in order (as approved, once approved).
    pub creatives: Vec<AdCreative>,
    /// Names of its segment, brand and ad account.
    pub segment_name: String,
    /// The brand's name (the previews show it).
    pub brand_name: String,
    /// The ad account's name and kind.
    pub connector_name: String,
    /// Its approval requests, newest first.
    pub approvals: Vec<Approval>,
}

/// A page of ad campaigns.
#[server(prefix = "/rpc", endpoint = "list_ad_campaigns")]
pub async fn list_ad_campaigns(
    status: Option<String>,
    platform: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
) -> Result<Page<AdCampaignView>, UiError> {
    use crate::domain::ad_campaign::AdCampaignFilterInput;
    use crate::domain::pagination::PageRequest;
    use crate::server::services::ad_campaigns;
    let (state, actor) = super::ssr::actor().await?;
    let (filter, page) = crate::domain::Error::both(
        AdCampaignFilterInput { status, platform }.parse(),
        PageRequest::parse(limit.as_deref(), cursor.as_deref()),
    )?;
    Ok(ad_campaigns::list(&state.ctx, &actor, &filter, &page).await?)
}

/// The choices of the launch form.
#[server(prefix = "/rpc", endpoint = "launch_form_options")]
pub async fn launch_form_options() -> Result<LaunchChoices, UiError> {
    use crate::domain::ad_creative::{CreativeFilterInput, CreativeStatus};
    use crate::domain::connector::{ConnectorKind, ConnectorRole};
    use crate::domain::pagination::PageRequest;
    use crate::server::services::{ad_creatives, brands, connectors, segments, settings};
    let (state, actor) = super::ssr::actor().await?;
    let all = PageRequest {
        limit: 200,
        after: None,
    };
    let mut segment_rows = Vec::new();
    for s in segments::names(&state.ctx, &actor, &all).await? {
        let size = segments::reachable(&state.ctx, &actor, &s.id).await?;
        segment_rows.push((s.id.to_string(), s.name, size));
    }
    let mut brands = brands::list(&state.ctx, &actor, &all).await?.items;
    brands.sort_by_key(|b| !b.is_default);
    let mut accounts: Vec<_> = connectors::list(&state.ctx, &actor, &all)
        .await?
        .items
        .into_iter()
        .filter(|c| c.can(ConnectorRole::AdAccount))
        .collect();
    // Real ad accounts first, then sandboxes, each by name.
    accounts.sort_by_key(|c| (c.kind == ConnectorKind::Sandbox, c.name.to_lowercase()));
    let ad_accounts = accounts
        .into_iter()
        .map(|c| (c.id.to_string(), c.name, c.kind.as_str().to_owned()))
        .collect();
    let filter = CreativeFilterInput {
        status: Some(CreativeStatus::Approved.as_str().to_owned()),
        ..Default::default()
    }
    .parse()?;
    let creatives = ad_creatives::list(&state.ctx, &actor, &filter, &all)
        .await?
        .items
        .into_iter()
        .map(|v| v.creative)
        .collect();
    let cap_cents = settings::get(&state.ctx, &actor)
        .await?
        .daily_budget_cap_cents;
    Ok(LaunchChoices {
        segments: segment_rows,
        brands: brands
            .into_iter()
            .map(|b| (b.id.to_string(), b.name))
            .collect(),
        ad_accounts,
        creatives,
        cap_cents,
    })
}

/// Requests a launch; answers the new campaign's id.
#[server(prefix = "/rpc", endpoint = "request_launch")]
pub async fn request_launch(
    platform: String,
    objective: String,
    segment_id: String,
    brand_id: String,
    connector_id: String,
    daily_budget_usd: String,
    creative_ids: String,
    start_date: Option<String>,
    end_date: Option<String>,
) -> Result<String, UiError> {
    use crate::domain::form::LaunchForm;
    use crate::server::services::ad_campaigns;
    let (state, actor) = super::ssr::actor().await?;
    let input = LaunchForm {
        platform,
        objective,
        segment_id,
        brand_id,
        connector_id,
        daily_budget_usd,
        creative_ids,
        start_date,
        end_date,
    }
    .input()?;
    let created = ad_campaigns::create(&state.ctx, &actor, &input).await?;
    Ok(created.ad.id.to_string())
}

/// One campaign's page.
#[server(prefix = "/rpc", endpoint = "ad_campaign_detail")]
pub async fn ad_campaign_detail(id: AdCampaignId) -> Result<AdCampaignPage, UiError> {
    use crate::domain::approval::SubjectType;
    use crate::server::services::{ad_campaigns, approvals, brands, connectors, segments};
    let (state, actor) = super::ssr::actor().await?;
    let ctx = &state.ctx;
    let view = ad_campaigns::get(ctx, &actor, &id).await?;
    let creatives = ad_campaigns::creatives(ctx, &actor, &view.ad).await?;
    let segment_name = segments::find(ctx, &actor, &view.ad.segment_id).await?.name;
    let brand_name = brands::get(ctx, &actor, &view.ad.brand_id).await?.name;
    let connector = connectors::get(ctx, &actor, &view.ad.connector_id).await?;
    let approvals = approvals::history(ctx, &actor, SubjectType::AdCampaign, id.as_str()).await?;
    Ok(AdCampaignPage {
        view,
        creatives,
        segment_name,
        brand_name,
        connector_name: format!("{} ({})", connector.name, connector.kind),
        approvals,
    })
}

/// Approves or rejects the launch at the version shown (approvers and admins only; the
/// service checks). `decision` is `approve` or `reject`.
#[server(prefix = "/rpc", endpoint = "decide_launch")]
pub async fn decide_launch(
    id: AdCampaignId,
    version: i64,
    decision: String,
    note: Option<String>,
) -> Result<(), UiError> {
    use crate::server::services::ad_campaigns;
    let (state, actor) = super::ssr::actor().await?;
    let (decision, input) = super::ssr::decision_form(&decision, version, note)?;
    ad_campaigns::decide(&state.ctx, &actor, &id, decision, &input).await?;
    Ok(())
}

/// Pauses, resumes, cancels or retries the launch of a campaign (`control` is `pause`,
/// `resume`, `cancel` or `retry_launch`).
#[server(prefix = "/rpc", endpoint = "control_ad_campaign")]
pub async fn control_ad_campaign(id: AdCampaignId, control: String) -> Result<(), UiError> {
    use crate::domain::ad_campaign::AdControl;
    use crate::server::services::ad_campaigns;
    let (state, actor) = super::ssr::actor().await?;
    let control: AdControl = control
        .parse()
        .map_err(|m: String| crate::domain::Error::invalid("control", m))?;
    ad_campaigns::control(&state.ctx, &actor, &id, control).await?;
    Ok(())
}
