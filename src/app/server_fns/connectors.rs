//! Settings → Connectors.

use std::collections::BTreeMap;

use leptos::prelude::*;

use crate::app::error::UiError;
use crate::domain::connector::Connector;
use crate::domain::ids::ConnectorId;
use crate::domain::pagination::Page;
use crate::domain::secret::Redacted;

/// One page of the workspace's connectors.
#[server(prefix = "/rpc", endpoint = "list_connectors")]
pub async fn list_connectors(
    limit: Option<String>,
    cursor: Option<String>,
) -> Result<Page<Connector>, UiError> {
    use crate::domain::pagination::PageRequest;
    use crate::server::services::connectors;
    let (state, actor) = super::ssr::actor().await?;
    let page = PageRequest::parse(limit.as_deref(), cursor.as_deref())?;
    Ok(connectors::list(&state.ctx, &actor, &page).await?)
}

/// Adds a connector. Form fields `settings[<name>]` and `secrets[<name>]` carry the values.
#[server(prefix = "/rpc", endpoint = "create_connector")]
pub async fn create_connector(
    kind: String,
    name: String,
    #[server(default)] settings: BTreeMap<String, String>,
    #[server(default)] secrets: Redacted<BTreeMap<String, String>>,
) -> Result<Connector, UiError> {
    use crate::domain::connector::ConnectorInput;
    use crate::domain::form::{typed, typed_text};
    use crate::server::services::connectors;
    let (state, actor) = super::ssr::actor().await?;
    let input = ConnectorInput {
        kind,
        name,
        settings: typed_text(settings),
        secrets: typed(secrets.0),
    };
    Ok(connectors::create(&state.ctx, &actor, &input).await?)
}

/// Runs the connection test.
#[server(prefix = "/rpc", endpoint = "test_connector")]
pub async fn test_connector(id: ConnectorId) -> Result<Connector, UiError> {
    use crate::server::services::connectors;
    let (state, actor) = super::ssr::actor().await?;
    Ok(connectors::test(&state.ctx, &actor, &id).await?)
}

/// Deletes a connector.
#[server(prefix = "/rpc", endpoint = "delete_connector")]
pub async fn delete_connector(id: ConnectorId) -> Result<(), UiError> {
    use crate::server::services::connectors;
    let (state, actor) = super::ssr::actor().await?;
    Ok(connectors::delete(&state.ctx, &actor, &id).await?)
}

/// Edits a connector. Empty settings are left as they are; secrets are replaced only when a
/// new value is typed.
#[server(prefix = "/rpc", endpoint = "update_connector")]
pub async fn update_connector(
    id: ConnectorId,
    version: i64,
    name: String,
    #[server(default)] settings: BTreeMap<String, String>,
    #[server(default)] secrets: Redacted<BTreeMap<String, String>>,
) -> Result<Connector, UiError> {
    use crate::domain::connector::ConnectorEdit;
    use crate::domain::form::{typed, typed_text};
    use crate::server::services::connectors;
    let (state, actor) = super::ssr::actor().await?;
    let edit = ConnectorEdit {
        version: Some(version),
        name: Some(name),
        settings: typed_text(settings),
        secrets: typed(secrets.0),
    };
    Ok(connectors::update(&state.ctx, &actor, &id, version, &edit).await?)
}
