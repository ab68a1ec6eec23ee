//! The approval gate's records: requested by whoever asks for something irreversible,
//! decided once by an approver. The channel services call these inside their own
//! transactions so a decision and its effect land together.

use super::Context;
use super::event_record;
use crate::domain::Error;
use crate::domain::actor::{Actor, Scope};
use crate::domain::approval::{Approval, ApprovalFilter, ApprovalStatus, Decision, SubjectType};
use crate::domain::change::{Action, Change};
use crate::domain::enrollment::AudienceFingerprint;
use crate::domain::ids::{ApprovalId, CampaignId};
use crate::domain::pagination::{Page, PageRequest};
use crate::domain::time::Timestamp;
use crate::server::db::{Tx, approvals};

/// What a new request is for.
pub struct Request<'a> {
    /// The kind of subject.
    pub subject_type: SubjectType,
    /// Its id.
    pub subject_id: &'a str,
    /// Its name, for the inbox.
    pub subject_name: &'a str,
    /// Its campaign.
    pub campaign_id: Option<&'a CampaignId>,
    /// Hash of the exact content to be decided.
    pub content_hash: &'a str,
    /// The audience shown with it, for subjects that reach people.
    pub audience: Option<&'a AudienceFingerprint>,
}

/// Opens a request for `request`, cancelling any open one for the same subject (its
/// content is replaced, so that decision would cover something else).
pub async fn request_in(
    tx: &mut Tx,
    actor: &Actor,
    request: &Request<'_>,
    now: Timestamp,
) -> Result<ApprovalId, Error> {
    let cancelled = approvals::cancel_pending(
        tx,
        actor.workspace_id(),
        request.subject_type,
        request.subject_id,
        actor,
        now,
        approvals::CONTENT_CHANGED,
    )
    .await?;
    let approval = Approval {
        id: ApprovalId::generate(),
        subject_type: request.subject_type,
        subject_id: request.subject_id.to_owned(),
        subject_name: request.subject_name.to_owned(),
        campaign_id: request.campaign_id.cloned(),
        status: ApprovalStatus::Pending,
        content_hash: request.content_hash.to_owned(),
        audience: request.audience.cloned(),
        requested_by: actor.principal().clone(),
        requested_by_email: String::new(),
        decided_by: None,
        decided_by_email: None,
        decided_at: None,
        note: None,
        created_at: now,
    };
    approvals::insert(tx, actor.workspace_id(), &approval, actor).await?;
    let summary = if cancelled > 0 {
        format!(
            "requested approval of {} \"{}\" (replacing the request for the earlier content)",
            request.subject_type.label().to_lowercase(),
            request.subject_name
        )
    } else {
        format!(
            "requested approval of {} \"{}\"",
            request.subject_type.label().to_lowercase(),
            request.subject_name
        )
    };
    let change = Change::new(Action::ApprovalRequested, approval.id.to_string(), summary);
    event_record::record(tx, actor.into(), &change, now).await?;
    Ok(approval.id)
}

/// Records `decision` on the open request `approval`. Only one decision ever lands: a
/// second (or a concurrent one that lost) is a conflict.
pub async fn decide_in(
    tx: &mut Tx,
    actor: &Actor,
    approval: &Approval,
    decision: Decision,
    note: Option<&str>,
    now: Timestamp,
) -> Result<(), Error> {
    actor.require_approver(approval.console_page())?;
    let decided = approvals::decide(
        tx,
        actor.workspace_id(),
        &approval.id,
        decision.status(),
        actor,
        note,
        now,
    )
    .await?;
    if !decided {
        return Err(already_decided());
    }
    let verb = match decision {
        Decision::Approve => "approved",
        Decision::Reject => "rejected",
    };
    let action = match decision {
        Decision::Approve => Action::ApprovalApproved,
        Decision::Reject => Action::ApprovalRejected,
    };
    let summary = match note {
        Some(n) => format!(
            "{verb} {} \"{}\": {n}",
            approval.subject_type.label().to_lowercase(),
            approval.subject_name
        ),
        None => format!(
            "{verb} {} \"{}\"",
            approval.subject_type.label().to_lowercase(),
            approval.subject_name
        ),
    };
    let mut change = Change::new(action, &approval.id, summary);
    if let Some(campaign) = &approval.campaign_id {
        change = change.for_campaign(campaign, now);
    }
    event_record::record(tx, actor.into(), &change, now).await
}

pub use crate::domain::approval::already_decided;

/// The open request of a subject.
pub async fn pending_for(
    ctx: &Context,
    actor: &Actor,
    subject_type: SubjectType,
    subject_id: &str,
) -> Result<Option<Approval>, Error> {
    approvals::pending_for(&ctx.db, actor.workspace_id(), subject_type, subject_id).await
}

/// Every request of a subject, newest first.
pub async fn history(
    ctx: &Context,
    actor: &Actor,
    subject_type: SubjectType,
    subject_id: &str,
) -> Result<Vec<Approval>, Error> {
    actor.require(Scope::MarketingRead)?;
    approvals::history(&ctx.db, actor.workspace_id(), subject_type, subject_id).await
}

/// Every request made for a campaign, newest first.
pub async fn for_campaign(
    ctx: &Context,
    actor: &Actor,
    campaign: &CampaignId,
) -> Result<Vec<Approval>, Error> {
    actor.require(Scope::MarketingRead)?;
    approvals::for_campaign(&ctx.db, actor.workspace_id(), campaign).await
}

/// Requests matching the filter, newest first.
pub async fn list(
    ctx: &Context,
    actor: &Actor,
    filter: &ApprovalFilter,
    page: &PageRequest,
) -> Result<Page<Approval>, Error> {
    actor.require(Scope::MarketingRead)?;
    Ok(Page::from_rows(
        approvals::list(&ctx.db, actor.workspace_id(), filter, page).await?,
        page,
    ))
}

/// One request.
pub async fn get(ctx: &Context, actor: &Actor, id: &ApprovalId) -> Result<Approval, Error> {
    actor.require(Scope::MarketingRead)?;
    approvals::get(&ctx.db, actor.workspace_id(), id)
        .await?
        .ok_or(Error::NotFound("approval"))
}
