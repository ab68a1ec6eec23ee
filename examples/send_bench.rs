//! Sends one step to 20,000 recipients (`SEND_RECIPIENTS`) through a real `tenex worker`
//! process, on SQLite and on PostgreSQL, to a local SMTP
//! server and prints the worker's messages per second and peak memory, next to the same
//! server's intake from a plain pooled SMTP client, so the ratio can be read.
//!
//!     make bench          (scripts/bench.sh: the release binary and this driver in release)

#[cfg(feature = "ssr")]
#[path = "../tests/api/smtp_sink.rs"]
mod smtp_sink;

#[cfg(feature = "ssr")]
mod support;

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
mod bench {
    use std::time::{Duration, Instant};

    use axum::body::Body;
    use axum::http::{Request, header};
    use futures::StreamExt;
    use http_body_util::BodyExt;
    use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
    use tenex::domain::approval::Decision;
    use tenex::domain::connector::ConnectorInput;
    use tenex::server::services::{connectors, sequences};
    use tower::ServiceExt;

    use super::smtp_sink::SmtpSink;
    use super::support;

    /// `SEND_RECIPIENTS`, default 20,000.
    fn recipients() -> usize {
        std::env::var("SEND_RECIPIENTS")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(20_000)
    }

    /// The sink's own intake: a plain pooled client, 8 messages in flight.
    async fn plain_client_rate(port: u16) -> f64 {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
            .port(port)
            .build();
        let started = Instant::now();
        futures::stream::iter(0..recipients())
            .map(|i| {
                let transport = transport.clone();
                async move {
                    let message = Message::builder()
                        .from("bench@plain.test".parse().unwrap())
                        .to(format!("p{i}@plain.test").parse().unwrap())
                        .subject("Plain client")
                        .body(
                            String::from("A message of about the same size as a step.\n")
                                .repeat(12),
                        )
                        .unwrap();
                    transport.send(message).await.expect("the sink accepts");
                }
            })
            .buffer_unordered(8)
            .collect::<Vec<_>>()
            .await;
        recipients() as f64 / started.elapsed().as_secs_f64()
    }

    fn csv() -> String {
        let mut csv = String::from("email,first_name,last_name,company\n");
        for i in 0..recipients() {
            csv.push_str(&format!(
                "p{i}@bench{}.test,P{i},Person,Company {}\n",
                i % 300,
                i % 900
            ));
        }
        csv
    }

    pub async fn run() {
        let bin = std::env::var("TENEX_BIN").unwrap_or_else(|_| "target/release/tenex".into());
        let sink = SmtpSink::start().await;
        let plain = plain_client_rate(sink.port).await;
        println!(
            "SMTP sink intake from a plain pooled client: {plain:.0} messages/s ({} recipients, 8 in flight)",
            recipients()
        );
        let dir = tempfile::tempdir().unwrap();
        for target in support::targets(dir.path(), "send").await {
            sink.received.lock().unwrap().clear();
            one(target.label, &target.url, &bin, &sink, plain).await;
            target.finish().await;
        }
    }

    async fn one(label: &str, url: &str, bin: &str, sink: &SmtpSink, plain: f64) {
        let n = recipients();
        let support::BenchApp {
            router,
            ctx,
            db,
            actor,
            key,
        } = support::app(url).await;
        let call = |path: &str, content_type: &str, body: String| {
            Request::post(path)
                .header(header::AUTHORIZATION, format!("Bearer {key}"))
                .header(header::CONTENT_TYPE, content_type)
                .body(Body::from(body))
                .unwrap()
        };
        let post = |path: &'static str, body: serde_json::Value| {
            let request = call(path, "application/json", body.to_string());
            let router = router.clone();
            async move {
                let r = router.oneshot(request).await.unwrap();
                let bytes = r.into_body().collect().await.unwrap().to_bytes();
                serde_json::from_slice::<serde_json::Value>(&bytes).unwrap()
            }
        };
        let imported = router
            .clone()
            .oneshot(call("/api/v1/crm/contacts/import", "text/csv", csv()))
            .await
            .unwrap();
        assert!(imported.status().is_success());
        let brand = post(
            "/api/v1/knowledge/brands",
            serde_json::json!({"name": "Bench", "company_overview": "We bench things."}),
        )
        .await;
        let segment = post(
            "/api/v1/crm/segments",
            serde_json::json!({"name": "All", "kind": "rule", "rule": {"match": "all", "conditions": [{"field": "email", "op": "contains", "value": "@"}]}}),
        )
        .await;
        let smtp: ConnectorInput = serde_json::from_value(serde_json::json!({
            "kind": "smtp",
            "name": "Sink",
            "settings": {"host": "127.0.0.1", "port": sink.port, "tls_mode": "none",
                "from_address": "bench@tenex-bench.test"},
        }))
        .unwrap();
        let sender = connectors::create(&ctx, &actor, &smtp).await.unwrap();
        let preview = post(
            "/api/v1/marketing/email-sequences/preview",
            serde_json::json!({"segment_id": segment["id"], "brand_id": brand["id"],
                "sender_connector_id": sender.id.to_string(), "objective": "book a demo", "num_emails": 1, "cadence_days": [0]}),
        )
        .await;
        let seq = preview["sequence"]["id"]
            .as_str()
            .expect("a preview")
            .parse()
            .unwrap();
        sequences::decide(
            &ctx,
            &actor,
            &seq,
            Decision::Approve,
            &tenex::domain::approval::DecisionInput::default(),
        )
        .await
        .unwrap();

        let mut worker = std::process::Command::new(bin)
            .arg("worker")
            .env("DATABASE_URL", url)
            .env("TENEX_SECRET_KEY", "42".repeat(32))
            .env("TENEX_SEND_RATE_PER_SECOND", "100000")
            // As many in flight through the one sender as the plain client has.
            .env("TENEX_SEND_CONCURRENCY", "8")
            .env("TENEX_SEND_PER_SENDER", "8")
            .env("TENEX_WORKER_POLL_MS", "20")
            // `SEND_BENCH_WORKER_LOG=sqlx::query=debug` shows every statement with its time.
            .env(
                "RUST_LOG",
                std::env::var("SEND_BENCH_WORKER_LOG").unwrap_or_else(|_| "warn".into()),
            )
            .spawn()
            .expect("the worker binary starts (cargo leptos build --release)");
        let started = Instant::now();
        loop {
            let sent: i64 =
                sqlx::query_scalar("select count(*) from sequence_messages where status = 'sent'")
                    .fetch_one(db.pool())
                    .await
                    .unwrap();
            if sent as usize >= n {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(900),
                "the run did not finish"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let took = started.elapsed().as_secs_f64();
        let peak = support::peak_rss_mb(worker.id());
        worker.kill().ok();
        worker.wait().ok();
        let rate = n as f64 / took;
        println!(
            "[{label}] tenex worker: {n} messages in {took:.1} s = {rate:.0} messages/s, {:.2}× the plain client (goal ≥ 0.8); \
             worker peak memory {peak:.0} MB; sink received {}",
            rate / plain,
            sink.count()
        );
        db.close().await;
    }
}
