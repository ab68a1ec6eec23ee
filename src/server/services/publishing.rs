//! Publishing a blog draft to a CMS through the gate: a request names the draft's current
//! version and a CMS connector; an approver's approval pins that post and queues a publish
//! job on the one runner; the job creates (or finds, or reuses) the CMS item, writes the
//! approved post to it and makes it public. An edit after the request withdraws it; an
//! edit after the approval is a new version, never what the job sends.

use super::Context;
use super::approvals::{self, Request};
use super::event_record::{self, By};
use super::gate::{Decided, Gated};
use super::jobs::Job;
use crate::domain::Error;
use crate::domain::actor::{Actor, Scope};
use crate::domain::approval::{Approval, Decision, SubjectType};
use crate::domain::blog::BlogDraft;
use crate::domain::change::{Action, Change};
use crate::domain::connector::{Connector, ConnectorRole};
use crate::domain::delivery::Outcome;
use crate::domain::ids::{DraftId, PublishJobId};
use crate::domain::job::{JobKind, JobOutcome, JobRecord, JobStatus, NewJob};
use crate::domain::pagination::{Page, PageRequest};
use crate::domain::publish::{Post, PublishFilter, PublishInput, PublishJob};
use crate::domain::time::Timestamp;
use crate::server::connectors::cms::{CmsApi, cms_for};
use crate::server::db::publish_jobs::{self, NewPublishJob};
use crate::server::db::{Tx, approvals as approval_rows, blog_drafts, connectors, jobs};

/// Why a request is withdrawn when its draft is edited.
pub const EDITED_AFTER_REQUEST: &str =
    "the draft was edited after the request; request publishing again for the new version";

async fn find_draft(ctx: &Context, actor: &Actor, id: &DraftId) -> Result<BlogDraft, Error> {
    blog_drafts::get(&ctx.db, actor.workspace_id(), id)
        .await?
        .ok_or(Error::NotFound("blog draft"))
}

/// Why `connector` cannot publish posts, if it cannot.
fn connector_problem(connector: &Connector) -> Option<String> {
    (!connector.can(ConnectorRole::Cms)).then(|| {
        format!(
            "\"{}\" is a {} connector, which does not publish posts; choose a webflow, sanity or sandbox connector",
            connector.name, connector.kind
        )
    })
}

/// Asks an approver to publish the draft as it is now to the connector `input` names.
/// Returns the open request; nothing reaches the CMS until a person approves it.
pub async fn request(
    ctx: &Context,
    actor: &Actor,
    id: &DraftId,
    input: &PublishInput,
) -> Result<Approval, Error> {
    actor.require(Scope::MarketingWrite)?;
    actor.require(Scope::MarketingRead)?;
    let connector_id = input.connector()?;
    let draft = find_draft(ctx, actor, id).await?;
    let ws = actor.workspace_id();
    let connector = connectors::get(&ctx.db, ws, &connector_id)
        .await?
        .ok_or_else(|| Error::invalid("connector_id", "no such connector in this workspace"))?
        .connector;
    if let Some(problem) = connector_problem(&connector) {
        return Err(Error::invalid("connector_id", problem));
    }
    draft.check_publish_request(input.version)?;
    let post = Post::of(&draft);
    let hash = post.content_hash(&connector.id);
    let now = ctx.now();
    let mut tx = ctx.db.begin().await?;
    if !blog_drafts::request_publish(&mut tx, ws, id, draft.version, &connector.id, now).await? {
        return Err(Error::Conflict(
            "the draft changed meanwhile (edited, or a publish was requested); reload and try again"
                .into(),
        ));
    }
    let approval_id = approvals::request_in(
        &mut tx,
        actor,
        &Request {
            subject_type: SubjectType::BlogPublish,
            subject_id: id.as_str(),
            subject_name: &draft.title,
            campaign_id: draft.campaign_id.as_ref(),
            content_hash: &hash,
            audience: None,
        },
        now,
    )
    .await?;
    let mut change = Change::new(
        Action::BlogPublishRequested,
        id,
        format!(
            "requested publishing \"{}\" (version {}) to {}",
            draft.title, draft.version, connector.name
        ),
    );
    if let Some(c) = &draft.campaign_id {
        change = change.for_campaign(c, now);
    }
    event_record::record(&mut tx, By::Actor(actor), &change, now).await?;
    tx.commit().await?;
    approvals::get(ctx, actor, &approval_id).await
}

/// Withdraws the draft's open publish request, if one is open at the version being edited,
/// in the edit's transaction: what an approver would decide is no longer this text. Looks
/// at the row, not at the draft as loaded, so a request opened meanwhile is withdrawn too.
pub async fn withdraw_in(
    tx: &mut Tx,
    actor: &Actor,
    draft: &BlogDraft,
    now: Timestamp,
) -> Result<(), Error> {
    let ws = actor.workspace_id();
    if blog_drafts::close_request(tx, ws, &draft.id, draft.version, now).await? {
        approval_rows::cancel_pending(
            tx,
            ws,
            SubjectType::BlogPublish,
            draft.id.as_str(),
            actor,
            now,
            EDITED_AFTER_REQUEST,
        )
        .await?;
    }
    Ok(())
}

/// A draft at the gate, with its requested connector.
pub struct PublishAtGate {
    draft: BlogDraft,
    connector: Option<Connector>,
}

impl PublishAtGate {
    async fn connector(&mut self, ctx: &Context, actor: &Actor) -> Result<&Connector, Error> {
        if self.connector.is_none() {
            let id = self.draft.publish_connector_id.as_ref().ok_or_else(|| {
                Error::Conflict("no publish of this draft is waiting for a decision".into())
            })?;
            let stored = connectors::get(&ctx.db, actor.workspace_id(), id)
                .await?
                .ok_or_else(|| {
                    Error::Conflict(
                        "the connector this publish names was deleted; reject the request".into(),
                    )
                })?;
            self.connector = Some(stored.connector);
        }
        Ok(self.connector.as_ref().expect("loaded above"))
    }
}

#[async_trait::async_trait]
impl Gated for PublishAtGate {
    const SUBJECT: SubjectType = SubjectType::BlogPublish;

    async fn load(ctx: &Context, actor: &Actor, id: &str) -> Result<Self, Error> {
        let id: DraftId = id.parse().map_err(|_| Error::NotFound("blog draft"))?;
        Ok(Self {
            draft: find_draft(ctx, actor, &id).await?,
            connector: None,
        })
    }

    fn id(&self) -> &str {
        self.draft.id.as_str()
    }

    fn console_page(&self) -> String {
        BlogDraft::console_page(&self.draft.id)
    }

    fn check_decision(&self, _decision: Decision, version: Option<i64>) -> Result<(), Error> {
        self.draft.check_decision(version)
    }

    async fn current_hash(&mut self, ctx: &Context, actor: &Actor) -> Result<String, Error> {
        let post = Post::of(&self.draft);
        let connector = self.connector(ctx, actor).await?;
        Ok(post.content_hash(&connector.id))
    }

    /// Edits withdraw the request in their own transaction, so the content cannot differ
    /// from the request's while it is open; if it ever does, nothing is decided.
    async fn rerequest(self, _ctx: &Context, _actor: &Actor, _hash: String) -> Error {
        Error::Conflict(
            "the draft is not what this request was opened for; request publishing again".into(),
        )
    }

    async fn move_in(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        _decision: Decision,
        now: Timestamp,
    ) -> Result<bool, Error> {
        blog_drafts::close_request(
            tx,
            actor.workspace_id(),
            &self.draft.id,
            self.draft.version,
            now,
        )
        .await
    }

    async fn apply_in(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        decided: &Decided<'_>,
    ) -> Result<Change, Error> {
        let draft = &self.draft;
        let connector = self
            .connector
            .as_ref()
            .ok_or(Error::NotFound("connector"))?;
        let change = match decided.decision {
            Decision::Approve => {
                // The post as the hash covered it: what the approver saw is what publishes.
                let post = Post::of(draft);
                let id = PublishJobId::generate();
                let job_id = jobs::enqueue(
                    tx,
                    &NewJob {
                        workspace_id: actor.workspace_id().clone(),
                        kind: JobKind::BlogPublish,
                        subject_type: "publish_job",
                        subject_id: id.to_string(),
                        payload: serde_json::json!({}),
                        due_at: decided.at,
                    },
                    decided.at,
                )
                .await?;
                publish_jobs::insert(
                    tx,
                    actor.workspace_id(),
                    &NewPublishJob {
                        id: &id,
                        job_id: &job_id,
                        connector_id: &connector.id,
                        approval_id: &decided.approval.id,
                        post: &post,
                    },
                    decided.at,
                )
                .await?;
                Change::new(
                    Action::BlogPublishApproved,
                    &draft.id,
                    format!(
                        "approved publishing \"{}\" (version {}) to {}: publish job {id} queued",
                        draft.title, draft.version, connector.name
                    ),
                )
            }
            Decision::Reject => Change::new(
                Action::BlogPublishRejected,
                &draft.id,
                format!(
                    "rejected publishing \"{}\" (version {}){}",
                    draft.title,
                    draft.version,
                    decided.note.map(|n| format!(": {n}")).unwrap_or_default()
                ),
            ),
        };
        Ok(match &draft.campaign_id {
            Some(c) => change.for_campaign(c, decided.at),
            None => change,
        })
    }
}

/// The post an open blog-publish request would send, when the draft still holds exactly
/// what the request was opened for (its content hash); `None` otherwise, or when it cannot
/// be read (the inbox shows the request without a preview rather than failing).
pub async fn pending_post(ctx: &Context, actor: &Actor, approval: &Approval) -> Option<Post> {
    use crate::domain::approval::ApprovalStatus;
    if approval.subject_type != SubjectType::BlogPublish
        || approval.status != ApprovalStatus::Pending
    {
        return None;
    }
    let id: DraftId = approval.subject_id.parse().ok()?;
    let draft = find_draft(ctx, actor, &id).await.ok()?;
    let post = Post::of(&draft);
    let connector = draft.publish_connector_id.as_ref()?;
    (post.content_hash(connector) == approval.content_hash).then_some(post)
}

/// The connectors posts can be published to: real CMSes first, then sandboxes, by name.
pub async fn destinations(ctx: &Context, actor: &Actor) -> Result<Vec<Connector>, Error> {
    use crate::domain::connector::ConnectorKind;
    // A workspace has a handful of connectors; 200 is every one in practice.
    let every = PageRequest {
        limit: 200,
        after: None,
    };
    let mut all = super::connectors::list(ctx, actor, &every).await?.items;
    all.retain(|c| c.can(ConnectorRole::Cms));
    all.sort_by_key(|c| (c.kind == ConnectorKind::Sandbox, c.name.to_lowercase()));
    Ok(all)
}

/// Publish jobs, newest first.
pub async fn list(
    ctx: &Context,
    actor: &Actor,
    filter: &PublishFilter,
    page: &PageRequest,
) -> Result<Page<PublishJob>, Error> {
    actor.require(Scope::MarketingRead)?;
    let rows = publish_jobs::list(&ctx.db, actor.workspace_id(), filter, page).await?;
    Ok(Page::from_rows(rows, page))
}

/// One publish job.
pub async fn get(ctx: &Context, actor: &Actor, id: &PublishJobId) -> Result<PublishJob, Error> {
    actor.require(Scope::MarketingRead)?;
    publish_jobs::get(&ctx.db, actor.workspace_id(), id)
        .await?
        .ok_or(Error::NotFound("publish job"))
}

/// The draft's latest publish job, if any.
pub async fn latest_for_draft(
    ctx: &Context,
    actor: &Actor,
    draft: &DraftId,
) -> Result<Option<PublishJob>, Error> {
    actor.require(Scope::MarketingRead)?;
    publish_jobs::latest_for_draft(&ctx.db, actor.workspace_id(), draft).await
}

/// Queues a failed publish job again. It sends the same approved post to the same
/// connector (updating the item it or an earlier publish made), so it needs no new approval.
pub async fn retry(ctx: &Context, actor: &Actor, id: &PublishJobId) -> Result<PublishJob, Error> {
    actor.require(Scope::MarketingWrite)?;
    let job = get(ctx, actor, id).await?;
    let ws = actor.workspace_id();
    let job_id = publish_jobs::runner_job(&ctx.db, ws, id)
        .await?
        .ok_or(Error::NotFound("publish job"))?;
    let runner = jobs::get(&ctx.db, ws, &job_id)
        .await?
        .ok_or(Error::NotFound("publish job"))?;
    // The runner's one rule for what may run again.
    if !runner.retry_is_safe() || runner.status == JobStatus::Cancelled {
        return Err(Error::Conflict(format!(
            "this publish job is {}, so there is nothing to retry",
            job.status
        )));
    }
    let job_status = runner.status;
    let now = ctx.now();
    let mut tx = ctx.db.begin().await?;
    if !jobs::requeue(&mut tx, ws, &job_id, job_status, now).await? {
        return Err(Error::Conflict(
            "the publish job changed meanwhile; reload and try again".into(),
        ));
    }
    let change = Change::new(
        Action::PublishJobRetried,
        id,
        format!(
            "queued publishing \"{}\" (version {}) to {} again",
            job.post.title, job.post.version, job.connector_name
        ),
    );
    event_record::record(&mut tx, By::Actor(actor), &change, now).await?;
    tx.commit().await?;
    get(ctx, actor, id).await
}

/// Publishes an approved post to its CMS.
pub struct PublishRunner;

#[async_trait::async_trait]
impl Job for PublishRunner {
    fn kind(&self) -> JobKind {
        JobKind::BlogPublish
    }

    async fn run(&self, ctx: &Context, job: &JobRecord) -> JobOutcome {
        let ws = &job.workspace_id;
        let Ok(id) = job.subject_id.parse::<PublishJobId>() else {
            return JobOutcome::Permanent(format!("`{}` is not a publish job id", job.subject_id));
        };
        let publish = match publish_jobs::get(&ctx.db, ws, &id).await {
            Ok(Some(p)) => p,
            Ok(None) => return JobOutcome::Done("the publish job no longer exists".into()),
            Err(e) => return JobOutcome::Transient(e.to_string()),
        };
        let api = match client(ctx, &publish, job).await {
            Ok(api) => api,
            Err(outcome) => return outcome,
        };
        let result = publish_post(ctx, job, &publish, api.as_ref()).await;
        if let Err(e) = publish_jobs::record_calls(
            &ctx.db,
            &id,
            &api.calls(),
            api.payload().as_ref(),
            ctx.now(),
        )
        .await
        {
            tracing::warn!(error = %e, "the CMS calls of a publish were not recorded");
        }
        if let Err(failure) = &result {
            super::holds::note(ctx, &job.workspace_id, &publish.connector_id, failure).await;
        }
        match result {
            Ok(outcome) => outcome,
            // The policy retries an uncertain publish (the kind is safe to run again: the
            // item is looked up before it is created again).
            Err(Outcome::Transient(r)) => match api.asked_to_wait() {
                Some(secs) => JobOutcome::Later(r, secs),
                None => JobOutcome::Transient(r),
            },
            Err(other) => other.into(),
        }
    }

    async fn gave_up(&self, ctx: &Context, job: &JobRecord, reason: &str) {
        let ws = &job.workspace_id;
        let Ok(id) = job.subject_id.parse::<PublishJobId>() else {
            return;
        };
        let recorded: Result<(), Error> = async {
            let Some(publish) = publish_jobs::get(&ctx.db, ws, &id).await? else {
                return Ok(());
            };
            let now = ctx.now();
            let change = Change::new(
                Action::PublishJobFinished,
                &publish.id,
                format!(
                    "publishing \"{}\" (version {}) to {} failed: {reason}",
                    publish.post.title, publish.post.version, publish.connector_name
                ),
            );
            let mut tx = ctx.db.begin().await?;
            event_record::record(&mut tx, By::System(ws), &change, now).await?;
            tx.commit().await?;
            Ok(())
        }
        .await;
        if let Err(e) = recorded {
            tracing::warn!(error = %e, "a failed publish was not recorded");
        }
    }
}

async fn client(
    ctx: &Context,
    publish: &PublishJob,
    job: &JobRecord,
) -> Result<Box<dyn CmsApi>, JobOutcome> {
    let stored = connectors::get(&ctx.db, &job.workspace_id, &publish.connector_id)
        .await
        .map_err(|e| JobOutcome::Transient(e.to_string()))?
        .ok_or_else(|| JobOutcome::Permanent("the CMS connector was deleted".into()))?;
    let secrets = super::connectors::open(ctx, &stored).map_err(|e| {
        JobOutcome::Permanent(format!("the connector's secrets cannot be opened: {e}"))
    })?;
    cms_for(
        stored.connector.kind,
        stored.connector.settings.clone(),
        secrets,
        ctx.http.clone(),
    )
    .map_err(JobOutcome::from)
}

/// The item to publish to, then the publish itself. `Ok` carries the job's outcome.
async fn publish_post(
    ctx: &Context,
    job: &JobRecord,
    publish: &PublishJob,
    api: &dyn CmsApi,
) -> Result<JobOutcome, Outcome> {
    let ws = &job.workspace_id;
    let store = |e: Error| Outcome::Transient(e.to_string());
    let post = &publish.post;
    // A newer version was approved for the same place: publishing this one, now or after
    // it, would turn the post back.
    if let Some(newest) = publish_jobs::newest_version(&ctx.db, publish, ws)
        .await
        .map_err(store)?
        && newest > post.version
    {
        return Ok(JobOutcome::Permanent(format!(
            "superseded: version {newest} was approved since, so version {} is not published over it",
            post.version
        )));
    }
    let (item, update) = match &publish.external_id {
        // Known from an earlier attempt: what it holds now is not trusted, it is written.
        Some(id) => (id.clone(), true),
        None => match publish_jobs::earlier_item(&ctx.db, publish, ws)
            .await
            .map_err(store)?
        {
            Some(earlier) => {
                publish_jobs::set_item(&ctx.db, &publish.id, &earlier, true, ctx.now())
                    .await
                    .map_err(store)?;
                (earlier, true)
            }
            None => create_item(ctx, publish, api).await?,
        },
    };
    api.publish(post, &item, update).await?;
    let url = api.public_url(post);
    let now = ctx.now();
    let summary = format!(
        "published \"{}\" (version {}) to {}{}",
        post.title,
        post.version,
        publish.connector_name,
        url.as_deref()
            .map(|u| format!(" at {u}"))
            .unwrap_or_default()
    );
    let recorded: Result<(), Error> = async {
        let mut tx = ctx.db.begin().await?;
        publish_jobs::set_url(&mut tx, &publish.id, url.as_deref(), now).await?;
        blog_drafts::mark_published(&mut tx, ws, &post.draft_id, post.version).await?;
        let change = Change::new(Action::PublishJobFinished, &publish.id, summary.clone());
        event_record::record(&mut tx, By::System(ws), &change, now).await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    recorded.map_err(store)?;
    Ok(JobOutcome::Done(summary))
}

/// Creates the post's item, or finds the one an interrupted attempt (of this job or another
/// publish of the draft to the same place) created; returns it and whether it must be
/// written before it is published (a found item holds whatever it held, never trusted).
async fn create_item(
    ctx: &Context,
    publish: &PublishJob,
    api: &dyn CmsApi,
) -> Result<(String, bool), Outcome> {
    let store = |e: Error| Outcome::Transient(e.to_string());
    let interrupted = publish_jobs::create_interrupted(&ctx.db, publish)
        .await
        .map_err(store)?;
    let found = if interrupted {
        api.find(&publish.post).await?
    } else {
        None
    };
    let (id, update) = match found {
        Some(id) => (id, true),
        None => {
            publish_jobs::start_create(&ctx.db, &publish.id, Some(ctx.now()))
                .await
                .map_err(store)?;
            match api.create(&publish.post).await {
                Ok(id) => (id, false),
                Err(failure) => {
                    // Refused for certain: nothing was made, so the next attempt need not
                    // look. Otherwise the item may exist, and the mark stays.
                    if matches!(failure, Outcome::Transient(_) | Outcome::Permanent(_)) {
                        publish_jobs::start_create(&ctx.db, &publish.id, None)
                            .await
                            .map_err(store)?;
                    }
                    return Err(failure);
                }
            }
        }
    };
    publish_jobs::set_item(&ctx.db, &publish.id, &id, false, ctx.now())
        .await
        .map_err(store)?;
    Ok((id, update))
}
