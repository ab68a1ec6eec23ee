//! Publishing blog drafts through the JSON API on a sandbox CMS, on both databases: nothing
//! goes public before a person approves that exact version; the job sends the approved
//! version even after an edit; a re-publish updates the same item; an edit withdraws an
//! open request; every bad request is named and changes nothing; a refused publish fails
//! and is retried; drafts are generated in the brand's voice.

use std::sync::Arc;

use axum::http::Method;
use serde_json::{Value, json};
use tenex::domain::job::JobKind;
use tenex::server::services::Context;
use tenex::server::services::jobs::{self, JobRound, JobSettings, Runners};

use crate::on_both_databases;
use crate::support::TestApp;
use crate::world::{Ahead, Team, connector, id, smtp_connector, team};

on_both_databases!(
    a_post_goes_public_only_after_a_person_approves_that_version,
    an_older_approved_version_never_goes_out_after_a_newer_one,
    a_republish_updates_the_item_the_first_publish_made,
    an_edit_withdraws_the_open_request_and_a_rejection_publishes_nothing,
    a_bad_publish_request_is_named_and_opens_nothing,
    a_refused_publish_fails_with_the_reason_and_a_retry_runs_it_again,
    a_generated_draft_speaks_in_the_brands_voice,
);

pub const DRAFTS: &str = "/api/v1/marketing/blog-drafts";
pub const JOBS: &str = "/api/v1/marketing/publish-jobs";

/// One round of the publish worker, `hours` from now.
pub async fn publish_round(app: &TestApp, hours: i64) -> JobRound {
    let ctx = Context {
        clock: Arc::new(Ahead(hours)),
        ..app.ctx().clone()
    };
    jobs::round(
        &ctx,
        &Runners::standard().only(&[JobKind::BlogPublish]),
        "publish-worker",
        &JobSettings::default(),
    )
    .await
    .unwrap()
}

pub async fn sandbox_cms(app: &TestApp, t: &Team, settings: Value) -> String {
    connector(
        app,
        t,
        json!({"kind": "sandbox", "name": "Sandbox CMS", "settings": settings}),
    )
    .await
}

pub async fn draft(app: &TestApp, t: &Team, title: &str, body: &str) -> Value {
    let r = app
        .post(
            DRAFTS,
            &t.marketer.key,
            json!({"title": title, "body_markdown": body, "excerpt": "Three changes."}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.json()
}

/// Requests publishing `draft` to `cms` as the marketer; returns the approval's id.
pub async fn request(app: &TestApp, t: &Team, draft: &str, cms: &str) -> String {
    let r = app
        .post(
            &format!("{DRAFTS}/{draft}/publish"),
            &t.marketer.key,
            json!({"connector_id": cms}),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    let approval = &r.json()["approval"];
    assert_eq!(approval["status"], "pending");
    assert_eq!(approval["subject_type"], "blog_publish");
    id(approval)
}

pub async fn approve(app: &TestApp, t: &Team, approval: &str) {
    let r = app
        .post(
            &format!("/api/v1/marketing/approvals/{approval}/approve"),
            &t.approver.key,
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

async fn edit(app: &TestApp, t: &Team, draft: &str, version: i64, body: &str) -> Value {
    let r = app
        .api(
            Method::PATCH,
            &format!("{DRAFTS}/{draft}"),
            Some(&t.marketer.key),
            Some(json!({"version": version, "body_markdown": body})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json()
}

async fn jobs_of(app: &TestApp, t: &Team, draft: &str) -> Vec<Value> {
    let r = app
        .get(&format!("{JOBS}?draft_id={draft}"), &t.marketer.key)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json()["items"].as_array().unwrap().clone()
}

async fn a_post_goes_public_only_after_a_person_approves_that_version(app: TestApp) {
    let t = team(&app, "acme", 1).await;
    let cms = sandbox_cms(&app, &t, json!({})).await;
    let d = draft(
        &app,
        &t,
        "How we cut CAC",
        "## Why\n\nThe **first** version.",
    )
    .await;
    let drf = id(&d);
    let approval = request(&app, &t, &drf, &cms).await;
    let pending = app
        .get(&format!("{DRAFTS}/{drf}"), &t.marketer.key)
        .await
        .json();
    assert_eq!(pending["status"], "pending_approval");
    assert_eq!(pending["publish_connector_id"], cms);

    // The requester's default key, and an admin without the approve scope, cannot decide.
    for key in [&t.marketer.key, &t.admin.key] {
        let r = app
            .post(
                &format!("/api/v1/marketing/approvals/{approval}/approve"),
                key,
                json!({}),
            )
            .await;
        let problem = r.assert_problem(403, "approval_required");
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains(&format!("/blog/drafts/{drf}")),
            "{problem}"
        );
    }
    assert_eq!(publish_round(&app, 0).await.claimed, 0);
    assert!(jobs_of(&app, &t, &drf).await.is_empty(), "nothing queued");

    approve(&app, &t, &approval).await;
    let again = app
        .post(
            &format!("/api/v1/marketing/approvals/{approval}/approve"),
            &t.approver.key,
            json!({}),
        )
        .await;
    again.assert_problem(409, "conflict");
    let queued = jobs_of(&app, &t, &drf).await;
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0]["status"], "queued");
    assert_eq!(queued[0]["version"], 1);
    assert!(id(&queued[0]).starts_with("pub_"));

    // An edit after the approval is a new version: the job sends the approved one.
    let edited = edit(&app, &t, &drf, 1, "## Why\n\nThe *second* version.").await;
    assert_eq!(edited["version"], 2);
    assert_eq!(edited["status"], "draft");
    let round = publish_round(&app, 0).await;
    assert_eq!((round.claimed, round.succeeded), (1, 1), "{round:?}");
    let job = app
        .get(&format!("{JOBS}/{}", id(&queued[0])), &t.marketer.key)
        .await
        .json();
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(job["attempts"], 1);
    assert_eq!(
        job["external_url"],
        "https://sandbox.tenex.invalid/blog/how-we-cut-cac"
    );
    assert_eq!(job["external_id"], format!("sandbox-{drf}"));
    assert_eq!(job["updated_existing_item"], false);
    let html = job["payload"]["body_html"].as_str().unwrap();
    assert!(html.contains("<strong>first</strong>"), "{html}");
    assert!(!html.contains("second"), "{html}");
    assert_eq!(job["payload"]["body_portable_text"][0]["style"], "h2");
    let methods: Vec<&str> = job["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["method"].as_str().unwrap())
        .collect();
    assert_eq!(methods, ["POST", "POST"], "create, then publish: {job}");
    let after = app
        .get(&format!("{DRAFTS}/{drf}"), &t.marketer.key)
        .await
        .json();
    assert_eq!(after["status"], "published");
    assert_eq!(after["published_version"], 1);
    assert_eq!(after["version"], 2, "the job changed no text");
    // The job ran once: another round has nothing to do.
    assert_eq!(publish_round(&app, 1).await.claimed, 0);
}

async fn a_republish_updates_the_item_the_first_publish_made(app: TestApp) {
    let t = team(&app, "acme", 1).await;
    let cms = sandbox_cms(
        &app,
        &t,
        json!({"post_url": "https://blog.acme.test/{slug}"}),
    )
    .await;
    let d = draft(&app, &t, "Pallets at night", "First.").await;
    let drf = id(&d);
    approve(&app, &t, &request(&app, &t, &drf, &cms).await).await;
    publish_round(&app, 0).await;
    edit(&app, &t, &drf, 1, "Second, better.").await;
    approve(&app, &t, &request(&app, &t, &drf, &cms).await).await;
    let round = publish_round(&app, 0).await;
    assert_eq!(round.succeeded, 1, "{round:?}");
    let listed = jobs_of(&app, &t, &drf).await;
    assert_eq!(listed.len(), 2);
    let (second, first) = (&listed[0], &listed[1]);
    assert_eq!(second["version"], 2);
    assert_eq!(second["external_id"], first["external_id"], "the same item");
    assert_eq!(second["updated_existing_item"], true);
    assert_eq!(
        second["external_url"],
        "https://blog.acme.test/pallets-at-night"
    );
    let methods: Vec<&str> = second["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["method"].as_str().unwrap())
        .collect();
    assert_eq!(methods, ["PATCH", "POST"], "update, then publish: {second}");
    assert!(
        second["payload"]["body_html"]
            .as_str()
            .unwrap()
            .contains("Second, better.")
    );
    let after = app
        .get(&format!("{DRAFTS}/{drf}"), &t.marketer.key)
        .await
        .json();
    assert_eq!(after["published_version"], 2);
}

async fn an_edit_withdraws_the_open_request_and_a_rejection_publishes_nothing(app: TestApp) {
    let t = team(&app, "acme", 1).await;
    let cms = sandbox_cms(&app, &t, json!({})).await;
    let drf = id(&draft(&app, &t, "Withdrawn", "Text.").await);
    let approval = request(&app, &t, &drf, &cms).await;
    // An autosave of the same text is no edit: same version, the request stays open.
    let same = edit(&app, &t, &drf, 1, "Text.").await;
    assert_eq!(
        (same["version"].clone(), same["status"].clone()),
        (json!(1), json!("pending_approval"))
    );
    let edited = edit(&app, &t, &drf, 1, "Text, changed after asking.").await;
    assert_eq!(edited["status"], "draft");
    assert_eq!(edited["publish_connector_id"], Value::Null);
    let withdrawn = app
        .get(
            &format!("/api/v1/marketing/approvals/{approval}"),
            &t.approver.key,
        )
        .await
        .json();
    assert_eq!(withdrawn["status"], "cancelled", "{withdrawn}");
    assert!(
        withdrawn["note"]
            .as_str()
            .unwrap()
            .contains("edited after the request")
    );
    let late = app
        .post(
            &format!("/api/v1/marketing/approvals/{approval}/approve"),
            &t.approver.key,
            json!({}),
        )
        .await;
    late.assert_problem(409, "conflict");
    assert!(jobs_of(&app, &t, &drf).await.is_empty());

    // A rejection needs a note, and sends the draft back without a job.
    let approval = request(&app, &t, &drf, &cms).await;
    let bare = app
        .post(
            &format!("/api/v1/marketing/approvals/{approval}/reject"),
            &t.approver.key,
            json!({}),
        )
        .await;
    assert_eq!(bare.status, 422, "{}", bare.text);
    let r = app
        .post(
            &format!("/api/v1/marketing/approvals/{approval}/reject"),
            &t.approver.key,
            json!({"note": "Needs a chart"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let after = app
        .get(&format!("{DRAFTS}/{drf}"), &t.marketer.key)
        .await
        .json();
    assert_eq!(after["status"], "draft");
    assert!(jobs_of(&app, &t, &drf).await.is_empty());
    assert_eq!(publish_round(&app, 0).await.claimed, 0);
}

async fn a_bad_publish_request_is_named_and_opens_nothing(app: TestApp) {
    let t = team(&app, "acme", 1).await;
    let cms = sandbox_cms(&app, &t, json!({})).await;
    let smtp = smtp_connector(&app, &t, 2525, json!({})).await;
    let drf = id(&draft(&app, &t, "Checked", "Body.").await);
    let empty = id(&draft(&app, &t, "Empty", "").await);
    let publish = |draft: String, body: Value| {
        let app = &app;
        let key = t.marketer.key.clone();
        async move {
            app.post(&format!("{DRAFTS}/{draft}/publish"), &key, body)
                .await
        }
    };
    let r = publish(drf.clone(), json!({})).await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), ["connector_id"]);
    let r = publish(drf.clone(), json!({"connector_id": smtp})).await;
    r.assert_problem(422, "validation_failed");
    assert!(r.text.contains("does not publish posts"), "{}", r.text);
    let r = publish(
        drf.clone(),
        json!({"connector_id": "cnr_01J0000000000000000000000"}),
    )
    .await;
    assert_eq!(r.error_fields(), ["connector_id"], "{}", r.text);
    let r = publish(drf.clone(), json!({"connector_id": cms, "version": 7})).await;
    r.assert_problem(409, "conflict");
    let r = publish(empty.clone(), json!({"connector_id": cms})).await;
    assert_eq!(r.error_fields(), ["body_markdown"], "{}", r.text);
    let r = publish(drf.clone(), json!({"connector_id": cms, "when": "now"})).await;
    assert_eq!(r.status, 422, "unknown fields are refused: {}", r.text);
    let other = team(&app, "globex", 1).await;
    let foreign = id(&draft(&app, &other, "Theirs", "Body.").await);
    let r = publish(foreign, json!({"connector_id": cms})).await;
    r.assert_problem(404, "not_found");
    let pending = app
        .get(
            "/api/v1/marketing/approvals?status=pending&subject_type=blog_publish",
            &t.approver.key,
        )
        .await
        .json();
    assert_eq!(pending["items"], json!([]), "nothing opened");
    // A second request while one is open is a conflict, and the first stays.
    request(&app, &t, &drf, &cms).await;
    let r = publish(drf.clone(), json!({"connector_id": cms})).await;
    r.assert_problem(409, "conflict");
    let pending = app
        .get(
            "/api/v1/marketing/approvals?status=pending&subject_type=blog_publish",
            &t.approver.key,
        )
        .await
        .json();
    assert_eq!(pending["items"].as_array().unwrap().len(), 1);
    let r = app
        .get(&format!("{JOBS}?status=done"), &t.marketer.key)
        .await;
    assert_eq!(r.error_fields(), ["status"]);
}

async fn a_refused_publish_fails_with_the_reason_and_a_retry_runs_it_again(app: TestApp) {
    let t = team(&app, "acme", 1).await;
    let cms = sandbox_cms(&app, &t, json!({"refuse_step": "publish"})).await;
    let drf = id(&draft(&app, &t, "Refused", "Body.").await);
    approve(&app, &t, &request(&app, &t, &drf, &cms).await).await;
    let round = publish_round(&app, 0).await;
    assert_eq!(round.failed, 1, "a refusal fails at once: {round:?}");
    let job = &jobs_of(&app, &t, &drf).await[0];
    let pub_id = id(job);
    assert_eq!(job["status"], "failed");
    assert_eq!(job["attempts"], 1);
    assert!(
        job["error"]
            .as_str()
            .unwrap()
            .contains("publishing refused"),
        "{job}"
    );
    assert_eq!(job["external_url"], Value::Null);
    let d = app
        .get(&format!("{DRAFTS}/{drf}"), &t.marketer.key)
        .await
        .json();
    assert_eq!(d["status"], "draft", "nothing went live");

    // The connector is fixed; the marketer retries the same approved post.
    let r = app
        .api(
            Method::PATCH,
            &format!("/api/v1/connectors/{cms}"),
            Some(&t.admin.key),
            Some(json!({"version": 1, "settings": {"refuse_step": ""}})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app
        .post(
            &format!("{JOBS}/{pub_id}/retry"),
            &t.marketer.key,
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["status"], "queued");
    let round = publish_round(&app, 0).await;
    assert_eq!(round.succeeded, 1, "{round:?}");
    let job = app
        .get(&format!("{JOBS}/{pub_id}"), &t.marketer.key)
        .await
        .json();
    assert_eq!(job["status"], "succeeded");
    let calls: Vec<(&str, u64)> = job["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["method"].as_str().unwrap(), c["status"].as_u64().unwrap()))
        .collect();
    // Created, refused; then on retry the known item is written again and published.
    assert_eq!(
        calls,
        [("POST", 202), ("POST", 400), ("PATCH", 200), ("POST", 202)],
        "{job}"
    );
    let r = app
        .post(
            &format!("{JOBS}/{pub_id}/retry"),
            &t.marketer.key,
            json!({}),
        )
        .await;
    r.assert_problem(409, "conflict");
    assert!(r.text.contains("succeeded"), "{}", r.text);
}

async fn a_generated_draft_speaks_in_the_brands_voice(app: TestApp) {
    let t = team(&app, "acme", 1).await;
    let r = app
        .post(
            &format!("{DRAFTS}/generate"),
            &t.marketer.key,
            json!({"brand_id": t.brand, "topic": "overnight pallet delivery", "keywords": ["tracking", "Europe"]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let d = r.json();
    assert_eq!(d["brand_id"], t.brand);
    assert_eq!(d["status"], "draft");
    assert!(
        d["title"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("overnight pallet delivery"),
        "{d}"
    );
    let body = d["body_markdown"].as_str().unwrap();
    assert!(
        body.contains("## Tracking") && body.contains("## Europe"),
        "{body}"
    );
    assert!(
        body.contains("Live tracking on every pallet"),
        "the brand's USP: {body}"
    );
    assert!(d["body_html"].as_str().unwrap().contains("<h2>"));
    assert_eq!(d["tags"], json!(["tracking", "europe"]));
    assert!(!d["slug"].as_str().unwrap().is_empty());

    let r = app
        .post(&format!("{DRAFTS}/generate"), &t.marketer.key, json!({}))
        .await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), ["brand_id", "topic"]);
    let other = team(&app, "globex", 1).await;
    let r = app
        .post(
            &format!("{DRAFTS}/generate"),
            &t.marketer.key,
            json!({"brand_id": other.brand, "topic": "x"}),
        )
        .await;
    assert_eq!(r.error_fields(), ["brand_id"], "{}", r.text);
    let r = app
        .api(
            Method::PATCH,
            &format!("/api/v1/knowledge/brands/{}", t.brand),
            Some(&t.admin.key),
            Some(json!({"version": 1, "do_not_say": ["cheapest"]})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app
        .post(
            &format!("{DRAFTS}/generate"),
            &t.marketer.key,
            json!({"brand_id": t.brand, "topic": "the cheapest pallets"}),
        )
        .await;
    assert_eq!(r.error_fields(), ["topic"], "{}", r.text);
    assert!(r.text.contains("cheapest"), "{}", r.text);
    let listed = app.get(DRAFTS, &t.marketer.key).await.json();
    assert_eq!(
        listed["items"].as_array().unwrap().len(),
        1,
        "only the good one"
    );
}

async fn an_older_approved_version_never_goes_out_after_a_newer_one(app: TestApp) {
    let t = team(&app, "acme", 1).await;
    let cms = sandbox_cms(&app, &t, json!({})).await;
    let drf = id(&draft(&app, &t, "Two versions", "Old text.").await);
    approve(&app, &t, &request(&app, &t, &drf, &cms).await).await;
    edit(&app, &t, &drf, 1, "New text.").await;
    approve(&app, &t, &request(&app, &t, &drf, &cms).await).await;
    let round = publish_round(&app, 0).await;
    assert_eq!((round.succeeded, round.failed), (1, 1), "{round:?}");
    let listed = jobs_of(&app, &t, &drf).await;
    let (newer, older) = (&listed[0], &listed[1]);
    assert_eq!(newer["status"], "succeeded");
    assert_eq!(older["status"], "failed");
    assert!(
        older["error"].as_str().unwrap().contains("superseded"),
        "{older}"
    );
    assert!(
        older["calls"].as_array().unwrap().is_empty(),
        "nothing sent: {older}"
    );
    // Retrying the older one cannot turn the post back either.
    let r = app
        .post(
            &format!("{JOBS}/{}/retry", id(older)),
            &t.marketer.key,
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(publish_round(&app, 0).await.failed, 1);
    let d = app
        .get(&format!("{DRAFTS}/{drf}"), &t.marketer.key)
        .await
        .json();
    assert_eq!(d["published_version"], 2);
    // A connector with publishes cannot be deleted from under them.
    let r = app
        .api(
            Method::DELETE,
            &format!("/api/v1/connectors/{cms}"),
            Some(&t.admin.key),
            None,
        )
        .await;
    r.assert_problem(409, "conflict");
}
