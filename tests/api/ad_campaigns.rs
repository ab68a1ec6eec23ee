//! Ad campaigns through the JSON API, on both databases: the launch request and its checks,
//! the gate, the launch, controls and metrics sync jobs on a sandbox ad account, and
//! cancelling mid-launch.

use std::sync::Arc;

use serde_json::{Value, json};
use tenex::domain::job::JobKind;
use tenex::server::services::Context;
use tenex::server::services::jobs::{self, JobRound, JobSettings, Runners};

use crate::on_both_databases;
use crate::support::TestApp;
use crate::world::{Ahead, Team, connector, id, team};

on_both_databases!(
    a_launch_goes_to_the_platform_only_after_a_person_approves_it,
    a_bad_launch_request_names_each_field_and_creates_nothing,
    controls_are_refused_from_statuses_where_they_make_no_sense,
    a_resync_replaces_a_day_and_the_campaign_counts_it_once,
    a_cancel_during_the_launch_stops_it_and_removes_what_was_created,
    another_workspaces_ad_campaign_is_not_found,
    the_inbox_decides_a_launch_like_its_own_route,
    a_sandbox_told_to_refuse_a_step_fails_the_launch_until_it_is_told_otherwise,
);

pub const PATH: &str = "/api/v1/marketing/ad-campaigns";

/// `n` approved creatives of `platform`, landing on the demo page.
pub async fn approved_creatives(app: &TestApp, t: &Team, platform: &str, n: usize) -> Vec<String> {
    let r = app
        .post(
            "/api/v1/marketing/ad-creatives/generate",
            &t.marketer.key,
            json!({"platform": platform, "brand_id": t.brand, "objective": "book a demo", "count": n,
                   "final_url": "https://tenex.example/demo"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let mut ids = Vec::new();
    for item in r.json()["items"].as_array().unwrap() {
        let cre = id(item);
        let r = app
            .post(
                &format!("/api/v1/marketing/ad-creatives/{cre}/approve"),
                &t.approver.key,
                json!({}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        ids.push(cre);
    }
    ids
}

pub async fn sandbox(app: &TestApp, t: &Team) -> String {
    connector(
        app,
        t,
        json!({"kind": "sandbox", "name": "Sandbox ads", "settings": {}}),
    )
    .await
}

pub fn launch_body(t: &Team, connector: &str, platform: &str, creatives: &[String]) -> Value {
    json!({"platform": platform, "objective": "leads", "segment_id": t.segment, "brand_id": t.brand,
           "connector_id": connector, "daily_budget_usd": 25.5, "creative_ids": creatives})
}

pub async fn requested(app: &TestApp, t: &Team, body: Value) -> Value {
    let r = app.post(PATH, &t.marketer.key, body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.json()
}

pub async fn fetch(app: &TestApp, t: &Team, adc: &str) -> Value {
    let r = app.get(&format!("{PATH}/{adc}"), &t.marketer.key).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json()
}

/// One round of the ad jobs, `hours` ahead of now.
pub async fn ad_round(app: &TestApp, hours: i64) -> JobRound {
    let ctx = Context {
        clock: Arc::new(Ahead(hours)),
        ..app.ctx().clone()
    };
    jobs::round(
        &ctx,
        &Runners::standard().only(&[
            JobKind::AdLaunch,
            JobKind::AdControl,
            JobKind::AdMetricsSync,
        ]),
        "ads-worker",
        &JobSettings::default(),
    )
    .await
    .unwrap()
}

async fn campaign_spend(app: &TestApp, t: &Team, cmp: &str) -> f64 {
    let c = app
        .get(
            &format!("/api/v1/marketing/campaigns/{cmp}"),
            &t.marketer.key,
        )
        .await
        .json();
    c["rollup"]["spend_usd"]
        .as_f64()
        .unwrap_or_else(|| panic!("{c}"))
}

async fn a_launch_goes_to_the_platform_only_after_a_person_approves_it(app: TestApp) {
    let t = team(&app, "acme", 3).await;
    let account = sandbox(&app, &t).await;
    let creatives = approved_creatives(&app, &t, "meta", 2).await;
    let adc = requested(&app, &t, launch_body(&t, &account, "meta", &creatives)).await;
    let id = id(&adc);
    assert_eq!(adc["status"], "pending_approval");
    assert_eq!(adc["daily_budget_usd"], 25.5);
    assert_eq!(adc["audience_size"], 3);
    assert_eq!(adc["platform_ids"], json!({}));
    assert!(adc["pending_approval_id"].as_str().is_some(), "{adc}");
    // Nothing runs before the decision.
    assert_eq!(ad_round(&app, 0).await.claimed, 0);
    // A default key (the marketer) and the admin cannot approve spend.
    for key in [&t.marketer.key, &t.admin.key] {
        let problem = app
            .post(&format!("{PATH}/{id}/approve"), key, json!({}))
            .await
            .assert_problem(403, "approval_required");
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains(&format!("/ads/campaigns/{id}")),
            "{problem}"
        );
    }
    let inbox = app
        .get(
            "/api/v1/marketing/approvals?subject_type=ad_campaign&status=pending",
            &t.approver.key,
        )
        .await
        .json();
    assert_eq!(inbox["items"].as_array().unwrap().len(), 1, "{inbox}");
    let r = app
        .post(
            &format!("{PATH}/{id}/approve"),
            &t.approver.key,
            json!({"version": adc["version"]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["status"], "launching");
    // Approving again is a conflict, not a second launch.
    app.post(&format!("{PATH}/{id}/approve"), &t.approver.key, json!({}))
        .await
        .assert_problem(409, "conflict");
    let round = ad_round(&app, 0).await;
    assert_eq!((round.claimed, round.succeeded), (1, 1), "{round:?}");
    let live = fetch(&app, &t, &id).await;
    assert_eq!(live["status"], "active", "{live}");
    let ids = live["platform_ids"].as_object().unwrap();
    for step in [
        "audience",
        "audience_members",
        "campaign",
        "ad_set",
        "creative:0",
        "ad:0",
        "creative:1",
        "ad:1",
        "activate",
    ] {
        assert!(ids.contains_key(step), "{step} missing from {live}");
    }
    assert_eq!(
        live["platform_url"],
        Value::Null,
        "a sandbox has no ad manager"
    );
    let calls = live["platform_calls"].as_array().unwrap();
    assert!(
        calls
            .iter()
            .any(|c| c["path"] == "/v26.0/act_sandbox/adsets"),
        "{live}"
    );
    assert!(
        calls.iter().any(|c| c["note"]
            .as_str()
            .unwrap()
            .contains("upload 3 hashed addresses")),
        "{live}"
    );
    // The first sync is queued by the launch and pulls the day.
    let round = ad_round(&app, 0).await;
    assert_eq!(round.succeeded, 1, "{round:?}");
    let synced = fetch(&app, &t, &id).await;
    let days = synced["days"].as_array().unwrap();
    assert_eq!(days.len(), 1, "{synced}");
    let spend = synced["metrics"]["spend_usd"].as_f64().unwrap();
    assert!(spend > 0.0 && spend <= 25.5, "{synced}");
    let cmp = synced["campaign_id"].as_str().unwrap();
    assert_eq!(campaign_spend(&app, &t, cmp).await, spend);
    // Pause, resume, cancel: each shown at once as in flight, then confirmed by its job.
    let r = app
        .post(&format!("{PATH}/{id}/pause"), &t.marketer.key, json!({}))
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    assert_eq!(r.json()["in_flight"], "pause");
    assert_eq!(r.json()["status"], "active");
    app.post(&format!("{PATH}/{id}/resume"), &t.marketer.key, json!({}))
        .await
        .assert_problem(409, "conflict");
    ad_round(&app, 0).await;
    let paused = fetch(&app, &t, &id).await;
    assert_eq!(
        (&paused["status"], &paused["in_flight"]),
        (&json!("paused"), &Value::Null),
        "{paused}"
    );
    app.post(&format!("{PATH}/{id}/resume"), &t.marketer.key, json!({}))
        .await;
    ad_round(&app, 0).await;
    assert_eq!(fetch(&app, &t, &id).await["status"], "active");
    app.post(&format!("{PATH}/{id}/cancel"), &t.marketer.key, json!({}))
        .await;
    ad_round(&app, 0).await;
    let cancelled = fetch(&app, &t, &id).await;
    assert_eq!(cancelled["status"], "cancelled", "{cancelled}");
    assert!(
        cancelled["platform_calls"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["method"] == "DELETE"),
        "{cancelled}"
    );
    let campaign = app
        .get(
            &format!("/api/v1/marketing/campaigns/{cmp}"),
            &t.marketer.key,
        )
        .await
        .json();
    assert_eq!(campaign["status"], "cancelled", "{campaign}");
    assert_eq!(campaign["channel"], "ads");
}

async fn count(app: &TestApp) -> i64 {
    sqlx::query_scalar::<_, i64>("select count(*) from ad_campaigns")
        .fetch_one(app.db().pool())
        .await
        .unwrap()
}

async fn a_bad_launch_request_names_each_field_and_creates_nothing(app: TestApp) {
    let t = team(&app, "acme", 2).await;
    let other = team(&app, "globex", 1).await;
    let account = sandbox(&app, &t).await;
    let meta = approved_creatives(&app, &t, "meta", 1).await;
    let google = approved_creatives(&app, &t, "google", 1).await;
    let draft = app
        .post(
            "/api/v1/marketing/ad-creatives/generate",
            &t.marketer.key,
            json!({"platform": "meta", "brand_id": t.brand, "objective": "book a demo", "count": 1}),
        )
        .await
        .json()["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mail = connector(
        &app,
        &t,
        json!({"kind": "smtp", "name": "Mail", "settings": {"host": "127.0.0.1", "port": "2525", "tls_mode": "none", "from_address": "a@acme.test"}}),
    )
    .await;
    let linkedin = connector(
        &app,
        &t,
        json!({"kind": "linkedin_ads", "name": "LinkedIn", "settings": {"ad_account_id": "507404993", "api_version": "202607"}, "secrets": {"access_token": "li-token"}}),
    )
    .await;
    let r = app
        .post(
            PATH,
            &t.marketer.key,
            json!({"platform": "meta", "objective": "leads", "segment_id": other.segment, "brand_id": t.brand,
                   "connector_id": mail, "daily_budget_usd": 20, "creative_ids": [meta[0], google[0], draft]}),
        )
        .await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(
        r.error_fields(),
        [
            "segment_id",
            "connector_id",
            "creative_ids[1]",
            "creative_ids[2]"
        ],
        "{}",
        r.text
    );
    assert!(
        r.text.contains("is a Google creative") && r.text.contains("is draft"),
        "{}",
        r.text
    );
    // A LinkedIn account without the organization ads are posted as cannot launch.
    let r = app
        .post(
            PATH,
            &t.marketer.key,
            launch_body(&t, &linkedin, "meta", &meta),
        )
        .await;
    assert_eq!(r.error_fields(), ["connector_id"], "{}", r.text);
    assert!(r.text.contains("meta_ads"), "{}", r.text);
    let li_creatives = approved_creatives(&app, &t, "linkedin", 1).await;
    let r = app
        .post(
            PATH,
            &t.marketer.key,
            launch_body(&t, &linkedin, "linkedin", &li_creatives),
        )
        .await;
    assert_eq!(r.error_fields(), ["connector_id"], "{}", r.text);
    assert!(r.text.contains("organization_id"), "{}", r.text);
    // Over the workspace's cap: 422 naming the cap; three decimals; end before start.
    let mut over = launch_body(&t, &account, "meta", &meta);
    over["daily_budget_usd"] = json!(1000.01);
    let r = app.post(PATH, &t.marketer.key, over).await;
    assert_eq!(r.error_fields(), ["daily_budget_usd"], "{}", r.text);
    assert!(r.text.contains("$1,000.00"), "{}", r.text);
    let mut odd = launch_body(&t, &account, "meta", &meta);
    odd["daily_budget_usd"] = json!(10.005);
    odd["starts_at"] = json!("2030-01-10T00:00:00Z");
    odd["ends_at"] = json!("2030-01-09T00:00:00Z");
    let r = app.post(PATH, &t.marketer.key, odd).await;
    assert_eq!(
        r.error_fields(),
        ["daily_budget_usd", "ends_at"],
        "{}",
        r.text
    );
    // A read-only key may not ask at all.
    let reader = app
        .member(
            "acme",
            "reader@acme.test",
            tenex::domain::actor::Role::Marketer,
            Some(&["marketing:read"]),
        )
        .await;
    app.post(PATH, &reader.key, launch_body(&t, &account, "meta", &meta))
        .await
        .assert_problem(403, "forbidden_scope");
    assert_eq!(count(&app).await, 0);
    // The cap is the workspace's setting: raised by an admin, the same budget passes.
    let r = app
        .api(
            axum::http::Method::PATCH,
            "/api/v1/admin/settings",
            Some(&t.admin.key),
            Some(json!({"daily_budget_cap_usd": 2000, "version": 0})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let mut big = launch_body(&t, &account, "meta", &meta);
    big["daily_budget_usd"] = json!(1500);
    requested(&app, &t, big).await;
    assert_eq!(count(&app).await, 1);
}

async fn controls_are_refused_from_statuses_where_they_make_no_sense(app: TestApp) {
    let t = team(&app, "acme", 1).await;
    let account = sandbox(&app, &t).await;
    let creatives = approved_creatives(&app, &t, "google", 1).await;
    let adc = requested(&app, &t, launch_body(&t, &account, "google", &creatives)).await;
    let id = id(&adc);
    for control in ["pause", "resume", "retry-launch"] {
        app.post(
            &format!("{PATH}/{id}/{control}"),
            &t.marketer.key,
            json!({}),
        )
        .await
        .assert_problem(409, "conflict");
    }
    // Cancelling a request not yet decided withdraws it and its approval request.
    let r = app
        .post(&format!("{PATH}/{id}/cancel"), &t.marketer.key, json!({}))
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    assert_eq!(r.json()["status"], "cancelled");
    assert_eq!(r.json()["pending_approval_id"], Value::Null);
    app.post(&format!("{PATH}/{id}/approve"), &t.approver.key, json!({}))
        .await
        .assert_problem(409, "conflict");
    app.post(&format!("{PATH}/{id}/cancel"), &t.marketer.key, json!({}))
        .await
        .assert_problem(409, "conflict");
    assert_eq!(ad_round(&app, 0).await.claimed, 0, "nothing was launched");
    // A rejection needs a note and creates nothing.
    let adc = requested(&app, &t, launch_body(&t, &account, "google", &creatives)).await;
    let id = crate::world::id(&adc);
    app.post(&format!("{PATH}/{id}/reject"), &t.approver.key, json!({}))
        .await
        .assert_problem(422, "validation_failed");
    let r = app
        .post(
            &format!("{PATH}/{id}/reject"),
            &t.approver.key,
            json!({"note": "not this quarter"}),
        )
        .await;
    assert_eq!(r.json()["status"], "rejected", "{}", r.text);
    assert_eq!(ad_round(&app, 0).await.claimed, 0);
}

async fn launched(app: &TestApp, t: &Team, platform: &str) -> Value {
    let account = sandbox(app, t).await;
    let creatives = approved_creatives(app, t, platform, 1).await;
    let adc = requested(app, t, launch_body(t, &account, platform, &creatives)).await;
    let id = id(&adc);
    let r = app
        .post(&format!("{PATH}/{id}/approve"), &t.approver.key, json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    ad_round(app, 0).await;
    fetch(app, t, &id).await
}

async fn a_resync_replaces_a_day_and_the_campaign_counts_it_once(app: TestApp) {
    let t = team(&app, "acme", 2).await;
    let adc = launched(&app, &t, "linkedin").await;
    assert_eq!(adc["status"], "active", "{adc}");
    let id = id(&adc);
    let cmp = adc["campaign_id"].as_str().unwrap().to_owned();
    ad_round(&app, 0).await;
    let first = fetch(&app, &t, &id).await;
    let spend = first["metrics"]["spend_usd"].as_f64().unwrap();
    assert!(spend > 0.0, "{first}");
    // The next sync is due six hours later; it reads the same day again.
    assert_eq!(ad_round(&app, 1).await.claimed, 0);
    let later = ad_round(&app, 7).await;
    assert_eq!(later.succeeded, 1, "{later:?}");
    let again = fetch(&app, &t, &id).await;
    let days = again["days"].as_array().unwrap();
    let total: f64 = days.iter().map(|d| d["spend_usd"].as_f64().unwrap()).sum();
    assert!(
        (campaign_spend(&app, &t, &cmp).await - total).abs() < 0.001,
        "{again}"
    );
    assert!(
        (again["metrics"]["spend_usd"].as_f64().unwrap() - total).abs() < 0.001,
        "{again}"
    );
    // The platform's days, as the campaign's metrics show them, are what a rebuild from
    // the synced days counts. The range is the synced days' own: the sync ran seven hours
    // ahead, which after 17:00 UTC is already tomorrow.
    let mut synced: Vec<&str> = days.iter().map(|d| d["day"].as_str().unwrap()).collect();
    synced.sort_unstable();
    let (first_day, last_day) = (synced[0], synced[synced.len() - 1]);
    let m = app
        .get(
            &format!("/api/v1/marketing/campaigns/{cmp}/metrics?from={first_day}&to={last_day}"),
            &t.marketer.key,
        )
        .await
        .json();
    assert!(
        (m["totals"]["spend_usd"].as_f64().unwrap() - total).abs() < 0.001,
        "{m}"
    );
    let ws = t.admin.actor.workspace_id().clone();
    let kept = tenex::server::db::rollups::snapshot(app.db(), &ws)
        .await
        .unwrap();
    tenex::server::services::rollups::rebuild_all(app.ctx())
        .await
        .unwrap();
    assert_eq!(
        tenex::server::db::rollups::snapshot(app.db(), &ws)
            .await
            .unwrap(),
        kept
    );
    // A day the platform revised is replaced, and the campaign's spend moves by the
    // difference only.
    let day = days[0]["day"].as_str().unwrap().to_owned();
    sqlx::query("update ad_campaign_days set spend_cents = spend_cents + 500 where day = $1")
        .bind(&day)
        .execute(app.db().pool())
        .await
        .unwrap();
    sqlx::query("update jobs set due_at = $1 where kind = 'ad_metrics_sync' and status = 'queued'")
        .bind(app.ctx().now().to_string())
        .execute(app.db().pool())
        .await
        .unwrap();
    let before = campaign_spend(&app, &t, &cmp).await;
    ad_round(&app, 7).await;
    let after = campaign_spend(&app, &t, &cmp).await;
    assert!((before - after - 5.0).abs() < 0.001, "{before} → {after}");
}

async fn a_cancel_during_the_launch_stops_it_and_removes_what_was_created(app: TestApp) {
    let t = team(&app, "acme", 1).await;
    let account = sandbox(&app, &t).await;
    let creatives = approved_creatives(&app, &t, "meta", 1).await;
    let adc = requested(&app, &t, launch_body(&t, &account, "meta", &creatives)).await;
    let id = id(&adc);
    app.post(&format!("{PATH}/{id}/approve"), &t.approver.key, json!({}))
        .await;
    // The launch job got as far as the campaign before the cancel arrived.
    for (step, remote) in [("audience", "sandbox-aud"), ("campaign", "sandbox-cmp")] {
        sqlx::query(
            "insert into ad_campaign_steps (ad_campaign_id, step, remote_id, started_at, done_at) values ($1, $2, $3, $4, $4)",
        )
        .bind(&id)
        .bind(step)
        .bind(remote)
        .bind(app.ctx().now().to_string())
        .execute(app.db().pool())
        .await
        .unwrap();
    }
    let r = app
        .post(&format!("{PATH}/{id}/cancel"), &t.marketer.key, json!({}))
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    assert_eq!(
        (&r.json()["status"], &r.json()["in_flight"]),
        (&json!("launching"), &json!("cancel"))
    );
    // Pausing meanwhile waits for the cancel.
    app.post(&format!("{PATH}/{id}/pause"), &t.marketer.key, json!({}))
        .await
        .assert_problem(409, "conflict");
    ad_round(&app, 0).await;
    let cancelled = fetch(&app, &t, &id).await;
    assert_eq!(cancelled["status"], "cancelled", "{cancelled}");
    let calls = cancelled["platform_calls"].as_array().unwrap();
    assert!(
        calls
            .iter()
            .any(|c| c["path"] == "/sandbox/sandbox-cmp" && c["method"] == "DELETE"),
        "{cancelled}"
    );
    assert!(
        !calls.iter().any(|c| c["method"] == "POST"),
        "nothing more was created after the cancel: {cancelled}"
    );
    // Nothing more runs for it.
    assert_eq!(ad_round(&app, 24).await.claimed, 0);
}

async fn another_workspaces_ad_campaign_is_not_found(app: TestApp) {
    let t = team(&app, "acme", 1).await;
    let other = team(&app, "globex", 1).await;
    let account = sandbox(&app, &t).await;
    let creatives = approved_creatives(&app, &t, "meta", 1).await;
    let adc = requested(&app, &t, launch_body(&t, &account, "meta", &creatives)).await;
    let id = id(&adc);
    app.get(&format!("{PATH}/{id}"), &other.marketer.key)
        .await
        .assert_problem(404, "not_found");
    for action in ["approve", "pause", "cancel"] {
        app.post(
            &format!("{PATH}/{id}/{action}"),
            &other.approver.key,
            json!({"note": "x"}),
        )
        .await
        .assert_problem(404, "not_found");
    }
    // Another workspace's connector and creatives are not this workspace's to launch with.
    let r = app
        .post(
            PATH,
            &other.marketer.key,
            launch_body(&other, &account, "meta", &creatives),
        )
        .await;
    assert_eq!(
        r.error_fields(),
        ["connector_id", "creative_ids[0]"],
        "{}",
        r.text
    );
    let listed = app.get(PATH, &other.marketer.key).await.json();
    assert_eq!(listed["items"], json!([]));
    assert_eq!(fetch(&app, &t, &id).await["status"], "pending_approval");
}

async fn the_inbox_decides_a_launch_like_its_own_route(app: TestApp) {
    let t = team(&app, "acme", 2).await;
    let account = sandbox(&app, &t).await;
    let creatives = approved_creatives(&app, &t, "google", 1).await;
    let adc = requested(&app, &t, launch_body(&t, &account, "google", &creatives)).await;
    let id = id(&adc);
    let apr = adc["pending_approval_id"].as_str().unwrap().to_owned();
    app.post(
        &format!("/api/v1/marketing/approvals/{apr}/approve"),
        &t.marketer.key,
        json!({}),
    )
    .await
    .assert_problem(403, "approval_required");
    // A new contact joins the segment after the request: the approver was shown two
    // people, so the decision is refused and a request for three replaces it.
    crate::crm::import(&app, &t.admin.key, "email\nnew@north.test\n").await;
    let r = app
        .post(
            &format!("/api/v1/marketing/approvals/{apr}/approve"),
            &t.approver.key,
            json!({}),
        )
        .await;
    r.assert_problem(409, "conflict");
    let now = fetch(&app, &t, &id).await;
    assert_eq!(now["audience_size"], 3, "{now}");
    let fresh = now["pending_approval_id"].as_str().unwrap().to_owned();
    assert_ne!(fresh, apr);
    let r = app
        .post(
            &format!("/api/v1/marketing/approvals/{fresh}/approve"),
            &t.approver.key,
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(fetch(&app, &t, &id).await["status"], "launching");
    let pinned: i64 =
        sqlx::query_scalar("select count(*) from ad_audience_members where ad_campaign_id = $1")
            .bind(&id)
            .fetch_one(app.db().pool())
            .await
            .unwrap();
    assert_eq!(pinned, 3);
}

async fn a_sandbox_told_to_refuse_a_step_fails_the_launch_until_it_is_told_otherwise(app: TestApp) {
    let t = team(&app, "acme", 1).await;
    let account = connector(
        &app,
        &t,
        json!({"kind": "sandbox", "name": "Refusing", "settings": {"refuse_step": "ad_set"}}),
    )
    .await;
    let creatives = approved_creatives(&app, &t, "meta", 1).await;
    let adc = requested(&app, &t, launch_body(&t, &account, "meta", &creatives)).await;
    let id = id(&adc);
    app.post(&format!("{PATH}/{id}/approve"), &t.approver.key, json!({}))
        .await;
    ad_round(&app, 0).await;
    let failed = fetch(&app, &t, &id).await;
    assert_eq!(failed["status"], "failed", "{failed}");
    assert!(
        failed["error"]
            .as_str()
            .unwrap()
            .contains("refuses the launch step ad_set"),
        "{failed}"
    );
    assert!(failed["platform_ids"].get("ad_set").is_none(), "{failed}");
    let refused = failed["platform_calls"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(refused["status"], 400, "{failed}");
    // Told otherwise, the retry resumes after the campaign it already created.
    let r = app
        .api(
            axum::http::Method::PATCH,
            &format!("/api/v1/connectors/{account}"),
            Some(&t.admin.key),
            Some(json!({"version": 1, "settings": {"refuse_step": ""}})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let campaign_before = failed["platform_ids"]["campaign"].clone();
    app.post(
        &format!("{PATH}/{id}/retry-launch"),
        &t.marketer.key,
        json!({}),
    )
    .await;
    ad_round(&app, 0).await;
    let live = fetch(&app, &t, &id).await;
    assert_eq!(live["status"], "active", "{live}");
    assert_eq!(live["error"], Value::Null);
    assert_eq!(live["platform_ids"]["campaign"], campaign_before);
    let creates = live["platform_calls"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["path"] == "/v26.0/act_sandbox/campaigns")
        .count();
    assert_eq!(creates, 1, "the campaign was created once: {live}");
}
