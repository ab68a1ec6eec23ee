//! Brands.

use super::Context;
use super::event_record;
use crate::domain::Error;
use crate::domain::actor::{Actor, Scope};
use crate::domain::brand::{Brand, BrandFields, BrandInput};
use crate::domain::change::{Action, Change};
use crate::domain::ids::BrandId;
use crate::domain::pagination::{Page, PageRequest};
use crate::server::db::brands;

/// Creates a brand; the first of a workspace becomes its default.
pub async fn create(ctx: &Context, actor: &Actor, input: &BrandInput) -> Result<Brand, Error> {
    actor.require(Scope::MarketingWrite)?;
    let fields = BrandFields::parse(BrandFields::default(), input)?;
    let id = BrandId::generate();
    let now = ctx.now();
    let mut tx = ctx.db.begin().await?;
    let first = brands::count(&mut tx, actor.workspace_id()).await? == 0;
    brands::insert(&mut tx, actor.workspace_id(), &id, &fields, false, now).await?;
    if first || input.is_default {
        brands::set_default(&mut tx, actor.workspace_id(), &id, now).await?;
    }
    let change = Change::new(
        Action::BrandCreated,
        id.to_string(),
        format!("created brand \"{}\"", fields.name),
    );
    event_record::record(&mut tx, actor.into(), &change, now).await?;
    tx.commit().await?;
    get(ctx, actor, &id).await
}

/// One brand.
pub async fn get(ctx: &Context, actor: &Actor, id: &BrandId) -> Result<Brand, Error> {
    actor.require(Scope::MarketingRead)?;
    brands::get(&ctx.db, actor.workspace_id(), id)
        .await?
        .ok_or(Error::NotFound("brand"))
}

/// Brands, newest first.
pub async fn list(ctx: &Context, actor: &Actor, page: &PageRequest) -> Result<Page<Brand>, Error> {
    actor.require(Scope::MarketingRead)?;
    Ok(Page::from_rows(
        brands::list(&ctx.db, actor.workspace_id(), page).await?,
        page,
    ))
}

/// Edits a brand at `version`; a stale version is a conflict. `is_default` moves the
/// default here.
pub async fn update(
    ctx: &Context,
    actor: &Actor,
    id: &BrandId,
    version: i64,
    input: &BrandInput,
) -> Result<Brand, Error> {
    actor.require(Scope::MarketingWrite)?;
    let current = get(ctx, actor, id).await?;
    let fields = BrandFields::parse(BrandFields::of(&current), input)?;
    let now = ctx.now();
    let mut tx = ctx.db.begin().await?;
    if !brands::update(&mut tx, actor.workspace_id(), id, version, &fields, now).await? {
        return Err(Error::stale("brand", version));
    }
    if input.is_default {
        brands::set_default(&mut tx, actor.workspace_id(), id, now).await?;
    }
    let change = Change::new(
        Action::BrandUpdated,
        id.to_string(),
        format!("edited brand \"{}\"", fields.name),
    );
    event_record::record(&mut tx, actor.into(), &change, now).await?;
    tx.commit().await?;
    get(ctx, actor, id).await
}
