//! The database: one pool over SQLite or PostgreSQL, migrations for both, and one module per
//! table family. Every query is one SQL text both databases accept, unless a comment says
//! why the dialects must differ.

pub mod ad_campaigns;
pub mod ad_creatives;
pub mod api_keys;
pub mod approvals;
pub mod audit_log;
pub mod blog_drafts;
pub mod brands;
pub mod campaigns;
pub mod connectors;
pub mod contacts;
pub mod enrollments;
pub mod events;
pub mod follow_ups;
pub mod idempotency;
pub mod jobs;
pub mod messages;
pub mod outbox;
pub mod publish_jobs;
pub mod rollups;
pub mod segments;
pub mod sender_days;
pub mod sequences;
pub mod suppressions;
pub mod users;
pub mod webhooks;
pub mod workspace_settings;
pub mod workspaces;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Executor, Row};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::domain::Error;

/// Which database is behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite: one file, one writer at a time.
    Sqlite,
    /// PostgreSQL: many replicas, row locks.
    Postgres,
}

/// A connection pool and the dialect it speaks.
#[derive(Debug, Clone)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    url: String,
    /// SQLite only: the one writer's turn, handed from transaction to transaction.
    writer: Option<Arc<Semaphore>>,
}

/// The longest a transaction waits for SQLite's write lock (the `busy_timeout` too).
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// A transaction on either database; it rolls back unless committed. On SQLite it holds
/// the writer's turn until it ends.
pub struct Tx {
    inner: sqlx::Transaction<'static, sqlx::Any>,
    _turn: Option<OwnedSemaphorePermit>,
}

impl Tx {
    /// Commits, and on SQLite hands the writer's turn to the next transaction.
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.inner.commit().await
    }
}

impl std::ops::Deref for Tx {
    type Target = sqlx::AnyConnection;

    fn deref(&self) -> &Self::Target {
        &self.inner
    }
}

impl std::ops::DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.inner
    }
}

/// Which database a transaction is on.
pub fn backend_in(tx: &Tx) -> Backend {
    if tx.backend_name().eq_ignore_ascii_case("postgresql") {
        Backend::Postgres
    } else {
        Backend::Sqlite
    }
}

/// SQL for a subquery's `f.name` → `f.value` rows (custom or pinned fields) as one JSON
/// object text, read back by [`fields_of`].
pub fn fields_as_json(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "json_group_object(f.name, f.value)",
        Backend::Postgres => "json_object_agg(f.name, f.value)::text",
    }
}

/// A row's `fields` column written by [`fields_as_json`] (NULL when there are none).
pub fn fields_of(row: &AnyRow) -> Result<std::collections::BTreeMap<String, String>, Error> {
    match row.try_get::<Option<String>, _>("fields")? {
        Some(json) => serde_json::from_str(&json).map_err(Error::internal),
        None => Ok(Default::default()),
    }
}

/// `column` ordered by its bytes, on either database (PostgreSQL's default collation is
/// the locale's).
pub fn bytewise(backend: Backend, column: &str) -> String {
    match backend {
        Backend::Sqlite => column.to_owned(),
        Backend::Postgres => format!("{column} collate \"C\""),
    }
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// The database could not be opened or migrated.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The URL names neither `sqlite:` nor `postgres:`.
    #[error("DATABASE_URL must start with sqlite:// or postgres:// (got `{0}`)")]
    UnsupportedUrl(String),
    /// An in-memory SQLite database cannot be shared by a pool.
    #[error("DATABASE_URL must name an SQLite file, not an in-memory database")]
    InMemory,
    /// The data folder for SQLite could not be created.
    #[error("cannot create the data folder {path}: {source}")]
    DataFolder {
        /// The folder.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// Connecting failed.
    #[error("cannot connect to the database: {0}")]
    Connect(#[source] sqlx::Error),
    /// A migration failed.
    #[error("cannot migrate the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl Db {
    /// Opens (and for SQLite, creates) the database at `url`. Does not migrate.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, OpenError> {
        sqlx::any::install_default_drivers();
        let backend = backend_of(url)?;
        let url = match backend {
            Backend::Sqlite => prepare_sqlite_url(url)?,
            Backend::Postgres => url.to_owned(),
        };
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers run beside the one writer; the timeout makes a
                        // second writer wait instead of failing at once.
                        conn.execute("pragma journal_mode = wal").await?;
                        conn.execute("pragma foreign_keys = on").await?;
                        conn.execute("pragma busy_timeout = 10000").await?;
                        conn.execute("pragma synchronous = normal").await?;
                    } else {
                        // The planner's cost of a claim over a large ledger passes the JIT
                        // threshold: compiling took 15 ms of a 17 ms statement that runs in
                        // 2. No statement here is a long analytical scan that JIT pays for.
                        conn.execute("set jit = off").await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await
            .map_err(OpenError::Connect)?;
        let writer = (backend == Backend::Sqlite).then(|| Arc::new(Semaphore::new(1)));
        Ok(Self {
            pool,
            backend,
            url,
            writer,
        })
    }

    /// Applies every migration not yet applied; safe to run at every start.
    pub async fn migrate(&self) -> Result<(), OpenError> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&self.pool).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await?,
        }
        Ok(())
    }

    /// The dialect behind the pool.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The URL the pool was opened with (SQLite's carries `mode=rwc`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The pool, for single statements.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Starts a transaction. On SQLite it takes the write lock at once, so two writers
    /// never fail when one upgrades its read lock; and it first waits for the writer's turn
    /// in this process, so transactions queue and follow each other at once instead of
    /// polling SQLite's lock in the busy handler's growing sleeps (1, 2, 5, 10… ms).
    pub async fn begin(&self) -> Result<Tx, Error> {
        let turn = match &self.writer {
            Some(writer) => {
                let waited = tokio::time::timeout(BUSY_TIMEOUT, writer.clone().acquire_owned());
                let turn = waited.await.map_err(|_| {
                    Error::internal(std::io::Error::other(format!(
                        "the database stayed busy for {} s",
                        BUSY_TIMEOUT.as_secs()
                    )))
                })?;
                Some(turn.map_err(Error::internal)?)
            }
            None => None,
        };
        let statement = match self.backend {
            Backend::Sqlite => "begin immediate",
            Backend::Postgres => "begin",
        };
        Ok(Tx {
            inner: self.pool.begin_with(statement).await?,
            _turn: turn,
        })
    }

    /// Refreshes the planner's statistics of `tables` after a bulk write (PostgreSQL's
    /// `analyze`; SQLite plans these statements by their keys without statistics).
    pub async fn refresh_statistics(&self, tables: &[&str]) -> Result<(), Error> {
        if self.backend == Backend::Postgres && !tables.is_empty() {
            let sql = format!("analyze {}", tables.join(", "));
            self.pool.execute(sql.as_str()).await?;
        }
        Ok(())
    }

    /// Closes every connection, waiting for those in use.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

fn backend_of(url: &str) -> Result<Backend, OpenError> {
    if url.starts_with("sqlite:") {
        Ok(Backend::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Backend::Postgres)
    } else {
        Err(OpenError::UnsupportedUrl(url.chars().take(40).collect()))
    }
}

/// Creates the file's folder and asks SQLite to create the file if it is missing.
fn prepare_sqlite_url(url: &str) -> Result<String, OpenError> {
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    // Every pooled connection would get its own empty in-memory database.
    if path == ":memory:" || path.is_empty() || query.contains("mode=memory") {
        return Err(OpenError::InMemory);
    }
    if let Some(parent) = std::path::Path::new(path)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent).map_err(|source| OpenError::DataFolder {
            path: parent.display().to_string(),
            source,
        })?;
    }
    let mode = if query.contains("mode=") {
        String::new()
    } else {
        "mode=rwc".to_owned()
    };
    let query = [query, &mode]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join("&");
    Ok(format!("sqlite://{path}?{query}"))
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        Error::internal(e)
    }
}

/// True when `e` is a unique-constraint violation (on either database).
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// Reads a text column holding a [`crate::domain::time::Timestamp`].
pub fn get_time(row: &AnyRow, column: &str) -> Result<crate::domain::time::Timestamp, Error> {
    let text: String = row.try_get(column)?;
    parse_stored(&text, column)
}

/// Reads a nullable text column holding a timestamp.
pub fn get_opt_time(
    row: &AnyRow,
    column: &str,
) -> Result<Option<crate::domain::time::Timestamp>, Error> {
    let text: Option<String> = row.try_get(column)?;
    text.map(|t| parse_stored(&t, column)).transpose()
}

/// Reads a text column holding a typed id or another `FromStr` value written by us.
pub fn get_parsed<T: FromStr>(row: &AnyRow, column: &str) -> Result<T, Error> {
    let text: String = row.try_get(column)?;
    parse_stored(&text, column)
}

/// Reads a nullable text column holding a `FromStr` value written by us.
pub fn get_opt_parsed<T: FromStr>(row: &AnyRow, column: &str) -> Result<Option<T>, Error> {
    let text: Option<String> = row.try_get(column)?;
    text.map(|t| parse_stored(&t, column)).transpose()
}

fn parse_stored<T: FromStr>(text: &str, column: &str) -> Result<T, Error> {
    text.parse().map_err(|_| {
        Error::internal(std::io::Error::other(format!(
            "unreadable stored value in column {column}"
        )))
    })
}

/// The keyset condition, order and limit of every newest-first list, starting at parameter
/// `$first`: rows strictly after the cursor position (a row-value comparison both databases
/// can answer from a `(…, created_at, id)` index), then `limit` rows.
///
/// Bind its parameters with [`bind_page`].
pub fn page_clause(
    alias: &str,
    first: usize,
    page: &crate::domain::pagination::PageRequest,
) -> String {
    let order = format!("order by {alias}.created_at desc, {alias}.id desc");
    match page.after {
        Some(_) => format!(
            "and ({alias}.created_at, {alias}.id) < (${first}, ${}) {order} limit ${}",
            first + 1,
            first + 2
        ),
        None => format!("{order} limit ${first}"),
    }
}

/// The optional `and …` conditions of a filtered list, with their text parameters numbered
/// after `$1` (the workspace), so each set filter becomes part of one plain conjunction.
#[derive(Debug, Default)]
pub struct Conditions {
    /// `" and m.status = $2 and …"`.
    pub sql: String,
    /// The values, in order.
    pub params: Vec<String>,
}

impl Conditions {
    /// Adds `and <clause> $n` (e.g. `m.status =`) with `value`.
    pub fn add(&mut self, clause: &str, value: String) {
        self.params.push(value);
        self.sql
            .push_str(&format!(" and {clause} ${}", self.params.len() + 1));
    }

    /// Adds a condition without parameters.
    pub fn add_fixed(&mut self, clause: &str) {
        self.sql.push_str(&format!(" and {clause}"));
    }

    /// The number of the next free parameter (for the page clause).
    pub fn next_param(&self) -> usize {
        self.params.len() + 2
    }

    /// Binds the parameters, after the workspace.
    pub fn bind<'q>(
        &'q self,
        mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
        for p in &self.params {
            query = query.bind(p.as_str());
        }
        query
    }
}

/// Binds the parameters of [`page_clause`].
pub fn bind_page<'q>(
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    page: &crate::domain::pagination::PageRequest,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    match &page.after {
        Some(p) => query
            .bind(p.created_at.to_string())
            .bind(p.id.clone())
            .bind(page.fetch_limit()),
        None => query.bind(page.fetch_limit()),
    }
}

/// Binds `values` in order, to the `$first, …` of [`placeholders`].
pub fn bind_all<'q>(
    mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    values: impl IntoIterator<Item = &'q str>,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    for v in values {
        query = query.bind(v);
    }
    query
}

/// `$first, $first+1, …` for `n` values.
pub fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_get_create_mode_and_their_folder() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/nested/t.db", dir.path().display());
        let prepared = prepare_sqlite_url(&url).unwrap();
        assert!(prepared.ends_with("t.db?mode=rwc"));
        assert!(dir.path().join("nested").is_dir());
        assert!(prepare_sqlite_url("sqlite::memory:").is_err());
    }

    #[test]
    fn other_urls_are_refused_with_a_clear_message() {
        let err = backend_of("mysql://x").unwrap_err();
        assert!(err.to_string().contains("sqlite:// or postgres://"));
    }
}
