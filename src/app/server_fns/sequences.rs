//! Email sequences: the new-sequence form, the preview page, edits and the decision.

#![expect(
    clippy::too_many_arguments,
    reason = "a server function takes one argument per form field"
)]

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::app::error::UiError;
use crate::domain::ids::{ContactId, SequenceId};
use crate::domain::pagination::Page;
use crate::domain::sequence::{Sample, SequencePage, SequenceView};

/// What the new-sequence form offers: (id, name) of segments, brands and email senders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct NewSequenceChoices {
    /// Segments.
    pub segments: Vec<(String, String)>,
    /// Brands, the default first.
    pub brands: Vec<(String, String)>,
    /// Connectors that can send email.
    pub senders: Vec<(String, String)>,
}

/// The choices of the new-sequence form.
#[server(prefix = "/rpc", endpoint = "sequence_form_options")]
pub async fn sequence_form_options() -> Result<NewSequenceChoices, UiError> {
    use crate::domain::connector::ConnectorRole;
    use crate::domain::pagination::PageRequest;
    use crate::server::services::{brands, connectors, segments};
    let (state, actor) = super::ssr::actor().await?;
    let all = PageRequest {
        limit: 200,
        after: None,
    };
    let segments = segments::names(&state.ctx, &actor, &all).await?;
    let mut brands = brands::list(&state.ctx, &actor, &all).await?.items;
    brands.sort_by_key(|b| !b.is_default);
    let senders = connectors::list(&state.ctx, &actor, &all).await?.items;
    Ok(NewSequenceChoices {
        segments: segments
            .into_iter()
            .map(|s| (s.id.to_string(), s.name))
            .collect(),
        brands: brands
            .into_iter()
            .map(|b| (b.id.to_string(), b.name))
            .collect(),
        senders: senders
            .into_iter()
            .filter(|c| c.can(ConnectorRole::EmailSender))
            .map(|c| (c.id.to_string(), format!("{} ({})", c.name, c.kind)))
            .collect(),
    })
}

/// Generates and previews a sequence; answers its id for the preview page.
#[server(prefix = "/rpc", endpoint = "preview_sequence")]
pub async fn preview_sequence(
    segment_id: String,
    brand_id: String,
    objective: String,
    sender_connector_id: String,
    num_emails: Option<String>,
    cadence_days: Option<String>,
    name: Option<String>,
    window_days: Option<String>,
    window_start: Option<String>,
    window_end: Option<String>,
    window_timezone: Option<String>,
) -> Result<String, UiError> {
    use crate::domain::form::PreviewForm;
    use crate::server::services::sequences;
    let (state, actor) = super::ssr::actor().await?;
    let input = PreviewForm {
        segment_id,
        brand_id,
        objective,
        sender_connector_id,
        num_emails,
        cadence_days,
        name,
        window_days,
        window_start,
        window_end,
        window_timezone,
    }
    .input()?;
    let previewed = sequences::preview(&state.ctx, &actor, &input).await?;
    Ok(previewed.sequence.id.to_string())
}

/// One page of email sequences, newest first.
#[server(prefix = "/rpc", endpoint = "list_sequences")]
pub async fn list_sequences(
    limit: Option<String>,
    cursor: Option<String>,
) -> Result<Page<SequenceView>, UiError> {
    use crate::domain::pagination::PageRequest;
    use crate::server::services::sequences;
    let (state, actor) = super::ssr::actor().await?;
    let page = PageRequest::parse(limit.as_deref(), cursor.as_deref())?;
    Ok(sequences::list(&state.ctx, &actor, &Default::default(), &page).await?)
}

/// The sequence page: sequence, preview, approvals.
#[server(prefix = "/rpc", endpoint = "get_sequence_page")]
pub async fn get_sequence_page(id: SequenceId) -> Result<SequencePage, UiError> {
    use crate::server::services::sequences;
    let (state, actor) = super::ssr::actor().await?;
    Ok(sequences::page(&state.ctx, &actor, &id).await?)
}

/// The steps rendered for one contact.
#[server(prefix = "/rpc", endpoint = "render_sequence")]
pub async fn render_sequence(id: SequenceId, contact_id: ContactId) -> Result<Sample, UiError> {
    use crate::server::services::sequences;
    let (state, actor) = super::ssr::actor().await?;
    Ok(sequences::render_for(&state.ctx, &actor, &id, Some(&contact_id)).await?)
}

/// Saves one step's subject and body at `version`.
#[server(prefix = "/rpc", endpoint = "save_sequence_step")]
pub async fn save_sequence_step(
    id: SequenceId,
    version: i64,
    index: i64,
    subject: String,
    body: String,
) -> Result<SequenceView, UiError> {
    use crate::domain::sequence::{SequenceEdit, StepEdit};
    use crate::server::services::sequences;
    let (state, actor) = super::ssr::actor().await?;
    let edit = SequenceEdit {
        version: Some(version),
        steps: Some(vec![StepEdit {
            index,
            subject: Some(subject),
            body: Some(body),
        }]),
        cadence_days: None,
    };
    Ok(sequences::edit(&state.ctx, &actor, &id, version, &edit).await?)
}

/// Saves a new cadence ("0, 3, 7") at `version`.
#[server(prefix = "/rpc", endpoint = "save_sequence_cadence")]
pub async fn save_sequence_cadence(
    id: SequenceId,
    version: i64,
    cadence_days: String,
) -> Result<SequenceView, UiError> {
    use crate::server::services::sequences;
    let (state, actor) = super::ssr::actor().await?;
    let edit = crate::domain::form::cadence_edit(&cadence_days)?;
    Ok(sequences::edit(&state.ctx, &actor, &id, version, &edit).await?)
}

/// Approves the sequence (approvers and admins only; the service checks). The warnings
/// checkbox sends `acknowledge_warnings` only when ticked.
#[server(prefix = "/rpc", endpoint = "approve_sequence")]
pub async fn approve_sequence(
    id: SequenceId,
    version: Option<i64>,
    note: Option<String>,
    acknowledge_warnings: Option<String>,
) -> Result<SequenceView, UiError> {
    use crate::domain::approval::Decision;
    use crate::domain::approval::DecisionInput;
    use crate::server::services::sequences;
    let (state, actor) = super::ssr::actor().await?;
    let input = DecisionInput {
        version,
        note,
        acknowledge_warnings: acknowledge_warnings.is_some_and(|v| v != "false"),
    };
    Ok(sequences::decide(&state.ctx, &actor, &id, Decision::Approve, &input).await?)
}

/// Rejects the sequence with a note (approvers and admins only; the service checks).
#[server(prefix = "/rpc", endpoint = "reject_sequence")]
pub async fn reject_sequence(
    id: SequenceId,
    version: Option<i64>,
    note: String,
) -> Result<SequenceView, UiError> {
    use crate::domain::approval::Decision;
    use crate::domain::approval::DecisionInput;
    use crate::server::services::sequences;
    let (state, actor) = super::ssr::actor().await?;
    let input = DecisionInput {
        version,
        note: Some(note),
        acknowledge_warnings: false,
    };
    Ok(sequences::decide(&state.ctx, &actor, &id, Decision::Reject, &input).await?)
}

/// Shows the pending sequence to its audience as it is now (a new request, a new version).
#[server(prefix = "/rpc", endpoint = "refresh_sequence_preview")]
pub async fn refresh_sequence_preview(
    id: SequenceId,
    version: Option<i64>,
) -> Result<i64, UiError> {
    use crate::server::services::sequences;
    let (state, actor) = super::ssr::actor().await?;
    let refreshed = sequences::refresh_preview(&state.ctx, &actor, &id, version).await?;
    Ok(refreshed.sequence.version)
}
