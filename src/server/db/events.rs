//! Events, each stored once per client id.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Tx, get_parsed, get_time};
use crate::domain::Error;
use crate::domain::event::Event;
use crate::domain::ids::WorkspaceId;

fn opt_parsed<T: std::str::FromStr>(row: &AnyRow, column: &str) -> Result<Option<T>, Error> {
    let text: Option<String> = row.try_get(column)?;
    text.map(|t| {
        t.parse()
            .map_err(|_| Error::internal(std::io::Error::other(format!("unreadable {column}"))))
    })
    .transpose()
}

fn event(row: &AnyRow) -> Result<Event, Error> {
    Ok(Event {
        id: get_parsed(row, "id")?,
        client_id: row.try_get("client_id")?,
        kind: get_parsed(row, "kind")?,
        contact_id: opt_parsed(row, "contact_id")?,
        campaign_id: opt_parsed(row, "campaign_id")?,
        sequence_id: opt_parsed(row, "sequence_id")?,
        source: get_parsed(row, "source")?,
        occurred_at: get_time(row, "occurred_at")?,
        value_cents: row.try_get("value_cents")?,
        message_sent_at: super::get_opt_time(row, "message_sent_at")?,
        created_at: get_time(row, "created_at")?,
    })
}

/// Stores `e` unless the workspace already has an event with its client id; true when stored.
pub async fn insert(tx: &mut Tx, workspace: &WorkspaceId, e: &Event) -> Result<bool, Error> {
    let done = sqlx::query(
        "insert into events (id, workspace_id, client_id, kind, contact_id, campaign_id, sequence_id, source, \
         occurred_at, value_cents, message_sent_at, created_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
         on conflict (workspace_id, client_id) do nothing",
    )
    .bind(e.id.as_str())
    .bind(workspace.as_str())
    .bind(&e.client_id)
    .bind(e.kind.as_str())
    .bind(e.contact_id.as_ref().map(|c| c.as_str().to_owned()))
    .bind(e.campaign_id.as_ref().map(|c| c.as_str().to_owned()))
    .bind(e.sequence_id.as_ref().map(|c| c.as_str().to_owned()))
    .bind(e.source.as_str())
    .bind(e.occurred_at.to_string())
    .bind(e.value_cents)
    .bind(e.message_sent_at.map(|t| t.to_string()))
    .bind(e.created_at.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The event a workspace recorded under a client id.
pub async fn by_client_id(
    tx: &mut Tx,
    workspace: &WorkspaceId,
    client_id: &str,
) -> Result<Option<Event>, Error> {
    let row = sqlx::query(
        "select id, client_id, kind, contact_id, campaign_id, sequence_id, source, occurred_at, value_cents, \
         message_sent_at, created_at from events where workspace_id = $1 and client_id = $2",
    )
    .bind(workspace.as_str())
    .bind(client_id)
    .fetch_optional(&mut **tx)
    .await?;
    row.as_ref().map(event).transpose()
}
