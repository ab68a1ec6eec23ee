//! The background worker: rounds of sending until asked to stop. It runs inside `serve`
//! and alone as `tenex worker`; any number of them may share one database.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::services::Context;
use super::services::sending::{SendSettings, Sender};

/// A running worker: tell it to stop, then wait for it to finish what it started.
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

impl Worker {
    /// Starts sending; an idle worker looks for due messages every `poll`.
    pub fn start(ctx: Context, settings: SendSettings, poll: Duration) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let wake = Arc::new(tokio::sync::Notify::new());
        let id = worker_id();
        let sender = Sender::new(ctx, settings, &id);
        let (stop_flag, wake_signal) = (stop.clone(), wake.clone());
        let task = tokio::spawn(async move {
            tracing::info!(worker = %id, "worker started");
            while !stop_flag.load(Ordering::Relaxed) {
                let idle = match sender.round(&stop_flag).await {
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
                        round.claimed == 0
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "send round failed; trying again shortly");
                        true
                    }
                };
                if idle {
                    tokio::select! {
                        () = tokio::time::sleep(poll) => {},
                        () = wake_signal.notified() => {},
                    }
                }
            }
            tracing::info!(worker = %id, "worker stopped");
        });
        Self { stop, wake, task }
    }

    /// Stops claiming; messages already handed to a provider are finished and recorded.
    pub async fn stop(self) {
        self.stop.store(true, Ordering::Relaxed);
        self.wake.notify_one();
        if let Err(e) = self.task.await {
            tracing::error!(error = %e, "worker ended abnormally");
        }
    }
}
