//! Connectors. Secrets arrive here already sealed (see `server::secrets`).

use std::collections::BTreeMap;

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Db, Tx, bind_page, get_opt_time, get_parsed, get_time, page_clause};
use crate::domain::Error;
use crate::domain::connector::{Connector, Health};
use crate::domain::ids::{ConnectorId, WorkspaceId};
use crate::domain::pagination::PageRequest;
use crate::domain::time::Timestamp;

const COLUMNS: &str = "n.id, n.kind, n.name, n.settings, n.secrets, n.health, n.health_detail, n.last_checked_at, \
                       n.failing_since, n.version, n.created_at, n.updated_at, \
                       (select count(*) from email_sequences q where q.sender_connector_id = n.id \
                          and q.status = 'paused' and q.paused_reason = 'sender_failing') as held_runs";

/// A connector with its sealed secrets, as stored.
#[derive(Debug, Clone)]
pub struct Stored {
    /// The connector (its `secrets_set` is filled in by the service).
    pub connector: Connector,
    /// The sealed secrets, if any.
    pub sealed_secrets: Option<String>,
}

fn stored(row: &AnyRow) -> Result<Stored, Error> {
    let settings: String = row.try_get("settings")?;
    Ok(Stored {
        connector: Connector {
            id: get_parsed(row, "id")?,
            kind: get_parsed(row, "kind")?,
            name: row.try_get("name")?,
            settings: serde_json::from_str::<BTreeMap<String, String>>(&settings)
                .map_err(Error::internal)?,
            secrets_set: Vec::new(),
            health: get_parsed(row, "health")?,
            health_detail: row.try_get("health_detail")?,
            last_checked_at: get_opt_time(row, "last_checked_at")?,
            failing_since: get_opt_time(row, "failing_since")?,
            held_runs: row.try_get("held_runs")?,
            version: row.try_get("version")?,
            created_at: get_time(row, "created_at")?,
            updated_at: get_time(row, "updated_at")?,
        },
        sealed_secrets: row.try_get("secrets")?,
    })
}

/// Stores a new connector.
pub async fn insert(
    tx: &mut Tx,
    workspace: &WorkspaceId,
    c: &Connector,
    sealed: Option<&str>,
) -> Result<(), Error> {
    sqlx::query(
        "insert into connectors (id, workspace_id, kind, name, settings, secrets, health, version, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $6, 'unknown', 1, $7, $7)",
    )
    .bind(c.id.as_str())
    .bind(workspace.as_str())
    .bind(c.kind.as_str())
    .bind(&c.name)
    .bind(serde_json::to_string(&c.settings).map_err(Error::internal)?)
    .bind(sealed)
    .bind(c.created_at.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Replaces name, settings and secrets if still at `version`; health goes back to unknown.
#[expect(
    clippy::too_many_arguments,
    reason = "one argument per column written, plus the key"
)]
pub async fn update(
    tx: &mut Tx,
    workspace: &WorkspaceId,
    id: &ConnectorId,
    version: i64,
    name: &str,
    settings: &BTreeMap<String, String>,
    sealed: Option<&str>,
    at: Timestamp,
) -> Result<bool, Error> {
    let done = sqlx::query(
        "update connectors set name = $1, settings = $2, secrets = $3, health = 'unknown', health_detail = null, \
         version = version + 1, updated_at = $4 where workspace_id = $5 and id = $6 and version = $7",
    )
    .bind(name)
    .bind(serde_json::to_string(settings).map_err(Error::internal)?)
    .bind(sealed)
    .bind(at.to_string())
    .bind(workspace.as_str())
    .bind(id.as_str())
    .bind(version)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records the result of a connection test of the configuration at `version` (a test of a
/// configuration edited meanwhile is dropped).
pub async fn set_health(
    db: &Db,
    workspace: &WorkspaceId,
    id: &ConnectorId,
    version: i64,
    health: Health,
    detail: &str,
    at: Timestamp,
) -> Result<(), Error> {
    sqlx::query("update connectors set health = $1, health_detail = $2, last_checked_at = $3 where workspace_id = $4 and id = $5 and version = $6")
        .bind(health.as_str())
        .bind(detail)
        .bind(at.to_string())
        .bind(workspace.as_str())
        .bind(id.as_str())
        .bind(version)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Marks the connector failing with `reason`, as of `at`; true when it was not failing yet
/// (a second fault keeps the first reason and time).
pub async fn mark_failing(
    tx: &mut Tx,
    workspace: &WorkspaceId,
    id: &ConnectorId,
    reason: &str,
    at: Timestamp,
) -> Result<bool, Error> {
    let done = sqlx::query(
        "update connectors set health = 'failing', health_detail = $1, failing_since = $2 \
         where workspace_id = $3 and id = $4 and failing_since is null",
    )
    .bind(reason)
    .bind(at.to_string())
    .bind(workspace.as_str())
    .bind(id.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Ends the connector's failing state; true when it was failing.
pub async fn clear_failing(
    tx: &mut Tx,
    workspace: &WorkspaceId,
    id: &ConnectorId,
) -> Result<bool, Error> {
    let done = sqlx::query(
        "update connectors set failing_since = null where workspace_id = $1 and id = $2 and failing_since is not null",
    )
    .bind(workspace.as_str())
    .bind(id.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes a connector.
pub async fn delete(tx: &mut Tx, workspace: &WorkspaceId, id: &ConnectorId) -> Result<bool, Error> {
    let done = sqlx::query("delete from connectors where workspace_id = $1 and id = $2")
        .bind(workspace.as_str())
        .bind(id.as_str())
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// One connector.
pub async fn get(
    db: &Db,
    workspace: &WorkspaceId,
    id: &ConnectorId,
) -> Result<Option<Stored>, Error> {
    let sql = format!("select {COLUMNS} from connectors n where n.workspace_id = $1 and n.id = $2");
    let row = sqlx::query(&sql)
        .bind(workspace.as_str())
        .bind(id.as_str())
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(stored).transpose()
}

/// One page of connectors, newest first.
pub async fn list(
    db: &Db,
    workspace: &WorkspaceId,
    page: &PageRequest,
) -> Result<Vec<Stored>, Error> {
    let sql = format!(
        "select {COLUMNS} from connectors n where n.workspace_id = $1 {}",
        page_clause("n", 2, page)
    );
    let rows = bind_page(sqlx::query(&sql).bind(workspace.as_str()), page)
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(stored).collect()
}

/// How many ad campaigns, publish jobs and drafts waiting to be published name the connector.
pub async fn uses_elsewhere(
    db: &Db,
    workspace: &WorkspaceId,
    id: &ConnectorId,
) -> Result<i64, Error> {
    let row = sqlx::query(
        "select (select count(*) from ad_campaigns where workspace_id = $1 and connector_id = $2) \
         + (select count(*) from publish_jobs where workspace_id = $1 and connector_id = $2) \
         + (select count(*) from blog_drafts where workspace_id = $1 and publish_connector_id = $2) as uses",
    )
    .bind(workspace.as_str())
    .bind(id.as_str())
    .fetch_one(db.pool())
    .await?;
    Ok(row.try_get("uses")?)
}
