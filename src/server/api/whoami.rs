//! `GET /api/v1/whoami`: the workspace, the key or user, and the scopes in force.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::domain::actor::Principal;
use crate::server::auth::api_key::ApiActor;
use crate::server::errors::{ApiError, Problem};
use crate::server::services::{Context, accounts};
use crate::server::state::AppState;

/// The caller as the server sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct WhoamiJson {
    /// The workspace every request of this key is confined to.
    pub workspace: WorkspaceJson,
    /// `key` for API keys.
    pub principal_type: String,
    /// The key id (`key_…`) or user id.
    pub principal_id: String,
    /// The member the key acts for.
    pub user: UserJson,
    /// Their role in the workspace.
    pub role: String,
    /// What this caller may do now (key scopes narrowed by the owner's role).
    pub scopes: Vec<String>,
}

/// A workspace reference.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkspaceJson {
    /// `wsp_…`.
    pub id: String,
    /// Display name.
    pub name: String,
}

/// A person reference.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserJson {
    /// `usr_…`.
    pub id: String,
    /// Email.
    pub email: String,
    /// Display name.
    pub display_name: String,
}

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(whoami))
}

/// Who is calling.
#[utoipa::path(get, path = "/whoami", tag = "identity",
    responses(
        (status = 200, body = WhoamiJson),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    ))]
async fn whoami(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
) -> Result<Json<WhoamiJson>, ApiError> {
    let me = accounts::me(&ctx, &actor).await?;
    let (principal_type, principal_id) = match actor.principal() {
        Principal::Key { key_id, .. } => ("key", key_id.to_string()),
        Principal::User { user_id } => ("user", user_id.to_string()),
    };
    Ok(Json(WhoamiJson {
        workspace: WorkspaceJson {
            id: me.workspace.id.to_string(),
            name: me.workspace.name,
        },
        principal_type: principal_type.into(),
        principal_id,
        user: UserJson {
            id: me.user.id.to_string(),
            email: me.user.email.to_string(),
            display_name: me.user.display_name,
        },
        role: actor.role().to_string(),
        scopes: actor
            .scopes()
            .iter()
            .map(|s| s.as_str().to_owned())
            .collect(),
    }))
}
