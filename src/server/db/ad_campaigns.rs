//! Ad campaigns, their launch steps, pinned audiences, synced days and platform calls.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Conditions, Db, Tx, bind_page, get_parsed, get_time, page_clause};
use crate::domain::Error;
use crate::domain::ad_campaign::{
    AdCampaign, AdCampaignFilter, AdCampaignStatus, AdControl, DayMetrics, PlatformCall as Call,
    RemoteIds as Remote,
};
use crate::domain::ad_creative::AdCreative;
use crate::domain::ids::{AdCampaignId, WorkspaceId};
use crate::domain::pagination::PageRequest;
use crate::domain::time::Timestamp;

const COLUMNS: &str = "a.id, a.campaign_id, a.name, a.platform, a.objective, a.segment_id, a.brand_id, \
                       a.connector_id, a.daily_budget_cents, a.creative_ids, a.starts_at, a.ends_at, a.status, \
                       a.in_flight, a.last_error, a.content_hash, a.audience_size, a.version, a.created_at, a.updated_at";

fn optional_time(row: &AnyRow, column: &str) -> Result<Option<Timestamp>, Error> {
    row.try_get::<Option<String>, _>(column)?
        .map(|t| Timestamp::parse_rfc3339(&t).map_err(Error::internal))
        .transpose()
}

fn ad_campaign(row: &AnyRow) -> Result<AdCampaign, Error> {
    let creative_ids: String = row.try_get("creative_ids")?;
    Ok(AdCampaign {
        id: get_parsed(row, "id")?,
        campaign_id: get_parsed(row, "campaign_id")?,
        name: row.try_get("name")?,
        platform: get_parsed(row, "platform")?,
        objective: get_parsed(row, "objective")?,
        segment_id: get_parsed(row, "segment_id")?,
        brand_id: get_parsed(row, "brand_id")?,
        connector_id: get_parsed(row, "connector_id")?,
        daily_budget_cents: row.try_get("daily_budget_cents")?,
        creative_ids: serde_json::from_str(&creative_ids).map_err(Error::internal)?,
        starts_at: optional_time(row, "starts_at")?,
        ends_at: optional_time(row, "ends_at")?,
        status: get_parsed(row, "status")?,
        in_flight: match row.try_get::<Option<String>, _>("in_flight")? {
            Some(_) => Some(get_parsed::<AdControl>(row, "in_flight")?),
            None => None,
        },
        last_error: row.try_get("last_error")?,
        content_hash: row.try_get("content_hash")?,
        audience_size: row.try_get("audience_size")?,
        version: row.try_get("version")?,
        created_at: get_time(row, "created_at")?,
        updated_at: get_time(row, "updated_at")?,
    })
}

/// Stores a new ad campaign.
pub async fn insert(tx: &mut Tx, workspace: &WorkspaceId, a: &AdCampaign) -> Result<(), Error> {
    sqlx::query(
        "insert into ad_campaigns (id, workspace_id, campaign_id, name, platform, objective, segment_id, brand_id, \
         connector_id, daily_budget_cents, creative_ids, starts_at, ends_at, status, in_flight, last_error, \
         content_hash, audience_size, version, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)",
    )
    .bind(a.id.as_str())
    .bind(workspace.as_str())
    .bind(a.campaign_id.as_str())
    .bind(&a.name)
    .bind(a.platform.as_str())
    .bind(a.objective.as_str())
    .bind(a.segment_id.as_str())
    .bind(a.brand_id.as_str())
    .bind(a.connector_id.as_str())
    .bind(a.daily_budget_cents)
    .bind(serde_json::to_string(&a.creative_ids).map_err(Error::internal)?)
    .bind(a.starts_at.map(|t| t.to_string()))
    .bind(a.ends_at.map(|t| t.to_string()))
    .bind(a.status.as_str())
    .bind(a.in_flight.map(|c| c.as_str()))
    .bind(a.last_error.clone())
    .bind(&a.content_hash)
    .bind(a.audience_size)
    .bind(a.version)
    .bind(a.created_at.to_string())
    .bind(a.updated_at.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// One ad campaign.
pub async fn get<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    executor: E,
    workspace: &WorkspaceId,
    id: &AdCampaignId,
) -> Result<Option<AdCampaign>, Error> {
    let sql =
        format!("select {COLUMNS} from ad_campaigns a where a.workspace_id = $1 and a.id = $2");
    let row = sqlx::query(&sql)
        .bind(workspace.as_str())
        .bind(id.as_str())
        .fetch_optional(executor)
        .await?;
    row.as_ref().map(ad_campaign).transpose()
}

/// One page of ad campaigns, newest first.
pub async fn list(
    db: &Db,
    workspace: &WorkspaceId,
    filter: &AdCampaignFilter,
    page: &PageRequest,
) -> Result<Vec<AdCampaign>, Error> {
    let mut c = Conditions::default();
    if let Some(s) = filter.status {
        c.add("a.status =", s.as_str().to_owned());
    }
    if let Some(p) = filter.platform {
        c.add("a.platform =", p.as_str().to_owned());
    }
    let sql = format!(
        "select {COLUMNS} from ad_campaigns a where a.workspace_id = $1{} {}",
        c.sql,
        page_clause("a", c.next_param(), page)
    );
    let query = c.bind(sqlx::query(&sql).bind(workspace.as_str()));
    let rows = bind_page(query, page).fetch_all(db.pool()).await?;
    rows.iter().map(ad_campaign).collect()
}

/// A guarded move: from `from` (and `version`) to `to` with `in_flight` and `last_error`,
/// bumping the version; false when it was not there any more.
pub struct Move<'a> {
    /// The status it must be in.
    pub from: AdCampaignStatus,
    /// The version it must be at.
    pub version: i64,
    /// Its new status.
    pub to: AdCampaignStatus,
    /// The control running after the move.
    pub in_flight: Option<AdControl>,
    /// The error to show (cleared with `None`).
    pub last_error: Option<&'a str>,
}

/// Applies `m` to the campaign; false when its status or version moved meanwhile.
pub async fn move_to(
    tx: &mut Tx,
    workspace: &WorkspaceId,
    id: &AdCampaignId,
    m: &Move<'_>,
    at: Timestamp,
) -> Result<bool, Error> {
    let done = sqlx::query(
        "update ad_campaigns set status = $1, in_flight = $2, last_error = $3, version = version + 1, updated_at = $4 \
         where workspace_id = $5 and id = $6 and status = $7 and version = $8",
    )
    .bind(m.to.as_str())
    .bind(m.in_flight.map(|c| c.as_str()))
    .bind(m.last_error.map(str::to_owned))
    .bind(at.to_string())
    .bind(workspace.as_str())
    .bind(id.as_str())
    .bind(m.from.as_str())
    .bind(m.version)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records what a replacement approval request covers: its content hash and the audience
/// size, at `version` (bumped); false when the campaign moved meanwhile.
pub async fn set_content(
    tx: &mut Tx,
    workspace: &WorkspaceId,
    id: &AdCampaignId,
    version: i64,
    content_hash: &str,
    audience_size: i64,
    at: Timestamp,
) -> Result<bool, Error> {
    let done = sqlx::query(
        "update ad_campaigns set content_hash = $1, audience_size = $2, version = version + 1, updated_at = $3 \
         where workspace_id = $4 and id = $5 and version = $6",
    )
    .bind(content_hash)
    .bind(audience_size)
    .bind(at.to_string())
    .bind(workspace.as_str())
    .bind(id.as_str())
    .bind(version)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The remote ids of the launch steps done so far, and the steps started without one.
pub async fn steps(db: &Db, id: &AdCampaignId) -> Result<(Remote, Vec<String>), Error> {
    let rows = sqlx::query(
        "select step, remote_id from ad_campaign_steps where ad_campaign_id = $1 order by started_at, step",
    )
    .bind(id.as_str())
    .fetch_all(db.pool())
    .await?;
    let mut done = Remote::new();
    let mut started = Vec::new();
    for row in rows {
        let step: String = row.try_get("step")?;
        match row.try_get::<Option<String>, _>("remote_id")? {
            Some(remote) => {
                done.insert(step, remote);
            }
            None => started.push(step),
        }
    }
    Ok((done, started))
}

/// Writes `step` as started, before the call that creates it.
pub async fn start_step(
    db: &Db,
    id: &AdCampaignId,
    step: &str,
    at: Timestamp,
) -> Result<(), Error> {
    sqlx::query(
        "insert into ad_campaign_steps (ad_campaign_id, step, started_at) values ($1, $2, $3) \
         on conflict (ad_campaign_id, step) do nothing",
    )
    .bind(id.as_str())
    .bind(step)
    .bind(at.to_string())
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Forgets a started step whose create certainly did not happen (refused, or never sent).
pub async fn forget_step(db: &Db, id: &AdCampaignId, step: &str) -> Result<(), Error> {
    sqlx::query(
        "delete from ad_campaign_steps where ad_campaign_id = $1 and step = $2 and remote_id is null",
    )
    .bind(id.as_str())
    .bind(step)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Records the remote id `step` created.
pub async fn finish_step(
    db: &Db,
    id: &AdCampaignId,
    step: &str,
    remote_id: &str,
    at: Timestamp,
) -> Result<(), Error> {
    sqlx::query(
        "update ad_campaign_steps set remote_id = $1, done_at = $2 where ad_campaign_id = $3 and step = $4",
    )
    .bind(remote_id)
    .bind(at.to_string())
    .bind(id.as_str())
    .bind(step)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Pins the creatives exactly as approved.
pub async fn pin_creatives(
    tx: &mut Tx,
    id: &AdCampaignId,
    creatives: &[AdCreative],
) -> Result<(), Error> {
    sqlx::query("update ad_campaigns set approved_creatives = $1 where id = $2")
        .bind(serde_json::to_string(creatives).map_err(Error::internal)?)
        .bind(id.as_str())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The creatives as approved (empty before approval).
pub async fn approved_creatives(db: &Db, id: &AdCampaignId) -> Result<Vec<AdCreative>, Error> {
    let text: Option<String> =
        sqlx::query("select approved_creatives from ad_campaigns where id = $1")
            .bind(id.as_str())
            .fetch_optional(db.pool())
            .await?
            .map(|r| r.try_get::<Option<String>, _>(0))
            .transpose()?
            .flatten();
    match text {
        None => Ok(Vec::new()),
        Some(t) => serde_json::from_str(&t).map_err(Error::internal),
    }
}

/// Pins the audience approved: hashed addresses.
pub async fn pin_audience(tx: &mut Tx, id: &AdCampaignId, hashes: &[String]) -> Result<(), Error> {
    for hash in hashes {
        sqlx::query(
            "insert into ad_audience_members (ad_campaign_id, email_sha256) values ($1, $2) \
             on conflict (ad_campaign_id, email_sha256) do nothing",
        )
        .bind(id.as_str())
        .bind(hash)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// The pinned audience, hashed, in a stable order.
pub async fn audience(db: &Db, id: &AdCampaignId) -> Result<Vec<String>, Error> {
    let rows = sqlx::query(
        "select email_sha256 from ad_audience_members where ad_campaign_id = $1 order by email_sha256",
    )
    .bind(id.as_str())
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| Ok(r.try_get::<String, _>(0)?))
        .collect()
}

fn day(row: &AnyRow) -> Result<DayMetrics, Error> {
    Ok(DayMetrics {
        day: row.try_get("day")?,
        spend_cents: row.try_get("spend_cents")?,
        impressions: row.try_get("impressions")?,
        clicks: row.try_get("clicks")?,
        conversions: row.try_get("conversions")?,
    })
}

/// Replaces one synced day, returning it as it was (zeros when new).
pub async fn replace_day(
    tx: &mut Tx,
    id: &AdCampaignId,
    m: &DayMetrics,
    at: Timestamp,
) -> Result<DayMetrics, Error> {
    let old = sqlx::query(
        "select day, spend_cents, impressions, clicks, conversions from ad_campaign_days \
         where ad_campaign_id = $1 and day = $2",
    )
    .bind(id.as_str())
    .bind(&m.day)
    .fetch_optional(&mut **tx)
    .await?
    .as_ref()
    .map(day)
    .transpose()?
    .unwrap_or_default();
    sqlx::query(
        "insert into ad_campaign_days (ad_campaign_id, day, spend_cents, impressions, clicks, conversions, synced_at) \
         values ($1, $2, $3, $4, $5, $6, $7) on conflict (ad_campaign_id, day) do update set \
         spend_cents = excluded.spend_cents, impressions = excluded.impressions, clicks = excluded.clicks, \
         conversions = excluded.conversions, synced_at = excluded.synced_at",
    )
    .bind(id.as_str())
    .bind(&m.day)
    .bind(m.spend_cents)
    .bind(m.impressions)
    .bind(m.clicks)
    .bind(m.conversions)
    .bind(at.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(old)
}

/// Every synced day, oldest first.
pub async fn days(db: &Db, id: &AdCampaignId) -> Result<Vec<DayMetrics>, Error> {
    let rows = sqlx::query(
        "select day, spend_cents, impressions, clicks, conversions from ad_campaign_days \
         where ad_campaign_id = $1 order by day",
    )
    .bind(id.as_str())
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(day).collect()
}

/// Appends the calls a job made.
pub async fn record_calls(
    db: &Db,
    id: &AdCampaignId,
    calls: &[Call],
    at: Timestamp,
) -> Result<(), Error> {
    if calls.is_empty() {
        return Ok(());
    }
    let mut tx = db.begin().await?;
    let next: i64 = sqlx::query(
        "select coalesce(max(seq), 0) + 1 from ad_platform_calls where ad_campaign_id = $1",
    )
    .bind(id.as_str())
    .fetch_one(&mut *tx)
    .await?
    .try_get(0)?;
    for (i, call) in calls.iter().enumerate() {
        sqlx::query(
            "insert into ad_platform_calls (ad_campaign_id, seq, at, method, path, status, note) \
             values ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id.as_str())
        .bind(next + i as i64)
        .bind(at.to_string())
        .bind(&call.method)
        .bind(&call.path)
        .bind(i64::from(call.status))
        .bind(&call.note)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The latest `limit` calls, oldest first.
pub async fn calls(
    db: &Db,
    id: &AdCampaignId,
    limit: i64,
) -> Result<Vec<(Timestamp, Call)>, Error> {
    let rows = sqlx::query(
        "select at, method, path, status, note from ad_platform_calls where ad_campaign_id = $1 \
         order by seq desc limit $2",
    )
    .bind(id.as_str())
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    let mut calls = rows
        .iter()
        .map(|r| {
            Ok((
                get_time(r, "at")?,
                Call {
                    method: r.try_get("method")?,
                    path: r.try_get("path")?,
                    status: u16::try_from(r.try_get::<i64, _>("status")?).unwrap_or(0),
                    note: r.try_get("note")?,
                },
            ))
        })
        .collect::<Result<Vec<_>, Error>>()?;
    calls.reverse();
    Ok(calls)
}
