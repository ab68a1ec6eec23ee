//! A workspace's settings.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Db, Tx, get_time, is_unique_violation};
use crate::domain::Error;
use crate::domain::ids::WorkspaceId;
use crate::domain::workspace::WorkspaceSettings;

const SELECT: &str = "select daily_budget_cap_cents, time_zone, attribution_window_days, private_webhook_targets, \
                      version, updated_at from workspace_settings where workspace_id = $1";

fn settings(row: Option<AnyRow>) -> Result<WorkspaceSettings, Error> {
    let Some(r) = row else {
        return Ok(WorkspaceSettings::default());
    };
    Ok(WorkspaceSettings {
        daily_budget_cap_cents: r.try_get("daily_budget_cap_cents")?,
        time_zone: r.try_get("time_zone")?,
        attribution_window_days: r.try_get("attribution_window_days")?,
        private_webhook_targets: r.try_get::<i64, _>("private_webhook_targets")? == 1,
        version: r.try_get("version")?,
        updated_at: Some(get_time(&r, "updated_at")?),
    })
}

/// The settings of `workspace`: its row, or the defaults when none was ever saved.
pub async fn get(db: &Db, workspace: &WorkspaceId) -> Result<WorkspaceSettings, Error> {
    let row = sqlx::query(SELECT)
        .bind(workspace.as_str())
        .fetch_optional(db.pool())
        .await?;
    settings(row)
}

/// The same, read in the caller's transaction.
pub async fn get_in(tx: &mut Tx, workspace: &WorkspaceId) -> Result<WorkspaceSettings, Error> {
    let row = sqlx::query(SELECT)
        .bind(workspace.as_str())
        .fetch_optional(&mut **tx)
        .await?;
    settings(row)
}

/// Saves `settings` if the stored ones are still at `settings.version - 1`; false when
/// someone saved first.
pub async fn save(
    tx: &mut Tx,
    workspace: &WorkspaceId,
    settings: &WorkspaceSettings,
) -> Result<bool, Error> {
    let updated_at = settings
        .updated_at
        .ok_or_else(|| Error::internal(std::io::Error::other("settings saved without a time")))?
        .to_string();
    let private = i64::from(settings.private_webhook_targets);
    if settings.version == 1 {
        // The first save: the row must not exist yet.
        let inserted = sqlx::query(
            "insert into workspace_settings (workspace_id, daily_budget_cap_cents, time_zone, attribution_window_days, \
             private_webhook_targets, version, updated_at) values ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(workspace.as_str())
        .bind(settings.daily_budget_cap_cents)
        .bind(&settings.time_zone)
        .bind(settings.attribution_window_days)
        .bind(private)
        .bind(settings.version)
        .bind(updated_at)
        .execute(&mut **tx)
        .await;
        return match inserted {
            Ok(_) => Ok(true),
            Err(e) if is_unique_violation(&e) => Ok(false),
            Err(e) => Err(e.into()),
        };
    }
    let done = sqlx::query(
        "update workspace_settings set daily_budget_cap_cents = $1, time_zone = $2, attribution_window_days = $3, \
         private_webhook_targets = $4, version = $5, updated_at = $6 where workspace_id = $7 and version = $8",
    )
    .bind(settings.daily_budget_cap_cents)
    .bind(&settings.time_zone)
    .bind(settings.attribution_window_days)
    .bind(private)
    .bind(settings.version)
    .bind(updated_at)
    .bind(workspace.as_str())
    .bind(settings.version - 1)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}
