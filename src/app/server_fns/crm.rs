//! CRM: contacts, imports and segments.

#![expect(
    clippy::too_many_arguments,
    reason = "a server function takes one argument per form field"
)]

use leptos::prelude::*;
use leptos::server_fn::codec::{MultipartData, MultipartFormData};
use serde::{Deserialize, Serialize};

use crate::app::error::UiError;
use crate::domain::contact::Contact;
use crate::domain::ids::{ContactId, SegmentId};
use crate::domain::pagination::Page;
use crate::domain::segment::RuleInput;

/// A segment as the console lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentRow {
    /// `seg_…`.
    pub id: String,
    /// Name.
    pub name: String,
    /// `static` or `rule`.
    pub kind: String,
    /// Members now.
    pub member_count: i64,
    /// The rule, for rule segments.
    pub rule: Option<RuleInput>,
}

/// The size and a sample of a rule being written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RulePreview {
    /// Matching contacts.
    pub count: i64,
    /// The newest few.
    pub sample: Vec<Contact>,
}

/// What an import did, for the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportSummary {
    /// New contacts.
    pub created: u64,
    /// Updated contacts.
    pub updated: u64,
    /// Bad rows: (line, reason).
    pub errors: Vec<(u64, String)>,
    /// All bad rows.
    pub error_count: u64,
}

/// Contacts, newest first, optionally searched.
#[server(prefix = "/rpc", endpoint = "list_contacts")]
pub async fn list_contacts(
    q: Option<String>,
    cursor: Option<String>,
) -> Result<Page<Contact>, UiError> {
    use crate::domain::pagination::PageRequest;
    use crate::server::services::contacts;
    let (state, actor) = super::ssr::actor().await?;
    let page = PageRequest::parse(None, cursor.as_deref())?;
    Ok(contacts::list(&state.ctx, &actor, q.as_deref(), &page).await?)
}

/// Adds a contact.
#[server(prefix = "/rpc", endpoint = "create_contact")]
pub async fn create_contact(
    email: String,
    first_name: String,
    last_name: String,
    company: String,
    title: String,
) -> Result<Contact, UiError> {
    use crate::domain::contact::ContactInput;
    use crate::server::services::contacts;
    let (state, actor) = super::ssr::actor().await?;
    let input = ContactInput {
        email: Some(email),
        first_name: Some(first_name),
        last_name: Some(last_name),
        company: Some(company),
        title: Some(title),
        ..Default::default()
    };
    Ok(contacts::create(&state.ctx, &actor, &input).await?)
}

/// Deletes a contact.
#[server(prefix = "/rpc", endpoint = "delete_contact")]
pub async fn delete_contact(id: ContactId) -> Result<(), UiError> {
    use crate::server::services::contacts;
    let (state, actor) = super::ssr::actor().await?;
    Ok(contacts::delete(&state.ctx, &actor, &id).await?)
}

/// Imports the uploaded CSV file (multipart field `file`).
#[server(input = MultipartFormData, prefix = "/rpc", endpoint = "import_contacts")]
pub async fn import_contacts(data: MultipartData) -> Result<ImportSummary, UiError> {
    use crate::domain::Error;
    use crate::server::services::contacts;
    let (state, actor) = super::ssr::actor().await?;
    let mut form = data
        .into_inner()
        .ok_or_else(|| Error::invalid("file", "no file was sent"))?;
    let mut bytes: Vec<u8> = Vec::new();
    let mut found = false;
    loop {
        let field = form.next_field().await.map_err(|_| {
            Error::invalid("file", "the upload could not be read completely; try again")
        })?;
        let Some(mut field) = field else { break };
        if field.name() != Some("file") {
            continue;
        }
        found = true;
        while let Some(chunk) = field.chunk().await.map_err(|_| {
            Error::invalid("file", "the upload could not be read completely; try again")
        })? {
            if bytes.len() + chunk.len() > state.settings.max_import_bytes {
                return Err(Error::invalid("file", "is larger than this server accepts").into());
            }
            bytes.extend_from_slice(&chunk);
        }
    }
    if !found || bytes.is_empty() {
        return Err(Error::invalid("file", "choose a CSV file to import").into());
    }
    let report = contacts::import_csv(&state.ctx, &actor, &bytes).await?;
    Ok(ImportSummary {
        created: report.created,
        updated: report.updated,
        errors: report
            .errors
            .into_iter()
            .map(|e| (e.line, e.message))
            .collect(),
        error_count: report.error_count,
    })
}

/// Segments with their live counts.
#[server(prefix = "/rpc", endpoint = "list_segments")]
pub async fn list_segments(
    limit: Option<String>,
    cursor: Option<String>,
) -> Result<Page<SegmentRow>, UiError> {
    use crate::domain::pagination::PageRequest;
    use crate::server::services::segments;
    let (state, actor) = super::ssr::actor().await?;
    let page = PageRequest::parse(limit.as_deref(), cursor.as_deref())?;
    let found = segments::list(&state.ctx, &actor, &page).await?;
    Ok(found.map(row))
}

/// Counts and samples the contacts a rule matches (nothing is saved).
#[server(prefix = "/rpc", endpoint = "preview_rule", input = leptos::server_fn::codec::Json)]
pub async fn preview_rule(rule: RuleInput) -> Result<RulePreview, UiError> {
    use crate::server::services::segments;
    let (state, actor) = super::ssr::actor().await?;
    let preview = segments::preview_rule(&state.ctx, &actor, &rule).await?;
    Ok(RulePreview {
        count: preview.count,
        sample: preview.sample,
    })
}

/// Saves a rule segment.
#[server(prefix = "/rpc", endpoint = "create_rule_segment", input = leptos::server_fn::codec::Json)]
pub async fn create_rule_segment(name: String, rule: RuleInput) -> Result<SegmentRow, UiError> {
    use crate::domain::segment::NewSegment;
    use crate::server::services::segments;
    let (state, actor) = super::ssr::actor().await?;
    let new = NewSegment::parse(&name, "rule", Some(&rule))?;
    Ok(row(segments::create(&state.ctx, &actor, new, &[]).await?))
}

/// The custom field names in use, for the rule builder's field list.
#[server(prefix = "/rpc", endpoint = "custom_field_names")]
pub async fn custom_field_names() -> Result<Vec<String>, UiError> {
    use crate::server::services::contacts;
    let (state, actor) = super::ssr::actor().await?;
    Ok(contacts::custom_field_names(&state.ctx, &actor).await?)
}

/// One contact.
#[server(prefix = "/rpc", endpoint = "get_contact")]
pub async fn get_contact(id: ContactId) -> Result<Contact, UiError> {
    use crate::server::services::contacts;
    let (state, actor) = super::ssr::actor().await?;
    Ok(contacts::get(&state.ctx, &actor, &id).await?)
}

/// Saves a contact's standard fields.
#[server(prefix = "/rpc", endpoint = "update_contact")]
pub async fn update_contact(
    id: ContactId,
    version: i64,
    email: String,
    first_name: String,
    last_name: String,
    company: String,
    domain: String,
    title: String,
    lifecycle_stage: String,
) -> Result<Contact, UiError> {
    use crate::domain::contact::ContactInput;
    use crate::server::services::contacts;
    let (state, actor) = super::ssr::actor().await?;
    let input = ContactInput {
        email: Some(email),
        first_name: Some(first_name),
        last_name: Some(last_name),
        company: Some(company),
        domain: Some(domain),
        title: Some(title),
        custom_fields: None,
        lifecycle_stage: Some(lifecycle_stage),
        version: Some(version),
    };
    Ok(contacts::update(&state.ctx, &actor, &id, version, &input).await?)
}

#[cfg(feature = "ssr")]
fn row(v: crate::server::services::segments::SegmentView) -> SegmentRow {
    SegmentRow {
        id: v.segment.id.to_string(),
        name: v.segment.name,
        kind: v.segment.kind.as_str().to_owned(),
        member_count: v.member_count,
        rule: v.segment.rule,
    }
}

/// One segment with its count.
#[server(prefix = "/rpc", endpoint = "get_segment")]
pub async fn get_segment(id: SegmentId) -> Result<SegmentRow, UiError> {
    use crate::server::services::segments;
    let (state, actor) = super::ssr::actor().await?;
    Ok(row(segments::get(&state.ctx, &actor, &id).await?))
}

/// A page of a segment's members.
#[server(prefix = "/rpc", endpoint = "segment_members")]
pub async fn segment_members(
    id: SegmentId,
    cursor: Option<String>,
) -> Result<Page<Contact>, UiError> {
    use crate::domain::pagination::PageRequest;
    use crate::server::services::segments;
    let (state, actor) = super::ssr::actor().await?;
    let page = PageRequest::parse(None, cursor.as_deref())?;
    Ok(segments::members(&state.ctx, &actor, &id, &page).await?)
}

/// Creates an empty static segment.
#[server(prefix = "/rpc", endpoint = "create_static_segment")]
pub async fn create_static_segment(name: String) -> Result<SegmentRow, UiError> {
    use crate::domain::segment::NewSegment;
    use crate::server::services::segments;
    let (state, actor) = super::ssr::actor().await?;
    let new = NewSegment::parse(&name, "static", None)?;
    let view = segments::create(&state.ctx, &actor, new, &[]).await?;
    leptos_axum::redirect(&format!("/crm/segments/{}", view.segment.id));
    Ok(row(view))
}

/// Adds the contact with this email to a static segment.
#[server(prefix = "/rpc", endpoint = "add_segment_member")]
pub async fn add_segment_member(segment: SegmentId, email: String) -> Result<SegmentRow, UiError> {
    use crate::server::services::{contacts, segments};
    let (state, actor) = super::ssr::actor().await?;
    let contact = contacts::id_by_email(&state.ctx, &actor, &email).await?;
    Ok(row(segments::add_members(
        &state.ctx,
        &actor,
        &segment,
        &[contact.to_string()],
    )
    .await?))
}

/// Removes a contact from a static segment.
#[server(prefix = "/rpc", endpoint = "remove_segment_member")]
pub async fn remove_segment_member(
    segment: SegmentId,
    contact: ContactId,
) -> Result<SegmentRow, UiError> {
    use crate::server::services::segments;
    let (state, actor) = super::ssr::actor().await?;
    Ok(row(segments::remove_member(
        &state.ctx, &actor, &segment, &contact,
    )
    .await?))
}
