//! Background jobs: work that runs later, outside the request that asked for it, under one
//! policy for leases, retries and interrupted calls whatever the kind.

use serde::{Deserialize, Serialize};

use super::delivery::{MAX_ATTEMPTS, Outcome, backoff_seconds};
use super::ids::{JobId, WorkspaceId};
use super::pagination::{Keyed, Position};
use super::time::Timestamp;
use super::wire::wire_enum;

wire_enum!(
    /// What a job does. `email_send` is the sequence message ledger, which keeps its own
    /// table (it is the duplicate guard) but runs under the same worker host.
    JobKind {
        /// Sending due sequence messages.
        EmailSend => "email_send",
        /// Checking a connector's connection and recording its health.
        ConnectorCheck => "connector_check",
        /// Delivering one change to one outgoing-webhook endpoint.
        WebhookDelivery => "webhook_delivery",
        /// Creating an approved ad campaign on its platform, step by step.
        AdLaunch => "ad_launch",
        /// Pausing, resuming or cancelling an ad campaign on its platform.
        AdControl => "ad_control",
        /// Pulling an ad campaign's daily spend and results from its platform.
        AdMetricsSync => "ad_metrics_sync",
        /// Publishing an approved blog post to its CMS.
        BlogPublish => "blog_publish",
    }
);

impl JobKind {
    /// How a person calls it.
    pub fn label(self) -> &'static str {
        match self {
            Self::EmailSend => "Email sending",
            Self::ConnectorCheck => "Connector check",
            Self::WebhookDelivery => "Webhook delivery",
            Self::AdLaunch => "Ad launch",
            Self::AdControl => "Ad control",
            Self::AdMetricsSync => "Ad metrics sync",
            Self::BlogPublish => "Blog publish",
        }
    }

    /// Attempts a job of this kind gets: a webhook delivery is tried for about a day.
    pub fn max_attempts(self) -> u32 {
        match self {
            Self::WebhookDelivery => super::webhook::MAX_ATTEMPTS,
            _ => DEFAULT_MAX_ATTEMPTS,
        }
    }

    /// Seconds to wait after failed attempt `attempt` (1-based).
    pub fn backoff_seconds(self, attempt: u32) -> i64 {
        match self {
            Self::WebhookDelivery => super::webhook::retry_delay_seconds(attempt),
            _ => backoff_seconds(attempt),
        }
    }

    /// Whether running it twice is harmless. A job whose effect is outside (a mail, a
    /// launch, a publish, a delivery) is not: if its worker died mid-call, nobody knows
    /// whether the effect happened, so it becomes `uncertain` for a person instead of being
    /// run again blindly.
    ///
    /// The ad kinds are safe by construction: a launch writes each step as started before
    /// its call and looks a started step up on the platform by its unique name before
    /// creating it again; status changes set a status (doing it twice is doing it once);
    /// a sync replaces its days. A publish writes its item's creation as started before the
    /// call and looks the item up by slug before creating it again; everything else it does
    /// (update, publish, Sanity's replace-by-id transaction) comes out the same when repeated.
    /// A webhook delivery is at-least-once by contract: every body carries its event id for
    /// receivers to drop a repeat.
    pub fn rerun_safe(self) -> bool {
        matches!(
            self,
            Self::ConnectorCheck
                | Self::WebhookDelivery
                | Self::AdLaunch
                | Self::AdControl
                | Self::AdMetricsSync
                | Self::BlogPublish
        )
    }
}

wire_enum!(
    /// Where a job stands.
    JobStatus {
        /// Waiting for its due time or a free worker.
        Queued => "queued",
        /// A worker holds it under a lease.
        Running => "running",
        /// Done.
        Succeeded => "succeeded",
        /// Gave up: a permanent error, or out of attempts.
        Failed => "failed",
        /// Interrupted mid-call with an effect outside: may or may not have happened.
        Uncertain => "uncertain",
        /// Withdrawn before it ran.
        Cancelled => "cancelled",
    }
);

impl JobStatus {
    /// Whether the job is over.
    pub fn is_finished(self) -> bool {
        matches!(
            self,
            Self::Succeeded | Self::Failed | Self::Uncertain | Self::Cancelled
        )
    }
}

/// One job as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobRecord {
    /// `job_…`.
    pub id: JobId,
    /// Its workspace.
    pub workspace_id: WorkspaceId,
    /// What it does.
    pub kind: JobKind,
    /// What it is about (`connector`, `webhook_endpoint`, …).
    pub subject_type: String,
    /// The subject's id.
    pub subject_id: String,
    /// Its input, as JSON.
    pub payload: serde_json::Value,
    /// Where it stands.
    pub status: JobStatus,
    /// When it may run next.
    pub due_at: Timestamp,
    /// Attempts made.
    pub attempts: u32,
    /// Attempts allowed.
    pub max_attempts: u32,
    /// The worker holding it, while running.
    pub lease_holder: Option<String>,
    /// When that worker's hold ends.
    pub lease_until: Option<Timestamp>,
    /// What went wrong last.
    pub last_error: Option<String>,
    /// When it was queued.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
    /// When it ended.
    pub finished_at: Option<Timestamp>,
}

impl Keyed for JobRecord {
    fn position(&self) -> Position {
        Position {
            created_at: self.created_at,
            id: self.id.to_string(),
        }
    }
}

impl JobRecord {
    /// Whether a person may queue it again: it failed, or was interrupted where running it
    /// again is harmless. An uncertain job whose effect is outside is never retried blindly.
    pub fn retry_is_safe(&self) -> bool {
        match self.status {
            JobStatus::Failed | JobStatus::Cancelled => true,
            JobStatus::Uncertain => self.kind.rerun_safe(),
            _ => false,
        }
    }
}

/// A job to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJob {
    /// Its workspace.
    pub workspace_id: WorkspaceId,
    /// What it does.
    pub kind: JobKind,
    /// What it is about.
    pub subject_type: &'static str,
    /// The subject's id.
    pub subject_id: String,
    /// Its input.
    pub payload: serde_json::Value,
    /// When it may first run.
    pub due_at: Timestamp,
}

/// What one run of a job came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobOutcome {
    /// Done; a short note on what it did.
    Done(String),
    /// Failed in a way worth trying again (a timeout, a 5xx, a 429).
    Transient(String),
    /// Failed in a way worth trying again, and the provider said not before this many
    /// seconds (its `Retry-After`).
    Later(String, u64),
    /// Failed for good (a 4xx, bad settings).
    Permanent(String),
    /// The call was interrupted after the provider may have acted.
    Uncertain(String),
}

impl From<Outcome> for JobOutcome {
    fn from(o: Outcome) -> Self {
        match o {
            Outcome::Sent { provider_id } => Self::Done(
                provider_id
                    .map(|id| format!("accepted as {id}"))
                    .unwrap_or_default(),
            ),
            Outcome::Transient(r) => Self::Transient(r),
            Outcome::Permanent(r) => Self::Permanent(r),
            Outcome::Uncertain(r) => Self::Uncertain(r),
            // The connector is marked failing by the caller; the job ends with the reason,
            // and a person retries it once the connector passes a test.
            Outcome::ConnectorFault(r) => Self::Permanent(r),
        }
    }
}

/// Where a job goes after a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Next {
    /// Its new status.
    pub status: JobStatus,
    /// When it is due again (when queued).
    pub due_at: Timestamp,
    /// What to record as its last error.
    pub error: Option<String>,
}

/// The longest a provider's `Retry-After` is waited for; a longer ask waits this long.
pub const LONGEST_WAIT_SECS: u64 = 6 * 3600;

/// The one policy: what `outcome` of attempt number `attempt` (1 for the first) of a job
/// of `kind` allowing `max_attempts` leads to at `now`. A retry waits the backoff, or what
/// the provider asked for when that is longer.
pub fn next_after(
    kind: JobKind,
    outcome: &JobOutcome,
    attempt: u32,
    max_attempts: u32,
    now: Timestamp,
) -> Next {
    let asked = match outcome {
        JobOutcome::Later(_, secs) => (*secs).min(LONGEST_WAIT_SECS) as i64,
        _ => 0,
    };
    let retry = |reason: &str| {
        if attempt < max_attempts {
            Next {
                status: JobStatus::Queued,
                due_at: now.plus(time::Duration::seconds(
                    kind.backoff_seconds(attempt).max(asked),
                )),
                error: Some(reason.to_owned()),
            }
        } else {
            Next {
                status: JobStatus::Failed,
                due_at: now,
                error: Some(format!("{reason} (gave up after {attempt} attempts)")),
            }
        }
    };
    match outcome {
        JobOutcome::Done(_) => Next {
            status: JobStatus::Succeeded,
            due_at: now,
            error: None,
        },
        JobOutcome::Transient(r) | JobOutcome::Later(r, _) => retry(r),
        JobOutcome::Uncertain(r) if kind.rerun_safe() => retry(r),
        JobOutcome::Uncertain(r) => Next {
            status: JobStatus::Uncertain,
            due_at: now,
            error: Some(r.clone()),
        },
        JobOutcome::Permanent(r) => Next {
            status: JobStatus::Failed,
            due_at: now,
            error: Some(r.clone()),
        },
    }
}

/// What a lapsed lease means: the worker died or hung mid-run.
pub fn after_lapsed_lease(kind: JobKind, attempt: u32, max_attempts: u32, now: Timestamp) -> Next {
    next_after(
        kind,
        &JobOutcome::Uncertain("the worker running it stopped answering before it finished".into()),
        attempt,
        max_attempts,
        now,
    )
}

/// Attempts a job of any kind gets unless it asks otherwise.
pub const DEFAULT_MAX_ATTEMPTS: u32 = MAX_ATTEMPTS;

/// A filter over the Jobs page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobFilter {
    /// Only this kind.
    pub kind: Option<JobKind>,
    /// Only this status.
    pub status: Option<JobStatus>,
}

impl JobFilter {
    /// Reads `kind` and `status` as given in a query (empty means any), naming every bad one.
    pub fn parse(kind: Option<&str>, status: Option<&str>) -> Result<Self, super::Error> {
        let mut errors = Vec::new();
        let given = |v: Option<&str>| v.filter(|v| !v.is_empty()).map(str::to_owned);
        let (kind_text, status_text) = (given(kind), given(status));
        let kind = kind_text.and_then(|k| {
            k.parse::<JobKind>()
                .map_err(|e| errors.push(super::FieldError::new("kind", e)))
                .ok()
        });
        let status = status_text.and_then(|s| {
            s.parse::<JobStatus>()
                .map_err(|e| errors.push(super::FieldError::new("status", e)))
                .ok()
        });
        if errors.is_empty() {
            Ok(Self { kind, status })
        } else {
            Err(super::Error::Invalid(errors))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> Timestamp {
        Timestamp::from_unix_seconds(1_700_000_000 + s).unwrap()
    }

    #[test]
    fn a_transient_failure_is_retried_with_backoff_until_attempts_run_out() {
        let n = next_after(
            JobKind::ConnectorCheck,
            &JobOutcome::Transient("HTTP 503".into()),
            1,
            3,
            at(0),
        );
        assert_eq!(n.status, JobStatus::Queued);
        assert_eq!(n.due_at, at(60));
        let n = next_after(
            JobKind::ConnectorCheck,
            &JobOutcome::Transient("HTTP 503".into()),
            2,
            3,
            at(0),
        );
        assert_eq!(n.due_at, at(120));
        let n = next_after(
            JobKind::ConnectorCheck,
            &JobOutcome::Transient("HTTP 503".into()),
            3,
            3,
            at(0),
        );
        assert_eq!(n.status, JobStatus::Failed);
        assert!(n.error.unwrap().contains("gave up after 3 attempts"));
    }

    #[test]
    fn a_webhook_delivery_is_tried_for_about_a_day() {
        let kind = JobKind::WebhookDelivery;
        let max = kind.max_attempts();
        let mut waited = 0;
        for attempt in 1..max {
            let n = next_after(
                kind,
                &JobOutcome::Transient("HTTP 500".into()),
                attempt,
                max,
                at(0),
            );
            assert_eq!(n.status, JobStatus::Queued);
            waited += n.due_at.unix_seconds() - at(0).unix_seconds();
        }
        let hours = waited as f64 / 3600.0;
        assert!((20.0..=30.0).contains(&hours), "{hours} h");
        let n = next_after(
            kind,
            &JobOutcome::Transient("HTTP 500".into()),
            max,
            max,
            at(0),
        );
        assert_eq!(n.status, JobStatus::Failed);
    }

    #[test]
    fn a_providers_retry_after_is_waited_when_longer_than_the_backoff() {
        let later = |secs| JobOutcome::Later("HTTP 429: slow down".into(), secs);
        let n = next_after(JobKind::BlogPublish, &later(300), 1, 6, at(0));
        assert_eq!((n.status, n.due_at), (JobStatus::Queued, at(300)));
        let n = next_after(JobKind::BlogPublish, &later(5), 1, 6, at(0));
        assert_eq!(n.due_at, at(60), "never sooner than the backoff");
        let n = next_after(JobKind::BlogPublish, &later(10 * 86_400), 1, 6, at(0));
        assert_eq!(
            n.due_at,
            at(LONGEST_WAIT_SECS as i64),
            "a wait of days is capped"
        );
        let n = next_after(JobKind::BlogPublish, &later(30), 6, 6, at(0));
        assert_eq!(n.status, JobStatus::Failed, "attempts still run out");
    }

    #[test]
    fn an_interrupted_call_with_an_outside_effect_is_uncertain_not_retried() {
        let n = after_lapsed_lease(JobKind::EmailSend, 1, 6, at(0));
        assert_eq!(n.status, JobStatus::Uncertain);
        let n = after_lapsed_lease(JobKind::WebhookDelivery, 1, 6, at(0));
        assert_eq!(
            n.status,
            JobStatus::Queued,
            "receivers drop repeats by event id"
        );
        let n = after_lapsed_lease(JobKind::ConnectorCheck, 1, 6, at(0));
        assert_eq!(n.status, JobStatus::Queued, "a check may simply run again");
    }

    #[test]
    fn permanent_failures_and_successes_end_the_job() {
        let n = next_after(
            JobKind::ConnectorCheck,
            &JobOutcome::Permanent("HTTP 401".into()),
            1,
            6,
            at(0),
        );
        assert_eq!(
            (n.status, n.error.as_deref()),
            (JobStatus::Failed, Some("HTTP 401"))
        );
        let n = next_after(
            JobKind::ConnectorCheck,
            &JobOutcome::Done("healthy".into()),
            1,
            6,
            at(0),
        );
        assert_eq!((n.status, n.error), (JobStatus::Succeeded, None));
    }

    #[test]
    fn a_filter_names_each_unknown_value() {
        assert_eq!(
            JobFilter::parse(Some(""), None).unwrap(),
            JobFilter::default()
        );
        let f = JobFilter::parse(Some("connector_check"), Some("failed")).unwrap();
        assert_eq!(
            (f.kind, f.status),
            (Some(JobKind::ConnectorCheck), Some(JobStatus::Failed))
        );
        let e = JobFilter::parse(Some("mail"), Some("done"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("kind") && e.contains("status"), "{e}");
    }

    #[test]
    fn only_failed_or_harmless_jobs_may_be_retried_by_a_person() {
        let job = |kind, status| JobRecord {
            id: JobId::generate(),
            workspace_id: WorkspaceId::generate(),
            kind,
            subject_type: "connector".into(),
            subject_id: "cnr_1".into(),
            payload: serde_json::json!({}),
            status,
            due_at: at(0),
            attempts: 1,
            max_attempts: 6,
            lease_holder: None,
            lease_until: None,
            last_error: None,
            created_at: at(0),
            updated_at: at(0),
            finished_at: None,
        };
        assert!(job(JobKind::WebhookDelivery, JobStatus::Failed).retry_is_safe());
        assert!(!job(JobKind::EmailSend, JobStatus::Uncertain).retry_is_safe());
        assert!(job(JobKind::WebhookDelivery, JobStatus::Uncertain).retry_is_safe());
        assert!(!job(JobKind::WebhookDelivery, JobStatus::Running).retry_is_safe());
        assert!(!job(JobKind::ConnectorCheck, JobStatus::Succeeded).retry_is_safe());
    }
}
