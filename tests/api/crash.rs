//! The crash test: the real `tenex worker` binary sends a 2,000-recipient sequence to a
//! local SMTP server and is killed with SIGKILL at random moments, five times, restarting
//! each time. At the end nothing was delivered twice, every first step is `sent` or
//! `uncertain` (killed mid-conversation, waiting for a person), and each one sent has queued
//! its follow-up, still `scheduled`.

use std::collections::{HashMap, HashSet};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rand::Rng;

use crate::on_both_databases;
use crate::smtp_sink::SmtpSink;
use crate::support::TestApp;
use crate::world::{approved, smtp_connector, team};

on_both_databases!(a_worker_killed_five_times_sends_nothing_twice_and_loses_nothing);

const RECIPIENTS: usize = 2000;

fn start_worker(app: &TestApp) -> Child {
    Command::new(env!("CARGO_BIN_EXE_tenex"))
        .arg("worker")
        .env("DATABASE_URL", &app.db_url)
        .env("TENEX_SECRET_KEY", "42".repeat(32))
        .env("TENEX_SEND_LEASE_SECONDS", "10")
        .env("TENEX_SEND_CALL_TIMEOUT_SECONDS", "5")
        .env("TENEX_WORKER_POLL_MS", "50")
        .env("TENEX_SEND_RATE_PER_SECOND", "100000")
        .env("TENEX_DB_MAX_CONNECTIONS", "5")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the tenex binary starts")
}

async fn counts(app: &TestApp, seq: &str) -> HashMap<String, i64> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "select status, count(*) from sequence_messages where sequence_id = $1 group by status",
    )
    .bind(seq)
    .fetch_all(app.db().pool())
    .await
    .unwrap();
    rows.into_iter().collect()
}

async fn a_worker_killed_five_times_sends_nothing_twice_and_loses_nothing(app: TestApp) {
    let sink = SmtpSink::start().await;
    let t = team(&app, "acme", RECIPIENTS).await;
    let sender = smtp_connector(&app, &t, sink.port, serde_json::json!({})).await;
    let seq = approved(&app, &t, &sender).await;

    let mut kills = 0;
    let mut worker = start_worker(&app);
    while kills < 5 {
        let wait = rand::thread_rng().gen_range(300..1200);
        tokio::time::sleep(Duration::from_millis(wait)).await;
        worker.kill().expect("SIGKILL");
        worker.wait().unwrap();
        kills += 1;
        worker = start_worker(&app);
    }
    // Let the last worker finish: nothing due left, and no row still `sending` (a killed
    // worker's row becomes uncertain once its lease runs out).
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let c = counts(&app, &seq).await;
        let scheduled_now: i64 = sqlx::query_scalar(
            "select count(*) from sequence_messages where sequence_id = $1 and step_index = 0 and status in ('scheduled', 'sending')",
        )
        .bind(&seq)
        .fetch_one(app.db().pool())
        .await
        .unwrap();
        if scheduled_now == 0 && !c.contains_key("sending") {
            break;
        }
        assert!(Instant::now() < deadline, "the run did not settle: {c:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    worker.kill().ok();
    worker.wait().ok();

    let delivered: Vec<String> = sink
        .messages()
        .iter()
        .map(|m| {
            m.header("Message-ID")
                .unwrap()
                .trim_matches(['<', '>'])
                .to_owned()
        })
        .collect();
    let unique: HashSet<&String> = delivered.iter().collect();
    let c = counts(&app, &seq).await;
    eprintln!(
        "crash test ({}): {kills} kills; sink received {} messages ({} distinct); ledger {c:?}",
        if app.db_url.starts_with("sqlite") {
            "sqlite"
        } else {
            "postgres"
        },
        delivered.len(),
        unique.len()
    );
    assert_eq!(
        delivered.len(),
        unique.len(),
        "a message was delivered twice"
    );
    for status in c.keys() {
        assert!(
            ["sent", "uncertain", "scheduled"].contains(&status.as_str()),
            "a row ended {status}: {c:?}"
        );
    }
    let sent_first = c.get("sent").copied().unwrap_or(0);
    assert_eq!(
        c.values().sum::<i64>(),
        RECIPIENTS as i64 + sent_first,
        "no row lost: a first step each, and a follow-up for each first step sent"
    );
    let follow_ups: Vec<String> = sqlx::query_scalar(
        "select f.status from sequence_messages f join sequence_messages m \
         on m.sequence_id = f.sequence_id and m.contact_id = f.contact_id and m.step_index = 0 \
         where f.sequence_id = $1 and f.step_index = 1 and m.status = 'sent'",
    )
    .bind(&seq)
    .fetch_all(app.db().pool())
    .await
    .unwrap();
    assert_eq!(
        follow_ups.len() as i64,
        sent_first,
        "each first step sent queued its follow-up"
    );
    assert!(
        follow_ups.iter().all(|s| s == "scheduled"),
        "the follow-ups wait for their day: {c:?}"
    );
    let sent: Vec<String> = sqlx::query_scalar(
        "select message_id from sequence_messages where sequence_id = $1 and status = 'sent'",
    )
    .bind(&seq)
    .fetch_all(app.db().pool())
    .await
    .unwrap();
    let delivered: HashSet<String> = delivered.into_iter().collect();
    for id in &sent {
        assert!(
            delivered.contains(id),
            "{id} is marked sent but never arrived"
        );
    }
    let uncertain = c.get("uncertain").copied().unwrap_or(0);
    assert!(
        sent.len() as i64 + uncertain == RECIPIENTS as i64,
        "every first step is sent or uncertain"
    );
    assert!(
        delivered.len() >= sent.len() && delivered.len() <= sent.len() + uncertain as usize,
        "what arrived is what was sent, plus at most the uncertain ones"
    );
}
