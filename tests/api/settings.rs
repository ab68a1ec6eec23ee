//! Workspace settings through the JSON API, on both databases.

use axum::http::Method;
use serde_json::json;

use crate::on_both_databases;
use crate::support::TestApp;
use crate::world::team;

on_both_databases!(
    admins_change_the_budget_cap_at_a_version_and_others_read_it,
    bad_caps_are_refused_naming_the_field_and_change_nothing,
);

const PATH: &str = "/api/v1/admin/settings";

async fn patch(app: &TestApp, key: &str, body: serde_json::Value) -> crate::support::TestResponse {
    app.api(Method::PATCH, PATH, Some(key), Some(body)).await
}

async fn admins_change_the_budget_cap_at_a_version_and_others_read_it(app: TestApp) {
    let t = team(&app, "acme", 1).await;
    let other = team(&app, "globex", 1).await;
    let fresh = app.get(PATH, &t.marketer.key).await.json();
    assert_eq!(
        fresh,
        json!({"daily_budget_cap_usd": 1000.0, "time_zone": "UTC", "attribution_window_days": 30,
               "private_webhook_targets": false, "version": 0, "updated_at": null})
    );
    // A default key reads but cannot change it.
    patch(
        &app,
        &t.marketer.key,
        json!({"version": 0, "daily_budget_cap_usd": 5000}),
    )
    .await
    .assert_problem(403, "forbidden_scope");
    let r = patch(
        &app,
        &t.admin.key,
        json!({"version": 0, "daily_budget_cap_usd": 250.5}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["daily_budget_cap_usd"], 250.5);
    assert_eq!(r.json()["version"], 1);
    assert!(r.json()["updated_at"].is_string());
    assert_eq!(
        app.get(PATH, &t.marketer.key).await.json()["daily_budget_cap_usd"],
        250.5
    );
    // The same version again is stale; If-Match names the current one.
    patch(
        &app,
        &t.admin.key,
        json!({"version": 0, "daily_budget_cap_usd": 300}),
    )
    .await
    .assert_problem(409, "conflict");
    let r = app
        .send(
            axum::http::Request::builder()
                .method(Method::PATCH)
                .uri(PATH)
                .header("authorization", format!("Bearer {}", t.admin.key))
                .header("content-type", "application/json")
                .header("if-match", "1")
                .body(axum::body::Body::from(r#"{"daily_budget_cap_usd": 300}"#))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["version"], 2);
    // Another workspace keeps its own.
    assert_eq!(
        app.get(PATH, &other.admin.key).await.json()["daily_budget_cap_usd"],
        1000.0
    );
    let log = app
        .get("/api/v1/admin/audit-log", &t.admin.key)
        .await
        .json();
    let summaries: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "workspace.settings_updated")
        .map(|e| e["summary"].as_str().unwrap())
        .collect();
    assert_eq!(
        summaries,
        [
            "set the daily budget cap to $300.00 (was $250.50)",
            "set the daily budget cap to $250.50 (was $1,000.00)"
        ]
    );
}

async fn bad_caps_are_refused_naming_the_field_and_change_nothing(app: TestApp) {
    let t = team(&app, "acme", 1).await;
    for bad in [json!(0), json!(-5), json!(1.234), json!(2_000_000)] {
        let r = patch(
            &app,
            &t.admin.key,
            json!({"version": 0, "daily_budget_cap_usd": bad}),
        )
        .await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(r.error_fields(), ["daily_budget_cap_usd"], "{bad}");
    }
    let r = patch(&app, &t.admin.key, json!({"daily_budget_cap_usd": 10})).await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), ["version"]);
    patch(&app, &t.admin.key, json!({"version": 0, "budget": 10}))
        .await
        .assert_problem(422, "validation_failed");
    assert_eq!(app.get(PATH, &t.admin.key).await.json()["version"], 0);
}
