//! What the benches share: the databases to run on (a SQLite file, and a fresh PostgreSQL
//! database when `TEST_POSTGRES_URL` or the local server answers), and the real app over
//! one of them with an admin and an API key.

use std::sync::Arc;

use sqlx::Connection;
use tenex::domain::actor::{Actor, Role};
use tenex::domain::api_key::NewApiKey;
use tenex::domain::time::SystemClock;
use tenex::server::config::Settings;
use tenex::server::db::Db;
use tenex::server::services::{Context, accounts, api_keys};
use tenex::server::startup;

/// A process's peak resident memory (`VmHWM`) in MB; NaN when it cannot be read.
// Not every bench reads memory (each includes this module on its own).
#[allow(dead_code)]
pub fn peak_rss_mb(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// One database to bench on.
pub struct Target {
    /// `SQLite` or `PostgreSQL`.
    pub label: &'static str,
    /// Its URL.
    pub url: String,
    /// For PostgreSQL: the admin URL and the database to drop afterwards.
    drop: Option<(String, String)>,
}

impl Target {
    /// Drops the bench's PostgreSQL database (nothing for SQLite).
    pub async fn finish(self) {
        if let Some((admin_url, name)) = self.drop {
            let mut admin = sqlx::PgConnection::connect(&admin_url).await.unwrap();
            let _ = sqlx::query(&format!("drop database {name} with (force)"))
                .execute(&mut admin)
                .await;
        }
    }
}

/// SQLite in `dir`, and PostgreSQL when it answers (a database named after `name`).
pub async fn targets(dir: &std::path::Path, name: &str) -> Vec<Target> {
    let mut targets = vec![Target {
        label: "SQLite",
        url: format!("sqlite://{}/{name}.db", dir.display()),
        drop: None,
    }];
    let admin_url = std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    if let Ok(mut admin) = sqlx::PgConnection::connect(&admin_url).await {
        let db_name = format!("tenex_{name}_{}", std::process::id());
        sqlx::query(&format!("create database {db_name}"))
            .execute(&mut admin)
            .await
            .unwrap();
        let base = admin_url
            .rsplit_once('/')
            .map_or(admin_url.as_str(), |(b, _)| b);
        targets.push(Target {
            label: "PostgreSQL",
            url: format!("{base}/{db_name}"),
            drop: Some((admin_url.clone(), db_name)),
        });
    }
    targets
}

/// The app over one database: its router, context and database, and the workspace "Bench"
/// with an admin and a key holding the default scopes.
pub struct BenchApp {
    pub router: axum::Router,
    pub ctx: Context,
    pub db: Db,
    pub actor: Actor,
    pub key: String,
}

/// Opens and migrates `url`, prepares the app and adds its admin and key.
pub async fn app(url: &str) -> BenchApp {
    let settings = Settings {
        database_url: url.into(),
        secret_key: Some("42".repeat(32)),
        ..Settings::default()
    };
    let db = startup::open_database(&settings).await.unwrap();
    let options = leptos::config::LeptosOptions::builder()
        .output_name("tenex")
        .build();
    let prepared = startup::prepare(settings, db.clone(), Arc::new(SystemClock), options)
        .await
        .unwrap();
    let router = startup::router(&prepared);
    let ctx = prepared.state.ctx.clone();
    let added = accounts::add_member(
        &ctx,
        accounts::NewMember {
            workspace: "Bench".into(),
            email: "bench@bench.test".into(),
            password: "bench-password".into(),
            role: "admin".into(),
            display_name: None,
        },
    )
    .await
    .unwrap();
    let actor = Actor::user(added.workspace.id, added.user.id, Role::Admin);
    let key = api_keys::mint(
        &ctx,
        &actor,
        NewApiKey::parse("bench", None, None, ctx.now()).unwrap(),
    )
    .await
    .unwrap()
    .token;
    BenchApp {
        router,
        ctx,
        db,
        actor,
        key,
    }
}
