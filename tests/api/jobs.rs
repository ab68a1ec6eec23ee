//! The job runner and the event record: background jobs under one policy (leases, retries
//! with backoff, uncertain after an interrupted outside call), the Jobs page, and the
//! webhook deliveries changes queue.

use std::sync::Arc;

use serde_json::{Value, json};
use tenex::domain::ids::WorkspaceId;
use tenex::domain::job::{JobKind, JobOutcome, JobRecord, NewJob};
use tenex::server::db::jobs as job_rows;
use tenex::server::services::Context;
use tenex::server::services::jobs::{self, Job, JobSettings, Runners};

use crate::on_both_databases;
use crate::support::{PASSWORD, TestApp};
use crate::world::{Ahead, Team, approved, connector, round, sender_at, team};

on_both_databases!(
    a_new_connector_is_checked_in_the_background,
    a_failing_job_is_retried_with_backoff_then_fails_and_an_admin_may_retry_it,
    a_job_whose_worker_vanished_mid_call_runs_again_when_that_is_harmless,
    changes_queue_a_webhook_delivery_for_each_subscribed_endpoint,
    the_jobs_page_is_for_admins,
);

/// A check that always meets a provider answering 503.
struct Unavailable;

#[async_trait::async_trait]
impl Job for Unavailable {
    fn kind(&self) -> JobKind {
        JobKind::ConnectorCheck
    }
    async fn run(&self, _: &Context, _: &JobRecord) -> JobOutcome {
        JobOutcome::Transient("HTTP 503: try later".into())
    }
}

fn at_hours(app: &TestApp, hours: i64) -> Context {
    Context {
        clock: Arc::new(Ahead(hours)),
        ..app.ctx().clone()
    }
}

async fn rows(app: &TestApp, kind: JobKind) -> Vec<(String, String, i64, Option<String>, String)> {
    sqlx::query_as(
        "select id, status, attempts, last_error, payload from jobs where kind = $1 order by created_at, id",
    )
    .bind(kind.as_str())
    .fetch_all(app.db().pool())
    .await
    .unwrap()
}

fn workspace_of(t: &Team) -> WorkspaceId {
    t.admin.actor.workspace_id().clone()
}

async fn queue(app: &TestApp, t: &Team, kind: JobKind) -> String {
    let mut tx = app.db().begin().await.unwrap();
    let id = job_rows::enqueue(
        &mut tx,
        &NewJob {
            workspace_id: workspace_of(t),
            kind,
            subject_type: "webhook_endpoint",
            subject_id: "whk_test".into(),
            payload: json!({"type": "approval.decided"}),
            due_at: app.ctx().now(),
        },
        app.ctx().now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id.to_string()
}

async fn a_new_connector_is_checked_in_the_background(app: TestApp) {
    let t = team(&app, "acme", 1).await;
    let sandbox = connector(&app, &t, json!({"kind": "sandbox", "name": "Sandbox"})).await;
    let before = app
        .get(&format!("/api/v1/connectors/{sandbox}"), &t.admin.key)
        .await
        .json();
    assert_eq!(before["health"], "unknown", "nothing has checked it yet");
    let queued = rows(&app, JobKind::ConnectorCheck).await;
    assert_eq!(queued.len(), 1, "{queued:?}");
    assert_eq!(queued[0].1, "queued");

    // A host without the kind leaves it alone.
    let none = jobs::round(
        app.ctx(),
        &Runners::standard().only(&[JobKind::EmailSend]),
        "w0",
        &JobSettings::default(),
    )
    .await
    .unwrap();
    assert_eq!(none.claimed, 0);

    let done = jobs::round(
        app.ctx(),
        &Runners::standard(),
        "w1",
        &JobSettings::default(),
    )
    .await
    .unwrap();
    assert_eq!((done.claimed, done.succeeded), (1, 1), "{done:?}");
    let after = app
        .get(&format!("/api/v1/connectors/{sandbox}"), &t.admin.key)
        .await
        .json();
    assert_eq!(after["health"], "healthy", "{after}");
    assert_eq!(rows(&app, JobKind::ConnectorCheck).await[0].1, "succeeded");

    // Renaming does not re-check; a settings change does.
    let r = app
        .api(
            axum::http::Method::PATCH,
            &format!("/api/v1/connectors/{sandbox}"),
            Some(&t.admin.key),
            Some(json!({"version": after["version"], "name": "Renamed"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(rows(&app, JobKind::ConnectorCheck).await.len(), 1);
}

async fn a_failing_job_is_retried_with_backoff_then_fails_and_an_admin_may_retry_it(app: TestApp) {
    let t = team(&app, "acme", 1).await;
    let job = queue(&app, &t, JobKind::ConnectorCheck).await;
    let flaky = Runners::default().with(Arc::new(Unavailable));
    let settings = JobSettings::default();
    let first = jobs::round(app.ctx(), &flaky, "w1", &settings)
        .await
        .unwrap();
    assert_eq!((first.claimed, first.retried), (1, 1), "{first:?}");
    let after_one = &rows(&app, JobKind::ConnectorCheck).await[0];
    assert_eq!((after_one.1.as_str(), after_one.2), ("queued", 1));
    assert_eq!(after_one.3.as_deref(), Some("HTTP 503: try later"));

    // Not due again at once: the backoff holds it.
    let early = jobs::round(app.ctx(), &flaky, "w1", &settings)
        .await
        .unwrap();
    assert_eq!(early.claimed, 0, "the backoff is respected");

    // Each later attempt waits longer; after the last one it fails for good.
    let mut hours = 0;
    for _ in 1..6 {
        hours += 2;
        let r = jobs::round(&at_hours(&app, hours), &flaky, "w1", &settings)
            .await
            .unwrap();
        assert_eq!(r.claimed, 1, "attempt due after {hours} h");
    }
    let failed = &rows(&app, JobKind::ConnectorCheck).await[0];
    assert_eq!((failed.1.as_str(), failed.2), ("failed", 6), "{failed:?}");
    assert!(
        failed
            .3
            .as_deref()
            .unwrap()
            .contains("gave up after 6 attempts")
    );

    // An admin retries it from the Jobs page: attempts start again, and it is audited.
    let cookie = app
        .log_in("admin@acme.test", PASSWORD)
        .await
        .expect("logged in");
    let r = app
        .form(
            "/rpc/retry_job",
            Some(&cookie),
            &[("id", &job)],
            Some(crate::support::ORIGIN),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["status"], "queued");
    assert_eq!(r.json()["attempts"], 0);
    let log = app
        .get("/api/v1/admin/audit-log", &t.admin.key)
        .await
        .json();
    assert!(
        log["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "job.retried" && e["subject_id"] == job.as_str()),
        "{log}"
    );
    // A queued job has nothing to retry.
    let again = app
        .form(
            "/rpc/retry_job",
            Some(&cookie),
            &[("id", &job)],
            Some(crate::support::ORIGIN),
        )
        .await;
    assert_eq!(again.status, 409, "{}", again.text);
}

async fn a_job_whose_worker_vanished_mid_call_runs_again_when_that_is_harmless(app: TestApp) {
    let t = team(&app, "acme", 1).await;
    let delivery = queue(&app, &t, JobKind::WebhookDelivery).await;
    let check = queue(&app, &t, JobKind::ConnectorCheck).await;
    // A worker claims both and dies: its leases run out.
    let now = app.ctx().now();
    let claimed = job_rows::claim(
        app.db(),
        &[JobKind::WebhookDelivery, JobKind::ConnectorCheck],
        "dead-worker",
        now,
        now.plus(time::Duration::seconds(30)),
        10,
    )
    .await
    .unwrap();
    assert_eq!(claimed.len(), 2);
    let live = jobs::round(
        app.ctx(),
        &Runners::default(),
        "w2",
        &JobSettings::default(),
    )
    .await
    .unwrap();
    assert_eq!(live.lapsed, 0, "a live lease is left alone");

    let later = at_hours(&app, 1);
    let r = jobs::round(&later, &Runners::default(), "w2", &JobSettings::default())
        .await
        .unwrap();
    assert_eq!(r.lapsed, 2, "{r:?}");
    let status = |id: String| {
        let app = &app;
        async move {
            sqlx::query_scalar::<_, String>("select status from jobs where id = $1")
                .bind(id)
                .fetch_one(app.db().pool())
                .await
                .unwrap()
        }
    };
    // A webhook delivery is at-least-once (receivers drop repeats by event id) and a check
    // is harmless: both run again. Kinds whose outside effect must not repeat become
    // `uncertain` instead (the policy's unit tests).
    assert_eq!(status(delivery).await, "queued");
    assert_eq!(status(check).await, "queued");
}

/// The bodies of every webhook delivery queued, oldest first.
async fn bodies(app: &TestApp) -> Vec<Value> {
    let rows: Vec<String> =
        sqlx::query_scalar("select body from webhook_deliveries order by created_at, id")
            .fetch_all(app.db().pool())
            .await
            .unwrap();
    rows.iter()
        .map(|b| serde_json::from_str(b).unwrap())
        .collect()
}

async fn subscribe(app: &TestApp, workspace: &str, id: &str, events: &[&str], enabled: bool) {
    sqlx::query(
        "insert into webhook_endpoints (id, workspace_id, url, secret_encrypted, enabled, created_at, updated_at) \
         values ($1, $2, 'https://hooks.example.test/in', 'sealed', $3, '2026-12-01T00:00:00Z', '2026-12-01T00:00:00Z')",
    )
    .bind(id)
    .bind(workspace)
    .bind(i64::from(enabled))
    .execute(app.db().pool())
    .await
    .unwrap();
    for e in events {
        sqlx::query("insert into webhook_subscriptions (endpoint_id, event_type) values ($1, $2)")
            .bind(id)
            .bind(*e)
            .execute(app.db().pool())
            .await
            .unwrap();
    }
}

async fn changes_queue_a_webhook_delivery_for_each_subscribed_endpoint(app: TestApp) {
    let t = team(&app, "acme", 2).await;
    let other = team(&app, "globex", 1).await;
    let ws = t.admin.actor.workspace_id().to_string();
    subscribe(
        &app,
        &ws,
        "whk_01jd0000000000000000000001",
        &["approval.decided", "sequence.email.sent"],
        true,
    )
    .await;
    subscribe(
        &app,
        &ws,
        "whk_01jd0000000000000000000002",
        &["sequence.email.replied"],
        true,
    )
    .await;
    subscribe(
        &app,
        &ws,
        "whk_01jd0000000000000000000003",
        &["approval.decided"],
        false,
    )
    .await;
    subscribe(
        &app,
        &other.admin.actor.workspace_id().to_string(),
        "whk_01jd0000000000000000000004",
        &["approval.decided"],
        true,
    )
    .await;

    let sandbox = connector(&app, &t, json!({"kind": "sandbox", "name": "Sandbox"})).await;
    let seq = approved(&app, &t, &sandbox).await;
    let deliveries = bodies(&app).await;
    assert_eq!(
        deliveries.len(),
        1,
        "only the enabled endpoint of this workspace: {deliveries:?}"
    );
    assert_eq!(rows(&app, JobKind::WebhookDelivery).await.len(), 1);
    let payload = &deliveries[0];
    assert_eq!(payload["type"], "approval.decided");
    assert_eq!(payload["data"]["action"], "approval.approved");

    // Each message sent is one more delivery to the endpoint that wants them.
    let sent = round(&sender_at(&app, 0, "w1")).await;
    assert_eq!(sent.sent, 2, "{sent:?}");
    let deliveries = bodies(&app).await;
    let sent_events: Vec<&Value> = deliveries
        .iter()
        .filter(|p| p["type"] == "sequence.email.sent")
        .collect();
    assert_eq!(sent_events.len(), 2, "{deliveries:?}");
    assert_eq!(sent_events[0]["data"]["subject_id"], seq.as_str());
    // The ledger's Message-IDs, made in SQL, follow the domain's one scheme.
    let ids: Vec<(String, String, String, i64)> = sqlx::query_as(
        "select message_id, sequence_id, contact_id, step_index from sequence_messages where sequence_id = $1",
    )
    .bind(&seq)
    .fetch_all(app.db().pool())
    .await
    .unwrap();
    assert_eq!(ids.len(), 4);
    for (id, s, c, step) in &ids {
        let domain = tenex::domain::message::domain_of(id);
        assert!(!domain.is_empty());
        assert_eq!(
            *id,
            tenex::domain::message::message_id(s, c, *step as u32, domain)
        );
    }
    // Deliveries are counted, not audited: the log has the approval, not the sends.
    let log = app
        .get("/api/v1/admin/audit-log", &t.admin.key)
        .await
        .json();
    assert!(!log.to_string().contains("email_sent"), "{log}");
    assert!(log.to_string().contains("email_sequence.approved"), "{log}");
}

async fn the_jobs_page_is_for_admins(app: TestApp) {
    let t = team(&app, "acme", 1).await;
    connector(&app, &t, json!({"kind": "sandbox", "name": "Sandbox"})).await;
    let admin = app
        .log_in("admin@acme.test", PASSWORD)
        .await
        .expect("logged in");
    let page = app.page("/settings/jobs", Some(&admin)).await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("Connector check"), "{}", page.text);
    let marketer = app
        .log_in("mark@acme.test", PASSWORD)
        .await
        .expect("logged in");
    let r = app
        .form(
            "/rpc/list_jobs",
            Some(&marketer),
            &[],
            Some(crate::support::ORIGIN),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.text);
    let bad = app
        .form(
            "/rpc/list_jobs",
            Some(&admin),
            &[("kind", "mail")],
            Some(crate::support::ORIGIN),
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.text);
    assert!(bad.text.contains("kind"), "{}", bad.text);
}
