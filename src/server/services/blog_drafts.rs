//! Blog drafts: written by hand, read with their rendering, and edited at a version (a
//! stale edit answers with the draft as it is now, so nothing typed is lost).

use super::Context;
use super::event_record;
use crate::domain::actor::{Actor, Scope};
use crate::domain::blog::{
    BlogDraft, DraftEdit, DraftFilter, DraftInput, DraftStatus, DraftView, GenerateDraftInput,
    NewDraft, slugify,
};
use crate::domain::campaign::Channel;
use crate::domain::change::{Action, Change};
use crate::domain::generate::blog::PostBrief;
use crate::domain::ids::DraftId;
use crate::domain::pagination::{Page, PageRequest};
use crate::domain::{Error, FieldError};
use crate::server::db::{blog_drafts, brands, campaigns};

/// How many numbered slugs (`-2`, `-3`, …) are tried before asking for one.
const SLUG_TRIES: usize = 50;

/// Writes a draft. Without a slug, one is made from the title and numbered when taken; a
/// slug given that another draft has is a 422.
pub async fn create(ctx: &Context, actor: &Actor, input: &DraftInput) -> Result<DraftView, Error> {
    actor.require(Scope::MarketingWrite)?;
    actor.require(Scope::MarketingRead)?;
    let new = input.parse()?;
    store(ctx, actor, new, "wrote").await
}

/// Generates a draft from a brand, a topic and keywords: the generator writes title,
/// excerpt, tags, SEO fields and a Markdown body in the brand's voice, never with its
/// forbidden phrases; the result is stored like a draft written by hand.
pub async fn generate(
    ctx: &Context,
    actor: &Actor,
    input: &GenerateDraftInput,
) -> Result<DraftView, Error> {
    actor.require(Scope::MarketingWrite)?;
    actor.require(Scope::MarketingRead)?;
    let ask = input.parse()?;
    let brand = brands::get(&ctx.db, actor.workspace_id(), &ask.brand_id)
        .await?
        .ok_or_else(|| Error::invalid("brand_id", "no such brand in this workspace"))?;
    let said = brand.forbidden_phrases_in(&ask.topic);
    if !said.is_empty() {
        return Err(Error::invalid(
            "topic",
            format!(
                "uses words {} never says ({}); a post about it could not be written in its voice",
                brand.name,
                said.join(", ")
            ),
        ));
    }
    let post = ctx
        .generator
        .blog_post(&PostBrief {
            brand: &brand,
            topic: &ask.topic,
            keywords: &ask.keywords,
        })
        .await?;
    let new = NewDraft {
        title: post.title,
        body_markdown: post.body_markdown,
        slug: None,
        excerpt: post.excerpt,
        tags: post.tags,
        seo_title: post.seo_title,
        seo_description: post.seo_description,
        campaign_id: ask.campaign_id,
        brand_id: Some(brand.id),
    };
    store(ctx, actor, new, "generated").await
}

/// Stores a new draft after checking its campaign and brand; `verb` says how it was made.
async fn store(
    ctx: &Context,
    actor: &Actor,
    new: NewDraft,
    verb: &str,
) -> Result<DraftView, Error> {
    let ws = actor.workspace_id();
    let mut errors = Vec::new();
    if let Some(id) = &new.campaign_id {
        match campaigns::get(&ctx.db, ws, id).await? {
            None => errors.push(FieldError::new(
                "campaign_id",
                "no such campaign in this workspace",
            )),
            Some(c) if c.channel != Channel::Blog => errors.push(FieldError::new(
                "campaign_id",
                format!(
                    "\"{}\" is an {} campaign; drafts belong to blog campaigns",
                    c.name, c.channel
                ),
            )),
            Some(_) => {}
        }
    }
    if let Some(id) = &new.brand_id
        && brands::get(&ctx.db, ws, id).await?.is_none()
    {
        errors.push(FieldError::new(
            "brand_id",
            "no such brand in this workspace",
        ));
    }
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let slug = match new.slug {
        Some(s) => s,
        None => {
            // A title in a script without Latin letters gives no slug: start from "post".
            let base = Some(slugify(&new.title))
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "post".into());
            free_slug(ctx, actor, &base).await?
        }
    };
    let now = ctx.now();
    let draft = BlogDraft {
        id: DraftId::generate(),
        campaign_id: new.campaign_id,
        brand_id: new.brand_id,
        title: new.title,
        slug,
        excerpt: new.excerpt,
        tags: new.tags,
        seo_title: new.seo_title,
        seo_description: new.seo_description,
        body_markdown: new.body_markdown,
        status: DraftStatus::Draft,
        version: 1,
        publish_connector_id: None,
        published_version: None,
        created_at: now,
        updated_at: now,
    };
    let mut tx = ctx.db.begin().await?;
    blog_drafts::insert(&mut tx, ws, &draft).await?;
    let mut change = Change::new(
        Action::BlogDraftCreated,
        &draft.id,
        format!("{verb} draft \"{}\"", draft.title),
    );
    if let Some(c) = &draft.campaign_id {
        change = change.for_campaign(c, now);
    }
    event_record::record(&mut tx, actor.into(), &change, now).await?;
    tx.commit().await?;
    Ok(DraftView::of(draft))
}

/// `base`, or `base-2`, `base-3`… the first no draft of the workspace has.
async fn free_slug(ctx: &Context, actor: &Actor, base: &str) -> Result<String, Error> {
    let ws = actor.workspace_id();
    for n in 1..=SLUG_TRIES {
        let candidate = if n == 1 {
            base.to_owned()
        } else {
            let suffix = format!("-{n}");
            let keep = crate::domain::blog::MAX_SLUG - suffix.len();
            format!(
                "{}{suffix}",
                &base[..base.len().min(keep)].trim_end_matches('-')
            )
        };
        if !blog_drafts::slug_exists(&ctx.db, ws, &candidate).await? {
            return Ok(candidate);
        }
    }
    Err(Error::invalid(
        "slug",
        format!("\"{base}\" and its numbered forms are taken; give a slug"),
    ))
}

async fn find(ctx: &Context, actor: &Actor, id: &DraftId) -> Result<BlogDraft, Error> {
    blog_drafts::get(&ctx.db, actor.workspace_id(), id)
        .await?
        .ok_or(Error::NotFound("blog draft"))
}

/// One draft with its rendering.
pub async fn get(ctx: &Context, actor: &Actor, id: &DraftId) -> Result<DraftView, Error> {
    actor.require(Scope::MarketingRead)?;
    Ok(DraftView::of(find(ctx, actor, id).await?))
}

/// Drafts matching the filter, newest first.
pub async fn list(
    ctx: &Context,
    actor: &Actor,
    filter: &DraftFilter,
    page: &PageRequest,
) -> Result<Page<DraftView>, Error> {
    actor.require(Scope::MarketingRead)?;
    let rows = blog_drafts::list(&ctx.db, actor.workspace_id(), filter, page).await?;
    Ok(Page::from_rows(rows, page).map(DraftView::of))
}

/// Edits a draft at `edit.version`. Someone else saved first: 409 carrying the draft as it
/// is now, so the editor can show both versions.
pub async fn edit(
    ctx: &Context,
    actor: &Actor,
    id: &DraftId,
    edit: &DraftEdit,
) -> Result<DraftView, Error> {
    actor.require(Scope::MarketingWrite)?;
    actor.require(Scope::MarketingRead)?;
    let version = edit
        .version
        .ok_or_else(|| Error::invalid("version", "is required (or send If-Match)"))?;
    let current = find(ctx, actor, id).await?;
    if current.version != version {
        return Err(stale(current, version));
    }
    let now = ctx.now();
    let edited = BlogDraft {
        version: version + 1,
        updated_at: now,
        ..edit.apply(&current)?
    };
    // An autosave of text that did not change is not an edit: no new version, and an open
    // publish request stays.
    if edited.same_content(&current) {
        return Ok(DraftView::of(current));
    }
    let ws = actor.workspace_id();
    let mut tx = ctx.db.begin().await?;
    // What an approver would decide is no longer this text.
    super::publishing::withdraw_in(&mut tx, actor, &current, now).await?;
    if !blog_drafts::update(&mut tx, ws, &edited, version).await? {
        drop(tx);
        return Err(stale(find(ctx, actor, id).await?, version));
    }
    let mut change = Change::new(
        Action::BlogDraftEdited,
        id,
        format!(
            "edited draft \"{}\" (version {})",
            edited.title, edited.version
        ),
    );
    if let Some(c) = &edited.campaign_id {
        change = change.for_campaign(c, now);
    }
    event_record::record(&mut tx, actor.into(), &change, now).await?;
    // Read back in the transaction: the status is the row's (a withdrawn request, a publish
    // that finished), and the version is this edit's, never a later one's.
    let saved = blog_drafts::get_in(&mut tx, ws, id)
        .await?
        .ok_or(Error::NotFound("blog draft"))?;
    tx.commit().await?;
    Ok(DraftView::of(saved))
}

fn stale(current: BlogDraft, version: i64) -> Error {
    let message = format!(
        "this draft was saved by someone else since version {version} (it is at version {} now); the current draft is in `current`: merge and save again at its version",
        current.version
    );
    match serde_json::to_value(DraftView::of(current)) {
        Ok(json) => Error::StaleEdit {
            message,
            current: Box::new(json),
        },
        Err(e) => Error::internal(e),
    }
}
