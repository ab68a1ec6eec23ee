//! The worker host: rounds of background work until asked to stop. One host runs every job
//! kind it is given — the email ledger (sending due sequence messages) and the jobs table
//! (connector checks, and the kinds later channels add) — under the same stop, wake and
//! idle rules. It runs inside `serve` and alone as `tenex worker [--kinds …]`; any number
//! of hosts may share one database.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::services::Context;
use super::services::jobs::{self, JobSettings, Runners};
use super::services::sending::{SendSettings, Sender};
use crate::domain::job::JobKind;

/// A running worker host: tell it to stop, then wait for it to finish what it started.
pub struct Worker {
    stop: Arc<AtomicBool>,
    wake: Arc<tokio::sync::Notify>,
    task: tokio::task::JoinHandle<()>,
}

/// A name no other worker has: host, process and a random part.
pub fn worker_id() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "host".into());
    format!(
        "{host}-{}-{}",
        std::process::id(),
        &ulid::Ulid::new().to_string()[20..]
    )
}

/// What a host runs and how.
#[derive(Clone)]
pub struct Hosted {
    /// Email sending, when hosted.
    pub sending: Option<SendSettings>,
    /// The job kinds hosted, with their implementations.
    pub runners: Runners,
    /// How jobs run.
    pub jobs: JobSettings,
    /// How long an idle host waits before looking again.
    pub poll: Duration,
}

impl Hosted {
    /// Every kind, or only `kinds` when given.
    pub fn kinds(sending: SendSettings, poll: Duration, kinds: Option<&[JobKind]>) -> Self {
        let all = Runners::standard();
        let (sending, runners) = match kinds {
            None => (Some(sending), all),
            Some(kinds) => (
                kinds.contains(&JobKind::EmailSend).then_some(sending),
                all.only(kinds),
            ),
        };
        Self {
            sending,
            runners,
            jobs: JobSettings::default(),
            poll,
        }
    }
}

impl Worker {
    /// Starts the host; an idle one looks for due work every `hosted.poll`.
    pub fn start(ctx: Context, hosted: Hosted) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let wake = Arc::new(tokio::sync::Notify::new());
        let id = worker_id();
        let sender = hosted
            .sending
            .clone()
            .map(|settings| Sender::new(ctx.clone(), settings, &id));
        let (stop_flag, wake_signal) = (stop.clone(), wake.clone());
        let task = tokio::spawn(async move {
            let kinds: Vec<&str> = sender
                .as_ref()
                .map(|_| JobKind::EmailSend.as_str())
                .into_iter()
                .chain(hosted.runners.kinds().into_iter().map(JobKind::as_str))
                .collect();
            tracing::info!(worker = %id, kinds = %kinds.join(","), "worker started");
            while !stop_flag.load(Ordering::Relaxed) {
                let mut busy = false;
                if let Some(sender) = &sender {
                    busy |= send_round(sender, &stop_flag).await;
                }
                if !stop_flag.load(Ordering::Relaxed) {
                    busy |= job_round(&ctx, &hosted, &id).await;
                }
                if !busy {
                    tokio::select! {
                        () = tokio::time::sleep(hosted.poll) => {},
                        () = wake_signal.notified() => {},
                    }
                }
            }
            tracing::info!(worker = %id, "worker stopped");
        });
        Self { stop, wake, task }
    }

    /// Stops claiming; work already handed to a provider is finished and recorded.
    pub async fn stop(self) {
        self.stop.store(true, Ordering::Relaxed);
        self.wake.notify_one();
        if let Err(e) = self.task.await {
            tracing::error!(error = %e, "worker ended abnormally");
        }
    }
}

/// One sending round; true when it found work.
async fn send_round(sender: &Sender, stop: &AtomicBool) -> bool {
    match sender.round(stop).await {
        Ok(round) => {
            if round.claimed > 0 || round.uncertain > 0 {
                tracing::info!(
                    claimed = round.claimed,
                    sent = round.sent,
                    retried = round.retried,
                    failed = round.failed,
                    skipped = round.skipped,
                    uncertain = round.uncertain,
                    "send round"
                );
            }
            round.claimed > 0
        }
        Err(e) => {
            tracing::error!(error = %e, "send round failed; trying again shortly");
            false
        }
    }
}

/// One round of the jobs table; true when it found work.
async fn job_round(ctx: &Context, hosted: &Hosted, worker: &str) -> bool {
    if hosted.runners.kinds().is_empty() {
        return false;
    }
    match jobs::round(ctx, &hosted.runners, worker, &hosted.jobs).await {
        Ok(round) => {
            if round.claimed > 0 || round.lapsed > 0 {
                tracing::info!(
                    claimed = round.claimed,
                    succeeded = round.succeeded,
                    retried = round.retried,
                    failed = round.failed,
                    uncertain = round.uncertain,
                    lapsed = round.lapsed,
                    "job round"
                );
            }
            round.claimed > 0
        }
        Err(e) => {
            tracing::error!(error = %e, "job round failed; trying again shortly");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_narrow_what_a_host_runs() {
        let poll = Duration::from_secs(1);
        let all = Hosted::kinds(SendSettings::default(), poll, None);
        assert!(all.sending.is_some());
        assert!(all.runners.kinds().contains(&JobKind::ConnectorCheck));
        let checks = Hosted::kinds(
            SendSettings::default(),
            poll,
            Some(&[JobKind::ConnectorCheck]),
        );
        assert!(checks.sending.is_none());
        assert_eq!(checks.runners.kinds(), vec![JobKind::ConnectorCheck]);
        let mail = Hosted::kinds(SendSettings::default(), poll, Some(&[JobKind::EmailSend]));
        assert!(mail.sending.is_some());
        assert!(mail.runners.kinds().is_empty());
    }
}
