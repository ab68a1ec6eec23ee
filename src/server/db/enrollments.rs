//! Enrollments: who a sequence goes to, fixed at the moment it was approved.

use sqlx::Row;

use super::{Db, Tx};
use crate::domain::Error;
use crate::domain::contact::Contact;
use crate::domain::ids::{SequenceId, WorkspaceId};
use crate::domain::time::Timestamp;

/// Rows per insert statement: well under both databases' parameter limits.
const BATCH: usize = 500;

/// Enrolls `contacts` (already de-duplicated by address) in `sequence` as of `at`.
pub async fn insert_snapshot(
    tx: &mut Tx,
    workspace: &WorkspaceId,
    sequence: &SequenceId,
    contacts: &[Contact],
    at: Timestamp,
) -> Result<(), Error> {
    let at = at.to_string();
    for chunk in contacts.chunks(BATCH) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| format!("($1, $2, $3, ${}, ${}, 'active')", 4 + 2 * i, 5 + 2 * i))
            .collect();
        let sql = format!(
            "insert into enrollments (sequence_id, workspace_id, enrolled_at, contact_id, email, status) values {}",
            values.join(", ")
        );
        let mut query = sqlx::query(&sql)
            .bind(sequence.as_str())
            .bind(workspace.as_str())
            .bind(at.as_str());
        for c in chunk {
            query = query.bind(c.id.as_str()).bind(c.email.as_str());
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
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
