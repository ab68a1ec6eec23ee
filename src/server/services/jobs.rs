//! The job runner: claims due jobs of the kinds this worker hosts, runs each through its
//! [`Job`] implementation and applies the one policy (`domain::job`) for retries, backoff,
//! lapsed leases and interrupted calls. Each kind is one `impl Job` next to its use case.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use super::Context;
use super::event_record::{self, By};
use crate::domain::Error;
use crate::domain::actor::{Actor, Scope};
use crate::domain::change::{Action, Change};
use crate::domain::ids::JobId;
use crate::domain::job::{
    JobFilter, JobKind, JobOutcome, JobRecord, JobStatus, after_lapsed_lease, next_after,
};
use crate::domain::pagination::{Page, PageRequest};
use crate::domain::time::Timestamp;
use crate::server::db::jobs;

/// One kind of background work.
#[async_trait::async_trait]
pub trait Job: Send + Sync {
    /// The kind it runs.
    fn kind(&self) -> JobKind;

    /// Runs one attempt of `job`. Errors of the work itself are outcomes, not `Err`.
    async fn run(&self, ctx: &Context, job: &JobRecord) -> JobOutcome;

    /// Called once when `job` ended without success for good (a refusal, attempts run
    /// out, a worker that stopped): the kind records what that means for its subject.
    async fn gave_up(&self, _ctx: &Context, _job: &JobRecord, _reason: &str) {}
}

/// The job kinds a worker hosts, each with its implementation.
#[derive(Clone, Default)]
pub struct Runners {
    by_kind: BTreeMap<&'static str, Arc<dyn Job>>,
}

impl Runners {
    /// Every kind this build knows how to run.
    pub fn standard() -> Self {
        Self::default()
            .with(Arc::new(super::connectors::CheckJob))
            .with(Arc::new(super::ad_jobs::LaunchJob))
            .with(Arc::new(super::ad_jobs::ControlJob))
            .with(Arc::new(super::ad_jobs::SyncJob))
            .with(Arc::new(super::publishing::PublishRunner))
            .with(Arc::new(super::webhook_deliveries::DeliveryJob))
    }

    /// Adds (or replaces) the implementation of one kind.
    pub fn with(mut self, job: Arc<dyn Job>) -> Self {
        self.by_kind.insert(job.kind().as_str(), job);
        self
    }

    /// Only the kinds in `kinds`.
    pub fn only(mut self, kinds: &[JobKind]) -> Self {
        self.by_kind
            .retain(|k, _| kinds.iter().any(|want| want.as_str() == *k));
        self
    }

    /// The kinds hosted.
    pub fn kinds(&self) -> Vec<JobKind> {
        self.by_kind.values().map(|j| j.kind()).collect()
    }

    fn get(&self, kind: JobKind) -> Option<&Arc<dyn Job>> {
        self.by_kind.get(kind.as_str())
    }
}

/// How a worker runs jobs.
#[derive(Debug, Clone)]
pub struct JobSettings {
    /// Jobs claimed per round.
    pub batch: i64,
    /// How long a claimed job is held; a run is cut off after it, so its lease never lapses
    /// under a live worker.
    pub lease: Duration,
}

impl Default for JobSettings {
    fn default() -> Self {
        Self {
            batch: 20,
            lease: Duration::from_secs(120),
        }
    }
}

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JobRound {
    /// Jobs claimed.
    pub claimed: usize,
    /// Finished as succeeded.
    pub succeeded: usize,
    /// Queued again for a later attempt.
    pub retried: usize,
    /// Failed for good.
    pub failed: usize,
    /// Left uncertain for a person.
    pub uncertain: usize,
    /// Lapsed leases settled.
    pub lapsed: usize,
}

/// One round: settles jobs whose worker vanished, then claims due jobs and runs them.
pub async fn round(
    ctx: &Context,
    runners: &Runners,
    worker: &str,
    settings: &JobSettings,
) -> Result<JobRound, Error> {
    let mut round = JobRound::default();
    let now = ctx.now();
    for job in jobs::lapsed(&ctx.db, now).await? {
        let next = after_lapsed_lease(job.kind, job.attempts, job.max_attempts, now);
        if jobs::settle_lapsed(&ctx.db, &job, &next, now).await? {
            tracing::warn!(job = %job.id, kind = %job.kind, status = %next.status, "a job's worker stopped mid-run");
            round.lapsed += 1;
            if next.status.is_finished()
                && let Some(runner) = runners.get(job.kind)
            {
                runner
                    .gave_up(ctx, &job, next.error.as_deref().unwrap_or_default())
                    .await;
            }
        }
    }
    let kinds = runners.kinds();
    let lease_until = now.plus(time::Duration::milliseconds(
        settings.lease.as_millis() as i64
    ));
    let claimed = jobs::claim(&ctx.db, &kinds, worker, now, lease_until, settings.batch).await?;
    round.claimed = claimed.len();
    for job in claimed {
        // A batch's jobs run one after another: each gets its full lease from when it
        // starts, and one whose lease already lapsed is left to whoever settles it.
        let now = ctx.now();
        let until = now.plus(time::Duration::milliseconds(
            settings.lease.as_millis() as i64
        ));
        if !jobs::renew(&ctx.db, &job.id, worker, now, until).await? {
            tracing::warn!(job = %job.id, "a claimed job's lease lapsed before it started");
            continue;
        }
        let outcome = match runners.get(job.kind) {
            Some(runner) => {
                // Cut off before the lease ends, so no other worker settles it meanwhile.
                let budget = settings.lease.mul_f64(0.9);
                match tokio::time::timeout(budget, runner.run(ctx, &job)).await {
                    Ok(outcome) => outcome,
                    Err(_) => {
                        JobOutcome::Uncertain(format!("no result within {} s", budget.as_secs()))
                    }
                }
            }
            None => JobOutcome::Permanent(format!("no worker runs {} jobs", job.kind)),
        };
        let next = next_after(
            job.kind,
            &outcome,
            job.attempts,
            job.max_attempts,
            ctx.now(),
        );
        match next.status {
            JobStatus::Succeeded => round.succeeded += 1,
            JobStatus::Queued => round.retried += 1,
            JobStatus::Uncertain => round.uncertain += 1,
            _ => round.failed += 1,
        }
        if !jobs::finish(&ctx.db, &job.id, worker, &next, ctx.now()).await? {
            tracing::warn!(job = %job.id, "a job finished after its lease was taken over");
        } else if matches!(next.status, JobStatus::Failed | JobStatus::Uncertain)
            && let Some(runner) = runners.get(job.kind)
        {
            runner
                .gave_up(ctx, &job, next.error.as_deref().unwrap_or_default())
                .await;
        }
    }
    Ok(round)
}

/// Recent jobs of the workspace, newest first. Admins only.
pub async fn list(
    ctx: &Context,
    actor: &Actor,
    filter: &JobFilter,
    page: &PageRequest,
) -> Result<Page<JobRecord>, Error> {
    actor.require(Scope::Admin)?;
    let rows = jobs::list(&ctx.db, actor.workspace_id(), filter, page).await?;
    Ok(Page::from_rows(rows, page))
}

/// Queues a finished job again, where that is safe: a failed job, or an interrupted one
/// whose kind has no effect outside. Admins only; audited.
pub async fn retry(ctx: &Context, actor: &Actor, id: &JobId) -> Result<JobRecord, Error> {
    actor.require(Scope::Admin)?;
    let job = jobs::get(&ctx.db, actor.workspace_id(), id)
        .await?
        .ok_or(Error::NotFound("job"))?;
    if !job.retry_is_safe() {
        return Err(Error::Conflict(match job.status {
            JobStatus::Uncertain => format!(
                "this {} job was interrupted after the provider may have acted; running it again could repeat that, so it is not retried",
                job.kind.label().to_lowercase()
            ),
            s => format!("this job is {s}, so there is nothing to retry"),
        }));
    }
    let now: Timestamp = ctx.now();
    let mut tx = ctx.db.begin().await?;
    if !jobs::requeue(&mut tx, actor.workspace_id(), id, job.status, now).await? {
        return Err(Error::Conflict(
            "the job changed meanwhile; reload and try again".into(),
        ));
    }
    let change = Change::new(
        Action::JobRetried,
        id,
        format!(
            "queued a {} job again (it was {})",
            job.kind.label().to_lowercase(),
            job.status
        ),
    );
    event_record::record(&mut tx, By::Actor(actor), &change, now).await?;
    tx.commit().await?;
    jobs::get(&ctx.db, actor.workspace_id(), id)
        .await?
        .ok_or(Error::NotFound("job"))
}
