//! The message ledger: one row per (sequence, contact, step). It is the send queue and the
//! duplicate guard at once — the primary key is the `Message-ID` the message goes out with,
//! and `(sequence, contact, step)` is unique.
//!
//! A row moves `scheduled → sending → sent`; `sending` is committed before the provider is
//! called, so a row found `sending` after its lease ran out was interrupted mid-call and
//! becomes `uncertain` for a person to settle. It is never sent again on its own.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Backend, Db, Tx, bind_page, get_opt_time, get_parsed, get_time, page_clause};
use crate::domain::Error;
use crate::domain::ids::{ContactId, SequenceId, WorkspaceId};
use crate::domain::message::{LedgerMessage, MessageFilter, MessageStatus, NextSend};
use crate::domain::pagination::PageRequest;
use crate::domain::time::Timestamp;

/// [`crate::domain::message::message_id`] in SQL, for every enrollment at once (the API
/// tests hold the two to the same text: replies are matched by the domain's).
const MESSAGE_ID_SQL: &str = "e.sequence_id || '.' || e.contact_id || '.' || $1 || '@' || $2";

/// Queues step `step_index` for every active enrollment of a sequence, due at `due`, each
/// with its Message-ID: unique by construction, and it names the message a reply answers.
pub async fn enqueue_step(
    tx: &mut Tx,
    sequence: &SequenceId,
    step_index: u32,
    due: Timestamp,
    domain: &str,
    now: Timestamp,
) -> Result<u64, Error> {
    let done = sqlx::query(&format!(
        "insert into sequence_messages (message_id, workspace_id, sequence_id, contact_id, step_index, status, \
         scheduled_for, attempts, created_at, updated_at) \
         select {MESSAGE_ID_SQL}, e.workspace_id, e.sequence_id, \
         e.contact_id, $3, 'scheduled', $4, 0, $5, $5 from enrollments e where e.sequence_id = $6 and e.status = 'active'"
    ))
    .bind(step_index.to_string())
    .bind(domain)
    .bind(i64::from(step_index))
    .bind(due.to_string())
    .bind(now.to_string())
    .bind(sequence.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected())
}

/// A row a worker has claimed: it may now try to send it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    /// The Message-ID.
    pub message_id: String,
    /// Its workspace.
    pub workspace_id: WorkspaceId,
    /// Its sequence.
    pub sequence_id: SequenceId,
    /// Its recipient.
    pub contact_id: ContactId,
    /// Its step.
    pub step_index: u32,
    /// Attempts before this one.
    pub attempts: u32,
}

/// Claims up to `limit` due rows of active sequences for `worker` until `lease_until`. A
/// follow-up is due only once the step before it was sent. On PostgreSQL the rows are
/// locked with `FOR UPDATE SKIP LOCKED`, so concurrent workers take disjoint rows; SQLite
/// runs the one statement under its single writer lock.
pub async fn claim(
    db: &Db,
    worker: &str,
    now: Timestamp,
    lease_until: Timestamp,
    limit: i64,
) -> Result<Vec<Claimed>, Error> {
    let lock = match db.backend() {
        Backend::Postgres => "for update of m skip locked",
        Backend::Sqlite => "",
    };
    let sql = format!(
        "update sequence_messages set claimed_by = $1, lease_until = $2 where message_id in ( \
           select m.message_id from sequence_messages m join email_sequences s on s.id = m.sequence_id \
           where m.status = 'scheduled' and m.scheduled_for <= $3 \
             and (m.lease_until is null or m.lease_until < $3) and s.status = 'active' \
             and (m.step_index = 0 or exists (select 1 from sequence_messages p \
                  where p.sequence_id = m.sequence_id and p.contact_id = m.contact_id \
                    and p.step_index = m.step_index - 1 and p.status = 'sent')) \
           order by m.scheduled_for, m.message_id limit $4 {lock}) \
         returning message_id, workspace_id, sequence_id, contact_id, step_index, attempts"
    );
    let rows = sqlx::query(&sql)
        .bind(worker)
        .bind(lease_until.to_string())
        .bind(now.to_string())
        .bind(limit)
        .fetch_all(db.pool())
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Claimed {
                message_id: r.try_get("message_id")?,
                workspace_id: get_parsed(r, "workspace_id")?,
                sequence_id: get_parsed(r, "sequence_id")?,
                contact_id: get_parsed(r, "contact_id")?,
                step_index: u32::try_from(r.try_get::<i64, _>("step_index")?)
                    .map_err(Error::internal)?,
                attempts: u32::try_from(r.try_get::<i64, _>("attempts")?)
                    .map_err(Error::internal)?,
            })
        })
        .collect()
}

/// The send-time check and the commit point before the provider is called, in one
/// statement for a chunk of one sequence's messages: a row becomes `sending` only while it
/// is still scheduled and claimed by `worker`, its sequence is active with the approved
/// content `content_hash`, the enrollment is active, its pinned address is not on the
/// suppression list, and the contact has neither unsubscribed nor bounced. Answers the
/// Message-IDs that became `sending`.
pub async fn start_sending(
    tx: &mut Tx,
    message_ids: &[&str],
    worker: &str,
    content_hash: &str,
    lease_until: Timestamp,
    now: Timestamp,
) -> Result<Vec<String>, Error> {
    if message_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = start_sending_sql(super::backend_in(tx), message_ids.len());
    let query = sqlx::query(&sql)
        .bind(lease_until.to_string())
        .bind(now.to_string())
        .bind(worker)
        .bind(content_hash);
    let query = super::bind_all(query, message_ids.iter().copied());
    message_ids_of(query.fetch_all(&mut **tx).await?)
}

/// [`start_sending`]'s statement for `n` messages: `$1` lease, `$2` now, `$3` worker, `$4`
/// content hash, then the Message-IDs. Each row must be found by its key, whatever the
/// planner knows of a run written a moment ago (a test holds both databases' plans to it):
/// SQLite would rather read every scheduled row through the status index (the unary `+`
/// keeps `status` from choosing an index), and PostgreSQL would turn the checks into joins
/// driven from another table (`offset 0` keeps each a per-row lookup).
pub fn start_sending_sql(backend: Backend, n: usize) -> String {
    let (status, per_row) = match backend {
        Backend::Sqlite => ("+status", ""),
        Backend::Postgres => ("status", " offset 0"),
    };
    format!(
        "update sequence_messages set status = 'sending', attempts = attempts + 1, lease_until = $1, updated_at = $2 \
         where message_id in ({ids}) and {status} = 'scheduled' and claimed_by = $3 \
           and exists (select 1 from email_sequences s where s.id = sequence_messages.sequence_id \
                       and s.status = 'active' and s.content_hash = $4{per_row}) \
           and exists (select 1 from enrollments e where e.sequence_id = sequence_messages.sequence_id \
                       and e.contact_id = sequence_messages.contact_id and e.status = 'active' \
                       and not exists (select 1 from suppressions s where s.workspace_id = e.workspace_id \
                                       and s.email = e.email{per_row}){per_row}) \
           and exists (select 1 from contacts c where c.id = sequence_messages.contact_id \
                       and c.unsubscribed_at is null and c.bounced_at is null{per_row}) \
         returning message_id",
        ids = super::placeholders(5, n)
    )
}

fn message_ids_of(rows: Vec<AnyRow>) -> Result<Vec<String>, Error> {
    rows.iter()
        .map(|r| r.try_get("message_id").map_err(Error::from))
        .collect()
}

/// Takes back a `start_sending` of this transaction whose message will not be handed over
/// (its sender's day turned out full): `scheduled` again, still claimed by `worker`, the
/// attempt not counted.
pub async fn unstart(tx: &mut Tx, message_id: &str, worker: &str) -> Result<(), Error> {
    sqlx::query(
        "update sequence_messages set status = 'scheduled', attempts = attempts - 1 \
         where message_id = $1 and status = 'sending' and claimed_by = $2",
    )
    .bind(message_id)
    .bind(worker)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Gives a claimed row back untouched (its sequence is paused, or it must wait), optionally
/// due later.
pub async fn release(
    db: &Db,
    message_id: &str,
    worker: &str,
    due: Option<Timestamp>,
) -> Result<(), Error> {
    sqlx::query(
        "update sequence_messages set claimed_by = null, lease_until = null, \
         scheduled_for = coalesce($1, scheduled_for) \
         where message_id = $2 and status = 'scheduled' and claimed_by = $3",
    )
    .bind(due.map(|d| d.to_string()))
    .bind(message_id)
    .bind(worker)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Records the providers' acceptances, each `(Message-ID, provider's id)`, in one
/// statement; answers the Message-IDs this call recorded. A row another worker already
/// declared uncertain is settled too: it was sent.
pub async fn mark_sent(
    tx: &mut Tx,
    accepted: &[(&str, Option<&str>)],
    at: Timestamp,
) -> Result<Vec<String>, Error> {
    if accepted.is_empty() {
        return Ok(Vec::new());
    }
    // The Message-IDs are $2.., their provider ids after them. The rows are listed by key
    // in `in (…)`: SQLite plans `in (select … from accepted)` through the status index.
    let n = accepted.len();
    let rows: Vec<String> = (0..n)
        .map(|i| format!("(${}, ${})", i + 2, n + i + 2))
        .collect();
    let sql = format!(
        "with accepted (message_id, provider_id) as (values {}) \
         update sequence_messages set status = 'sent', sent_at = $1, \
         provider_id = (select a.provider_id from accepted a where a.message_id = sequence_messages.message_id), \
         error = null, lease_until = null, updated_at = $1 \
         where message_id in ({}) and status in ('sending', 'uncertain') \
         returning message_id",
        rows.join(", "),
        super::placeholders(2, n)
    );
    let mut query = sqlx::query(&sql).bind(at.to_string());
    for (message_id, _) in accepted {
        query = query.bind(*message_id);
    }
    for (_, provider_id) in accepted {
        query = query.bind(*provider_id);
    }
    message_ids_of(query.fetch_all(&mut **tx).await?)
}

/// A transient failure: back to `scheduled`, due at `retry_at`, with the reason.
pub async fn retry_later(
    db: &Db,
    message_id: &str,
    holder: &Holder<'_>,
    retry_at: Timestamp,
    reason: &str,
    now: Timestamp,
) -> Result<(), Error> {
    sqlx::query(
        "update sequence_messages set status = 'scheduled', scheduled_for = $1, error = $2, claimed_by = null, \
         lease_until = null, updated_at = $3 where message_id = $4 and status = 'sending' \
         and claimed_by = $5 and lease_until = $6",
    )
    .bind(retry_at.to_string())
    .bind(reason)
    .bind(now.to_string())
    .bind(message_id)
    .bind(holder.worker)
    .bind(holder.lease_until.to_string())
    .execute(db.pool())
    .await?;
    Ok(())
}

/// A run held for its sender goes on: the messages it was retrying (failed, waiting out a
/// backoff) are due now, not in up to an hour; the send window still applies when sent.
pub async fn due_again(tx: &mut Tx, sequence: &SequenceId, now: Timestamp) -> Result<u64, Error> {
    let done = sqlx::query(
        "update sequence_messages set scheduled_for = $1, updated_at = $1 \
         where sequence_id = $2 and status = 'scheduled' and error is not null and scheduled_for > $1",
    )
    .bind(now.to_string())
    .bind(sequence.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected())
}

/// Which start of a row a worker holds: its id and the lease it took.
#[derive(Debug, Clone, Copy)]
pub struct Holder<'a> {
    /// The worker.
    pub worker: &'a str,
    /// The lease it took when it started the row.
    pub lease_until: Timestamp,
}

/// Nothing was handed over (the fault was the sender's, with `reason`; or the sender was
/// held, the worker stopped, or the lease left was too short, before the call): back to
/// `scheduled` and unclaimed as it was before this attempt (not counted), to wait while its
/// run is held. Only while `holder`'s start still holds the row: one declared uncertain
/// and started again since is not touched. True when it was given back.
pub async fn give_back(
    tx: &mut Tx,
    message_id: &str,
    holder: &Holder<'_>,
    reason: Option<&str>,
    now: Timestamp,
) -> Result<bool, Error> {
    let done = sqlx::query(
        "update sequence_messages set status = 'scheduled', attempts = attempts - 1, error = coalesce($1, error), \
         claimed_by = null, lease_until = null, updated_at = $2 \
         where message_id = $3 and status = 'sending' and claimed_by = $4 and lease_until = $5",
    )
    .bind(reason)
    .bind(now.to_string())
    .bind(message_id)
    .bind(holder.worker)
    .bind(holder.lease_until.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The provider may have accepted it (the call ended without a clear answer): `uncertain`,
/// with the reason, for a person to settle. Never sent again on its own.
pub async fn mark_uncertain(
    db: &Db,
    message_id: &str,
    holder: &Holder<'_>,
    reason: &str,
    now: Timestamp,
) -> Result<(), Error> {
    sqlx::query(
        "update sequence_messages set status = 'uncertain', error = $1, claimed_by = null, lease_until = null, \
         updated_at = $2 where message_id = $3 and status = 'sending' and claimed_by = $4 and lease_until = $5",
    )
    .bind(reason)
    .bind(now.to_string())
    .bind(message_id)
    .bind(holder.worker)
    .bind(holder.lease_until.to_string())
    .execute(db.pool())
    .await?;
    Ok(())
}

/// A final failure, with the provider's reason; the contact's later steps of the sequence
/// are skipped (they would follow up on a message that never arrived).
pub async fn mark_failed(
    tx: &mut Tx,
    message_id: &str,
    reason: &str,
    now: Timestamp,
) -> Result<(), Error> {
    let row = sqlx::query(
        "update sequence_messages set status = 'failed', error = $1, claimed_by = null, lease_until = null, \
         updated_at = $2 where message_id = $3 and status in ('sending', 'scheduled') \
         returning sequence_id, contact_id, step_index",
    )
    .bind(reason)
    .bind(now.to_string())
    .bind(message_id)
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(row) = row {
        let step: i64 = row.try_get("step_index")?;
        sqlx::query(
            "update sequence_messages set status = 'skipped', error = $1, updated_at = $2 \
             where sequence_id = $3 and contact_id = $4 and step_index > $5 and status = 'scheduled'",
        )
        .bind(format!("step {} failed", step + 1))
        .bind(now.to_string())
        .bind(row.try_get::<String, _>("sequence_id")?)
        .bind(row.try_get::<String, _>("contact_id")?)
        .bind(step)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Skips a claimed row whose contact or enrollment has ended, saying why; false when the
/// contact and enrollment are still fine (so something else stopped it).
pub async fn skip_if_ended(tx: &mut Tx, claimed: &Claimed, now: Timestamp) -> Result<bool, Error> {
    let row = sqlx::query(
        "select c.unsubscribed_at, c.bounced_at, e.status, \
         (select count(*) from suppressions s where s.workspace_id = e.workspace_id and s.email = e.email) as suppressed \
         from contacts c left join enrollments e on e.contact_id = c.id and e.sequence_id = $1 where c.id = $2",
    )
    .bind(claimed.sequence_id.as_str())
    .bind(claimed.contact_id.as_str())
    .fetch_optional(&mut **tx)
    .await?;
    let reason = match &row {
        None => Some("the contact was deleted".to_owned()),
        Some(r) => {
            let unsubscribed: Option<String> = r.try_get("unsubscribed_at")?;
            let bounced: Option<String> = r.try_get("bounced_at")?;
            let enrollment: Option<String> = r.try_get("status")?;
            let suppressed: Option<i64> = r.try_get("suppressed")?;
            if suppressed.unwrap_or(0) > 0 {
                Some("the address is on the suppression list".to_owned())
            } else if unsubscribed.is_some() {
                Some("the contact unsubscribed".to_owned())
            } else if bounced.is_some() {
                Some("the contact's address bounced".to_owned())
            } else {
                match enrollment.as_deref() {
                    Some("active") => None,
                    Some(status) => Some(format!("the enrollment ended ({status})")),
                    None => Some("the contact is not enrolled".to_owned()),
                }
            }
        }
    };
    let Some(reason) = reason else {
        return Ok(false);
    };
    sqlx::query(
        "update sequence_messages set status = 'skipped', error = $1, claimed_by = null, lease_until = null, \
         updated_at = $2 where message_id = $3 and status = 'scheduled'",
    )
    .bind(reason)
    .bind(now.to_string())
    .bind(&claimed.message_id)
    .execute(&mut **tx)
    .await?;
    Ok(true)
}

/// Skips every scheduled message to a contact (of one sequence, or of all), saying why.
pub async fn skip_for_contact(
    tx: &mut Tx,
    workspace: &WorkspaceId,
    contact: &ContactId,
    sequence: Option<&SequenceId>,
    reason: &str,
    now: Timestamp,
) -> Result<u64, Error> {
    let done = sqlx::query(
        "update sequence_messages set status = 'skipped', error = $1, claimed_by = null, lease_until = null, \
         updated_at = $2 where workspace_id = $3 and contact_id = $4 and status = 'scheduled' \
         and ($5 is null or sequence_id = $5)",
    )
    .bind(reason)
    .bind(now.to_string())
    .bind(workspace.as_str())
    .bind(contact.as_str())
    .bind(sequence.map(SequenceId::as_str))
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected())
}

/// Skips every scheduled message of a sequence (it was cancelled).
pub async fn skip_sequence(
    tx: &mut Tx,
    sequence: &SequenceId,
    reason: &str,
    now: Timestamp,
) -> Result<u64, Error> {
    let done = sqlx::query(
        "update sequence_messages set status = 'skipped', error = $1, claimed_by = null, lease_until = null, \
         updated_at = $2 where sequence_id = $3 and status = 'scheduled'",
    )
    .bind(reason)
    .bind(now.to_string())
    .bind(sequence.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected())
}

/// Rows left `sending` past their lease: the worker died mid-call. They become `uncertain`;
/// returns how many.
pub async fn expire_sending(db: &Db, now: Timestamp) -> Result<u64, Error> {
    let done = sqlx::query(
        "update sequence_messages set status = 'uncertain', claimed_by = null, lease_until = null, updated_at = $1, \
         error = 'the worker stopped while handing this message to the provider: it may or may not have been sent' \
         where status = 'sending' and lease_until < $1",
    )
    .bind(now.to_string())
    .execute(db.pool())
    .await?;
    Ok(done.rows_affected())
}

/// A person's answer for an uncertain message: it was sent (`to_sent`), or it goes out
/// again now. False when the message is not uncertain.
pub async fn settle_uncertain(
    tx: &mut Tx,
    sequence: &SequenceId,
    message_id: &str,
    to_sent: bool,
    note: &str,
    now: Timestamp,
) -> Result<bool, Error> {
    let sql = if to_sent {
        "update sequence_messages set status = 'sent', sent_at = $1, error = $2, updated_at = $1 \
         where sequence_id = $3 and message_id = $4 and status = 'uncertain'"
    } else {
        "update sequence_messages set status = 'scheduled', scheduled_for = $1, error = $2, updated_at = $1, \
         claimed_by = null, lease_until = null where sequence_id = $3 and message_id = $4 and status = 'uncertain'"
    };
    let done = sqlx::query(sql)
        .bind(now.to_string())
        .bind(note)
        .bind(sequence.as_str())
        .bind(message_id)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Whether any message is still open (scheduled, being sent, or waiting for a person): the
/// first one found answers, so a run's worker does not count its whole ledger each round.
pub async fn any_open(tx: &mut Tx, sequence: &SequenceId) -> Result<bool, Error> {
    let found = sqlx::query(
        "select 1 as open from sequence_messages where sequence_id = $1 \
         and status in ('scheduled', 'sending', 'uncertain') limit 1",
    )
    .bind(sequence.as_str())
    .fetch_optional(&mut **tx)
    .await?;
    Ok(found.is_some())
}

/// The message most recently sent to `contact` (in `sequence`, when given) at or before
/// `until` and, when given, at or after `since`: its sequence and when it was sent.
pub async fn latest_sent_to(
    tx: &mut Tx,
    workspace: &WorkspaceId,
    contact: &ContactId,
    sequence: Option<&SequenceId>,
    since: Option<Timestamp>,
    until: Timestamp,
) -> Result<Option<(SequenceId, Timestamp)>, Error> {
    let mut sql = String::from(
        "select sequence_id, sent_at from sequence_messages where workspace_id = $1 and contact_id = $2 \
         and status = 'sent' and sent_at <= $3",
    );
    let mut next = 4;
    if sequence.is_some() {
        sql.push_str(&format!(" and sequence_id = ${next}"));
        next += 1;
    }
    if since.is_some() {
        sql.push_str(&format!(" and sent_at >= ${next}"));
    }
    sql.push_str(" order by sent_at desc limit 1");
    let mut q = sqlx::query(&sql)
        .bind(workspace.as_str())
        .bind(contact.as_str())
        .bind(until.to_string());
    if let Some(seq) = sequence {
        q = q.bind(seq.as_str());
    }
    if let Some(since) = since {
        q = q.bind(since.to_string());
    }
    q.fetch_optional(&mut **tx)
        .await?
        .map(|r| Ok((get_parsed(&r, "sequence_id")?, get_time(&r, "sent_at")?)))
        .transpose()
}

/// The message with one of `ids` (nearest first) in a workspace: its sequence and contact.
pub async fn find_referenced(
    db: &Db,
    workspace: &WorkspaceId,
    ids: &[String],
) -> Result<Option<(SequenceId, ContactId)>, Error> {
    for id in ids {
        let row = sqlx::query(
            "select sequence_id, contact_id from sequence_messages where workspace_id = $1 and message_id = $2",
        )
        .bind(workspace.as_str())
        .bind(id.to_ascii_lowercase())
        .fetch_optional(db.pool())
        .await?;
        if let Some(r) = row {
            return Ok(Some((
                get_parsed(&r, "sequence_id")?,
                get_parsed(&r, "contact_id")?,
            )));
        }
    }
    Ok(None)
}

/// Counts by `(step, status)` for a sequence.
pub async fn counts(
    db: &Db,
    sequence: &SequenceId,
) -> Result<Vec<(u32, MessageStatus, i64)>, Error> {
    let rows = sqlx::query(
        "select step_index, status, count(*) as n from sequence_messages where sequence_id = $1 \
         group by step_index, status",
    )
    .bind(sequence.as_str())
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                u32::try_from(r.try_get::<i64, _>("step_index")?).map_err(Error::internal)?,
                get_parsed(r, "status")?,
                r.try_get("n")?,
            ))
        })
        .collect()
}

/// Counts by step and status for several sequences at once: `(sequence, step, status) → n`.
pub async fn status_counts(
    db: &Db,
    sequences: &[&SequenceId],
) -> Result<Vec<(String, u32, MessageStatus, i64)>, Error> {
    if sequences.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "select sequence_id, step_index, status, count(*) as n from sequence_messages \
         where sequence_id in ({}) group by sequence_id, status, step_index",
        super::placeholders(1, sequences.len())
    );
    super::bind_all(sqlx::query(&sql), sequences.iter().map(|s| s.as_str()))
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(|r| {
            Ok((
                r.try_get("sequence_id")?,
                u32::try_from(r.try_get::<i64, _>("step_index")?).map_err(Error::internal)?,
                get_parsed(r, "status")?,
                r.try_get("n")?,
            ))
        })
        .collect()
}

/// The next moments messages fall due, soonest first.
pub async fn next_due(db: &Db, sequence: &SequenceId, limit: i64) -> Result<Vec<NextSend>, Error> {
    let rows = sqlx::query(
        "select step_index, scheduled_for, count(*) as n from sequence_messages \
         where sequence_id = $1 and status = 'scheduled' group by step_index, scheduled_for \
         order by scheduled_for, step_index limit $2",
    )
    .bind(sequence.as_str())
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(NextSend {
                step_index: u32::try_from(r.try_get::<i64, _>("step_index")?)
                    .map_err(Error::internal)?,
                at: get_time(r, "scheduled_for")?,
                messages: r.try_get("n")?,
            })
        })
        .collect()
}

fn ledger_message(r: &AnyRow) -> Result<LedgerMessage, Error> {
    Ok(LedgerMessage {
        message_id: r.try_get("message_id")?,
        contact_id: get_parsed(r, "contact_id")?,
        email: r.try_get::<Option<String>, _>("email")?.unwrap_or_default(),
        step_index: u32::try_from(r.try_get::<i64, _>("step_index")?).map_err(Error::internal)?,
        status: get_parsed(r, "status")?,
        scheduled_for: get_time(r, "scheduled_for")?,
        sent_at: get_opt_time(r, "sent_at")?,
        attempts: u32::try_from(r.try_get::<i64, _>("attempts")?).map_err(Error::internal)?,
        provider_id: r.try_get("provider_id")?,
        error: r.try_get("error")?,
        created_at: get_time(r, "created_at")?,
    })
}

const COLUMNS: &str = "m.message_id, m.contact_id, c.email, m.step_index, m.status, m.scheduled_for, m.sent_at, \
                       m.attempts, m.provider_id, m.error, m.created_at";

/// One page of a sequence's messages (keyed on `(created_at, message_id)`, newest first).
pub async fn list(
    db: &Db,
    sequence: &SequenceId,
    filter: &MessageFilter,
    page: &PageRequest,
) -> Result<Vec<LedgerMessage>, Error> {
    // Keyset pagination expects `id`; the ledger's key is the Message-ID.
    let clause = page_clause("m", 4, page).replace("m.id", "m.message_id");
    let sql = format!(
        "select {COLUMNS} from sequence_messages m left join contacts c on c.id = m.contact_id \
         where m.sequence_id = $1 and ($2 is null or m.status = $2) and ($3 is null or m.step_index = $3) {clause}"
    );
    let query = sqlx::query(&sql)
        .bind(sequence.as_str())
        .bind(filter.status.map(MessageStatus::as_str))
        .bind(filter.step_index.map(i64::from));
    let rows = bind_page(query, page).fetch_all(db.pool()).await?;
    rows.iter().map(ledger_message).collect()
}

/// One message of a sequence.
pub async fn get(
    db: &Db,
    sequence: &SequenceId,
    message_id: &str,
) -> Result<Option<LedgerMessage>, Error> {
    let sql = format!(
        "select {COLUMNS} from sequence_messages m left join contacts c on c.id = m.contact_id \
         where m.sequence_id = $1 and m.message_id = $2"
    );
    let row = sqlx::query(&sql)
        .bind(sequence.as_str())
        .bind(message_id)
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(ledger_message).transpose()
}
