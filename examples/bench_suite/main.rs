//! `make bench`: the figures issue-level targets are judged by, side by side on SQLite and
//! PostgreSQL, each as a ratio against a real limit. Run by `scripts/bench.sh`, which builds
//! the release server and installs the load generator (`oha`); not part of `make test`.
//!
//! For each database: the campaigns list through the real server against a bare axum + sqlx
//! handler running the same query on the same data; the console's campaigns page against the
//! JSON route; page 1 against page 1,000 of 100,000 campaigns; then a sequence preview and
//! approval at each audience size (default 50,000 and 500,000 contacts), each in a fresh
//! server process so its peak memory is that size's; then approving a sequence for
//! 1,000,000 contacts, which enrolls them and schedules every step.
//!
//! Sizes can be lowered for a quick look: `BENCH_AUDIENCES=5000,20000 BENCH_SCHEDULE=50000`.

#[cfg(feature = "ssr")]
#[path = "../support/mod.rs"]
mod support;

#[cfg(feature = "ssr")]
mod bare;
#[cfg(feature = "ssr")]
mod load;
#[cfg(feature = "ssr")]
mod seed;
#[cfg(feature = "ssr")]
mod server;
#[cfg(feature = "ssr")]
mod suite;

#[cfg(feature = "ssr")]
#[tokio::main]
async fn main() {
    suite::run().await;
}

#[cfg(not(feature = "ssr"))]
fn main() {
    eprintln!("build with --features ssr");
}
