//! Connectors: configuration, secrets, and a real connection test for every kind against a
//! local fake that checks what it receives.

use axum::http::Method;
use serde_json::{Value, json};
use tenex::domain::actor::Role;
use wiremock::matchers::{body_partial_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::fake_smtp::FakeSmtp;
use crate::on_both_databases;
use crate::support::{ADMIN_SCOPES, TestApp};

on_both_databases!(
    secrets_are_write_only_and_stored_encrypted,
    bad_settings_are_a_422_naming_each_and_change_nothing,
    a_sandbox_connector_always_passes_its_test,
    connectors_need_the_admin_scope_to_change,
    another_workspaces_connector_is_404,
    editing_a_connector_keeps_its_secrets_and_needs_the_version,
    plain_text_and_http_are_only_for_literal_loopback_hosts,
    testing_a_connection_needs_the_admin_role_or_scope,
    settings_take_json_numbers_and_booleans_and_name_anything_else,
);

async fn admin(app: &TestApp) -> String {
    app.member("Acme", "ada@acme.test", Role::Admin, ADMIN_SCOPES)
        .await
        .key
}

async fn create(app: &TestApp, key: &str, body: Value) -> Value {
    let r = app.post("/api/v1/connectors", key, body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.json()
}

async fn test(app: &TestApp, key: &str, id: &Value) -> Value {
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/connectors/{}/test", id.as_str().unwrap()),
            Some(key),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json()
}

async fn secrets_are_write_only_and_stored_encrypted(app: TestApp) {
    let key = admin(&app).await;
    let c = create(
        &app,
        &key,
        json!({"kind": "webflow", "name": "Site", "settings": {"site_id": "s1", "collection_id": "c1"}, "secrets": {"api_token": "wf-secret-token"}}),
    )
    .await;
    assert_eq!(c["secrets_set"], json!(["api_token"]));
    assert_eq!(c["health"], "unknown");
    let listed = app.get("/api/v1/connectors", &key).await;
    assert!(!listed.text.contains("wf-secret-token"));
    let stored: Vec<String> = sqlx::query_scalar("select coalesce(secrets, '') from connectors")
        .fetch_all(app.db().pool())
        .await
        .unwrap();
    assert!(
        stored[0].starts_with("v1:") && !stored[0].contains("wf-secret"),
        "sealed at rest"
    );
    let log = app.get("/api/v1/admin/audit-log", &key).await;
    assert!(!log.text.contains("wf-secret-token"));
}

async fn bad_settings_are_a_422_naming_each_and_change_nothing(app: TestApp) {
    let key = admin(&app).await;
    let r = app
        .post(
            "/api/v1/connectors",
            &key,
            json!({"kind": "smtp", "name": "Mail", "settings": {"host": "smtp.x.test", "port": "0", "tls_mode": "ssl", "from_address": "nope"}}),
        )
        .await;
    r.assert_problem(422, "validation_failed");
    let fields = r.error_fields();
    for f in [
        "settings.port",
        "settings.tls_mode",
        "settings.from_address",
    ] {
        assert!(fields.iter().any(|x| x == f), "{f} missing from {fields:?}");
    }
    let r = app
        .post(
            "/api/v1/connectors",
            &key,
            json!({"kind": "fax", "name": "x"}),
        )
        .await;
    assert_eq!(r.error_fields(), ["kind"]);
    let r = app
        .post("/api/v1/connectors", &key, json!({"kind": "gmail", "name": "G", "settings": {"sender": "a@b.test", "base_url": "http://evil.example"}, "secrets": {"access_token": "t"}}))
        .await;
    assert_eq!(r.error_fields(), ["settings.base_url"]);
    assert_eq!(
        app.get("/api/v1/connectors", &key).await.json()["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
}

async fn a_sandbox_connector_always_passes_its_test(app: TestApp) {
    let key = admin(&app).await;
    let c = create(&app, &key, json!({"kind": "sandbox", "name": "Try it"})).await;
    assert_eq!(c["roles"], json!(["email_sender", "ad_account", "cms"]));
    let tested = test(&app, &key, &c["id"]).await;
    assert_eq!(tested["health"], "healthy");
    assert!(tested["last_checked_at"].is_string());
}

async fn connectors_need_the_admin_scope_to_change(app: TestApp) {
    let marketer = app
        .member("Acme", "mo@acme.test", Role::Marketer, None)
        .await
        .key;
    app.post(
        "/api/v1/connectors",
        &marketer,
        json!({"kind": "sandbox", "name": "x"}),
    )
    .await
    .assert_problem(403, "forbidden_scope");
    assert_eq!(app.get("/api/v1/connectors", &marketer).await.status, 200);
}

async fn another_workspaces_connector_is_404(app: TestApp) {
    let key = admin(&app).await;
    let other = app
        .member("Globex", "gus@globex.test", Role::Admin, ADMIN_SCOPES)
        .await
        .key;
    let c = create(&app, &other, json!({"kind": "sandbox", "name": "Theirs"})).await;
    let id = c["id"].as_str().unwrap();
    app.get(&format!("/api/v1/connectors/{id}"), &key)
        .await
        .assert_problem(404, "not_found");
    app.api(
        Method::POST,
        &format!("/api/v1/connectors/{id}/test"),
        Some(&key),
        None,
    )
    .await
    .assert_problem(404, "not_found");
    app.api(
        Method::DELETE,
        &format!("/api/v1/connectors/{id}"),
        Some(&key),
        None,
    )
    .await
    .assert_problem(404, "not_found");
}

async fn editing_a_connector_keeps_its_secrets_and_needs_the_version(app: TestApp) {
    let key = admin(&app).await;
    let c = create(&app, &key, json!({"kind": "webflow", "name": "Site", "settings": {"site_id": "s1", "collection_id": "c1"}, "secrets": {"api_token": "tok"}})).await;
    let path = format!("/api/v1/connectors/{}", c["id"].as_str().unwrap());
    let r = app
        .api(
            Method::PATCH,
            &path,
            Some(&key),
            Some(json!({"version": 1, "settings": {"collection_id": "c2"}})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["settings"]["collection_id"], "c2");
    assert_eq!(r.json()["secrets_set"], json!(["api_token"]));
    app.api(
        Method::PATCH,
        &path,
        Some(&key),
        Some(json!({"version": 1, "name": "stale"})),
    )
    .await
    .assert_problem(409, "conflict");
}

async fn plain_text_and_http_are_only_for_literal_loopback_hosts(app: TestApp) {
    let key = admin(&app).await;
    for host in ["127.attacker.example", "localhost.attacker.example"] {
        let r = app
            .post(
                "/api/v1/connectors",
                &key,
                json!({"kind": "smtp", "name": "Mail", "settings": {"host": host, "port": "25", "tls_mode": "none", "from_address": "news@acme.test"}}),
            )
            .await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(r.error_fields(), ["settings.tls_mode"], "{host}");
        let r = app
            .post(
                "/api/v1/connectors",
                &key,
                json!({"kind": "gmail", "name": "G", "settings": {"sender": "a@b.test", "base_url": format!("http://{host}:8080")}, "secrets": {"access_token": "t"}}),
            )
            .await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(r.error_fields(), ["settings.base_url"], "{host}");
    }
    create(
        &app,
        &key,
        json!({"kind": "smtp", "name": "Local", "settings": {"host": "::1", "port": "25", "tls_mode": "none", "from_address": "news@acme.test"}}),
    )
    .await;
}

async fn testing_a_connection_needs_the_admin_role_or_scope(app: TestApp) {
    let admin_key = admin(&app).await;
    let marketer = app
        .member("Acme", "mo@acme.test", Role::Marketer, None)
        .await;
    let writer_key = app
        .member(
            "Acme",
            "wes@acme.test",
            Role::Admin,
            Some(&["marketing:read", "marketing:write"]),
        )
        .await
        .key;
    let c = create(
        &app,
        &admin_key,
        json!({"kind": "sandbox", "name": "Try it"}),
    )
    .await;
    let path = format!("/api/v1/connectors/{}/test", c["id"].as_str().unwrap());
    for key in [&marketer.key, &writer_key] {
        app.api(Method::POST, &path, Some(key), None)
            .await
            .assert_problem(403, "forbidden_scope");
    }
    let session = app
        .log_in("mo@acme.test", crate::support::PASSWORD)
        .await
        .expect("logged in");
    let id = c["id"].as_str().unwrap();
    let r = app
        .form(
            "/rpc/test_connector",
            Some(&session),
            &[("id", id)],
            Some(crate::support::ORIGIN),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.text);
    let untested = app
        .get(&format!("/api/v1/connectors/{id}"), &admin_key)
        .await;
    assert_eq!(untested.json()["health"], "unknown");
    assert_eq!(test(&app, &admin_key, &c["id"]).await["health"], "healthy");
    let admin_session = app
        .log_in("ada@acme.test", crate::support::PASSWORD)
        .await
        .expect("logged in");
    let r = app
        .form(
            "/rpc/test_connector",
            Some(&admin_session),
            &[("id", id)],
            Some(crate::support::ORIGIN),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[tokio::test]
async fn a_provider_redirect_is_not_followed_with_the_credentials() {
    let app = spawn().await;
    let key = admin(&app).await;
    let fake = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v2/collections/col1"))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("location", format!("{}/elsewhere/col1", fake.uri())),
        )
        .expect(1)
        .mount(&fake)
        .await;
    Mock::given(method("GET"))
        .and(path("/elsewhere/col1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"displayName": "Blog"})))
        .expect(0)
        .mount(&fake)
        .await;
    let c = create(&app, &key, json!({"kind": "webflow", "name": "W", "settings": {"site_id": "site1", "collection_id": "col1", "base_url": fake.uri()}, "secrets": {"api_token": "wf-tok"}})).await;
    let tested = test(&app, &key, &c["id"]).await;
    assert_eq!(tested["health"], "failing", "{tested}");
    assert!(
        tested["health_detail"].as_str().unwrap().contains("302"),
        "{tested}"
    );
    let sent_elsewhere = fake
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path().starts_with("/elsewhere"))
        .count();
    assert_eq!(sent_elsewhere, 0, "the token went to the redirect target");
}

async fn spawn() -> TestApp {
    TestApp::spawn(crate::support::Backend::Sqlite)
        .await
        .unwrap()
}

#[tokio::test]
async fn smtp_test_connects_greets_and_authenticates_against_a_real_smtp_conversation() {
    let app = spawn().await;
    let key = admin(&app).await;
    let server = FakeSmtp::start("mailer", "s3cret").await;
    let settings = |port: u16| json!({"host": "127.0.0.1", "port": port.to_string(), "tls_mode": "none", "username": "mailer", "from_address": "news@acme.test"});
    let good = create(&app, &key, json!({"kind": "smtp", "name": "Good", "settings": settings(server.port), "secrets": {"password": "s3cret"}})).await;
    let tested = test(&app, &key, &good["id"]).await;
    assert_eq!(tested["health"], "healthy", "{tested}");
    let commands = server.commands();
    assert!(
        commands.iter().any(|c| c.starts_with("EHLO")),
        "{commands:?}"
    );
    assert!(
        commands.iter().any(|c| c.starts_with("AUTH")),
        "{commands:?}"
    );

    let bad = create(&app, &key, json!({"kind": "smtp", "name": "Bad", "settings": settings(server.port), "secrets": {"password": "wrong"}})).await;
    let tested = test(&app, &key, &bad["id"]).await;
    assert_eq!(tested["health"], "failing");
    assert!(
        tested["health_detail"].as_str().unwrap().contains("535"),
        "{tested}"
    );
    assert!(
        !tested.to_string().contains("wrong"),
        "the password is never echoed"
    );

    let closed = create(
        &app,
        &key,
        json!({"kind": "smtp", "name": "Closed", "settings": settings(1), "secrets": {}}),
    )
    .await;
    assert_eq!(test(&app, &key, &closed["id"]).await["health"], "failing");
}

#[tokio::test]
async fn gmail_test_reads_the_profile_with_the_bearer_token() {
    let app = spawn().await;
    let key = admin(&app).await;
    let fake = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/gmail/v1/users/me/profile"))
        .and(header("authorization", "Bearer gmail-token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"emailAddress": "news@acme.test", "messagesTotal": 3})),
        )
        .expect(1)
        .mount(&fake)
        .await;
    let c = create(&app, &key, json!({"kind": "gmail", "name": "Gmail", "settings": {"sender": "news@acme.test", "base_url": fake.uri()}, "secrets": {"access_token": "gmail-token"}})).await;
    let tested = test(&app, &key, &c["id"]).await;
    assert_eq!(tested["health"], "healthy", "{tested}");
}

#[tokio::test]
async fn an_expired_token_marks_the_connector_failing_with_the_providers_reason() {
    let app = spawn().await;
    let key = admin(&app).await;
    let fake = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1.0/users/news@acme.test"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"error": {"code": "InvalidAuthenticationToken", "message": "Access token has expired."}})))
        .expect(1)
        .mount(&fake)
        .await;
    let c = create(&app, &key, json!({"kind": "outlook", "name": "Outlook", "settings": {"sender": "news@acme.test", "base_url": fake.uri()}, "secrets": {"access_token": "old"}})).await;
    let tested = test(&app, &key, &c["id"]).await;
    assert_eq!(tested["health"], "failing");
    assert_eq!(
        tested["health_detail"],
        "Microsoft Graph answered 401: Access token has expired."
    );
}

#[tokio::test]
async fn ad_account_tests_send_each_platforms_headers() {
    let app = spawn().await;
    let key = admin(&app).await;
    let fake = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v26/customers/1234567890/googleAds:search"))
        .and(header("developer-token", "dev-tok"))
        .and(header("login-customer-id", "9876543210"))
        .and(header("authorization", "Bearer g-tok"))
        .and(body_partial_json(
            json!({"query": "SELECT customer.id, customer.descriptive_name FROM customer LIMIT 1"}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"results": [{"customer": {"id": "1234567890", "descriptiveName": "Acme"}}]}),
        ))
        .expect(1)
        .mount(&fake)
        .await;
    Mock::given(method("GET"))
        .and(path("/rest/adAccounts/5150"))
        .and(header("linkedin-version", "202406"))
        .and(header("x-restli-protocol-version", "2.0.0"))
        .and(header("authorization", "Bearer li-tok"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"id": 5150, "name": "Acme", "status": "ACTIVE"})),
        )
        .expect(1)
        .mount(&fake)
        .await;
    Mock::given(method("GET"))
        .and(path("/v21.0/act_42"))
        .and(query_param("fields", "name,account_status,currency"))
        .and(header("authorization", "Bearer meta-tok"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"id": "act_42", "name": "Acme", "account_status": 1})),
        )
        .expect(1)
        .mount(&fake)
        .await;
    let base = fake.uri();
    let cases = [
        json!({"kind": "google_ads", "name": "G", "settings": {"customer_id": "123-456-7890", "login_customer_id": "987-654-3210", "base_url": base}, "secrets": {"developer_token": "dev-tok", "access_token": "g-tok"}}),
        json!({"kind": "linkedin_ads", "name": "L", "settings": {"ad_account_id": "5150", "api_version": "202406", "base_url": base}, "secrets": {"access_token": "li-tok"}}),
        json!({"kind": "meta_ads", "name": "M", "settings": {"ad_account_id": "42", "api_version": "v21.0", "base_url": base}, "secrets": {"access_token": "meta-tok"}}),
    ];
    for body in cases {
        let c = create(&app, &key, body).await;
        let tested = test(&app, &key, &c["id"]).await;
        assert_eq!(tested["health"], "healthy", "{tested}");
    }
}

#[tokio::test]
async fn cms_tests_read_the_collection_and_the_dataset() {
    let app = spawn().await;
    let key = admin(&app).await;
    let fake = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v2/collections/col1"))
        .and(header("authorization", "Bearer wf-tok"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"id": "col1", "displayName": "Blog Posts"})),
        )
        .expect(1)
        .mount(&fake)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2024-06-01/data/query/production"))
        .and(query_param("query", "*[0...1]{_id}"))
        .and(header("authorization", "Bearer sn-tok"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"result": []})))
        .expect(1)
        .mount(&fake)
        .await;
    let base = fake.uri();
    for body in [
        json!({"kind": "webflow", "name": "W", "settings": {"site_id": "site1", "collection_id": "col1", "base_url": base}, "secrets": {"api_token": "wf-tok"}}),
        json!({"kind": "sanity", "name": "S", "settings": {"project_id": "abc123", "dataset": "production", "api_version": "v2024-06-01", "base_url": base}, "secrets": {"api_token": "sn-tok"}}),
    ] {
        let c = create(&app, &key, body).await;
        assert_eq!(test(&app, &key, &c["id"]).await["health"], "healthy");
    }
}

async fn settings_take_json_numbers_and_booleans_and_name_anything_else(app: TestApp) {
    let key = admin(&app).await;
    let c = create(
        &app,
        &key,
        json!({"kind": "smtp", "name": "Mail", "settings": {"host": "127.0.0.1", "port": 587, "tls_mode": "none",
               "from_address": "ada@acme.test"}}),
    )
    .await;
    assert_eq!(c["settings"]["port"], "587", "{c}");
    let r = app
        .post(
            "/api/v1/connectors",
            &key,
            json!({"kind": "nope", "name": "Mail", "settings": {"host": "127.0.0.1", "port": [587], "tls_mode": null}}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    let fields = r.error_fields();
    for f in ["kind", "settings.port", "settings.tls_mode"] {
        assert!(fields.iter().any(|x| x == f), "{f} in {fields:?}");
    }
    let listed = app.get("/api/v1/connectors", &key).await.json();
    assert_eq!(
        listed["items"].as_array().unwrap().len(),
        1,
        "nothing was added"
    );
}
