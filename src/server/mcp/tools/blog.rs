//! Blog: drafts written by the generator, edits, the publish request through the gate and
//! the publish job that follows an approval.

use rmcp::model::CallToolResult;
use rmcp::{tool, tool_router};

use super::super::Tenex;
use super::super::answer::Answer;
use super::super::args::{
    self, DraftPublish, DraftRef, DraftUpdate, PublishJobList, PublishJobRef,
};
use super::super::call::{Call, schema};
use crate::domain::Error;
use crate::domain::blog::{BlogDraft, DraftEdit, GenerateDraftInput};
use crate::domain::ids::{DraftId, PublishJobId};
use crate::server::api::approvals::ApprovalJson;
use crate::server::api::blog_drafts::DraftJson;
use crate::server::api::list::ListJson;
use crate::server::api::publish_jobs::PublishJobJson;
use crate::server::services::{blog_drafts, publishing};

#[tool_router(router = blog_tools, vis = "pub(in crate::server::mcp)")]
impl Tenex {
    #[tool(
        description = "Writes a blog draft from a brand, a topic and keywords, in the brand's voice and \
                       without its forbidden phrases. It is a draft: nothing is published until a \
                       request (publish_blog_draft) is approved by a human.",
        input_schema = schema::<GenerateDraftInput>(),
        annotations(title = "Generate a blog draft", read_only_hint = false,
                    destructive_hint = false, idempotent_hint = false, open_world_hint = true)
    )]
    async fn generate_blog_draft(&self, call: Call<GenerateDraftInput>) -> CallToolResult {
        self.answer(async {
            let (actor, input) = call.parts()?;
            let d = DraftJson::from(blog_drafts::generate(&self.ctx, &actor, &input).await?);
            let summary = format!(
                "Draft {} \"{}\" (version {}, {} words). Edit with update_blog_draft; publish_blog_draft asks a human to approve.",
                d.id, d.title, d.version, d.word_count
            );
            Answer::new(summary, d)
        })
        .await
    }

    #[tool(
        description = "One blog draft by draft_id (`drf_…`): title, Markdown body, rendered HTML, version, \
                       status and the version that is live. Changes nothing.",
        input_schema = schema::<DraftRef>(),
        annotations(title = "Get a blog draft", read_only_hint = true, open_world_hint = false)
    )]
    async fn get_blog_draft(&self, call: Call<DraftRef>) -> CallToolResult {
        self.answer(async {
            let (actor, a) = call.parts()?;
            let id: DraftId = args::id("draft_id", &a.draft_id)?;
            let d = DraftJson::from(blog_drafts::get(&self.ctx, &actor, &id).await?);
            let summary = format!(
                "Draft {} \"{}\": {}, version {}.",
                d.id, d.title, d.status, d.version
            );
            Answer::new(summary, d)
        })
        .await
    }

    #[tool(
        description = "Edits a draft at its version (omitted fields stay): title, body_markdown, slug, \
                       excerpt, tags, seo_title, seo_description. An open publish request is withdrawn \
                       (the approver must see the new text). Publishes nothing.",
        input_schema = schema::<DraftUpdate>(),
        annotations(title = "Edit a blog draft", read_only_hint = false,
                    destructive_hint = true, idempotent_hint = true, open_world_hint = false)
    )]
    async fn update_blog_draft(&self, call: Call<DraftUpdate>) -> CallToolResult {
        self.answer(async {
            let (actor, a) = call.parts()?;
            let id: DraftId = args::id("draft_id", &a.draft_id)?;
            let edit = DraftEdit {
                version: Some(args::version(a.edit.version)?),
                ..a.edit
            };
            let d = DraftJson::from(blog_drafts::edit(&self.ctx, &actor, &id, &edit).await?);
            let summary = format!("Draft {} is at version {} ({}).", d.id, d.version, d.status);
            Answer::new(summary, d)
        })
        .await
    }

    #[tool(
        description = "Asks a human approver to publish the draft, as it is now, to a CMS connector \
                       (connector_id). NOTHING IS PUBLISHED until a person approves the request in the \
                       console; then a publish job runs (see get_publish_job). Editing the draft \
                       withdraws the request.",
        input_schema = schema::<DraftPublish>(),
        annotations(title = "Request to publish a draft", read_only_hint = false,
                    destructive_hint = false, idempotent_hint = true, open_world_hint = false)
    )]
    async fn publish_blog_draft(&self, call: Call<DraftPublish>) -> CallToolResult {
        self.answer(async {
            let (actor, a) = call.parts()?;
            let id: DraftId = args::id("draft_id", &a.draft_id)?;
            let approval = publishing::request(&self.ctx, &actor, &id, &a.publish).await?;
            let page = self.console(&BlogDraft::console_page(&id));
            let body = serde_json::json!({
                "approval": ApprovalJson::from(approval),
                "published": false,
                "next_step": format!("A person must approve publishing at {page}"),
            });
            let summary = format!(
                "Publish request {} is open; nothing was published. A human approves it at {page}.",
                body["approval"]["id"].as_str().unwrap_or_default()
            );
            Answer::new(summary, body)
        })
        .await
    }

    #[tool(
        description = "Lists publish jobs, newest first, filtered by draft_id and status (queued, running, \
                       succeeded, failed): one runs after a person approves a publish request. \
                       Changes nothing.",
        input_schema = schema::<PublishJobList>(),
        annotations(title = "List publish jobs", read_only_hint = true, open_world_hint = false)
    )]
    async fn list_publish_jobs(&self, call: Call<PublishJobList>) -> CallToolResult {
        self.answer(async {
            let (actor, q) = call.parts()?;
            let (filter, page) = Error::both(q.filter.parse(), q.paging.parse())?;
            let list = ListJson::from_page(
                publishing::list(&self.ctx, &actor, &filter, &page).await?,
                PublishJobJson::from,
            );
            let summary = format!("{} publish job(s).", list.items.len());
            Answer::new(summary, list)
        })
        .await
    }

    #[tool(
        description = "One publish job by publish_job_id (`pub_…`): queued, running, succeeded (with the \
                       live post's external_url) or failed (with the CMS's reason). Changes nothing.",
        input_schema = schema::<PublishJobRef>(),
        annotations(title = "Get a publish job", read_only_hint = true, open_world_hint = false)
    )]
    async fn get_publish_job(&self, call: Call<PublishJobRef>) -> CallToolResult {
        self.answer(async {
            let (actor, a) = call.parts()?;
            let id: PublishJobId = args::id("publish_job_id", &a.publish_job_id)?;
            let j = PublishJobJson::from(publishing::get(&self.ctx, &actor, &id).await?);
            let summary = match (&j.external_url, &j.error) {
                (Some(url), _) if j.status == "succeeded" => {
                    format!("Publish job {} succeeded: {url}", j.id)
                }
                (_, Some(error)) => format!("Publish job {} is {}: {error}", j.id, j.status),
                _ => format!("Publish job {} is {}.", j.id, j.status),
            };
            Answer::new(summary, j)
        })
        .await
    }
}
