//! Reading the audit log.

use super::Context;
use crate::domain::Error;
use crate::domain::actor::{Actor, Scope};
use crate::domain::audit::AuditEntry;
use crate::domain::pagination::{Page, PageRequest};
use crate::server::db::audit_log;

/// One page of the workspace's audit log, newest first. Admins only.
pub async fn list(
    ctx: &Context,
    actor: &Actor,
    page: &PageRequest,
) -> Result<Page<AuditEntry>, Error> {
    actor.require(Scope::Admin)?;
    let rows = audit_log::list(&ctx.db, actor.workspace_id(), page).await?;
    Ok(Page::from_rows(rows, page))
}
