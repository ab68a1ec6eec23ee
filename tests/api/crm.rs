//! Contacts, CSV import and segments through the JSON API.

use axum::body::Body;
use axum::http::{Method, Request, header};
use serde_json::{Value, json};
use tenex::domain::actor::Role;

use crate::on_both_databases;
use crate::support::{TestApp, TestResponse};

on_both_databases!(
    contacts_are_created_read_edited_searched_and_deleted,
    a_duplicate_email_is_a_422_naming_email,
    an_import_reports_each_bad_row_and_keeps_the_good_ones,
    re_importing_updates_by_email_instead_of_duplicating,
    an_import_without_an_email_column_is_refused_and_changes_nothing,
    rule_segments_count_what_the_rule_matches,
    a_rule_with_an_unknown_field_or_operator_is_a_422_naming_it,
    static_segments_take_members_of_this_workspace_only,
    another_workspaces_contacts_and_segments_are_404,
    keys_without_crm_write_cannot_change_contacts,
    a_viewer_key_can_read_but_not_write,
    editing_a_segment_needs_the_current_version,
    import_line_numbers_hold_for_crlf_files_and_blank_lines,
    an_import_the_database_refuses_reports_where_it_stopped,
    the_database_and_the_domain_agree_on_who_matches_a_rule,
);

async fn crm_member(app: &TestApp, workspace: &str) -> String {
    app.member(
        workspace,
        &format!("crm@{}.test", workspace.to_lowercase()),
        Role::Marketer,
        None,
    )
    .await
    .key
}

pub async fn import(app: &TestApp, key: &str, csv: &str) -> TestResponse {
    let request = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/crm/contacts/import")
        .header(header::AUTHORIZATION, format!("Bearer {key}"))
        .header(header::CONTENT_TYPE, "text/csv")
        .body(Body::from(csv.to_owned()))
        .unwrap();
    app.send(request).await
}

async fn contacts_are_created_read_edited_searched_and_deleted(app: TestApp) {
    let key = crm_member(&app, "Acme").await;
    let r = app
        .post("/api/v1/crm/contacts", &key, json!({"email": "Ana@Northwind.test", "first_name": "Ana", "company": "Northwind", "custom_fields": {"Plan Tier": "gold"}}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let c = r.json();
    assert_eq!(c["email"], "ana@northwind.test");
    assert_eq!(c["custom_fields"]["plan_tier"], "gold");
    let id = c["id"].as_str().unwrap();
    let path = format!("/api/v1/crm/contacts/{id}");

    let unversioned = app
        .api(
            Method::PATCH,
            &path,
            Some(&key),
            Some(json!({"title": "CTO"})),
        )
        .await;
    assert_eq!(unversioned.error_fields(), ["version"]);
    let edited = app
        .api(
            Method::PATCH,
            &path,
            Some(&key),
            Some(json!({"title": "CTO", "version": 1})),
        )
        .await
        .json();
    assert_eq!(edited["title"], "CTO");
    assert_eq!(edited["version"], 2);
    app.api(
        Method::PATCH,
        &path,
        Some(&key),
        Some(json!({"title": "CEO", "version": 1})),
    )
    .await
    .assert_problem(409, "conflict");
    assert_eq!(
        edited["company"], "Northwind",
        "fields not sent keep their value"
    );

    app.post(
        "/api/v1/crm/contacts",
        &key,
        json!({"email": "bo@initech.test", "company": "Initech"}),
    )
    .await;
    let found = app.get("/api/v1/crm/contacts?q=northW", &key).await.json();
    let items = found["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], id);

    assert_eq!(
        app.api(Method::DELETE, &path, Some(&key), None)
            .await
            .status,
        204
    );
    app.get(&path, &key).await.assert_problem(404, "not_found");
}

async fn a_duplicate_email_is_a_422_naming_email(app: TestApp) {
    let key = crm_member(&app, "Acme").await;
    app.post("/api/v1/crm/contacts", &key, json!({"email": "ana@x.test"}))
        .await;
    let r = app
        .post("/api/v1/crm/contacts", &key, json!({"email": "ANA@x.test"}))
        .await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), ["email"]);
    let r = app
        .post(
            "/api/v1/crm/contacts",
            &key,
            json!({"email": "nope", "lifecycle_stage": "fan"}),
        )
        .await;
    assert_eq!(r.error_fields(), ["email", "lifecycle_stage"]);
}

async fn an_import_reports_each_bad_row_and_keeps_the_good_ones(app: TestApp) {
    let key = crm_member(&app, "Acme").await;
    let long = "x".repeat(150);
    let csv = format!(
        "Email,First Name,Company,Plan\n\
         ana@a.test,Ana,Acme,gold\n\
         not-an-email,Bo,Acme,silver\n\
         ,Cy,Acme,gold\n\
         dee@a.test,{long},Acme,gold\n\
         ANA@a.test,Ana again,Acme,gold\n\
         eve@a.test,Eve,Acme,bronze\n"
    );
    let r = import(&app, &key, &csv).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let report = r.json();
    assert_eq!(report["created"], 2);
    assert_eq!(report["updated"], 0);
    assert_eq!(report["error_count"], 4);
    let errors: Vec<(u64, String)> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["line"].as_u64().unwrap(),
                e["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(errors[0].0, 3);
    assert!(errors[0].1.contains("bad email"), "{errors:?}");
    assert_eq!(errors[1], (4, "missing email".to_owned()));
    assert_eq!(errors[2].0, 5);
    assert!(errors[2].1.contains("too long"), "{errors:?}");
    assert_eq!(errors[3].0, 6);
    assert!(errors[3].1.contains("duplicate in file"), "{errors:?}");
    let ana = app
        .get("/api/v1/crm/contacts?q=ana@a.test", &key)
        .await
        .json();
    assert_eq!(ana["items"][0]["custom_fields"]["plan"], "gold");
}

async fn re_importing_updates_by_email_instead_of_duplicating(app: TestApp) {
    let key = crm_member(&app, "Acme").await;
    import(
        &app,
        &key,
        "email,first_name,title,plan\nana@a.test,Ana,CEO,gold\nbo@a.test,Bo,CTO,silver\n",
    )
    .await;
    let r = import(
        &app,
        &key,
        "email,title,plan,region\nANA@A.TEST,COO,,emea\ncy@a.test,VP,gold,us\n",
    )
    .await
    .json();
    assert_eq!(r["created"], 1);
    assert_eq!(r["updated"], 1);
    let all = app.get("/api/v1/crm/contacts", &key).await.json();
    assert_eq!(all["items"].as_array().unwrap().len(), 3, "no duplicate");
    let ana = app
        .get("/api/v1/crm/contacts?q=ana@a.test", &key)
        .await
        .json()["items"][0]
        .clone();
    assert_eq!(ana["title"], "COO", "a new value replaces the old");
    assert_eq!(
        ana["first_name"], "Ana",
        "a column missing from the file keeps its value"
    );
    assert_eq!(
        ana["custom_fields"]["plan"], "gold",
        "an empty cell erases nothing"
    );
    assert_eq!(ana["custom_fields"]["region"], "emea");
    import(
        &app,
        &key,
        "email,lifecycle_stage\nana@a.test,customer\nbo@a.test,\n",
    )
    .await;
    let ana = app
        .get("/api/v1/crm/contacts?q=ana@a.test", &key)
        .await
        .json()["items"][0]
        .clone();
    assert_eq!(
        ana["lifecycle_stage"], "customer",
        "a stage in the file replaces the old one"
    );
    import(&app, &key, "email,lifecycle_stage\nbo@a.test,qualified\n").await;
    import(&app, &key, "email,title\nbo@a.test,CFO\n").await;
    let bo = app
        .get("/api/v1/crm/contacts?q=bo@a.test", &key)
        .await
        .json()["items"][0]
        .clone();
    assert_eq!(
        bo["lifecycle_stage"], "qualified",
        "a file without the column keeps the stage"
    );
}

async fn an_import_without_an_email_column_is_refused_and_changes_nothing(app: TestApp) {
    let key = crm_member(&app, "Acme").await;
    let r = import(&app, &key, "name,company\nAna,Acme\n").await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), ["header"]);
    let request = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/crm/contacts/import")
        .header(header::AUTHORIZATION, format!("Bearer {key}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{}"))
        .unwrap();
    assert_eq!(app.send(request).await.error_fields(), ["Content-Type"]);
    assert_eq!(
        app.get("/api/v1/crm/contacts", &key).await.json()["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
}

fn rule(conditions: Value, combine: &str) -> Value {
    json!({"name": "Rule", "kind": "rule", "rule": {"match": combine, "conditions": conditions}})
}

async fn rule_segments_count_what_the_rule_matches(app: TestApp) {
    let key = crm_member(&app, "Acme").await;
    import(
        &app,
        &key,
        "email,company,title,lifecycle_stage,plan\n\
         a@a.test,Acme Corp,Head of Operations,customer,gold\n\
         b@a.test,ACME Labs,CTO,lead,gold\n\
         c@a.test,Initech,Operations Lead,customer,silver\n\
         d@a.test,Initech,CEO,customer,\n",
    )
    .await;
    let cases = [
        (
            json!([{"field": "company", "op": "contains", "value": "acme"}]),
            "all",
            2,
        ),
        (
            json!([{"field": "company", "op": "contains", "value": "acme"}, {"field": "custom.plan", "op": "equals", "value": "GOLD"}]),
            "all",
            2,
        ),
        (
            json!([{"field": "title", "op": "contains", "value": "operations"}, {"field": "custom.plan", "op": "equals", "value": "gold"}]),
            "any",
            3,
        ),
        (
            json!([{"field": "custom.plan", "op": "is_empty"}]),
            "all",
            1,
        ),
        (
            json!([{"field": "custom.plan", "op": "in", "values": ["silver", "bronze"]}]),
            "all",
            1,
        ),
        (
            json!([{"field": "lifecycle_stage", "op": "not_equals", "value": "customer"}]),
            "all",
            1,
        ),
        (
            json!([{"field": "created_at", "op": "before", "value": "2000-01-01"}]),
            "all",
            0,
        ),
        (
            json!([{"field": "created_at", "op": "after", "value": "2000-01-01"}]),
            "all",
            4,
        ),
    ];
    for (conditions, combine, expected) in cases {
        let body = rule(conditions.clone(), combine);
        let preview = app
            .post("/api/v1/crm/segments/preview", &key, body["rule"].clone())
            .await;
        assert_eq!(preview.status, 200, "{}", preview.text);
        assert_eq!(preview.json()["count"], expected, "preview of {conditions}");
        let created = app.post("/api/v1/crm/segments", &key, body).await;
        assert_eq!(created.status, 201, "{}", created.text);
        let seg = created.json();
        assert_eq!(seg["member_count"], expected, "{conditions}");
        let members = app
            .get(
                &format!(
                    "/api/v1/crm/segments/{}/members?limit=1",
                    seg["id"].as_str().unwrap()
                ),
                &key,
            )
            .await
            .json();
        assert_eq!(
            members["items"].as_array().unwrap().len(),
            (expected as usize).min(1)
        );
    }
}

async fn a_rule_with_an_unknown_field_or_operator_is_a_422_naming_it(app: TestApp) {
    let key = crm_member(&app, "Acme").await;
    let r = app
        .post("/api/v1/crm/segments", &key, rule(json!([{"field": "shoe_size", "op": "equals", "value": "9"}, {"field": "company", "op": "sounds_like", "value": "x"}]), "all"))
        .await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(
        r.error_fields(),
        ["rule.conditions[0].field", "rule.conditions[1].op"]
    );
    let r = app
        .post(
            "/api/v1/crm/segments",
            &key,
            json!({"name": "x", "kind": "rule"}),
        )
        .await;
    assert_eq!(r.error_fields(), ["rule"]);
    let r = app
        .post(
            "/api/v1/crm/segments/preview",
            &key,
            json!({"match": "most", "conditions": []}),
        )
        .await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(
        app.get("/api/v1/crm/segments", &key).await.json()["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
}

async fn static_segments_take_members_of_this_workspace_only(app: TestApp) {
    let key = crm_member(&app, "Acme").await;
    let other = crm_member(&app, "Globex").await;
    let mine = app
        .post("/api/v1/crm/contacts", &key, json!({"email": "a@a.test"}))
        .await
        .json()["id"]
        .clone();
    let theirs = app
        .post("/api/v1/crm/contacts", &other, json!({"email": "g@g.test"}))
        .await
        .json()["id"]
        .clone();
    let r = app
        .post(
            "/api/v1/crm/segments",
            &key,
            json!({"name": "VIP", "kind": "static", "contact_ids": [mine, theirs]}),
        )
        .await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), ["contact_ids[1]"]);
    let none = app.get("/api/v1/crm/segments", &key).await.json();
    assert_eq!(
        none["items"].as_array().unwrap().len(),
        0,
        "a refused create leaves no segment behind"
    );

    let seg = app
        .post(
            "/api/v1/crm/segments",
            &key,
            json!({"name": "VIP", "kind": "static", "contact_ids": [mine]}),
        )
        .await
        .json();
    assert_eq!(seg["member_count"], 1);
    let id = seg["id"].as_str().unwrap();
    let removed = app
        .api(
            Method::DELETE,
            &format!(
                "/api/v1/crm/segments/{id}/members/{}",
                mine.as_str().unwrap()
            ),
            Some(&key),
            None,
        )
        .await;
    assert_eq!(removed.json()["member_count"], 0);
}

async fn another_workspaces_contacts_and_segments_are_404(app: TestApp) {
    let key = crm_member(&app, "Acme").await;
    let other = crm_member(&app, "Globex").await;
    let c = app
        .post("/api/v1/crm/contacts", &other, json!({"email": "g@g.test"}))
        .await
        .json();
    let s = app
        .post(
            "/api/v1/crm/segments",
            &other,
            json!({"name": "G", "kind": "static"}),
        )
        .await
        .json();
    let cid = c["id"].as_str().unwrap();
    let sid = s["id"].as_str().unwrap();
    app.get(&format!("/api/v1/crm/contacts/{cid}"), &key)
        .await
        .assert_problem(404, "not_found");
    app.api(
        Method::PATCH,
        &format!("/api/v1/crm/contacts/{cid}"),
        Some(&key),
        Some(json!({"title": "x", "version": 1})),
    )
    .await
    .assert_problem(404, "not_found");
    app.api(
        Method::DELETE,
        &format!("/api/v1/crm/contacts/{cid}"),
        Some(&key),
        None,
    )
    .await
    .assert_problem(404, "not_found");
    app.get(&format!("/api/v1/crm/segments/{sid}"), &key)
        .await
        .assert_problem(404, "not_found");
    app.get(&format!("/api/v1/crm/segments/{sid}/members"), &key)
        .await
        .assert_problem(404, "not_found");
    assert_eq!(
        app.get(&format!("/api/v1/crm/contacts/{cid}"), &other)
            .await
            .status,
        200
    );
}

async fn keys_without_crm_write_cannot_change_contacts(app: TestApp) {
    let reader = app
        .member(
            "Acme",
            "r@acme.test",
            Role::Marketer,
            Some(&["crm:read", "marketing:read"]),
        )
        .await
        .key;
    app.post(
        "/api/v1/crm/contacts",
        &reader,
        json!({"email": "a@a.test"}),
    )
    .await
    .assert_problem(403, "forbidden_scope");
    import(&app, &reader, "email\na@a.test\n")
        .await
        .assert_problem(403, "forbidden_scope");
    app.post(
        "/api/v1/crm/segments",
        &reader,
        json!({"name": "x", "kind": "static"}),
    )
    .await
    .assert_problem(403, "forbidden_scope");
    assert_eq!(app.get("/api/v1/crm/contacts", &reader).await.status, 200);
}

async fn a_viewer_key_can_read_but_not_write(app: TestApp) {
    // Minted while a marketer, then demoted: the key loses write with its owner.
    let key = app
        .member("Acme", "v@acme.test", Role::Marketer, None)
        .await
        .key;
    assert_eq!(
        app.post("/api/v1/crm/contacts", &key, json!({"email": "a@a.test"}))
            .await
            .status,
        201
    );
    tenex::server::services::accounts::add_member(
        app.ctx(),
        tenex::server::services::accounts::NewMember {
            workspace: "Acme".into(),
            email: "v@acme.test".into(),
            password: crate::support::PASSWORD.into(),
            role: "viewer".into(),
            display_name: None,
        },
    )
    .await
    .unwrap();
    app.post("/api/v1/crm/contacts", &key, json!({"email": "b@a.test"}))
        .await
        .assert_problem(403, "forbidden_scope");
    app.post("/api/v1/knowledge/brands", &key, json!({"name": "B"}))
        .await
        .assert_problem(403, "forbidden_scope");
    assert_eq!(app.get("/api/v1/knowledge/brands", &key).await.status, 200);
    assert_eq!(app.get("/api/v1/crm/contacts", &key).await.status, 200);
}

async fn editing_a_segment_needs_the_current_version(app: TestApp) {
    let key = crm_member(&app, "Acme").await;
    let seg = app
        .post(
            "/api/v1/crm/segments",
            &key,
            rule(
                json!([{"field": "company", "op": "equals", "value": "a"}]),
                "all",
            ),
        )
        .await
        .json();
    let path = format!("/api/v1/crm/segments/{}", seg["id"].as_str().unwrap());
    let r = app
        .api(
            Method::PATCH,
            &path,
            Some(&key),
            Some(json!({"name": "Renamed"})),
        )
        .await;
    assert_eq!(r.error_fields(), ["version"]);
    let ok = app
        .api(
            Method::PATCH,
            &path,
            Some(&key),
            Some(json!({"name": "Renamed", "version": 1})),
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert_eq!(ok.json()["version"], 2);
    app.api(
        Method::PATCH,
        &path,
        Some(&key),
        Some(json!({"name": "Stale", "version": 1})),
    )
    .await
    .assert_problem(409, "conflict");
    assert_eq!(app.get(&path, &key).await.json()["name"], "Renamed");
}

async fn import_line_numbers_hold_for_crlf_files_and_blank_lines(app: TestApp) {
    let key = crm_member(&app, "Acme").await;
    let csv =
        "email,first_name\r\nana@a.test,Ana\r\n\r\nbad-email,Bo\r\ncy@a.test,Cy\r\nnope,Dee\r\n";
    let report = import(&app, &key, csv).await.json();
    assert_eq!(report["created"], 2);
    let lines: Vec<u64> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [4, 6], "{report}");
}

/// Every rule is evaluated twice, by the SQL the database runs and by `Rule::matches`; the
/// members must be the same contacts.
async fn the_database_and_the_domain_agree_on_who_matches_a_rule(app: TestApp) {
    use tenex::domain::segment::RuleInput;
    let key = crm_member(&app, "Acme").await;
    import(
        &app,
        &key,
        "email,first_name,company,title,lifecycle_stage,plan,renewal\n\
         a@a.test,Ana,Acme Corp,Head of Ops,customer,Gold,2026-03-01\n\
         b@a.test,,ACME labs,,lead,silver,2026-09-15\n\
         c@a.test,Cy,,CTO,customer,,\n\
         d@a.test,Dee,Initech,cto,qualified,GOLD,2025-12-31\n\
         e@a.test,Eve,initech,,contact,bronze,2027-01-01\n",
    )
    .await;
    let all = app.get("/api/v1/crm/contacts?limit=200", &key).await.json();
    let ids: Vec<String> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    let mut contacts = Vec::new();
    for id in &ids {
        contacts.push(
            tenex::server::services::contacts::get(
                app.ctx(),
                &crate::support::actor_for(&app, "crm@acme.test").await,
                &id.parse().unwrap(),
            )
            .await
            .unwrap(),
        );
    }
    let rules = [
        json!({"match": "all", "conditions": [{"field": "company", "op": "contains", "value": "acme"}]}),
        json!({"match": "all", "conditions": [{"field": "first_name", "op": "is_empty"}]}),
        json!({"match": "all", "conditions": [{"field": "title", "op": "not_equals", "value": "cto"}]}),
        json!({"match": "any", "conditions": [{"field": "custom.plan", "op": "equals", "value": "gold"}, {"field": "lifecycle_stage", "op": "equals", "value": "lead"}]}),
        json!({"match": "all", "conditions": [{"field": "custom.plan", "op": "in", "values": ["Gold", "BRONZE"]}]}),
        json!({"match": "all", "conditions": [{"field": "custom.renewal", "op": "before", "value": "2026-07-01"}]}),
        json!({"match": "all", "conditions": [{"field": "custom.renewal", "op": "after", "value": "2026-07-01"}]}),
        json!({"match": "all", "conditions": [{"field": "custom.plan", "op": "not_equals", "value": "gold"}]}),
        json!({"match": "all", "conditions": [{"field": "custom.plan", "op": "is_not_empty"}, {"field": "title", "op": "is_empty"}]}),
    ];
    for rule in rules {
        let parsed: RuleInput = serde_json::from_value(rule.clone()).unwrap();
        let expected = contacts
            .iter()
            .filter(|c| parsed.parse().unwrap().matches(c))
            .count() as i64;
        let counted = app
            .post("/api/v1/crm/segments/preview", &key, rule.clone())
            .await
            .json()["count"]
            .as_i64()
            .unwrap();
        assert_eq!(counted, expected, "SQL and Rust disagree on {rule}");
    }
}

async fn an_import_the_database_refuses_reports_where_it_stopped(app: TestApp) {
    let key = crm_member(&app, "Acme").await;
    // Break the custom-field table so the first batch cannot be written.
    sqlx::query("alter table contact_fields rename to contact_fields_gone")
        .execute(app.db().pool())
        .await
        .unwrap();
    let r = import(&app, &key, "email,plan\na@a.test,gold\nb@a.test,silver\n").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let report = r.json();
    assert_eq!(report["created"], 0);
    assert_eq!(report["errors"][0]["line"], 3);
    assert!(
        report["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("the import stopped here"),
        "{report}"
    );
    sqlx::query("alter table contact_fields_gone rename to contact_fields")
        .execute(app.db().pool())
        .await
        .unwrap();
    assert_eq!(
        app.get("/api/v1/crm/contacts", &key).await.json()["items"]
            .as_array()
            .unwrap()
            .len(),
        0,
        "the failed batch left nothing"
    );
}
