//! Paging through every list to its end: the JSON lists keyed by Message-ID (a run's messages
//! and the sandbox outbox) by following `next_cursor`, and the console's lists by following
//! their "Next page" link, which carries the same cursor.

use std::collections::HashSet;

use serde_json::{Value, json};

use crate::on_both_databases;
use crate::support::{PASSWORD, TestApp};
use crate::world::{Team, approved, connector, round, sender_at, team};

on_both_databases!(
    following_next_cursor_reads_every_message_of_a_run_once,
    following_next_cursor_reads_the_whole_outbox_once,
    the_sequence_page_and_the_outbox_page_through_their_messages,
    the_sequence_list_approvals_and_audit_log_page_through_their_rows,
    the_segment_connector_brand_and_key_lists_page_through_their_rows,
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
    // The first steps go out, each queueing its follow-up.
    assert_eq!(round(&sender_at(&app, 0, "w1")).await.sent, 7);

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

/// The values of `attribute` on the page, in order.
fn attribute_values(html: &str, attribute: &str) -> Vec<String> {
    let marker = format!(" {attribute}=\"");
    html.match_indices(&marker)
        .map(|(at, _)| {
            let rest = &html[at + marker.len()..];
            rest[..rest.find('"').expect("closing quote")].to_owned()
        })
        .collect()
}

/// The address of the link whose text is `text`.
fn link(html: &str, text: &str) -> Option<String> {
    let at = html.find(&format!(">{text}<"))?;
    let tag = &html[html[..at].rfind("<a ")?..at];
    let href = &tag[tag.find("href=\"")? + 6..];
    Some(href[..href.find('"')?].replace("&amp;", "&"))
}

/// The rows (by `attribute`) of every page of a console list, following "Next page" from
/// `first`; each later page also offers the way back to the first.
async fn console_pages(
    app: &TestApp,
    cookie: &str,
    first: &str,
    attribute: &str,
) -> Vec<Vec<String>> {
    let mut pages = Vec::new();
    let mut path = first.to_owned();
    loop {
        let r = app.page(&path, Some(cookie)).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
        let rows = attribute_values(&r.text, attribute);
        assert!(!rows.is_empty(), "{path} shows no rows: {}", r.text);
        pages.push(rows);
        if pages.len() > 1 {
            assert_eq!(
                link(&r.text, "First page").as_deref(),
                Some(first),
                "{path}"
            );
        }
        match link(&r.text, "Next page") {
            Some(next) => {
                assert!(next.contains("cursor="), "{next}");
                path = next;
            }
            None => return pages,
        }
        assert!(pages.len() < 50, "{first} never reached its last page");
    }
}

/// Asserts that the pages hold exactly `expected`, each row once, on more than one page.
fn assert_paged(pages: &[Vec<String>], expected: &HashSet<String>) {
    assert!(pages.len() > 1, "one page only: {pages:?}");
    let all: Vec<&String> = pages.iter().flatten().collect();
    let seen: HashSet<String> = all.iter().map(|s| (*s).clone()).collect();
    assert_eq!(seen.len(), all.len(), "a row came twice: {pages:?}");
    assert_eq!(&seen, expected);
}

async fn the_sequence_page_and_the_outbox_page_through_their_messages(app: TestApp) {
    let t = team(&app, "acme", 4).await;
    let sender = sandbox(&app, &t).await;
    let seq = approved(&app, &t, &sender).await;
    assert_eq!(round(&sender_at(&app, 0, "w1")).await.sent, 4);
    let key = &t.marketer.key;
    let cookie = app.log_in("mark@acme.test", PASSWORD).await.unwrap();

    let pages = console_pages(
        &app,
        &cookie,
        &format!("/email/sequences/{seq}?limit=3"),
        "data-message",
    )
    .await;
    assert_eq!(pages.len(), 3, "eight messages, three a page");
    assert_paged(&pages, &ledger_ids(&app, &seq).await);

    // The status filter stays on every page.
    let sent = console_pages(
        &app,
        &cookie,
        &format!("/email/sequences/{seq}?status=sent&limit=3"),
        "data-message",
    )
    .await;
    let api = follow(
        &app,
        key,
        &format!("/api/v1/marketing/email-sequences/{seq}/messages?status=sent"),
    )
    .await;
    assert_paged(&sent, &each_once(&api, "message_id"));
    assert_eq!(api.len(), 4);

    let outbox = console_pages(&app, &cookie, "/email/outbox?limit=3", "data-message").await;
    let api = follow(&app, key, "/api/v1/marketing/outbox?limit=200").await;
    assert_paged(&outbox, &each_once(&api, "message_id"));
}

async fn the_sequence_list_approvals_and_audit_log_page_through_their_rows(app: TestApp) {
    let t = team(&app, "acme", 2).await;
    let sender = sandbox(&app, &t).await;
    for _ in 0..2 {
        approved(&app, &t, &sender).await;
    }
    for _ in 0..2 {
        let r = app
            .post(
                "/api/v1/marketing/email-sequences/preview",
                &t.marketer.key,
                json!({"segment_id": t.segment, "brand_id": t.brand, "sender_connector_id": sender,
                       "objective": "book a demo", "num_emails": 1}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let key = &t.admin.key;
    let cookie = app.log_in("admin@acme.test", PASSWORD).await.unwrap();

    let sequences = follow(&app, key, "/api/v1/marketing/email-sequences?limit=200").await;
    assert_eq!(sequences.len(), 4);
    let pages = console_pages(&app, &cookie, "/email?limit=3", "data-sequence-id").await;
    assert_paged(&pages, &each_once(&sequences, "id"));

    let pending = follow(
        &app,
        key,
        "/api/v1/marketing/approvals?status=pending&limit=200",
    )
    .await;
    assert_eq!(pending.len(), 2);
    let pages = console_pages(&app, &cookie, "/approvals?limit=1", "data-approval-id").await;
    assert_paged(&pages, &each_once(&pending, "id"));

    let decided = follow(
        &app,
        key,
        "/api/v1/marketing/approvals?status=approved&limit=200",
    )
    .await;
    assert_eq!(decided.len(), 2);
    let pages = console_pages(
        &app,
        &cookie,
        "/approvals/decided?limit=1",
        "data-approval-id",
    )
    .await;
    assert_paged(&pages, &each_once(&decided, "id"));

    let audit = follow(&app, key, "/api/v1/admin/audit-log?limit=200").await;
    assert!(audit.len() > 5, "{audit:?}");
    let pages = console_pages(
        &app,
        &cookie,
        "/settings/audit-log?limit=5",
        "data-audit-id",
    )
    .await;
    assert_paged(&pages, &each_once(&audit, "id"));
}

async fn the_segment_connector_brand_and_key_lists_page_through_their_rows(app: TestApp) {
    let t = team(&app, "acme", 2).await;
    let key = &t.admin.key;
    for name in ["First", "Second"] {
        sandbox(&app, &t).await;
        let r = app
            .post(
                "/api/v1/crm/segments",
                key,
                json!({"name": name, "kind": "static"}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let r = app
        .post(
            "/api/v1/knowledge/brands",
            key,
            json!({"name": "Tenex Parcels", "company_overview": "Tenex Parcels delivers small parcels.",
                   "usps": ["Same-day"], "brand_voice": "plain"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let cookie = app.log_in("admin@acme.test", PASSWORD).await.unwrap();

    for (api, console, attribute, field) in [
        (
            "/api/v1/crm/segments?limit=200",
            "/crm/segments?limit=1",
            "data-segment-id",
            "id",
        ),
        (
            "/api/v1/connectors?limit=200",
            "/settings/connectors?limit=1",
            "data-connector-id",
            "id",
        ),
        (
            "/api/v1/knowledge/brands?limit=200",
            "/settings/brands?limit=1",
            "data-brand-id",
            "id",
        ),
        (
            "/api/v1/admin/api-keys?limit=200",
            "/settings/api-keys?limit=1",
            "data-key-id",
            "id",
        ),
    ] {
        let expected = each_once(&follow(&app, key, api).await, field);
        assert!(expected.len() > 1, "{api}: {expected:?}");
        let pages = console_pages(&app, &cookie, console, attribute).await;
        assert_paged(&pages, &expected);
    }
}
