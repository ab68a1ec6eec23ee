//! The sequencer: approved sequences sending through SMTP (a real SMTP conversation with a
//! local server), Gmail and Microsoft Graph (local fakes that check what they receive) and
//! the sandbox outbox; stop rules, retries, controls, uncertain messages and concurrent
//! workers, on both databases.

use std::collections::HashSet;
use std::sync::Arc;

use axum::http::Method;
use serde_json::{Value, json};
use tenex::domain::actor::Role;
use tenex::server::services::sending::Sender;

use crate::on_both_databases;
use crate::smtp_sink::SmtpSink;
use crate::support::TestApp;
use crate::world::{
    Team, approved, connector, day_count, ledger, round, sender_at, sender_at_hours,
    smtp_connector, team, untouched_first_steps,
};

on_both_databases!(
    an_approved_sequence_sends_each_step_once_over_smtp,
    replies_unsubscribes_and_bounces_stop_later_steps,
    transient_failures_retry_and_permanent_ones_fail_with_the_reason,
    pause_resume_and_cancel_act_before_the_next_message,
    an_interrupted_send_is_uncertain_until_a_person_settles_it,
    gmail_and_graph_receive_the_whole_message,
    a_daily_cap_holds_the_rest_until_the_next_day,
    two_workers_never_send_the_same_message,
    events_are_validated_and_counted_once,
    a_stopping_worker_gives_back_what_it_started_and_did_not_hand_over,
    a_started_message_is_not_called_once_its_lease_cannot_cover_the_call,
    a_chunk_is_started_through_the_ledger_key_right_after_approval,
);

fn status_of(rows: &[(String, i64, String, Option<String>)], email: &str, step: i64) -> String {
    rows.iter()
        .find(|r| r.0 == email && r.1 == step)
        .map(|r| r.2.clone())
        .unwrap_or_else(|| panic!("no row for {email} step {step}"))
}

async fn run_progress(app: &TestApp, t: &Team, seq: &str) -> Value {
    let r = app
        .get(
            &format!("/api/v1/marketing/email-sequences/{seq}/progress"),
            &t.marketer.key,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json()
}

async fn sequence(app: &TestApp, t: &Team, seq: &str) -> Value {
    app.get(
        &format!("/api/v1/marketing/email-sequences/{seq}"),
        &t.marketer.key,
    )
    .await
    .json()
}

async fn an_approved_sequence_sends_each_step_once_over_smtp(app: TestApp) {
    let sink = SmtpSink::start().await;
    let t = team(&app, "acme", 4).await;
    let sender = smtp_connector(&app, &t, sink.port, json!({})).await;
    let seq = approved(&app, &t, &sender).await;
    let rows = ledger(&app, &seq).await;
    assert_eq!(rows.len(), 4, "the first step for each contact: {rows:?}");
    assert!(rows.iter().all(|r| r.1 == 0 && r.2 == "scheduled"));
    let s = sequence(&app, &t, &seq).await;
    assert_eq!(
        s["stats"]["scheduled"], 8,
        "the follow-ups to come count: {s}"
    );
    let progress = run_progress(&app, &t, &seq).await;
    assert_eq!(progress["steps"][1]["scheduled"], 4, "{progress}");
    let follow_up_due = progress["next_sends"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["step_index"] == 1)
        .unwrap_or_else(|| panic!("step 2 among the next sends: {progress}"))
        .clone();
    assert_eq!(follow_up_due["messages"], 4);

    let now = sender_at(&app, 0, "w1");
    let r = round(&now).await;
    assert_eq!((r.claimed, r.sent), (4, 4), "{r:?}");
    assert_eq!(round(&now).await.claimed, 0, "step 2 is not due for 3 days");
    let rows = ledger(&app, &seq).await;
    assert_eq!(
        rows.len(),
        8,
        "each sent first step queued its follow-up: {rows:?}"
    );
    assert!(rows.iter().filter(|r| r.1 == 1).all(|r| r.2 == "scheduled"));
    let progress = run_progress(&app, &t, &seq).await;
    assert_eq!(
        progress["next_sends"][0], follow_up_due,
        "queued at the moment approval planned: {progress}"
    );
    assert_eq!(sequence(&app, &t, &seq).await["stats"]["scheduled"], 4);
    let first = sink.messages();
    assert_eq!(first.len(), 4);
    for m in &first {
        assert_eq!(m.mail_from, "ada@tenex-freight.test");
        let id = m.header("Message-ID").unwrap();
        assert!(
            id.starts_with(&format!("<{seq}.ctc_")) && id.ends_with(".0@tenex-freight.test>"),
            "{id}"
        );
        let unsubscribe = m.header("List-Unsubscribe").unwrap();
        assert!(
            unsubscribe.contains("<http://127.0.0.1:3000/u/"),
            "{unsubscribe}"
        );
        assert!(
            unsubscribe.contains("<mailto:unsubscribe@tenex-freight.test?subject=unsubscribe%20")
        );
        assert_eq!(
            m.header("List-Unsubscribe-Post").unwrap(),
            "List-Unsubscribe=One-Click"
        );
        assert!(m.header("In-Reply-To").is_none());
        assert!(
            m.body()
                .contains("Unsubscribe with one click: http://127.0.0.1:3000/u/")
        );
        assert!(m.header("From").unwrap().contains("Ada"));
    }
    let p0 = first
        .iter()
        .find(|m| m.rcpt_to == ["p0@north.test"])
        .unwrap();
    assert!(
        p0.body().contains("P0"),
        "rendered for the contact: {}",
        p0.body()
    );
    let listed = app
        .get(
            &format!("/api/v1/marketing/email-sequences/{seq}/messages?status=sent"),
            &t.marketer.key,
        )
        .await
        .json();
    let items = listed["items"].as_array().unwrap();
    assert_eq!(items.len(), 4);
    assert!(
        items
            .iter()
            .all(|m| m["provider_id"].as_str().unwrap().starts_with("SINK"))
    );

    // Three days on: the follow-ups, threaded under the first message.
    let later = sender_at(&app, 4, "w1");
    assert_eq!(round(&later).await.sent, 4);
    assert_eq!(round(&later).await.claimed, 0);
    let all = sink.messages();
    assert_eq!(all.len(), 8);
    let follow_up = all
        .iter()
        .skip(4)
        .find(|m| m.rcpt_to == ["p0@north.test"])
        .unwrap();
    assert_eq!(follow_up.header("In-Reply-To"), p0.header("Message-ID"));
    assert_eq!(follow_up.header("References"), p0.header("Message-ID"));
    assert!(follow_up.header("Subject").unwrap().starts_with("Re: "));
    let keys: HashSet<(Vec<String>, String)> = all
        .iter()
        .map(|m| (m.rcpt_to.clone(), m.header("Message-ID").unwrap()))
        .collect();
    assert_eq!(keys.len(), 8, "nothing was sent twice");

    let s = sequence(&app, &t, &seq).await;
    assert_eq!(s["status"], "completed", "{s}");
    assert_eq!(s["stats"]["sent"], 8);
    assert_eq!(s["stats"]["scheduled"], 0);
    let campaign = app
        .get(
            &format!(
                "/api/v1/marketing/campaigns/{}",
                s["campaign_id"].as_str().unwrap()
            ),
            &t.marketer.key,
        )
        .await
        .json();
    assert_eq!(campaign["status"], "completed");
    assert_eq!(campaign["rollup"]["sends"], 8, "{campaign}");
}

async fn inbound(app: &TestApp, key: &str, body: Value) -> Value {
    let r = app.post("/api/v1/marketing/inbound/email", key, body).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json()
}

async fn message_id_of(app: &TestApp, seq: &str, email: &str, step: i64) -> String {
    sqlx::query_scalar(
        "select m.message_id from sequence_messages m join contacts c on c.id = m.contact_id \
         where m.sequence_id = $1 and c.email = $2 and m.step_index = $3",
    )
    .bind(seq)
    .bind(email)
    .bind(step)
    .fetch_one(app.db().pool())
    .await
    .unwrap()
}

async fn replies_unsubscribes_and_bounces_stop_later_steps(app: TestApp) {
    let t = team(&app, "acme", 5).await;
    let sandbox = connector(
        &app,
        &t,
        json!({"kind": "sandbox", "name": "Sandbox", "settings": {}}),
    )
    .await;
    let seq = approved(&app, &t, &sandbox).await;
    assert_eq!(round(&sender_at(&app, 0, "w1")).await.sent, 5);
    let key = &t.marketer.key;

    // p0 answers: a reply, matched through References.
    let p0_first = message_id_of(&app, &seq, "p0@north.test", 0).await;
    let r = inbound(&app, key, json!({"from": "p0@north.test", "subject": "Re: hi",
        "references": format!("<{p0_first}>"), "text": "Sure, Tuesday?", "headers": {"Message-ID": "<r1@north.test>"}})).await;
    assert_eq!(
        (r["kind"].as_str(), r["matched"].as_bool()),
        (Some("reply"), Some(true)),
        "{r}"
    );
    assert_eq!(r["event"]["type"], "reply");
    // The webhook retries: counted once.
    let again = inbound(
        &app,
        key,
        json!({"from": "p0@north.test", "references": format!("<{p0_first}>"),
        "text": "Sure, Tuesday?", "headers": {"Message-ID": "<r1@north.test>"}}),
    )
    .await;
    assert_eq!(again["event"]["duplicate"], true, "{again}");
    // p1's out-of-office is not a reply.
    let p1_first = message_id_of(&app, &seq, "p1@north.test", 0).await;
    let ooo = inbound(
        &app,
        key,
        json!({"from": "p1@north.test", "in_reply_to": format!("<{p1_first}>"),
        "text": "I am away", "headers": {"Auto-Submitted": "auto-replied"}}),
    )
    .await;
    assert_eq!(ooo["kind"], "auto_reply");
    assert!(ooo["event"].is_null());
    // p2 leaves through the link in the mail.
    let raw: String =
        sqlx::query_scalar("select raw from sandbox_outbox where to_address = 'p2@north.test'")
            .fetch_one(app.db().pool())
            .await
            .unwrap();
    let p2: String = sqlx::query_scalar("select id from contacts where email = 'p2@north.test'")
        .fetch_one(app.db().pool())
        .await
        .unwrap();
    let token = app
        .ctx()
        .secrets
        .unsubscribe_key()
        .token(&p2.parse().unwrap(), &seq.parse().unwrap());
    assert!(
        raw.replace("\r\n ", " ")
            .contains(&format!("<http://127.0.0.1:3000/u/{token}>")),
        "{raw}"
    );
    let link = format!("/u/{token}");
    let r = app
        .send(
            axum::http::Request::builder()
                .method(Method::POST)
                .uri(&link)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(axum::body::Body::from("List-Unsubscribe=One-Click"))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // p3's mail bounced: a delivery report quoting the message.
    let p3_first = message_id_of(&app, &seq, "p3@north.test", 0).await;
    let b = inbound(
        &app,
        key,
        json!({"from": "MAILER-DAEMON@mx.north.test", "subject": "Undelivered",
        "text": format!("550 no such user\n\nMessage-ID: <{p3_first}>\n"),
        "headers": {"Content-Type": "multipart/report; report-type=delivery-status"}}),
    )
    .await;
    assert_eq!(b["kind"], "bounce", "{b}");
    assert_eq!(b["matched"], true);
    // Mail that answers nothing of ours changes nothing.
    let stray = inbound(
        &app,
        key,
        json!({"from": "x@y.test", "in_reply_to": "<other@elsewhere.test>"}),
    )
    .await;
    assert_eq!(stray["matched"], false);
    let bad = app
        .post(
            "/api/v1/marketing/inbound/email",
            key,
            json!({"from": "x@y.test"}),
        )
        .await;
    bad.assert_problem(422, "validation_failed");

    assert_eq!(
        round(&sender_at(&app, 4, "w1")).await.sent,
        2,
        "only p1 and p4 get step 2"
    );
    let rows = ledger(&app, &seq).await;
    assert_eq!(status_of(&rows, "p0@north.test", 1), "skipped");
    assert_eq!(status_of(&rows, "p1@north.test", 1), "sent");
    assert_eq!(status_of(&rows, "p2@north.test", 1), "skipped");
    assert_eq!(status_of(&rows, "p3@north.test", 1), "skipped");
    assert_eq!(status_of(&rows, "p4@north.test", 1), "sent");
    let reasons: Vec<String> = rows.iter().filter_map(|r| r.3.clone()).collect();
    assert!(
        reasons.iter().any(|e| e == "the contact replied"),
        "{reasons:?}"
    );
    assert!(reasons.iter().any(|e| e == "the contact unsubscribed"));
    assert!(reasons.iter().any(|e| e == "the address bounced"));
    let outbox = app
        .get(
            &format!("/api/v1/marketing/outbox?sequence_id={seq}&limit=200"),
            key,
        )
        .await
        .json();
    assert_eq!(outbox["items"].as_array().unwrap().len(), 7, "{outbox}");

    let s = sequence(&app, &t, &seq).await;
    let stats = &s["stats"];
    assert_eq!(
        (
            stats["replied"].as_i64(),
            stats["unsubscribed"].as_i64(),
            stats["bounced"].as_i64()
        ),
        (Some(1), Some(1), Some(1)),
        "{s}"
    );
    assert_eq!(stats["sent"], 7);
    assert_eq!(s["status"], "completed");
    let campaign = app
        .get(
            &format!(
                "/api/v1/marketing/campaigns/{}",
                s["campaign_id"].as_str().unwrap()
            ),
            key,
        )
        .await
        .json();
    assert_eq!(campaign["rollup"]["replies"], 1, "{campaign}");
    assert_eq!(campaign["rollup"]["sends"], 7);
}

async fn transient_failures_retry_and_permanent_ones_fail_with_the_reason(app: TestApp) {
    let sink = SmtpSink::start_with(Arc::new(|to: &str| match to {
        "p0@north.test" => Some("451 4.7.1 Greylisted, try later".into()),
        "p1@north.test" => Some("550 5.1.1 No such mailbox".into()),
        _ => None,
    }))
    .await;
    let t = team(&app, "acme", 3).await;
    let sender = smtp_connector(&app, &t, sink.port, json!({})).await;
    let seq = approved(&app, &t, &sender).await;
    let r = round(&sender_at(&app, 0, "w1")).await;
    assert_eq!((r.sent, r.retried, r.failed), (1, 1, 1), "{r:?}");
    let rows = ledger(&app, &seq).await;
    assert_eq!(status_of(&rows, "p0@north.test", 0), "scheduled");
    assert!(rows[0].3.as_deref().unwrap().contains("451"), "{rows:?}");
    assert_eq!(status_of(&rows, "p1@north.test", 0), "failed");
    let p1 = rows
        .iter()
        .find(|r| r.0 == "p1@north.test" && r.1 == 0)
        .unwrap();
    assert!(p1.3.as_deref().unwrap().contains("550"), "{p1:?}");
    assert!(
        !rows.iter().any(|r| r.0 == "p1@north.test" && r.1 == 1),
        "no follow-up to a failed first step: {rows:?}"
    );
    let progress = run_progress(&app, &t, &seq).await;
    assert_eq!(
        progress["steps"][1]["scheduled"], 2,
        "p0's and p2's follow-ups, not p1's: {progress}"
    );
    // The retry waits for its backoff; then keeps failing until the attempts run out.
    assert_eq!(round(&sender_at(&app, 0, "w1")).await.claimed, 0);
    let mut attempts = 1;
    for hours in 1..=10 {
        let r = round(&sender_at_hours(&app, hours, "w1")).await;
        attempts += r.claimed;
        if r.failed == 1 {
            break;
        }
    }
    assert_eq!(attempts as u32, tenex::domain::delivery::MAX_ATTEMPTS);
    let rows = ledger(&app, &seq).await;
    assert_eq!(status_of(&rows, "p0@north.test", 0), "failed");
    let listed = app
        .get(
            &format!("/api/v1/marketing/email-sequences/{seq}/messages?status=failed"),
            &t.marketer.key,
        )
        .await
        .json();
    assert_eq!(listed["items"].as_array().unwrap().len(), 2, "{listed}");
    assert_eq!(sink.count(), 1);

    // A server that is not there: connection refused is worth retrying.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let t2 = team(&app, "globex", 1).await;
    let gone = smtp_connector(&app, &t2, closed, json!({})).await;
    let seq2 = approved(&app, &t2, &gone).await;
    assert_eq!(round(&sender_at(&app, 0, "w1")).await.retried, 1);
    let rows = ledger(&app, &seq2).await;
    assert_eq!(rows[0].2, "scheduled");
    assert!(
        rows[0].3.as_deref().unwrap().starts_with("SMTP"),
        "{rows:?}"
    );
}

async fn pause_resume_and_cancel_act_before_the_next_message(app: TestApp) {
    let t = team(&app, "acme", 3).await;
    let sandbox = connector(
        &app,
        &t,
        json!({"kind": "sandbox", "name": "Sandbox", "settings": {}}),
    )
    .await;
    let seq = approved(&app, &t, &sandbox).await;
    let key = &t.marketer.key;
    let path = |what: &str| format!("/api/v1/marketing/email-sequences/{seq}/{what}");
    let r = app.post(&path("pause"), key, json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["status"], "paused");
    assert_eq!(
        round(&sender_at(&app, 0, "w1")).await.claimed,
        0,
        "nothing goes out while paused"
    );
    app.post(&path("pause"), key, json!({}))
        .await
        .assert_problem(409, "conflict");
    let r = app.post(&path("resume"), key, json!({})).await;
    assert_eq!(r.json()["status"], "active");
    app.post(&path("resume"), key, json!({}))
        .await
        .assert_problem(409, "conflict");
    assert_eq!(round(&sender_at(&app, 0, "w1")).await.sent, 3);
    let r = app.post(&path("cancel"), key, json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let s = r.json();
    assert_eq!(s["status"], "cancelled");
    assert_eq!(
        round(&sender_at(&app, 4, "w1")).await.claimed,
        0,
        "nothing after a cancel"
    );
    let rows = ledger(&app, &seq).await;
    assert!(
        rows.iter().filter(|r| r.1 == 1).all(|r| r.2 == "skipped"),
        "{rows:?}"
    );
    app.post(&path("cancel"), key, json!({}))
        .await
        .assert_problem(409, "conflict");
    // A viewer key cannot steer; an unknown sequence is 404.
    let viewer = app
        .member(
            "acme",
            "view@acme.test",
            Role::Viewer,
            Some(&["marketing:read"]),
        )
        .await;
    app.post(&path("pause"), &viewer.key, json!({}))
        .await
        .assert_problem(403, "forbidden_scope");
    app.post(
        "/api/v1/marketing/email-sequences/seq_01jd0000000000000000000000/pause",
        key,
        json!({}),
    )
    .await
    .assert_problem(404, "not_found");
    let log = app
        .get("/api/v1/admin/audit-log?limit=50", &t.admin.key)
        .await
        .json();
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    for a in [
        "email_sequence.paused",
        "email_sequence.resumed",
        "email_sequence.cancelled",
    ] {
        assert!(actions.contains(&a), "{actions:?}");
    }
}

async fn an_interrupted_send_is_uncertain_until_a_person_settles_it(app: TestApp) {
    let sink = SmtpSink::start().await;
    let t = team(&app, "acme", 2).await;
    let sender = smtp_connector(&app, &t, sink.port, json!({})).await;
    let seq = approved(&app, &t, &sender).await;
    // A worker died after committing `sending` for p0: its lease has run out.
    let p0 = message_id_of(&app, &seq, "p0@north.test", 0).await;
    sqlx::query("update sequence_messages set status = 'sending', attempts = 1, lease_until = $1 where message_id = $2")
        .bind("2000-01-01T00:00:00.000000Z")
        .bind(&p0)
        .execute(app.db().pool())
        .await
        .unwrap();
    let r = round(&sender_at(&app, 0, "w1")).await;
    assert_eq!((r.uncertain, r.sent), (1, 1), "{r:?}");
    assert_eq!(
        round(&sender_at(&app, 4, "w1")).await.sent,
        1,
        "p0's follow-up waits for a person"
    );
    assert_eq!(sink.count(), 2);
    let rows = ledger(&app, &seq).await;
    assert_eq!(status_of(&rows, "p0@north.test", 0), "uncertain");
    assert!(
        !rows.iter().any(|r| r.0 == "p0@north.test" && r.1 == 1),
        "p0's follow-up is not queued until a person settles the first step: {rows:?}"
    );
    let s = sequence(&app, &t, &seq).await;
    assert_eq!(s["stats"]["uncertain"], 1);
    assert_eq!(
        s["stats"]["scheduled"], 1,
        "p0's follow-up is still to come"
    );
    assert_eq!(
        s["status"], "active",
        "not complete while a message is uncertain"
    );

    let settle =
        |mid: &str| format!("/api/v1/marketing/email-sequences/{seq}/messages/{mid}/settle");
    let key = &t.marketer.key;
    let bad = app
        .post(&settle(&p0), key, json!({"action": "resend"}))
        .await;
    bad.assert_problem(422, "validation_failed");
    assert_eq!(bad.error_fields(), ["action"]);
    let p1 = message_id_of(&app, &seq, "p1@north.test", 0).await;
    app.post(
        &settle(&p1),
        &t.approver.key,
        json!({"action": "send_again"}),
    )
    .await
    .assert_problem(409, "conflict");
    app.post(&settle("nope@x.test"), key, json!({"action": "mark_sent"}))
        .await
        .assert_problem(404, "not_found");
    let r = app
        .post(
            &settle(&p0),
            &t.approver.key,
            json!({"action": "send_again"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["status"], "scheduled");
    assert_eq!(
        round(&sender_at(&app, 4, "w1")).await.sent,
        1,
        "p0's first step"
    );
    assert_eq!(
        round(&sender_at(&app, 4, "w1")).await.sent,
        1,
        "then its follow-up"
    );
    assert_eq!(sink.count(), 4);
    let s = sequence(&app, &t, &seq).await;
    assert_eq!(s["status"], "completed", "{s}");
}

async fn gmail_and_graph_receive_the_whole_message(app: TestApp) {
    use base64::Engine;
    use wiremock::matchers::{header, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    let google = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/gmail/v1/users/me/messages/send"))
        .and(header("authorization", "Bearer gmail-token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"id": "18c2f0a1b2", "threadId": "18c2f0a1b2"})),
        )
        .mount(&google)
        .await;
    let microsoft = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1.0/users/news@acme.test/sendMail"))
        .and(header("authorization", "Bearer graph-token"))
        .and(header("content-type", "text/plain"))
        .respond_with(ResponseTemplate::new(202))
        .mount(&microsoft)
        .await;

    let t = team(&app, "acme", 2).await;
    let gmail = connector(&app, &t, json!({"kind": "gmail", "name": "Gmail", "settings": {"sender": "news@acme.test", "base_url": google.uri()}, "secrets": {"access_token": "gmail-token"}})).await;
    let seq = approved(&app, &t, &gmail).await;
    assert_eq!(round(&sender_at(&app, 0, "w1")).await.sent, 2);
    let requests = google.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    for r in &requests {
        let body: Value = serde_json::from_slice(&r.body).unwrap();
        let raw = base64::engine::general_purpose::URL_SAFE
            .decode(body["raw"].as_str().unwrap())
            .unwrap();
        let text = String::from_utf8(raw).unwrap();
        assert!(text.contains(&format!("Message-ID: <{seq}.")), "{text}");
        assert!(text.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
        assert!(text.contains("From: ") && text.contains("news@acme.test"));
    }
    let listed = app
        .get(
            &format!("/api/v1/marketing/email-sequences/{seq}/messages"),
            &t.marketer.key,
        )
        .await
        .json();
    assert!(
        listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["provider_id"] == "18c2f0a1b2"),
        "{listed}"
    );

    let t2 = team(&app, "globex", 1).await;
    let outlook = connector(&app, &t2, json!({"kind": "outlook", "name": "Outlook", "settings": {"sender": "news@acme.test", "base_url": microsoft.uri()}, "secrets": {"access_token": "graph-token"}})).await;
    let seq2 = approved(&app, &t2, &outlook).await;
    assert_eq!(round(&sender_at(&app, 0, "w1")).await.sent, 1);
    let requests = microsoft.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    let mime = base64::engine::general_purpose::STANDARD
        .decode(&requests[0].body)
        .unwrap();
    let text = String::from_utf8(mime).unwrap();
    assert!(text.contains(&format!("Message-ID: <{seq2}.")), "{text}");
    assert!(text.contains("P0 Person\" <p0@north.test>"), "{text}");

    // A provider's 429 is retried later; a 400 is final, with its message.
    let flaky = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(429)
                .set_body_json(json!({"error": {"message": "Rate limit exceeded"}})),
        )
        .up_to_n_times(1)
        .mount(&flaky)
        .await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(json!({"error": {"message": "Invalid To header"}})),
        )
        .mount(&flaky)
        .await;
    let t3 = team(&app, "initech", 1).await;
    let g3 = connector(&app, &t3, json!({"kind": "gmail", "name": "Gmail", "settings": {"sender": "news@acme.test", "base_url": flaky.uri()}, "secrets": {"access_token": "t"}})).await;
    let seq3 = approved(&app, &t3, &g3).await;
    assert_eq!(round(&sender_at(&app, 0, "w1")).await.retried, 1);
    let rows = ledger(&app, &seq3).await;
    assert!(rows[0].3.as_deref().unwrap().contains("429"), "{rows:?}");
    assert_eq!(round(&sender_at(&app, 1, "w1")).await.failed, 1);
    let rows = ledger(&app, &seq3).await;
    assert_eq!(rows[0].2, "failed");
    assert!(
        rows[0].3.as_deref().unwrap().contains("Invalid To header"),
        "{rows:?}"
    );
}

async fn a_daily_cap_holds_the_rest_until_the_next_day(app: TestApp) {
    let sink = SmtpSink::start().await;
    let t = team(&app, "acme", 5).await;
    let sender = smtp_connector(&app, &t, sink.port, json!({"daily_cap": "2"})).await;
    let seq = approved(&app, &t, &sender).await;
    let r = round(&sender_at(&app, 0, "w1")).await;
    assert_eq!(r.sent, 2, "{r:?}");
    assert_eq!(
        round(&sender_at(&app, 0, "w1")).await.claimed,
        0,
        "the rest waits for tomorrow"
    );
    let waiting: Vec<String> = sqlx::query_scalar(
        "select scheduled_for from sequence_messages where sequence_id = $1 and step_index = 0 and status = 'scheduled'",
    )
    .bind(&seq)
    .fetch_all(app.db().pool())
    .await
    .unwrap();
    assert_eq!(waiting.len(), 3);
    assert!(
        waiting.iter().all(|w| w.ends_with("T00:00:00.000000Z")),
        "{waiting:?}"
    );
    // Turned back once the day was full, in the same wave as the two that went: no attempt
    // is counted and none stays claimed.
    let untouched = untouched_first_steps(&app, &seq).await;
    assert_eq!(untouched, 3);
    let counted: i64 = sqlx::query_scalar("select sends from campaigns where id = (select campaign_id from email_sequences where id = $1)")
        .bind(&seq)
        .fetch_one(app.db().pool())
        .await
        .unwrap();
    assert_eq!(counted, 2, "the campaign counts what went out");
    assert_eq!(round(&sender_at(&app, 1, "w1")).await.sent, 2);
    assert_eq!(sink.count(), 4);
}

async fn two_workers_never_send_the_same_message(app: TestApp) {
    let sink = SmtpSink::start().await;
    let t = team(&app, "acme", 150).await;
    let sender = smtp_connector(&app, &t, sink.port, json!({})).await;
    let seq = approved(&app, &t, &sender).await;
    let (a, b) = (
        sender_at(&app, 0, "worker-a"),
        sender_at(&app, 0, "worker-b"),
    );
    let run = |s: Sender| async move {
        let mut sent = 0;
        loop {
            let r = round(&s).await;
            sent += r.sent;
            if r.claimed == 0 {
                return sent;
            }
        }
    };
    let (sa, sb) = tokio::join!(run(a), run(b));
    assert_eq!(sa + sb, 150, "{sa} + {sb}");
    let ids: Vec<String> = sink
        .messages()
        .iter()
        .map(|m| m.header("Message-ID").unwrap())
        .collect();
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(
        (ids.len(), unique.len()),
        (150, 150),
        "no message went out twice"
    );
    let rows = ledger(&app, &seq).await;
    assert_eq!(
        rows.iter().filter(|r| r.1 == 0 && r.2 == "sent").count(),
        150
    );
}

async fn events_are_validated_and_counted_once(app: TestApp) {
    let t = team(&app, "acme", 2).await;
    let sandbox = connector(
        &app,
        &t,
        json!({"kind": "sandbox", "name": "Sandbox", "settings": {}}),
    )
    .await;
    let seq = approved(&app, &t, &sandbox).await;
    round(&sender_at(&app, 0, "w1")).await;
    let key = &t.marketer.key;
    let bad = app
        .post(
            "/api/v1/marketing/events",
            key,
            json!({"type": "purchase", "value_usd": -3}),
        )
        .await;
    bad.assert_problem(422, "validation_failed");
    let fields = bad.error_fields();
    for f in ["id", "type", "contact_id", "value_usd"] {
        assert!(fields.iter().any(|x| x == f), "{f} in {fields:?}");
    }
    app.post(
        "/api/v1/marketing/events",
        key,
        json!({"id": "c0", "type": "conversion", "email": "nobody@x.test"}),
    )
    .await
    .assert_problem(422, "validation_failed");
    // A conversion without a campaign counts for the contact's latest touch.
    let r = app
        .post("/api/v1/marketing/events", key, json!({"id": "c1", "type": "conversion", "email": "p0@north.test", "value_usd": 1200.5}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let e = r.json();
    assert!(e["id"].as_str().unwrap().starts_with("evt_"));
    assert_eq!(e["sequence_id"], seq.as_str());
    assert_eq!(e["value_usd"], 1200.5);
    let again = app
        .post("/api/v1/marketing/events", key, json!({"id": "c1", "type": "conversion", "email": "p0@north.test", "value_usd": 1200.5}))
        .await;
    assert_eq!(again.status, 200);
    assert_eq!(again.json()["duplicate"], true);
    assert_eq!(again.json()["id"], e["id"]);
    // An unsubscribe by API stops p1's next step.
    let r = app
        .post(
            "/api/v1/marketing/events",
            key,
            json!({"id": "u1", "type": "unsubscribe", "email": "p1@north.test"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(round(&sender_at(&app, 4, "w1")).await.sent, 1);
    let campaign = app
        .get(
            &format!(
                "/api/v1/marketing/campaigns/{}",
                e["campaign_id"].as_str().unwrap()
            ),
            key,
        )
        .await
        .json();
    assert_eq!(campaign["rollup"]["conversions"], 1, "{campaign}");
    assert_eq!(campaign["rollup"]["sends"], 3);
    let viewer = app
        .member(
            "acme",
            "view@acme.test",
            Role::Viewer,
            Some(&["marketing:read"]),
        )
        .await;
    app.post(
        "/api/v1/marketing/events",
        &viewer.key,
        json!({"id": "v", "type": "reply", "email": "p0@north.test"}),
    )
    .await
    .assert_problem(403, "forbidden_scope");
}

async fn a_stopping_worker_gives_back_what_it_started_and_did_not_hand_over(app: TestApp) {
    const RECIPIENTS: usize = 60;
    // The worker is asked to stop while the sixth message is being handed over: by then a
    // chunk is committed `sending` ahead of its calls.
    let stopping = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let seen = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (flag, count) = (stopping.clone(), seen.clone());
    let sink = SmtpSink::start_with(Arc::new(move |_| {
        if count.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1 == 6 {
            flag.store(true, std::sync::atomic::Ordering::SeqCst);
        }
        None
    }))
    .await;
    let t = team(&app, "acme", RECIPIENTS).await;
    let sender = smtp_connector(&app, &t, sink.port, json!({})).await;
    let seq = approved(&app, &t, &sender).await;

    let r = sender_at(&app, 0, "w1")
        .round(&stopping)
        .await
        .expect("a round runs");
    let delivered = sink.count();
    assert!(
        (6..RECIPIENTS).contains(&delivered),
        "the calls in flight end, no more begin: {delivered} {r:?}"
    );
    assert_eq!((r.sent, r.uncertain), (delivered, 0), "{r:?}");
    assert_eq!(r.sent + r.skipped, r.claimed, "{r:?}");
    let step_one = |status: &'static str| {
        let (app, seq) = (&app, &seq);
        async move {
            let n: i64 = sqlx::query_scalar(
                "select count(*) from sequence_messages where sequence_id = $1 and step_index = 0 and status = $2",
            )
            .bind(seq)
            .bind(status)
            .fetch_one(app.db().pool())
            .await
            .unwrap();
            n as usize
        }
    };
    assert_eq!(step_one("sent").await, delivered);
    assert_eq!(step_one("sending").await, 0, "nothing is left mid-send");
    // What was started and not handed over is as if never started: no attempt counted, not
    // claimed, and the sender's day counts only the calls made.
    let untouched = untouched_first_steps(&app, &seq).await;
    assert_eq!(untouched as usize, RECIPIENTS - delivered);
    let counted = day_count(&app, &sender).await;
    assert_eq!(counted as usize, delivered, "the day counts the calls made");

    // The next worker sends the rest, each once.
    let r = round(&sender_at(&app, 0, "w2")).await;
    assert_eq!(r.sent, RECIPIENTS - delivered, "{r:?}");
    let to: HashSet<String> = sink
        .messages()
        .iter()
        .filter_map(|m| m.header("To"))
        .collect();
    assert_eq!((sink.count(), to.len()), (RECIPIENTS, RECIPIENTS));
}

/// The machine's time plus seconds a test moves on at will.
struct Jumping(Arc<std::sync::atomic::AtomicI64>);

impl tenex::domain::time::Clock for Jumping {
    fn now(&self) -> tenex::domain::time::Timestamp {
        let ahead = self.0.load(std::sync::atomic::Ordering::SeqCst);
        tenex::domain::time::SystemClock
            .now()
            .plus(time::Duration::seconds(ahead))
    }
}

async fn a_started_message_is_not_called_once_its_lease_cannot_cover_the_call(app: TestApp) {
    const RECIPIENTS: usize = 20;
    // While the third message is handed over, the clock runs past the leases taken when
    // the chunk was committed `sending`: as with a slow sender, a call begun now could
    // outlive the lease, so the rest of the chunk must not be called.
    let ahead = Arc::new(std::sync::atomic::AtomicI64::new(0));
    let (jump, seen) = (
        ahead.clone(),
        Arc::new(std::sync::atomic::AtomicUsize::new(0)),
    );
    let sink = SmtpSink::start_with(Arc::new(move |_| {
        if seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1 == 3 {
            jump.store(110, std::sync::atomic::Ordering::SeqCst);
        }
        None
    }))
    .await;
    let t = team(&app, "acme", RECIPIENTS).await;
    let sender = smtp_connector(&app, &t, sink.port, json!({})).await;
    let seq = approved(&app, &t, &sender).await;
    let ctx = tenex::server::services::Context {
        clock: Arc::new(Jumping(ahead.clone())),
        ..app.ctx().clone()
    };
    let settings = tenex::server::services::sending::SendSettings {
        rate_per_second: 10_000,
        ..Default::default()
    };
    let r = round(&Sender::new(ctx, settings, "w1")).await;
    let delivered = sink.count();
    assert!(
        (3..RECIPIENTS).contains(&delivered),
        "the calls in flight end, no more begin: {delivered} {r:?}"
    );
    assert_eq!((r.sent, r.uncertain), (delivered, 0), "{r:?}");
    let (sending, untouched): (i64, i64) = sqlx::query_as(
        "select cast(sum(case when status = 'sending' then 1 else 0 end) as bigint), \
         cast(sum(case when status = 'scheduled' and attempts = 0 and claimed_by is null then 1 else 0 end) as bigint) \
         from sequence_messages where sequence_id = $1 and step_index = 0",
    )
    .bind(&seq)
    .fetch_one(app.db().pool())
    .await
    .unwrap();
    assert_eq!(sending, 0, "nothing is left mid-send");
    assert_eq!(
        untouched as usize,
        RECIPIENTS - delivered,
        "given back as never started"
    );

    let r = round(&sender_at(&app, 0, "w2")).await;
    assert_eq!(r.sent, RECIPIENTS - delivered, "{r:?}");
    assert_eq!(sink.count(), RECIPIENTS, "each message once");
}

async fn a_chunk_is_started_through_the_ledger_key_right_after_approval(app: TestApp) {
    use tenex::server::db::Backend;
    let sink = SmtpSink::start().await;
    let t = team(&app, "acme", 400).await;
    let sender = smtp_connector(&app, &t, sink.port, json!({})).await;
    let seq = approved(&app, &t, &sender).await;
    let ids: Vec<String> = sqlx::query_scalar(
        "select message_id from sequence_messages where sequence_id = $1 and step_index = 0 \
         order by message_id limit 32",
    )
    .bind(&seq)
    .fetch_all(app.db().pool())
    .await
    .unwrap();
    let backend = app.db().backend();
    let sql = tenex::server::db::messages::start_sending_sql(backend, ids.len());
    let (explain, column, key) = match backend {
        Backend::Sqlite => (
            format!("explain query plan {sql}"),
            "detail",
            "sqlite_autoindex_sequence_messages_1",
        ),
        Backend::Postgres => (
            format!("explain {sql}"),
            "QUERY PLAN",
            "sequence_messages_pkey",
        ),
    };
    let mut query = sqlx::query(&explain)
        .bind("2099-01-01T00:00:00.000000Z")
        .bind("2026-01-01T00:00:00.000000Z")
        .bind("w1")
        .bind("hash");
    for id in &ids {
        query = query.bind(id.as_str());
    }
    let rows = query.fetch_all(app.db().pool()).await.unwrap();
    let plan: Vec<String> = rows
        .iter()
        .map(|r| sqlx::Row::get::<String, _>(r, column))
        .collect();
    let plan = plan.join(" | ");
    // Through the run's status index, each chunk would read the whole run (PostgreSQL did,
    // from fresh rows without planner statistics, until the approval refreshed them).
    assert!(plan.contains(key), "{plan}");
    assert!(!plan.contains("sequence_messages_by_status"), "{plan}");
}
