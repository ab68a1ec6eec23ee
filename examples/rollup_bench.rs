//! Prints how fast rollups answer at scale: 1,000,000 events over 1,000 campaigns and a
//! year of days, counted by a rebuild from the raw rows, then the latency of a campaign's
//! metrics and of the workspace rollup over 90 days through the real router (auth
//! included). Runs on SQLite, and on PostgreSQL when `TEST_POSTGRES_URL` (or the local
//! server) answers. The target is under 20 ms each.
//!
//!     cargo run --release --no-default-features --features ssr --example rollup_bench

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
    use tenex::domain::ids::{CampaignId, ContactId, EventId};
    use tenex::domain::time::Timestamp;
    use tenex::server::services::rollups;
    use tower::ServiceExt;

    const EVENTS: usize = 1_000_000;
    const CAMPAIGNS: usize = 1_000;
    const CONTACTS: usize = 5_000;
    const DAYS: i64 = 365;
    const ROUNDS: usize = 60;

    /// A small deterministic generator: the same data on both databases.
    struct Mix(u64);

    impl Mix {
        fn next(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n
        }
    }

    pub async fn run() {
        let dir = tempfile::tempdir().unwrap();
        for target in support::targets(dir.path(), "rollup_bench").await {
            one(target.label, &target.url).await;
            target.finish().await;
        }
    }

    fn median_and_p95(mut took: Vec<Duration>) -> (f64, f64) {
        took.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        (
            ms(took[took.len() / 2]),
            ms(took[(took.len() * 95 / 100).min(took.len() - 1)]),
        )
    }

    async fn one(label: &str, url: &str) {
        let support::BenchApp {
            router,
            ctx,
            db,
            actor,
            key,
        } = support::app(url).await;
        let ws = actor.workspace_id().clone();

        // The raw rows: campaigns, contacts and a year of events, written in bulk.
        let now = ctx.now();
        let started = Instant::now();
        let channels = ["email", "ads", "blog"];
        let mut campaigns = Vec::with_capacity(CAMPAIGNS);
        let mut tx = db.begin().await.unwrap();
        for i in 0..CAMPAIGNS {
            let id = CampaignId::generate();
            sqlx::query(
                "insert into campaigns (id, workspace_id, name, channel, status, created_at, updated_at) \
                 values ($1, $2, $3, $4, 'active', $5, $5)",
            )
            .bind(id.as_str())
            .bind(ws.as_str())
            .bind(format!("Campaign {i}"))
            .bind(channels[i % 3])
            .bind(now.plus(time::Duration::days(-DAYS)).to_string())
            .execute(&mut *tx)
            .await
            .unwrap();
            campaigns.push(id);
        }
        let mut contacts = Vec::with_capacity(CONTACTS);
        for i in 0..CONTACTS {
            let id = ContactId::generate();
            sqlx::query(
                "insert into contacts (id, workspace_id, email, first_name, last_name, company, domain, title, \
                 lifecycle_stage, created_at, updated_at) values ($1, $2, $3, '', '', '', 'bench.test', '', 'lead', $4, $4)",
            )
            .bind(id.as_str())
            .bind(ws.as_str())
            .bind(format!("person{i}@bench.test"))
            .bind(now.to_string())
            .execute(&mut *tx)
            .await
            .unwrap();
            contacts.push(id);
        }
        tx.commit().await.unwrap();
        let mut mix = Mix(0x5eed);
        let kinds = [
            "conversion",
            "conversion",
            "reply",
            "reply",
            "bounce",
            "unsubscribe",
        ];
        const PER_INSERT: usize = 500;
        let mut written = 0;
        while written < EVENTS {
            let mut tx = db.begin().await.unwrap();
            for _ in 0..100 {
                let n = PER_INSERT.min(EVENTS - written);
                if n == 0 {
                    break;
                }
                let values = (0..n)
                    .map(|i| {
                        let p = i * 9 + 1;
                        format!(
                            "(${}, ${}, ${}, ${}, ${}, ${}, 'api', ${}, ${}, ${})",
                            p,
                            p + 1,
                            p + 2,
                            p + 3,
                            p + 4,
                            p + 5,
                            p + 6,
                            p + 7,
                            p + 8
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(", ");
                let sql = format!(
                    "insert into events (id, workspace_id, client_id, kind, contact_id, campaign_id, source, \
                     occurred_at, value_cents, created_at) values {values}"
                );
                let mut q = sqlx::query(&sql);
                for i in 0..n {
                    let kind = kinds[mix.next(kinds.len() as u64) as usize];
                    let campaign = (mix.next(10) != 0)
                        .then(|| campaigns[mix.next(CAMPAIGNS as u64) as usize].to_string());
                    let at: Timestamp = now.plus(time::Duration::seconds(
                        -(mix.next(DAYS as u64 * 86_400) as i64),
                    ));
                    let value = if kind == "conversion" {
                        mix.next(100_000) as i64
                    } else {
                        0
                    };
                    q = q
                        .bind(EventId::generate().to_string())
                        .bind(ws.as_str())
                        .bind(format!("bench-{}", written + i))
                        .bind(kind)
                        .bind(contacts[mix.next(CONTACTS as u64) as usize].to_string())
                        .bind(campaign)
                        .bind(at.to_string())
                        .bind(value)
                        .bind(at.to_string());
                }
                q.execute(&mut *tx).await.unwrap();
                written += n;
            }
            tx.commit().await.unwrap();
        }
        println!(
            "[{label}] wrote {EVENTS} events over {CAMPAIGNS} campaigns and {DAYS} days in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        let started = Instant::now();
        let rebuilt = rollups::rebuild_all(&ctx).await.unwrap();
        println!(
            "[{label}] tenex rollups rebuild: {} raw rows into {} counter days in {:.1} s",
            rebuilt.rows_read,
            rebuilt.days_written,
            started.elapsed().as_secs_f64()
        );

        let get = |path: String| {
            Request::get(path)
                .header(header::AUTHORIZATION, format!("Bearer {key}"))
                .body(Body::empty())
                .unwrap()
        };
        let time_route = |paths: Vec<String>| {
            let router = router.clone();
            async move {
                let mut took = Vec::with_capacity(paths.len());
                for path in paths {
                    let started = Instant::now();
                    let r = router.clone().oneshot(get(path.clone())).await.unwrap();
                    let status = r.status();
                    let body = r.into_body().collect().await.unwrap().to_bytes();
                    took.push(started.elapsed());
                    assert!(
                        status.is_success(),
                        "{path}: {status} {}",
                        String::from_utf8_lossy(&body)
                    );
                }
                median_and_p95(took)
            }
        };
        // Warm the connection pool and the caches once.
        time_route(vec!["/api/v1/marketing/rollups?days=90".into()]).await;
        let campaign_paths: Vec<String> = (0..ROUNDS)
            .map(|_| {
                format!(
                    "/api/v1/marketing/campaigns/{}/metrics?days=90",
                    campaigns[mix.next(CAMPAIGNS as u64) as usize]
                )
            })
            .collect();
        for (what, paths) in [
            ("campaign metrics, 90 days", campaign_paths),
            (
                "workspace rollup, 90 days",
                vec!["/api/v1/marketing/rollups?days=90".to_owned(); ROUNDS],
            ),
            (
                "workspace rollup, 90 days, one channel",
                vec!["/api/v1/marketing/rollups?days=90&channel=ads".to_owned(); ROUNDS],
            ),
            (
                "workspace rollup, 366 days",
                vec!["/api/v1/marketing/rollups?days=366".to_owned(); ROUNDS],
            ),
        ] {
            let (median, p95) = time_route(paths).await;
            println!(
                "[{label}] {what}: median {median:.2} ms, p95 {p95:.2} ms ({ROUNDS} requests)"
            );
        }
        let mut took = Vec::new();
        for _ in 0..10 {
            let started = Instant::now();
            let d = rollups::dashboard(
                &ctx,
                &actor,
                &tenex::domain::rollup::RangeInput {
                    days: Some("90".into()),
                    ..Default::default()
                },
                None,
            )
            .await
            .unwrap();
            took.push(started.elapsed());
            assert_eq!(d.campaigns.len(), CAMPAIGNS);
        }
        let (median, p95) = median_and_p95(took);
        println!(
            "[{label}] dashboard (rollup, channels and every campaign's 90-day totals): median {median:.1} ms, p95 {p95:.1} ms"
        );
    }
}
