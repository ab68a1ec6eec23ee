//! Blog drafts through the JSON API, on both databases: writing by hand with slugs made
//! unique, the rendered and sanitised body, edits at a version (a stale one answers with the
//! current draft), and workspace confinement.

use axum::http::Method;
use serde_json::{Value, json};

use crate::on_both_databases;
use crate::support::TestApp;
use crate::world::{id, team};

on_both_databases!(
    a_draft_is_written_rendered_and_listed,
    a_bad_draft_names_each_field_and_creates_nothing,
    a_stale_edit_answers_with_the_current_draft_and_changes_nothing,
    another_workspaces_draft_is_not_found,
);

const PATH: &str = "/api/v1/marketing/blog-drafts";

async fn patch(app: &TestApp, key: &str, draft: &str, body: Value) -> crate::support::TestResponse {
    app.api(
        Method::PATCH,
        &format!("{PATH}/{draft}"),
        Some(key),
        Some(body),
    )
    .await
}

async fn a_draft_is_written_rendered_and_listed(app: TestApp) {
    let t = team(&app, "acme", 1).await;
    let body = "## Why CAC rose\n\n| channel | CAC |\n|---|---|\n| ads | $40 |\n\n- [x] measured\n\n<script>alert(1)</script>\n\nSee https://tenex.example";
    let r = app
        .post(
            PATH,
            &t.marketer.key,
            json!({"title": "How we cut CAC by 40%", "body_markdown": body, "tags": ["growth", "Growth", "ads"],
                   "brand_id": t.brand}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let d = r.json();
    assert_eq!(d["slug"], "how-we-cut-cac-by-40");
    assert_eq!(d["status"], "draft");
    assert_eq!(d["version"], 1);
    assert_eq!(d["tags"], json!(["growth", "ads"]));
    let html = d["body_html"].as_str().unwrap();
    assert!(
        html.contains("<h2>Why CAC rose</h2>") && html.contains("<table>"),
        "{html}"
    );
    assert!(!html.contains("<script"), "{html}");
    assert!(
        html.contains("&lt;script&gt;"),
        "raw HTML is shown as text: {html}"
    );
    assert!(html.contains(r#"href="https://tenex.example""#), "{html}");
    assert!(d["word_count"].as_u64().unwrap() > 5);
    assert_eq!(d["reading_minutes"], 1);
    // The same title again gets a numbered slug; an explicit slug that is taken is a 422.
    let again = app
        .post(
            PATH,
            &t.marketer.key,
            json!({"title": "How we cut CAC by 40%", "body_markdown": "again"}),
        )
        .await
        .json();
    assert_eq!(again["slug"], "how-we-cut-cac-by-40-2");
    let taken = app
        .post(
            PATH,
            &t.marketer.key,
            json!({"title": "Other", "body_markdown": "x", "slug": "how-we-cut-cac-by-40"}),
        )
        .await;
    taken.assert_problem(422, "validation_failed");
    assert_eq!(taken.error_fields(), ["slug"]);
    let listed = app
        .get(&format!("{PATH}?limit=1"), &t.marketer.key)
        .await
        .json();
    assert_eq!(listed["items"][0]["id"], again["id"], "newest first");
    let next = listed["next_cursor"].as_str().unwrap();
    let rest = app
        .get(&format!("{PATH}?limit=1&cursor={next}"), &t.marketer.key)
        .await
        .json();
    assert_eq!(rest["items"][0]["id"], d["id"]);
    assert_eq!(
        app.get(&format!("{PATH}?status=published"), &t.marketer.key)
            .await
            .json()["items"],
        json!([])
    );
    let audit = app
        .get("/api/v1/admin/audit-log", &t.admin.key)
        .await
        .json();
    assert!(audit.to_string().contains("blog_draft.created"), "{audit}");
}

async fn count(app: &TestApp) -> i64 {
    sqlx::query_scalar::<_, i64>("select count(*) from blog_drafts")
        .fetch_one(app.db().pool())
        .await
        .unwrap()
}

async fn a_bad_draft_names_each_field_and_creates_nothing(app: TestApp) {
    let t = team(&app, "acme", 1).await;
    let other = team(&app, "globex", 1).await;
    let r = app
        .post(
            PATH,
            &t.marketer.key,
            json!({"title": "", "slug": "Bad Slug", "excerpt": "x".repeat(301), "tags": ["t".repeat(41)],
                   "seo_description": "d".repeat(161), "brand_id": "nope"}),
        )
        .await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(
        r.error_fields(),
        [
            "title",
            "body_markdown",
            "slug",
            "excerpt",
            "tags[0]",
            "seo_description",
            "brand_id"
        ],
        "{}",
        r.text
    );
    let r = app
        .post(
            PATH,
            &t.marketer.key,
            json!({"title": "x", "body_markdown": "y", "brand_id": other.brand}),
        )
        .await;
    assert_eq!(r.error_fields(), ["brand_id"], "{}", r.text);
    let reader = app
        .member(
            "acme",
            "reader@acme.test",
            tenex::domain::actor::Role::Marketer,
            Some(&["marketing:read"]),
        )
        .await;
    app.post(
        PATH,
        &reader.key,
        json!({"title": "x", "body_markdown": "y"}),
    )
    .await
    .assert_problem(403, "forbidden_scope");
    app.post(
        PATH,
        &t.marketer.key,
        json!({"title": "x", "body_markdown": "y", "surprise": 1}),
    )
    .await
    .assert_problem(422, "validation_failed");
    assert_eq!(count(&app).await, 0);
}

async fn a_stale_edit_answers_with_the_current_draft_and_changes_nothing(app: TestApp) {
    let t = team(&app, "acme", 1).await;
    let d = app
        .post(
            PATH,
            &t.marketer.key,
            json!({"title": "Draft", "body_markdown": "first"}),
        )
        .await
        .json();
    let draft = id(&d);
    // Tab A saves at version 1.
    let a = patch(
        &app,
        &t.marketer.key,
        &draft,
        json!({"version": 1, "body_markdown": "from tab A", "slug": "from-a"}),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.json()["version"], 2);
    assert_eq!(a.json()["slug"], "from-a");
    // Tab B still thinks it is at version 1: 409, with what tab A saved to merge with.
    let b = patch(
        &app,
        &t.approver.key,
        &draft,
        json!({"version": 1, "body_markdown": "from tab B"}),
    )
    .await;
    let problem = b.assert_problem(409, "conflict");
    assert_eq!(problem["current"]["version"], 2, "{problem}");
    assert_eq!(problem["current"]["body_markdown"], "from tab A");
    assert_eq!(problem["current"]["body_html"], "<p>from tab A</p>");
    assert_eq!(problem["current"]["id"], draft);
    // If-Match works as the version too; without any version, 422.
    let r = app
        .api(
            Method::PATCH,
            &format!("{PATH}/{draft}"),
            Some(&t.marketer.key),
            Some(json!({"title": "Renamed"})),
        )
        .await;
    assert_eq!(r.error_fields(), ["version"], "{}", r.text);
    let bad = patch(
        &app,
        &t.marketer.key,
        &draft,
        json!({"version": 2, "title": "", "slug": "No Good"}),
    )
    .await;
    assert_eq!(bad.error_fields(), ["title", "slug"], "{}", bad.text);
    let now = app
        .get(&format!("{PATH}/{draft}"), &t.marketer.key)
        .await
        .json();
    assert_eq!(
        (now["version"].as_i64(), now["body_markdown"].as_str()),
        (Some(2), Some("from tab A"))
    );
}

async fn another_workspaces_draft_is_not_found(app: TestApp) {
    let t = team(&app, "acme", 1).await;
    let other = team(&app, "globex", 1).await;
    let d = app
        .post(
            PATH,
            &t.marketer.key,
            json!({"title": "Ours", "body_markdown": "x"}),
        )
        .await
        .json();
    let draft = id(&d);
    app.get(&format!("{PATH}/{draft}"), &other.marketer.key)
        .await
        .assert_problem(404, "not_found");
    patch(
        &app,
        &other.marketer.key,
        &draft,
        json!({"version": 1, "title": "Theirs"}),
    )
    .await
    .assert_problem(404, "not_found");
    // Slugs are per workspace: the other workspace may use the same one.
    let theirs = app
        .post(
            PATH,
            &other.marketer.key,
            json!({"title": "Ours", "body_markdown": "x"}),
        )
        .await
        .json();
    assert_eq!(theirs["slug"], "ours");
    assert_eq!(
        app.get(PATH, &other.marketer.key).await.json()["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}
