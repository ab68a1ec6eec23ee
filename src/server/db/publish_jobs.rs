//! Publish jobs: one approved publish of a blog draft to a CMS, read together with the
//! runner's job that carries it out (whose status, attempts and error are the publish's).

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Conditions, Db, Tx, bind_page, get_parsed, get_time, page_clause};
use crate::domain::Error;
use crate::domain::ad_campaign::PlatformCall;
use crate::domain::ids::{ConnectorId, DraftId, JobId, PublishJobId, WorkspaceId};
use crate::domain::job::JobStatus;
use crate::domain::pagination::PageRequest;
use crate::domain::publish::{Post, PublishFilter, PublishJob, PublishStatus};
use crate::domain::time::Timestamp;

const COLUMNS: &str = "p.id, p.draft_id, p.connector_id, c.name as connector_name, p.approval_id, p.post, \
     j.status, j.attempts, j.last_error, j.due_at, p.external_id, p.earlier_external_id, p.external_url, \
     p.calls, p.payload, p.created_at, p.updated_at";
const FROM: &str =
    "publish_jobs p join jobs j on j.id = p.job_id join connectors c on c.id = p.connector_id";

fn publish_job(row: &AnyRow) -> Result<PublishJob, Error> {
    let post: String = row.try_get("post")?;
    let calls: String = row.try_get("calls")?;
    let payload: Option<String> = row.try_get("payload")?;
    let job_status: JobStatus = get_parsed(row, "status")?;
    Ok(PublishJob {
        id: get_parsed(row, "id")?,
        draft_id: get_parsed(row, "draft_id")?,
        connector_id: get_parsed(row, "connector_id")?,
        connector_name: row.try_get("connector_name")?,
        approval_id: get_parsed(row, "approval_id")?,
        post: serde_json::from_str(&post).map_err(Error::internal)?,
        status: PublishStatus::of(job_status),
        attempts: u32::try_from(row.try_get::<i64, _>("attempts")?).map_err(Error::internal)?,
        external_id: row.try_get("external_id")?,
        earlier_external_id: row.try_get("earlier_external_id")?,
        external_url: row.try_get("external_url")?,
        error: row.try_get("last_error")?,
        due_at: get_time(row, "due_at")?,
        calls: serde_json::from_str(&calls).map_err(Error::internal)?,
        payload: payload
            .map(|p| serde_json::from_str(&p))
            .transpose()
            .map_err(Error::internal)?,
        created_at: get_time(row, "created_at")?,
        updated_at: get_time(row, "updated_at")?,
    })
}

/// A publish job to store, with the runner's job already queued in the same transaction.
pub struct NewPublishJob<'a> {
    /// `pub_…`.
    pub id: &'a PublishJobId,
    /// The runner's job.
    pub job_id: &'a JobId,
    /// The connector.
    pub connector_id: &'a ConnectorId,
    /// The approval carried out.
    pub approval_id: &'a crate::domain::ids::ApprovalId,
    /// The post as approved.
    pub post: &'a Post,
}

/// Stores a publish job.
pub async fn insert(
    tx: &mut Tx,
    workspace: &WorkspaceId,
    new: &NewPublishJob<'_>,
    now: Timestamp,
) -> Result<(), Error> {
    sqlx::query(
        "insert into publish_jobs (id, workspace_id, draft_id, connector_id, approval_id, job_id, version, post, \
         calls, created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $8, '[]', $9, $9)",
    )
    .bind(new.id.as_str())
    .bind(workspace.as_str())
    .bind(new.post.draft_id.as_str())
    .bind(new.connector_id.as_str())
    .bind(new.approval_id.as_str())
    .bind(new.job_id.as_str())
    .bind(new.post.version)
    .bind(serde_json::to_string(new.post).map_err(Error::internal)?)
    .bind(now.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// One publish job.
pub async fn get(
    db: &Db,
    workspace: &WorkspaceId,
    id: &PublishJobId,
) -> Result<Option<PublishJob>, Error> {
    let sql = format!("select {COLUMNS} from {FROM} where p.workspace_id = $1 and p.id = $2");
    let row = sqlx::query(&sql)
        .bind(workspace.as_str())
        .bind(id.as_str())
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(publish_job).transpose()
}

/// The runner's job of a publish job.
pub async fn runner_job(
    db: &Db,
    workspace: &WorkspaceId,
    id: &PublishJobId,
) -> Result<Option<JobId>, Error> {
    let row = sqlx::query("select job_id from publish_jobs where workspace_id = $1 and id = $2")
        .bind(workspace.as_str())
        .bind(id.as_str())
        .fetch_optional(db.pool())
        .await?;
    row.map(|r| get_parsed(&r, "job_id")).transpose()
}

/// One page of publish jobs, newest first.
pub async fn list(
    db: &Db,
    workspace: &WorkspaceId,
    filter: &PublishFilter,
    page: &PageRequest,
) -> Result<Vec<PublishJob>, Error> {
    let mut c = Conditions::default();
    if let Some(id) = &filter.draft_id {
        c.add("p.draft_id =", id.to_string());
    }
    let statuses = filter.job_statuses();
    if !statuses.is_empty() {
        // The statuses are the enum's own words, never client text.
        let list: Vec<String> = statuses
            .iter()
            .map(|s| format!("'{}'", s.as_str()))
            .collect();
        c.add_fixed(&format!("j.status in ({})", list.join(", ")));
    }
    let sql = format!(
        "select {COLUMNS} from {FROM} where p.workspace_id = $1{} {}",
        c.sql,
        page_clause("p", c.next_param(), page)
    );
    let query = c.bind(sqlx::query(&sql).bind(workspace.as_str()));
    let rows = bind_page(query, page).fetch_all(db.pool()).await?;
    rows.iter().map(publish_job).collect()
}

/// The latest publish job of a draft, if any.
pub async fn latest_for_draft(
    db: &Db,
    workspace: &WorkspaceId,
    draft: &DraftId,
) -> Result<Option<PublishJob>, Error> {
    let sql = format!(
        "select {COLUMNS} from {FROM} where p.workspace_id = $1 and p.draft_id = $2 \
         order by p.created_at desc, p.id desc limit 1"
    );
    let row = sqlx::query(&sql)
        .bind(workspace.as_str())
        .bind(draft.as_str())
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(publish_job).transpose()
}

/// The item another publish of the same draft to the same connector made, newest first.
pub async fn earlier_item(
    db: &Db,
    job: &PublishJob,
    workspace: &WorkspaceId,
) -> Result<Option<String>, Error> {
    let row = sqlx::query(
        "select external_id from publish_jobs where workspace_id = $1 and draft_id = $2 and connector_id = $3 \
         and id <> $4 and external_id is not null order by created_at desc, id desc limit 1",
    )
    .bind(workspace.as_str())
    .bind(job.draft_id.as_str())
    .bind(job.connector_id.as_str())
    .bind(job.id.as_str())
    .fetch_optional(db.pool())
    .await?;
    Ok(row.map(|r| r.try_get("external_id")).transpose()?)
}

/// The highest version of the draft approved for publishing to the same connector, by any
/// publish job whatever its state.
pub async fn newest_version(
    db: &Db,
    job: &PublishJob,
    workspace: &WorkspaceId,
) -> Result<Option<i64>, Error> {
    let row = sqlx::query(
        "select max(version) as version from publish_jobs \
         where workspace_id = $1 and draft_id = $2 and connector_id = $3",
    )
    .bind(workspace.as_str())
    .bind(job.draft_id.as_str())
    .bind(job.connector_id.as_str())
    .fetch_one(db.pool())
    .await?;
    Ok(row.try_get("version")?)
}

/// Whether a publish of the draft to the same connector (this one included) started
/// creating an item and never learnt its id: the item may exist.
pub async fn create_interrupted(db: &Db, job: &PublishJob) -> Result<bool, Error> {
    let row = sqlx::query(
        "select 1 from publish_jobs where draft_id = $1 and connector_id = $2 \
         and create_started_at is not null and external_id is null limit 1",
    )
    .bind(job.draft_id.as_str())
    .bind(job.connector_id.as_str())
    .fetch_optional(db.pool())
    .await?;
    Ok(row.is_some())
}

/// Writes the item's creation as started (before the call that creates it), or clears the
/// mark (`None`) when the call certainly made nothing.
pub async fn start_create(db: &Db, id: &PublishJobId, at: Option<Timestamp>) -> Result<(), Error> {
    sqlx::query("update publish_jobs set create_started_at = $1 where id = $2")
        .bind(at.map(|t| t.to_string()))
        .bind(id.as_str())
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Records the item the job publishes to: one it created (or found), or an earlier
/// publish's (`earlier`).
pub async fn set_item(
    db: &Db,
    id: &PublishJobId,
    external_id: &str,
    earlier: bool,
    at: Timestamp,
) -> Result<(), Error> {
    sqlx::query(
        "update publish_jobs set external_id = $1, earlier_external_id = $2, updated_at = $3 where id = $4",
    )
    .bind(external_id)
    .bind(earlier.then_some(external_id))
    .bind(at.to_string())
    .bind(id.as_str())
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Records where the post is live.
pub async fn set_url(
    tx: &mut Tx,
    id: &PublishJobId,
    url: Option<&str>,
    at: Timestamp,
) -> Result<(), Error> {
    sqlx::query("update publish_jobs set external_url = $1, updated_at = $2 where id = $3")
        .bind(url)
        .bind(at.to_string())
        .bind(id.as_str())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Appends the calls of one attempt, and keeps what a sandbox received.
pub async fn record_calls(
    db: &Db,
    id: &PublishJobId,
    calls: &[PlatformCall],
    payload: Option<&serde_json::Value>,
    at: Timestamp,
) -> Result<(), Error> {
    let mut tx = db.begin().await?;
    let row = sqlx::query("select calls from publish_jobs where id = $1")
        .bind(id.as_str())
        .fetch_one(&mut *tx)
        .await?;
    let stored: String = row.try_get("calls")?;
    let mut all: Vec<PlatformCall> = serde_json::from_str(&stored).map_err(Error::internal)?;
    all.extend_from_slice(calls);
    sqlx::query(
        "update publish_jobs set calls = $1, payload = coalesce($2, payload), updated_at = $3 where id = $4",
    )
    .bind(serde_json::to_string(&all).map_err(Error::internal)?)
    .bind(payload.map(|p| p.to_string()))
    .bind(at.to_string())
    .bind(id.as_str())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}
