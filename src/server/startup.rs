//! Putting the server together: state, router, background upkeep, graceful shutdown.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::middleware::from_fn_with_state;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::serve::ListenerExt;
use leptos::config::LeptosOptions;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower_http::trace::TraceLayer;
use tower_sessions::ExpiredDeletion;

use super::api;
use super::auth::{csrf, session};
use super::config::Settings;
use super::db::{self, Db};
use super::errors::problem_for_bare_413;
use super::generation::Generator;
use super::secrets::SecretBox;
use super::services::Context;
use super::state::{AppState, KeyLimiter, LoginThrottle};
use crate::app::{App, shell};
use crate::domain::time::{Clock, SystemClock};

/// The database could not be opened, or the address could not be bound.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// Opening or migrating the database failed.
    #[error(transparent)]
    Database(#[from] db::OpenError),
    /// The key for connector secrets is missing or unusable.
    #[error(transparent)]
    SecretKey(#[from] super::secrets::KeyError),
    /// The session table could not be prepared.
    #[error("cannot prepare the session table: {0}")]
    Sessions(#[source] sqlx::Error),
    /// Binding or serving failed.
    #[error("cannot serve on {addr}: {source}")]
    Serve {
        /// The address.
        addr: String,
        /// Why.
        source: std::io::Error,
    },
}

/// Opens and migrates the database named in the settings.
pub async fn open_database(settings: &Settings) -> Result<Db, StartError> {
    let db = Db::connect(&settings.database_url, settings.db_max_connections).await?;
    db.migrate().await?;
    Ok(db)
}

/// The key sealing connector secrets: `TENEX_SECRET_KEY`, or for the embedded SQLite
/// database a key file generated beside it on first start.
pub fn secret_box(settings: &Settings) -> Result<SecretBox, StartError> {
    if let Some(key) = &settings.secret_key {
        return Ok(SecretBox::from_text(key)?);
    }
    let url = &settings.database_url;
    let Some(path) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    else {
        return Err(super::secrets::KeyError::Missing.into());
    };
    let file = std::path::Path::new(path.split('?').next().unwrap_or_default());
    let folder = file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    Ok(SecretBox::from_file_or_new(&folder.join("secret.key"))?)
}

/// Everything the router needs, built from an open database.
pub struct Prepared {
    /// Shared state.
    pub state: AppState,
    /// The session table.
    pub sessions: session::SessionBackend,
}

/// Builds the shared state and the session store.
pub async fn prepare(
    settings: Settings,
    db: Db,
    clock: Arc<dyn Clock>,
    leptos_options: LeptosOptions,
) -> Result<Prepared, StartError> {
    let sessions = session::SessionBackend::open(&db)
        .await
        .map_err(StartError::Sessions)?;
    let ctx = Context::new(db, clock, secret_box(&settings)?);
    let generator = Generator::from_settings(&settings.generator, &ctx.http);
    let state = AppState {
        ctx: ctx.with_generator(generator),
        key_limiter: Arc::new(KeyLimiter::per_minute(settings.rate_limit_per_minute)),
        logins: Arc::new(LoginThrottle::new(
            settings.login_failures_per_account,
            settings.login_failures_per_address,
        )),
        settings: Arc::new(settings),
        leptos_options,
    };
    Ok(Prepared { state, sessions })
}

/// The whole HTTP surface: console pages, server functions, the JSON API, the API
/// reference, health and static files.
pub fn router(app: &Prepared) -> Router {
    let state = app.state.clone();
    let leptos_options = state.leptos_options.clone();
    let routes = console_routes();
    let pkg = super::assets::pkg_router(&leptos_options);
    // Routes whose requests carry their own authority (a bearer key, a signed unsubscribe
    // token) never touch the session store.
    let bearer_only = Router::new()
        .merge(api::router(&state))
        .merge(super::mcp::router(&state))
        .merge(super::unsubscribe::router());
    let console = Router::new()
        .route("/healthz", get(healthz))
        .route("/api/docs", get(api::docs::reference_page))
        .leptos_routes_with_context(&state, routes, || {}, move || shell(leptos_options.clone()))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(from_fn_with_state(state.clone(), session::require_login))
        .layer(from_fn_with_state(state.clone(), csrf::refuse_cross_site))
        .layer(session::layer(app.sessions.clone(), &state.settings));
    let pages_and_api = console
        .merge(bearer_only)
        .layer(from_fn_with_state(state.clone(), limit_body))
        .layer(axum::middleware::map_response(problem_for_bare_413));
    // The build's files stay outside the session layer: a year-long public cache entry must
    // never carry someone's session cookie, and serving them needs no database.
    pages_and_api
        .merge(pkg)
        .layer(axum::middleware::map_response(
            super::assets::default_cache_control,
        ))
        .layer(super::assets::compression())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// The console's routes, listed once per process. Listing them renders the app with
/// resource loading suppressed process-wide; a page whose resources first ran during a
/// second listing (another router built while one serves, as the tests do) would never
/// finish.
fn console_routes() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> =
        std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// The paths that take a CSV import, and so the larger body limit.
const IMPORT_PATHS: [&str; 2] = ["/api/v1/crm/contacts/import", "/rpc/import_contacts"];

/// Caps every request body: `TENEX_MAX_BODY_BYTES`, or `TENEX_MAX_IMPORT_BYTES` on the import
/// routes. A declared length over the cap is refused at once; a streamed body stops there.
async fn limit_body(
    State(state): State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let limit = if IMPORT_PATHS.contains(&request.uri().path()) {
        state.settings.max_import_bytes
    } else {
        state.settings.max_body_bytes
    };
    let declared = request
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return api::extract::payload_too_large();
    }
    // The MCP transport reads its body under its own cap of the same size and answers 413
    // itself; a second cap around it would turn that into a 500.
    if request.uri().path() == "/mcp" {
        return next.run(request).await;
    }
    let request =
        request.map(|body| axum::body::Body::new(http_body_util::Limited::new(body, limit)));
    next.run(request).await
}

async fn healthz(State(ctx): State<Context>) -> impl IntoResponse {
    match sqlx::query("select 1").execute(ctx.db.pool()).await {
        Ok(_) => (
            StatusCode::OK,
            axum::Json(serde_json::json!({"status": "ok"})),
        ),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(serde_json::json!({"status": "database unreachable"})),
            )
        }
    }
}

/// Periodic housekeeping: expired sessions, idle rate-limit entries, old idempotency keys.
fn spawn_upkeep(app: &Prepared) {
    let sessions = app.sessions.clone();
    tokio::spawn(async move {
        if let Err(e) = sessions
            .continuously_delete_expired(Duration::from_secs(15 * 60))
            .await
        {
            tracing::error!(error = %e, "session cleanup stopped");
        }
    });
    let state = app.state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            state.key_limiter.prune();
            state.logins.prune();
            let day_ago = state.ctx.now().plus(time::Duration::days(-1));
            if let Err(e) = db::idempotency::prune(&state.ctx.db, day_ago).await {
                tracing::warn!(error = %e, "idempotency key cleanup failed");
            }
        }
    });
}

/// Serves until SIGINT or SIGTERM, then stops accepting and lets requests in flight finish.
pub async fn serve(
    settings: Settings,
    leptos_options: LeptosOptions,
    db: Db,
) -> Result<(), StartError> {
    let addr = leptos_options.site_addr;
    let app = prepare(settings, db, Arc::new(SystemClock), leptos_options).await?;
    spawn_upkeep(&app);
    let settings = app.state.settings.clone();
    let worker = settings.worker_in_serve.then(|| {
        super::worker::Worker::start(
            app.state.ctx.clone(),
            super::worker::Hosted::kinds(
                settings.send_settings(),
                Duration::from_millis(settings.worker_poll_ms),
                None,
            ),
        )
    });
    let router = router(&app);
    // Without TCP_NODELAY a response written in two pieces waits for the client's delayed
    // ACK (~40 ms on a reused connection).
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| StartError::Serve {
            addr: addr.to_string(),
            source,
        })?
        .tap_io(|tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::debug!(error = %e, "cannot set TCP_NODELAY on a connection");
            }
        });
    tracing::info!("listening on http://{addr}");
    // The peer address is what login throttling knows the client by.
    let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, service)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|source| StartError::Serve {
            addr: addr.to_string(),
            source,
        })?;
    if let Some(worker) = worker {
        worker.stop().await;
    }
    app.state.ctx.db.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
