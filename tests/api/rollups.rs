//! Rollups on both databases: attribution, zero-filled days, ranges, the time zone, and a
//! rebuild from raw rows that equals what was counted as things happened.

use axum::http::Method;
use serde_json::{Value, json};
use tenex::domain::time::{Timestamp, format_date};

use crate::on_both_databases;
use crate::support::TestApp;
use crate::world::{approved, connector, round, sender_at, team};

on_both_databases!(
    conversions_count_for_the_named_campaign_else_the_last_touch_in_the_window,
    ranges_are_validated_and_every_day_is_present,
    the_time_zone_decides_where_a_day_starts,
    rebuild_equals_incremental_after_a_random_mix,
    bounces_take_deliveries_back_and_replies_make_the_reply_rate,
);

async fn event(app: &TestApp, key: &str, body: Value) -> Value {
    let r = app.post("/api/v1/marketing/events", key, body).await;
    assert!(r.status == 201 || r.status == 200, "{}", r.text);
    r.json()
}

async fn settings(app: &TestApp, key: &str, body: Value) {
    let version = app.get("/api/v1/admin/settings", key).await.json()["version"].clone();
    let mut body = body;
    body["version"] = version;
    let r = app
        .api(
            Method::PATCH,
            "/api/v1/admin/settings",
            Some(key),
            Some(body),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

fn today() -> String {
    format_date(
        Timestamp::from_datetime(time::OffsetDateTime::now_utc())
            .as_datetime()
            .date(),
    )
}

fn days_ago(n: i64) -> String {
    format_date((time::OffsetDateTime::now_utc() - time::Duration::days(n)).date())
}

async fn campaign_of(app: &TestApp, key: &str, seq: &str) -> String {
    let s = app
        .get(&format!("/api/v1/marketing/email-sequences/{seq}"), key)
        .await
        .json();
    s["campaign_id"]
        .as_str()
        .unwrap_or_else(|| panic!("no campaign_id in {s}"))
        .to_owned()
}

async fn conversions_count_for_the_named_campaign_else_the_last_touch_in_the_window(app: TestApp) {
    let t = team(&app, "acme", 3).await;
    let sandbox = connector(
        &app,
        &t,
        json!({"kind": "sandbox", "name": "Sandbox", "settings": {}}),
    )
    .await;
    let first = approved(&app, &t, &sandbox).await;
    assert_eq!(round(&sender_at(&app, 0, "w1")).await.sent, 3);
    let second = approved(&app, &t, &sandbox).await;
    let (touched, named) = (
        campaign_of(&app, &t.marketer.key, &first).await,
        campaign_of(&app, &t.marketer.key, &second).await,
    );
    let key = &t.marketer.key;
    // Named: counts for that campaign, whatever the contact's last touch.
    let e = event(
        &app,
        key,
        json!({"id": "c-named", "type": "conversion", "email": "p0@north.test",
                                   "campaign_id": named, "value_usd": 100}),
    )
    .await;
    assert_eq!(e["campaign_id"], named.as_str());
    // Not named, touched inside the window: the last touch.
    let e = event(
        &app,
        key,
        json!({"id": "c-touch", "type": "conversion", "email": "p1@north.test",
                                   "value_usd": 50.25}),
    )
    .await;
    assert_eq!(e["campaign_id"], touched.as_str());
    // Touched 40 days before the conversion: outside the 30-day window, unattributed.
    sqlx::query("update sequence_messages set sent_at = $1 where sequence_id = $2 and contact_id = (select id from contacts where email = 'p2@north.test')")
        .bind(app.ctx().now().plus(time::Duration::days(-40)).to_string())
        .bind(&first)
        .execute(app.db().pool())
        .await
        .unwrap();
    let e = event(
        &app,
        key,
        json!({"id": "c-late", "type": "conversion", "email": "p2@north.test"}),
    )
    .await;
    assert_eq!(e["campaign_id"], Value::Null, "{e}");
    // A conversion before any touch is unattributed too.
    let e = event(&app, key, json!({"id": "c-early", "type": "conversion", "email": "p1@north.test",
                                   "occurred_at": app.ctx().now().plus(time::Duration::days(-2)).to_string()})).await;
    assert_eq!(e["campaign_id"], Value::Null, "{e}");
    // A wider window reaches the old touch.
    settings(&app, &t.admin.key, json!({"attribution_window_days": 45})).await;
    let e = event(
        &app,
        key,
        json!({"id": "c-wide", "type": "conversion", "email": "p2@north.test"}),
    )
    .await;
    assert_eq!(e["campaign_id"], touched.as_str());

    let from = days_ago(3);
    let all = app
        .get(&format!("/api/v1/marketing/rollups?from={from}"), key)
        .await;
    assert_eq!(all.status, 200, "{}", all.text);
    let all = all.json();
    assert_eq!(all["totals"]["conversions"], 5, "{all}");
    assert_eq!(all["totals"]["conversion_value_usd"], 150.25);
    let email = app
        .get(
            &format!("/api/v1/marketing/rollups?from={from}&channel=email"),
            key,
        )
        .await
        .json();
    assert_eq!(
        email["totals"]["conversions"], 3,
        "the two unattributed are not email's"
    );
    let m = app
        .get(
            &format!("/api/v1/marketing/campaigns/{touched}/metrics"),
            key,
        )
        .await;
    assert_eq!(m.status, 200, "{}", m.text);
    let m = m.json();
    assert_eq!(m["campaign_id"], touched.as_str());
    assert_eq!(m["totals"]["conversions"], 2);
    assert_eq!(m["totals"]["sends"], 3);
    assert_eq!(m["totals"]["deliveries"], 3);
    assert_eq!(m["totals"]["cac_usd"], 0.0, "no spend: a CAC of zero");
    let n = app
        .get(&format!("/api/v1/marketing/campaigns/{named}/metrics"), key)
        .await
        .json();
    assert_eq!(n["totals"]["conversions"], 1);
    assert_eq!(n["totals"]["cac_usd"], 0.0);
    assert_eq!(n["totals"]["reply_rate"], Value::Null, "nothing sent yet");
    // The same scope through the workspace route.
    let scoped = app
        .get(
            &format!("/api/v1/marketing/rollups?from={from}&campaign_id={named}"),
            key,
        )
        .await
        .json();
    assert_eq!(scoped["totals"], n["totals"]);
}

async fn ranges_are_validated_and_every_day_is_present(app: TestApp) {
    let t = team(&app, "acme", 1).await;
    let other = team(&app, "globex", 1).await;
    let key = &t.marketer.key;
    let r = app.get("/api/v1/marketing/rollups", key).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = r.json();
    assert_eq!(r["days"].as_array().unwrap().len(), 30);
    assert_eq!(r["to"], today());
    assert_eq!(r["time_zone"], "UTC");
    assert_eq!(
        r["days"][0]["sends"], 0,
        "empty days are zeros, not missing"
    );
    assert_eq!(r["totals"]["cac_usd"], Value::Null);
    let bad = |q: &'static str, field: &'static str| {
        let app = &app;
        async move {
            let r = app
                .get(&format!("/api/v1/marketing/rollups?{q}"), key)
                .await;
            r.assert_problem(422, "validation_failed");
            assert_eq!(r.error_fields(), vec![field.to_owned()], "{q}: {}", r.text);
        }
    };
    bad("from=2026-11-05&to=2026-11-04", "from").await;
    bad("from=2025-01-01&to=2026-01-02", "to").await;
    bad("from=yesterday", "from").await;
    bad("to=2026-02-30", "to").await;
    bad("channel=fax", "channel").await;
    bad("campaign_id=seq_01jd0000000000000000000000", "campaign_id").await;
    // A campaign of another workspace is unknown here.
    let sandbox = connector(
        &app,
        &other,
        json!({"kind": "sandbox", "name": "Sandbox", "settings": {}}),
    )
    .await;
    let seq = approved(&app, &other, &sandbox).await;
    let theirs = campaign_of(&app, &other.marketer.key, &seq).await;
    bad_campaign(&app, key, &theirs).await;
    app.get(
        &format!("/api/v1/marketing/campaigns/{theirs}/metrics"),
        key,
    )
    .await
    .assert_problem(404, "not_found");
    let m = app
        .get(
            &format!("/api/v1/marketing/campaigns/{theirs}/metrics?from=2026-01-01&to=2026-01-03"),
            &other.marketer.key,
        )
        .await
        .json();
    let dates: Vec<&str> = m["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["date"].as_str().unwrap())
        .collect();
    assert_eq!(dates, ["2026-01-01", "2026-01-02", "2026-01-03"]);
    // 366 days is the most a range covers.
    let r = app
        .get(
            "/api/v1/marketing/rollups?from=2028-01-01&to=2028-12-31",
            key,
        )
        .await;
    assert_eq!(r.json()["days"].as_array().unwrap().len(), 366);
}

async fn bad_campaign(app: &TestApp, key: &str, campaign: &str) {
    let r = app
        .get(
            &format!("/api/v1/marketing/rollups?campaign_id={campaign}"),
            key,
        )
        .await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), vec!["campaign_id".to_owned()]);
}

async fn the_time_zone_decides_where_a_day_starts(app: TestApp) {
    let t = team(&app, "acme", 1).await;
    let key = &t.marketer.key;
    let (yesterday, today) = (days_ago(1), today());
    // Half past midnight UTC today is still yesterday evening in Los Angeles.
    event(
        &app,
        key,
        json!({"id": "c1", "type": "conversion", "email": "p0@north.test",
                            "occurred_at": format!("{today}T00:30:00Z")}),
    )
    .await;
    let per_day = |r: &Value| -> Vec<i64> {
        r["days"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["conversions"].as_i64().unwrap())
            .collect()
    };
    let path = format!("/api/v1/marketing/rollups?from={yesterday}&to={today}");
    assert_eq!(per_day(&app.get(&path, key).await.json()), vec![0, 1]);
    settings(
        &app,
        &t.admin.key,
        json!({"time_zone": "America/Los_Angeles"}),
    )
    .await;
    let r = app.get(&path, key).await.json();
    assert_eq!(r["time_zone"], "America/Los_Angeles");
    assert_eq!(
        per_day(&r),
        vec![1, 0],
        "the stored day was counted again: {r}"
    );
    // A new event counts in the new zone too.
    event(
        &app,
        key,
        json!({"id": "c2", "type": "conversion", "email": "p0@north.test",
                            "occurred_at": format!("{today}T01:00:00Z")}),
    )
    .await;
    assert_eq!(per_day(&app.get(&path, key).await.json()), vec![2, 0]);
    // A bad zone is named and changes nothing.
    let version = app.get("/api/v1/admin/settings", &t.admin.key).await.json()["version"].clone();
    app.api(
        Method::PATCH,
        "/api/v1/admin/settings",
        Some(&t.admin.key),
        Some(json!({"version": version, "time_zone": "Mars/Olympus_Mons"})),
    )
    .await
    .assert_problem(422, "validation_failed");
    assert_eq!(
        app.get("/api/v1/admin/settings", key).await.json()["time_zone"],
        "America/Los_Angeles"
    );
}

async fn bounces_take_deliveries_back_and_replies_make_the_reply_rate(app: TestApp) {
    let t = team(&app, "acme", 4).await;
    let sandbox = connector(
        &app,
        &t,
        json!({"kind": "sandbox", "name": "Sandbox", "settings": {}}),
    )
    .await;
    let seq = approved(&app, &t, &sandbox).await;
    assert_eq!(round(&sender_at(&app, 0, "w1")).await.sent, 4);
    let key = &t.marketer.key;
    event(
        &app,
        key,
        json!({"id": "b1", "type": "bounce", "email": "p0@north.test"}),
    )
    .await;
    event(
        &app,
        key,
        json!({"id": "r1", "type": "reply", "email": "p1@north.test"}),
    )
    .await;
    event(
        &app,
        key,
        json!({"id": "u1", "type": "unsubscribe", "email": "p2@north.test"}),
    )
    .await;
    // A client retrying its events counts each once.
    for retried in ["b1", "r1"] {
        let again = event(
            &app,
            key,
            json!({"id": retried, "type": "reply", "email": "p3@north.test"}),
        )
        .await;
        assert_eq!(again["duplicate"], true, "{again}");
    }
    let campaign = campaign_of(&app, key, &seq).await;
    let m = app
        .get(
            &format!("/api/v1/marketing/campaigns/{campaign}/metrics"),
            key,
        )
        .await
        .json();
    let totals = &m["totals"];
    assert_eq!(totals["sends"], 4, "{m}");
    assert_eq!(totals["deliveries"], 3);
    assert_eq!(totals["bounces"], 1);
    assert_eq!(totals["replies"], 1);
    assert_eq!(totals["unsubscribes"], 1);
    assert_eq!(totals["reply_rate"], 0.25);
    let c = app
        .get(&format!("/api/v1/marketing/campaigns/{campaign}"), key)
        .await
        .json();
    assert_eq!(c["rollup"]["replies"], 1);
}

/// A small deterministic generator, so a failing mix can be replayed.
struct Mix(u64);

impl Mix {
    fn next(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

async fn rebuild_equals_incremental_after_a_random_mix(app: TestApp) {
    let t = team(&app, "acme", 8).await;
    let quiet = team(&app, "globex", 2).await;
    let sandbox = connector(
        &app,
        &t,
        json!({"kind": "sandbox", "name": "Sandbox", "settings": {}}),
    )
    .await;
    // Days start in Kolkata (UTC+5:30), so a wrong zone anywhere shows.
    settings(&app, &t.admin.key, json!({"time_zone": "Asia/Kolkata"})).await;
    let first = approved(&app, &t, &sandbox).await;
    let second = approved(&app, &t, &sandbox).await;
    assert_eq!(round(&sender_at(&app, 0, "w1")).await.sent, 16);
    let campaigns = [
        campaign_of(&app, &t.marketer.key, &first).await,
        campaign_of(&app, &t.marketer.key, &second).await,
    ];
    let seed = std::env::var("TENEX_MIX_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_u64);
    let mut mix = Mix(seed);
    let now = app.ctx().now();
    for i in 0..80 {
        if i == 40 {
            // Mid-way the zone changes: everything so far is counted again, and what follows
            // counts in the new zone.
            settings(&app, &t.admin.key, json!({"time_zone": "America/New_York"})).await;
        }
        let kind =
            ["conversion", "conversion", "reply", "bounce", "unsubscribe"][mix.next(5) as usize];
        let mut body = json!({
            "id": format!("e{}", mix.next(60)),
            "type": kind,
            "email": format!("p{}@north.test", mix.next(8)),
            // From three days before the sends to most of a day after them.
            "occurred_at": now.plus(time::Duration::minutes(mix.next(60 * 24 * 4) as i64 - 60 * 24 * 3)).to_string(),
        });
        if kind == "conversion" {
            body["value_usd"] = json!(mix.next(50_000) as f64 / 100.0);
        }
        if mix.next(3) == 0 {
            body["campaign_id"] = json!(campaigns[mix.next(2) as usize]);
        }
        let r = app
            .post("/api/v1/marketing/events", &t.marketer.key, body)
            .await;
        assert!(
            [200, 201, 422].contains(&r.status.as_u16()),
            "event {i}: {}",
            r.text
        );
    }
    // The second step goes out to whoever is still enrolled.
    round(&sender_at(&app, 4, "w1")).await;
    // Erasing a contact erases their messages, not what was counted.
    let contacts = app
        .get("/api/v1/crm/contacts?limit=200", &t.admin.key)
        .await
        .json();
    let erased = contacts["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["email"] == "p0@north.test")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .api(
            Method::DELETE,
            &format!("/api/v1/crm/contacts/{erased}"),
            Some(&t.admin.key),
            None,
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    let ws = t.admin.actor.workspace_id().clone();
    let kept = tenex::server::db::rollups::snapshot(app.db(), &ws)
        .await
        .unwrap();
    assert!(!kept.0.is_empty());
    let quiet_ws = quiet.admin.actor.workspace_id().clone();
    let quiet_before = tenex::server::db::rollups::snapshot(app.db(), &quiet_ws)
        .await
        .unwrap();
    let done = tenex::server::services::rollups::rebuild_all(app.ctx())
        .await
        .unwrap();
    assert_eq!(done.workspaces, 2);
    let rebuilt = tenex::server::db::rollups::snapshot(app.db(), &ws)
        .await
        .unwrap();
    assert_eq!(rebuilt.0, kept.0, "day counters (seed {seed})");
    assert_eq!(rebuilt.1, kept.1, "campaign totals (seed {seed})");
    assert_eq!(
        tenex::server::db::rollups::snapshot(app.db(), &quiet_ws)
            .await
            .unwrap(),
        quiet_before
    );
    // A rebuild of a rebuild changes nothing either.
    tenex::server::services::rollups::rebuild_all(app.ctx())
        .await
        .unwrap();
    assert_eq!(
        tenex::server::db::rollups::snapshot(app.db(), &ws)
            .await
            .unwrap(),
        rebuilt
    );
}
