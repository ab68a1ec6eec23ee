//! The sandbox outbox: every message a `sandbox` sender "sent", whole, for the console.

use sqlx::Row;

use super::{Db, Tx, bind_page, get_parsed, get_time, page_clause};
use crate::domain::Error;
use crate::domain::ids::{ConnectorId, ContactId, SequenceId, WorkspaceId};
use crate::domain::outbox::OutboxMessage;
use crate::domain::pagination::PageRequest;
use crate::domain::time::Timestamp;

/// One message to store.
#[derive(Debug, Clone)]
pub struct NewOutboxMessage<'a> {
    /// Its Message-ID.
    pub message_id: &'a str,
    /// The sandbox connector.
    pub connector_id: &'a ConnectorId,
    /// The sequence.
    pub sequence_id: &'a SequenceId,
    /// The recipient.
    pub contact_id: &'a ContactId,
    /// The step.
    pub step_index: u32,
    /// The recipient's address.
    pub to_address: &'a str,
    /// The subject as sent.
    pub subject: &'a str,
    /// The whole RFC 5322 message.
    pub raw: &'a str,
}

/// Stores a message; storing the same Message-ID again changes nothing (a message settled
/// "send again" after a crash may already be here).
pub async fn insert(
    tx: &mut Tx,
    workspace: &WorkspaceId,
    m: &NewOutboxMessage<'_>,
    at: Timestamp,
) -> Result<(), Error> {
    sqlx::query(
        "insert into sandbox_outbox (message_id, workspace_id, connector_id, sequence_id, contact_id, step_index, \
         to_address, subject, raw, created_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         on conflict (message_id) do nothing",
    )
    .bind(m.message_id)
    .bind(workspace.as_str())
    .bind(m.connector_id.as_str())
    .bind(m.sequence_id.as_str())
    .bind(m.contact_id.as_str())
    .bind(i64::from(m.step_index))
    .bind(m.to_address)
    .bind(m.subject)
    .bind(m.raw)
    .bind(at.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// One page of the workspace's outbox (optionally one sequence's), newest first.
pub async fn list(
    db: &Db,
    workspace: &WorkspaceId,
    sequence: Option<&SequenceId>,
    page: &PageRequest,
) -> Result<Vec<OutboxMessage>, Error> {
    let clause = page_clause("o", 3, page).replace("o.id", "o.message_id");
    let sql = format!(
        "select o.message_id, o.connector_id, o.sequence_id, o.contact_id, o.step_index, o.to_address, o.subject, \
         o.raw, o.created_at from sandbox_outbox o where o.workspace_id = $1 and ($2 is null or o.sequence_id = $2) {clause}"
    );
    let query = sqlx::query(&sql)
        .bind(workspace.as_str())
        .bind(sequence.map(SequenceId::as_str));
    let rows = bind_page(query, page).fetch_all(db.pool()).await?;
    rows.iter()
        .map(|r| {
            Ok(OutboxMessage {
                message_id: r.try_get("message_id")?,
                connector_id: get_parsed(r, "connector_id")?,
                sequence_id: get_parsed(r, "sequence_id")?,
                contact_id: get_parsed(r, "contact_id")?,
                step_index: u32::try_from(r.try_get::<i64, _>("step_index")?)
                    .map_err(Error::internal)?,
                to_address: r.try_get("to_address")?,
                subject: r.try_get("subject")?,
                raw: r.try_get("raw")?,
                created_at: get_time(r, "created_at")?,
            })
        })
        .collect()
}
