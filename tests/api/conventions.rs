//! The conventions every route shares: problem+json, extractors, paging, idempotency,
//! rate limits, body limits, OpenAPI and health.

use std::collections::HashSet;

use axum::body::Body;
use axum::http::{Method, Request, header};
use serde_json::json;
use tenex::domain::actor::Role;
use tenex::server::config::Settings;

use crate::on_both_databases;
use crate::support::{ADMIN_SCOPES, Backend, TestApp};

on_both_databases!(
    malformed_json_is_a_422_naming_the_body,
    a_missing_field_is_named,
    a_wrongly_typed_field_is_named,
    a_body_that_is_not_json_is_refused,
    a_malformed_id_in_the_path_is_a_404_problem,
    bad_limit_and_cursor_are_422s_naming_them,
    paging_while_rows_are_inserted_never_repeats_or_skips,
    an_idempotent_retry_returns_the_first_answer,
    a_retried_mint_never_mints_twice_nor_stores_the_secret,
    a_wrong_method_is_a_problem_405_and_locations_resolve,
    an_idempotency_key_reused_with_another_body_is_refused,
    unknown_api_routes_are_problem_404s,
    health_answers_without_auth,
);

async fn malformed_json_is_a_422_naming_the_body(app: TestApp) {
    let m = app
        .member("Acme", "ana@acme.test", Role::Admin, ADMIN_SCOPES)
        .await;
    let request = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/admin/api-keys")
        .header(header::AUTHORIZATION, format!("Bearer {}", m.key))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{\"name\": "))
        .unwrap();
    let r = app.send(request).await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), ["body"]);
}

async fn a_missing_field_is_named(app: TestApp) {
    let m = app
        .member("Acme", "ana@acme.test", Role::Admin, ADMIN_SCOPES)
        .await;
    let r = app
        .post(
            "/api/v1/admin/api-keys",
            &m.key,
            json!({"scopes": ["crm:read"]}),
        )
        .await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), ["name"]);
}

async fn a_wrongly_typed_field_is_named(app: TestApp) {
    let m = app
        .member("Acme", "ana@acme.test", Role::Admin, ADMIN_SCOPES)
        .await;
    let r = app
        .post(
            "/api/v1/admin/api-keys",
            &m.key,
            json!({"name": "k", "scopes": ["crm:read", 7]}),
        )
        .await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), ["scopes[1]"]);
    let r = app
        .post(
            "/api/v1/admin/api-keys",
            &m.key,
            json!({"name": "k", "scopes": ["crm:delete"]}),
        )
        .await;
    let body = r.assert_problem(422, "validation_failed");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("crm:delete")
    );
}

async fn a_body_that_is_not_json_is_refused(app: TestApp) {
    let m = app
        .member("Acme", "ana@acme.test", Role::Admin, ADMIN_SCOPES)
        .await;
    let request = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/admin/api-keys")
        .header(header::AUTHORIZATION, format!("Bearer {}", m.key))
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from("name=x"))
        .unwrap();
    let r = app.send(request).await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), ["Content-Type"]);
}

async fn a_malformed_id_in_the_path_is_a_404_problem(app: TestApp) {
    let m = app
        .member("Acme", "ana@acme.test", Role::Admin, ADMIN_SCOPES)
        .await;
    for path in [
        "/api/v1/admin/api-keys/garbage",
        "/api/v1/admin/api-keys/cmp_01jd0000000000000000000000",
    ] {
        app.api(Method::DELETE, path, Some(&m.key), None)
            .await
            .assert_problem(404, "not_found");
    }
}

async fn bad_limit_and_cursor_are_422s_naming_them(app: TestApp) {
    let m = app
        .member("Acme", "ana@acme.test", Role::Admin, ADMIN_SCOPES)
        .await;
    let r = app.get("/api/v1/admin/api-keys?limit=500", &m.key).await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), ["limit"]);
    let r = app
        .get("/api/v1/admin/api-keys?cursor=not-a-cursor", &m.key)
        .await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), ["cursor"]);
    let r = app
        .get("/api/v1/admin/api-keys?limit=abc&cursor=%%%", &m.key)
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
}

async fn paging_while_rows_are_inserted_never_repeats_or_skips(app: TestApp) {
    let m = app
        .member("Acme", "ana@acme.test", Role::Admin, ADMIN_SCOPES)
        .await;
    let mut existing: HashSet<String> = HashSet::new();
    for i in 0..7 {
        let r = app
            .post(
                "/api/v1/admin/api-keys",
                &m.key,
                json!({"name": format!("k{i}")}),
            )
            .await;
        existing.insert(r.json()["id"].as_str().unwrap().to_owned());
    }
    let own = app.get("/api/v1/whoami", &m.key).await.json();
    existing.insert(own["principal_id"].as_str().unwrap().to_owned());
    let mut seen: Vec<String> = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/admin/api-keys?limit=3&cursor={c}"),
            None => "/api/v1/admin/api-keys?limit=3".to_owned(),
        };
        let page = app.get(&path, &m.key).await.json();
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| k["id"].as_str().unwrap().to_owned()),
        );
        pages += 1;
        // Someone else keeps minting while we page.
        app.post(
            "/api/v1/admin/api-keys",
            &m.key,
            json!({"name": format!("during page {pages}")}),
        )
        .await;
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    let unique: HashSet<String> = seen.iter().cloned().collect();
    assert_eq!(unique.len(), seen.len(), "no row repeated");
    assert_eq!(
        unique, existing,
        "every row that existed is seen, and none inserted later"
    );
    assert_eq!(pages, 3);
}

fn keyed_post(key: &str, idempotency_key: &str, body: serde_json::Value) -> Request<Body> {
    Request::builder()
        .method(Method::POST)
        .uri("/api/v1/admin/api-keys")
        .header(header::AUTHORIZATION, format!("Bearer {key}"))
        .header(header::CONTENT_TYPE, "application/json")
        .header("Idempotency-Key", idempotency_key)
        .body(Body::from(body.to_string()))
        .unwrap()
}

async fn an_idempotent_retry_returns_the_first_answer(app: TestApp) {
    let m = app
        .member("Acme", "ana@acme.test", Role::Admin, ADMIN_SCOPES)
        .await;
    let body = json!({"name": "k", "scopes": ["crm:delete"]});
    let first = app.send(keyed_post(&m.key, "replay-1", body.clone())).await;
    first.assert_problem(422, "validation_failed");
    assert_eq!(first.headers["idempotent-replayed"], "false");
    let second = app.send(keyed_post(&m.key, "replay-1", body)).await;
    assert_eq!(second.status, 422);
    assert_eq!(second.headers["idempotent-replayed"], "true");
    assert_eq!(
        second.headers[header::CONTENT_TYPE],
        "application/problem+json"
    );
    assert_eq!(second.json(), first.json());
}

async fn a_retried_mint_never_mints_twice_nor_stores_the_secret(app: TestApp) {
    let m = app
        .member("Acme", "ana@acme.test", Role::Admin, ADMIN_SCOPES)
        .await;
    let first = app
        .send(keyed_post(&m.key, "mint-once", json!({"name": "retry me"})))
        .await;
    assert_eq!(first.status, 201, "{}", first.text);
    let created = first.json();
    let secret = created["key"]
        .as_str()
        .unwrap()
        .rsplit('_')
        .next()
        .unwrap()
        .to_owned();

    let second = app
        .send(keyed_post(&m.key, "mint-once", json!({"name": "retry me"})))
        .await;
    let problem = second.assert_problem(409, "conflict");
    assert_eq!(second.headers["idempotent-replayed"], "true");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains(created["id"].as_str().unwrap())
    );
    assert!(!second.text.contains(&secret));

    let stored: Vec<String> = sqlx::query_scalar("select coalesce(body, '') from idempotency_keys")
        .fetch_all(app.db().pool())
        .await
        .unwrap();
    assert!(
        stored.iter().all(|b| !b.contains(&secret)),
        "the secret is never stored"
    );
    let list = app.get("/api/v1/admin/api-keys", &m.key).await.json();
    let named = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["name"] == "retry me")
        .count();
    assert_eq!(named, 1, "minted once");
}

async fn an_idempotency_key_reused_with_another_body_is_refused(app: TestApp) {
    let m = app
        .member("Acme", "ana@acme.test", Role::Admin, ADMIN_SCOPES)
        .await;
    let send = |name: &str| {
        let request = Request::builder()
            .method(Method::POST)
            .uri("/api/v1/admin/api-keys")
            .header(header::AUTHORIZATION, format!("Bearer {}", m.key))
            .header(header::CONTENT_TYPE, "application/json")
            .header("Idempotency-Key", "reused")
            .body(Body::from(json!({"name": name}).to_string()))
            .unwrap();
        app.send(request)
    };
    assert_eq!(send("first").await.status, 201);
    send("second")
        .await
        .assert_problem(422, "idempotency_mismatch");
    let list = app.get("/api/v1/admin/api-keys", &m.key).await.json();
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|k| k["name"] != "second"),
        "nothing changed"
    );
}

async fn a_wrong_method_is_a_problem_405_and_locations_resolve(app: TestApp) {
    let m = app
        .member("Acme", "ana@acme.test", Role::Admin, ADMIN_SCOPES)
        .await;
    let created = app
        .post("/api/v1/admin/api-keys", &m.key, json!({"name": "located"}))
        .await;
    let location = created.headers[header::LOCATION]
        .to_str()
        .unwrap()
        .to_owned();
    let fetched = app.get(&location, &m.key).await;
    assert_eq!(fetched.status, 200, "{}", fetched.text);
    assert_eq!(fetched.json()["name"], "located");
    assert_eq!(fetched.json()["status"], "active");
    let r = app.api(Method::PUT, &location, Some(&m.key), None).await;
    r.assert_problem(405, "method_not_allowed");
}

async fn unknown_api_routes_are_problem_404s(app: TestApp) {
    let m = app
        .member("Acme", "ana@acme.test", Role::Admin, ADMIN_SCOPES)
        .await;
    app.get("/api/v1/nothing-here", &m.key)
        .await
        .assert_problem(404, "not_found");
    app.api(Method::GET, "/api/v1/nothing-here", None, None)
        .await
        .assert_problem(401, "unauthorized");
}

async fn health_answers_without_auth(app: TestApp) {
    let r = app.api(Method::GET, "/healthz", None, None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["status"], "ok");
}

#[tokio::test]
async fn a_key_over_its_rate_limit_gets_429_with_retry_after() {
    let settings = Settings {
        rate_limit_per_minute: 3,
        ..Settings::default()
    };
    let app = TestApp::spawn_with(Backend::Sqlite, settings)
        .await
        .unwrap();
    let m = app
        .member("Acme", "ana@acme.test", Role::Marketer, None)
        .await;
    let other = app
        .member("Acme", "ida@acme.test", Role::Marketer, None)
        .await;
    for _ in 0..3 {
        assert_eq!(app.get("/api/v1/whoami", &m.key).await.status, 200);
    }
    let r = app.get("/api/v1/whoami", &m.key).await;
    r.assert_problem(429, "rate_limited");
    let wait: u64 = r.headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait));
    assert_eq!(
        app.get("/api/v1/whoami", &other.key).await.status,
        200,
        "other keys keep their own budget"
    );
}

#[tokio::test]
async fn a_body_over_the_limit_is_413() {
    let settings = Settings {
        max_body_bytes: 2048,
        ..Settings::default()
    };
    let app = TestApp::spawn_with(Backend::Sqlite, settings)
        .await
        .unwrap();
    let m = app
        .member("Acme", "ana@acme.test", Role::Admin, ADMIN_SCOPES)
        .await;
    let big = json!({"name": "x".repeat(5000)}).to_string();
    for (idempotency, content_length) in
        [(false, false), (true, false), (false, true), (true, true)]
    {
        let mut builder = Request::builder()
            .method(Method::POST)
            .uri("/api/v1/admin/api-keys")
            .header(header::AUTHORIZATION, format!("Bearer {}", m.key))
            .header(header::CONTENT_TYPE, "application/json");
        if idempotency {
            builder = builder.header("Idempotency-Key", format!("big-{content_length}"));
        }
        if content_length {
            builder = builder.header(header::CONTENT_LENGTH, big.len());
        }
        let r = app
            .send(builder.body(Body::from(big.clone())).unwrap())
            .await;
        r.assert_problem(413, "payload_too_large");
    }
}

/// The document is compressed once, at the highest level, and an answer carries one
/// encoding: the on-the-fly layer leaves an encoded answer alone.
#[tokio::test]
async fn the_openapi_document_is_served_compressed_once_at_the_highest_level() {
    use http_body_util::BodyExt;
    use std::io::Read;
    use tower::ServiceExt;

    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let plain = app
        .api(Method::GET, "/api/v1/openapi.json", None, None)
        .await;
    assert_eq!(plain.status, 200);
    assert!(!plain.headers.contains_key(header::CONTENT_ENCODING));
    let request = Request::get("/api/v1/openapi.json")
        .header(header::ACCEPT_ENCODING, "gzip, deflate, br")
        .body(Body::empty())
        .unwrap();
    let response = app.router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), 200);
    let encodings: Vec<_> = response
        .headers()
        .get_all(header::CONTENT_ENCODING)
        .iter()
        .collect();
    assert_eq!(encodings, ["br"]);
    assert_eq!(response.headers()[header::VARY], "accept-encoding");
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let mut decoded = String::new();
    brotli::Decompressor::new(&bytes[..], 4096)
        .read_to_string(&mut decoded)
        .unwrap();
    assert_eq!(decoded, plain.text);
    // Brotli 11 writes under a twelfth of it; on the fly at level 1 it was about a ninth.
    assert!(
        bytes.len() * 12 < decoded.len(),
        "{} of {} bytes",
        bytes.len(),
        decoded.len()
    );
}

#[tokio::test]
async fn the_openapi_document_is_3_1_and_lists_every_route() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let r = app
        .api(Method::GET, "/api/v1/openapi.json", None, None)
        .await;
    assert_eq!(r.status, 200);
    let doc = r.json();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    let paths = doc["paths"].as_object().unwrap();
    for (path, method) in [
        ("/api/v1/whoami", "get"),
        ("/api/v1/admin/api-keys", "get"),
        ("/api/v1/admin/api-keys", "post"),
        ("/api/v1/admin/api-keys/{id}", "delete"),
        ("/api/v1/admin/audit-log", "get"),
        ("/api/v1/marketing/email-sequences/{id}/pause", "post"),
        ("/api/v1/marketing/email-sequences/{id}/resume", "post"),
        ("/api/v1/marketing/email-sequences/{id}/cancel", "post"),
        ("/api/v1/marketing/email-sequences/{id}/messages", "get"),
        (
            "/api/v1/marketing/email-sequences/{id}/messages/{message_id}/settle",
            "post",
        ),
        ("/api/v1/marketing/events", "post"),
        ("/api/v1/marketing/inbound/email", "post"),
        ("/api/v1/marketing/outbox", "get"),
    ] {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} missing from OpenAPI"
        );
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());

    // Request bodies are the domain's input types, documented from their own doc comments:
    // no mirror structs that could drift from what the services parse.
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let mirrors: Vec<&String> = schemas.keys().filter(|k| k.ends_with("Body")).collect();
    assert!(mirrors.is_empty(), "mirror body schemas: {mirrors:?}");
    let preview = &paths["/api/v1/marketing/email-sequences/preview"]["post"]["requestBody"];
    assert_eq!(
        preview["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/PreviewInput"
    );
    let input = &schemas["PreviewInput"];
    assert_eq!(input["additionalProperties"], false, "{input}");
    assert!(
        input["properties"]["sender_connector_id"]["description"]
            .as_str()
            .is_some_and(|d| d.contains("cnr_")),
        "{input}"
    );
    assert!(schemas["SendWindowInput"]["properties"]["start_hour"].is_object());
    // Webhook-shaped inputs take the other system's extra fields.
    assert_ne!(schemas["InboundEmail"]["additionalProperties"], false);
}

#[tokio::test]
async fn the_api_reference_page_loads_its_assets_from_this_site() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let r = app.page("/api/docs", None).await;
    assert_eq!(r.status, 200);
    assert!(r.text.contains("/api/v1/openapi.json"));
    assert!(
        r.text
            .contains("src=\"/vendor/swagger-ui/swagger-ui-bundle.js\"")
    );
    assert!(!r.text.contains("https://"), "no asset from another host");
    assert!(r.text.contains("id=\"problem-validation_failed\""));
}

/// The OpenAPI document names each schema by its type's name, and a second type of the same
/// name silently replaces the first: every documented type needs a name of its own.
#[test]
fn documented_types_have_unique_names() {
    let mut seen = std::collections::HashMap::new();
    for dir in ["src/server/api", "src/domain"] {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
        let mut files: Vec<_> = std::fs::read_dir(&root)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for file in files
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        {
            let text = std::fs::read_to_string(&file).unwrap();
            let mut documented = false;
            for line in text.lines().map(str::trim) {
                if line.starts_with("#[") && line.contains("ToSchema") {
                    documented = true;
                } else if documented
                    && (line.starts_with("pub struct ") || line.starts_with("pub enum "))
                {
                    let name = line
                        .split_whitespace()
                        .nth(2)
                        .unwrap()
                        .trim_end_matches(['{', '(', ';'])
                        .split('<')
                        .next()
                        .unwrap()
                        .to_owned();
                    if let Some(other) = seen.insert(name.clone(), file.clone()) {
                        panic!(
                            "{name} is documented in {} and {}",
                            other.display(),
                            file.display()
                        );
                    }
                    documented = false;
                } else if !line.starts_with("#[") && !line.starts_with("///") {
                    documented = false;
                }
            }
        }
    }
    assert!(seen.len() > 50, "found {} documented types", seen.len());
}
