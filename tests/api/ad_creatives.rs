//! Ad creatives through the JSON API, on both databases: generation within each platform's
//! limits, edits refused over them, the gate, and regeneration of a variant set.

use axum::http::Method;
use serde_json::{Value, json};
use tenex::domain::ad_platform::AdPlatform;
use tenex::domain::campaign::{CampaignStatus, Channel, NewCampaign};
use tenex::server::services::campaigns;

use crate::on_both_databases;
use crate::support::{ORIGIN, PASSWORD, TestApp, actor_for};
use crate::world::{Team, id, team_of};

on_both_databases!(
    every_platform_gets_drafts_within_its_limits,
    a_bad_generation_request_names_each_field_and_creates_nothing,
    an_edit_past_a_hard_limit_is_refused_naming_the_limit_and_the_length,
    a_default_key_cannot_approve_and_an_approver_can_through_either_route,
    only_complete_copy_is_requested_or_approved,
    an_edit_replaces_the_open_request_and_the_old_one_cannot_be_decided,
    regeneration_replaces_unpicked_variants_and_keeps_picked_and_approved_ones,
    another_workspaces_creatives_are_not_found,
    a_decision_bound_to_a_request_is_refused_once_another_replaced_it,
    two_requests_at_once_leave_one_open_and_never_fail_inside,
    the_picker_page_reads_without_javascript_and_its_forms_keep_the_rules,
);

const PATH: &str = "/api/v1/marketing/ad-creatives";

async fn creatives_team(app: &TestApp, workspace: &str) -> Team {
    team_of(
        app,
        workspace,
        "email,first_name\nana@north.test,Ana\n",
        json!({"usps": ["Live tracking on every pallet", "Next-day delivery across Europe", "One invoice for every route"],
               "icp_market_segments": ["operations leaders at shippers"], "do_not_say": ["cheapest"]}),
    )
    .await
}

async fn generate(app: &TestApp, t: &Team, body: Value) -> Vec<Value> {
    let r = app
        .post(&format!("{PATH}/generate"), &t.marketer.key, body)
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.json()["items"].as_array().unwrap().clone()
}

/// One variant for `platform`, objective "book a demo".
async fn one_variant(app: &TestApp, t: &Team, platform: &str, final_url: Option<&str>) -> Value {
    let mut body =
        json!({"platform": platform, "brand_id": t.brand, "objective": "book a demo", "count": 1});
    if let Some(url) = final_url {
        body["final_url"] = json!(url);
    }
    generate(app, t, body).await.remove(0)
}

async fn patch(
    app: &TestApp,
    key: &str,
    creative: &str,
    body: Value,
) -> crate::support::TestResponse {
    app.api(
        Method::PATCH,
        &format!("{PATH}/{creative}"),
        Some(key),
        Some(body),
    )
    .await
}

async fn listed(app: &TestApp, key: &str, query: &str) -> Vec<Value> {
    let r = app.get(&format!("{PATH}?{query}"), key).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json()["items"].as_array().unwrap().clone()
}

async fn every_platform_gets_drafts_within_its_limits(app: TestApp) {
    let t = creatives_team(&app, "acme").await;
    for platform in AdPlatform::ALL.iter().copied() {
        let items = generate(
            &app,
            &t,
            json!({"platform": platform.as_str(), "brand_id": t.brand, "objective": "book a demo", "count": 3,
                   "final_url": "https://tenex.example/demo"}),
        )
        .await;
        assert_eq!(items.len(), 3, "{platform}");
        for c in &items {
            assert_eq!(c["status"], "draft");
            assert_eq!(c["version"], 1);
            assert_eq!(c["picked"], false);
            assert_eq!(c["pending_approval_id"], Value::Null);
            assert_eq!(c["final_url"], "https://tenex.example/demo");
            assert!(c["id"].as_str().unwrap().starts_with("cre_"));
            let rules = platform.rules();
            for rule in rules.fields {
                let values: Vec<String> = match &c[rule.field.as_str()] {
                    Value::Array(a) => a.iter().map(|v| v.as_str().unwrap().to_owned()).collect(),
                    Value::String(s) => vec![s.clone()],
                    _ => vec![],
                };
                assert!(
                    values.len() >= rule.min_items && values.len() <= rule.max_items,
                    "{platform} {c}"
                );
                for v in values {
                    assert!(platform.length(&v) <= rule.max_len, "{platform}: {v}");
                    assert!(!v.to_lowercase().contains("cheapest"), "{v}");
                }
            }
        }
        let listed = listed(&app, &t.marketer.key, &format!("platform={platform}")).await;
        assert_eq!(listed.len(), 3, "{platform}");
    }
    assert_eq!(listed(&app, &t.marketer.key, "").await.len(), 9);
    let log = app
        .get("/api/v1/admin/audit-log", &t.admin.key)
        .await
        .json();
    let generated = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "ad_creative.generated")
        .count();
    assert_eq!(generated, 9, "{log}");
}

async fn a_bad_generation_request_names_each_field_and_creates_nothing(app: TestApp) {
    let t = creatives_team(&app, "acme").await;
    let other = creatives_team(&app, "globex").await;
    let r = app
        .post(
            &format!("{PATH}/generate"),
            &t.marketer.key,
            json!({"platform": "tiktok", "objective": "", "count": 11, "final_url": "javascript:alert(1)"}),
        )
        .await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(
        r.error_fields(),
        ["platform", "brand_id", "objective", "count", "final_url"]
    );
    // Another workspace's brand is unknown here; so is a campaign that is not for ads.
    let actor = actor_for(&app, "admin@acme.test").await;
    let email_campaign = campaigns::create(
        app.ctx(),
        &actor,
        NewCampaign {
            name: "Spring mail".into(),
            channel: Channel::Email,
            status: CampaignStatus::Draft,
            segment_id: None,
            brand_id: None,
            artifact: None,
        },
    )
    .await
    .unwrap();
    let r = app
        .post(
            &format!("{PATH}/generate"),
            &t.marketer.key,
            json!({"platform": "google", "brand_id": other.brand, "objective": "book a demo",
                   "campaign_id": email_campaign.id.to_string()}),
        )
        .await;
    let problem = r.assert_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), ["brand_id", "campaign_id"], "{problem}");
    assert!(problem.to_string().contains("ads campaigns"), "{problem}");
    let r = app
        .post(
            &format!("{PATH}/generate"),
            &t.marketer.key,
            json!({"platform": "google", "brand_id": t.brand, "objective": "book a demo", "surprise": 1}),
        )
        .await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(listed(&app, &t.admin.key, "").await.len(), 0);
    assert_eq!(listed(&app, &t.admin.key, "status=archived").await.len(), 0);
    let r = app
        .get(&format!("{PATH}?platform=fax&status=live"), &t.admin.key)
        .await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), ["platform", "status"]);
}

async fn an_edit_past_a_hard_limit_is_refused_naming_the_limit_and_the_length(app: TestApp) {
    let t = creatives_team(&app, "acme").await;
    let google = one_variant(&app, &t, "google", None).await;
    let cre = id(&google);
    let mut headlines: Vec<String> = google["headlines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap().to_owned())
        .collect();
    headlines[0] = "A".repeat(31);
    let r = patch(
        &app,
        &t.marketer.key,
        &cre,
        json!({"version": 1, "headlines": headlines}),
    )
    .await;
    let problem = r.assert_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), ["headlines[0]"]);
    let message = problem["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("30") && message.contains("31"),
        "{message}"
    );
    // The brand's forbidden phrase, and a field Google's ad does not have.
    let r = patch(
        &app,
        &t.marketer.key,
        &cre,
        json!({"version": 1, "descriptions": ["The cheapest pallets in town.", "Book today."], "primary_text": "hello"}),
    )
    .await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), ["primary_text", "descriptions[0]"]);
    // Nothing changed.
    let still = app
        .get(&format!("{PATH}/{cre}"), &t.marketer.key)
        .await
        .json();
    assert_eq!(still["version"], 1);
    assert_eq!(still["headlines"], google["headlines"]);
    // A good edit bumps the version; the old version is stale.
    headlines[0] = "Pallets overnight".into();
    let r = patch(
        &app,
        &t.marketer.key,
        &cre,
        json!({"version": 1, "headlines": headlines, "path1": "pallets"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["version"], 2);
    assert_eq!(r.json()["headlines"][0], "Pallets overnight");
    patch(
        &app,
        &t.marketer.key,
        &cre,
        json!({"version": 1, "path2": "eu"}),
    )
    .await
    .assert_problem(409, "conflict");
    let r = patch(&app, &t.marketer.key, &cre, json!({"path2": "eu"})).await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), ["version"]);
    // Meta: past the recommended length warns, past the bound refuses.
    let meta = one_variant(&app, &t, "meta", None).await;
    let long = "Overnight pallets across Europe, tracked live on every road";
    let r = patch(
        &app,
        &t.marketer.key,
        &id(&meta),
        json!({"version": 1, "headlines": [long]}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let warnings = r.json()["warnings"].clone();
    assert_eq!(warnings[0]["field"], "headlines[0]", "{warnings}");
    assert!(
        warnings[0]["message"].as_str().unwrap().contains("40"),
        "{warnings}"
    );
    let r = patch(
        &app,
        &t.marketer.key,
        &id(&meta),
        json!({"version": 2, "call_to_action": "BUY_A_PALLET"}),
    )
    .await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), ["call_to_action"]);
}

async fn request(app: &TestApp, key: &str, cre: &str) -> crate::support::TestResponse {
    app.post(&format!("{PATH}/{cre}/request-approval"), key, json!({}))
        .await
}

async fn a_default_key_cannot_approve_and_an_approver_can_through_either_route(app: TestApp) {
    let t = creatives_team(&app, "acme").await;
    let items = generate(
        &app,
        &t,
        json!({"platform": "linkedin", "brand_id": t.brand, "objective": "book a demo", "count": 2,
               "final_url": "https://tenex.example/demo"}),
    )
    .await;
    let (a, b) = (id(&items[0]), id(&items[1]));
    // A default key, and the admin without the approve scope, are refused before anything
    // is opened or changed.
    for key in [&t.marketer.key, &t.admin.key] {
        let problem = app
            .post(&format!("{PATH}/{a}/approve"), key, json!({}))
            .await
            .assert_problem(403, "approval_required");
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains(&format!("/ads/creatives/{a}")),
            "{problem}"
        );
    }
    let inbox = app
        .get(
            "/api/v1/marketing/approvals?subject_type=ad_creative",
            &t.marketer.key,
        )
        .await
        .json();
    assert_eq!(inbox["items"].as_array().unwrap().len(), 0, "{inbox}");
    // The marketer asks; asking again keeps the one request.
    let approval = request(&app, &t.marketer.key, &a).await;
    assert_eq!(approval.status, 200, "{}", approval.text);
    let approval = approval.json();
    assert_eq!(approval["status"], "pending");
    assert_eq!(approval["subject_type"], "ad_creative");
    assert_eq!(
        request(&app, &t.marketer.key, &a).await.json()["id"],
        approval["id"]
    );
    let apr = id(&approval);
    let shown = app
        .get(&format!("{PATH}/{a}"), &t.marketer.key)
        .await
        .json();
    assert_eq!(shown["pending_approval_id"], apr.as_str());
    // Neither route lets the marketer decide it.
    app.post(
        &format!("/api/v1/marketing/approvals/{apr}/approve"),
        &t.marketer.key,
        json!({}),
    )
    .await
    .assert_problem(403, "approval_required");
    // The approver approves through the inbox's route, at the version shown.
    let r = app
        .post(
            &format!("/api/v1/marketing/approvals/{apr}/approve"),
            &t.approver.key,
            json!({"version": 1}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["status"], "approved");
    assert_eq!(
        r.json()["id"],
        apr.as_str(),
        "the request decided is the one named"
    );
    let approved = app
        .get(&format!("{PATH}/{a}"), &t.marketer.key)
        .await
        .json();
    assert_eq!(approved["status"], "approved");
    assert_eq!(approved["pending_approval_id"], Value::Null);
    app.post(&format!("{PATH}/{a}/approve"), &t.approver.key, json!({}))
        .await
        .assert_problem(409, "conflict");
    // The other is rejected directly by the approver, with a note (required).
    app.post(&format!("{PATH}/{b}/reject"), &t.approver.key, json!({}))
        .await
        .assert_problem(422, "validation_failed");
    let open = app
        .get(
            "/api/v1/marketing/approvals?subject_type=ad_creative&status=pending",
            &t.marketer.key,
        )
        .await
        .json();
    assert_eq!(
        open["items"].as_array().unwrap().len(),
        0,
        "a refused decision opens nothing: {open}"
    );
    let r = app
        .post(
            &format!("{PATH}/{b}/reject"),
            &t.approver.key,
            json!({"note": "too vague"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["status"], "rejected");
    let history = app
        .get(
            "/api/v1/marketing/approvals?subject_type=ad_creative",
            &t.marketer.key,
        )
        .await
        .json();
    let statuses: Vec<&str> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["rejected", "approved"], "{history}");
    assert_eq!(
        listed(&app, &t.marketer.key, "status=approved").await.len(),
        1
    );
    // A rejected creative is asked about again only after an edit.
    request(&app, &t.marketer.key, &b)
        .await
        .assert_problem(409, "conflict");
}

async fn only_complete_copy_is_requested_or_approved(app: TestApp) {
    let t = creatives_team(&app, "acme").await;
    let c = one_variant(&app, &t, "meta", None).await;
    let cre = id(&c);
    assert_eq!(c["final_url"], Value::Null);
    let r = request(&app, &t.marketer.key, &cre).await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), ["final_url"]);
    let r = app
        .post(&format!("{PATH}/{cre}/approve"), &t.approver.key, json!({}))
        .await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), ["final_url"]);
    let inbox = app
        .get(
            "/api/v1/marketing/approvals?subject_type=ad_creative",
            &t.marketer.key,
        )
        .await
        .json();
    assert_eq!(inbox["items"].as_array().unwrap().len(), 0, "{inbox}");
    let r = patch(
        &app,
        &t.marketer.key,
        &cre,
        json!({"version": 1, "final_url": "https://tenex.example"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // A stale version is refused before anything is opened.
    app.post(
        &format!("{PATH}/{cre}/approve"),
        &t.approver.key,
        json!({"version": 1}),
    )
    .await
    .assert_problem(409, "conflict");
    let inbox = app
        .get(
            "/api/v1/marketing/approvals?subject_type=ad_creative",
            &t.marketer.key,
        )
        .await
        .json();
    assert_eq!(inbox["items"].as_array().unwrap().len(), 0, "{inbox}");
    let r = app
        .post(
            &format!("{PATH}/{cre}/approve"),
            &t.approver.key,
            json!({"version": 2}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["status"], "approved");
}

async fn an_edit_replaces_the_open_request_and_the_old_one_cannot_be_decided(app: TestApp) {
    let t = creatives_team(&app, "acme").await;
    let c = one_variant(&app, &t, "linkedin", Some("https://tenex.example")).await;
    let cre = id(&c);
    let first = id(&request(&app, &t.marketer.key, &cre).await.json());
    // A pick alone keeps the request: the copy is what was asked about.
    let r = patch(
        &app,
        &t.marketer.key,
        &cre,
        json!({"version": 1, "picked": true}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["pending_approval_id"], first.as_str());
    // Changed copy replaces it.
    let r = patch(
        &app,
        &t.marketer.key,
        &cre,
        json!({"version": 2, "headlines": ["Pallets overnight, tracked live"]}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let second = r.json()["pending_approval_id"].as_str().unwrap().to_owned();
    assert_ne!(second, first);
    let old = app
        .get(
            &format!("/api/v1/marketing/approvals/{first}"),
            &t.approver.key,
        )
        .await
        .json();
    assert_eq!(old["status"], "cancelled");
    app.post(
        &format!("/api/v1/marketing/approvals/{first}/approve"),
        &t.approver.key,
        json!({}),
    )
    .await
    .assert_problem(409, "conflict");
    assert_eq!(
        app.get(&format!("{PATH}/{cre}"), &t.marketer.key)
            .await
            .json()["status"],
        "draft"
    );
    // Editing an approved creative makes it a draft that needs approving again.
    let r = app
        .post(
            &format!("/api/v1/marketing/approvals/{second}/approve"),
            &t.approver.key,
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = patch(
        &app,
        &t.marketer.key,
        &cre,
        json!({"version": 3, "primary_text": "Overnight pallets."}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["status"], "draft");
    assert_eq!(r.json()["pending_approval_id"], Value::Null);
}

async fn regeneration_replaces_unpicked_variants_and_keeps_picked_and_approved_ones(app: TestApp) {
    let t = creatives_team(&app, "acme").await;
    let body = json!({"platform": "meta", "brand_id": t.brand, "objective": "book a demo", "count": 3,
                      "final_url": "https://tenex.example"});
    let items = generate(&app, &t, body.clone()).await;
    let (picked, approved, replaced) = (id(&items[0]), id(&items[1]), id(&items[2]));
    assert_eq!(
        patch(
            &app,
            &t.marketer.key,
            &picked,
            json!({"version": 1, "picked": true})
        )
        .await
        .status,
        200
    );
    let r = app
        .post(
            &format!("{PATH}/{approved}/approve"),
            &t.approver.key,
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let pending = id(&request(&app, &t.marketer.key, &replaced).await.json());
    // Another set (another objective) is untouched.
    let other = generate(
        &app,
        &t,
        json!({"platform": "meta", "brand_id": t.brand, "objective": "download the guide", "count": 1}),
    )
    .await;
    let new = app
        .post(
            &format!("{PATH}/regenerate"),
            &t.marketer.key,
            json!({"platform": "meta", "brand_id": t.brand, "objective": "book a demo"}),
        )
        .await;
    assert_eq!(new.status, 201, "{}", new.text);
    let new = new.json()["items"].as_array().unwrap().clone();
    assert_eq!(new.len(), 1, "as many as were replaced");
    assert_eq!(
        new[0]["final_url"], "https://tenex.example",
        "the set's landing page"
    );
    assert!(
        items
            .iter()
            .all(|c| c["primary_text"] != new[0]["primary_text"]
                || c["headlines"] != new[0]["headlines"]),
        "a new variant, not one written before: {}",
        new[0]
    );
    let set = listed(&app, &t.marketer.key, "objective=book%20a%20demo").await;
    let mut ids: Vec<String> = set.iter().map(id).collect();
    ids.sort();
    let mut want = vec![picked.clone(), approved.clone(), id(&new[0])];
    want.sort();
    assert_eq!(ids, want);
    let archived = listed(&app, &t.marketer.key, "status=archived").await;
    assert_eq!(
        archived.iter().map(id).collect::<Vec<_>>(),
        std::slice::from_ref(&replaced)
    );
    let withdrawn = app
        .get(
            &format!("/api/v1/marketing/approvals/{pending}"),
            &t.marketer.key,
        )
        .await
        .json();
    assert_eq!(withdrawn["status"], "cancelled");
    assert_eq!(
        withdrawn["note"],
        "the variant was replaced by a regeneration"
    );
    // Archived copy is the record: it cannot be edited or approved.
    patch(
        &app,
        &t.marketer.key,
        &replaced,
        json!({"version": 1, "picked": true}),
    )
    .await
    .assert_problem(409, "conflict");
    app.post(
        &format!("{PATH}/{replaced}/approve"),
        &t.approver.key,
        json!({}),
    )
    .await
    .assert_problem(409, "conflict");
    assert_eq!(
        app.get(&format!("{PATH}/{}", id(&other[0])), &t.marketer.key)
            .await
            .json()["status"],
        "draft"
    );
}

async fn another_workspaces_creatives_are_not_found(app: TestApp) {
    let t = creatives_team(&app, "acme").await;
    let other = creatives_team(&app, "globex").await;
    let c = one_variant(&app, &t, "google", Some("https://tenex.example")).await;
    let cre = id(&c);
    app.get(&format!("{PATH}/{cre}"), &other.marketer.key)
        .await
        .assert_problem(404, "not_found");
    patch(
        &app,
        &other.marketer.key,
        &cre,
        json!({"version": 1, "picked": true}),
    )
    .await
    .assert_problem(404, "not_found");
    request(&app, &other.marketer.key, &cre)
        .await
        .assert_problem(404, "not_found");
    app.post(
        &format!("{PATH}/{cre}/approve"),
        &other.approver.key,
        json!({}),
    )
    .await
    .assert_problem(404, "not_found");
    let apr = id(&request(&app, &t.marketer.key, &cre).await.json());
    app.post(
        &format!("/api/v1/marketing/approvals/{apr}/approve"),
        &other.approver.key,
        json!({}),
    )
    .await
    .assert_problem(404, "not_found");
    assert!(listed(&app, &other.marketer.key, "").await.is_empty());
    app.get(&format!("{PATH}/nonsense"), &t.marketer.key)
        .await
        .assert_problem(404, "not_found");
}

async fn the_picker_page_reads_without_javascript_and_its_forms_keep_the_rules(app: TestApp) {
    let t = creatives_team(&app, "acme").await;
    let marketer = app.log_in("mark@acme.test", PASSWORD).await.unwrap();
    // The generate form's server function, as a browser without JavaScript posts it.
    let r = app
        .form(
            "/rpc/generate_creatives",
            Some(&marketer),
            &[
                ("platform", "linkedin"),
                ("brand_id", &t.brand),
                ("objective", "Book a demo"),
                ("count", "2"),
                ("final_url", "https://tenex.example/demo"),
            ],
            Some(ORIGIN),
        )
        .await;
    assert!(
        r.status.is_success() || r.status.is_redirection(),
        "{} {}",
        r.status,
        r.text
    );
    let items = listed(&app, &t.marketer.key, "platform=linkedin").await;
    assert_eq!(items.len(), 2);
    let page = app
        .page(
            &format!(
                "/ads/creatives?platform=linkedin&brand={}&objective=Book%20a%20demo",
                t.brand
            ),
            Some(&marketer),
        )
        .await;
    assert_eq!(page.status, 200);
    assert_eq!(
        page.text.matches("data-testid=\"variant\"").count(),
        2,
        "{}",
        page.text
    );
    assert!(page.text.contains("data-testid=\"preview-linkedin\""));
    assert!(
        page.text.contains("Tenex Freight"),
        "the brand's name in the feed post"
    );
    assert!(page.text.contains("Request approval"));
    assert!(
        !page.text.contains(">Approve<"),
        "a marketer is not offered the decision"
    );
    // A save over the limit is refused by the same rules as the JSON route.
    let cre = id(&items[0]);
    let long = "x".repeat(201);
    let r = app
        .form(
            "/rpc/save_creative",
            Some(&marketer),
            &[
                ("id", &cre),
                ("version", "1"),
                ("headlines[0]", &long),
                ("primary_text", "Overnight pallets."),
            ],
            Some(ORIGIN),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(
        r.text.contains("headlines[0]") && r.text.contains("200"),
        "{}",
        r.text
    );
    // Blank boxes are not entries; a good save lands.
    let r = app
        .form(
            "/rpc/save_creative",
            Some(&marketer),
            &[
                ("id", &cre),
                ("version", "1"),
                ("headlines[0]", "Pallets overnight"),
                ("headlines[1]", " "),
            ],
            Some(ORIGIN),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        app.get(&format!("{PATH}/{cre}"), &t.marketer.key)
            .await
            .json()["headlines"],
        json!(["Pallets overnight"])
    );
    // The marketer cannot decide through the server function either.
    let r = app
        .form(
            "/rpc/decide_creative",
            Some(&marketer),
            &[("id", &cre), ("version", "2"), ("decision", "approve")],
            Some(ORIGIN),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.text);
    assert_eq!(
        app.get(&format!("{PATH}/{cre}"), &t.marketer.key)
            .await
            .json()["status"],
        "draft"
    );
    // The approver sees the decision on the creative's own page.
    let approver = app.log_in("appr@acme.test", PASSWORD).await.unwrap();
    let page = app
        .page(&format!("/ads/creatives/{cre}"), Some(&approver))
        .await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains(">Approve<"), "{}", page.text);
    assert!(page.text.contains("Approval history"));
}

async fn a_decision_bound_to_a_request_is_refused_once_another_replaced_it(app: TestApp) {
    use tenex::domain::approval::{Decision, DecisionInput};
    use tenex::domain::ids::ApprovalId;
    use tenex::server::services::ad_creatives::CreativeAtGate;
    use tenex::server::services::gate;
    let t = creatives_team(&app, "acme").await;
    let c = one_variant(&app, &t, "meta", Some("https://tenex.example")).await;
    let cre = id(&c);
    let open = id(&request(&app, &t.marketer.key, &cre).await.json());
    // The inbox named a request that is no longer the open one (an edit replaced it between
    // the approver's click and the decision): nothing is decided.
    let approver = actor_for(&app, "appr@acme.test").await;
    let replaced = ApprovalId::generate();
    let refused = gate::decide::<CreativeAtGate>(
        app.ctx(),
        &approver,
        &cre,
        Decision::Approve,
        &DecisionInput::default(),
        Some(&replaced),
    )
    .await;
    assert!(
        matches!(refused, Err(tenex::domain::Error::Conflict(_))),
        "{:?}",
        refused.err()
    );
    assert_eq!(
        app.get(&format!("{PATH}/{cre}"), &t.marketer.key)
            .await
            .json()["status"],
        "draft"
    );
    assert_eq!(
        app.get(
            &format!("/api/v1/marketing/approvals/{open}"),
            &t.marketer.key
        )
        .await
        .json()["status"],
        "pending"
    );
}

async fn two_requests_at_once_leave_one_open_and_never_fail_inside(app: TestApp) {
    let t = creatives_team(&app, "acme").await;
    let c = one_variant(&app, &t, "google", Some("https://tenex.example")).await;
    let cre = id(&c);
    let (a, b) = tokio::join!(
        request(&app, &t.marketer.key, &cre),
        request(&app, &t.marketer.key, &cre)
    );
    for r in [&a, &b] {
        assert!(
            r.status == 200 || r.status == 409,
            "{} {}",
            r.status,
            r.text
        );
    }
    let open = app
        .get(
            "/api/v1/marketing/approvals?subject_type=ad_creative&status=pending",
            &t.marketer.key,
        )
        .await
        .json();
    assert_eq!(open["items"].as_array().unwrap().len(), 1, "{open}");
}
