//! A provider that may have taken a message without saying so: the message is `uncertain`
//! and waits for a person; only an approver may send it again. Each fake reads the whole
//! message and then drops the connection, never answers, or answers 5xx; it must receive
//! the message exactly once however many rounds the workers run.

use std::time::Duration;

use serde_json::{Value, json};
use tenex::server::services::sending::{SendSettings, Sender};

use crate::faulty_http::{Answer, FaultyHttp};
use crate::on_both_databases;
use crate::smtp_sink::{AfterData, SmtpSink};
use crate::support::TestApp;
use crate::world::{Team, approved, connector, round, sender_with, smtp_connector, team};

on_both_databases!(
    an_smtp_server_that_drops_or_hangs_after_the_data_leaves_the_message_uncertain,
    an_api_that_drops_hangs_or_fails_after_the_request_leaves_the_message_uncertain,
    a_503_that_says_retry_and_a_refused_connection_are_retried,
    only_an_approver_sends_an_uncertain_message_again,
);

/// A worker `hours` ahead whose provider calls give up after 1.5 s.
fn impatient(app: &TestApp, hours: i64) -> Sender {
    sender_with(
        app,
        hours,
        "w1",
        SendSettings {
            rate_per_second: 10_000,
            call_timeout: Duration::from_millis(1500),
            ..SendSettings::default()
        },
    )
}

/// `(status, error)` of every ledger row of a sequence, step 0 first.
async fn rows(app: &TestApp, seq: &str) -> Vec<(i64, String, Option<String>)> {
    sqlx::query_as(
        "select step_index, status, error from sequence_messages where sequence_id = $1 \
         order by step_index, message_id",
    )
    .bind(seq)
    .fetch_all(app.db().pool())
    .await
    .unwrap()
}

/// Runs rounds at 0 h, +2 h and +2 days (past every backoff and the follow-up's day).
async fn run_for_days(app: &TestApp) {
    for hours in [0, 2, 48, 96] {
        round(&impatient(app, hours)).await;
    }
}

async fn an_smtp_server_that_drops_or_hangs_after_the_data_leaves_the_message_uncertain(
    app: TestApp,
) {
    for (workspace, after) in [("drops", AfterData::Drop), ("hangs", AfterData::Hang)] {
        let sink = SmtpSink::start_faulty(after).await;
        let t = team(&app, workspace, 1).await;
        let sender = smtp_connector(&app, &t, sink.port, json!({})).await;
        let seq = approved(&app, &t, &sender).await;
        let r = round(&impatient(&app, 0)).await;
        assert_eq!(
            (r.uncertain, r.retried, r.sent),
            (1, 0, 0),
            "{workspace}: {r:?}"
        );
        run_for_days(&app).await;
        assert_eq!(
            sink.count(),
            1,
            "{workspace}: the server got it exactly once"
        );
        let rows = rows(&app, &seq).await;
        assert_eq!(rows[0].1, "uncertain", "{workspace}: {rows:?}");
        assert!(
            rows[0].2.as_deref().unwrap_or_default().contains("SMTP")
                || rows[0].2.as_deref().unwrap_or_default().contains("smtp"),
            "{rows:?}"
        );
        assert_eq!(
            rows.len(),
            1,
            "the follow-up is not queued until a person settles the first step: {rows:?}"
        );
    }
}

async fn gmail(app: &TestApp, t: &Team, base: &str) -> String {
    connector(
        app,
        t,
        json!({"kind": "gmail", "name": "Gmail", "settings": {"sender": "news@acme.test", "base_url": base},
               "secrets": {"access_token": "t"}}),
    )
    .await
}

async fn an_api_that_drops_hangs_or_fails_after_the_request_leaves_the_message_uncertain(
    app: TestApp,
) {
    let answers = [
        ("drops", Answer::Drop),
        ("hangs", Answer::Hang),
        (
            "fails",
            Answer::Status {
                code: 500,
                retry_after: false,
            },
        ),
        (
            "gateway",
            Answer::Status {
                code: 502,
                retry_after: false,
            },
        ),
        (
            "timeout",
            Answer::Status {
                code: 504,
                retry_after: true,
            },
        ),
        (
            "busy",
            Answer::Status {
                code: 503,
                retry_after: false,
            },
        ),
    ];
    for (workspace, answer) in answers {
        let fake = FaultyHttp::start(answer).await;
        let t = team(&app, workspace, 1).await;
        let sender = gmail(&app, &t, &fake.uri()).await;
        let seq = approved(&app, &t, &sender).await;
        let r = round(&impatient(&app, 0)).await;
        assert_eq!((r.uncertain, r.retried), (1, 0), "{workspace}: {r:?}");
        run_for_days(&app).await;
        assert_eq!(
            fake.count(),
            1,
            "{workspace}: the provider got it exactly once"
        );
        let rows = rows(&app, &seq).await;
        assert_eq!(rows[0].1, "uncertain", "{workspace}: {rows:?}");
        assert!(
            rows[0]
                .2
                .as_deref()
                .unwrap()
                .to_lowercase()
                .starts_with("gmail"),
            "{rows:?}"
        );
    }
}

async fn a_503_that_says_retry_and_a_refused_connection_are_retried(app: TestApp) {
    let fake = FaultyHttp::start(Answer::Status {
        code: 503,
        retry_after: true,
    })
    .await;
    let t = team(&app, "busy", 1).await;
    let sender = gmail(&app, &t, &fake.uri()).await;
    let seq = approved(&app, &t, &sender).await;
    let r = round(&impatient(&app, 0)).await;
    assert_eq!((r.retried, r.uncertain), (1, 0), "{r:?}");
    round(&impatient(&app, 1)).await;
    assert_eq!(
        fake.count(),
        2,
        "it said the request was not taken: tried again"
    );
    assert_eq!(rows(&app, &seq).await[0].1, "scheduled");

    // Nothing listens on this port: the message never left.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let t = team(&app, "down", 1).await;
    let sender = smtp_connector(&app, &t, port, json!({})).await;
    let seq = approved(&app, &t, &sender).await;
    let r = round(&impatient(&app, 0)).await;
    assert_eq!((r.retried, r.uncertain), (1, 0), "{r:?}");
    let rows = rows(&app, &seq).await;
    assert!(
        rows[0].2.as_deref().unwrap().contains("could not connect"),
        "{rows:?}"
    );
}

async fn only_an_approver_sends_an_uncertain_message_again(app: TestApp) {
    let sink = SmtpSink::start_faulty(AfterData::Drop).await;
    let t = team(&app, "acme", 1).await;
    let sender = smtp_connector(&app, &t, sink.port, json!({})).await;
    let seq = approved(&app, &t, &sender).await;
    round(&impatient(&app, 0)).await;
    let mid: String = sqlx::query_scalar(
        "select message_id from sequence_messages where sequence_id = $1 and status = 'uncertain'",
    )
    .bind(&seq)
    .fetch_one(app.db().pool())
    .await
    .unwrap();
    let settle = format!("/api/v1/marketing/email-sequences/{seq}/messages/{mid}/settle");

    // What an LLM client holds (read + write) may not send approved mail a second time.
    let refused = app
        .post(&settle, &t.marketer.key, json!({"action": "send_again"}))
        .await;
    let body = refused.assert_problem(403, "approval_required");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains(&format!("/email/sequences/{seq}")),
        "{body}"
    );
    assert_eq!(rows(&app, &seq).await[0].1, "uncertain", "nothing changed");

    let r = app
        .post(&settle, &t.approver.key, json!({"action": "send_again"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["status"], "scheduled");
    let audit: Value = app
        .get("/api/v1/admin/audit-log", &t.admin.key)
        .await
        .json();
    assert!(
        audit["items"].as_array().unwrap().iter().any(|e| {
            e["action"] == "email_sequence.message_settled" && e["actor_email"] == "appr@acme.test"
        }),
        "{audit}"
    );
}
