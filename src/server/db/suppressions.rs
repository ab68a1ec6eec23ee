//! The workspace suppression list, keyed by normalised address.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Db, Tx, get_parsed, get_time};
use crate::domain::Error;
use crate::domain::actor::Actor;
use crate::domain::ids::{ContactId, WorkspaceId};
use crate::domain::pagination::PageRequest;
use crate::domain::suppression::{Suppression, SuppressionFilter, SuppressionReason};
use crate::domain::time::Timestamp;

fn suppression(row: &AnyRow) -> Result<Suppression, Error> {
    Ok(Suppression {
        email: row.try_get("email")?,
        reason: get_parsed(row, "reason")?,
        note: row.try_get("note")?,
        created_by_email: row.try_get("created_by_email")?,
        created_at: get_time(row, "created_at")?,
    })
}

/// Adds `email` by `actor` (a person or key adding it by hand); false when it was already
/// there (the first reason stays).
pub async fn add(
    tx: &mut Tx,
    actor: &Actor,
    email: &str,
    reason: SuppressionReason,
    note: &str,
    at: Timestamp,
) -> Result<bool, Error> {
    let done = sqlx::query(
        "insert into suppressions (workspace_id, email, reason, note, created_by_user_id, created_by_key_id, created_at) \
         values ($1, $2, $3, $4, $5, $6, $7) on conflict do nothing",
    )
    .bind(actor.workspace_id().as_str())
    .bind(email)
    .bind(reason.as_str())
    .bind(note)
    .bind(actor.user_id().as_str())
    .bind(actor.key_id().map(|k| k.to_string()))
    .bind(at.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Adds the current address of `contact` for `reason` (an unsubscribe or a bounce the
/// recipient's side caused); nothing when it is already there.
pub async fn add_contact(
    tx: &mut Tx,
    workspace: &WorkspaceId,
    contact: &ContactId,
    reason: SuppressionReason,
    at: Timestamp,
) -> Result<(), Error> {
    sqlx::query(
        "insert into suppressions (workspace_id, email, reason, created_at) \
         select workspace_id, email, $1, $2 from contacts where workspace_id = $3 and id = $4 \
         on conflict do nothing",
    )
    .bind(reason.as_str())
    .bind(at.to_string())
    .bind(workspace.as_str())
    .bind(contact.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

const SELECT: &str = "select s.email, s.reason, s.note, u.email as created_by_email, s.created_at \
                      from suppressions s left join users u on u.id = s.created_by_user_id";

/// One suppressed address.
pub async fn get(
    db: &Db,
    workspace: &WorkspaceId,
    email: &str,
) -> Result<Option<Suppression>, Error> {
    sqlx::query(&format!(
        "{SELECT} where s.workspace_id = $1 and s.email = $2"
    ))
    .bind(workspace.as_str())
    .bind(email)
    .fetch_optional(db.pool())
    .await?
    .as_ref()
    .map(suppression)
    .transpose()
}

/// Suppressed addresses matching `filter`, newest first, one page.
pub async fn list(
    db: &Db,
    workspace: &WorkspaceId,
    filter: &SuppressionFilter,
    page: &PageRequest,
) -> Result<Vec<Suppression>, Error> {
    let mut sql = format!("{SELECT} where s.workspace_id = $1");
    let mut params: Vec<String> = Vec::new();
    if let Some(q) = &filter.q {
        params.push(format!("%{}%", super::contacts::like_escape(q)));
        sql.push_str(&format!(
            " and s.email like ${} escape '\\'",
            params.len() + 1
        ));
    }
    let next = params.len() + 2;
    if let Some(after) = &page.after {
        params.push(after.created_at.to_string());
        params.push(after.id.clone());
        sql.push_str(&format!(
            " and (s.created_at, s.email) < (${next}, ${})",
            next + 1
        ));
    }
    sql.push_str(&format!(
        " order by s.created_at desc, s.email desc limit ${}",
        params.len() + 2
    ));
    let query = super::bind_all(
        sqlx::query(&sql).bind(workspace.as_str()),
        params.iter().map(|p| p.as_str()),
    );
    query
        .bind(page.fetch_limit())
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(suppression)
        .collect()
}

/// Takes `email` off the list; false when it was not on it.
pub async fn remove(tx: &mut Tx, workspace: &WorkspaceId, email: &str) -> Result<bool, Error> {
    let done = sqlx::query("delete from suppressions where workspace_id = $1 and email = $2")
        .bind(workspace.as_str())
        .bind(email)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}
