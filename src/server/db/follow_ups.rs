//! A run's later steps, queued as they become possible. Approval writes the first step's
//! ledger row for every recipient and, for each later step, when it falls due and the end of
//! its Message-ID. A recipient's step k+1 is queued, in the transaction that records their
//! step k as sent, only while their enrollment is active and the run not cancelled. Queueing
//! is keyed on the Message-ID, so it happens at most once; a run approved before follow-ups
//! were queued this way has no plan and keeps the rows approval gave it.

use std::collections::HashMap;

use sqlx::Row;

use super::{Backend, Db, Tx, bind_all, placeholders};
use crate::domain::Error;
use crate::domain::ids::SequenceId;
use crate::domain::time::Timestamp;

/// A run still going on, as `s` (its `email_sequences` row): only such a run queues
/// follow-ups, and only its plan counts as messages still to come.
const RUNNING: &str = "s.status in ('active', 'paused')";

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

/// Before a transaction records any of `message_ids` as sent (those that may have a next step;
/// a lock on a last step's rows is harmless), takes on PostgreSQL the locks [`queue_after`]
/// will rely on: each run's row, shared, so a cancel that changed it either finished first (and
/// this transaction sees the run ended) or waits until this one has queued, and then skips what
/// was queued; and each recipient's contact, key-shared, as the follow-up's foreign key would
/// take it only after the ledger rows were changed, so a contact deletion cascading to those
/// rows cannot deadlock with it. SQLite runs one writer at a time: nothing to take.
pub async fn lock_for_queueing(tx: &mut Tx, message_ids: &[&str]) -> Result<(), Error> {
    if message_ids.is_empty() || super::backend_in(tx) == Backend::Sqlite {
        return Ok(());
    }
    let sql = format!(
        "select 1 from sequence_messages m join email_sequences s on s.id = m.sequence_id \
         join contacts c on c.id = m.contact_id where m.message_id in ({}) \
         for share of s for key share of c",
        placeholders(1, message_ids.len())
    );
    bind_all(sqlx::query(&sql), message_ids.iter().copied())
        .fetch_all(&mut **tx)
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
         where m.message_id in ({}) and m.status = 'sent' and e.status = 'active' and {RUNNING} \
         on conflict do nothing",
        placeholders(2, sent.len())
    );
    let query = bind_all(
        sqlx::query(&sql).bind(now.to_string()),
        sent.iter().copied(),
    );
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
         where f.sequence_id in ({}) and {RUNNING} group by f.sequence_id",
        placeholders(1, sequences.len())
    );
    bind_all(sqlx::query(&sql), sequences.iter().map(|s| s.as_str()))
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

/// The planned later steps of `sequence` while it is running and when each falls due, in
/// step order; empty once it ended, and for a run whose follow-ups were all queued at
/// approval.
pub async fn plan_of(db: &Db, sequence: &SequenceId) -> Result<Vec<(u32, Timestamp)>, Error> {
    sqlx::query(&format!(
        "select f.step_index, f.scheduled_for from sequence_follow_ups f \
         join email_sequences s on s.id = f.sequence_id \
         where f.sequence_id = $1 and {RUNNING} order by f.step_index"
    ))
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
