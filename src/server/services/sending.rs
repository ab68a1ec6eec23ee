//! Sending what is due: claim due ledger rows, check each again at send time, commit
//! `sending`, hand the message to its provider, and record what the provider said.
//!
//! The order of writes is the safety argument. A message is `sending` in a committed write
//! before the provider hears of it, so a crash can only leave it `sending` (later
//! `uncertain`, for a person) and never lets it go out twice; `sent` is written after.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures::StreamExt;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use tokio::sync::Mutex;
use tokio::sync::mpsc::error::TryRecvError;
use tokio_util::task::AbortOnDropHandle;

use super::Context;
use super::event_record::{self, By};
use crate::domain::Error;
use crate::domain::change::{Action, Change};
use crate::domain::connector::{Connector, ConnectorKind};
use crate::domain::delivery::{Outcome, retry_after};
use crate::domain::enrollment::Recipient;
use crate::domain::ids::{ConnectorId, ContactId, SequenceId, WorkspaceId};
use crate::domain::message as message_id;
use crate::domain::schedule::next_open;
use crate::domain::sequence::{EmailSequence, SenderIdentity, SequenceStatus};
use crate::domain::template::{StepTemplates, Variables};
use crate::domain::time::Timestamp;
use crate::server::connectors::{Account, Mailers};
use crate::server::db::messages::{self, Claimed};
use crate::server::db::{
    approvals, brands, connectors, enrollments, follow_ups, outbox, sender_days, sequences,
};
use crate::server::mail::compose::{Outgoing, compose};

/// How a worker sends.
#[derive(Debug, Clone)]
pub struct SendSettings {
    /// Rows claimed per round.
    pub batch: i64,
    /// Messages of one sender written and committed `sending` together, ahead of their
    /// calls. At most two such chunks per sender are `sending` without a call (one being
    /// called, one waiting), which is what a crash can leave uncertain beyond the calls.
    pub ahead: usize,
    /// Messages in flight at once per worker.
    pub concurrency: usize,
    /// Of those, at most this many through one sender, so a sender that hangs holds only
    /// its own slots and the others' messages keep going in the same round.
    pub per_sender: usize,
    /// Failures in a row through one sender (unanswered or "try later") after which it is
    /// marked failing and its runs are held.
    pub failure_limit: u32,
    /// How long a claim or a `sending` row is held before others may act on it. Longer
    /// than any provider call, so a live worker's row is never declared uncertain.
    pub lease: Duration,
    /// Messages per second across this process (the global send rate).
    pub rate_per_second: u32,
    /// The public base URL unsubscribe links point to.
    pub public_url: String,
    /// Every provider call gives up after this long.
    pub call_timeout: Duration,
}

impl Default for SendSettings {
    fn default() -> Self {
        Self {
            batch: 200,
            ahead: 32,
            concurrency: 8,
            per_sender: 4,
            failure_limit: 5,
            lease: Duration::from_secs(120),
            rate_per_second: 50,
            public_url: "http://127.0.0.1:3000".into(),
            call_timeout: Duration::from_secs(45),
        }
    }
}

/// What a round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Round {
    /// Rows claimed.
    pub claimed: usize,
    /// Accepted by a provider.
    pub sent: usize,
    /// To be tried again later.
    pub retried: usize,
    /// Failed for good.
    pub failed: usize,
    /// Skipped (the contact or enrollment ended) or given back (paused, cap reached, or its
    /// sender is failing), without counting as an attempt.
    pub skipped: usize,
    /// Declared uncertain: the provider may have them (found `sending` past their lease, or
    /// the call ended without a clear answer).
    pub uncertain: usize,
}

/// One worker's sending machinery: its id, its providers, its limits.
#[derive(Clone)]
pub struct Sender {
    ctx: Context,
    mailers: Mailers,
    worker: Arc<str>,
    settings: Arc<SendSettings>,
    limiter: Arc<DefaultDirectRateLimiter>,
    /// Failures in a row per sender connector, across rounds; a success resets it.
    failures_in_a_row: Arc<std::sync::Mutex<HashMap<ConnectorId, u32>>>,
}

/// One sender's share of a round: once it is held, its messages not yet started are given
/// back untouched.
#[derive(Default)]
struct SenderTurn {
    held: AtomicBool,
}

/// A sequence as the worker needs it: its templates, its sender, and what was approved.
struct Prepared {
    seq: EmailSequence,
    templates: StepTemplates,
    approved_hash: Option<String>,
    sender: Connector,
    secrets: std::collections::BTreeMap<String, String>,
    /// The identity pinned at approval (what the approver saw), never the live settings.
    identity: SenderIdentity,
}

/// A claimed message, checked and written, not yet started.
struct Ready<'a> {
    c: &'a Claimed,
    p: Arc<Prepared>,
    to_address: String,
    message: lettre::Message,
}

/// A started message and the message itself, on its way to the provider.
type Start<'a> = (Started<'a>, lettre::Message);

/// Acceptances recorded in one transaction at most (each binds two parameters).
const RECORD_AT_MOST: usize = 500;

/// What checking and writing a claimed message came to.
enum Written<'a> {
    Ready(Box<Ready<'a>>),
    Done(Handled),
}

/// A message committed `sending`: what recording its outcome needs.
struct Started<'a> {
    c: &'a Claimed,
    p: Arc<Prepared>,
    to_address: String,
    subject: String,
    /// The whole message, kept for a sandbox's outbox.
    raw: Option<String>,
    /// Until when this worker holds it: a call must end before, or another worker could
    /// declare it uncertain while it is on the wire. With the worker's id it also names
    /// this start of the row, so a give-back touches nothing started since.
    lease_until: Timestamp,
    /// When it was started: the day its sender's count was taken on.
    started_at: Timestamp,
}

enum Handled {
    Sent,
    Retried,
    Failed,
    Skipped,
    Uncertain,
}

/// What an attempt said about its sender, beyond the message.
enum Verdict {
    /// It answered (whatever it said of the message).
    Answered,
    /// No clear answer, or "try later": one more in a row.
    Stumbled(String),
    /// It cannot work at all.
    Broken(String),
}

impl Sender {
    /// A sender for worker `worker`.
    pub fn new(ctx: Context, settings: SendSettings, worker: &str) -> Self {
        let rate = std::num::NonZeroU32::new(settings.rate_per_second.max(1)).expect("non-zero");
        Self {
            mailers: Mailers::new(ctx.http.clone()),
            ctx,
            worker: worker.into(),
            limiter: Arc::new(RateLimiter::direct(Quota::per_second(rate))),
            settings: Arc::new(settings),
            failures_in_a_row: Arc::default(),
        }
    }

    /// One round: declare expired `sending` rows uncertain, claim what is due, send it.
    /// `stopping` is checked before each message; what is not started is given back.
    pub async fn round(&self, stopping: &AtomicBool) -> Result<Round, Error> {
        let now = self.ctx.now();
        let mut round = Round {
            uncertain: messages::expire_sending(&self.ctx.db, now).await? as usize,
            ..Round::default()
        };
        let lease = self.lease_from(now);
        let claimed =
            messages::claim(&self.ctx.db, &self.worker, now, lease, self.settings.batch).await?;
        round.claimed = claimed.len();
        if claimed.is_empty() {
            return Ok(round);
        }
        let cache: Mutex<HashMap<SequenceId, Arc<Prepared>>> = Mutex::default();
        // Messages run per sender, each sender within its own slots and all within the
        // worker's: a sender that hangs or fails cannot hold up the others' messages.
        let mut by_sender: HashMap<Option<ConnectorId>, Vec<&Claimed>> = HashMap::new();
        for c in &claimed {
            let sender = match self.prepared(c, &cache).await {
                Ok(Some(p)) => Some(p.sender.id.clone()),
                _ => None,
            };
            by_sender.entry(sender).or_default().push(c);
        }
        let groups: Vec<(SenderTurn, Vec<&Claimed>)> = by_sender
            .into_values()
            .map(|messages| (SenderTurn::default(), messages))
            .collect();
        let slots = tokio::sync::Semaphore::new(self.settings.concurrency.max(1));
        let per_sender = self
            .settings
            .per_sender
            .clamp(1, self.settings.concurrency.max(1));
        let results: Vec<Result<Handled, Error>> =
            futures::future::join_all(groups.iter().map(|(turn, messages)| {
                self.sender_turn(messages, &cache, stopping, turn, &slots, per_sender)
            }))
            .await
            .into_iter()
            .flatten()
            .collect();
        for r in results {
            match r {
                Ok(Handled::Sent) => round.sent += 1,
                Ok(Handled::Retried) => round.retried += 1,
                Ok(Handled::Failed) => round.failed += 1,
                Ok(Handled::Skipped) => round.skipped += 1,
                Ok(Handled::Uncertain) => round.uncertain += 1,
                Err(e) => tracing::error!(error = %e, "a message could not be processed"),
            }
        }
        let touched: Vec<(WorkspaceId, SequenceId)> = {
            let mut seen: Vec<(WorkspaceId, SequenceId)> = claimed
                .iter()
                .map(|c| (c.workspace_id.clone(), c.sequence_id.clone()))
                .collect();
            seen.sort();
            seen.dedup();
            seen
        };
        for (ws, seq) in touched {
            super::runs::complete_if_done(&self.ctx, &ws, &seq).await?;
        }
        Ok(round)
    }

    fn lease_from(&self, now: Timestamp) -> Timestamp {
        now.plus(to_time(self.settings.lease))
    }

    async fn prepared(
        &self,
        c: &Claimed,
        cache: &Mutex<HashMap<SequenceId, Arc<Prepared>>>,
    ) -> Result<Option<Arc<Prepared>>, Error> {
        let mut cache = cache.lock().await;
        if let Some(p) = cache.get(&c.sequence_id) {
            return Ok(Some(p.clone()));
        }
        let db = &self.ctx.db;
        let Some(seq) = sequences::get(db, &c.workspace_id, &c.sequence_id).await? else {
            return Ok(None);
        };
        let Some(stored) = connectors::get(db, &c.workspace_id, &seq.sender_connector_id).await?
        else {
            return Ok(None);
        };
        let secrets = super::connectors::open(&self.ctx, &stored)?;
        let identity = match &seq.approved_sender {
            Some(pinned) => pinned.clone(),
            // Approved before identities were pinned: the live one, as then.
            None => {
                let brand = brands::get(db, &c.workspace_id, &seq.brand_id).await?;
                SenderIdentity::of(
                    &stored.connector,
                    &brand.map(|b| b.name).unwrap_or_default(),
                )
            }
        };
        let approved_hash = approvals::approved_hash(db, "email_sequence", seq.id.as_str()).await?;
        let prepared = Arc::new(Prepared {
            templates: StepTemplates::compile(&seq.steps)?,
            seq,
            approved_hash,
            sender: stored.connector,
            secrets,
            identity,
        });
        cache.insert(c.sequence_id.clone(), prepared.clone());
        Ok(Some(prepared))
    }

    /// One sender's messages of a round, as three stages running at once: chunks of
    /// `ahead` messages are written and committed `sending` in one transaction (at most one
    /// started chunk waits for the calls), the calls go out `per_sender` at a time as slots
    /// free up, and whatever the providers accepted since the last record is recorded in
    /// one transaction. Once the sender is held, or the worker stops, nothing more is
    /// called: started messages not yet handed over are given back with their attempt and
    /// day count undone, and the messages not yet started are released.
    async fn sender_turn(
        &self,
        messages: &[&Claimed],
        cache: &Mutex<HashMap<SequenceId, Arc<Prepared>>>,
        stopping: &AtomicBool,
        turn: &SenderTurn,
        slots: &tokio::sync::Semaphore,
        per_sender: usize,
    ) -> Vec<Result<Handled, Error>> {
        let halted = || stopping.load(Ordering::Relaxed) || turn.held.load(Ordering::Relaxed);
        let (to_call, mut calls_in) = tokio::sync::mpsc::channel::<Vec<Start<'_>>>(1);
        let (to_record, mut records_in) =
            tokio::sync::mpsc::unbounded_channel::<(Started<'_>, Option<String>)>();

        let write_ahead = async move {
            let mut results = Vec::new();
            let mut chunks = messages.chunks(self.settings.ahead.max(1));
            while let Some(chunk) = chunks.next() {
                // A place in the queue first: a chunk is committed `sending` only when the
                // calls are about to take it, so a crash leaves few messages uncertain.
                let place = to_call.reserve().await.ok();
                let Some(place) = place.filter(|_| !halted()) else {
                    for c in chunk.iter().chain(chunks.by_ref().flatten()) {
                        let released =
                            messages::release(&self.ctx.db, &c.message_id, &self.worker, None);
                        results.push(released.await.map(|()| Handled::Skipped));
                    }
                    break;
                };
                let (started, handled) = self.write_and_start(chunk, cache, turn).await;
                results.extend(handled);
                if !started.is_empty() {
                    place.send(started);
                }
            }
            results
        };

        let call = async move {
            let mut results = Vec::new();
            let mut not_called = Vec::new();
            let mut waiting = std::collections::VecDeque::new();
            let mut in_flight = futures::stream::FuturesUnordered::new();
            let mut more_to_come = true;
            loop {
                // Fill the sender's slots from the started chunks, taking the next chunk
                // as soon as the current one is handed over.
                while in_flight.len() < per_sender {
                    if let Some((s, message)) = waiting.pop_front() {
                        in_flight.push(self.call(s, message, slots, stopping, turn));
                    } else if !more_to_come {
                        break;
                    } else if in_flight.is_empty() {
                        match calls_in.recv().await {
                            Some(chunk) => waiting.extend(chunk),
                            None => more_to_come = false,
                        }
                    } else {
                        match calls_in.try_recv() {
                            Ok(chunk) => waiting.extend(chunk),
                            Err(TryRecvError::Empty) => break,
                            Err(TryRecvError::Disconnected) => more_to_come = false,
                        }
                    }
                }
                let next = if more_to_come && waiting.is_empty() && in_flight.len() < per_sender {
                    tokio::select! {
                        done = in_flight.next() => done,
                        chunk = calls_in.recv() => {
                            match chunk {
                                Some(chunk) => waiting.extend(chunk),
                                None => more_to_come = false,
                            }
                            continue;
                        }
                    }
                } else {
                    in_flight.next().await
                };
                let Some((s, outcome)) = next else { break };
                let Some(outcome) = outcome else {
                    not_called.push(s);
                    continue;
                };
                let verdict = match &outcome {
                    Outcome::ConnectorFault(r) => Verdict::Broken(r.clone()),
                    Outcome::Transient(r) | Outcome::Uncertain(r) => Verdict::Stumbled(r.clone()),
                    Outcome::Sent { .. } | Outcome::Permanent(_) => Verdict::Answered,
                };
                if let Err(e) = self.judge(s.c, &s.p, verdict, turn).await {
                    results.push(Err(e));
                }
                match outcome {
                    // The recorder is only gone once this loop has ended.
                    Outcome::Sent { provider_id } => _ = to_record.send((s, provider_id)),
                    other => results.push(self.settle(&s, other).await),
                }
            }
            drop(to_record);
            if !not_called.is_empty() {
                let n = not_called.len();
                match self.give_back_not_called(&not_called).await {
                    Ok(()) => results.extend((0..n).map(|_| Ok(Handled::Skipped))),
                    Err(e) => results.push(Err(e)),
                }
            }
            results
        };

        let record = async move {
            let mut results = Vec::new();
            while let Some(first) = records_in.recv().await {
                let mut accepted = vec![first];
                while accepted.len() < RECORD_AT_MOST {
                    match records_in.try_recv() {
                        Ok(more) => accepted.push(more),
                        Err(_) => break,
                    }
                }
                let n = accepted.len();
                match self.record_accepted(&accepted).await {
                    Ok(()) => results.extend((0..n).map(|_| Ok(Handled::Sent))),
                    Err(e) => results.push(Err(e)),
                }
            }
            results
        };

        let (written, called, recorded) = futures::join!(write_ahead, call, record);
        written.into_iter().chain(called).chain(recorded).collect()
    }

    /// Hands one started message over when a slot is free, unless the sender was held, the
    /// worker is stopping, or too little of its lease is left for a whole call (a slow
    /// sender's chunk can wait that long): `None`, not called.
    async fn call<'a>(
        &self,
        s: Started<'a>,
        message: lettre::Message,
        slots: &tokio::sync::Semaphore,
        stopping: &AtomicBool,
        turn: &SenderTurn,
    ) -> (Started<'a>, Option<Outcome>) {
        let _slot = slots.acquire().await;
        let call_must_end = self.ctx.now().plus(to_time(
            self.settings.call_timeout + CALL_MARGIN + RECORD_MARGIN,
        ));
        if stopping.load(Ordering::Relaxed)
            || turn.held.load(Ordering::Relaxed)
            || call_must_end >= s.lease_until
        {
            return (s, None);
        }
        let outcome = self.hand_over(s.p.clone(), message).await;
        (s, Some(outcome))
    }

    /// Writes a chunk's messages from their recipients' pinned data and commits those that
    /// pass the send-time checks `sending`; what cannot or must not go now is settled.
    async fn write_and_start<'a>(
        &self,
        chunk: &[&'a Claimed],
        cache: &Mutex<HashMap<SequenceId, Arc<Prepared>>>,
        turn: &SenderTurn,
    ) -> (Vec<Start<'a>>, Vec<Result<Handled, Error>>) {
        let mut results = Vec::with_capacity(chunk.len());
        let mut recipients = match self.recipients(chunk).await {
            Ok(found) => found,
            Err(e) => {
                results.push(Err(e));
                return (Vec::new(), results);
            }
        };
        let written = futures::future::join_all(chunk.iter().map(|c| {
            let recipient = recipients.remove(&(c.sequence_id.clone(), c.contact_id.clone()));
            self.write(c, recipient, cache, turn)
        }))
        .await;
        let mut ready = Vec::with_capacity(chunk.len());
        for w in written {
            match w {
                Ok(Written::Ready(r)) => ready.push(*r),
                Ok(Written::Done(handled)) => results.push(Ok(handled)),
                Err(e) => results.push(Err(e)),
            }
        }
        if ready.is_empty() {
            return (Vec::new(), results);
        }
        // The global rate, then the sender's daily cap and the send-time checks, committed
        // together as `sending` before the provider hears anything.
        for _ in &ready {
            self.limiter.until_ready().await;
        }
        match self.start(ready).await {
            Ok((started, handled)) => {
                results.extend(handled);
                (started, results)
            }
            Err(e) => {
                results.push(Err(e));
                (Vec::new(), results)
            }
        }
    }

    /// Started messages that were never handed over (the sender was held, the worker is
    /// stopping, or the lease left was too short): `scheduled` again and released, their
    /// attempt and day count undone.
    async fn give_back_not_called(&self, not_called: &[Started<'_>]) -> Result<(), Error> {
        let now = self.ctx.now();
        let mut tx = self.ctx.db.begin().await?;
        for s in not_called {
            self.give_back_in(&mut tx, s, None, now).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// This worker's start of a message.
    fn holder<'s>(&'s self, s: &Started<'_>) -> messages::Holder<'s> {
        messages::Holder {
            worker: &self.worker,
            lease_until: s.lease_until,
        }
    }

    /// Gives one started message back if this start of it still holds the row (nothing
    /// another worker, or a later start, has since done to it), with the day's count.
    async fn give_back_in(
        &self,
        tx: &mut crate::server::db::Tx,
        s: &Started<'_>,
        reason: Option<&str>,
        now: Timestamp,
    ) -> Result<(), Error> {
        if messages::give_back(tx, &s.c.message_id, &self.holder(s), reason, now).await? {
            sender_days::give_back(tx, &s.p.sender.id, s.started_at, 1).await?;
        }
        Ok(())
    }

    /// The pinned data of a wave's enrollments, one query per sequence in the wave.
    async fn recipients(
        &self,
        wave: &[&Claimed],
    ) -> Result<HashMap<(SequenceId, ContactId), Recipient>, Error> {
        let mut by_sequence: HashMap<&SequenceId, Vec<&ContactId>> = HashMap::new();
        for c in wave {
            by_sequence
                .entry(&c.sequence_id)
                .or_default()
                .push(&c.contact_id);
        }
        let mut found = HashMap::with_capacity(wave.len());
        for (sequence, contacts) in by_sequence {
            for r in enrollments::pinned(&self.ctx.db, sequence, &contacts).await? {
                found.insert((sequence.clone(), r.contact_id.clone()), r);
            }
        }
        Ok(found)
    }

    /// Checks a claimed message against its sequence and writes it from the enrollment's
    /// pinned data (`None` once the enrollment is gone); what cannot or must not go now is
    /// settled here.
    async fn write<'a>(
        &self,
        c: &'a Claimed,
        recipient: Option<Recipient>,
        cache: &Mutex<HashMap<SequenceId, Arc<Prepared>>>,
        turn: &SenderTurn,
    ) -> Result<Written<'a>, Error> {
        let db = &self.ctx.db;
        let done = |handled| Ok(Written::Done(handled));
        let Some(p) = self.prepared(c, cache).await? else {
            return done(
                self.fail(c, "the sequence or its sender no longer exists")
                    .await?,
            );
        };
        if p.seq.status == SequenceStatus::Active && p.sender.failing_since.is_some() {
            // Approved or resumed while its sender is failing: held with the others.
            turn.held.store(true, Ordering::Relaxed);
            let reason = p.sender.health_detail.clone().unwrap_or_default();
            super::holds::hold(&self.ctx, &c.workspace_id, &p.sender, &reason).await?;
            messages::release(db, &c.message_id, &self.worker, None).await?;
            return done(Handled::Skipped);
        }
        if p.seq.status != SequenceStatus::Active {
            // Paused or stopped since the claim: give it back; cancel skips it for good.
            messages::release(db, &c.message_id, &self.worker, None).await?;
            return done(Handled::Skipped);
        }
        if p.approved_hash.as_deref() != Some(p.seq.content_hash.as_str()) {
            return done(
                self.fail(
                    c,
                    "the content differs from what was approved; nothing was sent",
                )
                .await?,
            );
        }
        // Written from the enrollment's pinned data: an edit of the contact after approval
        // changes neither where this goes nor what it says.
        let Some(recipient) = recipient else {
            let mut tx = db.begin().await?;
            messages::skip_if_ended(&mut tx, c, self.ctx.now()).await?;
            tx.commit().await?;
            return done(Handled::Skipped);
        };
        let vars = Variables::of_recipient(&recipient, &p.identity.from_name);
        let step = match p.templates.render_step(c.step_index as usize, &vars) {
            Ok(step) => step,
            Err(reason) => {
                return done(
                    self.fail(c, &format!("cannot be written: {reason}"))
                        .await?,
                );
            }
        };
        let domain = message_id::domain_of(&c.message_id);
        let token = self
            .ctx
            .secrets
            .unsubscribe_key()
            .token(&c.contact_id, &c.sequence_id);
        let unsubscribe_url = format!(
            "{}/u/{token}",
            self.settings.public_url.trim_end_matches('/')
        );
        let unsubscribe_mailto = format!("unsubscribe@{domain}?subject=unsubscribe%20{token}");
        let thread_of = (c.step_index > 0 && p.seq.thread_replies).then(|| {
            message_id::message_id(c.sequence_id.as_str(), c.contact_id.as_str(), 0, domain)
        });
        let to_name = recipient.full_name();
        let message = match compose(&Outgoing {
            from_name: &p.identity.from_name,
            from_address: &p.identity.from_address,
            to_name: &to_name,
            to_address: &recipient.email,
            subject: &step.subject,
            body: &step.body,
            message_id: &c.message_id,
            thread_of: thread_of.as_deref(),
            unsubscribe_url: &unsubscribe_url,
            unsubscribe_mailto: &unsubscribe_mailto,
        }) {
            Ok(m) => m,
            Err(e) => return done(self.fail(c, &format!("cannot be composed: {e}")).await?),
        };

        // Outside the send window (a retry, a resume or a send-again can come due at night):
        // it waits for the window to open.
        let now = self.ctx.now();
        let open = self.window_open(&p.seq, now);
        if open > now {
            messages::release(db, &c.message_id, &self.worker, Some(open)).await?;
            return done(Handled::Skipped);
        }
        Ok(Written::Ready(Box::new(Ready {
            c,
            p,
            to_address: recipient.email,
            message,
        })))
    }

    /// Commits a wave's messages `sending` in one transaction, each only if it still passes
    /// the send-time checks and its sender's day has room; the others are settled or given
    /// back once that transaction is committed.
    async fn start<'a>(
        &self,
        ready: Vec<Ready<'a>>,
    ) -> Result<(Vec<Start<'a>>, Vec<Result<Handled, Error>>), Error> {
        let db = &self.ctx.db;
        let now = self.ctx.now();
        let lease = self.lease_from(now);
        let mut started = Vec::with_capacity(ready.len());
        let mut day_full = Vec::new();
        let mut tx = db.begin().await?;
        // The send-time checks: one statement per approved content in the chunk.
        let mut by_hash: Vec<(&str, Vec<&str>)> = Vec::new();
        for r in &ready {
            let hash = r.p.seq.content_hash.as_str();
            match by_hash.iter_mut().find(|(h, _)| *h == hash) {
                Some((_, ids)) => ids.push(r.c.message_id.as_str()),
                None => by_hash.push((hash, vec![r.c.message_id.as_str()])),
            }
        }
        let mut passed = std::collections::HashSet::new();
        for (hash, ids) in &by_hash {
            passed.extend(
                messages::start_sending(&mut tx, ids, &self.worker, hash, lease, now).await?,
            );
        }
        let (checked, not_started): (Vec<Ready>, Vec<Ready>) = ready
            .into_iter()
            .partition(|r| passed.contains(&r.c.message_id));
        // The sender's day: the whole chunk at once while it has room; near the cap, one by
        // one as far as it goes, the rest `scheduled` again for tomorrow.
        let mut by_sender: Vec<Vec<Ready>> = Vec::new();
        for r in checked {
            match by_sender
                .iter_mut()
                .find(|group| group[0].p.sender.id == r.p.sender.id)
            {
                Some(group) => group.push(r),
                None => by_sender.push(vec![r]),
            }
        }
        for group in by_sender {
            let sender = group[0].p.sender.clone();
            let n = i64::try_from(group.len()).map_err(Error::internal)?;
            if sender_days::take(&mut tx, &sender.id, now, sender.daily_cap(), n).await? {
                started.extend(group);
                continue;
            }
            for r in group {
                if day_full.is_empty()
                    && sender_days::take(&mut tx, &sender.id, now, sender.daily_cap(), 1).await?
                {
                    started.push(r);
                } else {
                    messages::unstart(&mut tx, &r.c.message_id, &self.worker).await?;
                    day_full.push(r);
                }
            }
        }
        tx.commit().await?;

        // The started messages are committed `sending` now: whatever happens to the others
        // below, they must go on to their provider, so errors here are only reported.
        let mut handled = Vec::new();
        for r in not_started {
            handled.push(self.not_started(r.c, now).await);
        }
        for r in day_full {
            let tomorrow = self.window_open(&r.p.seq, next_utc_day(now));
            let released = messages::release(db, &r.c.message_id, &self.worker, Some(tomorrow));
            handled.push(released.await.map(|()| Handled::Skipped));
            tracing::info!(sender = %r.p.sender.id, "daily cap reached: the rest waits for tomorrow");
        }
        let started = started
            .into_iter()
            .map(|r| {
                let subject = r
                    .message
                    .headers()
                    .get::<lettre::message::header::Subject>()
                    .map(|s| s.as_ref().to_owned())
                    .unwrap_or_default();
                let raw = (r.p.sender.kind == ConnectorKind::Sandbox)
                    .then(|| String::from_utf8_lossy(&r.message.formatted()).into_owned());
                let meta = Started {
                    c: r.c,
                    p: r.p,
                    to_address: r.to_address,
                    subject,
                    raw,
                    lease_until: lease,
                    started_at: now,
                };
                (meta, r.message)
            })
            .collect();
        Ok((started, handled))
    }

    /// A message the send-time checks refused at the start: skipped for good when its run
    /// or enrollment has ended, else given back.
    async fn not_started(&self, c: &Claimed, now: Timestamp) -> Result<Handled, Error> {
        let db = &self.ctx.db;
        let mut tx = db.begin().await?;
        let ended = messages::skip_if_ended(&mut tx, c, now).await?;
        tx.commit().await?;
        if !ended {
            messages::release(db, &c.message_id, &self.worker, None).await?;
        }
        Ok(Handled::Skipped)
    }

    /// Hands one started message to its provider. A sandbox's outbox is written with the
    /// others' acceptances, so here it is accepted at once.
    ///
    /// The conversation runs as its own task: the sender's turn writes the next chunk's
    /// messages on the same task as it waits for calls, and a provider's answer must not
    /// wait for that work to finish before it is read.
    async fn hand_over(&self, p: Arc<Prepared>, message: lettre::Message) -> Outcome {
        if p.sender.kind == ConnectorKind::Sandbox {
            return Outcome::Sent { provider_id: None };
        }
        let budget = self.settings.call_timeout;
        let mailers = self.mailers.clone();
        let kind = p.sender.kind;
        let call = CallTask::new(tokio::spawn(async move {
            let account = Account {
                settings: &p.sender.settings,
                secrets: &p.secrets,
            };
            let connector = (p.sender.id.as_str(), p.sender.version);
            mailers
                .send(p.sender.kind, connector, &account, message, budget)
                .await
        }));
        // The client keeps within the budget by itself; this only catches one that does not.
        outcome_of(call, budget + CALL_MARGIN, kind).await
    }

    /// Records what the providers accepted in one transaction: each message `sent` (and a
    /// sandbox's copy in its outbox), and their changes in the event record, whose counters
    /// add the wave at once.
    async fn record_accepted(
        &self,
        accepted: &[(Started<'_>, Option<String>)],
    ) -> Result<(), Error> {
        let now = self.ctx.now();
        let with_next_step: Vec<&str> = accepted
            .iter()
            .filter(|(s, _)| (s.c.step_index as usize) + 1 < s.p.seq.steps.len())
            .map(|(s, _)| s.c.message_id.as_str())
            .collect();
        let mut tx = self.ctx.db.begin().await?;
        follow_ups::lock_for_queueing(&mut tx, &with_next_step).await?;
        for (s, _) in accepted {
            let (c, p) = (s.c, &s.p);
            if let Some(raw) = &s.raw {
                outbox::insert(
                    &mut tx,
                    &c.workspace_id,
                    &outbox::NewOutboxMessage {
                        message_id: &c.message_id,
                        connector_id: &p.sender.id,
                        sequence_id: &c.sequence_id,
                        contact_id: &c.contact_id,
                        step_index: c.step_index,
                        to_address: &s.to_address,
                        subject: &s.subject,
                        raw,
                    },
                    now,
                )
                .await?;
            }
        }
        let ids: Vec<(&str, Option<&str>)> = accepted
            .iter()
            .map(|(s, provider_id)| (s.c.message_id.as_str(), provider_id.as_deref()))
            .collect();
        let recorded = messages::mark_sent(&mut tx, &ids, now).await?;
        let recorded: std::collections::HashSet<&str> =
            recorded.iter().map(String::as_str).collect();
        let sent_with_next_step: Vec<&str> = with_next_step
            .into_iter()
            .filter(|id| recorded.contains(id))
            .collect();
        follow_ups::queue_after(&mut tx, &sent_with_next_step, now).await?;
        let mut changes: Vec<(&WorkspaceId, Change)> = accepted
            .iter()
            .filter(|(s, _)| recorded.contains(s.c.message_id.as_str()))
            .map(|(s, _)| {
                let (c, p) = (s.c, &s.p);
                let sent = Change::new(
                    Action::EmailSent,
                    &c.sequence_id,
                    format!(
                        "step {} of \"{}\" sent ({})",
                        c.step_index + 1,
                        p.seq.name,
                        c.message_id
                    ),
                )
                .for_campaign(&p.seq.campaign_id, now);
                (&c.workspace_id, sent)
            })
            .collect();
        changes.sort_by(|a, b| a.0.cmp(b.0));
        for group in changes.chunk_by(|a, b| a.0 == b.0) {
            let workspace = group[0].0;
            let batch: Vec<Change> = group.iter().map(|(_, change)| change.clone()).collect();
            event_record::record_all(&mut tx, By::System(workspace), &batch, now).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Counts what an attempt said about its sender; holds the sender's runs when it cannot
    /// work, or failed `failure_limit` times in a row.
    async fn judge(
        &self,
        c: &Claimed,
        p: &Prepared,
        verdict: Verdict,
        turn: &SenderTurn,
    ) -> Result<(), Error> {
        let reason = {
            let mut counts = self
                .failures_in_a_row
                .lock()
                .expect("the failure counter lock is never poisoned");
            match verdict {
                Verdict::Answered => {
                    counts.remove(&p.sender.id);
                    return Ok(());
                }
                Verdict::Broken(reason) => reason,
                Verdict::Stumbled(reason) => {
                    let n = counts.entry(p.sender.id.clone()).or_default();
                    *n += 1;
                    if *n < self.settings.failure_limit.max(1) {
                        return Ok(());
                    }
                    format!("{n} attempts in a row failed; the last: {reason}")
                }
            }
        };
        turn.held.store(true, Ordering::Relaxed);
        self.failures_in_a_row
            .lock()
            .expect("the failure counter lock is never poisoned")
            .remove(&p.sender.id);
        super::holds::hold(&self.ctx, &c.workspace_id, &p.sender, &reason).await?;
        Ok(())
    }

    async fn settle(&self, s: &Started<'_>, outcome: Outcome) -> Result<Handled, Error> {
        let (c, p) = (s.c, &s.p);
        let db = &self.ctx.db;
        let now = self.ctx.now();
        match outcome {
            Outcome::Sent { .. } => Err(Error::internal(std::io::Error::other(
                "an accepted message is recorded with its wave",
            ))),
            Outcome::Uncertain(reason) => {
                tracing::warn!(message = %c.message_id, %reason, "send outcome unknown: left for a person");
                messages::mark_uncertain(db, &c.message_id, &self.holder(s), &reason, now).await?;
                Ok(Handled::Uncertain)
            }
            Outcome::ConnectorFault(reason) => {
                // Nothing was handed over, and the fault is the sender's: the message goes
                // back as it was, its attempt not counted, to wait with its run.
                tracing::warn!(message = %c.message_id, %reason, "sender cannot work: message given back");
                let mut tx = db.begin().await?;
                self.give_back_in(&mut tx, s, Some(&reason), now).await?;
                tx.commit().await?;
                Ok(Handled::Skipped)
            }
            failure => {
                let attempt = c.attempts + 1;
                let reason = failure.reason().unwrap_or_default().to_owned();
                tracing::warn!(message = %c.message_id, attempt, %reason, "send failed");
                match retry_after(&failure, attempt) {
                    Some(secs) => {
                        let at = self.window_open(&p.seq, now.plus(time::Duration::seconds(secs)));
                        let holder = self.holder(s);
                        messages::retry_later(db, &c.message_id, &holder, at, &reason, now).await?;
                        Ok(Handled::Retried)
                    }
                    None => {
                        let mut tx = db.begin().await?;
                        messages::mark_failed(&mut tx, &c.message_id, &reason, now).await?;
                        tx.commit().await?;
                        Ok(Handled::Failed)
                    }
                }
            }
        }
    }

    /// The first moment at or after `at` inside the sequence's send window.
    fn window_open(&self, seq: &EmailSequence, at: Timestamp) -> Timestamp {
        match &seq.send_window {
            Some(w) => next_open(at, w),
            None => at,
        }
    }

    async fn fail(&self, c: &Claimed, reason: &str) -> Result<Handled, Error> {
        tracing::error!(message = %c.message_id, %reason, "message cannot be sent");
        let mut tx = self.ctx.db.begin().await?;
        messages::mark_failed(&mut tx, &c.message_id, reason, self.ctx.now()).await?;
        tx.commit().await?;
        Ok(Handled::Failed)
    }
}

/// A provider call on its own task, stopped when whoever waits for it stops waiting (a
/// timeout, a worker that stops): as when the call ran on the waiting task itself.
type CallTask = AbortOnDropHandle<Outcome>;

/// What a call on its own task came to, waiting at most `limit`. A call that ends without
/// an answer (its task panicked) or is cut off may have handed the message over: uncertain.
async fn outcome_of(call: CallTask, limit: Duration, kind: ConnectorKind) -> Outcome {
    match tokio::time::timeout(limit, call).await {
        Ok(Ok(outcome)) => outcome,
        Ok(Err(e)) => Outcome::Uncertain(format!(
            "{kind}: the call ended without an answer ({e}); the message may or may not have been accepted"
        )),
        Err(_) => Outcome::Uncertain(format!(
            "{kind}: no answer within {} s; the message may or may not have been accepted",
            limit.saturating_sub(CALL_MARGIN).as_secs()
        )),
    }
}

/// A provider call gets this long beyond its budget before it is cut off.
const CALL_MARGIN: Duration = Duration::from_secs(2);

/// Left of a lease after the longest call, to record its outcome. With [`CALL_MARGIN`] it
/// stays under the shortest lease's margin over the call timeout, so a message started
/// with the shortest lease allowed can still be called at once.
const RECORD_MARGIN: Duration = Duration::from_secs(1);

fn to_time(d: Duration) -> time::Duration {
    time::Duration::milliseconds(i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Midnight UTC after `at`: when a sender's daily count starts again.
fn next_utc_day(at: Timestamp) -> Timestamp {
    let date = at
        .as_datetime()
        .date()
        .next_day()
        .unwrap_or(at.as_datetime().date());
    Timestamp::from_datetime(date.midnight().assume_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_started_with_the_shortest_lease_can_be_called() {
        let margin = Duration::from_secs(crate::server::config::LEASE_MARGIN_SECONDS);
        assert!(CALL_MARGIN + RECORD_MARGIN < margin);
    }

    #[tokio::test]
    async fn a_call_that_ends_without_an_answer_is_uncertain() {
        let call = CallTask::new(tokio::spawn(async { panic!("mid-conversation") }));
        let outcome = outcome_of(call, Duration::from_secs(5), ConnectorKind::Smtp).await;
        let Outcome::Uncertain(reason) = outcome else {
            panic!("expected uncertain, got {outcome:?}")
        };
        assert!(reason.contains("ended without an answer"), "{reason}");
    }

    #[tokio::test]
    async fn a_call_cut_off_is_uncertain_and_stopped() {
        struct Dropped(Arc<AtomicBool>);
        impl Drop for Dropped {
            fn drop(&mut self) {
                self.0.store(true, Ordering::SeqCst);
            }
        }
        let stopped = Arc::new(AtomicBool::new(false));
        let guard = Dropped(stopped.clone());
        let call = CallTask::new(tokio::spawn(async move {
            let _guard = guard;
            tokio::time::sleep(Duration::from_secs(60)).await;
            Outcome::Sent { provider_id: None }
        }));
        let outcome = outcome_of(call, Duration::from_millis(50), ConnectorKind::Smtp).await;
        let Outcome::Uncertain(reason) = outcome else {
            panic!("expected uncertain, got {outcome:?}")
        };
        assert!(reason.contains("no answer within"), "{reason}");
        for _ in 0..100 {
            if stopped.load(Ordering::SeqCst) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("the call's task kept running after it was cut off");
    }

    #[test]
    fn the_cap_resets_at_the_next_utc_midnight() {
        let at: Timestamp = "2026-11-30T22:15:00Z".parse().unwrap();
        assert_eq!(next_utc_day(at).to_string(), "2026-12-01T00:00:00.000000Z");
    }
}
