//! Ad creatives.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Conditions, Db, Tx, bind_page, get_parsed, get_time, page_clause};
use crate::domain::Error;
use crate::domain::ad_creative::{AdCreative, CreativeFilter, CreativeStatus, VariantSet};
use crate::domain::ids::{AdCreativeId, WorkspaceId};
use crate::domain::pagination::PageRequest;
use crate::domain::time::Timestamp;

const COLUMNS: &str = "c.id, c.campaign_id, c.brand_id, c.platform, c.objective, c.copy, c.warnings, \
                       c.status, c.picked, c.version, c.created_at, c.updated_at";

fn creative(row: &AnyRow) -> Result<AdCreative, Error> {
    let copy: String = row.try_get("copy")?;
    let warnings: String = row.try_get("warnings")?;
    Ok(AdCreative {
        id: get_parsed(row, "id")?,
        campaign_id: row
            .try_get::<Option<String>, _>("campaign_id")?
            .map(|c| c.parse())
            .transpose()
            .map_err(Error::internal)?,
        brand_id: get_parsed(row, "brand_id")?,
        platform: get_parsed(row, "platform")?,
        objective: row.try_get("objective")?,
        copy: serde_json::from_str(&copy).map_err(Error::internal)?,
        warnings: serde_json::from_str(&warnings).map_err(Error::internal)?,
        status: get_parsed(row, "status")?,
        picked: row.try_get::<i64, _>("picked")? == 1,
        version: row.try_get("version")?,
        created_at: get_time(row, "created_at")?,
        updated_at: get_time(row, "updated_at")?,
    })
}

fn json<T: serde::Serialize>(value: &T) -> Result<String, Error> {
    serde_json::to_string(value).map_err(Error::internal)
}

/// Stores a new creative.
pub async fn insert(tx: &mut Tx, workspace: &WorkspaceId, c: &AdCreative) -> Result<(), Error> {
    sqlx::query(
        "insert into ad_creatives (id, workspace_id, campaign_id, brand_id, platform, objective, copy, warnings, \
         status, picked, version, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(c.id.as_str())
    .bind(workspace.as_str())
    .bind(c.campaign_id.as_ref().map(|id| id.to_string()))
    .bind(c.brand_id.as_str())
    .bind(c.platform.as_str())
    .bind(&c.objective)
    .bind(json(&c.copy)?)
    .bind(json(&c.warnings)?)
    .bind(c.status.as_str())
    .bind(i64::from(c.picked))
    .bind(c.version)
    .bind(c.created_at.to_string())
    .bind(c.updated_at.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Saves an edit (copy, warnings, pick, status, version) if the creative is still at
/// `expected_version` and not archived; false when it is not.
pub async fn update(
    tx: &mut Tx,
    workspace: &WorkspaceId,
    c: &AdCreative,
    expected_version: i64,
) -> Result<bool, Error> {
    let done = sqlx::query(
        "update ad_creatives set copy = $1, warnings = $2, picked = $3, status = $4, version = $5, updated_at = $6 \
         where workspace_id = $7 and id = $8 and version = $9 and status <> 'archived'",
    )
    .bind(json(&c.copy)?)
    .bind(json(&c.warnings)?)
    .bind(i64::from(c.picked))
    .bind(c.status.as_str())
    .bind(c.version)
    .bind(c.updated_at.to_string())
    .bind(workspace.as_str())
    .bind(c.id.as_str())
    .bind(expected_version)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Moves a creative from `from` to `to`, only at `version`; false when it was not there.
pub async fn set_status(
    tx: &mut Tx,
    workspace: &WorkspaceId,
    id: &AdCreativeId,
    version: i64,
    from: CreativeStatus,
    to: CreativeStatus,
    at: Timestamp,
) -> Result<bool, Error> {
    let done = sqlx::query(
        "update ad_creatives set status = $1, updated_at = $2 \
         where workspace_id = $3 and id = $4 and status = $5 and version = $6",
    )
    .bind(to.as_str())
    .bind(at.to_string())
    .bind(workspace.as_str())
    .bind(id.as_str())
    .bind(from.as_str())
    .bind(version)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// One creative.
pub async fn get(
    db: &Db,
    workspace: &WorkspaceId,
    id: &AdCreativeId,
) -> Result<Option<AdCreative>, Error> {
    let sql =
        format!("select {COLUMNS} from ad_creatives c where c.workspace_id = $1 and c.id = $2");
    let row = sqlx::query(&sql)
        .bind(workspace.as_str())
        .bind(id.as_str())
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(creative).transpose()
}

/// One page of creatives, newest first.
pub async fn list(
    db: &Db,
    workspace: &WorkspaceId,
    filter: &CreativeFilter,
    page: &PageRequest,
) -> Result<Vec<AdCreative>, Error> {
    let mut c = Conditions::default();
    if let Some(p) = filter.platform {
        c.add("c.platform =", p.as_str().to_owned());
    }
    match filter.status {
        Some(s) => c.add("c.status =", s.as_str().to_owned()),
        None => c.add_fixed("c.status <> 'archived'"),
    }
    if let Some(id) = &filter.campaign_id {
        c.add("c.campaign_id =", id.to_string());
    }
    if let Some(id) = &filter.brand_id {
        c.add("c.brand_id =", id.to_string());
    }
    if let Some(o) = &filter.objective {
        c.add("c.objective =", o.clone());
    }
    let sql = format!(
        "select {COLUMNS} from ad_creatives c where c.workspace_id = $1{} {}",
        c.sql,
        page_clause("c", c.next_param(), page)
    );
    let query = c.bind(sqlx::query(&sql).bind(workspace.as_str()));
    let rows = bind_page(query, page).fetch_all(db.pool()).await?;
    rows.iter().map(creative).collect()
}

/// Every creative of a variant set, archived ones too, newest first (at most `limit`).
pub async fn of_set<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    executor: E,
    workspace: &WorkspaceId,
    set: &VariantSet,
    limit: i64,
) -> Result<Vec<AdCreative>, Error> {
    let sql = format!(
        "select {COLUMNS} from ad_creatives c where c.workspace_id = $1 and c.platform = $2 \
         and c.brand_id = $3 and c.objective = $4 and coalesce(c.campaign_id, '') = $5 \
         order by c.created_at desc, c.id desc limit $6"
    );
    let rows = sqlx::query(&sql)
        .bind(workspace.as_str())
        .bind(set.platform.as_str())
        .bind(set.brand_id.as_str())
        .bind(&set.objective)
        .bind(
            set.campaign_id
                .as_ref()
                .map(|c| c.to_string())
                .unwrap_or_default(),
        )
        .bind(limit)
        .fetch_all(executor)
        .await?;
    rows.iter().map(creative).collect()
}
