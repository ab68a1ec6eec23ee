//! Settings → Brands.

// The form posts one field per argument.
#![expect(
    clippy::too_many_arguments,
    reason = "a server function takes one argument per form field"
)]

use leptos::prelude::*;

use crate::app::error::UiError;
use crate::domain::brand::Brand;
use crate::domain::ids::BrandId;
use crate::domain::pagination::Page;

#[cfg(feature = "ssr")]
fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_owned).collect()
}

/// One page of the workspace's brands.
#[server(prefix = "/rpc", endpoint = "list_brands")]
pub async fn list_brands(
    limit: Option<String>,
    cursor: Option<String>,
) -> Result<Page<Brand>, UiError> {
    use crate::domain::pagination::PageRequest;
    use crate::server::services::brands;
    let (state, actor) = super::ssr::actor().await?;
    let page = PageRequest::parse(limit.as_deref(), cursor.as_deref())?;
    Ok(brands::list(&state.ctx, &actor, &page).await?)
}

/// Creates a brand, or edits the one `id` names. Lists are one entry per line.
#[server(prefix = "/rpc", endpoint = "save_brand")]
pub async fn save_brand(
    #[server(default)] id: Option<BrandId>,
    version: Option<i64>,
    name: String,
    company_overview: String,
    usps: String,
    icp_market_segments: String,
    brand_voice: String,
    do_not_say: String,
    is_default: Option<String>,
) -> Result<Brand, UiError> {
    use crate::domain::Error;
    use crate::domain::brand::BrandInput;
    use crate::server::services::brands;
    let (state, actor) = super::ssr::actor().await?;
    let input = BrandInput {
        name: Some(name),
        company_overview: Some(company_overview),
        usps: Some(lines(&usps)),
        icp_market_segments: Some(lines(&icp_market_segments)),
        brand_voice: Some(brand_voice),
        do_not_say: Some(lines(&do_not_say)),
        is_default: is_default.is_some(),
        version,
    };
    let Some(id) = id else {
        return Ok(brands::create(&state.ctx, &actor, &input).await?);
    };
    let version = version.ok_or_else(|| Error::invalid("version", "is required"))?;
    Ok(brands::update(&state.ctx, &actor, &id, version, &input).await?)
}
