//! The run of a sequence in the console: progress and messages, pause / resume / cancel,
//! settling uncertain messages, recording a reply, and the sandbox outbox.

use leptos::prelude::*;

use crate::app::error::UiError;
use crate::domain::ids::{ContactId, SequenceId};
use crate::domain::message::{LedgerMessage, RunView};
use crate::domain::outbox::OutboxMessage;
use crate::domain::pagination::Page;

/// Progress, next sends and one page of messages (optionally of one status).
#[server(prefix = "/rpc", endpoint = "get_sequence_run")]
pub async fn get_sequence_run(
    id: SequenceId,
    status: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
) -> Result<RunView, UiError> {
    use crate::domain::Error;
    use crate::domain::message::MessageFilter;
    use crate::domain::pagination::PageRequest;
    use crate::server::services::runs;
    let (state, actor) = super::ssr::actor().await?;
    let (filter, page) = Error::both(
        MessageFilter::parse(status.as_deref(), None),
        PageRequest::parse(limit.as_deref(), cursor.as_deref()),
    )?;
    Ok(RunView {
        progress: runs::progress(&state.ctx, &actor, &id).await?,
        messages: runs::messages(&state.ctx, &actor, &id, &filter, &page).await?,
    })
}

/// Pause, resume or cancel (`action`).
#[server(prefix = "/rpc", endpoint = "steer_sequence")]
pub async fn steer_sequence(id: SequenceId, action: String) -> Result<(), UiError> {
    use crate::domain::Error;
    use crate::domain::message::RunControl;
    use crate::server::services::runs;
    let (state, actor) = super::ssr::actor().await?;
    let control: RunControl = action
        .parse()
        .map_err(|e: String| Error::invalid("action", e))?;
    runs::control(&state.ctx, &actor, &id, control).await?;
    Ok(())
}

/// Settles an uncertain message: `mark_sent` or `send_again`.
#[server(prefix = "/rpc", endpoint = "settle_message")]
pub async fn settle_message(
    id: SequenceId,
    message_id: String,
    action: String,
) -> Result<LedgerMessage, UiError> {
    use crate::domain::message::SettleInput;
    use crate::server::services::runs;
    let (state, actor) = super::ssr::actor().await?;
    let choice = SettleInput {
        action: Some(action),
    }
    .parse()?;
    Ok(runs::settle(&state.ctx, &actor, &id, &message_id, choice).await?)
}

/// Records that a contact replied (read in the sender's mailbox): their later steps stop.
#[server(prefix = "/rpc", endpoint = "record_reply")]
pub async fn record_reply(id: SequenceId, contact_id: ContactId) -> Result<(), UiError> {
    use crate::domain::event::EventInput;
    use crate::server::services::{events, sequences};
    let (state, actor) = super::ssr::actor().await?;
    let seq = sequences::get(&state.ctx, &actor, &id).await?;
    let input = EventInput {
        id: Some(format!("console-reply:{}:{contact_id}", seq.sequence.id)),
        kind: Some("reply".into()),
        contact_id: Some(contact_id.to_string()),
        campaign_id: Some(seq.sequence.campaign_id.to_string()),
        ..Default::default()
    };
    events::record(&state.ctx, &actor, &input).await?;
    Ok(())
}

/// One page of what sandbox senders delivered, newest first.
#[server(prefix = "/rpc", endpoint = "list_outbox")]
pub async fn list_outbox(
    limit: Option<String>,
    cursor: Option<String>,
) -> Result<Page<OutboxMessage>, UiError> {
    use crate::domain::pagination::PageRequest;
    use crate::server::services::runs;
    let (state, actor) = super::ssr::actor().await?;
    let page = PageRequest::parse(limit.as_deref(), cursor.as_deref())?;
    Ok(runs::outbox(&state.ctx, &actor, None, &page).await?)
}
