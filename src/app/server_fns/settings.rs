//! Settings → Workspace.

use leptos::prelude::*;

use crate::app::error::UiError;
use crate::domain::workspace::WorkspaceSettings;

/// The workspace's settings.
#[server(prefix = "/rpc", endpoint = "workspace_settings")]
pub async fn load_workspace_settings() -> Result<WorkspaceSettings, UiError> {
    use crate::server::services::settings;
    let (state, actor) = super::ssr::actor().await?;
    Ok(settings::get(&state.ctx, &actor).await?)
}

/// Saves the settings form at `version` (admins only; the service checks).
#[server(prefix = "/rpc", endpoint = "save_workspace_settings")]
pub async fn save_workspace_settings(
    version: i64,
    daily_budget_cap_usd: String,
    time_zone: String,
    attribution_window_days: String,
    private_webhook_targets: Option<String>,
) -> Result<WorkspaceSettings, UiError> {
    use crate::domain::workspace::SettingsEdit;
    use crate::server::services::settings;
    let (state, actor) = super::ssr::actor().await?;
    let edit = SettingsEdit {
        daily_budget_cap_usd: Some(crate::domain::form::dollars(
            &daily_budget_cap_usd,
            "daily_budget_cap_usd",
        )?),
        time_zone: Some(time_zone),
        attribution_window_days: crate::domain::form::count(
            &Some(attribution_window_days),
            "attribution_window_days",
        )?,
        // An unticked box sends nothing.
        private_webhook_targets: Some(private_webhook_targets.is_some()),
        version: Some(version),
    };
    Ok(settings::update(&state.ctx, &actor, &edit).await?)
}
