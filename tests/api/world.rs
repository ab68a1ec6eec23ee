//! The test world in one place: the personas of a workspace (admin, marketer, approver with
//! their keys), the brand, contacts and segment they work on, connectors, an approved
//! sequence, and workers at a chosen time.

use std::sync::Arc;

use serde_json::{Value, json};
use tenex::domain::actor::Role;
use tenex::domain::time::{Clock, SystemClock, Timestamp};
use tenex::server::services::Context;
use tenex::server::services::sending::{Round, SendSettings, Sender};

use crate::support::{ADMIN_SCOPES, Member, TestApp};

/// A clock this many hours ahead of the machine's, to reach later steps and retries.
pub struct Ahead(pub i64);

impl Clock for Ahead {
    fn now(&self) -> Timestamp {
        SystemClock.now().plus(time::Duration::hours(self.0))
    }
}

pub struct Team {
    pub admin: Member,
    pub marketer: Member,
    pub approver: Member,
    pub segment: String,
    pub brand: String,
}

pub fn id(v: &Value) -> String {
    v["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {v}"))
        .to_owned()
}

/// A workspace with a brand, `n` contacts `p0@north.test`… in one rule segment, and members.
pub async fn team(app: &TestApp, workspace: &str, n: usize) -> Team {
    let mut csv = String::from("email,first_name,last_name,company\n");
    for i in 0..n {
        csv.push_str(&format!("p{i}@north.test,P{i},Person,Northwind\n"));
    }
    team_of(app, workspace, &csv, json!({})).await
}

/// A workspace with the three personas, a brand ("Tenex Freight", with `brand`'s fields
/// over the defaults), the contacts of `csv` and a rule segment "Everyone" over them all.
pub async fn team_of(app: &TestApp, workspace: &str, csv: &str, brand: Value) -> Team {
    let admin = app
        .member(
            workspace,
            &format!("admin@{workspace}.test"),
            Role::Admin,
            ADMIN_SCOPES,
        )
        .await;
    let marketer = app
        .member(
            workspace,
            &format!("mark@{workspace}.test"),
            Role::Marketer,
            None,
        )
        .await;
    let approver = app
        .member(
            workspace,
            &format!("appr@{workspace}.test"),
            Role::Approver,
            Some(&["marketing:read", "marketing:write", "marketing:approve"]),
        )
        .await;
    let mut brand_body = json!({"name": "Tenex Freight", "company_overview": "Tenex Freight moves pallets across Europe overnight.",
                   "usps": ["Live tracking on every pallet"], "brand_voice": "friendly"});
    if let (Some(b), Some(extra)) = (brand_body.as_object_mut(), brand.as_object()) {
        b.extend(extra.clone());
    }
    let brand = app
        .post("/api/v1/knowledge/brands", &admin.key, brand_body)
        .await
        .json();
    let r = crate::crm::import(app, &admin.key, csv).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let segment = app
        .post(
            "/api/v1/crm/segments",
            &admin.key,
            json!({"name": "Everyone", "kind": "rule", "rule": {"match": "all", "conditions": [{"field": "email", "op": "contains", "value": "@"}]}}),
        )
        .await
        .json();
    Team {
        segment: id(&segment),
        brand: id(&brand),
        admin,
        marketer,
        approver,
    }
}

/// The gate's world: a team whose brand forbids "cheapest", 6 contacts (one without a first
/// name, one unsubscribed, one bounced) in the segment, and a tested sandbox sender.
pub struct World {
    pub admin: Member,
    pub marketer: Member,
    pub approver: Member,
    pub segment: String,
    pub brand: String,
    pub sender: String,
}

pub async fn world(app: &TestApp, workspace: &str) -> World {
    let csv = "email,first_name,last_name,company\n\
               ana@north.test,Ana,Lopez,Northwind\n\
               bo@north.test,,Berg,Northwind\n\
               cy@south.test,Cy,Chen,Southwind\n\
               dee@south.test,Dee,Diaz,Southwind\n\
               unsub@south.test,Una,Sub,Southwind\n\
               bounce@south.test,Bob,Ounce,Southwind\n";
    let t = team_of(app, workspace, csv, json!({"do_not_say": ["cheapest"]})).await;
    let now = app.ctx().now().to_string();
    for (column, email) in [
        ("unsubscribed_at", "unsub@south.test"),
        ("bounced_at", "bounce@south.test"),
    ] {
        sqlx::query(&format!(
            "update contacts set {column} = $1 where email = $2"
        ))
        .bind(now.as_str())
        .bind(email)
        .execute(app.db().pool())
        .await
        .unwrap();
    }
    let sender = connector(
        app,
        &t,
        json!({"kind": "sandbox", "name": "Sandbox mail", "settings": {}}),
    )
    .await;
    let tested = app
        .post(
            &format!("/api/v1/connectors/{sender}/test"),
            &t.admin.key,
            json!({}),
        )
        .await;
    assert_eq!(tested.json()["health"], "healthy", "{}", tested.text);
    World {
        admin: t.admin,
        marketer: t.marketer,
        approver: t.approver,
        segment: t.segment,
        brand: t.brand,
        sender,
    }
}

pub async fn connector(app: &TestApp, t: &Team, body: Value) -> String {
    let r = app.post("/api/v1/connectors", &t.admin.key, body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    id(&r.json())
}

pub async fn smtp_connector(app: &TestApp, t: &Team, port: u16, extra: Value) -> String {
    let mut settings = json!({"host": "127.0.0.1", "port": port.to_string(), "tls_mode": "none",
                              "from_address": "ada@tenex-freight.test", "from_name": "Ada"});
    if let (Some(s), Some(e)) = (settings.as_object_mut(), extra.as_object()) {
        s.extend(e.clone());
    }
    connector(
        app,
        t,
        json!({"kind": "smtp", "name": "Mail", "settings": settings}),
    )
    .await
}

/// Previews a two-step sequence (days 0 and 3) on `sender` and approves it.
pub async fn approved(app: &TestApp, t: &Team, sender: &str) -> String {
    let r = app
        .post(
            "/api/v1/marketing/email-sequences/preview",
            &t.marketer.key,
            json!({"segment_id": t.segment, "brand_id": t.brand, "sender_connector_id": sender,
                   "objective": "book a demo", "num_emails": 2, "cadence_days": [0, 3]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let seq = r.json()["sequence"]["id"].as_str().unwrap().to_owned();
    let r = app
        .post(
            &format!("/api/v1/marketing/email-sequences/{seq}/approve"),
            &t.approver.key,
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    seq
}

pub fn sender_at(app: &TestApp, days: i64, worker: &str) -> Sender {
    sender_at_hours(app, days * 24, worker)
}

pub fn sender_at_hours(app: &TestApp, hours: i64, worker: &str) -> Sender {
    sender_with(
        app,
        hours,
        worker,
        SendSettings {
            rate_per_second: 10_000,
            ..SendSettings::default()
        },
    )
}

/// A worker `hours` ahead of the machine's clock, sending with `settings`.
pub fn sender_with(app: &TestApp, hours: i64, worker: &str, settings: SendSettings) -> Sender {
    let ctx = Context {
        clock: Arc::new(Ahead(hours)),
        ..app.ctx().clone()
    };
    Sender::new(ctx, settings, worker)
}

pub async fn round(sender: &Sender) -> Round {
    sender
        .round(&std::sync::atomic::AtomicBool::new(false))
        .await
        .expect("a round runs")
}

/// First-step messages of a sequence that are `scheduled` as if never started: no attempt
/// counted, not claimed, no lease.
pub async fn untouched_first_steps(app: &TestApp, seq: &str) -> i64 {
    sqlx::query_scalar(
        "select count(*) from sequence_messages where sequence_id = $1 and step_index = 0 and status = 'scheduled' \
         and attempts = 0 and claimed_by is null and lease_until is null",
    )
    .bind(seq)
    .fetch_one(app.db().pool())
    .await
    .unwrap()
}

/// Messages a sender's days count, all days together.
pub async fn day_count(app: &TestApp, sender: &str) -> i64 {
    sqlx::query_scalar(
        "select cast(coalesce(sum(sent), 0) as bigint) from sender_days where connector_id = $1",
    )
    .bind(sender)
    .fetch_one(app.db().pool())
    .await
    .unwrap()
}

/// `(email, step) → status` of every ledger row of a sequence.
pub async fn ledger(app: &TestApp, seq: &str) -> Vec<(String, i64, String, Option<String>)> {
    let rows: Vec<(String, i64, String, Option<String>)> = sqlx::query_as(
        "select c.email, m.step_index, m.status, m.error from sequence_messages m \
         join contacts c on c.id = m.contact_id where m.sequence_id = $1 order by c.email, m.step_index",
    )
    .bind(seq)
    .fetch_all(app.db().pool())
    .await
    .unwrap();
    rows
}
