//! Prints figures for two targets: importing a 50,000-row CSV in one request, and listing
//! page 1,000 of 100,000 campaigns versus page 1. Runs on SQLite, and on PostgreSQL when
//! `TEST_POSTGRES_URL` (or the local server) answers.
//!
//!     cargo run --release --no-default-features --features ssr --example bench

#[cfg(feature = "ssr")]
#[tokio::main]
async fn main() {
    bench::run().await;
}

#[cfg(not(feature = "ssr"))]
fn main() {
    eprintln!("build with --features ssr");
}

#[cfg(feature = "ssr")]
mod support;

#[cfg(feature = "ssr")]
mod bench {
    use super::support;
    use std::time::{Duration, Instant};

    use axum::body::Body;
    use axum::http::{Request, header};
    use http_body_util::BodyExt;
    use tenex::domain::campaign::CampaignFilter;
    use tenex::domain::pagination::{PageRequest, Position};
    use tower::ServiceExt;

    const ROWS: usize = 50_000;
    const CAMPAIGNS: usize = 100_000;

    fn peak_rss_mb() -> f64 {
        support::peak_rss_mb(std::process::id())
    }

    fn csv() -> String {
        let mut out = String::with_capacity(ROWS * 90);
        out.push_str("email,first_name,last_name,company,title,plan,region\n");
        for i in 0..ROWS {
            out.push_str(&format!(
                "person{i}@bench{}.example,First{i},Last{i},Company {},Title {},gold,emea\n",
                i % 500,
                i % 900,
                i % 7
            ));
        }
        out
    }

    pub async fn run() {
        // RUST_LOG=sqlx=warn names each statement slower than a second (sqlx's own report).
        if std::env::var_os("RUST_LOG").is_some() {
            tenex::server::telemetry::init(false);
        }
        let dir = tempfile::tempdir().unwrap();
        let file = csv();
        println!("CSV: {ROWS} rows, {:.1} MB", file.len() as f64 / 1e6);
        for target in support::targets(dir.path(), "bench").await {
            one(target.label, &target.url, &file).await;
            target.finish().await;
        }
        println!("peak memory of this process: {:.0} MB", peak_rss_mb());
    }

    async fn one(label: &str, url: &str, file: &str) {
        let support::BenchApp {
            router,
            ctx,
            db,
            actor,
            key,
        } = support::app(url).await;

        let before = peak_rss_mb();
        let started = Instant::now();
        let request = Request::post("/api/v1/crm/contacts/import")
            .header(header::AUTHORIZATION, format!("Bearer {key}"))
            .header(header::CONTENT_TYPE, "text/csv")
            .body(Body::from(file.to_owned()))
            .unwrap();
        let response = router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        let took = started.elapsed();
        println!(
            "[{label}] import of {ROWS} rows in one request: HTTP {status}, {:.2} s ({:.0} rows/s), peak memory {:.0} MB (was {:.0} MB), report {}",
            took.as_secs_f64(),
            ROWS as f64 / took.as_secs_f64(),
            peak_rss_mb(),
            before,
            String::from_utf8_lossy(&body)
                .chars()
                .take(80)
                .collect::<String>()
        );

        // A sequence preview and approval over every imported contact.
        let call = |method: &str, path: &str, body: serde_json::Value| {
            Request::builder()
                .method(method)
                .uri(path)
                .header(header::AUTHORIZATION, format!("Bearer {key}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string()))
                .unwrap()
        };
        let json_of = |bytes: &[u8]| serde_json::from_slice::<serde_json::Value>(bytes).unwrap();
        let mut ids = Vec::new();
        for (path, body) in [
            (
                "/api/v1/knowledge/brands",
                serde_json::json!({"name": "Bench", "company_overview": "We bench things."}),
            ),
            (
                "/api/v1/crm/segments",
                serde_json::json!({"name": "All", "kind": "rule", "rule": {"match": "all", "conditions": [{"field": "email", "op": "contains", "value": "@"}]}}),
            ),
        ] {
            let r = router
                .clone()
                .oneshot(call("POST", path, body))
                .await
                .unwrap();
            let b = r.into_body().collect().await.unwrap().to_bytes();
            ids.push(json_of(&b)["id"].as_str().unwrap().to_owned());
        }
        // Connectors are an admin's; the bench key holds the default scopes.
        let sandbox = tenex::domain::connector::ConnectorInput {
            kind: "sandbox".into(),
            name: "Sandbox".into(),
            ..Default::default()
        };
        let sender = tenex::server::services::connectors::create(&ctx, &actor, &sandbox)
            .await
            .unwrap();
        ids.push(sender.id.to_string());
        let started = Instant::now();
        let r = router
            .clone()
            .oneshot(call(
                "POST",
                "/api/v1/marketing/email-sequences/preview",
                serde_json::json!({"brand_id": ids[0], "segment_id": ids[1], "sender_connector_id": ids[2], "objective": "book a demo"}),
            ))
            .await
            .unwrap();
        let status = r.status();
        let preview = json_of(&r.into_body().collect().await.unwrap().to_bytes());
        println!(
            "[{label}] sequence preview over {} recipients: HTTP {status}, {:.2} s, peak memory {:.0} MB",
            preview["preview"]["recipients"],
            started.elapsed().as_secs_f64(),
            peak_rss_mb()
        );
        let seq = preview["sequence"]["id"].as_str().unwrap().parse().unwrap();
        let started = Instant::now();
        let approved = tenex::server::services::sequences::decide(
            &ctx,
            &actor,
            &seq,
            tenex::domain::approval::Decision::Approve,
            &tenex::domain::approval::DecisionInput {
                acknowledge_warnings: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        println!(
            "[{label}] approval with its enrollment snapshot of {} contacts: {:.2} s",
            approved.stats.enrolled,
            started.elapsed().as_secs_f64()
        );

        // 100,000 campaigns, written straight to the table in batches.
        let started = Instant::now();
        let ws = actor.workspace_id().to_string();
        for chunk in 0..(CAMPAIGNS / 1000) {
            let mut sql = String::from(
                "insert into campaigns (id, workspace_id, name, channel, status, created_at, updated_at) values ",
            );
            let rows: Vec<String> = (0..1000)
                .map(|i| {
                    let n = chunk * 1000 + i;
                    let status = ["active", "draft", "paused", "completed"][n % 4];
                    let channel = ["email", "ads", "blog"][n % 3];
                    let at = tenex::domain::time::Timestamp::from_unix_seconds(1_700_000_000 + n as i64).unwrap();
                    format!("('cmp_{:026}', '{ws}', 'Campaign {n}', '{channel}', '{status}', '{at}', '{at}')", n)
                })
                .collect();
            sql.push_str(&rows.join(", "));
            sqlx::query(&sql).execute(db.pool()).await.unwrap();
        }
        if label == "PostgreSQL" {
            sqlx::query("analyze campaigns")
                .execute(db.pool())
                .await
                .unwrap();
        }
        println!(
            "[{label}] wrote {CAMPAIGNS} campaigns in {:.1} s",
            started.elapsed().as_secs_f64()
        );

        for (name, filter, deep) in [
            ("no filter", CampaignFilter::default(), 1000),
            (
                "status=active (25,000 rows)",
                CampaignFilter {
                    status: Some(tenex::domain::campaign::CampaignStatus::Active),
                    ..Default::default()
                },
                500,
            ),
        ] {
            let first = PageRequest {
                limit: 50,
                after: None,
            };
            // The position after 999 full pages, found the way a client would: by walking.
            let mut page = first.clone();
            for _ in 0..deep - 1 {
                let rows =
                    tenex::server::db::campaigns::list(&db, actor.workspace_id(), &filter, &page)
                        .await
                        .unwrap();
                let last = rows.get(49).expect("enough rows");
                page = PageRequest {
                    limit: 50,
                    after: Some(Position {
                        created_at: last.created_at,
                        id: last.id.to_string(),
                    }),
                };
            }
            let time = |req: PageRequest| {
                let (db, ws, filter) = (db.clone(), actor.workspace_id().clone(), filter.clone());
                async move {
                    let runs = 50;
                    let started = Instant::now();
                    for _ in 0..runs {
                        tenex::server::db::campaigns::list(&db, &ws, &filter, &req)
                            .await
                            .unwrap();
                    }
                    started.elapsed() / runs
                }
            };
            let p1: Duration = time(first).await;
            let p1000: Duration = time(page).await;
            println!(
                "[{label}] campaigns, {name}: page 1 {:.2} ms, page {deep} {:.2} ms",
                p1.as_secs_f64() * 1e3,
                p1000.as_secs_f64() * 1e3
            );
        }
        db.close().await;
    }
}
