//! Settings → Suppression list.

use leptos::prelude::*;

use crate::app::error::UiError;
use crate::domain::pagination::Page;
use crate::domain::suppression::Suppression;

/// One page of suppressed addresses, optionally those containing `q`.
#[server(prefix = "/rpc", endpoint = "list_suppressions")]
pub async fn list_suppressions(
    q: Option<String>,
    cursor: Option<String>,
) -> Result<Page<Suppression>, UiError> {
    use crate::domain::Error;
    use crate::domain::pagination::PageRequest;
    use crate::domain::suppression::SuppressionFilter;
    use crate::server::services::suppressions;
    let (state, actor) = super::ssr::actor().await?;
    let (filter, page) = Error::both(
        SuppressionFilter::parse(q.as_deref()),
        PageRequest::parse(None, cursor.as_deref()),
    )?;
    Ok(suppressions::list(&state.ctx, &actor, &filter, &page).await?)
}

/// Suppresses an address by hand.
#[server(prefix = "/rpc", endpoint = "add_suppression")]
pub async fn add_suppression(
    email: String,
    reason: Option<String>,
    note: Option<String>,
) -> Result<Suppression, UiError> {
    use crate::domain::suppression::SuppressionInput;
    use crate::server::services::suppressions;
    let (state, actor) = super::ssr::actor().await?;
    let input = SuppressionInput {
        email: Some(email),
        reason,
        note,
    };
    Ok(suppressions::add(&state.ctx, &actor, &input).await?.0)
}

/// Takes an address off the list (admins only; the service checks).
#[server(prefix = "/rpc", endpoint = "remove_suppression")]
pub async fn remove_suppression(email: String) -> Result<Suppression, UiError> {
    use crate::server::services::suppressions;
    let (state, actor) = super::ssr::actor().await?;
    Ok(suppressions::remove(&state.ctx, &actor, &email).await?)
}
