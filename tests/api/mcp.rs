//! The MCP endpoint over HTTP, on both databases: the bearer key is checked before any MCP
//! message, every tool answers with the JSON API's JSON and errors, and the approval gate
//! holds for an agent exactly as for a JSON client.

use axum::body::Body;
use axum::http::{Request, header};
use serde_json::{Value, json};

use crate::ad_campaigns::{ad_round, approved_creatives};
use crate::on_both_databases;
use crate::publishing::{approve, publish_round};
use crate::support::{Backend, TestApp, TestResponse};
use crate::world::{Team, World, id, world};

on_both_databases!(
    the_key_is_checked_before_any_mcp_message,
    the_tools_are_listed_with_schemas_and_true_annotations,
    a_preview_sends_nothing_and_only_an_approver_key_approves,
    reading_tools_answer_with_the_api_json,
    sequence_tools_edit_decide_and_steer,
    ad_tools_request_a_launch_that_waits_for_a_person,
    blog_tools_request_publishing_that_waits_for_a_person,
    bad_arguments_are_named_and_change_nothing,
    another_workspace_is_not_found,
    resources_and_prompts_help_an_agent,
);

/// A JSON-RPC request to `/mcp` as a stock client sends it.
async fn rpc(app: &TestApp, key: Option<&str>, method: &str, params: Value) -> TestResponse {
    let mut builder = Request::post("/mcp")
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "application/json, text/event-stream")
        .header("mcp-protocol-version", "2025-06-18");
    if let Some(key) = key {
        builder = builder.header(header::AUTHORIZATION, format!("Bearer {key}"));
    }
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    app.send(builder.body(Body::from(body.to_string())).unwrap())
        .await
}

/// The `result` of a JSON-RPC call that must succeed at the protocol level.
async fn result(app: &TestApp, key: &str, method: &str, params: Value) -> Value {
    let r = rpc(app, Some(key), method, params).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let body = r.json();
    assert!(body.get("error").is_none(), "{body}");
    body["result"].clone()
}

/// A tool call: `(is_error, structured content, first text)`.
async fn tool(app: &TestApp, key: &str, name: &str, args: Value) -> (bool, Value, String) {
    let r = result(
        app,
        key,
        "tools/call",
        json!({"name": name, "arguments": args}),
    )
    .await;
    let text = r["content"][0]["text"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    (
        r["isError"].as_bool().unwrap_or(false),
        r["structuredContent"].clone(),
        text,
    )
}

/// A tool call that must succeed.
async fn ok(app: &TestApp, key: &str, name: &str, args: Value) -> Value {
    let (failed, body, text) = tool(app, key, name, args).await;
    assert!(!failed, "{name}: {text} {body}");
    body
}

/// A tool call that must fail with `code`; its problem document.
async fn refused(app: &TestApp, key: &str, name: &str, args: Value, code: &str) -> Value {
    let (failed, body, text) = tool(app, key, name, args).await;
    assert!(failed, "{name} should fail: {body}");
    assert_eq!(body["code"], code, "{text} {body}");
    assert!(text.starts_with(code), "{text}");
    body
}

async fn preview(app: &TestApp, w: &World) -> Value {
    ok(
        app,
        &w.marketer.key,
        "preview_email_sequence",
        json!({"segment_id": w.segment, "brand_id": w.brand, "objective": "book a demo",
               "sender_connector_id": w.sender, "num_emails": 2, "cadence_days": [0, 3]}),
    )
    .await
}

/// The world's people, segment and brand as a team.
fn team(w: &World) -> Team {
    Team {
        admin: w.admin.clone(),
        marketer: w.marketer.clone(),
        approver: w.approver.clone(),
        segment: w.segment.clone(),
        brand: w.brand.clone(),
    }
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(app.db().pool())
        .await
        .unwrap()
}

async fn the_key_is_checked_before_any_mcp_message(app: TestApp) {
    let w = world(&app, "acme").await;
    let none = rpc(&app, None, "tools/list", json!({})).await;
    none.assert_problem(401, "unauthorized");
    assert!(
        none.headers[header::WWW_AUTHENTICATE]
            .to_str()
            .unwrap()
            .starts_with("Bearer")
    );
    rpc(&app, Some("tnx_nope_nope"), "tools/list", json!({}))
        .await
        .assert_problem(401, "unauthorized");
    // A foreign Host (DNS rebinding) or a foreign browser origin is refused.
    let mut foreign = Request::post("/mcp")
        .header(header::HOST, "evil.example")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "application/json, text/event-stream")
        .header(header::AUTHORIZATION, format!("Bearer {}", w.marketer.key))
        .body(Body::from(
            json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}).to_string(),
        ))
        .unwrap();
    assert_eq!(app.send(foreign).await.status, 403);
    foreign = Request::post("/mcp")
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::ORIGIN, "https://evil.example")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "application/json, text/event-stream")
        .header(header::AUTHORIZATION, format!("Bearer {}", w.marketer.key))
        .body(Body::from(
            json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}).to_string(),
        ))
        .unwrap();
    assert_eq!(app.send(foreign).await.status, 403);

    // The handshake of a stock client.
    let init = result(
        &app,
        &w.marketer.key,
        "initialize",
        json!({"protocolVersion": "2025-06-18", "capabilities": {},
               "clientInfo": {"name": "test", "version": "1"}}),
    )
    .await;
    assert_eq!(init["serverInfo"]["name"], "tenex-marketing");
    for capability in ["tools", "resources", "prompts"] {
        assert!(init["capabilities"][capability].is_object(), "{init}");
    }
    assert!(
        init["instructions"]
            .as_str()
            .unwrap()
            .contains("marketing:approve")
    );
}

/// Every tool with its hints: (read-only, destructive, idempotent, open world); the last
/// three only matter for tools that change something.
const TOOLS: [(&str, bool, bool, bool, bool); 30] = [
    ("list_campaigns", true, false, false, false),
    ("get_campaign", true, false, false, false),
    ("get_campaign_metrics", true, false, false, false),
    ("list_segments", true, false, false, false),
    ("list_brands", true, false, false, false),
    ("list_connectors", true, false, false, false),
    ("list_approvals", true, false, false, false),
    ("get_email_sequence", true, false, false, false),
    ("get_ad_campaign", true, false, false, false),
    ("get_blog_draft", true, false, false, false),
    ("list_publish_jobs", true, false, false, false),
    ("get_publish_job", true, false, false, false),
    // Generating calls the configured writer, which may be an outside model.
    ("preview_email_sequence", false, false, false, true),
    ("generate_ad_creatives", false, false, false, true),
    ("generate_blog_draft", false, false, false, true),
    ("update_email_sequence_step", false, true, true, false),
    ("update_ad_creative", false, true, true, false),
    ("update_blog_draft", false, true, true, false),
    ("request_ad_creative_approval", false, false, true, false),
    ("launch_ad_campaign", false, false, false, false),
    ("publish_blog_draft", false, false, true, false),
    ("approve_email_sequence", false, true, true, true),
    ("reject_email_sequence", false, true, true, false),
    ("pause_email_sequence", false, false, true, false),
    ("resume_email_sequence", false, false, true, true),
    ("cancel_email_sequence", false, true, true, false),
    ("pause_ad_campaign", false, false, true, true),
    ("resume_ad_campaign", false, false, true, true),
    ("cancel_ad_campaign", false, true, true, true),
    ("record_event", false, true, false, false),
];

async fn the_tools_are_listed_with_schemas_and_true_annotations(app: TestApp) {
    let w = world(&app, "acme").await;
    let listed = result(&app, &w.marketer.key, "tools/list", json!({})).await;
    let tools = listed["tools"].as_array().unwrap();
    let mut names: Vec<&str> = tools.iter().map(|t| t["name"].as_str().unwrap()).collect();
    names.sort_unstable();
    let mut expected: Vec<&str> = TOOLS.iter().map(|t| t.0).collect();
    expected.sort_unstable();
    assert_eq!(names, expected);
    let by_name = |n: &str| tools.iter().find(|t| t["name"] == n).unwrap().clone();
    for (name, read_only, destructive, idempotent, open_world) in TOOLS {
        let t = by_name(name);
        assert_eq!(t["inputSchema"]["type"], "object", "{t}");
        let description = t["description"].as_str().unwrap();
        assert!(description.len() > 40, "{t}");
        let a = &t["annotations"];
        assert_eq!(a["readOnlyHint"], read_only, "{name}");
        assert_eq!(a["openWorldHint"], open_world, "{name}");
        if read_only {
            assert!(description.contains("Changes nothing"), "{name}");
        } else {
            assert_eq!(a["destructiveHint"], destructive, "{name}");
            assert_eq!(a["idempotentHint"], idempotent, "{name}");
        }
    }
    let preview = by_name("preview_email_sequence");
    for field in [
        "segment_id",
        "brand_id",
        "objective",
        "sender_connector_id",
        "num_emails",
        "cadence_days",
    ] {
        assert!(
            preview["inputSchema"]["properties"][field].is_object(),
            "{field}: {preview}"
        );
    }
    assert!(
        preview["description"]
            .as_str()
            .unwrap()
            .contains("SENDS NOTHING")
    );
    let approve = by_name("approve_email_sequence");
    assert!(approve["inputSchema"]["properties"]["preview_id"].is_object());
    assert!(approve["inputSchema"]["properties"]["acknowledge_warnings"].is_object());
    assert!(
        approve["description"]
            .as_str()
            .unwrap()
            .contains("marketing:approve")
    );
    let launch = by_name("launch_ad_campaign");
    for field in [
        "platform",
        "objective",
        "segment_id",
        "brand_id",
        "daily_budget_usd",
    ] {
        assert!(
            launch["inputSchema"]["properties"][field].is_object(),
            "{field}"
        );
    }
}

async fn a_preview_sends_nothing_and_only_an_approver_key_approves(app: TestApp) {
    let w = world(&app, "acme").await;
    let p = preview(&app, &w).await;
    let seq = p["preview_id"].as_str().unwrap().to_owned();
    assert_eq!(p["sequence"]["id"], seq.as_str());
    assert_eq!(p["sequence"]["status"], "pending_approval");
    assert_eq!(p["sent"], 0);
    assert_eq!(p["preview"]["recipients"], 4);
    assert!(
        p["next_step"]
            .as_str()
            .unwrap()
            .contains(&format!("/email/sequences/{seq}"))
    );
    assert_eq!(
        count(&app, "select count(*) from sequence_messages").await,
        0
    );

    // The default key (crm:write + marketing:write) and an admin without approve are refused,
    // and the refusal names the console page where a person approves.
    for key in [&w.marketer.key, &w.admin.key] {
        let problem = refused(
            &app,
            key,
            "approve_email_sequence",
            json!({"preview_id": seq}),
            "approval_required",
        )
        .await;
        assert_eq!(
            problem["console_url"],
            format!("http://127.0.0.1:3000/email/sequences/{seq}")
        );
        let (_, _, text) = tool(
            &app,
            key,
            "approve_email_sequence",
            json!({"preview_id": seq}),
        )
        .await;
        assert!(
            text.contains(&format!("http://127.0.0.1:3000/email/sequences/{seq}")),
            "{text}"
        );
    }
    assert_eq!(count(&app, "select count(*) from enrollments").await, 0);
    let s = ok(
        &app,
        &w.marketer.key,
        "get_email_sequence",
        json!({"sequence_id": seq}),
    )
    .await;
    assert_eq!(s["status"], "pending_approval");

    let approved = ok(
        &app,
        &w.approver.key,
        "approve_email_sequence",
        json!({"preview_id": seq, "note": "Looks right"}),
    )
    .await;
    assert_eq!(approved["status"], "active");
    assert_eq!(approved["stats"]["enrolled"], 4);
    refused(
        &app,
        &w.approver.key,
        "approve_email_sequence",
        json!({"preview_id": seq, "acknowledge_warnings": true}),
        "conflict",
    )
    .await;
    assert_eq!(count(&app, "select count(*) from enrollments").await, 4);
}

async fn reading_tools_answer_with_the_api_json(app: TestApp) {
    let w = world(&app, "acme").await;
    let p = preview(&app, &w).await;
    let cmp = p["campaign"]["id"].as_str().unwrap().to_owned();
    let key = &w.marketer.key;
    let list = ok(
        &app,
        key,
        "list_campaigns",
        json!({"channel": "email", "limit": 5}),
    )
    .await;
    let api = app
        .get("/api/v1/marketing/campaigns?channel=email&limit=5", key)
        .await
        .json();
    assert_eq!(list, api);
    let one = ok(&app, key, "get_campaign", json!({"campaign_id": cmp})).await;
    assert_eq!(one["id"], cmp.as_str());
    assert_eq!(one["channel"], "email");
    let metrics = ok(
        &app,
        key,
        "get_campaign_metrics",
        json!({"campaign_id": cmp, "days": 7}),
    )
    .await;
    assert_eq!(metrics["days"].as_array().unwrap().len(), 7);
    assert_eq!(metrics["totals"]["sends"], 0);
    let segments = ok(&app, key, "list_segments", json!({})).await;
    assert_eq!(segments["items"][0]["id"], w.segment.as_str());
    let brands = ok(&app, key, "list_brands", json!({})).await;
    assert_eq!(brands["items"][0]["id"], w.brand.as_str());
    let webflow = crate::world::connector(
        &app,
        &team(&w),
        json!({"kind": "webflow", "name": "Site", "settings": {"site_id": "s1", "collection_id": "c1"},
               "secrets": {"api_token": "wf-secret-token"}}),
    )
    .await;
    let connectors = ok(&app, key, "list_connectors", json!({})).await;
    assert_eq!(connectors["items"][0]["id"], webflow.as_str());
    assert_eq!(connectors["items"][1]["id"], w.sender.as_str());
    assert_eq!(connectors["items"][0]["secrets_set"], json!(["api_token"]));
    assert!(!connectors.to_string().contains("wf-secret-token"));
    let approvals = ok(&app, key, "list_approvals", json!({"status": "pending"})).await;
    assert_eq!(approvals["items"][0]["subject_id"], p["preview_id"]);
    assert!(
        approvals["items"][0]["console_path"]
            .as_str()
            .unwrap()
            .starts_with("/email/")
    );
    let event = ok(
        &app,
        key,
        "record_event",
        json!({"id": "crm-1", "type": "conversion", "email": "ana@north.test",
               "campaign_id": cmp, "value_usd": 120.5}),
    )
    .await;
    assert_eq!(event["type"], "conversion");
    let (_, again, text) = tool(
        &app,
        key,
        "record_event",
        json!({"id": "crm-1", "type": "conversion", "email": "ana@north.test",
               "campaign_id": cmp, "value_usd": 120.5}),
    )
    .await;
    assert_eq!(again["id"], event["id"]);
    assert!(text.contains("counted once"), "{text}");
    let after = ok(&app, key, "get_campaign", json!({"campaign_id": cmp})).await;
    assert_eq!(after["rollup"]["conversions"], 1);
}

async fn sequence_tools_edit_decide_and_steer(app: TestApp) {
    let w = world(&app, "acme").await;
    let p = preview(&app, &w).await;
    let seq = p["preview_id"].as_str().unwrap().to_owned();
    let key = &w.marketer.key;
    refused(
        &app,
        key,
        "update_email_sequence_step",
        json!({"sequence_id": seq, "index": 0, "subject": "Hi {{ first_name }}"}),
        "validation_failed",
    )
    .await;
    let edited = ok(
        &app,
        key,
        "update_email_sequence_step",
        json!({"sequence_id": seq, "version": 1, "index": 1, "subject": "Still moving pallets?"}),
    )
    .await;
    assert_eq!(edited["version"], 2);
    assert_eq!(edited["steps"][1]["subject"], "Still moving pallets?");
    refused(
        &app,
        key,
        "update_email_sequence_step",
        json!({"sequence_id": seq, "version": 1, "index": 1, "subject": "Stale"}),
        "conflict",
    )
    .await;
    // Rejecting needs the approver's power and a note.
    refused(
        &app,
        key,
        "reject_email_sequence",
        json!({"preview_id": seq, "note": "no"}),
        "approval_required",
    )
    .await;
    refused(
        &app,
        &w.approver.key,
        "reject_email_sequence",
        json!({"preview_id": seq}),
        "validation_failed",
    )
    .await;
    let rejected = ok(
        &app,
        &w.approver.key,
        "reject_email_sequence",
        json!({"preview_id": seq, "note": "Too pushy"}),
    )
    .await;
    assert_eq!(rejected["status"], "rejected");

    // A second, approved sequence is paused, resumed and cancelled by the marketer's key.
    let seq = crate::world::approved(&app, &team(&w), &w.sender).await;
    refused(
        &app,
        key,
        "resume_email_sequence",
        json!({"sequence_id": seq}),
        "conflict",
    )
    .await;
    let paused = ok(
        &app,
        key,
        "pause_email_sequence",
        json!({"sequence_id": seq}),
    )
    .await;
    assert_eq!(paused["status"], "paused");
    let resumed = ok(
        &app,
        key,
        "resume_email_sequence",
        json!({"sequence_id": seq}),
    )
    .await;
    assert_eq!(resumed["status"], "active");
    let cancelled = ok(
        &app,
        key,
        "cancel_email_sequence",
        json!({"sequence_id": seq}),
    )
    .await;
    assert_eq!(cancelled["status"], "cancelled");
}

async fn ad_tools_request_a_launch_that_waits_for_a_person(app: TestApp) {
    let w = world(&app, "acme").await;
    let key = &w.marketer.key;
    let made = ok(
        &app,
        key,
        "generate_ad_creatives",
        json!({"platform": "google", "brand_id": w.brand, "objective": "grow signups", "count": 2}),
    )
    .await;
    let items = made["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    let cre = id(&items[0]);
    let edited = ok(
        &app,
        key,
        "update_ad_creative",
        json!({"creative_id": cre, "version": items[0]["version"], "final_url": "https://tenex.example/demo"}),
    )
    .await;
    assert_eq!(edited["final_url"], "https://tenex.example/demo");
    refused(
        &app,
        key,
        "update_ad_creative",
        json!({"creative_id": cre, "version": edited["version"], "headlines": ["x".repeat(31)]}),
        "validation_failed",
    )
    .await;

    // Without an approved creative the launch names what is missing; a draft is not enough.
    let launch = json!({"platform": "google", "objective": "leads", "segment_id": w.segment,
                        "brand_id": w.brand, "daily_budget_usd": 20});
    let problem = refused(
        &app,
        key,
        "launch_ad_campaign",
        launch.clone(),
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "creative_ids");
    let team = team(&w);
    let approved = approved_creatives(&app, &team, "google", 1).await;
    // The one sandbox connector and the one approved creative are the defaults.
    let a = ok(&app, key, "launch_ad_campaign", launch.clone()).await;
    assert_eq!(a["status"], "pending_approval");
    assert_eq!(a["connector_id"], w.sender.as_str());
    assert_eq!(a["creative_ids"], json!(approved));
    let adc = id(&a);
    assert_eq!(
        count(&app, "select count(*) from jobs where kind = 'ad_launch'").await,
        0
    );
    let pending = ok(
        &app,
        key,
        "list_approvals",
        json!({"subject_type": "ad_campaign"}),
    )
    .await;
    assert_eq!(pending["items"][0]["subject_id"], adc.as_str());
    assert_eq!(pending["items"][0]["status"], "pending");
    // The agent asks a person to approve the edited creative; it approves nothing itself.
    let asked = ok(
        &app,
        key,
        "request_ad_creative_approval",
        json!({"creative_id": cre, "version": edited["version"]}),
    )
    .await;
    assert_eq!(asked["status"], "pending");
    assert_eq!(asked["subject_type"], "ad_creative");
    assert_eq!(asked["console_path"], format!("/ads/creatives/{cre}"));
    // With two approved creatives the caller must choose, and is told the candidates.
    let r = app
        .post(
            &format!("/api/v1/marketing/ad-creatives/{cre}/approve"),
            &w.approver.key,
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let problem = refused(&app, key, "launch_ad_campaign", launch, "validation_failed").await;
    let message = problem["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains(&cre) && message.contains(&approved[0]),
        "{message}"
    );
    // Controls: a pending request cannot be paused; cancelling withdraws it.
    refused(
        &app,
        key,
        "pause_ad_campaign",
        json!({"ad_campaign_id": adc}),
        "conflict",
    )
    .await;
    refused(
        &app,
        key,
        "resume_ad_campaign",
        json!({"ad_campaign_id": adc}),
        "conflict",
    )
    .await;
    let cancelled = ok(
        &app,
        key,
        "cancel_ad_campaign",
        json!({"ad_campaign_id": adc}),
    )
    .await;
    assert_eq!(cancelled["status"], "cancelled");
    let fetched = ok(&app, key, "get_ad_campaign", json!({"ad_campaign_id": adc})).await;
    assert_eq!(fetched["status"], "cancelled");
    assert_eq!(
        count(&app, "select count(*) from jobs where kind = 'ad_launch'").await,
        0
    );

    // Once a person approved a launch and it went live, the agent's key pauses and resumes
    // it on the platform (what was approved, nothing more).
    let live = ok(
        &app,
        key,
        "launch_ad_campaign",
        json!({"platform": "google", "objective": "leads", "segment_id": w.segment,
               "brand_id": w.brand, "daily_budget_usd": 20, "creative_ids": [cre]}),
    )
    .await;
    let adc = id(&live);
    let r = app
        .post(
            &format!("/api/v1/marketing/ad-campaigns/{adc}/approve"),
            &w.approver.key,
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    ad_round(&app, 0).await;
    let status = |v: Value| v["status"].as_str().unwrap_or_default().to_owned();
    assert_eq!(
        status(ok(&app, key, "get_ad_campaign", json!({"ad_campaign_id": adc})).await),
        "active"
    );
    let (_, pausing, text) = tool(
        &app,
        key,
        "pause_ad_campaign",
        json!({"ad_campaign_id": adc}),
    )
    .await;
    assert_eq!(pausing["in_flight"], "pause", "{pausing}");
    assert!(text.contains("pause is under way"), "{text}");
    ad_round(&app, 0).await;
    assert_eq!(
        status(ok(&app, key, "get_ad_campaign", json!({"ad_campaign_id": adc})).await),
        "paused"
    );
    let resuming = ok(
        &app,
        key,
        "resume_ad_campaign",
        json!({"ad_campaign_id": adc}),
    )
    .await;
    assert_eq!(resuming["in_flight"], "resume");
    ad_round(&app, 0).await;
    assert_eq!(
        status(ok(&app, key, "get_ad_campaign", json!({"ad_campaign_id": adc})).await),
        "active"
    );
}

async fn blog_tools_request_publishing_that_waits_for_a_person(app: TestApp) {
    let w = world(&app, "acme").await;
    let key = &w.marketer.key;
    let d = ok(
        &app,
        key,
        "generate_blog_draft",
        json!({"brand_id": w.brand, "topic": "Overnight pallet freight", "keywords": ["tracking"]}),
    )
    .await;
    let drf = id(&d);
    assert_eq!(d["version"], 1);
    let edited = ok(
        &app,
        key,
        "update_blog_draft",
        json!({"draft_id": drf, "version": 1, "title": "Pallets overnight, tracked"}),
    )
    .await;
    assert_eq!(edited["version"], 2);
    let fetched = ok(&app, key, "get_blog_draft", json!({"draft_id": drf})).await;
    assert_eq!(fetched["title"], "Pallets overnight, tracked");
    let requested = ok(
        &app,
        key,
        "publish_blog_draft",
        json!({"draft_id": drf, "connector_id": w.sender, "version": 2}),
    )
    .await;
    assert_eq!(requested["published"], false);
    assert_eq!(requested["approval"]["status"], "pending");
    assert!(
        requested["next_step"]
            .as_str()
            .unwrap()
            .contains(&format!("/blog/drafts/{drf}"))
    );
    refused(
        &app,
        key,
        "publish_blog_draft",
        json!({"draft_id": drf, "connector_id": w.sender}),
        "conflict",
    )
    .await;
    assert_eq!(count(&app, "select count(*) from publish_jobs").await, 0);
    let team = team(&w);
    approve(&app, &team, requested["approval"]["id"].as_str().unwrap()).await;
    publish_round(&app, 0).await;
    let jobs = ok(&app, key, "list_publish_jobs", json!({"draft_id": drf})).await;
    let job_id = id(&jobs["items"][0]);
    let (failed, job, text) = tool(
        &app,
        key,
        "get_publish_job",
        json!({"publish_job_id": job_id}),
    )
    .await;
    assert!(!failed, "{job}");
    assert_eq!(job["status"], "succeeded");
    assert!(
        text.contains("succeeded: https://sandbox.tenex.invalid/blog/"),
        "{text}"
    );
}

async fn bad_arguments_are_named_and_change_nothing(app: TestApp) {
    let w = world(&app, "acme").await;
    let key = &w.marketer.key;
    let problem = refused(
        &app,
        key,
        "preview_email_sequence",
        json!({"segment_id": w.segment, "brand_id": w.brand, "objective": "demo",
               "sender_connector_id": w.sender, "num_emails": "three"}),
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "num_emails");
    let problem = refused(
        &app,
        key,
        "preview_email_sequence",
        json!({"segment_id": "seg_nope", "brand_id": w.brand, "objective": "demo",
               "sender_connector_id": w.sender}),
        "validation_failed",
    )
    .await;
    assert!(problem.to_string().contains("segment_id"), "{problem}");
    let problem = refused(
        &app,
        key,
        "preview_email_sequence",
        json!({"segment_id": w.segment, "brand_id": w.brand, "objective": "demo",
               "sender_connector_id": w.sender, "sendnow": true}),
        "validation_failed",
    )
    .await;
    assert!(
        problem["detail"].as_str().unwrap().contains("sendnow"),
        "{problem}"
    );
    // Unknown arguments are named, also beside arguments flattened from a domain input.
    let problem = refused(
        &app,
        &w.approver.key,
        "approve_email_sequence",
        json!({"preview_id": "seq_01jzzzzzzzzzzzzzzzzzzzzzzz", "aknowledge_warnings": true}),
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "aknowledge_warnings");
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("acknowledge_warnings")
    );
    let problem = refused(
        &app,
        key,
        "list_campaigns",
        json!({"chanel": "email"}),
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "chanel");
    refused(&app, key, "get_campaign", json!({}), "validation_failed").await;
    let problem = refused(
        &app,
        key,
        "get_campaign",
        json!({"campaign_id": "nope"}),
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "campaign_id");
    refused(
        &app,
        key,
        "list_campaigns",
        json!({"limit": 0}),
        "validation_failed",
    )
    .await;
    refused(
        &app,
        key,
        "list_approvals",
        json!({"status": "maybe"}),
        "validation_failed",
    )
    .await;
    refused(
        &app,
        key,
        "approve_email_sequence",
        json!({"preview_id": "seq_01jzzzzzzzzzzzzzzzzzzzzzzz"}),
        "not_found",
    )
    .await;
    refused(
        &app,
        &w.approver.key,
        "approve_email_sequence",
        json!({"preview_id": "seq_01jzzzzzzzzzzzzzzzzzzzzzzz"}),
        "not_found",
    )
    .await;
    assert_eq!(count(&app, "select count(*) from email_sequences").await, 0);
    assert_eq!(count(&app, "select count(*) from campaigns").await, 0);
    // An unknown tool is a protocol error, not a tool result.
    let r = rpc(
        &app,
        Some(key),
        "tools/call",
        json!({"name": "send_now", "arguments": {}}),
    )
    .await;
    assert!(r.json()["error"].is_object(), "{}", r.text);
}

async fn another_workspace_is_not_found(app: TestApp) {
    let w = world(&app, "acme").await;
    let other = world(&app, "globex").await;
    let p = preview(&app, &w).await;
    let seq = p["preview_id"].as_str().unwrap();
    let cmp = p["campaign"]["id"].as_str().unwrap();
    refused(
        &app,
        &other.marketer.key,
        "get_campaign",
        json!({"campaign_id": cmp}),
        "not_found",
    )
    .await;
    refused(
        &app,
        &other.marketer.key,
        "get_email_sequence",
        json!({"sequence_id": seq}),
        "not_found",
    )
    .await;
    refused(
        &app,
        &other.approver.key,
        "approve_email_sequence",
        json!({"preview_id": seq, "acknowledge_warnings": true}),
        "not_found",
    )
    .await;
    let theirs = ok(&app, &other.marketer.key, "list_campaigns", json!({})).await;
    assert_eq!(theirs["items"], json!([]));
    assert_eq!(count(&app, "select count(*) from enrollments").await, 0);
}

async fn resources_and_prompts_help_an_agent(app: TestApp) {
    let w = world(&app, "acme").await;
    let key = &w.marketer.key;
    let p = preview(&app, &w).await;
    let listed = result(&app, key, "resources/list", json!({})).await;
    let uris: Vec<&str> = listed["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["uri"].as_str().unwrap())
        .collect();
    assert_eq!(
        uris,
        ["tenex://campaigns/recent", "tenex://approvals/pending"]
    );
    let read = result(
        &app,
        key,
        "resources/read",
        json!({"uri": "tenex://approvals/pending"}),
    )
    .await;
    let contents = &read["contents"][0];
    assert_eq!(contents["mimeType"], "application/json");
    let pending: Value = serde_json::from_str(contents["text"].as_str().unwrap()).unwrap();
    assert_eq!(pending["items"][0]["subject_id"], p["preview_id"]);
    let read = result(
        &app,
        key,
        "resources/read",
        json!({"uri": "tenex://campaigns/recent"}),
    )
    .await;
    let recent: Value =
        serde_json::from_str(read["contents"][0]["text"].as_str().unwrap()).unwrap();
    assert_eq!(recent["items"][0]["id"], p["campaign"]["id"]);
    let missing = rpc(
        &app,
        Some(key),
        "resources/read",
        json!({"uri": "tenex://secrets"}),
    )
    .await;
    assert!(
        missing.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no resource")
    );

    let prompts = result(&app, key, "prompts/list", json!({})).await;
    assert_eq!(prompts["prompts"][0]["name"], "plan_outbound_campaign");
    let prompt = result(
        &app,
        key,
        "prompts/get",
        json!({"name": "plan_outbound_campaign", "arguments": {"objective": "book a demo"}}),
    )
    .await;
    let text = prompt["messages"][0]["content"]["text"].as_str().unwrap();
    for step in [
        "list_segments",
        "preview_email_sequence",
        "Do not try to approve",
    ] {
        assert!(text.contains(step), "{step}: {text}");
    }
}

/// The transport's own limits: the key's rate limit, the body cap, the methods it serves.
#[tokio::test]
async fn the_transport_keeps_the_rate_limit_and_the_body_cap() {
    let settings = tenex::server::config::Settings {
        rate_limit_per_minute: 3,
        ..Default::default()
    };
    let app = TestApp::spawn_with(Backend::Sqlite, settings)
        .await
        .unwrap();
    let member = app
        .member(
            "acme",
            "mark@acme.test",
            tenex::domain::actor::Role::Marketer,
            None,
        )
        .await;
    let key = member.key.as_str();
    let get = app
        .send(
            Request::get("/mcp")
                .header(header::HOST, "127.0.0.1:3000")
                .header(header::ACCEPT, "text/event-stream")
                .header(header::AUTHORIZATION, format!("Bearer {key}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(get.status, 405, "{}", get.text);
    let big = "x".repeat(1024 * 1024 + 1);
    let too_large = app
        .send(
            Request::post("/mcp")
                .header(header::HOST, "127.0.0.1:3000")
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::ACCEPT, "application/json, text/event-stream")
                .header(header::AUTHORIZATION, format!("Bearer {key}"))
                .header(header::CONTENT_LENGTH, big.len())
                .body(Body::from(big))
                .unwrap(),
        )
        .await;
    too_large.assert_problem(413, "payload_too_large");
    // The body cap answered before the key was read; the GET and these two calls count, and
    // the fourth request of the minute (over 3) is refused before any MCP message is read.
    for _ in 0..2 {
        assert_eq!(
            rpc(&app, Some(key), "tools/list", json!({})).await.status,
            200
        );
    }
    let r = rpc(&app, Some(key), "tools/list", json!({})).await;
    r.assert_problem(429, "rate_limited");
    assert!(r.headers.contains_key(header::RETRY_AFTER));
}
