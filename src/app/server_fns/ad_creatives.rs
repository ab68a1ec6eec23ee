//! Ad creatives: the variant picker, its edits, picks and the decision.

#![expect(
    clippy::too_many_arguments,
    reason = "a server function takes one argument per form field"
)]

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::app::error::UiError;
use crate::domain::ad_creative::CreativeView;
use crate::domain::approval::Approval;
use crate::domain::ids::AdCreativeId;

/// What the variant picker shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct PickerPage {
    /// (id, name) of the workspace's brands, the default first.
    pub brands: Vec<(String, String)>,
    /// The variants asked for, newest first.
    pub creatives: Vec<CreativeView>,
}

impl PickerPage {
    /// The name of brand `id`.
    pub fn brand_name(&self, id: &str) -> String {
        self.brands
            .iter()
            .find(|(b, _)| b == id)
            .map(|(_, name)| name.clone())
            .unwrap_or_default()
    }
}

/// One creative with what its page shows besides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreativePage {
    /// The creative.
    pub view: CreativeView,
    /// Its brand's name, for the preview.
    pub brand_name: String,
    /// Its approval requests, newest first.
    pub approvals: Vec<Approval>,
}

/// The variants of a set (any of platform, brand and objective may be left out), and the
/// brands to choose from.
#[server(prefix = "/rpc", endpoint = "creative_picker")]
pub async fn creative_picker(
    platform: Option<String>,
    brand: Option<String>,
    objective: Option<String>,
) -> Result<PickerPage, UiError> {
    use crate::domain::ad_creative::CreativeFilterInput;
    use crate::domain::pagination::PageRequest;
    use crate::server::services::{ad_creatives, brands};
    let (state, actor) = super::ssr::actor().await?;
    let filter = CreativeFilterInput {
        platform,
        brand_id: brand,
        objective,
        ..Default::default()
    }
    .parse()?;
    let all = PageRequest {
        limit: 200,
        after: None,
    };
    let mut brands = brands::list(&state.ctx, &actor, &all).await?.items;
    brands.sort_by_key(|b| !b.is_default);
    let page = PageRequest {
        limit: 60,
        after: None,
    };
    let creatives = ad_creatives::list(&state.ctx, &actor, &filter, &page)
        .await?
        .items;
    Ok(PickerPage {
        brands: brands
            .into_iter()
            .map(|b| (b.id.to_string(), b.name))
            .collect(),
        creatives,
    })
}

/// Generates variants (or, with `regenerate`, replaces the set's unpicked ones) and goes to
/// the picker showing their set.
#[server(prefix = "/rpc", endpoint = "generate_creatives")]
pub async fn generate_creatives(
    platform: String,
    brand_id: String,
    objective: String,
    count: Option<String>,
    final_url: Option<String>,
    regenerate: Option<String>,
) -> Result<usize, UiError> {
    use crate::domain::ad_creative::GenerateCreativesInput;
    use crate::server::services::ad_creatives;
    let (state, actor) = super::ssr::actor().await?;
    let input = GenerateCreativesInput {
        count: crate::domain::form::count(&count, "count")?,
        platform: Some(platform),
        brand_id: Some(brand_id),
        objective: Some(objective),
        campaign_id: None,
        final_url,
    };
    let made = if regenerate.is_some() {
        ad_creatives::regenerate(&state.ctx, &actor, &input).await?
    } else {
        ad_creatives::generate(&state.ctx, &actor, &input).await?
    };
    if let Some(first) = made.first() {
        leptos_axum::redirect(&crate::app::format::variant_set_page(&first.creative));
    }
    Ok(made.len())
}

/// Saves edited copy at `version`. Blank list entries are dropped; a blank single field
/// clears it.
#[server(prefix = "/rpc", endpoint = "save_creative")]
pub async fn save_creative(
    id: AdCreativeId,
    version: i64,
    headlines: Option<Vec<String>>,
    descriptions: Option<Vec<String>>,
    primary_text: Option<String>,
    path1: Option<String>,
    path2: Option<String>,
    call_to_action: Option<String>,
    final_url: Option<String>,
) -> Result<CreativeView, UiError> {
    use crate::domain::ad_creative::CreativeEdit;
    use crate::domain::form::entries;
    use crate::server::services::ad_creatives;
    let (state, actor) = super::ssr::actor().await?;
    let edit = CreativeEdit {
        version: Some(version),
        headlines: headlines.map(entries),
        descriptions: descriptions.map(entries),
        primary_text,
        path1,
        path2,
        call_to_action,
        final_url,
        picked: None,
    };
    Ok(ad_creatives::edit(&state.ctx, &actor, &id, &edit).await?)
}

/// Picks a variant (kept on regeneration) or puts it back.
#[server(prefix = "/rpc", endpoint = "pick_creative")]
pub async fn pick_creative(
    id: AdCreativeId,
    version: i64,
    picked: bool,
) -> Result<CreativeView, UiError> {
    use crate::domain::ad_creative::CreativeEdit;
    use crate::server::services::ad_creatives;
    let (state, actor) = super::ssr::actor().await?;
    let edit = CreativeEdit {
        version: Some(version),
        picked: Some(picked),
        ..Default::default()
    };
    Ok(ad_creatives::edit(&state.ctx, &actor, &id, &edit).await?)
}

/// Asks an approver to approve the variant as shown.
#[server(prefix = "/rpc", endpoint = "request_creative_approval")]
pub async fn request_creative_approval(id: AdCreativeId, version: i64) -> Result<(), UiError> {
    use crate::server::services::ad_creatives;
    let (state, actor) = super::ssr::actor().await?;
    ad_creatives::request_approval(&state.ctx, &actor, &id, Some(version)).await?;
    Ok(())
}

/// Approves or rejects the variant at the version shown (approvers and admins only; the
/// service checks). `decision` is `approve` or `reject`.
#[server(prefix = "/rpc", endpoint = "decide_creative")]
pub async fn decide_creative(
    id: AdCreativeId,
    version: i64,
    decision: String,
    note: Option<String>,
) -> Result<CreativeView, UiError> {
    use crate::server::services::ad_creatives;
    let (state, actor) = super::ssr::actor().await?;
    let (decision, input) = super::ssr::decision_form(&decision, version, note)?;
    Ok(ad_creatives::decide(&state.ctx, &actor, &id, decision, &input).await?)
}

/// One creative's page.
#[server(prefix = "/rpc", endpoint = "creative_detail")]
pub async fn creative_detail(id: AdCreativeId) -> Result<CreativePage, UiError> {
    use crate::domain::approval::SubjectType;
    use crate::server::services::{ad_creatives, approvals, brands};
    let (state, actor) = super::ssr::actor().await?;
    let view = ad_creatives::get(&state.ctx, &actor, &id).await?;
    let brand_name = brands::get(&state.ctx, &actor, &view.creative.brand_id)
        .await?
        .name;
    let approvals =
        approvals::history(&state.ctx, &actor, SubjectType::AdCreative, id.as_str()).await?;
    Ok(CreativePage {
        view,
        brand_name,
        approvals,
    })
}
