//! Workspace settings: read by every member (the launch form shows the budget cap),
//! changed by admins.

use super::Context;
use super::event_record;
use crate::domain::Error;
use crate::domain::actor::{Actor, Scope};
use crate::domain::change::{Action, Change};
use crate::domain::money::format_usd;
use crate::domain::workspace::{SettingsEdit, WorkspaceSettings};
use crate::server::db::workspace_settings;

/// The workspace's settings.
pub async fn get(ctx: &Context, actor: &Actor) -> Result<WorkspaceSettings, Error> {
    actor.require(Scope::MarketingRead)?;
    workspace_settings::get(&ctx.db, actor.workspace_id()).await
}

/// Changes the settings seen at `edit.version` (admins only); a stale version is a 409.
pub async fn update(
    ctx: &Context,
    actor: &Actor,
    edit: &SettingsEdit,
) -> Result<WorkspaceSettings, Error> {
    actor.require(Scope::Admin)?;
    let version = edit
        .version
        .ok_or_else(|| Error::invalid("version", "is required (or send If-Match)"))?;
    let current = workspace_settings::get(&ctx.db, actor.workspace_id()).await?;
    if version != current.version {
        return Err(Error::stale("workspace settings", version));
    }
    let now = ctx.now();
    let settings = edit.apply(&current, now)?;
    let mut tx = ctx.db.begin().await?;
    if !workspace_settings::save(&mut tx, actor.workspace_id(), &settings).await? {
        return Err(Error::stale("workspace settings", version));
    }
    let change = Change::new(
        Action::SettingsUpdated,
        actor.workspace_id().to_string(),
        format!(
            "set the daily budget cap to {} (was {})",
            format_usd(settings.daily_budget_cap_cents),
            format_usd(current.daily_budget_cap_cents)
        ),
    );
    event_record::record(&mut tx, actor.into(), &change, now).await?;
    tx.commit().await?;
    Ok(settings)
}
