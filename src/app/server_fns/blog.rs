//! Blog: the drafts list, new and generated drafts, the editor's load and autosave, the
//! publish request and its decision, and the publish jobs.

#![expect(
    clippy::too_many_arguments,
    reason = "a server function takes one argument per form field"
)]

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::app::error::UiError;
use crate::domain::approval::Approval;
use crate::domain::blog::{BlogDraft, DraftView};
use crate::domain::ids::{DraftId, PublishJobId};
use crate::domain::pagination::Page;
use crate::domain::publish::PublishJob;

/// What the blog forms offer: brands to generate for, CMS connectors to publish to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct BlogOptions {
    /// (id, name) of the brands, the default first.
    pub brands: Vec<(String, String)>,
    /// (id, name, kind) of the connectors that publish posts.
    pub cms: Vec<(String, String, String)>,
}

/// The editor's draft and what it can be published to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditorPage {
    /// The draft with its rendering.
    pub draft: DraftView,
    /// Connectors it can be published to.
    pub choices: BlogOptions,
}

/// Where a draft's publishing stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishState {
    /// The draft as stored (status, version, the requested and the live version).
    pub draft: BlogDraft,
    /// Its publish requests, newest first.
    pub approvals: Vec<Approval>,
    /// Its latest publish job.
    pub latest_job: Option<PublishJob>,
}

/// What an autosave came to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Saved {
    /// Saved: the draft as it is now.
    Saved(DraftView),
    /// Someone else saved first: their draft, for the person to keep theirs, take this
    /// one or merge.
    Conflict(DraftView),
}

/// A page of drafts.
#[server(prefix = "/rpc", endpoint = "list_blog_drafts")]
pub async fn list_blog_drafts(
    status: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
) -> Result<Page<DraftView>, UiError> {
    use crate::domain::blog::DraftFilterInput;
    use crate::domain::pagination::PageRequest;
    use crate::server::services::blog_drafts;
    let (state, actor) = super::ssr::actor().await?;
    let (filter, page) = crate::domain::Error::both(
        DraftFilterInput {
            status,
            campaign_id: None,
        }
        .parse(),
        PageRequest::parse(limit.as_deref(), cursor.as_deref()),
    )?;
    Ok(blog_drafts::list(&state.ctx, &actor, &filter, &page).await?)
}

/// The brands and CMS connectors of the workspace.
#[server(prefix = "/rpc", endpoint = "blog_choices")]
pub async fn blog_choices() -> Result<BlogOptions, UiError> {
    let (state, actor) = super::ssr::actor().await?;
    Ok(ssr::choices(&state.ctx, &actor).await?)
}

/// Writes a new draft with a title (the body comes in the editor); answers its id.
#[server(prefix = "/rpc", endpoint = "new_blog_draft")]
pub async fn new_blog_draft(title: String) -> Result<String, UiError> {
    use crate::domain::blog::DraftInput;
    use crate::server::services::blog_drafts;
    let (state, actor) = super::ssr::actor().await?;
    let input = DraftInput {
        title: Some(title),
        body_markdown: Some(String::new()),
        ..Default::default()
    };
    Ok(blog_drafts::create(&state.ctx, &actor, &input)
        .await?
        .draft
        .id
        .to_string())
}

/// Generates a draft (`keywords` comma-separated); answers its id.
#[server(prefix = "/rpc", endpoint = "generate_blog_draft")]
pub async fn generate_blog_draft(
    brand_id: String,
    topic: String,
    keywords: Option<String>,
) -> Result<String, UiError> {
    use crate::domain::blog::GenerateDraftInput;
    use crate::server::services::blog_drafts;
    let (state, actor) = super::ssr::actor().await?;
    let input = GenerateDraftInput {
        brand_id: Some(brand_id),
        topic: Some(topic),
        keywords: Some(split_list(keywords.as_deref().unwrap_or(""))),
        campaign_id: None,
    };
    Ok(blog_drafts::generate(&state.ctx, &actor, &input)
        .await?
        .draft
        .id
        .to_string())
}

/// A comma-separated list as its trimmed, non-empty items.
pub fn split_list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The editor's draft and choices.
#[server(prefix = "/rpc", endpoint = "blog_editor")]
pub async fn blog_editor(id: DraftId) -> Result<EditorPage, UiError> {
    use crate::server::services::blog_drafts;
    let (state, actor) = super::ssr::actor().await?;
    let ctx = &state.ctx;
    Ok(EditorPage {
        draft: blog_drafts::get(ctx, &actor, &id).await?,
        choices: ssr::choices(ctx, &actor).await?,
    })
}

/// Where the draft's publishing stands.
#[server(prefix = "/rpc", endpoint = "blog_publish_state")]
pub async fn blog_publish_state(id: DraftId) -> Result<PublishState, UiError> {
    use crate::domain::approval::SubjectType;
    use crate::server::services::{approvals, blog_drafts, publishing};
    let (state, actor) = super::ssr::actor().await?;
    let ctx = &state.ctx;
    Ok(PublishState {
        draft: blog_drafts::get(ctx, &actor, &id).await?.draft,
        approvals: approvals::history(ctx, &actor, SubjectType::BlogPublish, id.as_str()).await?,
        latest_job: publishing::latest_for_draft(ctx, &actor, &id).await?,
    })
}

/// The Markdown as the post will publish: the server's renderer and sanitiser, so the
/// editor's preview is what publishes.
#[server(prefix = "/rpc", endpoint = "render_markdown")]
pub async fn render_markdown(body_markdown: String) -> Result<String, UiError> {
    use crate::domain::blog::MAX_BODY;
    use crate::domain::markdown::to_html;
    use crate::domain::text::optional_text;
    let _signed_in = super::ssr::actor().await?;
    let body = optional_text("body_markdown", &body_markdown, MAX_BODY)
        .map_err(|e| crate::domain::Error::Invalid(vec![e]))?;
    Ok(to_html(&body))
}

/// Saves the editor's fields at `version` (`tags` comma-separated). Someone else saved
/// first: their draft comes back as a conflict, and nothing is written.
#[server(prefix = "/rpc", endpoint = "save_blog_draft")]
pub async fn save_blog_draft(
    id: DraftId,
    version: i64,
    title: String,
    slug: String,
    excerpt: String,
    tags: String,
    seo_title: String,
    seo_description: String,
    body_markdown: String,
) -> Result<Saved, UiError> {
    use crate::domain::Error;
    use crate::domain::blog::DraftEdit;
    use crate::server::services::blog_drafts;
    let (state, actor) = super::ssr::actor().await?;
    let edit = DraftEdit {
        version: Some(version),
        title: Some(title),
        body_markdown: Some(body_markdown),
        slug: Some(slug),
        excerpt: Some(excerpt),
        tags: Some(split_list(&tags)),
        seo_title: Some(seo_title),
        seo_description: Some(seo_description),
    };
    match blog_drafts::edit(&state.ctx, &actor, &id, &edit).await {
        Ok(draft) => Ok(Saved::Saved(draft)),
        Err(Error::StaleEdit { current, .. }) => Ok(Saved::Conflict(
            serde_json::from_value(*current).map_err(Error::internal)?,
        )),
        Err(e) => Err(e.into()),
    }
}

/// Asks an approver to publish the draft at `version` to `connector_id`.
#[server(prefix = "/rpc", endpoint = "request_blog_publish")]
pub async fn request_blog_publish(
    id: DraftId,
    version: i64,
    connector_id: String,
) -> Result<(), UiError> {
    use crate::domain::publish::PublishInput;
    use crate::server::services::publishing;
    let (state, actor) = super::ssr::actor().await?;
    let input = PublishInput {
        connector_id: Some(connector_id),
        version: Some(version),
    };
    publishing::request(&state.ctx, &actor, &id, &input).await?;
    Ok(())
}

/// Approves or rejects the open publish request of the draft seen at `version`
/// (`decision` is `approve` or `reject`; approvers only, the gate checks).
#[server(prefix = "/rpc", endpoint = "decide_blog_publish")]
pub async fn decide_blog_publish(
    id: DraftId,
    version: i64,
    decision: String,
    note: Option<String>,
) -> Result<(), UiError> {
    use crate::server::services::gate;
    use crate::server::services::publishing::PublishAtGate;
    let (state, actor) = super::ssr::actor().await?;
    let (decision, input) = super::ssr::decision_form(&decision, version, note)?;
    gate::decide::<PublishAtGate>(&state.ctx, &actor, id.as_str(), decision, &input, None).await?;
    Ok(())
}

/// A page of publish jobs.
#[server(prefix = "/rpc", endpoint = "list_publish_jobs")]
pub async fn list_publish_jobs(
    status: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
) -> Result<Page<PublishJob>, UiError> {
    use crate::domain::pagination::PageRequest;
    use crate::domain::publish::PublishFilterInput;
    use crate::server::services::publishing;
    let (state, actor) = super::ssr::actor().await?;
    let (filter, page) = crate::domain::Error::both(
        PublishFilterInput {
            status,
            draft_id: None,
        }
        .parse(),
        PageRequest::parse(limit.as_deref(), cursor.as_deref()),
    )?;
    Ok(publishing::list(&state.ctx, &actor, &filter, &page).await?)
}

/// Queues a failed publish job again.
#[server(prefix = "/rpc", endpoint = "retry_publish_job")]
pub async fn retry_publish_job(id: PublishJobId) -> Result<(), UiError> {
    use crate::server::services::publishing;
    let (state, actor) = super::ssr::actor().await?;
    publishing::retry(&state.ctx, &actor, &id).await?;
    Ok(())
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::BlogOptions;
    use crate::domain::Error;
    use crate::domain::actor::Actor;
    use crate::domain::pagination::PageRequest;
    use crate::server::services::{Context, brands, publishing};

    pub async fn choices(ctx: &Context, actor: &Actor) -> Result<BlogOptions, Error> {
        let all = PageRequest {
            limit: 200,
            after: None,
        };
        let mut brand_rows = brands::list(ctx, actor, &all).await?.items;
        brand_rows.sort_by_key(|b| !b.is_default);
        Ok(BlogOptions {
            brands: brand_rows
                .into_iter()
                .map(|b| (b.id.to_string(), b.name))
                .collect(),
            cms: publishing::destinations(ctx, actor)
                .await?
                .into_iter()
                .map(|c| (c.id.to_string(), c.name, c.kind.as_str().to_owned()))
                .collect(),
        })
    }
}
