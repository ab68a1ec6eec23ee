//! Segments: static lists and rules, their members, live counts and samples.

use serde::{Deserialize, Serialize};

use super::Context;
use super::event_record;
use crate::domain::Error;
use crate::domain::actor::{Actor, Scope};
use crate::domain::change::{Action, Change};
use crate::domain::contact::Contact;
use crate::domain::ids::{ContactId, SegmentId};
use crate::domain::pagination::{Page, PageRequest};
use crate::domain::segment::{NewSegment, RuleInput, Segment, SegmentKind};
use crate::server::db::segments::{Audience, SegmentAudience};
use crate::server::db::{contacts, segments};

/// How many members a sample shows.
pub const SAMPLE_SIZE: u32 = 5;

/// A segment with its live size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentView {
    /// The segment.
    pub segment: Segment,
    /// How many contacts are in it now.
    pub member_count: i64,
}

/// The live size and a few members of an audience.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AudiencePreview {
    /// How many contacts match.
    pub count: i64,
    /// The newest few.
    pub sample: Vec<Contact>,
}

async fn view(ctx: &Context, actor: &Actor, segment: Segment) -> Result<SegmentView, Error> {
    let audience = SegmentAudience::of(&segment)?;
    let member_count = segments::count(&ctx.db, actor.workspace_id(), &audience.get()).await?;
    Ok(SegmentView {
        segment,
        member_count,
    })
}

/// Creates a segment; a static one may start with `members`. Every id is checked before
/// anything is written, so a bad id leaves nothing behind.
pub async fn create(
    ctx: &Context,
    actor: &Actor,
    new: NewSegment,
    members: &[String],
) -> Result<SegmentView, Error> {
    actor.require(Scope::CrmWrite)?;
    if !members.is_empty() && new.kind != SegmentKind::Static {
        return Err(Error::invalid(
            "contact_ids",
            "only a static segment lists its members",
        ));
    }
    let members = if members.is_empty() {
        Vec::new()
    } else {
        checked_contacts(ctx, actor, members).await?
    };
    let now = ctx.now();
    let segment = Segment {
        id: SegmentId::generate(),
        name: new.name,
        kind: new.kind,
        rule: new.rule,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let mut tx = ctx.db.begin().await?;
    segments::insert(&mut tx, actor.workspace_id(), &segment).await?;
    segments::add_members(&mut tx, &segment.id, &members, now).await?;
    let change = Change::new(
        Action::SegmentCreated,
        segment.id.to_string(),
        format!(
            "created {} segment \"{}\"",
            segment.kind.as_str(),
            segment.name
        ),
    );
    event_record::record(&mut tx, actor.into(), &change, now).await?;
    tx.commit().await?;
    view(ctx, actor, segment).await
}

/// The segment itself, without counting.
pub async fn find(ctx: &Context, actor: &Actor, id: &SegmentId) -> Result<Segment, Error> {
    actor.require(Scope::CrmRead)?;
    segments::get(&ctx.db, actor.workspace_id(), id)
        .await?
        .ok_or(Error::NotFound("segment"))
}

/// How many of the segment's members can be reached: not unsubscribed, bounced or
/// suppressed (the audience an email sequence or an ad campaign gets).
pub async fn reachable(ctx: &Context, actor: &Actor, id: &SegmentId) -> Result<i64, Error> {
    let segment = find(ctx, actor, id).await?;
    let audience = segments::SegmentAudience::of(&segment)?;
    segments::mailable_count(&ctx.db, actor.workspace_id(), &audience.get()).await
}

/// One segment with its live count.
pub async fn get(ctx: &Context, actor: &Actor, id: &SegmentId) -> Result<SegmentView, Error> {
    let segment = find(ctx, actor, id).await?;
    view(ctx, actor, segment).await
}

/// Segments, newest first, each with its live count.
pub async fn list(
    ctx: &Context,
    actor: &Actor,
    page: &PageRequest,
) -> Result<Page<SegmentView>, Error> {
    actor.require(Scope::CrmRead)?;
    let rows = Page::from_rows(
        segments::list(&ctx.db, actor.workspace_id(), page).await?,
        page,
    );
    let mut items = Vec::with_capacity(rows.items.len());
    for s in rows.items {
        items.push(view(ctx, actor, s).await?);
    }
    Ok(Page {
        items,
        next_cursor: rows.next_cursor,
    })
}

/// Renames a segment or replaces its rule, at `version`.
pub async fn update(
    ctx: &Context,
    actor: &Actor,
    id: &SegmentId,
    version: i64,
    name: Option<&str>,
    rule: Option<&RuleInput>,
) -> Result<SegmentView, Error> {
    actor.require(Scope::CrmWrite)?;
    let current = find(ctx, actor, id).await?;
    let kind = current.kind.as_str();
    let rule = match (current.kind, rule) {
        (SegmentKind::Rule, None) => current.rule.clone(),
        (_, r) => r.cloned(),
    };
    let checked = NewSegment::parse(name.unwrap_or(&current.name), kind, rule.as_ref())?;
    let now = ctx.now();
    let mut tx = ctx.db.begin().await?;
    if !segments::update(
        &mut tx,
        actor.workspace_id(),
        id,
        version,
        &checked.name,
        checked.rule.as_ref(),
        now,
    )
    .await?
    {
        return Err(Error::stale("segment", version));
    }
    let change = Change::new(
        Action::SegmentUpdated,
        id.to_string(),
        format!("edited segment \"{}\"", checked.name),
    );
    event_record::record(&mut tx, actor.into(), &change, now).await?;
    tx.commit().await?;
    get(ctx, actor, id).await
}

/// The segment's members, newest contacts first.
pub async fn members(
    ctx: &Context,
    actor: &Actor,
    id: &SegmentId,
    page: &PageRequest,
) -> Result<Page<Contact>, Error> {
    let segment = find(ctx, actor, id).await?;
    let audience = SegmentAudience::of(&segment)?;
    let rows = segments::members(&ctx.db, actor.workspace_id(), &audience.get(), page).await?;
    Ok(Page::from_rows(rows, page))
}

/// Count and sample for a rule that is being written (nothing is stored).
pub async fn preview_rule(
    ctx: &Context,
    actor: &Actor,
    rule: &RuleInput,
) -> Result<AudiencePreview, Error> {
    actor.require(Scope::CrmRead)?;
    let rule = rule.parse()?;
    let audience = Audience::Rule(&rule);
    let count = segments::count(&ctx.db, actor.workspace_id(), &audience).await?;
    let sample_page = PageRequest {
        limit: SAMPLE_SIZE,
        after: None,
    };
    let mut sample =
        segments::members(&ctx.db, actor.workspace_id(), &audience, &sample_page).await?;
    sample.truncate(SAMPLE_SIZE as usize);
    Ok(AudiencePreview { count, sample })
}

/// Adds contacts to a static segment. Ids not in the workspace are a 422 naming them.
pub async fn add_members(
    ctx: &Context,
    actor: &Actor,
    id: &SegmentId,
    contact_ids: &[String],
) -> Result<SegmentView, Error> {
    actor.require(Scope::CrmWrite)?;
    let segment = find(ctx, actor, id).await?;
    if segment.kind != SegmentKind::Static {
        return Err(Error::Conflict(
            "a rule segment's members follow its rule; edit the rule instead".into(),
        ));
    }
    let parsed = checked_contacts(ctx, actor, contact_ids).await?;
    let now = ctx.now();
    let mut tx = ctx.db.begin().await?;
    segments::add_members(&mut tx, id, &parsed, now).await?;
    let change = Change::new(
        Action::SegmentMembersAdded,
        id.to_string(),
        format!("added {} contact(s) to \"{}\"", parsed.len(), segment.name),
    );
    event_record::record(&mut tx, actor.into(), &change, now).await?;
    tx.commit().await?;
    view(ctx, actor, segment).await
}

/// Removes a contact from a static segment.
pub async fn remove_member(
    ctx: &Context,
    actor: &Actor,
    id: &SegmentId,
    contact: &ContactId,
) -> Result<SegmentView, Error> {
    actor.require(Scope::CrmWrite)?;
    let segment = find(ctx, actor, id).await?;
    if segment.kind != SegmentKind::Static {
        return Err(Error::Conflict(
            "a rule segment's members follow its rule; edit the rule instead".into(),
        ));
    }
    let mut tx = ctx.db.begin().await?;
    if !segments::remove_member(&mut tx, id, contact).await? {
        return Err(Error::NotFound("segment member"));
    }
    let change = Change::new(
        Action::SegmentMemberRemoved,
        id.to_string(),
        format!("removed {contact} from \"{}\"", segment.name),
    );
    event_record::record(&mut tx, actor.into(), &change, ctx.now()).await?;
    tx.commit().await?;
    view(ctx, actor, segment).await
}

/// Segments without counting their members (for pickers and labels).
pub async fn names(
    ctx: &Context,
    actor: &Actor,
    page: &PageRequest,
) -> Result<Vec<Segment>, Error> {
    actor.require(Scope::CrmRead)?;
    segments::list(&ctx.db, actor.workspace_id(), page).await
}

/// Parses and checks contact ids: 1–1,000, each a contact of this workspace, or a 422 naming
/// the first bad one.
async fn checked_contacts(
    ctx: &Context,
    actor: &Actor,
    contact_ids: &[String],
) -> Result<Vec<ContactId>, Error> {
    if contact_ids.is_empty() || contact_ids.len() > 1000 {
        return Err(Error::invalid(
            "contact_ids",
            "must list 1 to 1,000 contact ids",
        ));
    }
    let parsed: Vec<ContactId> = contact_ids
        .iter()
        .enumerate()
        .map(|(i, t)| {
            t.parse().map_err(|_| {
                Error::invalid(
                    format!("contact_ids[{i}]"),
                    "no such contact in this workspace",
                )
            })
        })
        .collect::<Result<_, _>>()?;
    let existing = contacts::existing_ids(&ctx.db, actor.workspace_id(), &parsed).await?;
    if let Some((i, _)) = parsed
        .iter()
        .enumerate()
        .find(|(_, id)| !existing.contains(id))
    {
        return Err(Error::invalid(
            format!("contact_ids[{i}]"),
            "no such contact in this workspace",
        ));
    }
    Ok(parsed)
}
