//! The order of the run and the table it prints.

use std::time::Instant;

use tenex::domain::api_key::NewApiKey;
use tenex::domain::connector::ConnectorInput;
use tenex::server::services::{api_keys, connectors};

use super::load::{self, Figures};
use super::server::Server;
use super::{bare, seed, support};

const CAMPAIGNS: usize = 100_000;

fn sizes(name: &str, default: &[usize]) -> Vec<usize> {
    std::env::var(name)
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| default.to_vec())
}

/// One figure per database, printed as a table row at the end.
struct Row {
    what: String,
    figures: Vec<String>,
}

#[derive(Default)]
struct Table(Vec<Row>);

impl Table {
    fn put(&mut self, column: usize, what: &str, figure: String) {
        println!("  {what}: {figure}");
        let row = match self.0.iter_mut().position(|r| r.what == what) {
            Some(i) => &mut self.0[i],
            None => {
                self.0.push(Row {
                    what: what.to_owned(),
                    figures: Vec::new(),
                });
                self.0.last_mut().unwrap()
            }
        };
        row.figures.resize(column + 1, String::new());
        row.figures[column] = figure;
    }
}

fn latency(f: &Figures) -> String {
    let errors = if f.not_ok > 0 {
        format!(" ({} answers not 200!)", f.not_ok)
    } else {
        String::new()
    };
    format!(
        "p50 {:.2} ms, p99 {:.2} ms, {:.0} req/s{errors}",
        f.p50_ms, f.p99_ms, f.per_second
    )
}

fn ratio(ours: &Figures, limit: &Figures) -> String {
    format!(
        "{:.2}× p50, {:.2}× p99, {:.2}× throughput",
        ours.p50_ms / limit.p50_ms,
        ours.p99_ms / limit.p99_ms,
        limit.per_second / ours.per_second
    )
}

pub async fn run() {
    let dir = tempfile::tempdir().unwrap();
    let audiences = sizes("BENCH_AUDIENCES", &[50_000, 500_000]);
    let schedule = sizes("BENCH_SCHEDULE", &[1_000_000]);
    let mut table = Table::default();
    let targets = support::targets(dir.path(), "suite").await;
    let labels: Vec<&str> = targets.iter().map(|t| t.label).collect();
    for (column, target) in targets.into_iter().enumerate() {
        println!("== {}", target.label);
        one(&mut table, column, &target.url, &audiences, &schedule).await;
        target.finish().await;
    }
    println!("\n| what | {} |", labels.join(" | "));
    println!("|---|{}", "---|".repeat(labels.len()));
    for row in &table.0 {
        println!("| {} | {} |", row.what, row.figures.join(" | "));
    }
}

async fn one(table: &mut Table, column: usize, url: &str, audiences: &[usize], schedule: &[usize]) {
    let app = support::app(url).await;
    let ws = app.actor.workspace_id().to_string();
    let started = Instant::now();
    seed::campaigns(&app.db, &ws, CAMPAIGNS).await;
    println!(
        "  wrote {CAMPAIGNS} campaigns in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let every_scope: Vec<String> = [
        "crm:read",
        "crm:write",
        "marketing:read",
        "marketing:write",
        "marketing:approve",
    ]
    .map(String::from)
    .to_vec();
    let approver = api_keys::mint(
        &app.ctx,
        &app.actor,
        NewApiKey::parse("bench approver", Some(&every_scope), None, app.ctx.now()).unwrap(),
    )
    .await
    .unwrap()
    .token;
    let key = app.key.clone();
    let bearer = format!("Bearer {key}");

    // The campaigns list: the product against the bare handler, then the console page.
    let server = Server::start(url).await;
    let list = format!("{}/api/v1/marketing/campaigns?limit=50", server.base);
    let ours = load::run(&list, &[("Authorization", &bearer)]);
    let bare_base = bare::start(url, &ws).await;
    let limit = load::run(&format!("{bare_base}/campaigns"), &[]);
    table.put(
        column,
        "GET /api/v1/marketing/campaigns?limit=50, 8 clients",
        latency(&ours),
    );
    table.put(
        column,
        "bare axum + sqlx, same query and data",
        latency(&limit),
    );
    table.put(column, "API ÷ bare (goal ≤ 1.5×)", ratio(&ours, &limit));

    let cookie = server.log_in("bench@bench.test", "bench-password").await;
    let page = load::run(
        &format!("{}/campaigns", server.base),
        &[("Cookie", &cookie)],
    );
    table.put(
        column,
        "console /campaigns (SSR), 8 clients",
        latency(&page),
    );
    table.put(
        column,
        "SSR page ÷ JSON route (goal ≤ 2×)",
        ratio(&page, &ours),
    );

    // Page 1,000, found the way a client finds it: by following next_cursor.
    let mut path = "/api/v1/marketing/campaigns?limit=50".to_owned();
    for _ in 0..999 {
        let answer = server.get(&path, &key).await;
        let cursor = answer["next_cursor"]
            .as_str()
            .expect("100,000 campaigns fill 1,000 pages");
        path = format!("/api/v1/marketing/campaigns?limit=50&cursor={cursor}");
    }
    // Page 1 again, just before page 1,000, so the two run under the same conditions.
    let first = load::run(&list, &[("Authorization", &bearer)]);
    let deep = load::run(
        &format!("{}{path}", server.base),
        &[("Authorization", &bearer)],
    );
    table.put(
        column,
        "page 1 of 100,000 campaigns (again)",
        latency(&first),
    );
    table.put(column, "page 1,000 of 100,000 campaigns", latency(&deep));
    table.put(
        column,
        "page 1,000 ÷ page 1 (goal ≈ 1)",
        ratio(&deep, &first),
    );
    server.stop();

    // Previews and approvals, each size in a fresh server process.
    let parts = preview_parts(&app).await;
    let mut seeded = 0;
    for (n, scheduling) in audiences
        .iter()
        .map(|n| (*n, false))
        .chain(schedule.iter().map(|n| (*n, true)))
    {
        let started = Instant::now();
        seed::contacts(&app.db, &ws, seeded, n).await;
        println!(
            "  wrote contacts {seeded}..{n} in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        seeded = n;
        let server = Server::start(url).await;
        let (preview, took) = server
            .post(
                "/api/v1/marketing/email-sequences/preview",
                &key,
                serde_json::json!({"segment_id": parts.segment, "brand_id": parts.brand,
                    "sender_connector_id": parts.sender, "objective": "book a demo"}),
            )
            .await;
        assert_eq!(preview["preview"]["recipients"].as_i64(), Some(n as i64));
        let steps = preview["sequence"]["steps"].as_array().map_or(0, Vec::len);
        let preview_memory = server.peak_rss_mb();
        let id = preview["sequence"]["id"].as_str().unwrap().to_owned();
        let (_, approve_took) = server
            .post(
                &format!("/api/v1/marketing/email-sequences/{id}/approve"),
                &approver,
                serde_json::json!({"acknowledge_warnings": true}),
            )
            .await;
        let size = thousands(n);
        if scheduling {
            table.put(
                column,
                &format!(
                    "scheduling {size} enrollments ({steps} steps each) by approving (goal < 60 s)"
                ),
                format!(
                    "{:.1} s, server peak {:.0} MB",
                    approve_took.as_secs_f64(),
                    server.peak_rss_mb()
                ),
            );
        } else {
            table.put(
                column,
                &format!("preview of {size} contacts (goal < 150 MB at 500,000)"),
                format!(
                    "{:.2} s, server peak {preview_memory:.0} MB",
                    took.as_secs_f64()
                ),
            );
            table.put(
                column,
                &format!("approval of {size} contacts ({steps} steps)"),
                format!(
                    "{:.2} s, server peak {:.0} MB",
                    approve_took.as_secs_f64(),
                    server.peak_rss_mb()
                ),
            );
        }
        server.stop();
    }
    app.db.close().await;
}

fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// What a preview needs: a brand, a segment of everyone, a sandbox sender.
struct Parts {
    brand: String,
    segment: String,
    sender: String,
}

async fn preview_parts(app: &support::BenchApp) -> Parts {
    use axum::body::Body;
    use axum::http::{Request, header};
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    let mut ids = Vec::new();
    for (path, body) in [
        (
            "/api/v1/knowledge/brands",
            serde_json::json!({"name": "Bench", "company_overview": "We bench things."}),
        ),
        (
            "/api/v1/crm/segments",
            serde_json::json!({"name": "All", "kind": "rule", "rule": {"match": "all",
                "conditions": [{"field": "email", "op": "contains", "value": "@"}]}}),
        ),
    ] {
        let request = Request::post(path)
            .header(header::AUTHORIZATION, format!("Bearer {}", app.key))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        let r = app.router.clone().oneshot(request).await.unwrap();
        let bytes = r.into_body().collect().await.unwrap().to_bytes();
        let answer: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        ids.push(answer["id"].as_str().expect("created").to_owned());
    }
    let sandbox = ConnectorInput {
        kind: "sandbox".into(),
        name: "Sandbox".into(),
        ..Default::default()
    };
    let sender = connectors::create(&app.ctx, &app.actor, &sandbox)
        .await
        .unwrap();
    Parts {
        segment: ids.pop().unwrap(),
        brand: ids.pop().unwrap(),
        sender: sender.id.to_string(),
    }
}
