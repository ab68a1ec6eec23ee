//! `GET/PATCH /api/v1/admin/settings`: the workspace's settings.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiJson, IfMatch};
use crate::domain::workspace::{SettingsEdit, WorkspaceSettings};
use crate::server::auth::api_key::ApiActor;
use crate::server::errors::{ApiError, Problem};
use crate::server::services::{Context, settings};
use crate::server::state::AppState;

/// What an admin decides for the whole workspace.
#[derive(Debug, Serialize, ToSchema)]
pub struct SettingsJson {
    /// No ad campaign may be launched with a daily budget above this, in dollars.
    pub daily_budget_cap_usd: f64,
    /// Where a day starts for rollups and the dashboard (IANA name).
    pub time_zone: String,
    /// How many days back a conversion that names no campaign looks for the contact's
    /// most recent campaign touch.
    pub attribution_window_days: i64,
    /// Whether outgoing webhooks may go to private addresses (and plain `http` there).
    pub private_webhook_targets: bool,
    /// Send it back with `PATCH` (0 until the first change).
    pub version: i64,
    /// When an admin last changed them; `null` while they are the defaults.
    pub updated_at: Option<String>,
}

impl From<WorkspaceSettings> for SettingsJson {
    fn from(s: WorkspaceSettings) -> Self {
        Self {
            daily_budget_cap_usd: s.daily_budget_cap_cents as f64 / 100.0,
            time_zone: s.time_zone,
            attribution_window_days: s.attribution_window_days,
            private_webhook_targets: s.private_webhook_targets,
            version: s.version,
            updated_at: s.updated_at.map(|t| t.to_string()),
        }
    }
}

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_settings, edit_settings))
}

/// The workspace's settings (any member may read them).
#[utoipa::path(get, path = "/admin/settings", tag = "admin",
    responses((status = 200, body = SettingsJson), (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn get_settings(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
) -> Result<Json<SettingsJson>, ApiError> {
    Ok(Json(settings::get(&ctx, &actor).await?.into()))
}

/// Changes the settings (needs `admin`); needs `version`, a stale one is 409.
#[utoipa::path(patch, path = "/admin/settings", tag = "admin", request_body = SettingsEdit,
    responses((status = 200, body = SettingsJson), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn edit_settings(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    if_match: IfMatch,
    ApiJson(edit): ApiJson<SettingsEdit>,
) -> Result<Json<SettingsJson>, ApiError> {
    let edit = SettingsEdit {
        version: Some(if_match.version_or(edit.version)?),
        ..edit
    };
    Ok(Json(settings::update(&ctx, &actor, &edit).await?.into()))
}
