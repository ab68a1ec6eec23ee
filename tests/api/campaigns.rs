//! The campaign list: filters, paging, isolation, and the index behind it.

use serde_json::json;
use tenex::domain::actor::Role;
use tenex::domain::campaign::{CampaignFilter, CampaignStatus, Channel, NewCampaign};
use tenex::domain::pagination::{PageRequest, Position};
use tenex::server::db::Backend;
use tenex::server::services::campaigns;
use tenex::server::services::segments as segment_service;

use crate::on_both_databases;
use crate::support::{ADMIN_SCOPES, TestApp};

on_both_databases!(
    campaigns_filter_by_channel_status_segment_brand_and_dates,
    bad_filters_are_a_422_naming_each,
    campaign_pages_cover_every_row_once,
    another_workspaces_campaign_is_404,
    a_campaign_cannot_point_at_another_workspaces_segment,
    the_list_query_is_served_by_an_index_without_sorting,
);

async fn seed(app: &TestApp) -> (crate::support::Member, String, String) {
    let m = app
        .member("Acme", "ada@acme.test", Role::Admin, ADMIN_SCOPES)
        .await;
    let brand = app
        .post("/api/v1/knowledge/brands", &m.key, json!({"name": "Acme"}))
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let segment = app
        .post(
            "/api/v1/crm/segments",
            &m.key,
            json!({"name": "All", "kind": "static"}),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let spread = [
        ("E1", Channel::Email, CampaignStatus::Active, true),
        ("E2", Channel::Email, CampaignStatus::PendingApproval, false),
        ("A1", Channel::Ads, CampaignStatus::Active, true),
        ("B1", Channel::Blog, CampaignStatus::Draft, false),
    ];
    for (name, channel, status, with_segment) in spread {
        campaigns::create(
            app.ctx(),
            &m.actor,
            NewCampaign {
                name: name.into(),
                channel,
                status,
                segment_id: with_segment.then(|| segment.parse().unwrap()),
                brand_id: Some(brand.parse().unwrap()),
                artifact: None,
            },
        )
        .await
        .unwrap();
    }
    (m, brand, segment)
}

fn names(v: &serde_json::Value) -> Vec<String> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect()
}

async fn campaigns_filter_by_channel_status_segment_brand_and_dates(app: TestApp) {
    let (m, brand, segment) = seed(&app).await;
    let list = |q: String| {
        let key = m.key.clone();
        let app = &app;
        async move {
            app.get(&format!("/api/v1/marketing/campaigns{q}"), &key)
                .await
                .json()
        }
    };
    assert_eq!(
        names(&list(String::new()).await),
        ["B1", "A1", "E2", "E1"],
        "newest first"
    );
    assert_eq!(names(&list("?channel=email".into()).await), ["E2", "E1"]);
    assert_eq!(names(&list("?status=active".into()).await), ["A1", "E1"]);
    assert_eq!(
        names(&list("?channel=email&status=active".into()).await),
        ["E1"]
    );
    assert_eq!(
        names(&list(format!("?segment_id={segment}")).await),
        ["A1", "E1"]
    );
    assert_eq!(names(&list(format!("?brand_id={brand}")).await).len(), 4);
    assert_eq!(
        names(&list("?created_after=2000-01-01T00:00:00Z".into()).await).len(),
        4
    );
    assert_eq!(
        names(&list("?created_before=2000-01-01".into()).await).len(),
        0
    );
    let one = list(String::new()).await["items"][0].clone();
    assert_eq!(
        one["rollup"],
        json!({"sends": 0, "replies": 0, "conversions": 0, "spend_usd": 0.0, "cac_usd": null})
    );
    let detail = app
        .get(
            &format!(
                "/api/v1/marketing/campaigns/{}",
                one["id"].as_str().unwrap()
            ),
            &m.key,
        )
        .await;
    assert_eq!(detail.status, 200);
    assert_eq!(detail.json()["name"], "B1");
}

async fn bad_filters_are_a_422_naming_each(app: TestApp) {
    let (m, _, _) = seed(&app).await;
    let r = app
        .get(
            "/api/v1/marketing/campaigns?channel=fax&status=shouting&created_after=monday&limit=0",
            &m.key,
        )
        .await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(
        r.error_fields(),
        ["channel", "status", "created_after", "limit"]
    );
    let r = app
        .get(
            "/api/v1/marketing/campaigns?segment_id=brd_01jd0000000000000000000000",
            &m.key,
        )
        .await;
    assert_eq!(r.error_fields(), ["segment_id"]);
}

async fn campaign_pages_cover_every_row_once(app: TestApp) {
    let (m, _, _) = seed(&app).await;
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = app
            .get(
                &format!("/api/v1/marketing/campaigns?limit=3{cursor}"),
                &m.key,
            )
            .await
            .json();
        seen.extend(names(&page));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen, ["B1", "A1", "E2", "E1"]);
}

async fn another_workspaces_campaign_is_404(app: TestApp) {
    let (m, _, _) = seed(&app).await;
    let other = app
        .member("Globex", "gus@globex.test", Role::Admin, ADMIN_SCOPES)
        .await;
    let id = app.get("/api/v1/marketing/campaigns", &m.key).await.json()["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.get(&format!("/api/v1/marketing/campaigns/{id}"), &other.key)
        .await
        .assert_problem(404, "not_found");
    assert_eq!(
        names(
            &app.get("/api/v1/marketing/campaigns", &other.key)
                .await
                .json()
        )
        .len(),
        0
    );
}

async fn a_campaign_cannot_point_at_another_workspaces_segment(app: TestApp) {
    let (_, _, segment) = seed(&app).await;
    let other = app
        .member("Globex", "gus@globex.test", Role::Admin, ADMIN_SCOPES)
        .await;
    let err = campaigns::create(
        app.ctx(),
        &other.actor,
        NewCampaign {
            name: "Sneaky".into(),
            channel: Channel::Email,
            status: CampaignStatus::Draft,
            segment_id: Some(segment.parse().unwrap()),
            brand_id: None,
            artifact: None,
        },
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, tenex::domain::Error::Invalid(ref f) if f[0].field == "segment_id"),
        "{err:?}"
    );
    let _ = segment_service::SAMPLE_SIZE;
}

/// Listing deep pages costs the same as the first: the keyset condition and the filter are
/// answered from the `(workspace_id, <filter>, created_at, id)` indexes, with no sort step.
async fn the_list_query_is_served_by_an_index_without_sorting(app: TestApp) {
    let (_m, _, _) = seed(&app).await;
    let filter = CampaignFilter {
        status: Some(CampaignStatus::Active),
        ..Default::default()
    };
    let later = PageRequest {
        limit: 50,
        after: Some(Position {
            created_at: tenex::domain::time::Timestamp::from_unix_seconds(2_000_000_000).unwrap(),
            id: "cmp_01jd0000000000000000000000".into(),
        }),
    };
    for (filter, page) in [(CampaignFilter::default(), later.clone()), (filter, later)] {
        let (sql, params) = tenex::server::db::campaigns::list_sql(&filter, &page);
        let p = page.after.clone().unwrap();
        match app.db().backend() {
            Backend::Sqlite => {
                let explain = format!("explain query plan {sql}");
                let mut q = sqlx::query(&explain).bind("wsp_x");
                for v in &params {
                    q = q.bind(v.as_str());
                }
                let rows = q
                    .bind(p.created_at.to_string())
                    .bind(p.id)
                    .bind(51_i64)
                    .fetch_all(app.db().pool())
                    .await
                    .unwrap();
                let plan: Vec<String> = rows
                    .iter()
                    .map(|r| sqlx::Row::get::<String, _>(r, "detail"))
                    .collect();
                let plan = plan.join(" | ");
                assert!(plan.contains("USING INDEX campaigns_"), "{plan}");
                assert!(!plan.contains("TEMP B-TREE"), "no sort step: {plan}");
            }
            Backend::Postgres => {
                let mut tx = app.db().pool().begin().await.unwrap();
                sqlx::query("set local enable_seqscan = off")
                    .execute(&mut *tx)
                    .await
                    .unwrap();
                let explain = format!("explain {sql}");
                let mut q = sqlx::query(&explain).bind("wsp_x");
                for v in &params {
                    q = q.bind(v.as_str());
                }
                let rows = q
                    .bind(p.created_at.to_string())
                    .bind(p.id)
                    .bind(51_i64)
                    .fetch_all(&mut *tx)
                    .await
                    .unwrap();
                let plan: Vec<String> = rows
                    .iter()
                    .map(|r| sqlx::Row::get::<String, _>(r, 0))
                    .collect();
                let plan = plan.join(" | ");
                assert!(plan.contains("Index Scan using campaigns_"), "{plan}");
                assert!(!plan.contains("Sort"), "no sort step: {plan}");
            }
        }
    }
}
