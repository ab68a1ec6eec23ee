//! Email sequences.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{
    Conditions, Db, Tx, bind_page, get_opt_parsed, get_opt_time, get_parsed, get_time, page_clause,
};
use crate::domain::Error;
use crate::domain::ids::{CampaignId, ConnectorId, SequenceId, WorkspaceId};
use crate::domain::pagination::PageRequest;
use crate::domain::sequence::{EmailSequence, SenderIdentity, SequenceFilter, SequenceStatus};
use crate::domain::time::Timestamp;

const COLUMNS: &str = "q.id, q.campaign_id, q.name, q.objective, q.segment_id, q.brand_id, q.sender_connector_id, \
                       q.steps, q.send_window, q.thread_replies, q.status, q.content_hash, q.version, q.approved_at, \
                       q.from_address, q.from_name, q.paused_reason, q.created_at, q.updated_at";

fn sequence(row: &AnyRow) -> Result<EmailSequence, Error> {
    let steps: String = row.try_get("steps")?;
    let window: Option<String> = row.try_get("send_window")?;
    Ok(EmailSequence {
        id: get_parsed(row, "id")?,
        campaign_id: get_parsed(row, "campaign_id")?,
        name: row.try_get("name")?,
        objective: row.try_get("objective")?,
        segment_id: get_parsed(row, "segment_id")?,
        brand_id: get_parsed(row, "brand_id")?,
        sender_connector_id: get_parsed(row, "sender_connector_id")?,
        steps: serde_json::from_str(&steps).map_err(Error::internal)?,
        send_window: window
            .map(|w| serde_json::from_str(&w))
            .transpose()
            .map_err(Error::internal)?,
        thread_replies: row.try_get::<i64, _>("thread_replies")? == 1,
        status: get_parsed(row, "status")?,
        paused_reason: get_opt_parsed(row, "paused_reason")?,
        content_hash: row.try_get("content_hash")?,
        version: row.try_get("version")?,
        approved_at: get_opt_time(row, "approved_at")?,
        approved_sender: match (
            row.try_get::<Option<String>, _>("from_address")?,
            row.try_get::<Option<String>, _>("from_name")?,
        ) {
            (Some(from_address), Some(from_name)) => Some(SenderIdentity {
                from_address,
                from_name,
            }),
            _ => None,
        },
        created_at: get_time(row, "created_at")?,
        updated_at: get_time(row, "updated_at")?,
    })
}

fn steps_json(s: &EmailSequence) -> Result<String, Error> {
    serde_json::to_string(&s.steps).map_err(Error::internal)
}

/// Stores a new sequence.
pub async fn insert(tx: &mut Tx, workspace: &WorkspaceId, s: &EmailSequence) -> Result<(), Error> {
    let window = s
        .send_window
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(Error::internal)?;
    sqlx::query(
        "insert into email_sequences (id, workspace_id, campaign_id, name, objective, segment_id, brand_id, \
         sender_connector_id, steps, send_window, thread_replies, status, content_hash, version, approved_at, \
         created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
    )
    .bind(s.id.as_str())
    .bind(workspace.as_str())
    .bind(s.campaign_id.as_str())
    .bind(&s.name)
    .bind(&s.objective)
    .bind(s.segment_id.as_str())
    .bind(s.brand_id.as_str())
    .bind(s.sender_connector_id.as_str())
    .bind(steps_json(s)?)
    .bind(window)
    .bind(i64::from(s.thread_replies))
    .bind(s.status.as_str())
    .bind(&s.content_hash)
    .bind(s.version)
    .bind(s.approved_at.map(|t| t.to_string()))
    .bind(s.created_at.to_string())
    .bind(s.updated_at.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Saves edited steps and hash if the sequence is still pending at `version`; false when
/// it is not (stale or decided).
pub async fn update_content(
    tx: &mut Tx,
    workspace: &WorkspaceId,
    s: &EmailSequence,
    expected_version: i64,
) -> Result<bool, Error> {
    let done = sqlx::query(
        "update email_sequences set steps = $1, content_hash = $2, version = $3, updated_at = $4 \
         where workspace_id = $5 and id = $6 and version = $7 and status = 'pending_approval'",
    )
    .bind(steps_json(s)?)
    .bind(&s.content_hash)
    .bind(s.version)
    .bind(s.updated_at.to_string())
    .bind(workspace.as_str())
    .bind(s.id.as_str())
    .bind(expected_version)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Pins the identity an approved sequence's mail comes from.
pub async fn pin_sender(
    tx: &mut Tx,
    id: &SequenceId,
    sender: &SenderIdentity,
) -> Result<(), Error> {
    sqlx::query("update email_sequences set from_address = $1, from_name = $2 where id = $3")
        .bind(&sender.from_address)
        .bind(&sender.from_name)
        .bind(id.as_str())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Moves a sequence from `from` to `to` (only at `version`, when given); false when it was
/// not in `from` or at that version.
pub async fn set_status(
    tx: &mut Tx,
    workspace: &WorkspaceId,
    id: &SequenceId,
    version: Option<i64>,
    from: SequenceStatus,
    to: SequenceStatus,
    at: Timestamp,
) -> Result<bool, Error> {
    let approved_at = (to == SequenceStatus::Active && from == SequenceStatus::PendingApproval)
        .then(|| at.to_string());
    let done = sqlx::query(
        "update email_sequences set status = $1, paused_reason = null, updated_at = $2, approved_at = coalesce($3, approved_at) \
         where workspace_id = $4 and id = $5 and status = $6 and ($7 is null or version = $7)",
    )
    .bind(to.as_str())
    .bind(at.to_string())
    .bind(approved_at)
    .bind(workspace.as_str())
    .bind(id.as_str())
    .bind(from.as_str())
    .bind(version)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A run held or released because of its sender.
#[derive(Debug, Clone)]
pub struct HeldRun {
    /// The sequence.
    pub id: SequenceId,
    /// Its name.
    pub name: String,
    /// Its campaign.
    pub campaign_id: CampaignId,
}

fn held_runs(rows: &[AnyRow]) -> Result<Vec<HeldRun>, Error> {
    rows.iter()
        .map(|r| {
            Ok(HeldRun {
                id: get_parsed(r, "id")?,
                name: r.try_get("name")?,
                campaign_id: get_parsed(r, "campaign_id")?,
            })
        })
        .collect()
}

/// Pauses every active sequence that sends through `connector`, saying its sender is
/// failing; returns the runs it held.
pub async fn hold_sending_through(
    tx: &mut Tx,
    workspace: &WorkspaceId,
    connector: &ConnectorId,
    at: Timestamp,
) -> Result<Vec<HeldRun>, Error> {
    let rows = sqlx::query(
        "update email_sequences set status = 'paused', paused_reason = 'sender_failing', updated_at = $1 \
         where workspace_id = $2 and sender_connector_id = $3 and status = 'active' \
         returning id, name, campaign_id",
    )
    .bind(at.to_string())
    .bind(workspace.as_str())
    .bind(connector.as_str())
    .fetch_all(&mut **tx)
    .await?;
    held_runs(&rows)
}

/// Lets every sequence held for `connector` go on; returns the runs it released.
pub async fn release_held_by(
    tx: &mut Tx,
    workspace: &WorkspaceId,
    connector: &ConnectorId,
    at: Timestamp,
) -> Result<Vec<HeldRun>, Error> {
    let rows = sqlx::query(
        "update email_sequences set status = 'active', paused_reason = null, updated_at = $1 \
         where workspace_id = $2 and sender_connector_id = $3 and status = 'paused' \
           and paused_reason = 'sender_failing' \
         returning id, name, campaign_id",
    )
    .bind(at.to_string())
    .bind(workspace.as_str())
    .bind(connector.as_str())
    .fetch_all(&mut **tx)
    .await?;
    held_runs(&rows)
}

/// One sequence.
pub async fn get(
    db: &Db,
    workspace: &WorkspaceId,
    id: &SequenceId,
) -> Result<Option<EmailSequence>, Error> {
    let sql =
        format!("select {COLUMNS} from email_sequences q where q.workspace_id = $1 and q.id = $2");
    let row = sqlx::query(&sql)
        .bind(workspace.as_str())
        .bind(id.as_str())
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(sequence).transpose()
}

/// One page of sequences, newest first.
pub async fn list(
    db: &Db,
    workspace: &WorkspaceId,
    filter: &SequenceFilter,
    page: &PageRequest,
) -> Result<Vec<EmailSequence>, Error> {
    let mut c = Conditions::default();
    if let Some(s) = filter.status {
        c.add("q.status =", s.as_str().to_owned());
    }
    if let Some(s) = &filter.segment_id {
        c.add("q.segment_id =", s.to_string());
    }
    if let Some(t) = filter.created_after {
        c.add("q.created_at >=", t.to_string());
    }
    if let Some(t) = filter.created_before {
        c.add("q.created_at <", t.to_string());
    }
    let sql = format!(
        "select {COLUMNS} from email_sequences q where q.workspace_id = $1{} {}",
        c.sql,
        page_clause("q", c.next_param(), page)
    );
    let query = c.bind(sqlx::query(&sql).bind(workspace.as_str()));
    let rows = bind_page(query, page).fetch_all(db.pool()).await?;
    rows.iter().map(sequence).collect()
}

/// How many sequences send through `connector`.
pub async fn count_using_connector(
    db: &Db,
    workspace: &WorkspaceId,
    connector: &ConnectorId,
) -> Result<i64, Error> {
    Ok(sqlx::query(
        "select count(*) as n from email_sequences where workspace_id = $1 and sender_connector_id = $2",
    )
    .bind(workspace.as_str())
    .bind(connector.as_str())
    .fetch_one(db.pool())
    .await?
    .try_get("n")?)
}

/// The campaign of a sequence.
pub async fn campaign_of(
    tx: &mut Tx,
    id: &SequenceId,
) -> Result<Option<crate::domain::ids::CampaignId>, Error> {
    let row = sqlx::query("select campaign_id from email_sequences where id = $1")
        .bind(id.as_str())
        .fetch_optional(&mut **tx)
        .await?;
    row.map(|r| get_parsed(&r, "campaign_id")).transpose()
}
