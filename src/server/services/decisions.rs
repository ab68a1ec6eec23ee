//! Deciding any pending request from the inbox, whatever its subject: the subject's own
//! flow through the gate runs, bound to exactly that request.

use super::Context;
use super::ad_campaigns::AdCampaignAtGate;
use super::ad_creatives::CreativeAtGate;
use super::approvals::{self, already_decided};
use super::gate;
use super::publishing::PublishAtGate;
use super::sequences::SequenceAtGate;
use crate::domain::Error;
use crate::domain::actor::Actor;
use crate::domain::approval::{Approval, ApprovalStatus, Decision, DecisionInput, SubjectType};
use crate::domain::ids::ApprovalId;

/// The approver's decision on the request `id`. Only that request is decided, on the
/// content it was opened for: if an edit replaced it meanwhile, nothing is decided (409).
/// Returns the request as decided.
pub async fn decide_request(
    ctx: &Context,
    actor: &Actor,
    id: &ApprovalId,
    decision: Decision,
    input: &DecisionInput,
) -> Result<Approval, Error> {
    let approval = approvals::get(ctx, actor, id).await?;
    actor.require_approver(approval.console_page())?;
    if approval.status != ApprovalStatus::Pending {
        return Err(already_decided());
    }
    let subject = approval.subject_id.as_str();
    match approval.subject_type {
        SubjectType::EmailSequence => {
            gate::decide::<SequenceAtGate>(ctx, actor, subject, decision, input, Some(id)).await?;
        }
        SubjectType::AdCreative => {
            gate::decide::<CreativeAtGate>(ctx, actor, subject, decision, input, Some(id)).await?;
        }
        SubjectType::AdCampaign => {
            gate::decide::<AdCampaignAtGate>(ctx, actor, subject, decision, input, Some(id))
                .await?;
        }
        SubjectType::BlogPublish => {
            gate::decide::<PublishAtGate>(ctx, actor, subject, decision, input, Some(id)).await?;
        }
    }
    approvals::get(ctx, actor, id).await
}
