//! API keys, whoami and the audit log through the JSON API.

use axum::http::{Method, header};
use serde_json::json;
use tenex::domain::actor::Role;

use crate::on_both_databases;
use crate::support::TestApp;

const ADMIN_SCOPES: Option<&[&str]> = Some(&[
    "admin",
    "marketing:read",
    "marketing:write",
    "crm:read",
    "crm:write",
]);

on_both_databases!(
    whoami_describes_the_key_its_workspace_and_scopes,
    a_minted_key_is_shown_once_and_works_at_once,
    new_keys_default_to_read_and_write_without_approve,
    a_key_cannot_grant_more_than_it_holds,
    keys_without_the_admin_scope_cannot_manage_keys,
    a_revoked_key_is_refused_on_the_next_request,
    revoking_twice_is_a_conflict,
    a_key_from_another_workspace_gets_404_for_a_key_id,
    an_expired_key_is_refused,
    the_audit_log_records_mint_and_revoke_with_the_actor,
    the_audit_log_needs_the_admin_scope,
    a_viewer_key_cannot_do_more_than_read,
    last_used_at_is_recorded,
    a_key_revoked_by_another_server_is_refused_within_a_second,
);

async fn whoami_describes_the_key_its_workspace_and_scopes(app: TestApp) {
    let m = app
        .member("Acme", "ana@acme.test", Role::Marketer, None)
        .await;
    let r = app.get("/api/v1/whoami", &m.key).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let body = r.json();
    assert_eq!(body["workspace"]["name"], "Acme");
    assert_eq!(body["principal_type"], "key");
    assert!(body["principal_id"].as_str().unwrap().starts_with("key_"));
    assert_eq!(body["user"]["email"], "ana@acme.test");
    assert_eq!(body["role"], "marketer");
    assert_eq!(
        body["scopes"],
        json!(["marketing:read", "marketing:write", "crm:read", "crm:write"])
    );
}

async fn a_minted_key_is_shown_once_and_works_at_once(app: TestApp) {
    let admin = app
        .member("Acme", "ada@acme.test", Role::Admin, ADMIN_SCOPES)
        .await;
    let r = app
        .post(
            "/api/v1/admin/api-keys",
            &admin.key,
            json!({"name": "CRM sync"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let created = r.json();
    let id = created["id"].as_str().unwrap();
    assert_eq!(
        r.headers[header::LOCATION],
        format!("/api/v1/admin/api-keys/{id}")
    );
    let key = created["key"].as_str().unwrap();
    assert!(key.starts_with(&format!("tnx_{}_", created["prefix"].as_str().unwrap())));

    let who = app.get("/api/v1/whoami", key).await;
    assert_eq!(who.status, 200);
    assert_eq!(who.json()["principal_id"], id);

    let list = app.get("/api/v1/admin/api-keys", &admin.key).await;
    assert_eq!(list.status, 200);
    assert!(!list.text.contains(key), "the secret must never be listed");
    let secret = key.rsplit('_').next().unwrap();
    assert!(!list.text.contains(secret));
    assert!(
        list.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k["id"] == id && k["name"] == "CRM sync")
    );
}

async fn new_keys_default_to_read_and_write_without_approve(app: TestApp) {
    let admin = app
        .member("Acme", "ada@acme.test", Role::Admin, ADMIN_SCOPES)
        .await;
    let r = app
        .post(
            "/api/v1/admin/api-keys",
            &admin.key,
            json!({"name": "agent"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let scopes = r.json()["scopes"].clone();
    assert_eq!(
        scopes,
        json!(["marketing:read", "marketing:write", "crm:read", "crm:write"])
    );
}

async fn a_key_cannot_grant_more_than_it_holds(app: TestApp) {
    let admin = app
        .member(
            "Acme",
            "ada@acme.test",
            Role::Admin,
            Some(&["admin", "marketing:read"]),
        )
        .await;
    let r = app
        .post(
            "/api/v1/admin/api-keys",
            &admin.key,
            json!({"name": "wider", "scopes": ["marketing:write"]}),
        )
        .await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), ["scopes"]);
    let list = app.get("/api/v1/admin/api-keys", &admin.key).await;
    assert_eq!(
        list.json()["items"].as_array().unwrap().len(),
        1,
        "nothing was minted"
    );
}

async fn keys_without_the_admin_scope_cannot_manage_keys(app: TestApp) {
    let marketer = app
        .member("Acme", "mo@acme.test", Role::Marketer, None)
        .await;
    app.post(
        "/api/v1/admin/api-keys",
        &marketer.key,
        json!({"name": "persist"}),
    )
    .await
    .assert_problem(403, "forbidden_scope");
    app.get("/api/v1/admin/api-keys", &marketer.key)
        .await
        .assert_problem(403, "forbidden_scope");
    let own_id = app.get("/api/v1/whoami", &marketer.key).await.json()["principal_id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.api(
        Method::DELETE,
        &format!("/api/v1/admin/api-keys/{own_id}"),
        Some(&marketer.key),
        None,
    )
    .await
    .assert_problem(403, "forbidden_scope");
}

async fn a_revoked_key_is_refused_on_the_next_request(app: TestApp) {
    let admin = app
        .member("Acme", "ada@acme.test", Role::Admin, ADMIN_SCOPES)
        .await;
    let created = app
        .post(
            "/api/v1/admin/api-keys",
            &admin.key,
            json!({"name": "temp"}),
        )
        .await
        .json();
    let (id, key) = (
        created["id"].as_str().unwrap(),
        created["key"].as_str().unwrap(),
    );
    assert_eq!(app.get("/api/v1/whoami", key).await.status, 200);

    let r = app
        .api(
            Method::DELETE,
            &format!("/api/v1/admin/api-keys/{id}"),
            Some(&admin.key),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.json()["revoked_at"].is_string());

    let refused = app.get("/api/v1/whoami", key).await;
    refused.assert_problem(401, "unauthorized");
    assert!(refused.headers.contains_key(header::WWW_AUTHENTICATE));
}

async fn revoking_twice_is_a_conflict(app: TestApp) {
    let admin = app
        .member("Acme", "ada@acme.test", Role::Admin, ADMIN_SCOPES)
        .await;
    let id = app
        .post(
            "/api/v1/admin/api-keys",
            &admin.key,
            json!({"name": "temp"}),
        )
        .await
        .json()["id"]
        .clone();
    let path = format!("/api/v1/admin/api-keys/{}", id.as_str().unwrap());
    assert_eq!(
        app.api(Method::DELETE, &path, Some(&admin.key), None)
            .await
            .status,
        200
    );
    app.api(Method::DELETE, &path, Some(&admin.key), None)
        .await
        .assert_problem(409, "conflict");
}

async fn a_key_from_another_workspace_gets_404_for_a_key_id(app: TestApp) {
    let a = app
        .member("Acme", "ada@acme.test", Role::Admin, ADMIN_SCOPES)
        .await;
    let b = app
        .member("Globex", "gus@globex.test", Role::Admin, ADMIN_SCOPES)
        .await;
    let b_key_id = app.get("/api/v1/whoami", &b.key).await.json()["principal_id"]
        .as_str()
        .unwrap()
        .to_owned();

    let r = app
        .api(
            Method::DELETE,
            &format!("/api/v1/admin/api-keys/{b_key_id}"),
            Some(&a.key),
            None,
        )
        .await;
    r.assert_problem(404, "not_found");
    assert_eq!(
        app.get("/api/v1/whoami", &b.key).await.status,
        200,
        "B's key still works"
    );
    let a_list = app.get("/api/v1/admin/api-keys", &a.key).await.json();
    assert!(
        a_list["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|k| k["id"] != b_key_id.as_str())
    );
}

async fn an_expired_key_is_refused(app: TestApp) {
    let m = app
        .member("Acme", "ana@acme.test", Role::Admin, ADMIN_SCOPES)
        .await;
    let past = app
        .post(
            "/api/v1/admin/api-keys",
            &m.key,
            json!({"name": "old", "expires_at": "2020-01-01T00:00:00Z"}),
        )
        .await;
    past.assert_problem(422, "validation_failed");
    assert_eq!(past.error_fields(), ["expires_at"]);

    let created = app
        .post(
            "/api/v1/admin/api-keys",
            &m.key,
            json!({"name": "soon", "expires_at": "2099-01-01T00:00:00Z"}),
        )
        .await
        .json();
    assert_eq!(created["expires_at"], "2099-01-01T00:00:00.000000Z");
    // Age the key in the database, as time would.
    sqlx::query("update api_keys set expires_at = '2021-01-01T00:00:00.000000Z' where id = $1")
        .bind(created["id"].as_str().unwrap())
        .execute(app.db().pool())
        .await
        .unwrap();
    app.get("/api/v1/whoami", created["key"].as_str().unwrap())
        .await
        .assert_problem(401, "unauthorized");
}

async fn the_audit_log_records_mint_and_revoke_with_the_actor(app: TestApp) {
    let admin = app
        .member("Acme", "ada@acme.test", Role::Admin, ADMIN_SCOPES)
        .await;
    let created = app
        .post(
            "/api/v1/admin/api-keys",
            &admin.key,
            json!({"name": "audited"}),
        )
        .await
        .json();
    let id = created["id"].as_str().unwrap();
    app.api(
        Method::DELETE,
        &format!("/api/v1/admin/api-keys/{id}"),
        Some(&admin.key),
        None,
    )
    .await;

    let log = app.get("/api/v1/admin/audit-log", &admin.key).await;
    assert_eq!(log.status, 200, "{}", log.text);
    let items = log.json()["items"].as_array().unwrap().clone();
    let revoked = &items[0];
    assert_eq!(revoked["action"], "api_key.revoked");
    assert_eq!(revoked["subject_id"], id);
    assert_eq!(revoked["actor_type"], "key");
    assert_eq!(revoked["actor_email"], "ada@acme.test");
    assert!(
        revoked["actor_key_id"]
            .as_str()
            .unwrap()
            .starts_with("key_")
    );
    assert_eq!(items[1]["action"], "api_key.minted");
    assert_eq!(items[1]["subject_id"], id);
    assert!(
        !log.text.contains(created["key"].as_str().unwrap()),
        "the log never holds a secret"
    );
}

async fn the_audit_log_needs_the_admin_scope(app: TestApp) {
    let admin_without_scope = app.member("Acme", "ada@acme.test", Role::Admin, None).await;
    app.get("/api/v1/admin/audit-log", &admin_without_scope.key)
        .await
        .assert_problem(403, "forbidden_scope");
    let approver = app
        .member("Acme", "avery@acme.test", Role::Approver, None)
        .await;
    app.get("/api/v1/admin/audit-log", &approver.key)
        .await
        .assert_problem(403, "forbidden_scope");
}

async fn a_viewer_key_cannot_do_more_than_read(app: TestApp) {
    let viewer = app
        .member(
            "Acme",
            "vic@acme.test",
            Role::Viewer,
            Some(&["marketing:read"]),
        )
        .await;
    let who = app.get("/api/v1/whoami", &viewer.key).await.json();
    assert_eq!(who["scopes"], json!(["marketing:read"]));
    app.post("/api/v1/admin/api-keys", &viewer.key, json!({"name": "x"}))
        .await
        .assert_problem(403, "forbidden_scope");
}

async fn last_used_at_is_recorded(app: TestApp) {
    let m = app
        .member("Acme", "ana@acme.test", Role::Admin, ADMIN_SCOPES)
        .await;
    let before = app.get("/api/v1/admin/api-keys", &m.key).await.json();
    // The listing call itself used the key.
    assert!(before["items"][0]["last_used_at"].is_string(), "{before}");
}

async fn a_key_revoked_by_another_server_is_refused_within_a_second(app: TestApp) {
    let m = app
        .member(
            "Acme",
            "ana@acme.test",
            Role::Marketer,
            Some(&["marketing:read"]),
        )
        .await;
    assert_eq!(app.get("/api/v1/whoami", &m.key).await.status, 200);
    // Another process revokes it: this server learns of it only from the database.
    sqlx::query("update api_keys set revoked_at = '2026-01-01T00:00:00.000000Z'")
        .execute(app.db().pool())
        .await
        .unwrap();
    let started = std::time::Instant::now();
    loop {
        let r = app.get("/api/v1/whoami", &m.key).await;
        if r.status == 401 {
            break;
        }
        assert_eq!(r.status, 200, "{}", r.text);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "a revoked key still works after {:?}",
            started.elapsed()
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
