//! The event record: the one function every state change that matters goes through, inside
//! the transaction that made the change. What it writes for each change — an audit row,
//! the day counters, webhook deliveries — is decided by the change itself
//! ([`crate::domain::change`]).

use std::collections::BTreeMap;

use crate::domain::Error;
use crate::domain::actor::Actor;
use crate::domain::audit::AuditRecord;
use crate::domain::change::{Action, Change, CountedOn, Counts, Tally, WebhookEvent};
use crate::domain::ids::{CampaignId, WebhookEndpointId, WebhookEventId, WorkspaceId};
use crate::domain::time::{Timestamp, local_date};
use crate::domain::webhook::{self, DeliveryCause};
use crate::server::db::{Tx, audit_log, rollups, webhooks, workspace_settings};
use crate::server::services::webhook_deliveries;
use time::Date;

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
    record_all(tx, by, std::slice::from_ref(change), at).await
}

/// Records `changes`, each as [`record`] would, in the caller's transaction; what they count
/// on the same campaign and day is added once, so a batch of sends touches each counter row
/// once rather than once per message.
pub async fn record_all(
    tx: &mut Tx,
    by: By<'_>,
    changes: &[Change],
    at: Timestamp,
) -> Result<(), Error> {
    let workspace = by.workspace();
    for change in changes.iter().filter(|c| c.action.audited()) {
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
    count(tx, workspace, changes).await?;
    // Each event's endpoints are looked up once per batch.
    let mut subscribed: Vec<(WebhookEvent, Vec<WebhookEndpointId>)> = Vec::new();
    for change in changes {
        let Some(event) = change.action.webhook_event() else {
            continue;
        };
        if !subscribed.iter().any(|(e, _)| *e == event) {
            let endpoints = webhooks::subscribed(tx, workspace, event).await?;
            subscribed.push((event, endpoints));
        }
        let (_, endpoints) = subscribed
            .iter()
            .find(|(e, _)| *e == event)
            .expect("looked up above");
        if !endpoints.is_empty() {
            queue_deliveries(tx, workspace, change, event, endpoints, at).await?;
        }
    }
    Ok(())
}

/// A change that counts: its tally, what it adds, and what it takes back from the day it was sent.
type Counted<'a> = (&'a Tally, Counts, Option<(Timestamp, Counts)>);

/// Adds what the changes count to their days (in the workspace's time zone), and takes back
/// what they take from earlier days, one addition per campaign and day.
async fn count(tx: &mut Tx, workspace: &WorkspaceId, changes: &[Change]) -> Result<(), Error> {
    let counted: Vec<Counted<'_>> = changes
        .iter()
        .filter_map(|change| {
            let tally = change.tally.as_ref()?;
            let counts = change.counts();
            let taken_back = change.taken_back().filter(|_| tally.campaign.is_some());
            (!counts.is_zero() || taken_back.is_some()).then_some((tally, counts, taken_back))
        })
        .collect();
    if counted.is_empty() {
        return Ok(());
    }
    rollups::lock(tx, workspace, false).await?;
    let zone = workspace_settings::get_in(tx, workspace).await?.time_zone;
    // Ordered maps: rows are updated in one order in every transaction (campaigns by id,
    // then the channels' days, which several campaigns share), so two workers recording
    // waves that span the same campaigns cannot deadlock.
    let mut sums: BTreeMap<(Option<&CampaignId>, Date), Counts> = BTreeMap::new();
    for (tally, counts, taken_back) in &counted {
        let day = match tally.on {
            CountedOn::At(at) => local_date(at, &zone),
            CountedOn::Day(day) => day,
        };
        let campaign = tally.campaign.as_ref();
        if !counts.is_zero() {
            sums.entry((campaign, day)).or_default().add(counts);
        }
        if let Some((sent_at, back)) = taken_back {
            let day = local_date(*sent_at, &zone);
            sums.entry((campaign, day)).or_default().add(back);
        }
    }
    let mut channel_days: BTreeMap<(String, Date), Counts> = BTreeMap::new();
    for ((campaign, day), counts) in sums {
        let channel = match campaign {
            Some(campaign) => {
                rollups::add_to_campaign(tx, workspace, campaign, day, &counts).await?
            }
            None => "none".to_owned(),
        };
        channel_days.entry((channel, day)).or_default().add(&counts);
    }
    for ((channel, day), counts) in &channel_days {
        rollups::add_to_channel_day(tx, workspace, channel, *day, counts).await?;
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
    endpoints: &[WebhookEndpointId],
    at: Timestamp,
) -> Result<(), Error> {
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
            endpoint,
            (event_id.as_str(), event.as_str(), &body),
            DeliveryCause::Event,
            at,
        )
        .await?;
    }
    Ok(())
}
