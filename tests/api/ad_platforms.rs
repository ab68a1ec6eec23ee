//! Each ad platform's client against a local fake that records what it receives: the exact
//! paths, headers, bodies and units of a launch, a pause and a metrics sync; a launch
//! resumed after a crash between a remote create and the local commit; a provider's refusal
//! shown on the campaign and retried from where it stopped.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::ad_campaigns::{PATH, ad_round, approved_creatives, fetch, launch_body, requested};
use crate::support::{Backend, TestApp};
use crate::world::{Team, connector, id, team};

async fn spawn() -> TestApp {
    TestApp::spawn(Backend::Sqlite).await.unwrap()
}

fn sha(email: &str) -> String {
    hex::encode(Sha256::digest(email.as_bytes()))
}

/// What the fake received at `path` (and `method`), in order.
async fn received(fake: &MockServer, verb: &str, at: &str) -> Vec<Request> {
    fake.received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.method.as_str() == verb && r.url.path() == at)
        .collect()
}

fn body(r: &Request) -> Value {
    serde_json::from_slice(&r.body).unwrap_or(Value::Null)
}

fn header<'a>(r: &'a Request, name: &str) -> &'a str {
    r.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

async fn answer(fake: &MockServer, verb: &str, at: &str, response: ResponseTemplate) {
    Mock::given(method(verb))
        .and(path(at))
        .respond_with(response)
        .mount(fake)
        .await;
}

fn ok(v: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(v)
}

fn today(app: &TestApp) -> String {
    app.ctx().now().as_datetime().date().to_string()
}

/// Requests and approves a launch of one approved creative on `account`.
async fn approved_launch(app: &TestApp, t: &Team, account: &str, platform: &str) -> String {
    let creatives = approved_creatives(app, t, platform, 1).await;
    let adc = requested(app, t, launch_body(t, account, platform, &creatives)).await;
    let id = id(&adc);
    let r = app
        .post(&format!("{PATH}/{id}/approve"), &t.approver.key, json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    id
}

async fn meta_fake() -> MockServer {
    let fake = MockServer::start().await;
    let act = "/v26.0/act_123";
    answer(
        &fake,
        "POST",
        &format!("{act}/customaudiences"),
        ok(json!({"id": "aud1"})),
    )
    .await;
    answer(
        &fake,
        "POST",
        "/v26.0/aud1/users",
        ok(json!({"audience_id": "aud1", "num_received": 2})),
    )
    .await;
    answer(
        &fake,
        "POST",
        &format!("{act}/campaigns"),
        ok(json!({"id": "cmp1"})),
    )
    .await;
    answer(
        &fake,
        "POST",
        &format!("{act}/adsets"),
        ok(json!({"id": "set1"})),
    )
    .await;
    answer(
        &fake,
        "POST",
        &format!("{act}/adcreatives"),
        ok(json!({"id": "crv1"})),
    )
    .await;
    answer(
        &fake,
        "POST",
        &format!("{act}/ads"),
        ok(json!({"id": "ad1"})),
    )
    .await;
    for object in ["set1", "ad1", "cmp1"] {
        answer(
            &fake,
            "POST",
            &format!("/v26.0/{object}"),
            ok(json!({"success": true})),
        )
        .await;
    }
    fake
}

async fn meta_account(app: &TestApp, t: &Team, fake: &MockServer) -> String {
    connector(
        app,
        t,
        json!({"kind": "meta_ads", "name": "Meta", "settings": {"ad_account_id": "123", "page_id": "555",
               "api_version": "v26.0", "base_url": fake.uri()}, "secrets": {"access_token": "meta-token"}}),
    )
    .await
}

#[tokio::test]
async fn meta_gets_the_chain_paused_then_activated_with_cents_and_hashed_addresses() {
    let app = spawn().await;
    let t = team(&app, "acme", 2).await;
    let fake = meta_fake().await;
    answer(
        &fake,
        "GET",
        "/v26.0/cmp1/insights",
        ok(json!({"data": [{"campaign_id": "cmp1", "date_start": today(&app), "date_stop": today(&app),
            "impressions": "361", "clicks": "12", "spend": "53.39",
            "actions": [{"action_type": "link_click", "value": "10"}, {"action_type": "lead", "value": "2"},
                        {"action_type": "onsite_web_lead", "value": "2"}]}]})),
    )
    .await;
    let account = meta_account(&app, &t, &fake).await;
    let id = approved_launch(&app, &t, &account, "meta").await;
    // The creative is edited after the launch was approved: the launch still creates the
    // copy the approver approved.
    let cre = fetch(&app, &t, &id).await["creative_ids"][0]
        .as_str()
        .unwrap()
        .to_owned();
    let creative = app
        .get(
            &format!("/api/v1/marketing/ad-creatives/{cre}"),
            &t.marketer.key,
        )
        .await
        .json();
    let approved_headline = creative["headlines"][0].as_str().unwrap().to_owned();
    let r = app
        .api(
            axum::http::Method::PATCH,
            &format!("/api/v1/marketing/ad-creatives/{cre}"),
            Some(&t.marketer.key),
            Some(json!({"version": creative["version"], "headlines": ["Never approved"]})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    ad_round(&app, 0).await;
    let live = fetch(&app, &t, &id).await;
    assert_eq!(live["status"], "active", "{live}");
    assert_eq!(live["platform_ids"]["campaign"], "cmp1");
    assert_eq!(live["platform_ids"]["ad:0"], "ad1");
    assert_eq!(
        live["platform_url"],
        "https://adsmanager.facebook.com/adsmanager/manage/campaigns?act=123&selected_campaign_ids=cmp1"
    );

    let audience = &received(&fake, "POST", "/v26.0/act_123/customaudiences").await[0];
    assert_eq!(header(audience, "authorization"), "Bearer meta-token");
    assert_eq!(body(audience)["subtype"], "CUSTOM");
    assert_eq!(body(audience)["customer_file_source"], "USER_PROVIDED_ONLY");
    let mut hashes = vec![sha("p0@north.test"), sha("p1@north.test")];
    hashes.sort();
    let users = &received(&fake, "POST", "/v26.0/aud1/users").await[0];
    assert_eq!(
        body(users),
        json!({"payload": {"schema": "EMAIL_SHA256", "data": hashes}})
    );
    assert!(
        !fake
            .received_requests()
            .await
            .unwrap()
            .iter()
            .any(|r| String::from_utf8_lossy(&r.body).contains("@north.test")),
        "a plain address left the server"
    );
    let campaign = body(&received(&fake, "POST", "/v26.0/act_123/campaigns").await[0]);
    assert_eq!(campaign["objective"], "OUTCOME_LEADS");
    assert_eq!(campaign["status"], "PAUSED");
    assert_eq!(campaign["special_ad_categories"], json!([]));
    assert_eq!(campaign["is_adset_budget_sharing_enabled"], false);
    let ad_set = body(&received(&fake, "POST", "/v26.0/act_123/adsets").await[0]);
    assert_eq!(ad_set["daily_budget"], 2550, "minor units: {ad_set}");
    assert_eq!(ad_set["campaign_id"], "cmp1");
    assert_eq!(ad_set["status"], "PAUSED");
    assert_eq!(
        ad_set["targeting"],
        json!({"custom_audiences": [{"id": "aud1"}], "targeting_automation": {"advantage_audience": 0}})
    );
    let creative = body(&received(&fake, "POST", "/v26.0/act_123/adcreatives").await[0]);
    assert_eq!(creative["object_story_spec"]["page_id"], "555");
    let link = &creative["object_story_spec"]["link_data"];
    assert_eq!(link["link"], "https://tenex.example/demo");
    assert_eq!(link["name"], approved_headline.as_str());
    assert!(
        link["call_to_action"]["type"].as_str().is_some(),
        "{creative}"
    );
    let ad = body(&received(&fake, "POST", "/v26.0/act_123/ads").await[0]);
    assert_eq!(
        (&ad["adset_id"], &ad["creative"], &ad["status"]),
        (
            &json!("set1"),
            &json!({"creative_id": "crv1"}),
            &json!("PAUSED")
        )
    );
    for object in ["set1", "ad1", "cmp1"] {
        let on = received(&fake, "POST", &format!("/v26.0/{object}")).await;
        assert_eq!(on.len(), 1, "{object}");
        assert_eq!(body(&on[0]), json!({"status": "ACTIVE"}));
    }

    // The sync reads insights a day at a time; spend is major units, one conversion type.
    ad_round(&app, 0).await;
    let insights = &received(&fake, "GET", "/v26.0/cmp1/insights").await[0];
    let query: std::collections::HashMap<_, _> = insights.url.query_pairs().into_owned().collect();
    assert_eq!(query["time_increment"], "1");
    assert_eq!(query["level"], "campaign");
    assert!(query["fields"].contains("spend") && query["fields"].contains("actions"));
    let range: Value = serde_json::from_str(&query["time_range"]).unwrap();
    assert_eq!(range["until"], today(&app));
    let synced = fetch(&app, &t, &id).await;
    assert_eq!(synced["metrics"]["spend_usd"], 53.39, "{synced}");
    assert_eq!(synced["metrics"]["conversions"], 2);
    assert_eq!(synced["metrics"]["impressions"], 361);

    // Pause is a status POST on the campaign.
    app.post(&format!("{PATH}/{id}/pause"), &t.marketer.key, json!({}))
        .await;
    ad_round(&app, 0).await;
    let posts = received(&fake, "POST", "/v26.0/cmp1").await;
    assert_eq!(body(posts.last().unwrap()), json!({"status": "PAUSED"}));
    assert_eq!(fetch(&app, &t, &id).await["status"], "paused");
}

#[tokio::test]
async fn a_crash_between_a_remote_create_and_its_commit_never_creates_a_second_campaign() {
    let app = spawn().await;
    let t = team(&app, "acme", 1).await;
    let fake = meta_fake().await;
    let account = meta_account(&app, &t, &fake).await;
    let id = approved_launch(&app, &t, &account, "meta").await;
    let name = fetch(&app, &t, &id).await["name"]
        .as_str()
        .unwrap()
        .to_owned();
    // The state a crash leaves: the audience done, the campaign's create sent (it exists on
    // the platform) but its id never written.
    let now = app.ctx().now().to_string();
    for (step, remote) in [
        ("audience", Some("aud1")),
        ("audience_members", Some("aud1")),
        ("campaign", None),
    ] {
        sqlx::query(
            "insert into ad_campaign_steps (ad_campaign_id, step, remote_id, started_at, done_at) values ($1, $2, $3, $4, $5)",
        )
        .bind(&id)
        .bind(step)
        .bind(remote)
        .bind(&now)
        .bind(remote.map(|_| now.clone()))
        .execute(app.db().pool())
        .await
        .unwrap();
    }
    answer(
        &fake,
        "GET",
        "/v26.0/act_123/campaigns",
        ok(json!({"data": [{"id": "cmp-before-crash", "name": format!("{name} · campaign · {id}")}]})),
    )
    .await;
    answer(
        &fake,
        "POST",
        "/v26.0/cmp-before-crash",
        ok(json!({"success": true})),
    )
    .await;
    ad_round(&app, 0).await;
    let live = fetch(&app, &t, &id).await;
    assert_eq!(live["status"], "active", "{live}");
    assert_eq!(live["platform_ids"]["campaign"], "cmp-before-crash");
    assert!(
        received(&fake, "POST", "/v26.0/act_123/campaigns")
            .await
            .is_empty(),
        "the campaign was created twice"
    );
    let ad_set = body(&received(&fake, "POST", "/v26.0/act_123/adsets").await[0]);
    assert_eq!(ad_set["campaign_id"], "cmp-before-crash");
    let lookup = &received(&fake, "GET", "/v26.0/act_123/campaigns").await[0];
    let query: std::collections::HashMap<_, _> = lookup.url.query_pairs().into_owned().collect();
    let filtering: Value = serde_json::from_str(&query["filtering"]).unwrap();
    assert_eq!(filtering[0]["value"], format!("{name} · campaign · {id}"));
}

#[tokio::test]
async fn a_refused_step_fails_the_launch_with_the_providers_message_and_a_retry_resumes_it() {
    let app = spawn().await;
    let t = team(&app, "acme", 1).await;
    let fake = MockServer::start().await;
    let act = "/v26.0/act_123";
    answer(
        &fake,
        "POST",
        &format!("{act}/customaudiences"),
        ok(json!({"id": "aud1"})),
    )
    .await;
    answer(&fake, "POST", "/v26.0/aud1/users", ok(json!({}))).await;
    answer(
        &fake,
        "POST",
        &format!("{act}/campaigns"),
        ok(json!({"id": "cmp1"})),
    )
    .await;
    answer(
        &fake,
        "POST",
        &format!("{act}/adsets"),
        ResponseTemplate::new(400).set_body_json(
            json!({"error": {"message": "Invalid parameter: daily_budget too low",
            "type": "OAuthException", "code": 100, "error_subcode": 1885272}}),
        ),
    )
    .await;
    let account = meta_account(&app, &t, &fake).await;
    let id = approved_launch(&app, &t, &account, "meta").await;
    ad_round(&app, 0).await;
    let failed = fetch(&app, &t, &id).await;
    assert_eq!(failed["status"], "failed", "{failed}");
    assert!(
        failed["error"]
            .as_str()
            .unwrap()
            .contains("daily_budget too low"),
        "{failed}"
    );
    assert_eq!(failed["platform_ids"]["campaign"], "cmp1");
    let created_before = received(&fake, "POST", &format!("{act}/campaigns"))
        .await
        .len();
    fake.reset().await;
    let healthy = meta_fake().await;
    // The same fake address must keep answering: point the connector at the healthy one.
    let r = app
        .api(
            axum::http::Method::PATCH,
            &format!("/api/v1/connectors/{account}"),
            Some(&t.admin.key),
            Some(json!({"version": 1, "settings": {"ad_account_id": "123", "page_id": "555", "api_version": "v26.0",
                         "base_url": healthy.uri()}, "secrets": {"access_token": "meta-token"}})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app
        .post(
            &format!("{PATH}/{id}/retry-launch"),
            &t.marketer.key,
            json!({}),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    assert_eq!(r.json()["status"], "launching");
    ad_round(&app, 0).await;
    let live = fetch(&app, &t, &id).await;
    assert_eq!(live["status"], "active", "{live}");
    assert_eq!(created_before, 1);
    assert!(
        received(&healthy, "POST", &format!("{act}/campaigns"))
            .await
            .is_empty(),
        "the retry created the campaign again"
    );
    assert_eq!(live["platform_ids"]["campaign"], "cmp1");
}

#[tokio::test]
async fn google_gets_one_atomic_mutate_with_temporary_ids_and_micros() {
    let app = spawn().await;
    let t = team(&app, "acme", 2).await;
    let fake = MockServer::start().await;
    let c = "/v26/customers/1234567890";
    answer(
        &fake,
        "POST",
        &format!("{c}/userLists:mutate"),
        ok(json!({"results": [{"resourceName": "customers/1234567890/userLists/77"}]})),
    )
    .await;
    answer(
        &fake,
        "POST",
        &format!("{c}/offlineUserDataJobs:create"),
        ok(json!({"resourceName": "customers/1234567890/offlineUserDataJobs/88"})),
    )
    .await;
    answer(
        &fake,
        "POST",
        &format!("{c}/offlineUserDataJobs/88:addOperations"),
        ok(json!({})),
    )
    .await;
    answer(
        &fake,
        "POST",
        &format!("{c}/offlineUserDataJobs/88:run"),
        ok(json!({"name": "operations/1"})),
    )
    .await;
    answer(
        &fake,
        "POST",
        &format!("{c}/googleAds:mutate"),
        ok(json!({"mutateOperationResponses": [
            {"campaignBudgetResult": {"resourceName": "customers/1234567890/campaignBudgets/987"}},
            {"campaignResult": {"resourceName": "customers/1234567890/campaigns/654"}}]})),
    )
    .await;
    answer(
        &fake,
        "POST",
        &format!("{c}/campaigns:mutate"),
        ok(json!({"results": [{"resourceName": "customers/1234567890/campaigns/654"}]})),
    )
    .await;
    answer(
        &fake,
        "POST",
        &format!("{c}/googleAds:searchStream"),
        ok(json!([{"results": [{"campaign": {"resourceName": "customers/1234567890/campaigns/654", "id": "654"},
            "segments": {"date": today(&app)}, "metrics": {"costMicros": "1230000", "impressions": "100", "conversions": 1.0}}],
            "fieldMask": "campaign.id,segments.date,metrics.costMicros", "requestId": "r1"}])),
    )
    .await;
    let account = connector(
        &app,
        &t,
        json!({"kind": "google_ads", "name": "Google", "settings": {"customer_id": "123-456-7890", "login_customer_id": "999-000-1111",
               "base_url": fake.uri()}, "secrets": {"developer_token": "dev-tok", "access_token": "g-token"}}),
    )
    .await;
    let id = approved_launch(&app, &t, &account, "google").await;
    ad_round(&app, 0).await;
    let live = fetch(&app, &t, &id).await;
    assert_eq!(live["status"], "active", "{live}");
    assert_eq!(
        live["platform_ids"]["campaign"],
        "customers/1234567890/campaigns/654"
    );

    let mutate = &received(&fake, "POST", &format!("{c}/googleAds:mutate")).await[0];
    assert_eq!(header(mutate, "developer-token"), "dev-tok");
    assert_eq!(header(mutate, "login-customer-id"), "9990001111");
    assert_eq!(header(mutate, "authorization"), "Bearer g-token");
    let ops = body(mutate)["mutateOperations"].as_array().unwrap().clone();
    let budget = &ops[0]["campaignBudgetOperation"]["create"];
    assert_eq!(
        budget["amountMicros"], "25500000",
        "micros as a string: {budget}"
    );
    assert_eq!(
        budget["resourceName"],
        "customers/1234567890/campaignBudgets/-1"
    );
    let campaign = &ops[1]["campaignOperation"]["create"];
    assert_eq!(
        campaign["resourceName"],
        "customers/1234567890/campaigns/-2"
    );
    assert_eq!(
        campaign["campaignBudget"],
        "customers/1234567890/campaignBudgets/-1"
    );
    assert_eq!(campaign["status"], "PAUSED");
    assert_eq!(campaign["advertisingChannelType"], "SEARCH");
    assert_eq!(
        campaign["containsEuPoliticalAdvertising"],
        "DOES_NOT_CONTAIN_EU_POLITICAL_ADVERTISING"
    );
    assert!(campaign.get("startDate").is_none(), "v23 removed startDate");
    let criterion = ops
        .iter()
        .find_map(|o| o.get("campaignCriterionOperation"))
        .unwrap();
    assert_eq!(
        criterion["create"]["userList"]["userList"],
        "customers/1234567890/userLists/77"
    );
    let ad = ops
        .iter()
        .find_map(|o| o.get("adGroupAdOperation"))
        .unwrap();
    let rsa = &ad["create"]["ad"]["responsiveSearchAd"];
    assert!(rsa["headlines"].as_array().unwrap().len() >= 3, "{rsa}");
    assert_eq!(ad["create"]["adGroup"], "customers/1234567890/adGroups/-3");
    let upload = body(
        &received(
            &fake,
            "POST",
            &format!("{c}/offlineUserDataJobs/88:addOperations"),
        )
        .await[0],
    );
    let mut sent: Vec<String> = upload["operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            o["create"]["userIdentifiers"][0]["hashedEmail"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    sent.sort();
    let mut want = vec![sha("p0@north.test"), sha("p1@north.test")];
    want.sort();
    assert_eq!(sent, want);
    let enable = body(&received(&fake, "POST", &format!("{c}/campaigns:mutate")).await[0]);
    assert_eq!(
        enable,
        json!({"operations": [{"update": {"resourceName": "customers/1234567890/campaigns/654", "status": "ENABLED"}, "updateMask": "status"}]})
    );

    ad_round(&app, 0).await;
    let stream = body(&received(&fake, "POST", &format!("{c}/googleAds:searchStream")).await[0]);
    let gaql = stream["query"].as_str().unwrap();
    assert!(
        gaql.contains("campaign.id = 654") && gaql.contains("segments.date BETWEEN"),
        "{gaql}"
    );
    let synced = fetch(&app, &t, &id).await;
    assert_eq!(synced["metrics"]["spend_usd"], 1.23, "{synced}");
    assert_eq!(
        synced["metrics"]["clicks"], 0,
        "a missing proto3 field is zero"
    );

    app.post(&format!("{PATH}/{id}/cancel"), &t.marketer.key, json!({}))
        .await;
    ad_round(&app, 0).await;
    let removes: Vec<Value> = received(&fake, "POST", &format!("{c}/campaigns:mutate"))
        .await
        .iter()
        .map(body)
        .collect();
    assert_eq!(
        removes.last().unwrap(),
        &json!({"operations": [{"remove": "customers/1234567890/campaigns/654"}]})
    );
    assert_eq!(fetch(&app, &t, &id).await["status"], "cancelled");
}

#[tokio::test]
async fn linkedin_gets_versioned_restli_calls_with_decimal_budgets_and_ids_from_headers() {
    let app = spawn().await;
    let t = team(&app, "acme", 2).await;
    let fake = MockServer::start().await;
    let acct = "/rest/adAccounts/507404993";
    let created = |id: &str| ResponseTemplate::new(201).insert_header("x-restli-id", id);
    answer(&fake, "POST", "/rest/dmpSegments", created("9001")).await;
    answer(
        &fake,
        "POST",
        "/rest/dmpSegments/9001/users",
        ResponseTemplate::new(201),
    )
    .await;
    answer(
        &fake,
        "POST",
        &format!("{acct}/adCampaignGroups"),
        created("635137195"),
    )
    .await;
    answer(
        &fake,
        "POST",
        &format!("{acct}/adCampaigns"),
        created("123456789"),
    )
    .await;
    answer(
        &fake,
        "POST",
        &format!("{acct}/creatives"),
        ok(json!({"value": {"creative": "urn:li:sponsoredCreative:555"}})),
    )
    .await;
    answer(
        &fake,
        "POST",
        &format!("{acct}/adCampaigns/123456789"),
        ResponseTemplate::new(204),
    )
    .await;
    let d = app.ctx().now().as_datetime().date();
    answer(
        &fake,
        "GET",
        "/rest/adAnalytics",
        ok(json!({"elements": [{"dateRange": {"start": {"year": d.year(), "month": u8::from(d.month()), "day": d.day()},
            "end": {"year": d.year(), "month": u8::from(d.month()), "day": d.day()}},
            "pivotValues": ["urn:li:sponsoredCampaign:123456789"], "impressions": 1000, "clicks": 12,
            "costInLocalCurrency": "34.56", "externalWebsiteConversions": 1, "oneClickLeads": 2}], "paging": {}})),
    )
    .await;
    let account = connector(
        &app,
        &t,
        json!({"kind": "linkedin_ads", "name": "LinkedIn", "settings": {"ad_account_id": "507404993", "organization_id": "2414183",
               "api_version": "202607", "base_url": fake.uri()}, "secrets": {"access_token": "li-token"}}),
    )
    .await;
    let id = approved_launch(&app, &t, &account, "linkedin").await;
    ad_round(&app, 0).await;
    let live = fetch(&app, &t, &id).await;
    assert_eq!(live["status"], "active", "{live}");
    assert_eq!(live["platform_ids"]["campaign"], "123456789");
    assert_eq!(live["platform_ids"]["ad:0"], "urn:li:sponsoredCreative:555");
    assert_eq!(
        live["platform_url"],
        "https://www.linkedin.com/campaignmanager/accounts/507404993/campaigns/123456789"
    );

    for r in fake.received_requests().await.unwrap() {
        assert_eq!(header(&r, "linkedin-version"), "202607", "{}", r.url);
        assert_eq!(
            header(&r, "x-restli-protocol-version"),
            "2.0.0",
            "{}",
            r.url
        );
        assert_eq!(header(&r, "authorization"), "Bearer li-token");
    }
    let members = &received(&fake, "POST", "/rest/dmpSegments/9001/users").await[0];
    assert_eq!(header(members, "x-restli-method"), "BATCH_CREATE");
    assert_eq!(
        body(members)["elements"][0]["userIds"][0]["idType"],
        "SHA256_EMAIL"
    );
    let group = body(&received(&fake, "POST", &format!("{acct}/adCampaignGroups")).await[0]);
    assert_eq!(group["account"], "urn:li:sponsoredAccount:507404993");
    let campaign = body(&received(&fake, "POST", &format!("{acct}/adCampaigns")).await[0]);
    assert_eq!(
        campaign["dailyBudget"],
        json!({"amount": "25.50", "currencyCode": "USD"}),
        "a decimal string: {campaign}"
    );
    assert_eq!(
        campaign["campaignGroup"],
        "urn:li:sponsoredCampaignGroup:635137195"
    );
    assert_eq!(campaign["objectiveType"], "LEAD_GENERATION");
    assert_eq!(campaign["status"], "DRAFT");
    assert_eq!(campaign["politicalIntent"], "NOT_POLITICAL");
    assert_eq!(
        campaign["targetingCriteria"]["include"]["and"][0]["or"]["urn:li:adTargetingFacet:audienceMatchingSegments"],
        json!(["urn:li:adSegment:9001"])
    );
    let inline = &received(&fake, "POST", &format!("{acct}/creatives")).await[0];
    assert_eq!(inline.url.query(), Some("action=createInline"));
    let post = &body(inline)["creative"]["inlineContent"]["post"];
    assert_eq!(post["author"], "urn:li:organization:2414183");
    assert_eq!(
        post["adContext"]["dscAdAccount"],
        "urn:li:sponsoredAccount:507404993"
    );
    let activate = &received(&fake, "POST", &format!("{acct}/adCampaigns/123456789")).await[0];
    assert_eq!(header(activate, "x-restli-method"), "PARTIAL_UPDATE");
    assert_eq!(
        body(activate),
        json!({"patch": {"$set": {"status": "ACTIVE"}}})
    );

    ad_round(&app, 0).await;
    let analytics = &received(&fake, "GET", "/rest/adAnalytics").await[0];
    let raw = analytics.url.query().unwrap();
    assert!(
        raw.contains("q=analytics&pivot=CAMPAIGN&timeGranularity=DAILY"),
        "{raw}"
    );
    assert!(raw.contains("dateRange=(start:(year:"), "{raw}");
    assert!(
        raw.contains("campaigns=List(urn%3Ali%3AsponsoredCampaign%3A123456789)"),
        "{raw}"
    );
    let synced = fetch(&app, &t, &id).await;
    assert_eq!(synced["metrics"]["spend_usd"], 34.56, "{synced}");
    assert_eq!(synced["metrics"]["conversions"], 3);

    app.post(&format!("{PATH}/{id}/pause"), &t.marketer.key, json!({}))
        .await;
    ad_round(&app, 0).await;
    let updates = received(&fake, "POST", &format!("{acct}/adCampaigns/123456789")).await;
    assert_eq!(
        body(updates.last().unwrap()),
        json!({"patch": {"$set": {"status": "PAUSED"}}})
    );
    assert_eq!(fetch(&app, &t, &id).await["status"], "paused");
}

#[tokio::test]
async fn a_lookup_that_fails_keeps_the_step_marked_so_a_later_attempt_still_finds_it() {
    let app = spawn().await;
    let t = team(&app, "acme", 1).await;
    let fake = meta_fake().await;
    let account = meta_account(&app, &t, &fake).await;
    let id = approved_launch(&app, &t, &account, "meta").await;
    let name = fetch(&app, &t, &id).await["name"]
        .as_str()
        .unwrap()
        .to_owned();
    let now = app.ctx().now().to_string();
    for (step, remote) in [
        ("audience", Some("aud1")),
        ("audience_members", Some("aud1")),
        ("campaign", None),
    ] {
        sqlx::query(
            "insert into ad_campaign_steps (ad_campaign_id, step, remote_id, started_at, done_at) values ($1, $2, $3, $4, $5)",
        )
        .bind(&id)
        .bind(step)
        .bind(remote)
        .bind(&now)
        .bind(remote.map(|_| now.clone()))
        .execute(app.db().pool())
        .await
        .unwrap();
    }
    // The lookup is throttled once, then finds what the crashed attempt created.
    Mock::given(method("GET"))
        .and(path("/v26.0/act_123/campaigns"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "60"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&fake)
        .await;
    answer(
        &fake,
        "GET",
        "/v26.0/act_123/campaigns",
        ok(json!({"data": [{"id": "cmp-before-crash", "name": format!("{name} · campaign · {id}")}]})),
    )
    .await;
    answer(
        &fake,
        "POST",
        "/v26.0/cmp-before-crash",
        ok(json!({"success": true})),
    )
    .await;
    let first = ad_round(&app, 0).await;
    assert_eq!(first.retried, 1, "{first:?}");
    assert_eq!(fetch(&app, &t, &id).await["status"], "launching");
    ad_round(&app, 2).await;
    let live = fetch(&app, &t, &id).await;
    assert_eq!(live["status"], "active", "{live}");
    assert_eq!(live["platform_ids"]["campaign"], "cmp-before-crash");
    assert!(
        received(&fake, "POST", "/v26.0/act_123/campaigns")
            .await
            .is_empty(),
        "a throttled lookup let the campaign be created twice"
    );
}
