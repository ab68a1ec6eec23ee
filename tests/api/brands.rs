//! Brands through the JSON API.

use axum::http::Method;
use serde_json::json;
use tenex::domain::actor::Role;

use crate::on_both_databases;
use crate::support::TestApp;

on_both_databases!(
    the_first_brand_is_the_default_and_the_default_can_move,
    brand_edits_need_the_current_version_and_valid_fields,
    another_workspaces_brand_is_404,
);

async fn the_first_brand_is_the_default_and_the_default_can_move(app: TestApp) {
    let key = app
        .member("Acme", "mo@acme.test", Role::Marketer, None)
        .await
        .key;
    let first = app
        .post("/api/v1/knowledge/brands", &key, json!({"name": "Acme", "usps": ["Fast", " ", "fast", "Cheap"], "do_not_say": ["cheapest"]}))
        .await;
    assert_eq!(first.status, 201, "{}", first.text);
    let first = first.json();
    assert_eq!(first["is_default"], true);
    assert_eq!(first["usps"], json!(["Fast", "Cheap"]));
    let second = app
        .post(
            "/api/v1/knowledge/brands",
            &key,
            json!({"name": "Acme Labs", "is_default": true}),
        )
        .await
        .json();
    assert_eq!(second["is_default"], true);
    let again = app
        .get(
            &format!("/api/v1/knowledge/brands/{}", first["id"].as_str().unwrap()),
            &key,
        )
        .await
        .json();
    assert_eq!(again["is_default"], false, "one default at a time");
}

async fn brand_edits_need_the_current_version_and_valid_fields(app: TestApp) {
    let key = app
        .member("Acme", "mo@acme.test", Role::Marketer, None)
        .await
        .key;
    let b = app
        .post("/api/v1/knowledge/brands", &key, json!({"name": "Acme"}))
        .await
        .json();
    let path = format!("/api/v1/knowledge/brands/{}", b["id"].as_str().unwrap());
    let bad = app
        .api(
            Method::PATCH,
            &path,
            Some(&key),
            Some(json!({"version": 1, "name": "", "brand_voice": "x".repeat(501)})),
        )
        .await;
    bad.assert_problem(422, "validation_failed");
    assert_eq!(bad.error_fields(), ["name", "brand_voice"]);
    let ok = app
        .api(
            Method::PATCH,
            &path,
            Some(&key),
            Some(json!({"version": 1, "brand_voice": "Warm"})),
        )
        .await
        .json();
    assert_eq!(ok["version"], 2);
    assert_eq!(ok["name"], "Acme");
    app.api(
        Method::PATCH,
        &path,
        Some(&key),
        Some(json!({"version": 1, "brand_voice": "Cold"})),
    )
    .await
    .assert_problem(409, "conflict");
}

async fn another_workspaces_brand_is_404(app: TestApp) {
    let key = app
        .member("Acme", "mo@acme.test", Role::Marketer, None)
        .await
        .key;
    let other = app
        .member("Globex", "gus@globex.test", Role::Marketer, None)
        .await
        .key;
    let b = app
        .post(
            "/api/v1/knowledge/brands",
            &other,
            json!({"name": "Globex"}),
        )
        .await
        .json();
    let path = format!("/api/v1/knowledge/brands/{}", b["id"].as_str().unwrap());
    app.get(&path, &key).await.assert_problem(404, "not_found");
    app.api(
        Method::PATCH,
        &path,
        Some(&key),
        Some(json!({"version": 1, "name": "Mine"})),
    )
    .await
    .assert_problem(404, "not_found");
}
