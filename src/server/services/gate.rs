//! The approval gate as one flow: deciding any gated subject (an email sequence now; ad
//! creatives, ad launches and blog publishes as they come) finds its open request, checks
//! the version the approver saw and that the content is still the content requested,
//! records the decision and its effect in one transaction, and re-requests approval when
//! the content changed underneath. Each subject says only what is particular to it, by
//! implementing [`Gated`]; its lifecycle rules are domain methods on the subject.

use super::Context;
use super::approvals::{already_decided, decide_in, pending_for};
use super::event_record::{self, By};
use crate::domain::Error;
use crate::domain::actor::{Actor, Scope};
use crate::domain::approval::{Approval, Decision, DecisionInput, SubjectType};
use crate::domain::change::Change;
use crate::domain::ids::ApprovalId;
use crate::domain::time::Timestamp;
use crate::server::db::Tx;

/// A decision being recorded, as the subject's `apply_in` sees it.
pub struct Decided<'a> {
    /// The request decided.
    pub approval: &'a Approval,
    /// Approve or reject.
    pub decision: Decision,
    /// The approver's note, checked.
    pub note: Option<&'a str>,
    /// What else the approver said.
    pub input: &'a DecisionInput,
    /// When.
    pub at: Timestamp,
}

/// A subject behind the approval gate.
#[async_trait::async_trait]
pub trait Gated: Sized + Send + Sync {
    /// What kind of subject it is.
    const SUBJECT: SubjectType;

    /// Loads it, confined to the actor's workspace (`NotFound` otherwise). Needs no scope:
    /// the gate checks the approver's before anything is shown or changed.
    async fn load(ctx: &Context, actor: &Actor, id: &str) -> Result<Self, Error>;

    /// Its id.
    fn id(&self) -> &str;

    /// The console page where a person decides it (named in 403s).
    fn console_page(&self) -> String;

    /// The domain's lifecycle check: may `decision` be made on it, seen at `version`?
    fn check_decision(&self, decision: Decision, version: Option<i64>) -> Result<(), Error>;

    /// The hash of what would be done if approved now (loading what it needs).
    async fn current_hash(&mut self, ctx: &Context, actor: &Actor) -> Result<String, Error>;

    /// The content changed under the open request: replace the request with one for the
    /// current content, and answer with the conflict to report.
    async fn rerequest(self, ctx: &Context, actor: &Actor, hash: String) -> Error;

    /// Moves its own row to the decided status, guarded by the status and version it was
    /// loaded with; false when someone else decided or edited it first. Runs first in the
    /// transaction, as an edit does, so the two never wait on each other.
    async fn move_in(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        decision: Decision,
        now: Timestamp,
    ) -> Result<bool, Error>;

    /// What the decision does besides (its campaign, and on approval the effect itself),
    /// in the same transaction; refusing rolls everything back. Returns the change to record.
    async fn apply_in(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        decided: &Decided<'_>,
    ) -> Result<Change, Error>;

    /// Once the decision is committed: upkeep its effect needs outside the transaction. It
    /// cannot undo the decision, so it reports its own failures instead of returning them.
    async fn decided(&self, _ctx: &Context, _decision: Decision) {}
}

/// The approver's decision on `id`: the one flow for every gated subject. With `request`,
/// only that request is decided: if another replaced it meanwhile, nothing is. Returns the
/// subject as it is after the decision.
pub async fn decide<S: Gated>(
    ctx: &Context,
    actor: &Actor,
    id: &str,
    decision: Decision,
    input: &DecisionInput,
    request: Option<&ApprovalId>,
) -> Result<S, Error> {
    let mut subject = S::load(ctx, actor, id).await?;
    actor.require_approver(subject.console_page())?;
    // The answer shows the subject, so read is checked too, before any write.
    actor.require(Scope::MarketingRead)?;
    let note = decision.note(input.note.as_deref())?;
    subject.check_decision(decision, input.version)?;
    let approval = pending_for(ctx, actor, S::SUBJECT, subject.id())
        .await?
        .ok_or_else(already_decided)?;
    if request.is_some_and(|want| *want != approval.id) {
        return Err(Error::Conflict(
            "this request was replaced by a newer one for changed content; review that one and decide it".into(),
        ));
    }
    let current = subject.current_hash(ctx, actor).await?;
    if approval.content_hash != current {
        return Err(subject.rerequest(ctx, actor, current).await);
    }
    let now = ctx.now();
    let mut tx = ctx.db.begin().await?;
    if !subject.move_in(&mut tx, actor, decision, now).await? {
        return Err(already_decided());
    }
    decide_in(&mut tx, actor, &approval, decision, note.as_deref(), now).await?;
    let decided = Decided {
        approval: &approval,
        decision,
        note: note.as_deref(),
        input,
        at: now,
    };
    let change = subject.apply_in(&mut tx, actor, &decided).await?;
    event_record::record(&mut tx, By::Actor(actor), &change, now).await?;
    tx.commit().await?;
    subject.decided(ctx, decision).await;
    S::load(ctx, actor, id).await
}
