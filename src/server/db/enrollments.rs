//! Enrollments: who a sequence goes to, fixed at the moment it was approved, with the data
//! their messages are written from.

use sqlx::Row;

use super::Db;
use crate::domain::Error;
use crate::domain::enrollment::Recipient;
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
        super::placeholders(2, sequences.len())
    );
    let query = sqlx::query(&sql).bind(workspace.as_str());
    super::bind_all(query, sequences.iter().map(|s| s.as_str()))
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
        super::placeholders(1, sequences.len())
    );
    super::bind_all(sqlx::query(&sql), sequences.iter().map(|s| s.as_str()))
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

/// Copies the custom fields `names` of every enrolled contact into the sequence's pinned
/// fields, in one statement (inside the approval's transaction).
pub async fn pin_fields(
    tx: &mut super::Tx,
    sequence: &SequenceId,
    names: &[String],
) -> Result<u64, Error> {
    if names.is_empty() {
        return Ok(0);
    }
    let sql = format!(
        "insert into enrollment_fields (sequence_id, contact_id, name, value) \
         select e.sequence_id, e.contact_id, f.name, f.value from enrollments e \
         join contact_fields f on f.contact_id = e.contact_id \
         where e.sequence_id = $1 and f.name in ({})",
        super::placeholders(2, names.len())
    );
    let query = super::bind_all(
        sqlx::query(&sql).bind(sequence.as_str()),
        names.iter().map(|n| n.as_str()),
    );
    Ok(query.execute(&mut **tx).await?.rows_affected())
}

const RECIPIENT_COLUMNS: &str =
    "e.contact_id, e.email, e.first_name, e.last_name, e.company, e.domain, e.title";

fn recipient(row: &sqlx::any::AnyRow) -> Result<Recipient, Error> {
    Ok(Recipient {
        contact_id: super::get_parsed(row, "contact_id")?,
        email: row.try_get("email")?,
        first_name: row.try_get("first_name")?,
        last_name: row.try_get("last_name")?,
        company: row.try_get("company")?,
        domain: row.try_get("domain")?,
        title: row.try_get("title")?,
        fields: Default::default(),
    })
}

/// Hands every enrollment of a sequence with its pinned data to `each`, streamed in one
/// query (inside the caller's transaction), so memory stays flat whatever the size.
pub async fn for_each_recipient(
    tx: &mut super::Tx,
    sequence: &SequenceId,
    mut each: impl FnMut(Recipient),
) -> Result<(), Error> {
    use futures::TryStreamExt;

    let fields = super::fields_as_json(super::backend_in(tx));
    let sql = format!(
        "select {RECIPIENT_COLUMNS}, (select {fields} from enrollment_fields f \
         where f.sequence_id = e.sequence_id and f.contact_id = e.contact_id) as fields \
         from enrollments e where e.sequence_id = $1"
    );
    let mut rows = sqlx::query(&sql).bind(sequence.as_str()).fetch(&mut **tx);
    while let Some(row) = rows.try_next().await? {
        let mut r = recipient(&row)?;
        r.fields = super::fields_of(&row)?;
        each(r);
    }
    Ok(())
}

/// Some enrollments' pinned data (where their messages go and what fills them), in one
/// query; an enrollment that no longer exists is simply absent.
pub async fn pinned(
    db: &Db,
    sequence: &SequenceId,
    contacts: &[&crate::domain::ids::ContactId],
) -> Result<Vec<Recipient>, Error> {
    if contacts.is_empty() {
        return Ok(Vec::new());
    }
    let fields = super::fields_as_json(db.backend());
    let marks: Vec<String> = (2..contacts.len() + 2).map(|i| format!("${i}")).collect();
    let sql = format!(
        "select {RECIPIENT_COLUMNS}, (select {fields} from enrollment_fields f \
         where f.sequence_id = e.sequence_id and f.contact_id = e.contact_id) as fields \
         from enrollments e where e.sequence_id = $1 and e.contact_id in ({})",
        marks.join(", ")
    );
    let query = super::bind_all(
        sqlx::query(&sql).bind(sequence.as_str()),
        contacts.iter().map(|contact| contact.as_str()),
    );
    let rows = query.fetch_all(db.pool()).await?;
    rows.iter()
        .map(|row| {
            let mut r = recipient(row)?;
            r.fields = super::fields_of(row)?;
            Ok(r)
        })
        .collect()
}
