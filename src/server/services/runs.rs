//! The run of an approved sequence, as people see and steer it: queueing every message at
//! approval, pause / resume / cancel, progress, the messages table, settling uncertain
//! messages, the sandbox outbox, and completion.

use std::collections::HashMap;

use super::Context;
use super::event_record::{self, By};
use crate::domain::Error;
use crate::domain::actor::{Actor, Scope};
use crate::domain::change::{Action, Change};
use crate::domain::ids::{SequenceId, WorkspaceId};
use crate::domain::message::{
    LedgerMessage, MessageFilter, MessageStatus, NextSend, RunControl, RunProgress,
    UncertainChoice, follow_ups_to_come,
};
use crate::domain::outbox::OutboxMessage;
use crate::domain::pagination::{Page, PageRequest};
use crate::domain::schedule::due_at;
use crate::domain::sequence::{EmailSequence, SenderIdentity, SequenceStats, SequenceStatus};
use crate::domain::time::Timestamp;
use crate::server::db::{
    Tx, campaigns, connectors, enrollments, follow_ups, messages, outbox, sequences,
};

/// Queues the first step for every enrollment of a just-approved sequence and plans the
/// later ones: step k is due at approval time plus its day offset, moved into the send
/// window, and is queued for a recipient once their step k-1 is sent
/// ([`follow_ups::queue_after`]). Returns the rows queued.
pub(crate) async fn enqueue_in(
    tx: &mut Tx,
    seq: &EmailSequence,
    sender: &SenderIdentity,
    approved: Timestamp,
) -> Result<u64, Error> {
    let domain = crate::domain::message::message_id_domain(&sender.from_address);
    let mut queued = 0;
    for step in &seq.steps {
        let due = due_at(approved, step.day_offset, seq.send_window.as_ref());
        if step.index == 0 {
            queued =
                messages::enqueue_step(tx, &seq.id, step.index, due, &domain, approved).await?;
        } else {
            let suffix = crate::domain::message::message_id_suffix(step.index, &domain);
            follow_ups::plan(tx, &seq.id, step.index, due, &suffix).await?;
        }
    }
    Ok(queued)
}

/// Completes an active sequence once no message is left to send or settle: the sequence,
/// its campaign and its remaining enrollments.
pub(crate) async fn complete_if_done(
    ctx: &Context,
    workspace: &WorkspaceId,
    id: &SequenceId,
) -> Result<bool, Error> {
    let mut tx = ctx.db.begin().await?;
    if messages::any_open(&mut tx, id).await? {
        return Ok(false);
    }
    complete_in(&mut tx, workspace, id, ctx.now()).await?;
    tx.commit().await?;
    Ok(true)
}

async fn complete_in(
    tx: &mut Tx,
    workspace: &WorkspaceId,
    id: &SequenceId,
    now: Timestamp,
) -> Result<(), Error> {
    if sequences::set_status(
        tx,
        workspace,
        id,
        None,
        SequenceStatus::Active,
        SequenceStatus::Completed,
        now,
    )
    .await?
    {
        let mut completed = Change::new(
            Action::SequenceCompleted,
            id,
            "completed: nothing left to send",
        );
        if let Some(campaign) = sequences::campaign_of(tx, id).await? {
            campaigns::set_status(
                tx,
                workspace,
                &campaign,
                SequenceStatus::Completed.campaign_status(),
                now,
            )
            .await?;
            completed = completed.for_campaign(&campaign, now);
        }
        enrollments::end_all(tx, id, "completed", now).await?;
        event_record::record(tx, By::System(workspace), &completed, now).await?;
    }
    Ok(())
}

/// After approval: a sequence that queued nothing (nobody was mailable) is complete at once.
pub(crate) async fn complete_if_empty_in(
    tx: &mut Tx,
    workspace: &WorkspaceId,
    id: &SequenceId,
    queued: u64,
    now: Timestamp,
) -> Result<(), Error> {
    if queued == 0 {
        complete_in(tx, workspace, id, now).await?;
    }
    Ok(())
}

async fn find(ctx: &Context, actor: &Actor, id: &SequenceId) -> Result<EmailSequence, Error> {
    actor.require(Scope::MarketingRead)?;
    sequences::get(&ctx.db, actor.workspace_id(), id)
        .await?
        .ok_or(Error::NotFound("email sequence"))
}

/// Pauses, resumes or cancels a running sequence. It takes effect before the next message:
/// every send re-checks the sequence's status in the same write that starts it.
pub async fn control(
    ctx: &Context,
    actor: &Actor,
    id: &SequenceId,
    control: RunControl,
) -> Result<EmailSequence, Error> {
    actor.require(Scope::MarketingWrite)?;
    let seq = find(ctx, actor, id).await?;
    let to = seq.control(control)?;
    let ws = actor.workspace_id();
    if control == RunControl::Resume {
        refuse_while_sender_fails(ctx, ws, &seq).await?;
    }
    let now = ctx.now();
    let mut tx = ctx.db.begin().await?;
    if !sequences::set_status(&mut tx, ws, id, None, seq.status, to, now).await? {
        drop(tx);
        let current = find(ctx, actor, id).await?;
        return Err(current.control(control).err().unwrap_or_else(|| {
            Error::Conflict("the sequence changed meanwhile; try again".into())
        }));
    }
    campaigns::set_status(&mut tx, ws, &seq.campaign_id, to.campaign_status(), now).await?;
    let mut summary = format!("{} \"{}\"", past_tense(control), seq.name);
    if control == RunControl::Cancel {
        let skipped =
            messages::skip_sequence(&mut tx, id, "the sequence was cancelled", now).await?;
        enrollments::end_all(&mut tx, id, "cancelled", now).await?;
        summary.push_str(&format!(": {skipped} unsent messages will never go out"));
    }
    event_record::record(
        &mut tx,
        actor.into(),
        &Change::new(control.action(), id, summary),
        now,
    )
    .await?;
    tx.commit().await?;
    find(ctx, actor, id).await
}

/// A run held for a failing sender goes on when its sender passes a test, not before: a
/// resume would only spend attempts against a sender that cannot work.
async fn refuse_while_sender_fails(
    ctx: &Context,
    workspace: &WorkspaceId,
    seq: &EmailSequence,
) -> Result<(), Error> {
    let Some(sender) = connectors::get(&ctx.db, workspace, &seq.sender_connector_id).await? else {
        return Ok(());
    };
    match sender.connector.failing_since {
        Some(since) => Err(Error::Conflict(format!(
            "its sender \"{}\" has been failing since {since} ({}); it goes on by itself once an admin's \"Test connection\" passes on the Connectors page",
            sender.connector.name,
            sender
                .connector
                .health_detail
                .as_deref()
                .unwrap_or("no reason recorded")
        ))),
        None => Ok(()),
    }
}

fn past_tense(control: RunControl) -> &'static str {
    match control {
        RunControl::Pause => "paused",
        RunControl::Resume => "resumed",
        RunControl::Cancel => "cancelled",
    }
}

/// Counters of several sequences: enrollments by how they ended, messages by status. The
/// messages still to send include the follow-ups a run will queue once the steps before them
/// are sent.
pub async fn stats(
    ctx: &Context,
    ids: &[&SequenceId],
) -> Result<HashMap<String, SequenceStats>, Error> {
    let mut out: HashMap<String, SequenceStats> = HashMap::new();
    for (seq, status, n) in enrollments::status_counts(&ctx.db, ids).await? {
        let s = out.entry(seq).or_default();
        s.enrolled += n;
        match status.as_str() {
            "replied" => s.replied += n,
            "unsubscribed" => s.unsubscribed += n,
            "bounced" => s.bounced += n,
            _ => {}
        }
    }
    let mut by_step: HashMap<String, Vec<(u32, MessageStatus, i64)>> = HashMap::new();
    for (seq, step, status, n) in messages::status_counts(&ctx.db, ids).await? {
        let s = out.entry(seq.clone()).or_default();
        match status {
            MessageStatus::Sent => s.sent += n,
            MessageStatus::Failed => s.failed += n,
            MessageStatus::Uncertain => s.uncertain += n,
            MessageStatus::Scheduled | MessageStatus::Sending => s.scheduled += n,
            MessageStatus::Skipped => {}
        }
        by_step.entry(seq).or_default().push((step, status, n));
    }
    for (seq, steps) in follow_ups::planned_steps(&ctx.db, ids).await? {
        let counts = by_step.get(&seq).map_or(&[][..], Vec::as_slice);
        let to_come: i64 = follow_ups_to_come(steps, counts).iter().sum();
        out.entry(seq).or_default().scheduled += to_come;
    }
    Ok(out)
}

/// How many of the next moments messages fall due the sequence page shows.
const NEXT_SENDS: i64 = 5;

/// Per-step progress and the next sends due.
pub async fn progress(ctx: &Context, actor: &Actor, id: &SequenceId) -> Result<RunProgress, Error> {
    let seq = find(ctx, actor, id).await?;
    let counts = messages::counts(&ctx.db, id).await?;
    let plan = follow_ups::plan_of(&ctx.db, id).await?;
    let to_come = if plan.is_empty() {
        Vec::new()
    } else {
        follow_ups_to_come(seq.steps.len(), &counts)
    };
    let next_sends = messages::next_due(&ctx.db, id, NEXT_SENDS).await?;
    Ok(RunProgress {
        steps: RunProgress::from_counts(seq.steps.len(), &counts, &to_come),
        next_sends: NextSend::with_follow_ups(next_sends, &plan, &to_come, NEXT_SENDS as usize),
    })
}

/// The messages of a run, one page.
pub async fn messages(
    ctx: &Context,
    actor: &Actor,
    id: &SequenceId,
    filter: &MessageFilter,
    page: &PageRequest,
) -> Result<Page<LedgerMessage>, Error> {
    find(ctx, actor, id).await?;
    Ok(Page::from_rows(
        messages::list(&ctx.db, id, filter, page).await?,
        page,
    ))
}

/// A person settles a message whose outcome is unknown: it was sent after all, or it goes
/// out again now. Only an uncertain message can be settled. Sending again may deliver the
/// approved mail a second time, so it is an approver's call (a session with the role, or a
/// key holding `marketing:approve`), audited like any decision.
pub async fn settle(
    ctx: &Context,
    actor: &Actor,
    id: &SequenceId,
    message_id: &str,
    choice: UncertainChoice,
) -> Result<LedgerMessage, Error> {
    actor.require(Scope::MarketingWrite)?;
    let seq = find(ctx, actor, id).await?;
    if choice == UncertainChoice::SendAgain {
        actor.require_approver(EmailSequence::console_page(id))?;
    }
    let message = messages::get(&ctx.db, id, message_id)
        .await?
        .ok_or(Error::NotFound("message"))?;
    if message.status != MessageStatus::Uncertain {
        return Err(Error::Conflict(format!(
            "this message is {}, not uncertain: there is nothing to settle",
            message.status
        )));
    }
    let now = ctx.now();
    let (note, summary) = match choice {
        UncertainChoice::MarkSent => (
            "marked sent by a person after an interrupted send",
            format!(
                "marked step {} to {} as sent",
                message.step_index + 1,
                message.email
            ),
        ),
        UncertainChoice::SendAgain => (
            "queued again by a person after an interrupted send",
            format!(
                "queued step {} to {} again",
                message.step_index + 1,
                message.email
            ),
        ),
    };
    let mut tx = ctx.db.begin().await?;
    let to_sent = choice == UncertainChoice::MarkSent;
    if to_sent {
        follow_ups::lock_for_queueing(&mut tx, &[message_id]).await?;
    }
    if !messages::settle_uncertain(&mut tx, id, message_id, to_sent, note, now).await? {
        return Err(Error::Conflict("this message was settled meanwhile".into()));
    }
    if to_sent {
        follow_ups::queue_after(&mut tx, &[message_id], now).await?;
        let sent =
            Change::new(Action::EmailSent, id, summary.clone()).for_campaign(&seq.campaign_id, now);
        event_record::record(&mut tx, actor.into(), &sent, now).await?;
    }
    event_record::record(
        &mut tx,
        actor.into(),
        &Change::new(Action::SequenceMessageSettled, id.to_string(), summary),
        now,
    )
    .await?;
    tx.commit().await?;
    if to_sent && seq.status == SequenceStatus::Active {
        complete_if_done(ctx, actor.workspace_id(), id).await?;
    }
    messages::get(&ctx.db, id, message_id)
        .await?
        .ok_or(Error::NotFound("message"))
}

/// What sandbox senders delivered, newest first (optionally for one sequence).
pub async fn outbox(
    ctx: &Context,
    actor: &Actor,
    sequence: Option<&SequenceId>,
    page: &PageRequest,
) -> Result<Page<OutboxMessage>, Error> {
    actor.require(Scope::MarketingRead)?;
    Ok(Page::from_rows(
        outbox::list(&ctx.db, actor.workspace_id(), sequence, page).await?,
        page,
    ))
}
