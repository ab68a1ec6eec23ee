//! The audit log, written in the same transaction as the change it records.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Db, Tx, bind_page, get_parsed, get_time, page_clause};
use crate::domain::Error;
use crate::domain::actor::{Actor, Principal};
use crate::domain::audit::{AuditEntry, AuditRecord};
use crate::domain::ids::{AuditEntryId, WorkspaceId};
use crate::domain::pagination::PageRequest;
use crate::domain::time::Timestamp;

fn entry(row: &AnyRow) -> Result<AuditEntry, Error> {
    let actor_type: String = row.try_get("actor_type")?;
    let key_id: Option<String> = row.try_get("actor_key_id")?;
    let user_id = get_parsed(row, "actor_user_id")?;
    let actor = match (actor_type.as_str(), key_id) {
        ("key", Some(key)) => Principal::Key {
            key_id: key
                .parse()
                .map_err(|_| Error::internal(std::io::Error::other("stored key id unreadable")))?,
            user_id,
        },
        _ => Principal::User { user_id },
    };
    Ok(AuditEntry {
        id: get_parsed(row, "id")?,
        actor,
        actor_email: row.try_get("actor_email")?,
        action: row.try_get("action")?,
        subject_type: row.try_get("subject_type")?,
        subject_id: row.try_get("subject_id")?,
        summary: row.try_get("summary")?,
        created_at: get_time(row, "created_at")?,
    })
}

/// Records one change by `actor`.
pub async fn insert(
    tx: &mut Tx,
    actor: &Actor,
    record: &AuditRecord,
    at: Timestamp,
) -> Result<(), Error> {
    let (actor_type, key_id) = match actor.key_id() {
        Some(key) => ("key", Some(key.as_str())),
        None => ("user", None),
    };
    sqlx::query(
        "insert into audit_log (id, workspace_id, actor_type, actor_user_id, actor_key_id, action, subject_type, subject_id, summary, created_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(AuditEntryId::generate().as_str())
    .bind(actor.workspace_id().as_str())
    .bind(actor_type)
    .bind(actor.user_id().as_str())
    .bind(key_id)
    .bind(record.action)
    .bind(record.subject_type)
    .bind(&record.subject_id)
    .bind(&record.summary)
    .bind(at.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// One page of the workspace's log, newest first.
pub async fn list(
    db: &Db,
    workspace: &WorkspaceId,
    page: &PageRequest,
) -> Result<Vec<AuditEntry>, Error> {
    let sql = format!(
        "select a.id, a.actor_type, a.actor_user_id, a.actor_key_id, u.email as actor_email, a.action, \
         a.subject_type, a.subject_id, a.summary, a.created_at \
         from audit_log a join users u on u.id = a.actor_user_id where a.workspace_id = $1 {}",
        page_clause("a", 2, page)
    );
    let rows = bind_page(sqlx::query(&sql).bind(workspace.as_str()), page)
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(entry).collect()
}

/// The changes recorded for one subject, newest first (at most 200).
pub async fn for_subject(
    db: &Db,
    workspace: &WorkspaceId,
    subject_type: &str,
    subject_id: &str,
) -> Result<Vec<AuditEntry>, Error> {
    let rows = sqlx::query(
        "select a.id, a.actor_type, a.actor_user_id, a.actor_key_id, u.email as actor_email, a.action, \
         a.subject_type, a.subject_id, a.summary, a.created_at \
         from audit_log a join users u on u.id = a.actor_user_id \
         where a.workspace_id = $1 and a.subject_type = $2 and a.subject_id = $3 \
         order by a.created_at desc, a.id desc limit 200",
    )
    .bind(workspace.as_str())
    .bind(subject_type)
    .bind(subject_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(entry).collect()
}
