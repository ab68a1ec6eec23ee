//! Browser sessions: tower-sessions on the application's own database, so sessions survive
//! restarts and every replica sees the same ones.

use std::sync::Arc;

use async_trait::async_trait;
use axum::extract::{Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use tower_sessions::cookie::SameSite;
use tower_sessions::cookie::time::OffsetDateTime;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};
use tower_sessions::{Expiry, Session, SessionManagerLayer};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

use crate::domain::Error;
use crate::domain::actor::Actor;
use crate::domain::ids::{UserId, WorkspaceId};
use crate::server::config::Settings;
use crate::server::db::{Backend, Db};
use crate::server::services::Context;
use crate::server::services::accounts::{self, Me};
use crate::server::services::kept::Kept;
use crate::server::state::AppState;

/// The session cookie's name.
pub const COOKIE: &str = "tenex_session";
const USER_ID: &str = "user_id";
const WORKSPACE_ID: &str = "workspace_id";
/// The minute the session was last used in; writing it when it changes is what moves the
/// idle expiry forward (at most one session write a minute, not one per request).
const SEEN_MINUTE: &str = "seen_minute";

/// The actor [`require_login`] resolved for this request and who they are, kept in its
/// extensions so the page's server functions rendered in the same request (the header's
/// among them) need not look either up again. Only this middleware inserts it; a client
/// cannot.
#[derive(Debug, Clone)]
pub struct ResolvedActor(pub Actor, pub Me);

/// The session table on whichever database the application uses, each record kept for a
/// moment after it is read (a page and the server functions it calls at once read it
/// once). Saving or deleting a session in this process forgets it at once; a logout on
/// another replica is seen within [`KEPT_FOR`](crate::server::services::kept::KEPT_FOR).
#[derive(Debug, Clone)]
pub struct SessionBackend {
    table: SessionTable,
    kept: Arc<Kept<Id, Record>>,
}

#[derive(Debug, Clone)]
enum SessionTable {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

impl SessionBackend {
    /// Opens the session table beside the application's data and creates it if missing.
    pub async fn open(db: &Db) -> Result<Self, sqlx::Error> {
        let table = match db.backend() {
            Backend::Sqlite => {
                let options = db
                    .url()
                    .parse::<SqliteConnectOptions>()?
                    .journal_mode(SqliteJournalMode::Wal)
                    .busy_timeout(std::time::Duration::from_secs(10));
                let pool = SqlitePoolOptions::new()
                    .max_connections(4)
                    .connect_with(options)
                    .await?;
                SessionTable::Sqlite(SqliteStore::new(pool))
            }
            Backend::Postgres => {
                let pool = PgPoolOptions::new()
                    .max_connections(4)
                    .connect(db.url())
                    .await?;
                SessionTable::Postgres(PostgresStore::new(pool))
            }
        };
        match &table {
            SessionTable::Sqlite(s) => s.migrate().await?,
            SessionTable::Postgres(s) => s.migrate().await?,
        }
        Ok(Self {
            table,
            kept: Arc::default(),
        })
    }
}

#[async_trait]
impl SessionStore for SessionBackend {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match &self.table {
            SessionTable::Sqlite(s) => s.create(record).await,
            SessionTable::Postgres(s) => s.create(record).await,
        }
    }
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let saved = match &self.table {
            SessionTable::Sqlite(s) => s.save(record).await,
            SessionTable::Postgres(s) => s.save(record).await,
        };
        // After the write: a read that raced with it is not kept.
        self.kept.forget(&record.id);
        saved
    }
    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let now = OffsetDateTime::now_utc();
        if let Some(record) = self.kept.get(id).filter(|r| r.expiry_date > now) {
            return Ok(Some(record));
        }
        let before = self.kept.generation();
        let found = match &self.table {
            SessionTable::Sqlite(s) => s.load(id).await,
            SessionTable::Postgres(s) => s.load(id).await,
        }?;
        if let Some(record) = &found {
            self.kept.keep(*id, record.clone(), before);
        }
        Ok(found)
    }
    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.kept.forget(id);
        let deleted = match &self.table {
            SessionTable::Sqlite(s) => s.delete(id).await,
            SessionTable::Postgres(s) => s.delete(id).await,
        };
        self.kept.forget(id);
        deleted
    }
}

#[async_trait]
impl ExpiredDeletion for SessionBackend {
    async fn delete_expired(&self) -> session_store::Result<()> {
        match &self.table {
            SessionTable::Sqlite(s) => s.delete_expired().await,
            SessionTable::Postgres(s) => s.delete_expired().await,
        }
    }
}

/// The session layer: `HttpOnly`, `SameSite=Lax`, `Secure` over https, idle expiry.
pub fn layer(store: SessionBackend, settings: &Settings) -> SessionManagerLayer<SessionBackend> {
    SessionManagerLayer::new(store)
        .with_name(COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        // The expiry is idle-based: `actor` marks the session used once a minute, and that
        // write moves its end forward. Saving on every request cost a database write per
        // page and server-function call.
        .with_secure(settings.secure_cookies())
        .with_expiry(Expiry::OnInactivity(
            tower_sessions::cookie::time::Duration::minutes(settings.session_idle_minutes),
        ))
}

fn store_error(e: tower_sessions::session::Error) -> Error {
    Error::internal(std::io::Error::other(e.to_string()))
}

/// Starts a logged-in session under a fresh id (so a planted id is worthless).
pub async fn start(
    ctx: &Context,
    session: &Session,
    user: &UserId,
    workspace: &WorkspaceId,
) -> Result<(), Error> {
    session.cycle_id().await.map_err(store_error)?;
    session.insert(USER_ID, user).await.map_err(store_error)?;
    session
        .insert(WORKSPACE_ID, workspace)
        .await
        .map_err(store_error)?;
    mark_seen(ctx, session).await
}

/// Records the minute the session was used in, when it is a new one; the write this
/// causes at the end of the request moves the idle expiry forward.
async fn mark_seen(ctx: &Context, session: &Session) -> Result<(), Error> {
    let minute = ctx.now().unix_seconds().div_euclid(60);
    let seen: Option<i64> = session.get(SEEN_MINUTE).await.map_err(store_error)?;
    if seen != Some(minute) {
        session
            .insert(SEEN_MINUTE, minute)
            .await
            .map_err(store_error)?;
    }
    Ok(())
}

/// Ends the session and removes it from the store.
pub async fn end(session: &Session) -> Result<(), Error> {
    session.flush().await.map_err(store_error)
}

/// Switches the session to another workspace the person belongs to.
pub async fn switch_workspace(
    ctx: &Context,
    session: &Session,
    workspace: &WorkspaceId,
) -> Result<Actor, Error> {
    let user: UserId = session
        .get(USER_ID)
        .await
        .map_err(store_error)?
        .ok_or(Error::Unauthenticated)?;
    let actor = accounts::session_actor(ctx, &user, workspace)
        .await
        .map_err(|_| Error::NotFound("workspace"))?;
    session
        .insert(WORKSPACE_ID, workspace)
        .await
        .map_err(store_error)?;
    Ok(actor)
}

/// The actor of a logged-in session; `Unauthenticated` when nobody is logged in or the
/// person has lost their membership.
pub async fn actor(ctx: &Context, session: &Session) -> Result<Actor, Error> {
    Ok(member(ctx, session).await?.0)
}

/// The actor of a logged-in session and who they are, as [`actor`].
pub async fn member(ctx: &Context, session: &Session) -> Result<(Actor, Me), Error> {
    let user: Option<UserId> = session.get(USER_ID).await.map_err(store_error)?;
    let workspace: Option<WorkspaceId> = session.get(WORKSPACE_ID).await.map_err(store_error)?;
    let member = match (user, workspace) {
        (Some(user), Some(workspace)) => accounts::session_member(ctx, &user, &workspace).await?,
        _ => return Err(Error::Unauthenticated),
    };
    mark_seen(ctx, session).await?;
    Ok(member)
}

/// Paths a person may open without logging in.
fn is_public_page(path: &str) -> bool {
    path == "/login"
        || path == "/healthz"
        || path.starts_with("/api/")
        || path.starts_with("/rpc/")
        || path.starts_with("/pkg/")
        || path.starts_with("/vendor/")
        || path == "/favicon.ico"
        || path == "/robots.txt"
        || path == "/mcp"
        || path.starts_with("/u/")
}

/// Sends people who are not logged in to the login page, remembering where they were going.
pub async fn require_login(
    State(state): State<AppState>,
    session: Session,
    mut request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_owned();
    if request.method() != Method::GET || is_public_page(&path) {
        return next.run(request).await;
    }
    if let Ok((actor, me)) = member(&state.ctx, &session).await {
        request.extensions_mut().insert(ResolvedActor(actor, me));
        return next.run(request).await;
    }
    let wants_html = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|accept| accept.contains("text/html") || accept.contains("*/*"));
    if !wants_html {
        return next.run(request).await;
    }
    let target = request.uri().path_and_query().map_or("/", |pq| pq.as_str());
    let next_param = if target == "/" {
        String::new()
    } else {
        format!("?next={}", encode_component(target))
    };
    Redirect::to(&format!("/login{next_param}")).into_response()
}

fn encode_component(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Where to go after logging in: only a path on this site. Anything else (another host,
/// `//`, backslashes, control characters or whitespace that browsers strip) goes home.
pub fn safe_next(next: Option<&str>) -> String {
    let allowed = |b: u8| b.is_ascii_alphanumeric() || b"-._~/?=&%+:,".contains(&b);
    // A query value may arrive decoded once too often ("Book a demo"): its spaces are
    // written back as %20 rather than the whole address refused.
    let next = next.map(|n| n.replace(' ', "%20"));
    let next = next.as_deref();
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.starts_with("/login")
                && n.len() <= 512
                && n.bytes().all(allowed) =>
        {
            n.to_owned()
        }
        _ => "/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_login_only_local_paths_are_followed() {
        assert_eq!(safe_next(Some("/settings/api-keys")), "/settings/api-keys");
        let set = "/ads/creatives?platform=google&brand=brd_01m8t75nr9fdf8830dmmf65ggw&objective=Book%20a%20review";
        assert_eq!(safe_next(Some(set)), set);
        assert_eq!(safe_next(Some(&set.replace("%20", " "))), set);
        assert_eq!(safe_next(Some("//evil.example/x")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(Some("/\t/evil.example")), "/");
        assert_eq!(safe_next(Some("/x\nLocation: evil")), "/");
        assert_eq!(
            safe_next(Some("/campaigns?status=active&page=2")),
            "/campaigns?status=active&page=2"
        );
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn next_paths_are_percent_encoded() {
        assert_eq!(
            encode_component("/campaigns?status=active&x=1"),
            "/campaigns%3Fstatus%3Dactive%26x%3D1"
        );
    }
}
