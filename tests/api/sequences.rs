//! Email sequence previews and the approval gate, through the JSON API and the console's
//! server functions, on both databases.

use axum::http::Method;
use serde_json::{Value, json};
use tenex::domain::actor::Role;

use crate::fake_smtp::FakeSmtp;
use crate::on_both_databases;
use crate::support::{ORIGIN, PASSWORD, TestApp};
use crate::world::{World, id, world};

on_both_databases!(
    a_preview_creates_a_pending_sequence_campaign_and_approval,
    preview_validation_names_each_bad_field_and_creates_nothing,
    ids_from_another_workspace_are_422_in_bodies_and_404_in_paths,
    a_preview_and_an_approval_never_talk_to_the_sender,
    only_an_approver_or_an_approve_key_can_approve,
    the_inbox_route_decides_a_sequence_by_the_sequences_own_rules,
    a_marketer_cannot_approve_through_the_server_function,
    the_console_form_is_refused_like_the_json_route_and_ids_are_typed,
    an_edit_reopens_the_approval_for_the_new_content,
    a_decision_is_made_once_and_a_rejection_is_final,
    one_contact_is_rendered_with_their_own_warnings,
    warnings_cover_forbidden_words_length_and_an_unhealthy_sender,
    sequences_and_approvals_list_with_filters,
    the_pages_show_the_gate_to_each_role,
    a_decision_is_bound_to_the_content_the_approver_saw,
    objectives_with_template_syntax_stay_literal,
    a_signed_link_unsubscribes_without_login_and_ends_the_enrollment,
);

fn preview_body(w: &World) -> Value {
    json!({"segment_id": w.segment, "brand_id": w.brand, "sender_connector_id": w.sender, "objective": "book a demo"})
}

async fn preview(app: &TestApp, w: &World) -> Value {
    let r = app
        .post(
            "/api/v1/marketing/email-sequences/preview",
            &w.marketer.key,
            preview_body(w),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.json()
}

fn codes(warnings: &Value) -> Vec<String> {
    warnings
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["code"].as_str().unwrap().to_owned())
        .collect()
}

async fn a_preview_creates_a_pending_sequence_campaign_and_approval(app: TestApp) {
    let w = world(&app, "acme").await;
    let p = preview(&app, &w).await;
    let seq = &p["sequence"];
    assert_eq!(seq["status"], "pending_approval");
    assert_eq!(seq["version"], 1);
    assert_eq!(seq["cadence_days"], json!([0, 3, 7]));
    assert_eq!(seq["steps"].as_array().unwrap().len(), 3);
    assert_eq!(seq["name"], "Email: Book a demo");
    assert_eq!(p["campaign"]["channel"], "email");
    assert_eq!(p["campaign"]["status"], "pending_approval");
    assert_eq!(
        p["campaign"]["artifact"],
        json!({"type": "email_sequence", "id": seq["id"]})
    );
    assert_eq!(p["approval"]["status"], "pending");
    assert_eq!(p["approval"]["subject_type"], "email_sequence");
    assert_eq!(p["approval"]["subject_id"], seq["id"]);
    assert_eq!(p["approval"]["content_hash"], seq["content_hash"]);
    assert_eq!(p["approval"]["requested_by"]["type"], "key");
    assert_eq!(p["approval"]["requested_by"]["email"], "mark@acme.test");
    // Six contacts: one unsubscribed and one bounced are left out.
    assert_eq!(p["preview"]["recipients"], 4);
    let samples = p["preview"]["samples"].as_array().unwrap();
    assert!(samples.len() >= 4);
    let ana = samples
        .iter()
        .find(|s| s["email"] == "ana@north.test")
        .unwrap();
    assert!(
        ana["steps"][0]["body"]
            .as_str()
            .unwrap()
            .starts_with("Hey Ana!"),
        "{ana}"
    );
    assert!(
        ana["steps"][0]["body"]
            .as_str()
            .unwrap()
            .contains("Tenex Freight moves pallets")
    );
    let bo = samples
        .iter()
        .find(|s| s["email"] == "bo@north.test")
        .unwrap();
    // Generated copy gives every contact variable a fallback: Bo, without a first name, is
    // greeted all the same and nothing warns.
    assert_eq!(codes(&bo["warnings"]), Vec::<String>::new());
    assert!(
        bo["steps"][0]["body"]
            .as_str()
            .unwrap()
            .starts_with("Hey there!"),
        "{bo}"
    );
    let warnings = &p["preview"]["warnings"];
    assert_eq!(codes(warnings), Vec::<String>::new(), "{warnings}");
    // The copy never says what the brand never says.
    assert!(!p.to_string().to_lowercase().contains("cheapest"));
    let fetched = app
        .get(
            &format!(
                "/api/v1/marketing/email-sequences/{}",
                seq["id"].as_str().unwrap()
            ),
            &w.marketer.key,
        )
        .await
        .json();
    assert_eq!(fetched["steps"], seq["steps"]);
    assert_eq!(fetched["stats"]["enrolled"], 0);
}

async fn preview_validation_names_each_bad_field_and_creates_nothing(app: TestApp) {
    let w = world(&app, "acme").await;
    let base = preview_body(&w);
    let with = |patch: Value| {
        let mut b = base.clone();
        for (k, v) in patch.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    let cases = [
        (with(json!({"num_emails": 0})), "num_emails"),
        (with(json!({"num_emails": 11})), "num_emails"),
        (
            with(json!({"num_emails": 2, "cadence_days": [0, 3, 7]})),
            "cadence_days",
        ),
        (with(json!({"cadence_days": [0, 5, 2]})), "cadence_days[2]"),
        (with(json!({"cadence_days": [-1, 2]})), "cadence_days[0]"),
        (with(json!({"objective": ""})), "objective"),
        (with(json!({"segment_id": "seg_nope"})), "segment_id"),
        (
            with(json!({"send_window": {"timezone": "Mars/Olympus"}})),
            "send_window.timezone",
        ),
        (
            with(json!({"send_window": {"timezone": "UTC", "start_hour": 25}})),
            "send_window.start_hour",
        ),
        (
            with(json!({"send_window": {"timezone": "UTC", "start_hour": 10, "end_hour": 9}})),
            "send_window.end_hour",
        ),
        (with(json!({"num_emails": "three"})), "num_emails"),
        (
            with(json!({"segment_id": "seg_01jd0000000000000000000000"})),
            "segment_id",
        ),
        (
            with(json!({"brand_id": "brd_01jd0000000000000000000000"})),
            "brand_id",
        ),
    ];
    for (body, field) in cases {
        let r = app
            .post(
                "/api/v1/marketing/email-sequences/preview",
                &w.marketer.key,
                body.clone(),
            )
            .await;
        r.assert_problem(422, "validation_failed");
        assert!(
            r.error_fields().contains(&field.to_owned()),
            "{field}: {}",
            r.text
        );
    }
    let webflow = app
        .post(
            "/api/v1/connectors",
            &w.admin.key,
            json!({"kind": "webflow", "name": "Site", "settings": {"site_id": "s1", "collection_id": "c1"}, "secrets": {"api_token": "t"}}),
        )
        .await
        .json();
    let r = app
        .post(
            "/api/v1/marketing/email-sequences/preview",
            &w.marketer.key,
            with(json!({"sender_connector_id": webflow["id"]})),
        )
        .await;
    r.assert_problem(422, "validation_failed");
    assert!(
        r.json()["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("cannot send email")
    );
    // A viewer-scoped key cannot preview at all.
    let viewer = app
        .member(
            "acme",
            "view@acme.test",
            Role::Viewer,
            Some(&["marketing:read", "crm:read"]),
        )
        .await;
    app.post(
        "/api/v1/marketing/email-sequences/preview",
        &viewer.key,
        base.clone(),
    )
    .await
    .assert_problem(403, "forbidden_scope");
    let listed = app
        .get("/api/v1/marketing/email-sequences", &w.marketer.key)
        .await
        .json();
    assert_eq!(listed["items"], json!([]));
    let campaigns = app
        .get("/api/v1/marketing/campaigns", &w.marketer.key)
        .await
        .json();
    assert_eq!(campaigns["items"], json!([]));
    let approvals = app
        .get("/api/v1/marketing/approvals", &w.marketer.key)
        .await
        .json();
    assert_eq!(approvals["items"], json!([]));
}

async fn ids_from_another_workspace_are_422_in_bodies_and_404_in_paths(app: TestApp) {
    let mine = world(&app, "acme").await;
    let theirs = world(&app, "globex").await;
    let p = preview(&app, &theirs).await;
    let seq = p["sequence"]["id"].as_str().unwrap();
    let apr = p["approval"]["id"].as_str().unwrap();
    let mut body = preview_body(&mine);
    body["segment_id"] = json!(theirs.segment);
    body["sender_connector_id"] = json!(theirs.sender);
    let r = app
        .post(
            "/api/v1/marketing/email-sequences/preview",
            &mine.marketer.key,
            body,
        )
        .await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), ["segment_id", "sender_connector_id"]);
    for path in [
        format!("/api/v1/marketing/email-sequences/{seq}"),
        format!("/api/v1/marketing/email-sequences/{seq}/preview"),
        format!("/api/v1/marketing/approvals/{apr}"),
    ] {
        app.get(&path, &mine.approver.key)
            .await
            .assert_problem(404, "not_found");
    }
    app.post(
        &format!("/api/v1/marketing/email-sequences/{seq}/approve"),
        &mine.approver.key,
        json!({}),
    )
    .await
    .assert_problem(404, "not_found");
    let r = app
        .get(
            &format!(
                "/api/v1/marketing/email-sequences/{}/preview?contact_id={}",
                mine_seq(&app, &mine).await,
                first_contact(&app, &theirs).await
            ),
            &mine.marketer.key,
        )
        .await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), ["contact_id"]);
    let still = app
        .get(
            &format!("/api/v1/marketing/email-sequences/{seq}"),
            &theirs.marketer.key,
        )
        .await
        .json();
    assert_eq!(still["status"], "pending_approval");
}

async fn mine_seq(app: &TestApp, w: &World) -> String {
    preview(app, w).await["sequence"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn first_contact(app: &TestApp, w: &World) -> String {
    id(&app
        .get("/api/v1/crm/contacts?limit=1", &w.admin.key)
        .await
        .json()["items"][0])
}

async fn a_preview_and_an_approval_never_talk_to_the_sender(app: TestApp) {
    let w = world(&app, "acme").await;
    let smtp = FakeSmtp::start("mailer", "pw").await;
    let sender = app
        .post(
            "/api/v1/connectors",
            &w.admin.key,
            json!({"kind": "smtp", "name": "Office mail", "settings": {"host": "127.0.0.1", "port": smtp.port.to_string(), "tls_mode": "none", "username": "mailer", "from_address": "sales@acme.test"}, "secrets": {"password": "pw"}}),
        )
        .await;
    assert_eq!(sender.status, 201, "{}", sender.text);
    let mut body = preview_body(&w);
    body["sender_connector_id"] = json!(id(&sender.json()));
    let p = app
        .post(
            "/api/v1/marketing/email-sequences/preview",
            &w.marketer.key,
            body,
        )
        .await;
    assert_eq!(p.status, 201, "{}", p.text);
    let p = p.json();
    // Never tested: the preview says so.
    assert!(codes(&p["preview"]["warnings"]).contains(&"sender_unhealthy".to_owned()));
    let seq = p["sequence"]["id"].as_str().unwrap();
    let r = app
        .post(
            &format!("/api/v1/marketing/email-sequences/{seq}/approve"),
            &w.approver.key,
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(
        smtp.commands.lock().unwrap().is_empty(),
        "the SMTP server was contacted"
    );
}

async fn the_inbox_route_decides_a_sequence_by_the_sequences_own_rules(app: TestApp) {
    let w = world(&app, "acme").await;
    let p = preview(&app, &w).await;
    let apr = p["approval"]["id"].as_str().unwrap();
    let seq = p["sequence"]["id"].as_str().unwrap();
    let approve = format!("/api/v1/marketing/approvals/{apr}/approve");
    let problem = app
        .post(&approve, &w.marketer.key, json!({}))
        .await
        .assert_problem(403, "approval_required");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains(&format!("/email/sequences/{seq}")),
        "{problem}"
    );
    app.post(&approve, &w.approver.key, json!({"version": 7}))
        .await
        .assert_problem(409, "conflict");
    app.post(
        &format!("/api/v1/marketing/approvals/{apr}/reject"),
        &w.approver.key,
        json!({}),
    )
    .await
    .assert_problem(422, "validation_failed");
    let r = app
        .post(&approve, &w.approver.key, json!({"version": 1}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["status"], "approved");
    assert_eq!(r.json()["id"], apr);
    let seq = app
        .get(
            &format!("/api/v1/marketing/email-sequences/{seq}"),
            &w.marketer.key,
        )
        .await
        .json();
    assert_eq!(seq["status"], "active");
    app.post(&approve, &w.approver.key, json!({}))
        .await
        .assert_problem(409, "conflict");
}

async fn only_an_approver_or_an_approve_key_can_approve(app: TestApp) {
    let w = world(&app, "acme").await;
    let p = preview(&app, &w).await;
    let seq = p["sequence"]["id"].as_str().unwrap();
    let approve = format!("/api/v1/marketing/email-sequences/{seq}/approve");
    // Read + write, even admin, but no approve scope: refused, naming the console page.
    for key in [&w.marketer.key, &w.admin.key] {
        let r = app.post(&approve, key, json!({})).await;
        let problem = r.assert_problem(403, "approval_required");
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains(&format!("/email/sequences/{seq}")),
            "{problem}"
        );
    }
    app.post(
        &format!("/api/v1/marketing/email-sequences/{seq}/reject"),
        &w.marketer.key,
        json!({"note": "no"}),
    )
    .await
    .assert_problem(403, "approval_required");
    let still = app
        .get(
            &format!("/api/v1/marketing/email-sequences/{seq}"),
            &w.marketer.key,
        )
        .await
        .json();
    assert_eq!(still["status"], "pending_approval");
    // An approve key may, with no body at all.
    let r = app
        .api(Method::POST, &approve, Some(&w.approver.key), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let done = r.json();
    assert_eq!(done["status"], "active");
    assert_eq!(done["stats"]["enrolled"], 4);
    assert!(done["approved_at"].is_string());
    let campaign = app
        .get(
            &format!(
                "/api/v1/marketing/campaigns/{}",
                done["campaign_id"].as_str().unwrap()
            ),
            &w.marketer.key,
        )
        .await
        .json();
    assert_eq!(campaign["status"], "active");
    let approval = app
        .get(
            &format!(
                "/api/v1/marketing/approvals/{}",
                p["approval"]["id"].as_str().unwrap()
            ),
            &w.marketer.key,
        )
        .await
        .json();
    assert_eq!(approval["status"], "approved");
    assert_eq!(approval["decided_by"]["email"], "appr@acme.test");
    assert_eq!(approval["decided_by"]["type"], "key");
    assert!(approval["decided_at"].is_string());
    // The snapshot is the audience at that moment: later contacts are not enrolled.
    let enrolled: Vec<String> = sqlx::query_scalar("select email from enrollments order by email")
        .fetch_all(app.db().pool())
        .await
        .unwrap();
    assert_eq!(
        enrolled,
        [
            "ana@north.test",
            "bo@north.test",
            "cy@south.test",
            "dee@south.test"
        ]
    );
    let log = app
        .get("/api/v1/admin/audit-log", &w.admin.key)
        .await
        .json();
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in [
        "email_sequence.previewed",
        "approval.requested",
        "approval.approved",
        "email_sequence.approved",
    ] {
        assert!(actions.contains(&a), "{a} missing from {actions:?}");
    }
}

async fn a_marketer_cannot_approve_through_the_server_function(app: TestApp) {
    let w = world(&app, "acme").await;
    let p = preview(&app, &w).await;
    let seq = p["sequence"]["id"].as_str().unwrap();
    let marketer = app
        .log_in("mark@acme.test", PASSWORD)
        .await
        .expect("marketer logs in");
    let r = app
        .form(
            "/rpc/approve_sequence",
            Some(&marketer),
            &[("id", seq)],
            Some(ORIGIN),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.text);
    assert!(
        r.text.contains(&format!("/email/sequences/{seq}")),
        "{}",
        r.text
    );
    let r = app
        .form(
            "/rpc/reject_sequence",
            Some(&marketer),
            &[("id", seq), ("note", "nope")],
            Some(ORIGIN),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.text);
    let still = app
        .get(
            &format!("/api/v1/marketing/email-sequences/{seq}"),
            &w.marketer.key,
        )
        .await
        .json();
    assert_eq!(still["status"], "pending_approval");
    // The approver's session may.
    let approver = app
        .log_in("appr@acme.test", PASSWORD)
        .await
        .expect("approver logs in");
    let r = app
        .form(
            "/rpc/approve_sequence",
            Some(&approver),
            &[("id", seq), ("note", "Looks right")],
            Some(ORIGIN),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let approval = app
        .get(
            &format!(
                "/api/v1/marketing/approvals/{}",
                p["approval"]["id"].as_str().unwrap()
            ),
            &w.marketer.key,
        )
        .await
        .json();
    assert_eq!(approval["decided_by"]["type"], "user");
    assert_eq!(approval["note"], "Looks right");
}

async fn the_console_form_is_refused_like_the_json_route_and_ids_are_typed(app: TestApp) {
    let w = world(&app, "acme").await;
    let marketer = app
        .log_in("mark@acme.test", PASSWORD)
        .await
        .expect("marketer logs in");
    let preview_form = async |extra: &[(&str, &str)]| {
        let mut fields = vec![
            ("segment_id", w.segment.as_str()),
            ("brand_id", w.brand.as_str()),
            ("objective", "book a demo"),
            ("sender_connector_id", w.sender.as_str()),
        ];
        fields.extend_from_slice(extra);
        app.form(
            "/rpc/preview_sequence",
            Some(&marketer),
            &fields,
            Some(ORIGIN),
        )
        .await
    };
    let r = preview_form(&[
        ("num_emails", "three"),
        ("cadence_days", "0, soon, 7"),
        ("window_days", "mon"),
        ("window_start", "nine"),
        ("window_end", "late"),
    ])
    .await;
    assert_eq!(r.status, 422, "{}", r.text);
    // Every bad field at once, with the JSON route's names and rules.
    for needle in [
        "num_emails",
        "must be from 1 to 10",
        "cadence_days[1]",
        "send_window.start_hour",
        "must be an hour from 0 to 23",
        "send_window.end_hour",
        "must be an hour from 1 to 24",
    ] {
        assert!(r.text.contains(needle), "{needle} missing from {}", r.text);
    }
    // Numbers out of range are the JSON rule's to refuse, word for word.
    let r = preview_form(&[
        ("window_days", "mon"),
        ("window_start", "24"),
        ("window_timezone", "UTC"),
    ])
    .await;
    assert_eq!(r.status, 422, "{}", r.text);
    let json = app
        .post(
            "/api/v1/marketing/email-sequences/preview",
            &w.marketer.key,
            json!({"segment_id": w.segment, "brand_id": w.brand, "sender_connector_id": w.sender,
                   "objective": "book a demo", "send_window": {"days": ["mon"], "start_hour": 24, "timezone": "UTC"}}),
        )
        .await;
    json.assert_problem(422, "validation_failed");
    assert_eq!(json.error_fields(), ["send_window.start_hour"]);
    let message = json.json()["errors"][0]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(r.text.contains(&message), "{message} not in {}", r.text);
    let listed = app
        .get("/api/v1/marketing/email-sequences", &w.marketer.key)
        .await
        .json();
    assert_eq!(
        listed["items"].as_array().unwrap().len(),
        0,
        "nothing created"
    );

    // A server function takes a typed id: a malformed one is refused before any use case
    // runs, and a well-formed id of nothing here is the same 404 as the API's.
    let p = preview(&app, &w).await;
    let seq = p["sequence"]["id"].as_str().unwrap();
    let approver = app
        .log_in("appr@acme.test", PASSWORD)
        .await
        .expect("approver logs in");
    let r = app
        .form(
            "/rpc/approve_sequence",
            Some(&approver),
            &[("id", "seq_not-an-id")],
            Some(ORIGIN),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(
        r.text.contains("not a valid email sequence id"),
        "{}",
        r.text
    );
    let r = app
        .form(
            "/rpc/approve_sequence",
            Some(&approver),
            &[("id", "seq_01hzzzzzzzzzzzzzzzzzzzzzzz")],
            Some(ORIGIN),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.text);
    let still = app
        .get(
            &format!("/api/v1/marketing/email-sequences/{seq}"),
            &w.marketer.key,
        )
        .await
        .json();
    assert_eq!(still["status"], "pending_approval");
}

async fn an_edit_reopens_the_approval_for_the_new_content(app: TestApp) {
    let w = world(&app, "acme").await;
    let p = preview(&app, &w).await;
    let seq = p["sequence"]["id"].as_str().unwrap();
    let path = format!("/api/v1/marketing/email-sequences/{seq}");
    let first = p["approval"].clone();
    let edit = json!({"version": 1, "steps": [{"index": 0, "subject": "Hello {{ company }}"}], "cadence_days": [0, 2, 9]});
    let r = app
        .api(
            Method::PATCH,
            &path,
            Some(&w.marketer.key),
            Some(edit.clone()),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let edited = r.json();
    assert_eq!(edited["version"], 2);
    assert_eq!(edited["steps"][0]["subject"], "Hello {{ company }}");
    assert_eq!(
        edited["steps"][0]["body"],
        p["sequence"]["steps"][0]["body"]
    );
    assert_eq!(edited["cadence_days"], json!([0, 2, 9]));
    assert_ne!(edited["content_hash"], first["content_hash"]);
    let old = app
        .get(
            &format!(
                "/api/v1/marketing/approvals/{}",
                first["id"].as_str().unwrap()
            ),
            &w.marketer.key,
        )
        .await
        .json();
    assert_eq!(old["status"], "cancelled");
    let pending = app
        .get(
            "/api/v1/marketing/approvals?status=pending",
            &w.marketer.key,
        )
        .await
        .json();
    let items = pending["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_ne!(items[0]["id"], first["id"]);
    assert_eq!(items[0]["content_hash"], edited["content_hash"]);
    // Another tab still holding version 1 is refused, and nothing changes.
    let r = app
        .api(
            Method::PATCH,
            &path,
            Some(&w.marketer.key),
            Some(json!({"version": 1, "steps": [{"index": 0, "subject": "Stale"}]})),
        )
        .await;
    r.assert_problem(409, "conflict");
    // If-Match works as the version too; a broken template names the step.
    let r = app
        .send(
            axum::http::Request::builder()
                .method(Method::PATCH)
                .uri(&path)
                .header("authorization", format!("Bearer {}", w.marketer.key))
                .header("content-type", "application/json")
                .header("if-match", "2")
                .body(axum::body::Body::from(
                    json!({"steps": [{"index": 1, "body": "Hi {{ first_name "}]}).to_string(),
                ))
                .unwrap(),
        )
        .await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), ["steps[1].body"]);
    let r = app
        .api(
            Method::PATCH,
            &path,
            Some(&w.marketer.key),
            Some(json!({"version": 2, "cadence_days": [0, 1]})),
        )
        .await;
    r.assert_problem(422, "validation_failed");
    let r = app
        .api(
            Method::PATCH,
            &path,
            Some(&w.marketer.key),
            Some(json!({"steps": [{"index": 0, "subject": "x"}]})),
        )
        .await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), ["version"]);
    let now = app.get(&path, &w.marketer.key).await.json();
    assert_eq!(now["version"], 2);
    assert_eq!(now["steps"][0]["subject"], "Hello {{ company }}");
    // The approver approves exactly the new content.
    let r = app
        .post(&format!("{path}/approve"), &w.approver.key, json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let decided = app
        .get(
            &format!(
                "/api/v1/marketing/approvals/{}",
                items[0]["id"].as_str().unwrap()
            ),
            &w.marketer.key,
        )
        .await
        .json();
    assert_eq!(decided["status"], "approved");
    assert_eq!(decided["content_hash"], edited["content_hash"]);
    // Once approved it is no longer editable.
    app.api(
        Method::PATCH,
        &path,
        Some(&w.marketer.key),
        Some(json!({"version": 2, "cadence_days": [0, 1, 2]})),
    )
    .await
    .assert_problem(409, "conflict");
}

async fn a_decision_is_made_once_and_a_rejection_is_final(app: TestApp) {
    let w = world(&app, "acme").await;
    let p = preview(&app, &w).await;
    let seq = p["sequence"]["id"].as_str().unwrap();
    let path = format!("/api/v1/marketing/email-sequences/{seq}");
    let r = app
        .post(&format!("{path}/reject"), &w.approver.key, json!({}))
        .await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), ["note"]);
    let r = app
        .post(
            &format!("{path}/reject"),
            &w.approver.key,
            json!({"note": "Off-brand opener"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["status"], "rejected");
    let campaign = app
        .get(
            &format!(
                "/api/v1/marketing/campaigns/{}",
                p["campaign"]["id"].as_str().unwrap()
            ),
            &w.marketer.key,
        )
        .await
        .json();
    assert_eq!(campaign["status"], "rejected");
    for verb in ["approve", "reject"] {
        app.post(
            &format!("{path}/{verb}"),
            &w.approver.key,
            json!({"note": "again"}),
        )
        .await
        .assert_problem(409, "conflict");
    }
    app.api(
        Method::PATCH,
        &path,
        Some(&w.marketer.key),
        Some(json!({"version": 1, "cadence_days": [0, 1, 2]})),
    )
    .await
    .assert_problem(409, "conflict");
    let approval = app
        .get(
            &format!(
                "/api/v1/marketing/approvals/{}",
                p["approval"]["id"].as_str().unwrap()
            ),
            &w.marketer.key,
        )
        .await
        .json();
    assert_eq!(approval["status"], "rejected");
    assert_eq!(approval["note"], "Off-brand opener");
    let enrolled: i64 = sqlx::query_scalar("select count(*) from enrollments")
        .fetch_one(app.db().pool())
        .await
        .unwrap();
    assert_eq!(enrolled, 0);
    // Approving twice is a conflict too.
    let p2 = preview(&app, &w).await;
    let approve = format!(
        "/api/v1/marketing/email-sequences/{}/approve",
        p2["sequence"]["id"].as_str().unwrap()
    );
    assert_eq!(
        app.post(&approve, &w.approver.key, json!({})).await.status,
        200
    );
    app.post(&approve, &w.approver.key, json!({}))
        .await
        .assert_problem(409, "conflict");
}

async fn one_contact_is_rendered_with_their_own_warnings(app: TestApp) {
    let w = world(&app, "acme").await;
    let seq = mine_seq(&app, &w).await;
    // The first email greets by first name without a fallback.
    let r = app
        .api(
            Method::PATCH,
            &format!("/api/v1/marketing/email-sequences/{seq}"),
            Some(&w.marketer.key),
            Some(json!({"version": 1, "steps": [{"index": 0, "body": "Hey {{ first_name }}!\n\nA note."}]})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let contacts = app
        .get("/api/v1/crm/contacts?limit=200", &w.admin.key)
        .await
        .json();
    let find = |email: &str| {
        id(contacts["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["email"] == email)
            .unwrap())
    };
    let path = format!("/api/v1/marketing/email-sequences/{seq}/preview");
    let bo = app
        .get(
            &format!("{path}?contact_id={}", find("bo@north.test")),
            &w.marketer.key,
        )
        .await;
    assert_eq!(bo.status, 200, "{}", bo.text);
    let bo = bo.json();
    assert_eq!(bo["email"], "bo@north.test");
    assert_eq!(codes(&bo["warnings"]), ["missing_variable"]);
    assert!(
        bo["warnings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("first_name")
    );
    let cy = app
        .get(
            &format!("{path}?contact_id={}", find("cy@south.test")),
            &w.marketer.key,
        )
        .await
        .json();
    assert!(
        cy["steps"][0]["body"]
            .as_str()
            .unwrap()
            .starts_with("Hey Cy!")
    );
    assert_eq!(cy["warnings"], json!([]));
    let unsub = app
        .get(
            &format!("{path}?contact_id={}", find("unsub@south.test")),
            &w.marketer.key,
        )
        .await
        .json();
    assert!(
        unsub["warnings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("unsubscribed"),
        "{unsub}"
    );
    let first = app.get(&path, &w.marketer.key).await;
    assert_eq!(first.status, 200, "{}", first.text);
    let r = app
        .get(&format!("{path}?contact_id=ctc_nope"), &w.marketer.key)
        .await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), ["contact_id"]);
}

async fn warnings_cover_forbidden_words_length_and_an_unhealthy_sender(app: TestApp) {
    let w = world(&app, "acme").await;
    let seq = mine_seq(&app, &w).await;
    let path = format!("/api/v1/marketing/email-sequences/{seq}");
    let long_subject = format!("The cheapest way {}", "to move pallets ".repeat(6));
    let r = app
        .api(Method::PATCH, &path, Some(&w.marketer.key), Some(json!({"version": 1, "steps": [{"index": 1, "subject": long_subject, "body": "x ".repeat(1100)}]})))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let empty = app
        .post(
            "/api/v1/crm/segments",
            &w.admin.key,
            json!({"name": "Nobody", "kind": "static"}),
        )
        .await
        .json();
    let mut body = preview_body(&w);
    body["segment_id"] = json!(id(&empty));
    let nobody = app
        .post(
            "/api/v1/marketing/email-sequences/preview",
            &w.marketer.key,
            body,
        )
        .await;
    assert_eq!(nobody.status, 201, "{}", nobody.text);
    let nobody = nobody.json();
    assert_eq!(nobody["preview"]["recipients"], 0);
    assert_eq!(codes(&nobody["preview"]["warnings"]), ["empty_segment"]);
    assert_eq!(nobody["preview"]["samples"], json!([]));
    // The page's preview is recomputed: forbidden word and lengths show on step 2.
    let contact = first_contact(&app, &w).await;
    let one = app
        .get(
            &format!("{path}/preview?contact_id={contact}"),
            &w.marketer.key,
        )
        .await
        .json();
    assert!(
        one["steps"][1]["subject"]
            .as_str()
            .unwrap()
            .starts_with("The cheapest way")
    );
    let page = tenex::server::services::sequences::page(
        app.ctx(),
        &w.marketer.actor,
        &seq.parse().unwrap(),
    )
    .await
    .unwrap();
    let kinds: Vec<&str> = page
        .preview
        .warnings
        .iter()
        .map(|w| w.kind.as_str())
        .collect();
    assert!(kinds.contains(&"do_not_say"), "{kinds:?}");
    assert_eq!(
        kinds.iter().filter(|k| **k == "too_long").count(),
        2,
        "{kinds:?}"
    );
}

async fn sequences_and_approvals_list_with_filters(app: TestApp) {
    let w = world(&app, "acme").await;
    let a = mine_seq(&app, &w).await;
    let b = mine_seq(&app, &w).await;
    app.post(
        &format!("/api/v1/marketing/email-sequences/{a}/approve"),
        &w.approver.key,
        json!({}),
    )
    .await;
    let active = app
        .get(
            "/api/v1/marketing/email-sequences?status=active",
            &w.marketer.key,
        )
        .await
        .json();
    assert_eq!(active["items"].as_array().unwrap().len(), 1);
    assert_eq!(active["items"][0]["id"], a.as_str());
    let all = app
        .get("/api/v1/marketing/email-sequences?limit=1", &w.marketer.key)
        .await
        .json();
    assert_eq!(all["items"][0]["id"], b.as_str());
    let next = all["next_cursor"].as_str().unwrap();
    let rest = app
        .get(
            &format!("/api/v1/marketing/email-sequences?limit=1&cursor={next}"),
            &w.marketer.key,
        )
        .await
        .json();
    assert_eq!(rest["items"][0]["id"], a.as_str());
    let r = app
        .get(
            "/api/v1/marketing/email-sequences?status=sent&created_after=soon",
            &w.marketer.key,
        )
        .await;
    r.assert_problem(422, "validation_failed");
    let mut fields = r.error_fields();
    fields.sort();
    assert_eq!(fields, ["created_after", "status"]);
    let approved = app
        .get(
            "/api/v1/marketing/approvals?status=approved&subject_type=email_sequence",
            &w.marketer.key,
        )
        .await
        .json();
    assert_eq!(approved["items"].as_array().unwrap().len(), 1);
    assert_eq!(approved["items"][0]["subject_id"], a.as_str());
    let r = app
        .get(
            "/api/v1/marketing/approvals?status=maybe&subject_type=fax",
            &w.marketer.key,
        )
        .await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), ["status", "subject_type"]);
    // The sender cannot be removed while sequences use it.
    let r = app
        .api(
            Method::DELETE,
            &format!("/api/v1/connectors/{}", w.sender),
            Some(&w.admin.key),
            None,
        )
        .await;
    r.assert_problem(409, "conflict");
}

async fn the_pages_show_the_gate_to_each_role(app: TestApp) {
    let w = world(&app, "acme").await;
    let p = preview(&app, &w).await;
    let seq = p["sequence"]["id"].as_str().unwrap();
    let page = format!("/email/sequences/{seq}");
    let marketer = app.log_in("mark@acme.test", PASSWORD).await.unwrap();
    let html = app.page(&page, Some(&marketer)).await;
    assert_eq!(html.status, 200);
    assert!(html.text.contains("Waiting for approval"), "{}", html.text);
    assert!(html.text.contains("appr@acme.test"));
    assert!(!html.text.contains(">Approve<!></button>"));
    assert!(html.text.contains("Hey Ana!"));
    assert!(html.text.contains("Edit email 1"));
    let approver = app.log_in("appr@acme.test", PASSWORD).await.unwrap();
    let html = app.page(&page, Some(&approver)).await.text;
    assert!(html.contains(">Approve<!></button>"), "{html}");
    assert!(html.contains(">Reject<!></button>"));
    let inbox = app.page("/approvals", Some(&approver)).await.text;
    assert!(inbox.contains(&format!("href=\"{page}\"")), "{inbox}");
    assert!(inbox.contains("Email: Book a demo"));
    let campaign = app
        .page(
            &format!("/campaigns/{}", p["campaign"]["id"].as_str().unwrap()),
            Some(&approver),
        )
        .await
        .text;
    assert!(
        campaign.contains("requested by mark@acme.test"),
        "{campaign}"
    );
    app.post(
        &format!("/api/v1/marketing/email-sequences/{seq}/approve"),
        &w.approver.key,
        json!({}),
    )
    .await;
    let decided = app.page("/approvals/decided", Some(&approver)).await.text;
    assert!(decided.contains("Email: Book a demo"));
    assert!(
        !app.page("/approvals", Some(&approver))
            .await
            .text
            .contains("Email: Book a demo")
    );
    let list = app.page("/email", Some(&marketer)).await.text;
    assert!(list.contains("Email: Book a demo"));
    assert!(list.contains("active"));
}

async fn a_decision_is_bound_to_the_content_the_approver_saw(app: TestApp) {
    let w = world(&app, "acme").await;
    let p = preview(&app, &w).await;
    let seq = p["sequence"]["id"].as_str().unwrap();
    let path = format!("/api/v1/marketing/email-sequences/{seq}");
    // The approver looked at version 1; the marketer saves version 2 meanwhile.
    let r = app
        .api(
            Method::PATCH,
            &path,
            Some(&w.marketer.key),
            Some(json!({"version": 1, "steps": [{"index": 0, "subject": "Changed"}]})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app
        .post(
            &format!("{path}/approve"),
            &w.approver.key,
            json!({"version": 1}),
        )
        .await;
    r.assert_problem(409, "conflict");
    let r = app
        .send(
            axum::http::Request::builder()
                .method(Method::POST)
                .uri(format!("{path}/approve"))
                .header("authorization", format!("Bearer {}", w.approver.key))
                .header("if-match", "1")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    r.assert_problem(409, "conflict");
    assert_eq!(
        app.get(&path, &w.marketer.key).await.json()["status"],
        "pending_approval"
    );
    // The segment's rule changes under the pending request: it is replaced, not approved.
    let before = app
        .get(
            "/api/v1/marketing/approvals?status=pending",
            &w.marketer.key,
        )
        .await
        .json()["items"][0]
        .clone();
    let r = app
        .api(
            Method::PATCH,
            &format!("/api/v1/crm/segments/{}", w.segment),
            Some(&w.admin.key),
            Some(json!({"version": 1, "rule": {"match": "all", "conditions": [{"field": "email", "op": "contains", "value": "north"}]}})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app
        .post(&format!("{path}/approve"), &w.approver.key, json!({}))
        .await;
    let problem = r.assert_problem(409, "conflict");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("rule or the sender's identity changed"),
        "{problem}"
    );
    let after = app
        .get(
            "/api/v1/marketing/approvals?status=pending",
            &w.marketer.key,
        )
        .await
        .json()["items"][0]
        .clone();
    assert_ne!(after["id"], before["id"]);
    assert_ne!(after["content_hash"], before["content_hash"]);
    let now = app.get(&path, &w.marketer.key).await.json();
    assert_eq!(now["content_hash"], after["content_hash"]);
    // Deciding the current content works; a JSON content type with an empty body is fine.
    let r = app
        .send(
            axum::http::Request::builder()
                .method(Method::POST)
                .uri(format!("{path}/approve"))
                .header("authorization", format!("Bearer {}", w.approver.key))
                .header("content-type", "application/json")
                .header("if-match", now["version"].to_string())
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.json()["stats"]["enrolled"],
        2,
        "only the north contacts now: {}",
        r.text
    );
}

async fn objectives_with_template_syntax_stay_literal(app: TestApp) {
    let w = world(&app, "acme").await;
    let mut body = preview_body(&w);
    body["objective"] = json!("talk about {{ secrets }} and {% raw %}");
    let r = app
        .post(
            "/api/v1/marketing/email-sequences/preview",
            &w.marketer.key,
            body,
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let sample = &r.json()["preview"]["samples"][0]["steps"][0]["body"];
    assert!(
        sample
            .as_str()
            .unwrap()
            .contains("talk about {{ secrets }} and {% raw %}"),
        "{sample}"
    );
}

async fn a_signed_link_unsubscribes_without_login_and_ends_the_enrollment(app: TestApp) {
    let w = world(&app, "acme").await;
    let p = preview(&app, &w).await;
    let seq = p["sequence"]["id"].as_str().unwrap().to_owned();
    app.post(
        &format!("/api/v1/marketing/email-sequences/{seq}/approve"),
        &w.approver.key,
        json!({}),
    )
    .await;
    let contacts = app
        .get("/api/v1/crm/contacts?limit=200", &w.admin.key)
        .await
        .json();
    let ana = id(contacts["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["email"] == "ana@north.test")
        .unwrap());
    let token = app
        .ctx()
        .secrets
        .unsubscribe_key()
        .token(&ana.parse().unwrap(), &seq.parse().unwrap());
    let link = format!("/u/{token}");
    let shown = app.page(&link, None).await;
    assert_eq!(shown.status, 200, "{}", shown.text);
    assert!(shown.text.contains("Unsubscribe?"));
    assert!(shown.text.contains("a•••@north.test"));
    assert!(!shown.text.contains("ana@north.test"));
    // RFC 8058: a mail client posts without cookie or Origin.
    let one_click = || {
        axum::http::Request::builder()
            .method(Method::POST)
            .uri(&link)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(axum::body::Body::from("List-Unsubscribe=One-Click"))
            .unwrap()
    };
    let r = app.send(one_click()).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.text.contains("You are unsubscribed"));
    let contact = app
        .get(&format!("/api/v1/crm/contacts/{ana}"), &w.admin.key)
        .await
        .json();
    assert!(contact["unsubscribed_at"].is_string(), "{contact}");
    let status: String = sqlx::query_scalar("select status from enrollments where contact_id = $1")
        .bind(&ana)
        .fetch_one(app.db().pool())
        .await
        .unwrap();
    assert_eq!(status, "unsubscribed");
    // Again: harmless. And the next preview leaves them out.
    assert_eq!(app.send(one_click()).await.status, 200);
    assert_eq!(preview(&app, &w).await["preview"]["recipients"], 3);
    // Tampered, truncated or foreign-key tokens do nothing.
    let other = tenex::server::mail::unsubscribe::UnsubscribeKey::new([9; 32])
        .token(&ana.parse().unwrap(), &seq.parse().unwrap());
    for bad in [
        format!("/u/{other}"),
        format!("/u/{}", &token[..token.len() - 3]),
        "/u/nothing".to_owned(),
    ] {
        let r = app.page(&bad, None).await;
        assert_eq!(r.status, 404, "{bad}: {}", r.text);
        let r = app
            .send(
                axum::http::Request::builder()
                    .method(Method::POST)
                    .uri(&bad)
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(r.status, 404);
    }
}
