//! The event record: the one function every state change that matters goes through, inside
//! the transaction that made the change. What it writes for each change — an audit row,
//! campaign day counters, webhook delivery jobs — is decided by the change itself
//! ([`crate::domain::change`]).

use crate::domain::Error;
use crate::domain::actor::Actor;
use crate::domain::audit::AuditRecord;
use crate::domain::change::Change;
use crate::domain::ids::WorkspaceId;
use crate::domain::job::{JobKind, NewJob};
use crate::domain::time::Timestamp;
use crate::server::db::{Tx, audit_log, campaigns, jobs, webhooks};

/// Who made a change.
#[derive(Clone, Copy)]
pub enum By<'a> {
    /// A person or an API key.
    Actor(&'a Actor),
    /// The system (a worker, an inbound message) acting for the workspace.
    System(&'a WorkspaceId),
}

impl By<'_> {
    fn workspace(&self) -> &WorkspaceId {
        match self {
            By::Actor(a) => a.workspace_id(),
            By::System(w) => w,
        }
    }
}

impl<'a> From<&'a Actor> for By<'a> {
    fn from(actor: &'a Actor) -> Self {
        By::Actor(actor)
    }
}

/// Records `change`, made by `by` at `at`, in the caller's transaction.
pub async fn record(tx: &mut Tx, by: By<'_>, change: &Change, at: Timestamp) -> Result<(), Error> {
    let workspace = by.workspace();
    if change.action.audited() {
        let By::Actor(actor) = by else {
            return Err(Error::internal(std::io::Error::other(format!(
                "{} is audited, so it must name the person or key that made it",
                change.action
            ))));
        };
        let row = AuditRecord {
            action: change.action.as_str(),
            subject_type: change.action.subject_kind().as_str(),
            subject_id: change.subject_id.clone(),
            summary: change.summary.clone(),
        };
        audit_log::insert(tx, actor, &row, at).await?;
    }
    let counts = change.counts();
    if let Some((campaign, day)) = &change.campaign
        && !counts.is_zero()
    {
        campaigns::add_counts(tx, workspace, campaign, counts, *day).await?;
    }
    if let Some(event) = change.action.webhook_event() {
        let payload = serde_json::json!({
            "type": event,
            "action": change.action.as_str(),
            "subject_type": change.action.subject_kind().as_str(),
            "subject_id": change.subject_id,
            "campaign_id": change.campaign.as_ref().map(|(c, _)| c.to_string()),
            "summary": change.summary,
            "occurred_at": at.to_string(),
        });
        for endpoint in webhooks::subscribed(tx, workspace, event).await? {
            let job = NewJob {
                workspace_id: workspace.clone(),
                kind: JobKind::WebhookDelivery,
                subject_type: "webhook_endpoint",
                subject_id: endpoint.to_string(),
                payload: payload.clone(),
                due_at: at,
            };
            jobs::enqueue(tx, &job, at).await?;
        }
    }
    Ok(())
}
