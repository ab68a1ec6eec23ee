//! Outgoing webhooks against a local receiver, on both databases: admin-only endpoints
//! with a secret shown once, address rules, signed deliveries checked with the README's own
//! verification snippet, retries over about a day that end by switching the endpoint off,
//! the delivery log, test events and redeliveries.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tenex::domain::job::JobKind;
use tenex::server::services::Context;
use tenex::server::services::jobs::{self, JobSettings, Runners};

use crate::on_both_databases;
use crate::support::TestApp;
use crate::world::{Ahead, Team, id, team};

on_both_databases!(
    endpoints_are_for_admins_checked_and_their_secret_is_shown_once,
    a_retried_add_never_adds_twice_nor_stores_the_secret,
    deliveries_are_signed_retried_for_a_day_then_switch_the_endpoint_off,
    private_targets_and_redirects_are_refused,
);

const PATH: &str = "/api/v1/admin/webhooks";

/// A status to answer with, and where a redirect points.
type Answer = (u16, Option<&'static str>);

/// What the receiver heard: each request's headers and body.
#[derive(Clone, Default)]
struct Receiver {
    heard: Arc<Mutex<Vec<(HeaderMap, String)>>>,
    /// Answers to give, in order; 200 once they run out.
    answers: Arc<Mutex<VecDeque<Answer>>>,
}

async fn receive(State(r): State<Receiver>, headers: HeaderMap, body: String) -> Response {
    r.heard.lock().unwrap().push((headers, body));
    let answer = r.answers.lock().unwrap().pop_front();
    match answer {
        None => (StatusCode::OK, "thanks").into_response(),
        Some((status, location)) => {
            let mut response = (StatusCode::from_u16(status).unwrap(), "nope").into_response();
            if let Some(to) = location {
                response
                    .headers_mut()
                    .insert("location", to.parse().unwrap());
            }
            response
        }
    }
}

/// A receiver on a free local port: its base URL and what it heard.
async fn receiver() -> (String, Receiver) {
    let r = Receiver::default();
    let app = Router::new()
        .route("/hook", axum::routing::post(receive))
        .route("/moved", axum::routing::post(receive))
        .with_state(r.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), r)
}

async fn allow_private(app: &TestApp, t: &Team, on: bool) {
    let v = app.get("/api/v1/admin/settings", &t.admin.key).await.json()["version"].clone();
    let r = app
        .api(
            Method::PATCH,
            "/api/v1/admin/settings",
            Some(&t.admin.key),
            Some(json!({"version": v, "private_webhook_targets": on})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

fn at_hours(app: &TestApp, hours: i64) -> Context {
    Context {
        clock: Arc::new(Ahead(hours)),
        ..app.ctx().clone()
    }
}

async fn deliver(ctx: &Context) -> jobs::JobRound {
    jobs::round(
        ctx,
        &Runners::standard().only(&[JobKind::WebhookDelivery]),
        "hooks",
        &JobSettings::default(),
    )
    .await
    .unwrap()
}

async fn endpoints_are_for_admins_checked_and_their_secret_is_shown_once(app: TestApp) {
    let t = team(&app, "acme", 1).await;
    let other = team(&app, "globex", 1).await;
    let good = json!({"url": "https://93.184.216.34/hooks/tenex", "events": ["sequence.email.sent", "approval.decided"],
                      "description": "CRM sync"});
    // A default key (what an LLM client holds) cannot add or read endpoints.
    app.post(PATH, &t.marketer.key, good.clone())
        .await
        .assert_problem(403, "forbidden_scope");
    app.get(PATH, &t.marketer.key)
        .await
        .assert_problem(403, "forbidden_scope");
    for (body, field) in [
        (
            json!({"url": "http://93.184.216.34/h", "events": ["approval.decided"]}),
            "url",
        ),
        (
            json!({"url": "https://127.0.0.1/h", "events": ["approval.decided"]}),
            "url",
        ),
        (
            json!({"url": "https://[::1]/h", "events": ["approval.decided"]}),
            "url",
        ),
        (
            json!({"url": "https://10.1.2.3/h", "events": ["approval.decided"]}),
            "url",
        ),
        (
            json!({"url": "https://93.184.216.34/h", "events": ["email.opened"]}),
            "events",
        ),
        (
            json!({"url": "https://93.184.216.34/h", "events": []}),
            "events",
        ),
        (json!({"url": "https://93.184.216.34/h"}), "events"),
        (
            json!({"url": "https://u:p@93.184.216.34/h", "events": ["approval.decided"]}),
            "url",
        ),
    ] {
        let r = app.post(PATH, &t.admin.key, body.clone()).await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(
            r.error_fields(),
            vec![field.to_owned()],
            "{body}: {}",
            r.text
        );
    }
    assert_eq!(
        app.get(PATH, &t.admin.key).await.json()["items"],
        json!([]),
        "a refused endpoint changes nothing"
    );
    let r = app.post(PATH, &t.admin.key, good).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let created = r.json();
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(
        secret.starts_with("whsec_") && secret.len() > 40,
        "{secret}"
    );
    assert_eq!(created["secret_hint"], &secret[secret.len() - 4..]);
    assert_eq!(
        created["events"],
        json!(["sequence.email.sent", "approval.decided"])
    );
    let endpoint = id(&created);
    assert!(endpoint.starts_with("whk_"));
    let read = app.get(&format!("{PATH}/{endpoint}"), &t.admin.key).await;
    assert_eq!(read.status, 200);
    assert!(
        !read.text.contains(&secret),
        "the secret is never shown again"
    );
    assert!(read.json().get("secret").is_none());
    let listed = app.get(PATH, &t.admin.key).await;
    assert!(!listed.text.contains(&secret));
    assert_eq!(listed.json()["items"][0]["id"], endpoint.as_str());
    // Another workspace's admin sees nothing of it.
    app.get(&format!("{PATH}/{endpoint}"), &other.admin.key)
        .await
        .assert_problem(404, "not_found");
    // Edits need the current version; a stale one is a conflict.
    let edit = |body: Value| {
        let app = &app;
        let key = t.admin.key.clone();
        let path = format!("{PATH}/{endpoint}");
        async move { app.api(Method::PATCH, &path, Some(&key), Some(body)).await }
    };
    let r = edit(json!({"version": 1, "events": ["publish_job.finished"], "enabled": false})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["version"], 2);
    assert_eq!(r.json()["enabled"], false);
    edit(json!({"version": 1, "description": "late"}))
        .await
        .assert_problem(409, "conflict");
    edit(json!({"version": 2, "url": "https://192.168.0.9/x"}))
        .await
        .assert_problem(422, "validation_failed");
    let log = app.get("/api/v1/admin/audit-log", &t.admin.key).await.text;
    assert!(log.contains("webhook_endpoint.created") && log.contains("webhook_endpoint.updated"));
    assert!(!log.contains(&secret));
    let r = app
        .api(
            Method::DELETE,
            &format!("{PATH}/{endpoint}"),
            Some(&t.admin.key),
            None,
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    app.get(&format!("{PATH}/{endpoint}"), &t.admin.key)
        .await
        .assert_problem(404, "not_found");
}

async fn a_retried_add_never_adds_twice_nor_stores_the_secret(app: TestApp) {
    let t = team(&app, "acme", 1).await;
    let keyed = || {
        axum::http::Request::builder()
            .method(Method::POST)
            .uri(PATH)
            .header("authorization", format!("Bearer {}", t.admin.key))
            .header("content-type", "application/json")
            .header("Idempotency-Key", "add-once")
            .body(axum::body::Body::from(
                json!({"url": "https://93.184.216.34/in", "events": ["approval.decided"]})
                    .to_string(),
            ))
            .unwrap()
    };
    let first = app.send(keyed()).await;
    assert_eq!(first.status, 201, "{}", first.text);
    let secret = first.json()["secret"].as_str().unwrap().to_owned();
    let second = app.send(keyed()).await;
    second.assert_problem(409, "conflict");
    assert!(!second.text.contains(&secret));
    let stored: Vec<String> = sqlx::query_scalar("select coalesce(body, '') from idempotency_keys")
        .fetch_all(app.db().pool())
        .await
        .unwrap();
    assert!(
        stored.iter().all(|b| !b.contains(&secret)),
        "the secret is never stored"
    );
    assert_eq!(
        app.get(PATH, &t.admin.key).await.json()["items"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "added once"
    );
}

/// Runs the README's verification snippet (Python) on one delivery; true when it accepts.
fn readme_snippet_accepts(secret: &str, header: &str, body: &str) -> bool {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme
        .find("<!-- webhook-verify -->")
        .expect("the README documents webhook verification");
    let code = readme[start..]
        .split("```python\n")
        .nth(1)
        .and_then(|rest| rest.split("\n```").next())
        .expect("a python block follows the marker");
    let program = format!(
        "{code}\nimport sys\nprint(verify(sys.argv[1], sys.argv[2], sys.stdin.buffer.read()))\n"
    );
    let mut child = std::process::Command::new("python3")
        .args(["-c", &program, secret, header])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs the snippet");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(body.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim() == "True"
}

async fn deliveries_are_signed_retried_for_a_day_then_switch_the_endpoint_off(app: TestApp) {
    let t = team(&app, "acme", 1).await;
    let (base, rx) = receiver().await;
    allow_private(&app, &t, true).await;
    let r = app
        .post(
            PATH,
            &t.admin.key,
            json!({"url": format!("{base}/hook"), "events": ["approval.requested", "conversion.recorded"]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let secret = r.json()["secret"].as_str().unwrap().to_owned();
    let endpoint = id(&r.json());

    // A conversion is recorded: its delivery is queued with it and sent by the runner.
    let r = app
        .post(
            "/api/v1/marketing/events",
            &t.marketer.key,
            json!({"id": "c1", "type": "conversion", "email": "p0@north.test", "value_usd": 42}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(deliver(app.ctx()).await.succeeded, 1);
    let (headers, body) = rx.heard.lock().unwrap()[0].clone();
    let event: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(event["type"], "conversion.recorded");
    assert_eq!(event["data"]["value_usd"], 42.0);
    assert!(event["id"].as_str().unwrap().starts_with("wev_"));
    assert_eq!(headers["tenex-event"], "conversion.recorded");
    assert_eq!(headers["tenex-event-id"], event["id"].as_str().unwrap());
    let signature = headers["tenex-signature"].to_str().unwrap().to_owned();
    let now = app.ctx().now().unix_seconds();
    assert!(tenex::domain::webhook::verify(
        &secret, &signature, &body, now
    ));
    assert!(
        readme_snippet_accepts(&secret, &signature, &body),
        "the README's snippet verifies it"
    );
    assert!(
        !readme_snippet_accepts(&secret, &signature, &body.replace("42", "43")),
        "and refuses a body that was changed"
    );
    assert!(!readme_snippet_accepts("whsec_wrong", &signature, &body));

    // The receiver fails every time: eight attempts over about a day, then the endpoint is
    // switched off with the reason, and nothing more is queued for it.
    rx.answers
        .lock()
        .unwrap()
        .extend(std::iter::repeat_n((500, None), 20));
    app.post(
        "/api/v1/marketing/events",
        &t.marketer.key,
        json!({"id": "c2", "type": "conversion", "email": "p0@north.test"}),
    )
    .await;
    let first = deliver(app.ctx()).await;
    assert_eq!((first.claimed, first.retried), (1, 1));
    assert_eq!(deliver(app.ctx()).await.claimed, 0, "the backoff holds it");
    let mut hours = 0;
    let mut last = first;
    while last.failed == 0 && hours < 48 {
        hours += 1;
        last = deliver(&at_hours(&app, hours)).await;
    }
    assert_eq!(last.failed, 1, "gave up by {hours} h");
    assert!(
        (18..=30).contains(&hours),
        "retried for about a day, not {hours} h"
    );
    let e = app
        .get(&format!("{PATH}/{endpoint}"), &t.admin.key)
        .await
        .json();
    assert_eq!(e["enabled"], false);
    let reason = e["disabled_reason"].as_str().unwrap();
    assert!(reason.contains("answered 500"), "{reason}");
    let log = app
        .get(&format!("{PATH}/{endpoint}/deliveries"), &t.admin.key)
        .await
        .json();
    let failed = &log["items"][0];
    assert_eq!(failed["status"], "failed");
    assert_eq!(failed["attempts"], 8);
    assert_eq!(failed["response_status"], 500);
    let attempts = failed["attempt_log"].as_array().unwrap();
    assert_eq!(attempts.len(), 8);
    // A private receiver's answer is not kept (its status and timing are).
    assert!(
        attempts[0]["response_body"]
            .as_str()
            .unwrap()
            .starts_with("(not kept"),
        "{}",
        attempts[0]
    );
    assert!(attempts[0]["duration_ms"].as_i64().unwrap() >= 0);
    // The log keeps the signature's time, never the MAC (that would replay).
    let logged = attempts[0]["request_headers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["name"] == "Tenex-Signature")
        .unwrap()["value"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        logged.starts_with("t=") && logged.ends_with("v1=…"),
        "{logged}"
    );
    assert_eq!(log["items"][1]["status"], "succeeded");
    assert_eq!(log["items"][1]["response_status"], 200);
    let heard = rx.heard.lock().unwrap().len();
    app.post(
        "/api/v1/marketing/events",
        &t.marketer.key,
        json!({"id": "c3", "type": "conversion", "email": "p0@north.test"}),
    )
    .await;
    assert_eq!(
        deliver(&at_hours(&app, 49)).await.claimed,
        0,
        "a switched-off endpoint gets nothing"
    );

    // Switched on again: a test event and a redelivery of the failed one go out at once.
    rx.answers.lock().unwrap().clear();
    let r = app
        .api(
            Method::PATCH,
            &format!("{PATH}/{endpoint}"),
            Some(&t.admin.key),
            Some(json!({"version": e["version"], "enabled": true})),
        )
        .await;
    assert_eq!(r.json()["disabled_reason"], Value::Null, "{}", r.text);
    let test = app
        .post(&format!("{PATH}/{endpoint}/test"), &t.admin.key, json!({}))
        .await;
    assert_eq!(test.status, 202, "{}", test.text);
    assert_eq!(test.json()["event_type"], "webhook.test");
    let again = app
        .post(
            &format!(
                "{PATH}/deliveries/{}/redeliver",
                failed["id"].as_str().unwrap()
            ),
            &t.admin.key,
            json!({}),
        )
        .await;
    assert_eq!(again.status, 202, "{}", again.text);
    assert_eq!(again.json()["event_id"], failed["event_id"]);
    assert_eq!(again.json()["cause"], "redeliver");
    assert_eq!(deliver(app.ctx()).await.succeeded, 2);
    let heard_now = rx.heard.lock().unwrap().clone();
    assert_eq!(heard_now.len(), heard + 2);
    let ids: Vec<String> = heard_now[heard..]
        .iter()
        .map(|(_, b)| {
            serde_json::from_str::<Value>(b).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert!(ids.contains(&failed["event_id"].as_str().unwrap().to_owned()));
    // The redelivery is a marketer's no-go too.
    app.post(
        &format!(
            "{PATH}/deliveries/{}/redeliver",
            failed["id"].as_str().unwrap()
        ),
        &t.marketer.key,
        json!({}),
    )
    .await
    .assert_problem(403, "forbidden_scope");
}

async fn private_targets_and_redirects_are_refused(app: TestApp) {
    let t = team(&app, "acme", 1).await;
    let (base, rx) = receiver().await;
    let url = format!("{base}/hook");
    let r = app
        .post(
            PATH,
            &t.admin.key,
            json!({"url": url, "events": ["conversion.recorded"]}),
        )
        .await;
    r.assert_problem(422, "validation_failed");
    assert!(
        r.text.contains("resolves to a private address"),
        "{}",
        r.text
    );
    allow_private(&app, &t, true).await;
    let r = app
        .post(
            PATH,
            &t.admin.key,
            json!({"url": url, "events": ["conversion.recorded"]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let endpoint = id(&r.json());

    // A redirect is an answer, not a hop: the delivery fails naming it and the target of
    // the redirect is never called.
    rx.answers
        .lock()
        .unwrap()
        .push_back((302, Some("http://127.0.0.1:9/elsewhere")));
    app.post(
        "/api/v1/marketing/events",
        &t.marketer.key,
        json!({"id": "c1", "type": "conversion", "email": "p0@north.test"}),
    )
    .await;
    assert_eq!(deliver(app.ctx()).await.retried, 1);
    let log = app
        .get(&format!("{PATH}/{endpoint}/deliveries"), &t.admin.key)
        .await
        .json();
    let error = log["items"][0]["error"].as_str().unwrap();
    assert!(error.contains("redirects are not followed"), "{error}");
    assert_eq!(rx.heard.lock().unwrap().len(), 1);

    // The setting turned off again: the next attempt refuses the private address, the
    // delivery fails at once and the endpoint is switched off saying why.
    allow_private(&app, &t, false).await;
    let r = deliver(&at_hours(&app, 1)).await;
    assert_eq!(r.failed, 1, "{r:?}");
    assert_eq!(rx.heard.lock().unwrap().len(), 1, "nothing was sent");
    let e = app
        .get(&format!("{PATH}/{endpoint}"), &t.admin.key)
        .await
        .json();
    assert_eq!(e["enabled"], false);
    assert!(
        e["disabled_reason"]
            .as_str()
            .unwrap()
            .contains("resolves to a private address"),
        "{e}"
    );
}
