//! Campaigns: created by channel artifacts, listed and shown for every channel.

use super::Context;
use super::event_record;
use crate::domain::Error;
use crate::domain::actor::{Actor, Scope};
use crate::domain::campaign::{Campaign, CampaignFilter, NewCampaign, Rollup};
use crate::domain::change::{Action, Change};
use crate::domain::ids::CampaignId;
use crate::domain::pagination::{Page, PageRequest};
use crate::server::db::{Tx, brands, campaigns, segments};

/// Creates the campaign of a new channel artifact, inside the artifact's own transaction.
/// The segment and brand must belong to the actor's workspace (422 naming the field if not).
pub async fn create_in(
    ctx: &Context,
    tx: &mut Tx,
    actor: &Actor,
    new: NewCampaign,
) -> Result<Campaign, Error> {
    actor.require(Scope::MarketingWrite)?;
    if let Some(s) = &new.segment_id
        && segments::get(&ctx.db, actor.workspace_id(), s)
            .await?
            .is_none()
    {
        return Err(Error::invalid(
            "segment_id",
            "no such segment in this workspace",
        ));
    }
    if let Some(b) = &new.brand_id
        && brands::get(&ctx.db, actor.workspace_id(), b)
            .await?
            .is_none()
    {
        return Err(Error::invalid(
            "brand_id",
            "no such brand in this workspace",
        ));
    }
    let now = ctx.now();
    let campaign = Campaign {
        id: CampaignId::generate(),
        name: new.name,
        channel: new.channel,
        status: new.status,
        paused_reason: None,
        segment_id: new.segment_id,
        brand_id: new.brand_id,
        artifact: new.artifact,
        rollup: Rollup::default(),
        created_at: now,
        updated_at: now,
    };
    campaigns::insert(tx, actor.workspace_id(), &campaign).await?;
    let change = Change::new(
        Action::CampaignCreated,
        campaign.id.to_string(),
        format!(
            "created {} campaign \"{}\"",
            campaign.channel, campaign.name
        ),
    );
    event_record::record(tx, actor.into(), &change, now).await?;
    Ok(campaign)
}

/// Creates a campaign in its own transaction.
pub async fn create(ctx: &Context, actor: &Actor, new: NewCampaign) -> Result<Campaign, Error> {
    let mut tx = ctx.db.begin().await?;
    let campaign = create_in(ctx, &mut tx, actor, new).await?;
    tx.commit().await?;
    Ok(campaign)
}

/// Campaigns matching the filter, newest first.
pub async fn list(
    ctx: &Context,
    actor: &Actor,
    filter: &CampaignFilter,
    page: &PageRequest,
) -> Result<Page<Campaign>, Error> {
    actor.require(Scope::MarketingRead)?;
    Ok(Page::from_rows(
        campaigns::list(&ctx.db, actor.workspace_id(), filter, page).await?,
        page,
    ))
}

/// One campaign.
pub async fn get(ctx: &Context, actor: &Actor, id: &CampaignId) -> Result<Campaign, Error> {
    actor.require(Scope::MarketingRead)?;
    campaigns::get(&ctx.db, actor.workspace_id(), id)
        .await?
        .ok_or(Error::NotFound("campaign"))
}
