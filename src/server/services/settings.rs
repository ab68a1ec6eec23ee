//! Workspace settings: read by every member (the launch form shows the budget cap),
//! changed by admins.

use super::Context;
use super::event_record;
use super::rollups;
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
    if settings.time_zone != current.time_zone {
        // Days start elsewhere now: every stored day is counted again in the new zone.
        rollups::rebuild_in(&mut tx, actor.workspace_id(), &settings.time_zone).await?;
    }
    let change = Change::new(
        Action::SettingsUpdated,
        actor.workspace_id().to_string(),
        summary(&current, &settings),
    );
    event_record::record(&mut tx, actor.into(), &change, now).await?;
    tx.commit().await?;
    Ok(settings)
}

/// What changed, for the audit log.
fn summary(before: &WorkspaceSettings, after: &WorkspaceSettings) -> String {
    let mut parts = Vec::new();
    if before.daily_budget_cap_cents != after.daily_budget_cap_cents {
        parts.push(format!(
            "set the daily budget cap to {} (was {})",
            format_usd(after.daily_budget_cap_cents),
            format_usd(before.daily_budget_cap_cents)
        ));
    }
    if before.time_zone != after.time_zone {
        parts.push(format!(
            "set the time zone to {} (was {}) and recounted the days",
            after.time_zone, before.time_zone
        ));
    }
    if before.attribution_window_days != after.attribution_window_days {
        parts.push(format!(
            "set the attribution window to {} days (was {})",
            after.attribution_window_days, before.attribution_window_days
        ));
    }
    if before.private_webhook_targets != after.private_webhook_targets {
        parts.push(
            if after.private_webhook_targets {
                "allowed webhooks to private addresses"
            } else {
                "stopped webhooks to private addresses"
            }
            .to_owned(),
        );
    }
    if parts.is_empty() {
        "saved the settings unchanged".to_owned()
    } else {
        parts.join("; ")
    }
}
