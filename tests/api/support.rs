//! The test harness: builds the real app over a fresh database and talks HTTP to it.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::Value;
use tenex::domain::actor::{Actor, Role};
use tenex::domain::api_key::NewApiKey;
use tenex::domain::time::SystemClock;
use tenex::server::config::Settings;
use tenex::server::db::Db;
use tenex::server::services::{Context, accounts, api_keys};
use tenex::server::startup::{self, Prepared};
use tower::ServiceExt;

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs an `async fn(TestApp)` once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test]
                async fn sqlite() {
                    let app = $crate::support::TestApp::spawn($crate::support::Backend::Sqlite).await.expect("sqlite app");
                    super::$name(app).await;
                }
                #[tokio::test]
                async fn postgres() {
                    if let Some(app) = $crate::support::TestApp::spawn($crate::support::Backend::Postgres).await {
                        super::$name(app).await;
                    }
                }
            }
        )*
    };
}

pub const ORIGIN: &str = "http://127.0.0.1:3000";
pub const PASSWORD: &str = "correct horse battery";
/// Everything an admin key may hold except `marketing:approve`.
pub const ADMIN_SCOPES: Option<&[&str]> = Some(&[
    "admin",
    "marketing:read",
    "marketing:write",
    "crm:read",
    "crm:write",
]);

/// The app over its own database.
pub struct TestApp {
    pub router: Router,
    pub prepared: Prepared,
    pub db_url: String,
    _dir: Option<tempfile::TempDir>,
    _pg: Option<PgDatabase>,
}

/// A response, read whole.
#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
}

impl TestResponse {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    /// Asserts a problem+json answer with this status and code.
    pub fn assert_problem(&self, status: u16, code: &str) -> Value {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.text);
        assert_eq!(
            self.headers[header::CONTENT_TYPE],
            "application/problem+json",
            "body: {}",
            self.text
        );
        let body = self.json();
        assert_eq!(body["code"], code, "body: {}", self.text);
        assert_eq!(body["status"], status);
        body
    }

    /// The names of the invalid fields of a 422.
    pub fn error_fields(&self) -> Vec<String> {
        self.json()["errors"].as_array().map_or_else(Vec::new, |a| {
            a.iter()
                .map(|e| e["field"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
    }

    /// The `name=value` of the session cookie set by this response.
    pub fn session_cookie(&self) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with("tenex_session="))
            .map(|c| c.split(';').next().unwrap_or_default().to_owned())
    }
}

/// A member of a workspace, with a key that acts for them.
#[derive(Debug, Clone)]
pub struct Member {
    pub key: String,
    pub actor: Actor,
}

impl TestApp {
    /// A fresh app; `None` when PostgreSQL is wanted but absent outside CI.
    pub async fn spawn(backend: Backend) -> Option<Self> {
        Self::spawn_with(backend, Settings::default()).await
    }

    pub async fn spawn_with(backend: Backend, settings: Settings) -> Option<Self> {
        let (db_url, dir, pg) = match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                (
                    format!("sqlite://{}/test.db", dir.path().display()),
                    Some(dir),
                    None,
                )
            }
            Backend::Postgres => {
                let pg = PgDatabase::create().await?;
                (pg.url.clone(), None, Some(pg))
            }
        };
        let app = Self::over(&db_url, settings).await;
        Some(Self {
            _dir: dir,
            _pg: pg,
            ..app
        })
    }

    /// Another app process over the same database (a restart, or a second replica).
    pub async fn restarted(&self) -> TestApp {
        Self::over(&self.db_url, (*self.prepared.state.settings).clone()).await
    }

    async fn over(db_url: &str, settings: Settings) -> TestApp {
        let settings = Settings {
            database_url: db_url.to_owned(),
            db_max_connections: 5,
            secret_key: Some("42".repeat(32)),
            ..settings
        };
        let db = startup::open_database(&settings)
            .await
            .expect("database opens and migrates");
        let options = leptos::config::LeptosOptions::builder()
            .output_name("tenex")
            .build();
        let prepared = startup::prepare(settings, db, Arc::new(SystemClock), options)
            .await
            .expect("app prepares");
        let router = startup::router(&prepared);
        TestApp {
            router,
            prepared,
            db_url: db_url.to_owned(),
            _dir: None,
            _pg: None,
        }
    }

    pub fn ctx(&self) -> &Context {
        &self.prepared.state.ctx
    }

    pub fn db(&self) -> &Db {
        &self.ctx().db
    }

    /// Sends a request and reads the whole answer.
    pub async fn send(&self, request: Request<Body>) -> TestResponse {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("infallible router");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        TestResponse {
            status,
            headers,
            text: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// A JSON API call with a bearer key.
    pub async fn api(
        &self,
        method: Method,
        path: &str,
        key: Option<&str>,
        body: Option<Value>,
    ) -> TestResponse {
        let mut builder = Request::builder().method(method).uri(path);
        if let Some(key) = key {
            builder = builder.header(header::AUTHORIZATION, format!("Bearer {key}"));
        }
        let request = match body {
            Some(b) => builder
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(b.to_string())),
            None => builder.body(Body::empty()),
        };
        self.send(request.unwrap()).await
    }

    pub async fn get(&self, path: &str, key: &str) -> TestResponse {
        self.api(Method::GET, path, Some(key), None).await
    }

    pub async fn post(&self, path: &str, key: &str, body: Value) -> TestResponse {
        self.api(Method::POST, path, Some(key), Some(body)).await
    }

    /// Adds a member with a role to a workspace and mints them a key with `scopes`
    /// (`None`: the default set).
    pub async fn member(
        &self,
        workspace: &str,
        email: &str,
        role: Role,
        scopes: Option<&[&str]>,
    ) -> Member {
        let added = accounts::add_member(
            self.ctx(),
            accounts::NewMember {
                workspace: workspace.into(),
                email: email.into(),
                password: PASSWORD.into(),
                role: role.as_str().into(),
                display_name: None,
            },
        )
        .await
        .expect("member added");
        let actor = Actor::user(added.workspace.id, added.user.id, role);
        let scopes: Option<Vec<String>> = scopes.map(|s| s.iter().map(|x| x.to_string()).collect());
        let request = NewApiKey::parse("test key", scopes.as_deref(), None, self.ctx().now())
            .expect("valid key request");
        let minted = api_keys::mint(self.ctx(), &actor, request)
            .await
            .expect("key minted");
        Member {
            key: minted.token,
            actor,
        }
    }

    /// A browser form POST to a server function, from our own origin unless told otherwise.
    pub async fn form(
        &self,
        path: &str,
        cookie: Option<&str>,
        fields: &[(&str, &str)],
        origin: Option<&str>,
    ) -> TestResponse {
        let body = fields
            .iter()
            .map(|(k, v)| {
                format!(
                    "{}={}",
                    tenex::app::format::query_value(k),
                    tenex::app::format::query_value(v)
                )
            })
            .collect::<Vec<_>>()
            .join("&");
        let mut builder = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::HOST, "127.0.0.1:3000")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json");
        if let Some(origin) = origin {
            builder = builder.header(header::ORIGIN, origin);
        }
        if let Some(cookie) = cookie {
            builder = builder.header(header::COOKIE, cookie);
        }
        self.send(builder.body(Body::from(body)).unwrap()).await
    }

    /// Logs in through the login server function; returns the session cookie.
    pub async fn log_in(&self, email: &str, password: &str) -> Option<String> {
        let response = self
            .form(
                "/rpc/login",
                None,
                &[("email", email), ("password", password)],
                Some(ORIGIN),
            )
            .await;
        response.session_cookie()
    }

    /// A page, as a browser would ask for it.
    pub async fn page(&self, path: &str, cookie: Option<&str>) -> TestResponse {
        let mut builder = Request::builder()
            .uri(path)
            .header(header::ACCEPT, "text/html");
        if let Some(cookie) = cookie {
            builder = builder.header(header::COOKIE, cookie);
        }
        self.send(builder.body(Body::empty()).unwrap()).await
    }
}

/// A throwaway PostgreSQL database, dropped when the test ends.
struct PgDatabase {
    admin_url: String,
    name: String,
    url: String,
}

impl PgDatabase {
    async fn create() -> Option<Self> {
        use sqlx::Connection;
        let admin_url = std::env::var("TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
        let mut admin = match sqlx::PgConnection::connect(&admin_url).await {
            Ok(c) => c,
            Err(e) if std::env::var_os("CI").is_none() => {
                eprintln!(
                    "\n!!! PostgreSQL at {admin_url} is unreachable ({e}): this PostgreSQL test is SKIPPED !!!\n"
                );
                return None;
            }
            Err(e) => {
                panic!("CI must run the PostgreSQL tests, but {admin_url} is unreachable: {e}")
            }
        };
        let name = format!(
            "tenex_test_{}",
            ulid::Ulid::new().to_string().to_lowercase()
        );
        sqlx::query(&format!("create database {name}"))
            .execute(&mut admin)
            .await
            .expect("create test database");
        let base = admin_url
            .rsplit_once('/')
            .map_or(admin_url.as_str(), |(b, _)| b);
        let url = format!("{base}/{name}");
        Some(Self {
            admin_url,
            name,
            url,
        })
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        // Drop runs inside the test's runtime; a fresh thread may block on its own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                use sqlx::Connection;
                if let Ok(mut admin) = sqlx::PgConnection::connect(&admin_url).await {
                    let _ = sqlx::query(&format!("drop database if exists {name} with (force)"))
                        .execute(&mut admin)
                        .await;
                }
            });
        })
        .join();
    }
}

/// The actor of an existing member (as their browser session would be).
pub async fn actor_for(app: &TestApp, email: &str) -> Actor {
    let email = tenex::domain::user::Email::parse("email", email).unwrap();
    let (user, _) = tenex::server::db::users::find_by_email(app.db(), &email)
        .await
        .unwrap()
        .unwrap();
    let membership = tenex::server::db::workspaces::memberships_of(app.db(), &user.id)
        .await
        .unwrap()
        .remove(0);
    Actor::user(membership.workspace.id, user.id, membership.role)
}
