//! What was approved is exactly what goes out: the recipients' addresses and data and the
//! sender's identity are pinned at approval, the audience approved is the audience the
//! preview showed, suppressed addresses stay suppressed, warnings are acknowledged, and
//! nothing goes out outside the send window.

use axum::http::Method;
use serde_json::{Value, json};
use tenex::domain::actor::Role;

use crate::on_both_databases;
use crate::smtp_sink::SmtpSink;
use crate::support::TestApp;
use crate::world::{Team, connector, id, round, sender_at, smtp_connector, team};

on_both_databases!(
    a_contact_or_sender_edited_after_approval_changes_neither_address_nor_text,
    members_added_after_the_preview_are_refused_until_the_preview_is_refreshed,
    a_suppressed_address_stays_suppressed_after_the_contact_is_deleted_and_reimported,
    the_suppression_list_is_searched_added_to_and_only_admins_remove_from_it,
    warnings_must_be_acknowledged_to_approve,
    preview_and_approve_check_every_permission_before_writing,
    a_message_due_outside_the_send_window_waits_for_it,
);

async fn contact_id(app: &TestApp, email: &str) -> String {
    sqlx::query_scalar("select id from contacts where email = $1")
        .bind(email)
        .fetch_one(app.db().pool())
        .await
        .unwrap()
}

async fn enrolled(app: &TestApp, seq: &str) -> i64 {
    sqlx::query_scalar("select count(*) from enrollments where sequence_id = $1")
        .bind(seq)
        .fetch_one(app.db().pool())
        .await
        .unwrap()
}

async fn preview(app: &TestApp, t: &Team, segment: &str, sender: &str, n: usize) -> Value {
    let cadence: Vec<usize> = (0..n).map(|i| i * 3).collect();
    let r = app
        .post(
            "/api/v1/marketing/email-sequences/preview",
            &t.marketer.key,
            json!({"segment_id": segment, "brand_id": t.brand, "sender_connector_id": sender,
                   "objective": "book a demo", "num_emails": n, "cadence_days": cadence}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.json()
}

async fn edit_step(app: &TestApp, t: &Team, seq: &str, version: i64, subject: &str, body: &str) {
    let r = app
        .api(
            Method::PATCH,
            &format!("/api/v1/marketing/email-sequences/{seq}"),
            Some(&t.marketer.key),
            Some(json!({"version": version, "steps": [{"index": 0, "subject": subject, "body": body}]})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

async fn approve(app: &TestApp, t: &Team, seq: &str, body: Value) -> crate::support::TestResponse {
    app.post(
        &format!("/api/v1/marketing/email-sequences/{seq}/approve"),
        &t.approver.key,
        body,
    )
    .await
}

async fn patch_contact(app: &TestApp, t: &Team, email: &str, body: Value) {
    let cid = contact_id(app, email).await;
    let path = format!("/api/v1/crm/contacts/{cid}");
    let version = app.get(&path, &t.admin.key).await.json()["version"].clone();
    let mut body = body;
    body["version"] = version;
    let r = app
        .api(Method::PATCH, &path, Some(&t.admin.key), Some(body))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

async fn a_contact_or_sender_edited_after_approval_changes_neither_address_nor_text(app: TestApp) {
    let sink = SmtpSink::start().await;
    let t = team(&app, "acme", 2).await;
    let r = crate::crm::import(&app, &t.admin.key, "email,plan\np0@north.test,Gold\n").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let sender = smtp_connector(&app, &t, sink.port, json!({})).await;
    let p = preview(&app, &t, &t.segment, &sender, 1).await;
    let seq = p["sequence"]["id"].as_str().unwrap().to_owned();
    edit_step(
        &app,
        &t,
        &seq,
        1,
        "For {{ first_name }}",
        "Hello {{ first_name }}, your plan: {{ plan | default(\"none\") }}.",
    )
    .await;
    let r = approve(&app, &t, &seq, json!({"version": 2})).await;
    assert_eq!(r.status, 200, "{}", r.text);

    // After approval, a crm:write key redirects the contact and rewrites what the template
    // reads; an admin renames the sender.
    patch_contact(
        &app,
        &t,
        "p0@north.test",
        json!({"email": "mallory@evil.test", "first_name": "Mallory", "custom_fields": {"plan": "Pwned"}}),
    )
    .await;
    let path = format!("/api/v1/connectors/{sender}");
    let version = app.get(&path, &t.admin.key).await.json()["version"].clone();
    let r = app
        .api(
            Method::PATCH,
            &path,
            Some(&t.admin.key),
            Some(json!({"version": version, "settings": {"from_name": "Mallory Corp", "from_address": "boss@evil.test"}})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);

    assert_eq!(round(&sender_at(&app, 0, "w1")).await.sent, 2);
    let mail = sink.messages();
    let to_p0 = mail
        .iter()
        .find(|m| m.rcpt_to == ["p0@north.test"])
        .unwrap_or_else(|| panic!("p0's approved address got nothing: {mail:?}"));
    assert!(
        mail.iter()
            .all(|m| !m.rcpt_to.iter().any(|r| r.contains("evil")))
    );
    let body = to_p0.body();
    assert!(body.contains("Hello P0, your plan: Gold."), "{body}");
    assert!(!to_p0.data.contains("Mallory") && !to_p0.data.contains("Pwned"));
    let from = to_p0.header("From").unwrap();
    assert!(
        from.contains("Ada") && from.contains("ada@tenex-freight.test"),
        "{from}"
    );
    assert_eq!(to_p0.mail_from, "ada@tenex-freight.test");
}

async fn members_added_after_the_preview_are_refused_until_the_preview_is_refreshed(app: TestApp) {
    let t = team(&app, "acme", 4).await;
    let sandbox = connector(&app, &t, json!({"kind": "sandbox", "name": "Sandbox mail"})).await;
    let p0 = contact_id(&app, "p0@north.test").await;
    let segment = app
        .post(
            "/api/v1/crm/segments",
            &t.admin.key,
            json!({"name": "VIP", "kind": "static", "contact_ids": [p0]}),
        )
        .await;
    assert_eq!(segment.status, 201, "{}", segment.text);
    let segment = id(&segment.json());
    let p = preview(&app, &t, &segment, &sandbox, 1).await;
    assert_eq!(p["preview"]["recipients"], 1);
    assert_eq!(p["approval"]["audience_recipients"], 1);
    let seq = p["sequence"]["id"].as_str().unwrap().to_owned();

    // Someone adds members after the approver was shown one recipient.
    let mut others = Vec::new();
    for e in ["p1@north.test", "p2@north.test", "p3@north.test"] {
        others.push(contact_id(&app, e).await);
    }
    let r = app
        .post(
            &format!("/api/v1/crm/segments/{segment}/members"),
            &t.admin.key,
            json!({"contact_ids": others}),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    let refused = approve(&app, &t, &seq, json!({})).await;
    let body = refused.assert_problem(409, "audience_changed");
    assert_eq!(body["previewed_recipients"], 1);
    assert_eq!(body["current_recipients"], 4);
    assert_eq!(enrolled(&app, &seq).await, 0, "nothing enrolled");
    let s = app
        .get(
            &format!("/api/v1/marketing/email-sequences/{seq}"),
            &t.marketer.key,
        )
        .await
        .json();
    assert_eq!(s["status"], "pending_approval");

    // The console page says so too.
    let cookie = app
        .log_in("appr@acme.test", crate::support::PASSWORD)
        .await
        .unwrap();
    let page = app
        .page(&format!("/email/sequences/{seq}"), Some(&cookie))
        .await;
    assert!(
        page.text
            .contains("The audience changed since this preview"),
        "{}",
        page.text
    );

    // Refreshing shows the audience as it is now, under a new version.
    let r = app
        .post(
            &format!("/api/v1/marketing/email-sequences/{seq}/refresh-preview"),
            &t.marketer.key,
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let refreshed = r.json();
    assert_eq!(refreshed["preview"]["recipients"], 4);
    assert_eq!(refreshed["approval"]["audience_recipients"], 4);
    assert_eq!(refreshed["sequence"]["version"], 2);
    approve(&app, &t, &seq, json!({"version": 1}))
        .await
        .assert_problem(409, "conflict");

    // An address changed since the refresh is another audience, even at the same count.
    patch_contact(
        &app,
        &t,
        "p3@north.test",
        json!({"email": "p3-new@north.test"}),
    )
    .await;
    let body = approve(&app, &t, &seq, json!({"version": 2}))
        .await
        .assert_problem(409, "audience_changed");
    assert_eq!(
        (
            body["previewed_recipients"].as_i64(),
            body["current_recipients"].as_i64()
        ),
        (Some(4), Some(4))
    );
    let r = app
        .post(
            &format!("/api/v1/marketing/email-sequences/{seq}/refresh-preview"),
            &t.marketer.key,
            json!({"version": 2}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = approve(&app, &t, &seq, json!({"version": 3})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["stats"]["enrolled"], 4);
}

async fn suppressions(app: &TestApp, key: &str, q: &str) -> Vec<String> {
    app.get(&format!("/api/v1/marketing/suppressions?q={q}"), key)
        .await
        .json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            format!(
                "{} {}",
                s["email"].as_str().unwrap(),
                s["reason"].as_str().unwrap()
            )
        })
        .collect()
}

async fn a_suppressed_address_stays_suppressed_after_the_contact_is_deleted_and_reimported(
    app: TestApp,
) {
    let t = team(&app, "acme", 2).await;
    let sandbox = connector(&app, &t, json!({"kind": "sandbox", "name": "Sandbox mail"})).await;
    let r = app
        .post(
            "/api/v1/marketing/events",
            &t.marketer.key,
            json!({"id": "u1", "type": "unsubscribe", "email": "p0@north.test"}),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    assert_eq!(
        suppressions(&app, &t.marketer.key, "").await,
        ["p0@north.test unsubscribe"]
    );

    let cid = contact_id(&app, "p0@north.test").await;
    let r = app
        .api(
            Method::DELETE,
            &format!("/api/v1/crm/contacts/{cid}"),
            Some(&t.admin.key),
            None,
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    let r = crate::crm::import(
        &app,
        &t.admin.key,
        "email,first_name\nP0@North.test,Again\n",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let created = app
        .post(
            "/api/v1/crm/contacts",
            &t.admin.key,
            json!({"email": "p9@north.test"}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);

    // Re-imported, the address is back in the CRM but not in the audience.
    let p = preview(&app, &t, &t.segment, &sandbox, 1).await;
    assert_eq!(
        p["preview"]["recipients"], 2,
        "p1 and p9, never p0: {}",
        p["preview"]
    );
    let seq = p["sequence"]["id"].as_str().unwrap().to_owned();

    // Suppressed after approval: the worker does not send to it.
    let r = approve(&app, &t, &seq, json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app
        .post(
            "/api/v1/marketing/suppressions",
            &t.marketer.key,
            json!({"email": "p9@north.test", "reason": "complaint"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let done = round(&sender_at(&app, 0, "w1")).await;
    assert_eq!((done.sent, done.skipped), (1, 1), "{done:?}");
    let skipped: Option<String> = sqlx::query_scalar(
        "select m.error from sequence_messages m join enrollments e on e.sequence_id = m.sequence_id \
         and e.contact_id = m.contact_id where m.sequence_id = $1 and e.email = 'p9@north.test'",
    )
    .bind(&seq)
    .fetch_one(app.db().pool())
    .await
    .unwrap();
    assert!(skipped.unwrap().contains("suppression list"));
    let outbox = app
        .get("/api/v1/marketing/outbox", &t.marketer.key)
        .await
        .json();
    let to: Vec<&str> = outbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["to"].as_str().unwrap())
        .collect();
    assert_eq!(to, ["p1@north.test"]);
}

async fn the_suppression_list_is_searched_added_to_and_only_admins_remove_from_it(app: TestApp) {
    let t = team(&app, "acme", 1).await;
    let key = &t.marketer.key;
    let added = app
        .post(
            "/api/v1/marketing/suppressions",
            key,
            json!({"email": " Ann@Example.COM ", "reason": "complaint", "note": "called us"}),
        )
        .await;
    assert_eq!(added.status, 201, "{}", added.text);
    assert_eq!(added.json()["email"], "ann@example.com");
    let again = app
        .post(
            "/api/v1/marketing/suppressions",
            key,
            json!({"email": "ann@example.com"}),
        )
        .await;
    assert_eq!(again.status, 200, "already there: {}", again.text);
    assert_eq!(
        again.json()["reason"],
        "complaint",
        "the first reason stays"
    );
    let bad = app
        .post(
            "/api/v1/marketing/suppressions",
            key,
            json!({"email": "nope", "reason": "bored"}),
        )
        .await;
    bad.assert_problem(422, "validation_failed");
    assert_eq!(bad.error_fields(), ["email", "reason"]);
    app.post(
        "/api/v1/marketing/suppressions",
        key,
        json!({"email": "bob@example.com"}),
    )
    .await;
    assert_eq!(
        suppressions(&app, key, "ann").await,
        ["ann@example.com complaint"]
    );
    assert_eq!(suppressions(&app, key, "").await.len(), 2);
    let other = team(&app, "globex", 1).await;
    assert!(
        suppressions(&app, &other.marketer.key, "").await.is_empty(),
        "per workspace"
    );

    let path = "/api/v1/marketing/suppressions/ann@example.com";
    app.api(Method::DELETE, path, Some(key), None)
        .await
        .assert_problem(403, "forbidden_scope");
    app.api(Method::DELETE, path, Some(&other.admin.key), None)
        .await
        .assert_problem(404, "not_found");
    let r = app
        .api(Method::DELETE, path, Some(&t.admin.key), None)
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    app.api(Method::DELETE, path, Some(&t.admin.key), None)
        .await
        .assert_problem(404, "not_found");
    assert_eq!(
        suppressions(&app, key, "").await,
        ["bob@example.com manual"]
    );
    let audit = app
        .get("/api/v1/admin/audit-log", &t.admin.key)
        .await
        .json();
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"suppression.removed") && actions.contains(&"suppression.added"),
        "{actions:?}"
    );
}

async fn warnings_must_be_acknowledged_to_approve(app: TestApp) {
    let t = team(&app, "acme", 2).await;
    let r = crate::crm::import(
        &app,
        &t.admin.key,
        "email,company\nnoname@north.test,Initech\n",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let sandbox = connector(&app, &t, json!({"kind": "sandbox", "name": "Sandbox mail"})).await;
    let p = preview(&app, &t, &t.segment, &sandbox, 2).await;
    let codes: Vec<&str> = p["preview"]["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["code"].as_str().unwrap())
        .collect();
    assert!(
        !codes.contains(&"missing_variable"),
        "generated copy has fallbacks: {codes:?}"
    );
    let seq = p["sequence"]["id"].as_str().unwrap().to_owned();
    edit_step(&app, &t, &seq, 1, "Hi {{ first_name }}", "Plain body").await;

    let refused = approve(&app, &t, &seq, json!({"version": 2})).await;
    refused.assert_problem(422, "validation_failed");
    assert_eq!(refused.error_fields(), ["acknowledge_warnings"]);
    assert_eq!(enrolled(&app, &seq).await, 0, "nothing enrolled");
    let r = approve(
        &app,
        &t,
        &seq,
        json!({"version": 2, "acknowledge_warnings": true}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["stats"]["enrolled"], 3);
}

async fn preview_and_approve_check_every_permission_before_writing(app: TestApp) {
    let t = team(&app, "acme", 1).await;
    let sandbox = connector(&app, &t, json!({"kind": "sandbox", "name": "Sandbox mail"})).await;
    let write_only = app
        .member(
            "acme",
            "w@acme.test",
            Role::Marketer,
            Some(&["marketing:write"]),
        )
        .await;
    let body = json!({"segment_id": t.segment, "brand_id": t.brand, "sender_connector_id": sandbox,
                      "objective": "book a demo", "num_emails": 1, "cadence_days": [0]});
    app.post(
        "/api/v1/marketing/email-sequences/preview",
        &write_only.key,
        body,
    )
    .await
    .assert_problem(403, "forbidden_scope");
    let stored: i64 = sqlx::query_scalar("select count(*) from email_sequences")
        .fetch_one(app.db().pool())
        .await
        .unwrap();
    assert_eq!(stored, 0, "nothing was created");

    let p = preview(&app, &t, &t.segment, &sandbox, 1).await;
    let seq = p["sequence"]["id"].as_str().unwrap().to_owned();
    let blind = app
        .member(
            "acme",
            "b@acme.test",
            Role::Approver,
            Some(&["marketing:approve", "marketing:write"]),
        )
        .await;
    app.post(
        &format!("/api/v1/marketing/email-sequences/{seq}/approve"),
        &blind.key,
        json!({}),
    )
    .await
    .assert_problem(403, "forbidden_scope");
    assert_eq!(enrolled(&app, &seq).await, 0);
    let s = app
        .get(
            &format!("/api/v1/marketing/email-sequences/{seq}"),
            &t.marketer.key,
        )
        .await
        .json();
    assert_eq!(s["status"], "pending_approval");
}

async fn a_message_due_outside_the_send_window_waits_for_it(app: TestApp) {
    let sink = SmtpSink::start().await;
    let t = team(&app, "acme", 1).await;
    let sender = smtp_connector(&app, &t, sink.port, json!({})).await;
    let hour = time::OffsetDateTime::now_utc().hour();
    // A window that is closed for the next hour or more, every day.
    let (start, end) = if hour < 11 { (13, 24) } else { (1, 9) };
    let r = app
        .post(
            "/api/v1/marketing/email-sequences/preview",
            &t.marketer.key,
            json!({"segment_id": t.segment, "brand_id": t.brand, "sender_connector_id": sender,
                   "objective": "book a demo", "num_emails": 1, "cadence_days": [0],
                   "send_window": {"days": ["mon","tue","wed","thu","fri","sat","sun"], "start_hour": start, "end_hour": end, "timezone": "UTC"}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let seq = r.json()["sequence"]["id"].as_str().unwrap().to_owned();
    let r = approve(&app, &t, &seq, json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let opens: String =
        sqlx::query_scalar("select scheduled_for from sequence_messages where sequence_id = $1")
            .bind(&seq)
            .fetch_one(app.db().pool())
            .await
            .unwrap();
    // A resume, a retry or a send-again makes it due now, at night.
    sqlx::query("update sequence_messages set scheduled_for = $1 where sequence_id = $2")
        .bind("2000-01-01T00:00:00.000000Z")
        .bind(&seq)
        .execute(app.db().pool())
        .await
        .unwrap();
    let done = round(&sender_at(&app, 0, "w1")).await;
    assert_eq!(done.sent, 0, "{done:?}");
    assert_eq!(sink.count(), 0);
    let due: String =
        sqlx::query_scalar("select scheduled_for from sequence_messages where sequence_id = $1")
            .bind(&seq)
            .fetch_one(app.db().pool())
            .await
            .unwrap();
    assert_eq!(due, opens, "it waits for the window to open");
}
