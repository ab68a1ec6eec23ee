//! Enrollments: who a sequence goes to, fixed at the moment it was approved.

use sqlx::Row;

use super::Db;
use crate::domain::Error;
use crate::domain::ids::{SequenceId, WorkspaceId};

/// How many contacts each of `sequences` enrolled, in one query (absent ones enrolled none).
pub async fn counts(
    db: &Db,
    workspace: &WorkspaceId,
    sequences: &[&SequenceId],
) -> Result<std::collections::HashMap<String, i64>, Error> {
    if sequences.is_empty() {
        return Ok(Default::default());
    }
    let sql = format!(
        "select sequence_id, count(*) as n from enrollments where workspace_id = $1 and sequence_id in ({}) \
         group by sequence_id",
        super::contacts::placeholders(2, sequences.len())
    );
    let mut query = sqlx::query(&sql).bind(workspace.as_str());
    for s in sequences {
        query = query.bind(s.as_str());
    }
    query
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(|r| Ok((r.try_get("sequence_id")?, r.try_get("n")?)))
        .collect()
}

/// How many contacts a sequence enrolled.
pub async fn count(db: &Db, workspace: &WorkspaceId, sequence: &SequenceId) -> Result<i64, Error> {
    Ok(sqlx::query(
        "select count(*) as n from enrollments where workspace_id = $1 and sequence_id = $2",
    )
    .bind(workspace.as_str())
    .bind(sequence.as_str())
    .fetch_one(db.pool())
    .await?
    .try_get("n")?)
}

/// Ends every running enrollment of a contact as `status` (`unsubscribed`, `bounced`,
/// `replied`); returns how many ended.
pub async fn end_for_contact(
    tx: &mut super::Tx,
    workspace: &WorkspaceId,
    contact: &crate::domain::ids::ContactId,
    status: &str,
    at: crate::domain::time::Timestamp,
) -> Result<u64, Error> {
    let done = sqlx::query(
        "update enrollments set status = $1, ended_at = $2 \
         where workspace_id = $3 and contact_id = $4 and status = 'active'",
    )
    .bind(status)
    .bind(at.to_string())
    .bind(workspace.as_str())
    .bind(contact.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected())
}

/// Enrollment counts by `(sequence, status)` for several sequences at once.
pub async fn status_counts(
    db: &Db,
    sequences: &[&SequenceId],
) -> Result<Vec<(String, String, i64)>, Error> {
    if sequences.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "select sequence_id, status, count(*) as n from enrollments where sequence_id in ({}) \
         group by sequence_id, status",
        super::contacts::placeholders(1, sequences.len())
    );
    let mut query = sqlx::query(&sql);
    for s in sequences {
        query = query.bind(s.as_str());
    }
    query
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(|r| {
            Ok((
                r.try_get("sequence_id")?,
                r.try_get("status")?,
                r.try_get("n")?,
            ))
        })
        .collect()
}

/// Ends every active enrollment of a sequence as `status` (`completed`, `cancelled`).
pub async fn end_all(
    tx: &mut super::Tx,
    sequence: &SequenceId,
    status: &str,
    at: crate::domain::time::Timestamp,
) -> Result<u64, Error> {
    let done = sqlx::query(
        "update enrollments set status = $1, ended_at = $2 where sequence_id = $3 and status = 'active'",
    )
    .bind(status)
    .bind(at.to_string())
    .bind(sequence.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected())
}

/// Ends one contact's active enrollment in one sequence as `status`; true when it was active.
pub async fn end_one(
    tx: &mut super::Tx,
    sequence: &SequenceId,
    contact: &crate::domain::ids::ContactId,
    status: &str,
    at: crate::domain::time::Timestamp,
) -> Result<bool, Error> {
    let done = sqlx::query(
        "update enrollments set status = $1, ended_at = $2 \
         where sequence_id = $3 and contact_id = $4 and status = 'active'",
    )
    .bind(status)
    .bind(at.to_string())
    .bind(sequence.as_str())
    .bind(contact.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}
