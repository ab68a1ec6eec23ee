//! Logging in and out, and who is logged in.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::app::error::UiError;
use crate::domain::ids::WorkspaceId;
use crate::domain::secret::Redacted;

/// The logged-in member, as the console header shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberView {
    /// Display name.
    pub display_name: String,
    /// Email.
    pub email: String,
    /// Current workspace id.
    pub workspace_id: String,
    /// Current workspace name.
    pub workspace_name: String,
    /// Role there.
    pub role: String,
    /// Scopes the role holds (for forms that offer only what may be granted).
    pub scopes: Vec<String>,
    /// Every workspace they belong to: (id, name).
    pub workspaces: Vec<(String, String)>,
}

/// Checks the email and password, starts a session under a new id and goes to `next`.
#[server(prefix = "/rpc", endpoint = "login")]
pub async fn login(
    email: String,
    password: Redacted<String>,
    next: Option<String>,
) -> Result<(), UiError> {
    use crate::server::auth::session;
    use crate::server::services::accounts;

    let state = super::ssr::state()?;
    let client = super::ssr::client_address(&state);
    let logged_in = accounts::log_in(&state.ctx, &state.logins, &email, &password, client).await?;
    let session_handle = super::ssr::session().await?;
    session::start(
        &state.ctx,
        &session_handle,
        &logged_in.user.id,
        &logged_in.workspace.id,
    )
    .await?;
    leptos_axum::redirect(&session::safe_next(next.as_deref()));
    Ok(())
}

/// Ends the session and goes to the login page.
#[server(prefix = "/rpc", endpoint = "logout")]
pub async fn logout() -> Result<(), UiError> {
    let session_handle = super::ssr::session().await?;
    crate::server::auth::session::end(&session_handle).await?;
    leptos_axum::redirect("/login");
    Ok(())
}

/// Who is logged in, or `unauthorized`.
#[server(prefix = "/rpc", endpoint = "current_member")]
pub async fn current_member() -> Result<MemberView, UiError> {
    let (_, actor, me) = super::ssr::member().await?;
    Ok(MemberView {
        display_name: me.user.display_name,
        email: me.user.email.to_string(),
        workspace_id: me.workspace.id.to_string(),
        workspace_name: me.workspace.name,
        role: me.role.to_string(),
        scopes: actor
            .scopes()
            .iter()
            .map(|s| s.as_str().to_owned())
            .collect(),
        workspaces: me
            .memberships
            .into_iter()
            .map(|m| (m.workspace.id.to_string(), m.workspace.name))
            .collect(),
    })
}

/// Moves the session to another of the member's workspaces and reloads the console.
#[server(prefix = "/rpc", endpoint = "switch_workspace")]
pub async fn switch_workspace(workspace_id: WorkspaceId) -> Result<(), UiError> {
    let state = super::ssr::state()?;
    let session_handle = super::ssr::session().await?;
    crate::server::auth::session::switch_workspace(&state.ctx, &session_handle, &workspace_id)
        .await?;
    leptos_axum::redirect("/");
    Ok(())
}
