//! Bulk data written straight to the tables (what the API would take minutes to accept),
//! in multi-row statements of 1,000, inside one transaction per 50 statements.

use tenex::domain::ids::{CampaignId, ContactId};
use tenex::domain::time::Timestamp;
use tenex::server::db::Db;

async fn insert_all(db: &Db, head: &str, rows: impl Iterator<Item = String>) {
    let mut rows = rows.peekable();
    while rows.peek().is_some() {
        let mut tx = db.pool().begin().await.unwrap();
        for _ in 0..50 {
            let chunk: Vec<String> = rows.by_ref().take(1000).collect();
            if chunk.is_empty() {
                break;
            }
            sqlx::query(&format!("{head} {}", chunk.join(", ")))
                .execute(&mut *tx)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
    }
}

/// `n` campaigns of every channel and status, one second apart.
pub async fn campaigns(db: &Db, workspace: &str, n: usize) {
    insert_all(
        db,
        "insert into campaigns (id, workspace_id, name, channel, status, created_at, updated_at) values",
        (0..n).map(|i| {
            let status = ["active", "draft", "paused", "completed"][i % 4];
            let channel = ["email", "ads", "blog"][i % 3];
            let at = Timestamp::from_unix_seconds(1_700_000_000 + i as i64).unwrap();
            format!(
                "('{}', '{workspace}', 'Campaign {i}', '{channel}', '{status}', '{at}', '{at}')",
                CampaignId::generate()
            )
        }),
    )
    .await;
    analyze(db).await;
}

/// Contacts numbered `from..to` (addresses `person{i}@…`), each with a first name and
/// company, every tenth without a first name, and a custom field `plan`.
pub async fn contacts(db: &Db, workspace: &str, from: usize, to: usize) {
    let ids: Vec<String> = (from..to)
        .map(|_| ContactId::generate().to_string())
        .collect();
    insert_all(
        db,
        "insert into contacts (id, workspace_id, email, first_name, last_name, company, domain, title, \
         lifecycle_stage, created_at, updated_at) values",
        ids.iter().zip(from..to).map(|(id, i)| {
            let at = Timestamp::from_unix_seconds(1_700_000_000 + i as i64).unwrap();
            let first = if i % 10 == 0 {
                String::new()
            } else {
                format!("First{i}")
            };
            format!(
                "('{id}', '{workspace}', 'person{i}@bench{}.example', '{first}', 'Last{i}', 'Company {}', \
                 'bench{}.example', 'Title {}', 'lead', '{at}', '{at}')",
                i % 500,
                i % 900,
                i % 500,
                i % 7
            )
        }),
    )
    .await;
    insert_all(
        db,
        "insert into contact_fields (contact_id, workspace_id, name, value) values",
        ids.iter().zip(from..to).map(|(id, i)| {
            format!(
                "('{id}', '{workspace}', 'plan', '{}')",
                ["gold", "silver"][i % 2]
            )
        }),
    )
    .await;
    analyze(db).await;
}

async fn analyze(db: &Db) {
    sqlx::query("analyze").execute(db.pool()).await.unwrap();
}
