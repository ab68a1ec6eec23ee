//! Settings → Audit log.

use leptos::prelude::*;

use crate::app::error::UiError;
use crate::domain::audit::AuditEntry;
use crate::domain::pagination::Page;

/// One page of the workspace's audit log (admins only).
#[server(prefix = "/rpc", endpoint = "list_audit_log")]
pub async fn list_audit_log(
    limit: Option<String>,
    cursor: Option<String>,
) -> Result<Page<AuditEntry>, UiError> {
    use crate::domain::pagination::PageRequest;
    use crate::server::services::audit_log;

    let (state, actor) = super::ssr::actor().await?;
    let page = PageRequest::parse(limit.as_deref(), cursor.as_deref())?;
    Ok(audit_log::list(&state.ctx, &actor, &page).await?)
}
