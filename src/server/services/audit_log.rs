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

/// Every change recorded for one subject, newest first (at most 200). Readable by anyone
/// who may read marketing data: it is the history of something they can see.
pub async fn for_subject(
    ctx: &Context,
    actor: &Actor,
    subject_type: &str,
    subject_id: &str,
) -> Result<Vec<AuditEntry>, Error> {
    actor.require(Scope::MarketingRead)?;
    audit_log::for_subject(&ctx.db, actor.workspace_id(), subject_type, subject_id).await
}
