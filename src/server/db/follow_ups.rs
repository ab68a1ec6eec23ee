//! A run's later steps, queued as they become possible. Approval writes the first step's
//! ledger row for every recipient and, for each later step, when it falls due and the end of
//! its Message-ID. A recipient's step k+1 is queued, in the transaction that records their
//! step k as sent, only while their enrollment is active and the run not cancelled. Queueing
//! is keyed on the Message-ID, so it happens at most once; a run approved before follow-ups
//! were queued this way has no plan and keeps the rows approval gave it.

use std::collections::HashMap;

use sqlx::Row;

use super::{Db, Tx};
use crate::domain::Error;
use crate::domain::ids::SequenceId;
use crate::domain::time::Timestamp;

/// Keeps when step `step_index` of `sequence` falls due and how its Message-IDs end
/// (`.<step>@<domain>`, see [`crate::domain::message::message_id`]).
pub async fn plan(
    tx: &mut Tx,
    sequence: &SequenceId,
    step_index: u32,
    due: Timestamp,
    message_id_suffix: &str,
) -> Result<(), Error> {
    sqlx::query(
        "insert into sequence_follow_ups (sequence_id, step_index, scheduled_for, message_id_suffix) \
         values ($1, $2, $3, $4)",
    )
    .bind(sequence.as_str())
    .bind(i64::from(step_index))
    .bind(due.to_string())
    .bind(message_id_suffix)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Queues the next step after each of `sent` (Message-IDs just recorded as sent), for the
/// recipients whose enrollment is still active in a run not cancelled. A next step that is
/// already in the ledger is left as it is. Answers how many were queued.
pub async fn queue_after(tx: &mut Tx, sent: &[&str], now: Timestamp) -> Result<u64, Error> {
    if sent.is_empty() {
        return Ok(0);
    }
    let sql = format!(
        "insert into sequence_messages (message_id, workspace_id, sequence_id, contact_id, step_index, \
         status, scheduled_for, attempts, created_at, updated_at) \
         select m.sequence_id || '.' || m.contact_id || f.message_id_suffix, m.workspace_id, m.sequence_id, \
         m.contact_id, f.step_index, 'scheduled', f.scheduled_for, 0, $1, $1 \
         from sequence_messages m \
         join sequence_follow_ups f on f.sequence_id = m.sequence_id and f.step_index = m.step_index + 1 \
         join enrollments e on e.sequence_id = m.sequence_id and e.contact_id = m.contact_id \
         join email_sequences s on s.id = m.sequence_id \
         where m.message_id in ({}) and m.status = 'sent' and e.status = 'active' \
         and s.status in ('active', 'paused') \
         on conflict do nothing",
        super::placeholders(2, sent.len())
    );
    let mut query = sqlx::query(&sql).bind(now.to_string());
    for id in sent {
        query = query.bind(*id);
    }
    Ok(query.execute(&mut **tx).await?.rows_affected())
}

/// For each of `sequences` that is running (active or paused) and queues its follow-ups as
/// they become possible, its number of steps (the first and every planned one). A run that
/// ended queues nothing more.
pub async fn planned_steps(
    db: &Db,
    sequences: &[&SequenceId],
) -> Result<HashMap<String, usize>, Error> {
    if sequences.is_empty() {
        return Ok(HashMap::new());
    }
    let sql = format!(
        "select f.sequence_id, max(f.step_index) as last from sequence_follow_ups f \
         join email_sequences s on s.id = f.sequence_id \
         where f.sequence_id in ({}) and s.status in ('active', 'paused') group by f.sequence_id",
        super::placeholders(1, sequences.len())
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
            let last: i64 = r.try_get("last")?;
            let steps = usize::try_from(last + 1).map_err(Error::internal)?;
            Ok((r.try_get("sequence_id")?, steps))
        })
        .collect()
}

/// The planned later steps of `sequence` and when each falls due, in step order; empty for
/// a run whose follow-ups were all queued at approval.
pub async fn plan_of(db: &Db, sequence: &SequenceId) -> Result<Vec<(u32, Timestamp)>, Error> {
    sqlx::query(
        "select step_index, scheduled_for from sequence_follow_ups where sequence_id = $1 \
         order by step_index",
    )
    .bind(sequence.as_str())
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| {
        let step = u32::try_from(r.try_get::<i64, _>("step_index")?).map_err(Error::internal)?;
        Ok((step, super::get_time(r, "scheduled_for")?))
    })
    .collect()
}
