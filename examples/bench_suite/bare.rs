//! The baseline: a bare axum handler on a typed sqlx pool running the campaigns list query
//! the API runs (the same SQL text, from `db::campaigns::list_sql`) and answering the same
//! JSON shape. No key check, no rate limit, no session, no compression: what the product's
//! own layers cost is the difference.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::routing::get;
use axum::serve::ListenerExt;
use serde::Serialize;
use tenex::domain::campaign::CampaignFilter;
use tenex::domain::pagination::PageRequest;

#[derive(Serialize)]
struct Artifact {
    r#type: String,
    id: String,
}

#[derive(Serialize)]
struct Rollup {
    sends: i64,
    replies: i64,
    conversions: i64,
    spend_cents: i64,
}

#[derive(Serialize)]
struct Campaign {
    id: String,
    name: String,
    channel: String,
    status: String,
    paused_reason: Option<String>,
    segment_id: Option<String>,
    brand_id: Option<String>,
    artifact: Option<Artifact>,
    rollup: Rollup,
    created_at: String,
    updated_at: String,
}

#[derive(Serialize)]
struct Page {
    items: Vec<Campaign>,
    next_cursor: Option<String>,
}

type Row = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    i64,
    i64,
    i64,
    i64,
    String,
    String,
);

fn page(rows: Vec<Row>) -> Page {
    let more = rows.len() > 50;
    let items: Vec<Campaign> = rows
        .into_iter()
        .take(50)
        .map(|r| Campaign {
            id: r.0,
            name: r.1,
            channel: r.2,
            status: r.3,
            paused_reason: r.4,
            segment_id: r.5,
            brand_id: r.6,
            artifact: r.7.zip(r.8).map(|(r#type, id)| Artifact { r#type, id }),
            rollup: Rollup {
                sends: r.9,
                replies: r.10,
                conversions: r.11,
                spend_cents: r.12,
            },
            created_at: r.13,
            updated_at: r.14,
        })
        .collect();
    let next_cursor = more.then(|| items.last().map(|c| c.id.clone())).flatten();
    Page { items, next_cursor }
}

struct Bare<P> {
    pool: P,
    sql: String,
    workspace: String,
}

/// The first page's SQL: `$1` the workspace, `$2` the row limit.
fn first_page_sql() -> String {
    let (sql, params) = tenex::server::db::campaigns::list_sql(
        &CampaignFilter::default(),
        &PageRequest {
            limit: 50,
            after: None,
        },
    );
    assert!(params.is_empty());
    sql
}

async fn sqlite_list(State(s): State<Arc<Bare<sqlx::SqlitePool>>>) -> Json<Page> {
    let rows: Vec<Row> = sqlx::query_as(&s.sql)
        .bind(&s.workspace)
        .bind(51_i64)
        .fetch_all(&s.pool)
        .await
        .expect("the list query runs");
    Json(page(rows))
}

async fn postgres_list(State(s): State<Arc<Bare<sqlx::PgPool>>>) -> Json<Page> {
    let rows: Vec<Row> = sqlx::query_as(&s.sql)
        .bind(&s.workspace)
        .bind(51_i64)
        .fetch_all(&s.pool)
        .await
        .expect("the list query runs");
    Json(page(rows))
}

fn list_router<P: Send + Sync + 'static>(
    pool: P,
    sql: String,
    workspace: &str,
    list: axum::routing::MethodRouter<Arc<Bare<P>>>,
) -> axum::Router {
    axum::Router::new()
        .route("/campaigns", list)
        .with_state(Arc::new(Bare {
            pool,
            sql,
            workspace: workspace.to_owned(),
        }))
}

/// Serves `GET /campaigns` for `workspace` on a free port; returns its base URL.
pub async fn start(url: &str, workspace: &str) -> String {
    let sql = first_page_sql();
    let router = if url.starts_with("sqlite:") {
        let pool = sqlx::sqlite::SqlitePoolOptions::new()
            .max_connections(10)
            .connect(url)
            .await
            .expect("the bench database opens");
        list_router(pool, sql, workspace, get(sqlite_list))
    } else {
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(10)
            .connect(url)
            .await
            .expect("the bench database opens");
        list_router(pool, sql, workspace, get(postgres_list))
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    format!("http://{addr}")
}
