//! Events: replies, bounces, unsubscribes and conversions, from the API, the inbound-mail
//! webhook and unsubscribe links. Each is stored once per client id; what it changes (the
//! enrollment, the contact, the campaign's counters) changes in the same transaction.

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::Context;
use super::event_record::{self, By};
use crate::domain::Error;
use crate::domain::actor::{Actor, Scope};
use crate::domain::change::{Action, Change};
use crate::domain::event::{ContactRef, Event, EventInput, EventKind, EventSource};
use crate::domain::ids::{CampaignId, ContactId, EventId, SequenceId, WorkspaceId};
use crate::domain::inbound::{InboundEmail, InboundKind};
use crate::domain::time::Timestamp;
use crate::server::db::{Tx, contacts, enrollments, events, messages, workspace_settings};

/// An event as recorded, and whether it had been recorded before (a retry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// The stored event.
    pub event: Event,
    /// True when the client id was already known: nothing changed this time.
    pub duplicate: bool,
}

/// Records an event a client reported.
pub async fn record(ctx: &Context, actor: &Actor, input: &EventInput) -> Result<Recorded, Error> {
    actor.require(Scope::MarketingWrite)?;
    let now = ctx.now();
    let new = input.parse(now)?;
    let ws = actor.workspace_id();
    let contact = match &new.contact {
        ContactRef::Id(id) => contacts::get(&ctx.db, ws, id)
            .await?
            .map(|c| c.id)
            .ok_or_else(|| Error::invalid("contact_id", "no such contact in this workspace"))?,
        ContactRef::Email(email) => contacts::find_by_email(&ctx.db, ws, email)
            .await?
            .ok_or_else(|| {
                Error::invalid("email", "no contact has this address in this workspace")
            })?,
    };
    let named = match &new.campaign_id {
        Some(id) => Some(
            crate::server::db::campaigns::get(&ctx.db, ws, id)
                .await?
                .ok_or_else(|| {
                    Error::invalid("campaign_id", "no such campaign in this workspace")
                })?,
        ),
        None => None,
    };
    let sequence = named.as_ref().and_then(|c| {
        c.artifact
            .as_ref()
            .filter(|a| a.kind == "email_sequence")
            .and_then(|a| a.id.parse::<SequenceId>().ok())
    });
    let mut tx = ctx.db.begin().await?;
    let (campaign, sequence) = match named {
        Some(c) => (Some(c.id), sequence),
        None => {
            let window = workspace_settings::get_in(&mut tx, ws)
                .await?
                .attribution_window_days;
            attribute(&mut tx, ws, &contact, new.occurred_at, window).await?
        }
    };
    let message_sent_at = match (new.kind, &sequence) {
        (EventKind::Bounce, Some(seq)) => {
            messages::latest_sent_to(&mut tx, ws, &contact, Some(seq), None, new.occurred_at)
                .await?
                .map(|(_, at)| at)
        }
        _ => None,
    };
    let event = Event {
        id: EventId::generate(),
        client_id: new.client_id,
        kind: new.kind,
        contact_id: Some(contact),
        campaign_id: campaign,
        sequence_id: sequence,
        source: EventSource::Api,
        occurred_at: new.occurred_at,
        value_cents: new.value_cents,
        message_sent_at,
        created_at: now,
    };
    let recorded = store_in(&mut tx, ws, event).await?;
    tx.commit().await?;
    Ok(recorded)
}

/// The campaign that earned an event naming none: the contact's most recent campaign touch
/// (a message sent to them) at most `window_days` before it happened; none outside it.
async fn attribute(
    tx: &mut Tx,
    workspace: &WorkspaceId,
    contact: &ContactId,
    occurred_at: Timestamp,
    window_days: i64,
) -> Result<(Option<CampaignId>, Option<SequenceId>), Error> {
    let since = occurred_at.plus(time::Duration::days(-window_days));
    match messages::latest_sent_to(tx, workspace, contact, None, Some(since), occurred_at).await? {
        Some((seq, _)) => Ok((
            crate::server::db::sequences::campaign_of(tx, &seq).await?,
            Some(seq),
        )),
        None => Ok((None, None)),
    }
}

/// Stores an event and applies it, unless its client id is known (then the first one is
/// returned and nothing changes).
async fn store_in(tx: &mut Tx, workspace: &WorkspaceId, event: Event) -> Result<Recorded, Error> {
    if !events::insert(tx, workspace, &event).await? {
        let first = events::by_client_id(tx, workspace, &event.client_id)
            .await?
            .ok_or_else(|| Error::Conflict("the event was recorded meanwhile; retry".into()))?;
        return Ok(Recorded {
            event: first,
            duplicate: true,
        });
    }
    apply_in(tx, workspace, &event).await?;
    record_in(tx, workspace, &event).await?;
    Ok(Recorded {
        event,
        duplicate: false,
    })
}

/// What an event changes. A reply ends the enrollment it answers (or, named only by
/// contact, every running one of theirs); a bounce or an unsubscribe stops all mail to the
/// contact across the workspace. Scheduled messages they stop are skipped with the reason.
async fn apply_in(tx: &mut Tx, workspace: &WorkspaceId, event: &Event) -> Result<(), Error> {
    let at = event.created_at;
    let Some(contact) = &event.contact_id else {
        return Ok(());
    };
    match event.kind {
        EventKind::Reply => {
            match &event.sequence_id {
                Some(seq) => {
                    enrollments::end_one(tx, seq, contact, "replied", at).await?;
                }
                None => {
                    enrollments::end_for_contact(tx, workspace, contact, "replied", at).await?;
                }
            }
            messages::skip_for_contact(
                tx,
                workspace,
                contact,
                event.sequence_id.as_ref(),
                "the contact replied",
                at,
            )
            .await?;
        }
        EventKind::Bounce => {
            contacts::mark_bounced(tx, workspace, contact, at).await?;
            enrollments::end_for_contact(tx, workspace, contact, "bounced", at).await?;
            messages::skip_for_contact(tx, workspace, contact, None, "the address bounced", at)
                .await?;
        }
        EventKind::Unsubscribe => {
            contacts::suppress(tx, workspace, contact, at).await?;
            enrollments::end_for_contact(tx, workspace, contact, "unsubscribed", at).await?;
            messages::skip_for_contact(
                tx,
                workspace,
                contact,
                None,
                "the contact unsubscribed",
                at,
            )
            .await?;
        }
        EventKind::Conversion => {}
    }
    Ok(())
}

/// The event on the event record: counted for its campaign (or unattributed) on the day it
/// happened, and told to the webhooks that want it.
async fn record_in(tx: &mut Tx, workspace: &WorkspaceId, event: &Event) -> Result<(), Error> {
    let who = event
        .contact_id
        .as_ref()
        .map_or_else(|| "an erased contact".to_owned(), ToString::to_string);
    let action = match event.kind {
        EventKind::Reply => Action::ReplyRecorded,
        EventKind::Bounce => Action::BounceRecorded,
        EventKind::Unsubscribe => Action::UnsubscribeRecorded,
        EventKind::Conversion => Action::ConversionRecorded,
    };
    let change = Change::new(
        action,
        &event.id,
        format!("{} from {who} ({})", event.kind, event.source),
    )
    .worth(event.value_cents)
    .bounced_message(event.message_sent_at);
    let change = match &event.campaign_id {
        Some(campaign) => change.for_campaign(campaign, event.occurred_at),
        None => change.unattributed(event.occurred_at),
    };
    event_record::record(tx, By::System(workspace), &change, event.created_at).await
}

/// What the inbound-mail webhook did with a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InboundResult {
    /// `reply`, `auto_reply` or `bounce`.
    pub kind: InboundKind,
    /// Whether it answers (or reports on) a message we sent.
    pub matched: bool,
    /// The event recorded, when it counted.
    pub event: Option<Event>,
    /// Why nothing was recorded, when nothing was.
    pub reason: Option<String>,
}

/// A parsed inbound message: a person's reply ends their enrollment, a delivery report
/// marks the address bounced, an automatic answer changes nothing.
pub async fn inbound(
    ctx: &Context,
    actor: &Actor,
    mail: &InboundEmail,
) -> Result<InboundResult, Error> {
    actor.require(Scope::MarketingWrite)?;
    let ws = actor.workspace_id();
    let kind = mail.kind();
    let ids = match kind {
        InboundKind::Bounce => mail.reported_ids(),
        _ => mail.referenced_ids(),
    };
    if ids.is_empty() {
        return Err(Error::invalid(
            "in_reply_to",
            "names no Message-ID (give in_reply_to or references, as the message carried them)",
        ));
    }
    let unmatched = |reason: &str| InboundResult {
        kind,
        matched: false,
        event: None,
        reason: Some(reason.to_owned()),
    };
    let Some((sequence, contact)) = messages::find_referenced(&ctx.db, ws, &ids).await? else {
        return Ok(unmatched("it does not answer a message Tenex sent"));
    };
    if kind == InboundKind::AutoReply {
        return Ok(InboundResult {
            matched: true,
            ..unmatched("an automatic answer (out of office, auto-reply) is not a reply")
        });
    }
    let now = ctx.now();
    let mut tx = ctx.db.begin().await?;
    let campaign = crate::server::db::sequences::campaign_of(&mut tx, &sequence).await?;
    let message_sent_at = match kind {
        InboundKind::Bounce => {
            messages::latest_sent_to(&mut tx, ws, &contact, Some(&sequence), None, now)
                .await?
                .map(|(_, at)| at)
        }
        _ => None,
    };
    let event = Event {
        id: EventId::generate(),
        client_id: inbound_client_id(mail),
        kind: match kind {
            InboundKind::Bounce => EventKind::Bounce,
            _ => EventKind::Reply,
        },
        contact_id: Some(contact),
        campaign_id: campaign,
        sequence_id: Some(sequence),
        source: EventSource::InboundEmail,
        occurred_at: now,
        value_cents: 0,
        message_sent_at,
        created_at: now,
    };
    let recorded = store_in(&mut tx, ws, event).await?;
    tx.commit().await?;
    Ok(InboundResult {
        kind,
        matched: true,
        event: Some(recorded.event),
        reason: recorded
            .duplicate
            .then(|| "this message was already recorded".to_owned()),
    })
}

/// The same inbound message posted twice (webhooks retry) counts once: keyed by its own
/// Message-ID, or by a digest of what it says.
fn inbound_client_id(mail: &InboundEmail) -> String {
    let own = mail
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("message-id"))
        .map(|(_, v)| {
            v.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_owned()
        })
        .filter(|v| !v.is_empty());
    match own {
        Some(id) => format!("inbound:{}", id.chars().take(180).collect::<String>()),
        None => {
            let digest =
                Sha256::digest(serde_json::to_vec(mail).expect("an inbound message serializes"));
            format!("inbound:{}", hex::encode(&digest[..16]))
        }
    }
}

/// An unsubscribe by link, as an event (counted once per contact).
pub(crate) async fn unsubscribed_by_link_in(
    tx: &mut Tx,
    workspace: &WorkspaceId,
    contact: &ContactId,
    sequence: &SequenceId,
    now: Timestamp,
) -> Result<(), Error> {
    let campaign = crate::server::db::sequences::campaign_of(tx, sequence).await?;
    let event = Event {
        id: EventId::generate(),
        client_id: format!("unsubscribe-link:{contact}"),
        kind: EventKind::Unsubscribe,
        contact_id: Some(contact.clone()),
        campaign_id: campaign,
        sequence_id: Some(sequence.clone()),
        source: EventSource::UnsubscribeLink,
        occurred_at: now,
        value_cents: 0,
        message_sent_at: None,
        created_at: now,
    };
    store_in(tx, workspace, event).await?;
    Ok(())
}
