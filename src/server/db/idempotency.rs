//! Stored answers to POST requests that carried an `Idempotency-Key`.

use sqlx::Row;

use super::{Db, is_unique_violation};
use crate::domain::Error;
use crate::domain::ids::WorkspaceId;
use crate::domain::time::Timestamp;

/// Who the key belongs to: keys are scoped per workspace and per principal.
#[derive(Debug, Clone)]
pub struct Scope<'a> {
    /// The workspace.
    pub workspace: &'a WorkspaceId,
    /// `key_…` or `usr_…`: the caller.
    pub principal: &'a str,
    /// The client's Idempotency-Key.
    pub key: &'a str,
}

/// A response kept for replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    /// HTTP status.
    pub status: u16,
    /// `Content-Type` header.
    pub content_type: String,
    /// `Location` header, for answers to creates.
    pub location: Option<String>,
    /// Body text.
    pub body: String,
}

/// What happened when a request tried to claim its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// First use: run the request, then [`complete`] or [`release`].
    New,
    /// Used before for the request with this hash; `None` while it is still running.
    Seen {
        /// Hash of the first request.
        request_hash: String,
        /// Its response, once finished.
        response: Option<StoredResponse>,
    },
}

/// Claims the key for a request with `request_hash`, or reports what it was used for. A claim
/// of the same request left unfinished since before `abandoned_before` (the process died
/// mid-request) is taken over, so a retry is not refused forever.
pub async fn claim(
    db: &Db,
    scope: &Scope<'_>,
    request_hash: &str,
    at: Timestamp,
    abandoned_before: Timestamp,
) -> Result<Claim, Error> {
    let inserted = sqlx::query(
        "insert into idempotency_keys (workspace_id, principal, idempotency_key, request_hash, created_at) \
         values ($1, $2, $3, $4, $5)",
    )
    .bind(scope.workspace.as_str())
    .bind(scope.principal)
    .bind(scope.key)
    .bind(request_hash)
    .bind(at.to_string())
    .execute(db.pool())
    .await;
    match inserted {
        Ok(_) => return Ok(Claim::New),
        Err(e) if is_unique_violation(&e) => {}
        Err(e) => return Err(e.into()),
    }
    let taken_over = sqlx::query(
        "update idempotency_keys set created_at = $1 where workspace_id = $2 and principal = $3 \
         and idempotency_key = $4 and request_hash = $5 and status is null and created_at < $6",
    )
    .bind(at.to_string())
    .bind(scope.workspace.as_str())
    .bind(scope.principal)
    .bind(scope.key)
    .bind(request_hash)
    .bind(abandoned_before.to_string())
    .execute(db.pool())
    .await?;
    if taken_over.rows_affected() == 1 {
        return Ok(Claim::New);
    }
    let row = sqlx::query(
        "select request_hash, status, content_type, location, body from idempotency_keys \
         where workspace_id = $1 and principal = $2 and idempotency_key = $3",
    )
    .bind(scope.workspace.as_str())
    .bind(scope.principal)
    .bind(scope.key)
    .fetch_one(db.pool())
    .await?;
    let status: Option<i64> = row.try_get("status")?;
    let response = match status {
        Some(status) => Some(StoredResponse {
            status: u16::try_from(status).unwrap_or(500),
            content_type: row
                .try_get::<Option<String>, _>("content_type")?
                .unwrap_or_default(),
            location: row.try_get("location")?,
            body: row
                .try_get::<Option<String>, _>("body")?
                .unwrap_or_default(),
        }),
        None => None,
    };
    Ok(Claim::Seen {
        request_hash: row.try_get("request_hash")?,
        response,
    })
}

/// Stores the response of a claimed request for replay.
pub async fn complete(db: &Db, scope: &Scope<'_>, response: &StoredResponse) -> Result<(), Error> {
    sqlx::query(
        "update idempotency_keys set status = $1, content_type = $2, location = $3, body = $4 \
         where workspace_id = $5 and principal = $6 and idempotency_key = $7",
    )
    .bind(i64::from(response.status))
    .bind(&response.content_type)
    .bind(response.location.as_deref())
    .bind(&response.body)
    .bind(scope.workspace.as_str())
    .bind(scope.principal)
    .bind(scope.key)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Forgets a claim whose request failed in a way worth retrying (5xx, 429).
pub async fn release(db: &Db, scope: &Scope<'_>) -> Result<(), Error> {
    sqlx::query("delete from idempotency_keys where workspace_id = $1 and principal = $2 and idempotency_key = $3")
        .bind(scope.workspace.as_str())
        .bind(scope.principal)
        .bind(scope.key)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Forgets keys claimed before `before` (clients retry within minutes, not days).
pub async fn prune(db: &Db, before: Timestamp) -> Result<u64, Error> {
    let done = sqlx::query("delete from idempotency_keys where created_at < $1")
        .bind(before.to_string())
        .execute(db.pool())
        .await?;
    Ok(done.rows_affected())
}
