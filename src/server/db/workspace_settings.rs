//! A workspace's settings.

use sqlx::Row;

use super::{Db, Tx, get_time, is_unique_violation};
use crate::domain::Error;
use crate::domain::ids::WorkspaceId;
use crate::domain::workspace::WorkspaceSettings;

/// The settings of `workspace`: its row, or the defaults when none was ever saved.
pub async fn get(db: &Db, workspace: &WorkspaceId) -> Result<WorkspaceSettings, Error> {
    let row = sqlx::query(
        "select daily_budget_cap_cents, version, updated_at from workspace_settings where workspace_id = $1",
    )
    .bind(workspace.as_str())
    .fetch_optional(db.pool())
    .await?;
    match row {
        None => Ok(WorkspaceSettings::default()),
        Some(r) => Ok(WorkspaceSettings {
            daily_budget_cap_cents: r.try_get("daily_budget_cap_cents")?,
            version: r.try_get("version")?,
            updated_at: Some(get_time(&r, "updated_at")?),
        }),
    }
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
    if settings.version == 1 {
        // The first save: the row must not exist yet.
        let inserted = sqlx::query(
            "insert into workspace_settings (workspace_id, daily_budget_cap_cents, version, updated_at) \
             values ($1, $2, $3, $4)",
        )
        .bind(workspace.as_str())
        .bind(settings.daily_budget_cap_cents)
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
        "update workspace_settings set daily_budget_cap_cents = $1, version = $2, updated_at = $3 \
         where workspace_id = $4 and version = $5",
    )
    .bind(settings.daily_budget_cap_cents)
    .bind(settings.version)
    .bind(updated_at)
    .bind(workspace.as_str())
    .bind(settings.version - 1)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}
