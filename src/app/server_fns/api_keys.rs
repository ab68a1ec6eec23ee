//! Settings → API keys.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::app::error::UiError;
use crate::domain::api_key::{ApiKey, KeyState};
use crate::domain::ids::ApiKeyId;
use crate::domain::pagination::Page;

/// A key just minted: the token is in this answer only.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedKey {
    /// The stored key.
    pub key: ApiKey,
    /// `tnx_<prefix>_<secret>`.
    pub token: String,
}

impl std::fmt::Debug for CreatedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedKey")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

/// A key as the list shows it, with its state worked out on the server's clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRow {
    /// The key.
    pub key: ApiKey,
    /// Active, expired or revoked, now.
    pub state: KeyState,
}

/// One page of the keys the member may see.
#[server(prefix = "/rpc", endpoint = "list_api_keys")]
pub async fn list_api_keys(
    limit: Option<String>,
    cursor: Option<String>,
) -> Result<Page<KeyRow>, UiError> {
    use crate::domain::pagination::PageRequest;
    use crate::server::services::api_keys;

    let (state, actor) = super::ssr::actor().await?;
    let page = PageRequest::parse(limit.as_deref(), cursor.as_deref())?;
    let now = state.ctx.now();
    let keys = api_keys::list(&state.ctx, &actor, &page).await?;
    Ok(keys.map(|key| KeyRow {
        state: key.state(now),
        key,
    }))
}

/// Mints a key. `expires_on` is a date (`YYYY-MM-DD`); the key works until the end of
/// that day, UTC.
#[server(prefix = "/rpc", endpoint = "create_api_key")]
pub async fn create_api_key(
    name: String,
    scopes: Option<Vec<String>>,
    expires_on: Option<String>,
) -> Result<CreatedKey, UiError> {
    use crate::domain::api_key::ApiKeyInput;
    use crate::domain::form::end_of_day;
    use crate::server::services::api_keys;

    let (state, actor) = super::ssr::actor().await?;
    // In the form, no box ticked means no scopes, not the API's default set.
    let request = ApiKeyInput {
        name,
        scopes: Some(scopes.unwrap_or_default()),
        expires_at: end_of_day(&expires_on),
    }
    .parse(state.ctx.now())?;
    let minted = api_keys::mint(&state.ctx, &actor, request).await?;
    Ok(CreatedKey {
        key: minted.key,
        token: minted.token,
    })
}

/// Revokes a key.
#[server(prefix = "/rpc", endpoint = "revoke_api_key")]
pub async fn revoke_api_key(id: ApiKeyId) -> Result<ApiKey, UiError> {
    use crate::server::services::api_keys;

    let (state, actor) = super::ssr::actor().await?;
    Ok(api_keys::revoke(&state.ctx, &actor, &id).await?)
}
