//! `GET /api/v1/admin/audit-log`.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::ApiQuery;
use super::list::{ListJson, PageQuery};
use crate::domain::actor::Principal;
use crate::domain::audit::AuditEntry;
use crate::server::auth::api_key::ApiActor;
use crate::server::errors::{ApiError, Problem};
use crate::server::services::{Context, audit_log};
use crate::server::state::AppState;

/// One recorded change.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryJson {
    /// `aud_…`.
    pub id: String,
    /// `user` or `key`.
    pub actor_type: String,
    /// The person (for keys: the key's owner).
    pub actor_user_id: String,
    /// The key, when a key did it.
    pub actor_key_id: Option<String>,
    /// The person's email.
    pub actor_email: String,
    /// `noun.verb`, e.g. `api_key.minted`.
    pub action: String,
    /// The kind of thing changed.
    pub subject_type: String,
    /// Its id.
    pub subject_id: String,
    /// A short human summary.
    pub summary: String,
    /// RFC 3339.
    pub created_at: String,
}

impl From<AuditEntry> for AuditEntryJson {
    fn from(e: AuditEntry) -> Self {
        let (actor_type, user, key) = match e.actor {
            Principal::User { user_id } => ("user", user_id, None),
            Principal::Key { key_id, user_id } => ("key", user_id, Some(key_id.to_string())),
        };
        Self {
            id: e.id.to_string(),
            actor_type: actor_type.into(),
            actor_user_id: user.to_string(),
            actor_key_id: key,
            actor_email: e.actor_email,
            action: e.action,
            subject_type: e.subject_type,
            subject_id: e.subject_id,
            summary: e.summary,
            created_at: e.created_at.to_string(),
        }
    }
}

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_audit_log))
}

/// The workspace's audit log, newest first. Needs the `admin` scope.
#[utoipa::path(get, path = "/admin/audit-log", tag = "admin", params(PageQuery),
    responses(
        (status = 200, body = ListJson<AuditEntryJson>),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    ))]
async fn list_audit_log(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<ListJson<AuditEntryJson>>, ApiError> {
    let page = audit_log::list(&ctx, &actor, &query.parse()?).await?;
    Ok(Json(ListJson::from_page(page, AuditEntryJson::from)))
}
