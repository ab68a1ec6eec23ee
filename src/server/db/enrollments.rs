//! Enrollments: who a sequence goes to, fixed at the moment it was approved.

use sqlx::Row;

use super::Db;
use crate::domain::Error;
use crate::domain::ids::{SequenceId, WorkspaceId};

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
