//! The jobs table: background work of every kind, claimed under a lease.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{
    Backend, Conditions, Db, Tx, bind_page, get_opt_time, get_parsed, get_time, page_clause,
};
use crate::domain::Error;
use crate::domain::ids::{JobId, WorkspaceId};
use crate::domain::job::{JobFilter, JobKind, JobRecord, JobStatus, NewJob, Next};
use crate::domain::pagination::PageRequest;
use crate::domain::time::Timestamp;

const COLUMNS: &str = "j.id, j.workspace_id, j.kind, j.subject_type, j.subject_id, j.payload, j.status, \
     j.due_at, j.attempts, j.max_attempts, j.lease_holder, j.lease_until, j.last_error, \
     j.created_at, j.updated_at, j.finished_at";

fn count(row: &AnyRow, column: &str) -> Result<u32, Error> {
    u32::try_from(row.try_get::<i64, _>(column)?).map_err(Error::internal)
}

fn job(row: &AnyRow) -> Result<JobRecord, Error> {
    let payload: String = row.try_get("payload")?;
    Ok(JobRecord {
        id: get_parsed(row, "id")?,
        workspace_id: get_parsed(row, "workspace_id")?,
        kind: get_parsed(row, "kind")?,
        subject_type: row.try_get("subject_type")?,
        subject_id: row.try_get("subject_id")?,
        payload: serde_json::from_str(&payload).map_err(Error::internal)?,
        status: get_parsed(row, "status")?,
        due_at: get_time(row, "due_at")?,
        attempts: count(row, "attempts")?,
        max_attempts: count(row, "max_attempts")?,
        lease_holder: row.try_get("lease_holder")?,
        lease_until: get_opt_time(row, "lease_until")?,
        last_error: row.try_get("last_error")?,
        created_at: get_time(row, "created_at")?,
        updated_at: get_time(row, "updated_at")?,
        finished_at: get_opt_time(row, "finished_at")?,
    })
}

/// Queues `new` in the caller's transaction (so a job exists exactly when the change that
/// asked for it committed).
pub async fn enqueue(tx: &mut Tx, new: &NewJob, now: Timestamp) -> Result<JobId, Error> {
    enqueue_limited(tx, new, new.kind.max_attempts(), now).await
}

/// Queues `new` allowing `max_attempts` attempts (1 for work a person watches).
pub async fn enqueue_limited(
    tx: &mut Tx,
    new: &NewJob,
    max_attempts: u32,
    now: Timestamp,
) -> Result<JobId, Error> {
    let id = JobId::generate();
    sqlx::query(
        "insert into jobs (id, workspace_id, kind, subject_type, subject_id, payload, status, due_at, \
         attempts, max_attempts, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $6, 'queued', $7, 0, $8, $9, $9)",
    )
    .bind(id.as_str())
    .bind(new.workspace_id.as_str())
    .bind(new.kind.as_str())
    .bind(new.subject_type)
    .bind(&new.subject_id)
    .bind(new.payload.to_string())
    .bind(new.due_at.to_string())
    .bind(i64::from(max_attempts))
    .bind(now.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(id)
}

/// Claims up to `limit` due queued jobs of `kinds` for `worker` until `lease_until`,
/// counting the attempt. On PostgreSQL `FOR UPDATE SKIP LOCKED` gives concurrent workers
/// disjoint jobs; SQLite runs the one statement under its single writer lock.
pub async fn claim(
    db: &Db,
    kinds: &[JobKind],
    worker: &str,
    now: Timestamp,
    lease_until: Timestamp,
    limit: i64,
) -> Result<Vec<JobRecord>, Error> {
    if kinds.is_empty() {
        return Ok(Vec::new());
    }
    let lock = match db.backend() {
        Backend::Postgres => "for update skip locked",
        Backend::Sqlite => "",
    };
    let sql = format!(
        "update jobs set status = 'running', attempts = attempts + 1, lease_holder = $1, lease_until = $2, \
         updated_at = $3 where id in ( \
           select id from jobs where status = 'queued' and due_at <= $3 and kind in ({}) \
           order by due_at, id limit $4 {lock}) \
         returning {}",
        super::placeholders(5, kinds.len()),
        COLUMNS.replace("j.", "")
    );
    let query = super::bind_all(
        sqlx::query(&sql)
            .bind(worker)
            .bind(lease_until.to_string())
            .bind(now.to_string())
            .bind(limit),
        kinds.iter().map(|k| k.as_str()),
    );
    query.fetch_all(db.pool()).await?.iter().map(job).collect()
}

/// Moves a running job to `next` where `guard` (using `$7`, and `$4` for now) still holds.
async fn settle(
    db: &Db,
    id: &JobId,
    guard: &str,
    guard_value: String,
    next: &Next,
    now: Timestamp,
) -> Result<bool, Error> {
    let finished = next.status.is_finished().then(|| now.to_string());
    let sql = format!(
        "update jobs set status = $1, due_at = $2, last_error = $3, lease_holder = null, lease_until = null, \
         updated_at = $4, finished_at = $5 where id = $6 and status = 'running' and {guard}"
    );
    let done = sqlx::query(&sql)
        .bind(next.status.as_str())
        .bind(next.due_at.to_string())
        .bind(next.error.as_deref())
        .bind(now.to_string())
        .bind(finished)
        .bind(id.as_str())
        .bind(guard_value)
        .execute(db.pool())
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Records where a run left the job, if `worker` still holds it; false when it does not
/// (its lease lapsed and the job was settled without it).
pub async fn finish(
    db: &Db,
    id: &JobId,
    worker: &str,
    next: &Next,
    now: Timestamp,
) -> Result<bool, Error> {
    settle(db, id, "lease_holder = $7", worker.to_owned(), next, now).await
}

/// Extends `worker`'s lease on a running job to `until`, if it still holds it at `now`;
/// false when the lease lapsed (the job may be someone else's by now).
pub async fn renew(
    db: &Db,
    id: &JobId,
    worker: &str,
    now: Timestamp,
    until: Timestamp,
) -> Result<bool, Error> {
    let done = sqlx::query(
        "update jobs set lease_until = $1 where id = $2 and status = 'running' and lease_holder = $3 \
         and lease_until >= $4",
    )
    .bind(until.to_string())
    .bind(id.as_str())
    .bind(worker)
    .bind(now.to_string())
    .execute(db.pool())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Running jobs whose lease lapsed before `now`: their worker died or hung.
pub async fn lapsed(db: &Db, now: Timestamp) -> Result<Vec<JobRecord>, Error> {
    let sql = format!(
        "select {COLUMNS} from jobs j where j.status = 'running' and j.lease_until < $1 \
         order by j.lease_until limit 100"
    );
    sqlx::query(&sql)
        .bind(now.to_string())
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(job)
        .collect()
}

/// Settles a lapsed job as `next`, if it is still the same lapsed run (nobody else did).
pub async fn settle_lapsed(
    db: &Db,
    lapsed: &JobRecord,
    next: &Next,
    now: Timestamp,
) -> Result<bool, Error> {
    settle(
        db,
        &lapsed.id,
        "lease_holder = $7 and lease_until < $4",
        lapsed.lease_holder.clone().unwrap_or_default(),
        next,
        now,
    )
    .await
}

/// Queues a finished job again from now, with its attempts reset, if it is still `from`.
pub async fn requeue(
    tx: &mut Tx,
    workspace: &WorkspaceId,
    id: &JobId,
    from: JobStatus,
    now: Timestamp,
) -> Result<bool, Error> {
    let done = sqlx::query(
        "update jobs set status = 'queued', attempts = 0, due_at = $1, updated_at = $1, finished_at = null \
         where workspace_id = $2 and id = $3 and status = $4",
    )
    .bind(now.to_string())
    .bind(workspace.as_str())
    .bind(id.as_str())
    .bind(from.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// One job of the workspace.
pub async fn get(db: &Db, workspace: &WorkspaceId, id: &JobId) -> Result<Option<JobRecord>, Error> {
    let sql = format!("select {COLUMNS} from jobs j where j.workspace_id = $1 and j.id = $2");
    sqlx::query(&sql)
        .bind(workspace.as_str())
        .bind(id.as_str())
        .fetch_optional(db.pool())
        .await?
        .as_ref()
        .map(job)
        .transpose()
}

/// One page of the workspace's jobs matching `filter`, newest first.
pub async fn list(
    db: &Db,
    workspace: &WorkspaceId,
    filter: &JobFilter,
    page: &PageRequest,
) -> Result<Vec<JobRecord>, Error> {
    let mut conditions = Conditions::default();
    if let Some(kind) = filter.kind {
        conditions.add("j.kind =", kind.as_str().to_owned());
    }
    if let Some(status) = filter.status {
        conditions.add("j.status =", status.as_str().to_owned());
    }
    let sql = format!(
        "select {COLUMNS} from jobs j where j.workspace_id = $1{} {}",
        conditions.sql,
        page_clause("j", conditions.next_param(), page)
    );
    let query = conditions.bind(sqlx::query(&sql).bind(workspace.as_str()));
    bind_page(query, page)
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(job)
        .collect()
}
