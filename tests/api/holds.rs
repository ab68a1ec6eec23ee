//! Senders that fail hold their runs: for each kind of fault (an SMTP server with no usable
//! login method, one that refuses the password, an HTTP provider answering 401, a port
//! nobody listens on, a server that never answers) a 50-recipient run is held within one
//! worker round after a handful of attempts, the connector says why, and once the fault is
//! fixed a passing test lets the run go on with every message sent exactly once.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::http::Method;
use serde_json::{Value, json};
use tenex::server::services::sending::{SendSettings, Sender};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::fake_smtp::FakeSmtp;
use crate::on_both_databases;
use crate::smtp_sink::SmtpSink;
use crate::support::TestApp;
use crate::world::{Team, approved, connector, day_count, round, sender_with, team};

on_both_databases!(
    an_smtp_server_without_a_usable_login_holds_the_run,
    a_refused_password_holds_the_run_until_a_passing_test,
    an_http_401_holds_the_run_and_a_fixed_token_releases_it,
    a_closed_port_holds_the_run_after_failures_in_a_row,
    a_hanging_sender_keeps_only_its_own_slots,
    a_sandbox_stands_in_for_one_channel,
);

/// Fifty recipients, so a sender that failed message by message would be plain to see.
const RECIPIENTS: usize = 50;

/// A worker that claims everything due in one round and gives each call `timeout`.
fn worker(app: &TestApp, timeout: Duration) -> Sender {
    sender_with(
        app,
        0,
        "w1",
        SendSettings {
            batch: 500,
            rate_per_second: 10_000,
            call_timeout: timeout,
            ..SendSettings::default()
        },
    )
}

async fn get(app: &TestApp, t: &Team, path: &str) -> Value {
    let r = app.get(path, &t.admin.key).await;
    assert_eq!(r.status, 200, "{path}: {}", r.text);
    r.json()
}

/// Attempts counted on the run's messages, and how many are still waiting to go.
async fn attempts_and_waiting(app: &TestApp, seq: &str) -> (i64, i64) {
    let row: (i64, i64) = sqlx::query_as(
        "select cast(coalesce(sum(attempts), 0) as bigint), \
         cast(sum(case when status = 'scheduled' then 1 else 0 end) as bigint) \
         from sequence_messages where sequence_id = $1 and step_index = 0",
    )
    .bind(seq)
    .fetch_one(app.db().pool())
    .await
    .unwrap();
    row
}

/// The run is held: paused for its sender, its campaign too, the connector failing with
/// `reason` in its detail and holding one run; a person's resume is refused by name.
async fn assert_held(app: &TestApp, t: &Team, seq: &str, sender: &str, reason: &str) {
    let s = get(app, t, &format!("/api/v1/marketing/email-sequences/{seq}")).await;
    assert_eq!(s["status"], "paused", "{s}");
    assert_eq!(s["paused_reason"], "sender_failing", "{s}");
    let campaigns = get(app, t, "/api/v1/marketing/campaigns").await;
    let campaign = campaigns["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["artifact"]["id"] == seq)
        .unwrap_or_else(|| panic!("the run's campaign: {campaigns}"))
        .clone();
    assert_eq!(campaign["status"], "paused", "{campaign}");
    assert_eq!(campaign["paused_reason"], "sender_failing", "{campaign}");
    let c = get(app, t, &format!("/api/v1/connectors/{sender}")).await;
    assert_eq!(c["health"], "failing", "{c}");
    assert!(c["failing_since"].is_string(), "{c}");
    assert_eq!(c["held_runs"], 1, "{c}");
    let detail = c["health_detail"].as_str().unwrap_or_default();
    assert!(detail.contains(reason), "{reason:?} in {detail:?}");
    let resumed = app
        .post(
            &format!("/api/v1/marketing/email-sequences/{seq}/resume"),
            &t.marketer.key,
            json!({}),
        )
        .await;
    resumed.assert_problem(409, "conflict");
    assert!(resumed.text.contains("Test connection"), "{}", resumed.text);
}

/// An admin's passing test releases the run (audited), and one round sends every message.
async fn release_and_send(app: &TestApp, t: &Team, seq: &str, sender: &str) {
    let tested = app
        .post(
            &format!("/api/v1/connectors/{sender}/test"),
            &t.admin.key,
            json!({}),
        )
        .await;
    assert_eq!(tested.status, 200, "{}", tested.text);
    assert_eq!(tested.json()["health"], "healthy", "{}", tested.text);
    assert!(tested.json()["failing_since"].is_null(), "{}", tested.text);
    assert_eq!(tested.json()["held_runs"], 0, "{}", tested.text);
    let s = get(app, t, &format!("/api/v1/marketing/email-sequences/{seq}")).await;
    assert_eq!(s["status"], "active", "{s}");
    assert!(s["paused_reason"].is_null(), "{s}");
    let log = get(app, t, "/api/v1/admin/audit-log").await;
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["action"].as_str())
        .collect();
    assert!(actions.contains(&"connector.recovered"), "{actions:?}");
    assert!(actions.contains(&"email_sequence.released"), "{actions:?}");

    let r = round(&worker(app, Duration::from_secs(10))).await;
    assert_eq!(r.sent, RECIPIENTS, "{r:?}");
    assert_eq!(
        round(&worker(app, Duration::from_secs(10))).await.claimed,
        0
    );
}

async fn an_smtp_server_without_a_usable_login_holds_the_run(app: TestApp) {
    // The sink offers no AUTH at all; the connector is set up to log in.
    let sink = SmtpSink::start().await;
    let t = team(&app, "acme", RECIPIENTS).await;
    let sender = connector(&app, &t, json!({"kind": "smtp", "name": "Mail", "settings": {"host": "127.0.0.1", "port": sink.port.to_string(),
        "tls_mode": "none", "from_address": "ada@tenex-freight.test", "username": "ada"}, "secrets": {"password": "pw"}})).await;
    let seq = approved(&app, &t, &sender).await;

    let r = round(&worker(&app, Duration::from_secs(10))).await;
    assert_eq!((r.sent, r.failed, r.retried), (0, 0, 0), "{r:?}");
    assert_held(&app, &t, &seq, &sender, "no login method").await;
    let (attempts, waiting) = attempts_and_waiting(&app, &seq).await;
    assert_eq!(attempts, 0, "given back as they were, not counted");
    assert_eq!(waiting, RECIPIENTS as i64);
    assert_eq!(sink.count(), 0);
    // Held runs are not claimed again.
    assert_eq!(
        round(&worker(&app, Duration::from_secs(10))).await.claimed,
        0
    );

    // Fixed by not logging in (this server takes mail without it).
    let c = get(&app, &t, &format!("/api/v1/connectors/{sender}")).await;
    let edited = app
        .api(
            Method::PATCH,
            &format!("/api/v1/connectors/{sender}"),
            Some(&t.admin.key),
            Some(json!({"version": c["version"], "settings": {"username": ""}})),
        )
        .await;
    assert_eq!(edited.status, 200, "{}", edited.text);
    release_and_send(&app, &t, &seq, &sender).await;
    assert_eq!(sink.count(), RECIPIENTS, "each message exactly once");
}

async fn a_refused_password_holds_the_run_until_a_passing_test(app: TestApp) {
    let fake = FakeSmtp::start("ada", "right").await;
    let t = team(&app, "acme", RECIPIENTS).await;
    let sender = connector(&app, &t, json!({"kind": "smtp", "name": "Mail", "settings": {"host": "127.0.0.1", "port": fake.port.to_string(),
        "tls_mode": "none", "from_address": "ada@tenex-freight.test", "username": "ada"}, "secrets": {"password": "wrong"}})).await;
    let seq = approved(&app, &t, &sender).await;

    let r = round(&worker(&app, Duration::from_secs(10))).await;
    assert_eq!((r.sent, r.failed, r.retried), (0, 0, 0), "{r:?}");
    assert_held(&app, &t, &seq, &sender, "SMTP 535").await;
    let logins = fake
        .commands()
        .iter()
        .filter(|c| c.to_ascii_uppercase().starts_with("AUTH"))
        .count();
    assert!(
        (1..=8).contains(&logins),
        "a handful of logins, not one per message: {logins}"
    );
    assert_eq!(
        attempts_and_waiting(&app, &seq).await,
        (0, RECIPIENTS as i64)
    );

    // A failing test changes nothing.
    let tested = app
        .post(
            &format!("/api/v1/connectors/{sender}/test"),
            &t.admin.key,
            json!({}),
        )
        .await;
    assert_eq!(tested.json()["health"], "failing", "{}", tested.text);
    assert_eq!(tested.json()["held_runs"], 1, "{}", tested.text);
    // A default key cannot test (and so cannot release).
    app.post(
        &format!("/api/v1/connectors/{sender}/test"),
        &t.marketer.key,
        json!({}),
    )
    .await
    .assert_problem(403, "forbidden_scope");

    // The right password, then a passing test. This fake only logs in; the run's mail is
    // checked by count of accepted logins above and by the ledger below.
    let c = get(&app, &t, &format!("/api/v1/connectors/{sender}")).await;
    let edited = app
        .api(
            Method::PATCH,
            &format!("/api/v1/connectors/{sender}"),
            Some(&t.admin.key),
            Some(json!({"version": c["version"], "secrets": {"password": "right"}})),
        )
        .await;
    assert_eq!(edited.status, 200, "{}", edited.text);
    let tested = app
        .post(
            &format!("/api/v1/connectors/{sender}/test"),
            &t.admin.key,
            json!({}),
        )
        .await;
    assert_eq!(tested.json()["health"], "healthy", "{}", tested.text);
    let s = get(
        &app,
        &t,
        &format!("/api/v1/marketing/email-sequences/{seq}"),
    )
    .await;
    assert_eq!(s["status"], "active", "{s}");
}

async fn an_http_401_holds_the_run_and_a_fixed_token_releases_it(app: TestApp) {
    let google = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(401).set_body_json(
            json!({"error": {"message": "Request had invalid authentication credentials."}}),
        ))
        .mount(&google)
        .await;
    let t = team(&app, "acme", RECIPIENTS).await;
    let sender = connector(&app, &t, json!({"kind": "gmail", "name": "Gmail", "settings": {"sender": "news@acme.test", "base_url": google.uri()},
        "secrets": {"access_token": "expired"}})).await;
    let seq = approved(&app, &t, &sender).await;

    let r = round(&worker(&app, Duration::from_secs(10))).await;
    assert_eq!((r.sent, r.failed, r.retried), (0, 0, 0), "{r:?}");
    assert_held(&app, &t, &seq, &sender, "HTTP 401").await;
    let calls = google.received_requests().await.unwrap().len();
    assert!((1..=8).contains(&calls), "a handful of calls: {calls}");
    assert_eq!(
        attempts_and_waiting(&app, &seq).await,
        (0, RECIPIENTS as i64)
    );

    // The provider takes the token again: the test reads the profile, sends go through.
    google.reset().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"emailAddress": "news@acme.test"})),
        )
        .mount(&google)
        .await;
    let sent = Arc::new(AtomicUsize::new(0));
    let counter = sent.clone();
    Mock::given(method("POST"))
        .respond_with(move |_: &wiremock::Request| {
            let n = counter.fetch_add(1, Ordering::SeqCst);
            ResponseTemplate::new(200).set_body_json(json!({"id": format!("m{n}")}))
        })
        .mount(&google)
        .await;
    release_and_send(&app, &t, &seq, &sender).await;
    assert_eq!(
        sent.load(Ordering::SeqCst),
        RECIPIENTS,
        "each message exactly once"
    );
}

async fn a_closed_port_holds_the_run_after_failures_in_a_row(app: TestApp) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let t = team(&app, "acme", RECIPIENTS).await;
    // An endpoint that wants to hear about failing and recovered connectors.
    let hook = app
        .post(
            "/api/v1/admin/webhooks",
            &t.admin.key,
            json!({"url": "https://93.184.216.34/hooks/tenex", "events": ["connector.failing", "connector.recovered"]}),
        )
        .await;
    assert_eq!(hook.status, 201, "{}", hook.text);
    let sender = connector(&app, &t, json!({"kind": "smtp", "name": "Mail", "settings": {"host": "127.0.0.1", "port": port.to_string(),
        "tls_mode": "none", "from_address": "ada@tenex-freight.test"}})).await;
    let seq = approved(&app, &t, &sender).await;

    let r = round(&worker(&app, Duration::from_secs(10))).await;
    assert_eq!(r.sent, 0, "{r:?}");
    assert_held(&app, &t, &seq, &sender, "attempts in a row failed").await;
    let (attempts, waiting) = attempts_and_waiting(&app, &seq).await;
    let limit = SendSettings::default();
    assert!(
        attempts >= i64::from(limit.failure_limit)
            && attempts < i64::from(limit.failure_limit) + limit.per_sender as i64,
        "the failures in a row and those already in flight, not one per message: {attempts}"
    );
    assert_eq!(waiting, RECIPIENTS as i64, "retried later, none given up");
    // The sender's day counts exactly the messages handed to it: none given back after the
    // hold, and none twice.
    let counted = day_count(&app, &sender).await;
    assert_eq!(counted, attempts, "the day counts the calls made");

    // A server now listens there: the test passes and the run goes on.
    let sink = SmtpSink::start_on(port).await;
    release_and_send(&app, &t, &seq, &sender).await;
    assert_eq!(sink.count(), RECIPIENTS, "each message exactly once");

    let events: Vec<String> = sqlx::query_scalar(
        "select event_type from webhook_deliveries where workspace_id = $1 order by created_at, id",
    )
    .bind(t.admin.actor.workspace_id().as_str())
    .fetch_all(app.db().pool())
    .await
    .unwrap();
    assert_eq!(events, ["connector.failing", "connector.recovered"]);
}

async fn a_hanging_sender_keeps_only_its_own_slots(app: TestApp) {
    // Accepts connections and never says a word.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hanging_port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            open.push(socket);
        }
    });
    let sink = SmtpSink::start().await;
    let slow = team(&app, "acme", RECIPIENTS).await;
    let fast = team(&app, "globex", RECIPIENTS).await;
    let smtp = |port: u16| {
        json!({"kind": "smtp", "name": "Mail", "settings": {"host": "127.0.0.1", "port": port.to_string(),
        "tls_mode": "none", "from_address": "ada@tenex-freight.test"}})
    };
    let hanging = connector(&app, &slow, smtp(hanging_port)).await;
    let answering = connector(&app, &fast, smtp(sink.port)).await;
    let held = approved(&app, &slow, &hanging).await;
    let going = approved(&app, &fast, &answering).await;

    // One round with a two-second budget per call: the answering sender's fifty go out in
    // it, and the hanging one is held after a handful of silent connections.
    let r = round(&worker(&app, Duration::from_secs(2))).await;
    assert_eq!(r.sent, RECIPIENTS, "{r:?}");
    assert_eq!(sink.count(), RECIPIENTS);
    assert_held(&app, &slow, &held, &hanging, "did not answer in time").await;
    let tries = accepted.load(Ordering::SeqCst);
    assert!(
        (1..=10).contains(&tries),
        "a handful of connections: {tries}"
    );
    let s = get(
        &app,
        &fast,
        &format!("/api/v1/marketing/email-sequences/{going}"),
    )
    .await;
    assert_eq!(s["status"], "active", "{s}");
}

async fn a_sandbox_stands_in_for_one_channel(app: TestApp) {
    let t = team(&app, "acme", 2).await;
    let cms = connector(
        &app,
        &t,
        json!({"kind": "sandbox", "name": "Sandbox CMS", "settings": {"role": "cms"}}),
    )
    .await;
    let c = get(&app, &t, &format!("/api/v1/connectors/{cms}")).await;
    assert_eq!(c["roles"], json!(["cms"]), "{c}");
    let every = connector(
        &app,
        &t,
        json!({"kind": "sandbox", "name": "Sandbox", "settings": {}}),
    )
    .await;
    let c = get(&app, &t, &format!("/api/v1/connectors/{every}")).await;
    assert_eq!(
        c["roles"],
        json!(["email_sender", "ad_account", "cms"]),
        "{c}"
    );

    // A CMS stand-in is no email sender.
    let refused = app
        .post(
            "/api/v1/marketing/email-sequences/preview",
            &t.marketer.key,
            json!({"segment_id": t.segment, "brand_id": t.brand, "sender_connector_id": cms,
                   "objective": "book a demo", "num_emails": 1}),
        )
        .await;
    refused.assert_problem(422, "validation_failed");
    assert_eq!(refused.error_fields(), ["sender_connector_id"]);
    // A channel that does not exist is named, and nothing is added.
    let before = get(&app, &t, "/api/v1/connectors").await["items"]
        .as_array()
        .unwrap()
        .len();
    let refused = app
        .post(
            "/api/v1/connectors",
            &t.admin.key,
            json!({"kind": "sandbox", "name": "Odd", "settings": {"role": "fax"}}),
        )
        .await;
    refused.assert_problem(422, "validation_failed");
    assert_eq!(refused.error_fields(), ["settings.role"]);
    let after = get(&app, &t, "/api/v1/connectors").await["items"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(before, after);
}
