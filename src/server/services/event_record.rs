//! The event record: the one function every state change that matters goes through, inside
//! the transaction that made the change. What it writes for each change — an audit row,
//! the day counters, webhook deliveries — is decided by the change itself
//! ([`crate::domain::change`]).

use crate::domain::Error;
use crate::domain::actor::Actor;
use crate::domain::audit::AuditRecord;
use crate::domain::change::{Action, Change, CountedOn, WebhookEvent};
use crate::domain::ids::{WebhookEventId, WorkspaceId};
use crate::domain::time::{Timestamp, local_date};
use crate::domain::webhook::{self, DeliveryCause};
use crate::server::db::{Tx, audit_log, rollups, webhooks, workspace_settings};
use crate::server::services::webhook_deliveries;

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
    count(tx, workspace, change).await?;
    if let Some(event) = change.action.webhook_event() {
        queue_deliveries(tx, workspace, change, event, at).await?;
    }
    Ok(())
}

/// Adds what the change counts to its day (in the workspace's time zone), and takes back
/// what it takes from an earlier day.
async fn count(tx: &mut Tx, workspace: &WorkspaceId, change: &Change) -> Result<(), Error> {
    let Some(tally) = &change.tally else {
        return Ok(());
    };
    let counts = change.counts();
    let taken_back = change.taken_back().filter(|_| tally.campaign.is_some());
    if counts.is_zero() && taken_back.is_none() {
        return Ok(());
    }
    rollups::lock(tx, workspace, false).await?;
    let zone = workspace_settings::get_in(tx, workspace).await?.time_zone;
    let day = match tally.on {
        CountedOn::At(at) => local_date(at, &zone),
        CountedOn::Day(day) => day,
    };
    if !counts.is_zero() {
        rollups::add(tx, workspace, tally.campaign.as_ref(), day, &counts).await?;
    }
    if let Some((sent_at, back)) = taken_back {
        let day = local_date(sent_at, &zone);
        rollups::add(tx, workspace, tally.campaign.as_ref(), day, &back).await?;
    }
    Ok(())
}

/// Queues one delivery of `event` to each endpoint that wants it, in the transaction of
/// the change: a delivery exists exactly when its change committed.
async fn queue_deliveries(
    tx: &mut Tx,
    workspace: &WorkspaceId,
    change: &Change,
    event: WebhookEvent,
    at: Timestamp,
) -> Result<(), Error> {
    let endpoints = webhooks::subscribed(tx, workspace, event).await?;
    if endpoints.is_empty() {
        return Ok(());
    }
    let mut data = serde_json::json!({
        "action": change.action.as_str(),
        "subject_type": change.action.subject_kind().as_str(),
        "subject_id": change.subject_id,
        "campaign_id": change.campaign().map(|c| c.to_string()),
        "summary": change.summary,
    });
    if change.action == Action::ConversionRecorded {
        data["value_usd"] = serde_json::json!(change.value_cents as f64 / 100.0);
    }
    let event_id = WebhookEventId::generate();
    let body = webhook::body(
        event_id.as_str(),
        event.as_str(),
        workspace.as_str(),
        at,
        data,
    );
    for endpoint in endpoints {
        webhook_deliveries::queue(
            tx,
            workspace,
            &endpoint,
            (event_id.as_str(), event.as_str(), &body),
            DeliveryCause::Event,
            at,
        )
        .await?;
    }
    Ok(())
}
