//! Ad creatives up to the gate: generate variants (and regenerate the unpicked ones), read,
//! edit within the platform's limits, request approval, and the approver's decision.

use super::Context;
use super::approvals::{self, Request};
use super::event_record;
use super::gate::{self, Decided, Gated};
use crate::domain::actor::{Actor, Scope};
use crate::domain::ad_creative::{
    AdCreative, CreativeEdit, CreativeFilter, CreativeRequest, CreativeStatus, CreativeView,
    GenerateCreativesInput, MAX_VARIANTS, VariantSet,
};
use crate::domain::approval::{Approval, Decision, DecisionInput, SubjectType};
use crate::domain::brand::Brand;
use crate::domain::campaign::Channel;
use crate::domain::change::{Action, Change};
use crate::domain::generate::ads::CreativeBrief;
use crate::domain::ids::{AdCreativeId, ApprovalId};
use crate::domain::pagination::{Page, PageRequest};
use crate::domain::time::Timestamp;
use crate::domain::{Error, FieldError};
use crate::server::db::{Tx, ad_creatives, approvals as approval_rows, brands, campaigns};

/// How many earlier variants of a set a generation is told to differ from.
const AVOID: i64 = 30;

/// Generates `count` new variants into their set; nothing is replaced.
pub async fn generate(
    ctx: &Context,
    actor: &Actor,
    input: &GenerateCreativesInput,
) -> Result<Vec<CreativeView>, Error> {
    write(ctx, actor, input, false).await
}

/// Regenerates a set: its unpicked drafts and rejected variants are archived (their open
/// requests cancelled) and new ones written in their place; picked and approved variants
/// stay. Without a `count`, as many are written as are replaced.
pub async fn regenerate(
    ctx: &Context,
    actor: &Actor,
    input: &GenerateCreativesInput,
) -> Result<Vec<CreativeView>, Error> {
    write(ctx, actor, input, true).await
}

async fn write(
    ctx: &Context,
    actor: &Actor,
    input: &GenerateCreativesInput,
    replace: bool,
) -> Result<Vec<CreativeView>, Error> {
    actor.require(Scope::MarketingWrite)?;
    actor.require(Scope::MarketingRead)?;
    let mut request = input.parse()?;
    let brand = check_refs(ctx, actor, &request).await?;
    let ws = actor.workspace_id();
    let existing = ad_creatives::of_set(ctx.db.pool(), ws, &request.set, AVOID).await?;
    if replace && input.count.is_none() {
        let replaced = existing
            .iter()
            .filter(|c| c.replaced_by_regeneration())
            .count();
        request.count = replaced.clamp(1, MAX_VARIANTS as usize);
    }
    // A regeneration lands where the set's variants land, unless told otherwise.
    if replace && request.final_url.is_none() {
        request.final_url = existing.iter().find_map(|c| c.copy.final_url.clone());
    }
    let avoid: Vec<_> = existing.iter().map(|c| c.copy.clone()).collect();
    let variants = ctx
        .generator
        .ad_variants(&CreativeBrief {
            brand: &brand,
            platform: request.set.platform,
            objective: &request.set.objective,
            final_url: request.final_url.as_deref(),
            count: request.count,
            avoid: &avoid,
        })
        .await?;
    if variants.is_empty() {
        return Err(Error::Conflict(format!(
            "no new variants could be written for {} on {}: every one the writer has was written already; edit the variants you have, give the brand more selling points, or change the objective",
            brand.name,
            request.set.platform.name()
        )));
    }
    let now = ctx.now();
    let mut tx = ctx.db.begin().await?;
    if replace {
        archive_replaced_in(&mut tx, actor, &request.set, now).await?;
    }
    let mut created = Vec::with_capacity(variants.len());
    for copy in variants {
        // The generator checked it already; a refusal here is the generator's fault, not
        // the client's fields.
        let warnings = copy
            .check_draft(request.set.platform, &brand.do_not_say)
            .map_err(|e| {
                Error::Upstream(format!(
                    "the generator wrote copy that breaks the rules: {e}"
                ))
            })?;
        let creative = AdCreative {
            id: AdCreativeId::generate(),
            campaign_id: request.set.campaign_id.clone(),
            brand_id: request.set.brand_id.clone(),
            platform: request.set.platform,
            objective: request.set.objective.clone(),
            copy,
            warnings,
            status: CreativeStatus::Draft,
            picked: false,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        ad_creatives::insert(&mut tx, ws, &creative).await?;
        record(
            &mut tx,
            actor,
            &creative,
            Action::AdCreativeGenerated,
            now,
            || {
                format!(
                    "generated {} for \"{}\"",
                    creative.name(),
                    creative.objective
                )
            },
        )
        .await?;
        created.push(CreativeView {
            creative,
            pending_approval: None,
        });
    }
    tx.commit().await?;
    Ok(created)
}

/// The brand the request names (its voice and forbidden phrases), after checking that it
/// and the campaign, if any, are this workspace's: 422 naming each unknown one.
async fn check_refs(
    ctx: &Context,
    actor: &Actor,
    request: &CreativeRequest,
) -> Result<Brand, Error> {
    let ws = actor.workspace_id();
    let mut errors = Vec::new();
    let brand = brands::get(&ctx.db, ws, &request.set.brand_id).await?;
    if brand.is_none() {
        errors.push(FieldError::new(
            "brand_id",
            "no such brand in this workspace",
        ));
    }
    if let Some(id) = &request.set.campaign_id {
        match campaigns::get(&ctx.db, ws, id).await? {
            None => errors.push(FieldError::new(
                "campaign_id",
                "no such campaign in this workspace",
            )),
            Some(c) if c.channel != Channel::Ads => errors.push(FieldError::new(
                "campaign_id",
                format!(
                    "\"{}\" is an {} campaign; ad creatives belong to ads campaigns",
                    c.name, c.channel
                ),
            )),
            Some(_) => {}
        }
    }
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    Ok(brand.expect("checked"))
}

/// Archives the variants of `set` a regeneration replaces, as they are inside `tx`.
async fn archive_replaced_in(
    tx: &mut Tx,
    actor: &Actor,
    set: &VariantSet,
    now: Timestamp,
) -> Result<(), Error> {
    let ws = actor.workspace_id();
    for old in ad_creatives::of_set(&mut **tx, ws, set, i64::MAX).await? {
        if !old.replaced_by_regeneration() {
            continue;
        }
        let archived = ad_creatives::set_status(
            tx,
            ws,
            &old.id,
            old.version,
            old.status,
            CreativeStatus::Archived,
            now,
        )
        .await?;
        if archived {
            approval_rows::cancel_pending(
                tx,
                ws,
                SubjectType::AdCreative,
                old.id.as_str(),
                actor,
                now,
                approval_rows::REPLACED_BY_REGENERATION,
            )
            .await?;
            record(tx, actor, &old, Action::AdCreativeArchived, now, || {
                format!("replaced {} by a regeneration", old.name())
            })
            .await?;
        }
    }
    Ok(())
}

async fn record(
    tx: &mut Tx,
    actor: &Actor,
    creative: &AdCreative,
    action: Action,
    now: Timestamp,
    summary: impl FnOnce() -> String,
) -> Result<(), Error> {
    let mut change = Change::new(action, &creative.id, summary());
    if let Some(campaign) = &creative.campaign_id {
        change = change.for_campaign(campaign, now);
    }
    event_record::record(tx, actor.into(), &change, now).await
}

async fn find(ctx: &Context, actor: &Actor, id: &AdCreativeId) -> Result<AdCreative, Error> {
    ad_creatives::get(&ctx.db, actor.workspace_id(), id)
        .await?
        .ok_or(Error::NotFound("ad creative"))
}

async fn brand_of(ctx: &Context, actor: &Actor, creative: &AdCreative) -> Result<Brand, Error> {
    brands::get(&ctx.db, actor.workspace_id(), &creative.brand_id)
        .await?
        .ok_or(Error::NotFound("brand"))
}

async fn views(
    ctx: &Context,
    actor: &Actor,
    creatives: Vec<AdCreative>,
) -> Result<Vec<CreativeView>, Error> {
    let ids: Vec<&str> = creatives.iter().map(|c| c.id.as_str()).collect();
    let pending =
        approval_rows::pending_among(&ctx.db, actor.workspace_id(), SubjectType::AdCreative, &ids)
            .await?;
    let mut pending: std::collections::HashMap<String, ApprovalId> = pending.into_iter().collect();
    Ok(creatives
        .into_iter()
        .map(|creative| CreativeView {
            pending_approval: pending.remove(creative.id.as_str()),
            creative,
        })
        .collect())
}

/// One creative.
pub async fn get(ctx: &Context, actor: &Actor, id: &AdCreativeId) -> Result<CreativeView, Error> {
    actor.require(Scope::MarketingRead)?;
    let creative = find(ctx, actor, id).await?;
    Ok(views(ctx, actor, vec![creative]).await?.remove(0))
}

/// Creatives matching the filter, newest first.
pub async fn list(
    ctx: &Context,
    actor: &Actor,
    filter: &CreativeFilter,
    page: &PageRequest,
) -> Result<Page<CreativeView>, Error> {
    actor.require(Scope::MarketingRead)?;
    let rows = ad_creatives::list(&ctx.db, actor.workspace_id(), filter, page).await?;
    let page = Page::from_rows(rows, page);
    let items = views(ctx, actor, page.items).await?;
    Ok(Page {
        items,
        next_cursor: page.next_cursor,
    })
}

/// Edits a creative at `edit.version`: the copy is checked against the platform and the
/// brand (422 naming each field over its limit), changed copy needs approving again (an
/// approved creative becomes a draft; an open request is replaced by one for the new copy),
/// and a pick alone changes nothing an approver saw.
pub async fn edit(
    ctx: &Context,
    actor: &Actor,
    id: &AdCreativeId,
    edit: &CreativeEdit,
) -> Result<CreativeView, Error> {
    actor.require(Scope::MarketingWrite)?;
    actor.require(Scope::MarketingRead)?;
    let version = edit
        .version
        .ok_or_else(|| Error::invalid("version", "is required (or send If-Match)"))?;
    let current = find(ctx, actor, id).await?;
    current.check_edit(version)?;
    let brand = brand_of(ctx, actor, &current).await?;
    let (copy, warnings) = if edit.changes_copy() {
        edit.apply(current.platform, &current.copy, &brand.do_not_say)?
    } else {
        (current.copy.clone(), current.warnings.clone())
    };
    let now = ctx.now();
    let edited = AdCreative {
        status: current.status_after_edit(edit),
        picked: edit.picked.unwrap_or(current.picked),
        copy,
        warnings,
        version: version + 1,
        updated_at: now,
        ..current.clone()
    };
    let ws = actor.workspace_id();
    let mut tx = ctx.db.begin().await?;
    if !ad_creatives::update(&mut tx, ws, &edited, version).await? {
        return Err(Error::stale("ad creative", version));
    }
    // Inside the edit's transaction, so a request opened meanwhile cannot outlive the copy
    // it was for: an open request is replaced by one for the new copy.
    if edited.copy != current.copy {
        let cancelled = approval_rows::cancel_pending(
            &mut tx,
            ws,
            SubjectType::AdCreative,
            id.as_str(),
            actor,
            now,
            approval_rows::CONTENT_CHANGED,
        )
        .await?;
        if cancelled > 0 {
            request_in(&mut tx, actor, &edited, now).await?;
        }
    }
    record(
        &mut tx,
        actor,
        &edited,
        Action::AdCreativeEdited,
        now,
        || match (edit.changes_copy(), edited.picked != current.picked) {
            (false, true) if edited.picked => format!("picked {}", edited.name()),
            (false, true) => format!("unpicked {}", edited.name()),
            _ => format!("edited {} (version {})", edited.name(), edited.version),
        },
    )
    .await?;
    tx.commit().await?;
    get(ctx, actor, id).await
}

/// Asks an approver to approve a draft at `version` (when given). Only complete copy may
/// be requested (a landing page, every hard limit, no forbidden phrase); asking again for
/// the same copy keeps the request already open.
pub async fn request_approval(
    ctx: &Context,
    actor: &Actor,
    id: &AdCreativeId,
    version: Option<i64>,
) -> Result<Approval, Error> {
    actor.require(Scope::MarketingWrite)?;
    actor.require(Scope::MarketingRead)?;
    let creative = find(ctx, actor, id).await?;
    let brand = brand_of(ctx, actor, &creative).await?;
    creative.check_request(version, &brand.do_not_say)?;
    open_request(ctx, actor, &creative).await
}

async fn open_request(
    ctx: &Context,
    actor: &Actor,
    creative: &AdCreative,
) -> Result<Approval, Error> {
    let ws = actor.workspace_id();
    let pending =
        approval_rows::pending_for(&ctx.db, ws, SubjectType::AdCreative, creative.id.as_str())
            .await?;
    if let Some(open) = pending.filter(|a| a.content_hash == creative.content_hash()) {
        return Ok(open);
    }
    let now = ctx.now();
    let mut tx = ctx.db.begin().await?;
    // The request is for the copy as read; an edit committed since would make it stale.
    if !ad_creatives::set_status(
        &mut tx,
        ws,
        &creative.id,
        creative.version,
        CreativeStatus::Draft,
        CreativeStatus::Draft,
        now,
    )
    .await?
    {
        return Err(Error::stale("ad creative", creative.version));
    }
    let approval_id = request_in(&mut tx, actor, creative, now).await?;
    tx.commit().await?;
    approvals::get(ctx, actor, &approval_id).await
}

/// Opens a request for the creative's copy as it is, replacing any open one.
async fn request_in(
    tx: &mut Tx,
    actor: &Actor,
    creative: &AdCreative,
    now: Timestamp,
) -> Result<ApprovalId, Error> {
    let (name, hash) = (creative.name(), creative.content_hash());
    let request = Request {
        subject_type: SubjectType::AdCreative,
        subject_id: creative.id.as_str(),
        subject_name: &name,
        campaign_id: creative.campaign_id.as_ref(),
        content_hash: &hash,
        audience: None,
    };
    approvals::request_in(tx, actor, &request, now).await
}

/// The approver's decision on a creative, through the gate. An approver may decide a draft
/// nobody asked about yet: the request is opened in their name first (so the inbox and the
/// history still show who asked and who decided), and the decision is bound to that
/// request and to the version read here, so an edit landing in between is never approved.
pub async fn decide(
    ctx: &Context,
    actor: &Actor,
    id: &AdCreativeId,
    decision: Decision,
    input: &DecisionInput,
) -> Result<CreativeView, Error> {
    let creative = find(ctx, actor, id).await?;
    actor.require_approver(AdCreative::console_page(id))?;
    actor.require(Scope::MarketingRead)?;
    // Everything that can refuse the decision is checked before a request is opened.
    decision.note(input.note.as_deref())?;
    let brand = brand_of(ctx, actor, &creative).await?;
    creative.decide(decision, input.version, &brand.do_not_say)?;
    let ws = actor.workspace_id();
    let pending =
        approval_rows::pending_for(&ctx.db, ws, SubjectType::AdCreative, id.as_str()).await?;
    let (input, request) = match pending {
        Some(_) => (input.clone(), None),
        None => {
            let opened = open_request(ctx, actor, &creative).await?;
            let pinned = DecisionInput {
                version: Some(input.version.unwrap_or(creative.version)),
                ..input.clone()
            };
            (pinned, Some(opened.id))
        }
    };
    let decided: CreativeAtGate =
        gate::decide(ctx, actor, id.as_str(), decision, &input, request.as_ref()).await?;
    get(ctx, actor, &decided.creative.id).await
}

/// An ad creative at the approval gate, with its brand's forbidden phrases.
pub struct CreativeAtGate {
    creative: AdCreative,
    do_not_say: Vec<String>,
}

#[async_trait::async_trait]
impl Gated for CreativeAtGate {
    const SUBJECT: SubjectType = SubjectType::AdCreative;

    async fn load(ctx: &Context, actor: &Actor, id: &str) -> Result<Self, Error> {
        let id: AdCreativeId = id.parse().map_err(|_| Error::NotFound("ad creative"))?;
        let creative = find(ctx, actor, &id).await?;
        let do_not_say = brand_of(ctx, actor, &creative).await?.do_not_say;
        Ok(Self {
            creative,
            do_not_say,
        })
    }

    fn id(&self) -> &str {
        self.creative.id.as_str()
    }

    fn console_page(&self) -> String {
        AdCreative::console_page(&self.creative.id)
    }

    fn check_decision(&self, decision: Decision, version: Option<i64>) -> Result<(), Error> {
        self.creative
            .decide(decision, version, &self.do_not_say)
            .map(|_| ())
    }

    async fn current_hash(&mut self, _ctx: &Context, _actor: &Actor) -> Result<String, Error> {
        Ok(self.creative.content_hash())
    }

    async fn rerequest(self, ctx: &Context, actor: &Actor, _hash: String) -> Error {
        match open_request(ctx, actor, &self.creative).await {
            Err(e) => e,
            Ok(_) => Error::Conflict(
                "this creative's copy is not what approval was requested for; a new request for the current copy replaces it: review and decide again".into(),
            ),
        }
    }

    async fn move_in(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        decision: Decision,
        now: Timestamp,
    ) -> Result<bool, Error> {
        let to = self.creative.decide(decision, None, &self.do_not_say)?;
        ad_creatives::set_status(
            tx,
            actor.workspace_id(),
            &self.creative.id,
            self.creative.version,
            CreativeStatus::Draft,
            to,
            now,
        )
        .await
    }

    async fn apply_in(
        &self,
        _tx: &mut Tx,
        _actor: &Actor,
        decided: &Decided<'_>,
    ) -> Result<Change, Error> {
        let c = &self.creative;
        let (action, summary) = match decided.decision {
            Decision::Approve => (Action::AdCreativeApproved, format!("approved {}", c.name())),
            Decision::Reject => (
                Action::AdCreativeRejected,
                format!(
                    "rejected {}: {}",
                    c.name(),
                    decided.note.unwrap_or_default()
                ),
            ),
        };
        let mut change = Change::new(action, &c.id, summary);
        if let Some(campaign) = &c.campaign_id {
            change = change.for_campaign(campaign, decided.at);
        }
        Ok(change)
    }
}
