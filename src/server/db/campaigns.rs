//! Campaigns: the list every channel shares.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Conditions, Db, Tx, bind_page, get_parsed, get_time, page_clause};
use crate::domain::Error;
use crate::domain::campaign::{
    ArtifactRef, Campaign, CampaignFilter, CampaignStatus, PausedReason, Rollup,
};
use crate::domain::ids::{CampaignId, WorkspaceId};
use crate::domain::pagination::PageRequest;

const COLUMNS: &str = "m.id, m.name, m.channel, m.status, m.paused_reason, m.segment_id, m.brand_id, m.artifact_type, m.artifact_id, \
                       m.sends, m.replies, m.conversions, m.spend_cents, m.created_at, m.updated_at";

fn campaign(row: &AnyRow) -> Result<Campaign, Error> {
    let segment: Option<String> = row.try_get("segment_id")?;
    let brand: Option<String> = row.try_get("brand_id")?;
    let artifact_type: Option<String> = row.try_get("artifact_type")?;
    let artifact_id: Option<String> = row.try_get("artifact_id")?;
    let unreadable = || {
        Error::internal(std::io::Error::other(
            "stored campaign reference unreadable",
        ))
    };
    Ok(Campaign {
        id: get_parsed(row, "id")?,
        name: row.try_get("name")?,
        channel: get_parsed(row, "channel")?,
        status: get_parsed(row, "status")?,
        paused_reason: super::get_opt_parsed(row, "paused_reason")?,
        segment_id: segment
            .map(|s| s.parse().map_err(|_| unreadable()))
            .transpose()?,
        brand_id: brand
            .map(|s| s.parse().map_err(|_| unreadable()))
            .transpose()?,
        artifact: artifact_type
            .zip(artifact_id)
            .map(|(kind, id)| ArtifactRef { kind, id }),
        rollup: Rollup {
            sends: row.try_get("sends")?,
            replies: row.try_get("replies")?,
            conversions: row.try_get("conversions")?,
            spend_cents: row.try_get("spend_cents")?,
        },
        created_at: get_time(row, "created_at")?,
        updated_at: get_time(row, "updated_at")?,
    })
}

/// Stores a new campaign.
pub async fn insert(tx: &mut Tx, workspace: &WorkspaceId, c: &Campaign) -> Result<(), Error> {
    sqlx::query(
        "insert into campaigns (id, workspace_id, name, channel, status, segment_id, brand_id, artifact_type, artifact_id, \
         created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(c.id.as_str())
    .bind(workspace.as_str())
    .bind(&c.name)
    .bind(c.channel.as_str())
    .bind(c.status.as_str())
    .bind(c.segment_id.as_ref().map(|s| s.to_string()))
    .bind(c.brand_id.as_ref().map(|s| s.to_string()))
    .bind(c.artifact.as_ref().map(|a| a.kind.clone()))
    .bind(c.artifact.as_ref().map(|a| a.id.clone()))
    .bind(c.created_at.to_string())
    .bind(c.updated_at.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Moves a campaign to `status`.
pub async fn set_status(
    tx: &mut Tx,
    workspace: &WorkspaceId,
    id: &CampaignId,
    status: CampaignStatus,
    at: crate::domain::time::Timestamp,
) -> Result<bool, Error> {
    let done = sqlx::query(
        "update campaigns set status = $1, paused_reason = null, updated_at = $2 where workspace_id = $3 and id = $4",
    )
    .bind(status.as_str())
    .bind(at.to_string())
    .bind(workspace.as_str())
    .bind(id.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Sets a campaign's status with why no person set it (`None` clears the reason).
pub async fn set_held(
    tx: &mut Tx,
    workspace: &WorkspaceId,
    id: &CampaignId,
    status: CampaignStatus,
    reason: Option<PausedReason>,
    at: crate::domain::time::Timestamp,
) -> Result<bool, Error> {
    let done = sqlx::query(
        "update campaigns set status = $1, paused_reason = $2, updated_at = $3 where workspace_id = $4 and id = $5",
    )
    .bind(status.as_str())
    .bind(reason.map(|r| r.as_str()))
    .bind(at.to_string())
    .bind(workspace.as_str())
    .bind(id.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// One campaign.
pub async fn get(
    db: &Db,
    workspace: &WorkspaceId,
    id: &CampaignId,
) -> Result<Option<Campaign>, Error> {
    let sql = format!("select {COLUMNS} from campaigns m where m.workspace_id = $1 and m.id = $2");
    let row = sqlx::query(&sql)
        .bind(workspace.as_str())
        .bind(id.as_str())
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(campaign).transpose()
}

/// The list query for `filter`: only the filters that are set appear, so each combination
/// is a plain conjunction the planner can serve from the matching
/// `(workspace_id, <filter>, created_at, id)` index. Returns the SQL and its parameters
/// after `$1` (the workspace); the three page parameters follow them.
pub fn list_sql(filter: &CampaignFilter, page: &PageRequest) -> (String, Vec<String>) {
    let mut c = Conditions::default();
    if let Some(ch) = filter.channel {
        c.add("m.channel =", ch.as_str().to_owned());
    }
    if let Some(s) = filter.status {
        c.add("m.status =", s.as_str().to_owned());
    }
    if let Some(s) = &filter.segment_id {
        c.add("m.segment_id =", s.to_string());
    }
    if let Some(b) = &filter.brand_id {
        c.add("m.brand_id =", b.to_string());
    }
    if let Some(t) = filter.created_after {
        c.add("m.created_at >=", t.to_string());
    }
    if let Some(t) = filter.created_before {
        c.add("m.created_at <", t.to_string());
    }
    let sql = format!(
        "select {COLUMNS} from campaigns m where m.workspace_id = $1{} {}",
        c.sql,
        page_clause("m", c.next_param(), page)
    );
    let params = c.params;
    (sql, params)
}

/// One page of campaigns matching the filter, newest first.
pub async fn list(
    db: &Db,
    workspace: &WorkspaceId,
    filter: &CampaignFilter,
    page: &PageRequest,
) -> Result<Vec<Campaign>, Error> {
    let (sql, params) = list_sql(filter, page);
    let query = super::bind_all(
        sqlx::query(&sql).bind(workspace.as_str()),
        params.iter().map(|p| p.as_str()),
    );
    let rows = bind_page(query, page).fetch_all(db.pool()).await?;
    rows.iter().map(campaign).collect()
}
