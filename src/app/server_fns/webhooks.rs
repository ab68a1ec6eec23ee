//! Settings → Webhooks.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::app::error::UiError;
use crate::domain::ids::{WebhookDeliveryId, WebhookEndpointId};
use crate::domain::pagination::Page;
use crate::domain::webhook::{Delivery, WebhookEndpoint};

/// An endpoint just added: the secret is in this answer only.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedEndpoint {
    /// The endpoint.
    pub endpoint: WebhookEndpoint,
    /// `whsec_…`.
    pub secret: String,
}

impl std::fmt::Debug for CreatedEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedEndpoint")
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

/// One endpoint with a page of its delivery log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointDetail {
    /// The endpoint.
    pub endpoint: WebhookEndpoint,
    /// Its deliveries, newest first.
    pub deliveries: Page<Delivery>,
}

/// The workspace's endpoints (admins only).
#[server(prefix = "/rpc", endpoint = "list_webhooks")]
pub async fn list_webhooks(
    limit: Option<String>,
    cursor: Option<String>,
) -> Result<Page<WebhookEndpoint>, UiError> {
    use crate::domain::pagination::PageRequest;
    use crate::server::services::webhooks;
    let (state, actor) = super::ssr::actor().await?;
    let page = PageRequest::parse(limit.as_deref(), cursor.as_deref())?;
    Ok(webhooks::list(&state.ctx, &actor, &page).await?)
}

/// Adds an endpoint; the secret comes back once.
#[server(prefix = "/rpc", endpoint = "create_webhook")]
pub async fn create_webhook(
    url: String,
    events: Option<Vec<String>>,
    description: Option<String>,
) -> Result<CreatedEndpoint, UiError> {
    use crate::domain::webhook::EndpointInput;
    use crate::server::services::webhooks;
    let (state, actor) = super::ssr::actor().await?;
    let input = EndpointInput {
        url: Some(url),
        // In the form, no box ticked means no events (a 422), not "every event".
        events: Some(events.unwrap_or_default()),
        description,
        enabled: None,
        version: None,
    };
    let created = webhooks::create(&state.ctx, &actor, &input).await?;
    Ok(CreatedEndpoint {
        endpoint: created.endpoint,
        secret: created.secret,
    })
}

/// One endpoint and a page of its delivery log.
#[server(prefix = "/rpc", endpoint = "get_webhook")]
pub async fn get_webhook(
    id: WebhookEndpointId,
    cursor: Option<String>,
) -> Result<EndpointDetail, UiError> {
    use crate::domain::pagination::PageRequest;
    use crate::server::services::webhooks;
    let (state, actor) = super::ssr::actor().await?;
    let page = PageRequest::parse(Some("20"), cursor.as_deref())?;
    let endpoint = webhooks::get(&state.ctx, &actor, &id).await?;
    let deliveries = webhooks::deliveries(&state.ctx, &actor, &id, &page).await?;
    Ok(EndpointDetail {
        endpoint,
        deliveries,
    })
}

/// Switches an endpoint on or off at `version`.
#[server(prefix = "/rpc", endpoint = "switch_webhook")]
pub async fn switch_webhook(
    id: WebhookEndpointId,
    version: i64,
    enabled: bool,
) -> Result<WebhookEndpoint, UiError> {
    use crate::domain::webhook::EndpointInput;
    use crate::server::services::webhooks;
    let (state, actor) = super::ssr::actor().await?;
    let input = EndpointInput {
        enabled: Some(enabled),
        version: Some(version),
        ..EndpointInput::default()
    };
    Ok(webhooks::update(&state.ctx, &actor, &id, &input).await?)
}

/// Deletes an endpoint and its log.
#[server(prefix = "/rpc", endpoint = "delete_webhook")]
pub async fn delete_webhook(id: WebhookEndpointId) -> Result<(), UiError> {
    use crate::server::services::webhooks;
    let (state, actor) = super::ssr::actor().await?;
    webhooks::delete(&state.ctx, &actor, &id).await?;
    leptos_axum::redirect("/settings/webhooks");
    Ok(())
}

/// Queues a test event to the endpoint.
#[server(prefix = "/rpc", endpoint = "send_test_webhook")]
pub async fn send_test_webhook(id: WebhookEndpointId) -> Result<Delivery, UiError> {
    use crate::server::services::webhooks;
    let (state, actor) = super::ssr::actor().await?;
    Ok(webhooks::send_test(&state.ctx, &actor, &id).await?)
}

/// Sends an earlier delivery's event again.
#[server(prefix = "/rpc", endpoint = "redeliver_webhook")]
pub async fn redeliver_webhook(id: WebhookDeliveryId) -> Result<Delivery, UiError> {
    use crate::server::services::webhooks;
    let (state, actor) = super::ssr::actor().await?;
    Ok(webhooks::redeliver(&state.ctx, &actor, &id).await?)
}
