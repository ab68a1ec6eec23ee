//! Paging through the JSON lists keyed by Message-ID (a run's messages and the sandbox
//! outbox) by following `next_cursor` to the end.

use std::collections::HashSet;

use serde_json::{Value, json};

use crate::on_both_databases;
use crate::sending::{Team, approved, connector, round, sender_at, team};
use crate::support::TestApp;

on_both_databases!(
    following_next_cursor_reads_every_message_of_a_run_once,
    following_next_cursor_reads_the_whole_outbox_once,
);

/// Every item of a JSON list, following `next_cursor` from `first` (which has a query) until
/// it is absent.
async fn follow(app: &TestApp, key: &str, first: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut path = first.to_owned();
    for _ in 0..100 {
        let r = app.get(&path, key).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
        let body = r.json();
        items.extend(body["items"].as_array().expect("items").iter().cloned());
        match body["next_cursor"].as_str() {
            Some(cursor) => path = format!("{first}&cursor={cursor}"),
            None => return items,
        }
    }
    panic!("{first} never reached its last page");
}

/// The `field` of each item, asserting none is seen twice.
fn each_once(items: &[Value], field: &str) -> HashSet<String> {
    let seen: HashSet<String> = items
        .iter()
        .map(|i| i[field].as_str().expect(field).to_owned())
        .collect();
    assert_eq!(seen.len(), items.len(), "a row came twice: {items:?}");
    seen
}

async fn sandbox(app: &TestApp, t: &Team) -> String {
    connector(
        app,
        t,
        json!({"kind": "sandbox", "name": "Sandbox", "settings": {}}),
    )
    .await
}

async fn ledger_ids(app: &TestApp, seq: &str) -> HashSet<String> {
    let ids: Vec<String> =
        sqlx::query_scalar("select message_id from sequence_messages where sequence_id = $1")
            .bind(seq)
            .fetch_all(app.db().pool())
            .await
            .unwrap();
    ids.into_iter().collect()
}

async fn following_next_cursor_reads_every_message_of_a_run_once(app: TestApp) {
    let t = team(&app, "acme", 7).await;
    let sender = sandbox(&app, &t).await;
    let seq = approved(&app, &t, &sender).await;
    let key = &t.marketer.key;

    let all = follow(
        &app,
        key,
        &format!("/api/v1/marketing/email-sequences/{seq}/messages?limit=4"),
    )
    .await;
    assert_eq!(all.len(), 14, "seven contacts, two steps");
    let seen = each_once(&all, "message_id");
    assert!(
        seen.iter().all(|id| id.contains('@') && id.contains('.')),
        "{seen:?}"
    );
    assert_eq!(seen, ledger_ids(&app, &seq).await);

    // A filter holds on every page.
    assert_eq!(round(&sender_at(&app, 0, "w1")).await.sent, 7);
    let sent = follow(
        &app,
        key,
        &format!("/api/v1/marketing/email-sequences/{seq}/messages?status=sent&limit=3"),
    )
    .await;
    assert_eq!(each_once(&sent, "message_id").len(), 7);
    assert!(sent.iter().all(|m| m["status"] == "sent"), "{sent:?}");
}

async fn following_next_cursor_reads_the_whole_outbox_once(app: TestApp) {
    let t = team(&app, "acme", 5).await;
    let sender = sandbox(&app, &t).await;
    let first = approved(&app, &t, &sender).await;
    let second = approved(&app, &t, &sender).await;
    assert_eq!(round(&sender_at(&app, 0, "w1")).await.sent, 10);
    let key = &t.marketer.key;

    let all = follow(&app, key, "/api/v1/marketing/outbox?limit=3").await;
    let seen = each_once(&all, "message_id");
    assert_eq!(seen.len(), 10);
    for seq in [&first, &second] {
        let one = follow(
            &app,
            key,
            &format!("/api/v1/marketing/outbox?sequence_id={seq}&limit=2"),
        )
        .await;
        let ids = each_once(&one, "message_id");
        assert_eq!(ids.len(), 5);
        assert!(one.iter().all(|m| m["sequence_id"] == seq.as_str()));
        assert!(ids.is_subset(&seen));
    }
}
