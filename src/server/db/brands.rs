//! Brands.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Db, Tx, bind_page, get_parsed, get_time, page_clause};
use crate::domain::Error;
use crate::domain::brand::{Brand, BrandFields};
use crate::domain::ids::{BrandId, WorkspaceId};
use crate::domain::pagination::PageRequest;
use crate::domain::time::Timestamp;

const COLUMNS: &str = "b.id, b.name, b.company_overview, b.usps, b.icp_market_segments, b.brand_voice, \
                       b.do_not_say, b.is_default, b.version, b.created_at, b.updated_at";

fn list_of(row: &AnyRow, column: &str) -> Result<Vec<String>, Error> {
    let text: String = row.try_get(column)?;
    serde_json::from_str(&text).map_err(Error::internal)
}

fn brand(row: &AnyRow) -> Result<Brand, Error> {
    Ok(Brand {
        id: get_parsed(row, "id")?,
        name: row.try_get("name")?,
        company_overview: row.try_get("company_overview")?,
        usps: list_of(row, "usps")?,
        icp_market_segments: list_of(row, "icp_market_segments")?,
        brand_voice: row.try_get("brand_voice")?,
        do_not_say: list_of(row, "do_not_say")?,
        is_default: row.try_get::<i64, _>("is_default")? == 1,
        version: row.try_get("version")?,
        created_at: get_time(row, "created_at")?,
        updated_at: get_time(row, "updated_at")?,
    })
}

fn json(list: &[String]) -> String {
    serde_json::to_string(list).unwrap_or_else(|_| "[]".into())
}

/// Stores a new brand.
pub async fn insert(
    tx: &mut Tx,
    workspace: &WorkspaceId,
    id: &BrandId,
    f: &BrandFields,
    is_default: bool,
    at: Timestamp,
) -> Result<(), Error> {
    sqlx::query(
        "insert into brands (id, workspace_id, name, company_overview, usps, icp_market_segments, brand_voice, \
         do_not_say, is_default, version, created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $10)",
    )
    .bind(id.as_str())
    .bind(workspace.as_str())
    .bind(&f.name)
    .bind(&f.company_overview)
    .bind(json(&f.usps))
    .bind(json(&f.icp_market_segments))
    .bind(&f.brand_voice)
    .bind(json(&f.do_not_say))
    .bind(i64::from(is_default))
    .bind(at.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Replaces a brand's fields if it is still at `version`; `false` when someone else saved first.
pub async fn update(
    tx: &mut Tx,
    workspace: &WorkspaceId,
    id: &BrandId,
    version: i64,
    f: &BrandFields,
    at: Timestamp,
) -> Result<bool, Error> {
    let done = sqlx::query(
        "update brands set name = $1, company_overview = $2, usps = $3, icp_market_segments = $4, brand_voice = $5, \
         do_not_say = $6, version = version + 1, updated_at = $7 where workspace_id = $8 and id = $9 and version = $10",
    )
    .bind(&f.name)
    .bind(&f.company_overview)
    .bind(json(&f.usps))
    .bind(json(&f.icp_market_segments))
    .bind(&f.brand_voice)
    .bind(json(&f.do_not_say))
    .bind(at.to_string())
    .bind(workspace.as_str())
    .bind(id.as_str())
    .bind(version)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Makes `id` the workspace's only default brand.
pub async fn set_default(
    tx: &mut Tx,
    workspace: &WorkspaceId,
    id: &BrandId,
    at: Timestamp,
) -> Result<(), Error> {
    sqlx::query(
        "update brands set is_default = case when id = $1 then 1 else 0 end, \
         updated_at = case when id = $1 then $2 else updated_at end where workspace_id = $3",
    )
    .bind(id.as_str())
    .bind(at.to_string())
    .bind(workspace.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// How many brands the workspace has.
pub async fn count(tx: &mut Tx, workspace: &WorkspaceId) -> Result<i64, Error> {
    let row = sqlx::query("select count(*) as n from brands where workspace_id = $1")
        .bind(workspace.as_str())
        .fetch_one(&mut **tx)
        .await?;
    Ok(row.try_get("n")?)
}

/// One brand.
pub async fn get(db: &Db, workspace: &WorkspaceId, id: &BrandId) -> Result<Option<Brand>, Error> {
    let sql = format!("select {COLUMNS} from brands b where b.workspace_id = $1 and b.id = $2");
    let row = sqlx::query(&sql)
        .bind(workspace.as_str())
        .bind(id.as_str())
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(brand).transpose()
}

/// One page of brands, newest first.
pub async fn list(
    db: &Db,
    workspace: &WorkspaceId,
    page: &PageRequest,
) -> Result<Vec<Brand>, Error> {
    let sql = format!(
        "select {COLUMNS} from brands b where b.workspace_id = $1 {}",
        page_clause("b", 2, page)
    );
    let rows = bind_page(sqlx::query(&sql).bind(workspace.as_str()), page)
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(brand).collect()
}
