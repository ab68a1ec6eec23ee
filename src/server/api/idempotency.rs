//! `Idempotency-Key` for POST: the same key and body return the first answer; the same key
//! with another body is refused. Keys belong to the caller (key or user) in its workspace.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::extract::payload_too_large;
use crate::domain::Error;
use crate::domain::actor::{Actor, Principal};
use crate::server::db::idempotency::{self, Claim, Scope, StoredResponse};
use crate::server::errors::ApiError;
use crate::server::state::AppState;

/// The request header.
pub const HEADER: &str = "idempotency-key";
/// Set to `true` on an answer replayed from storage.
pub const REPLAYED: &str = "idempotent-replayed";
/// Longest key accepted.
const KEY_MAX: usize = 255;
/// Largest response kept for replay.
const RESPONSE_MAX: usize = 4 * 1024 * 1024;
/// A claim unfinished for this long belonged to a request that died; a retry takes it over.
const ABANDONED_AFTER: time::Duration = time::Duration::minutes(5);

/// Put on a response whose body must never be stored (it carries a secret shown once).
/// A replay answers 409 `conflict` with this text instead.
#[derive(Debug, Clone)]
pub struct NotReplayable(pub String);

/// Replays, refuses or records POSTs that carry an `Idempotency-Key`.
pub async fn replay_or_record(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let Some(key) = request.headers().get(HEADER) else {
        return next.run(request).await;
    };
    let key = match key.to_str() {
        Ok(k) if !k.is_empty() && k.len() <= KEY_MAX && k.bytes().all(|b| b.is_ascii_graphic()) => {
            k.to_owned()
        }
        _ => {
            return ApiError(Error::invalid(
                "Idempotency-Key",
                "must be 1 to 255 visible ASCII characters",
            ))
            .into_response();
        }
    };
    let Some(actor) = request.extensions().get::<Actor>().cloned() else {
        return ApiError(Error::Unauthenticated).into_response();
    };
    let principal = match actor.principal() {
        Principal::Key { key_id, .. } => key_id.to_string(),
        Principal::User { user_id } => user_id.to_string(),
    };
    let (parts, body) = request.into_parts();
    let Ok(body) = to_bytes(
        body,
        state
            .settings
            .max_body_bytes
            .max(state.settings.max_import_bytes),
    )
    .await
    else {
        return payload_too_large();
    };
    let mut hasher = Sha256::new();
    hasher.update(
        parts
            .uri
            .path_and_query()
            .map_or("", |pq| pq.as_str())
            .as_bytes(),
    );
    hasher.update([0]);
    hasher.update(&body);
    let request_hash = hex::encode(hasher.finalize());
    let now = state.ctx.now();
    let scope = Scope {
        workspace: actor.workspace_id(),
        principal: &principal,
        key: &key,
    };

    match idempotency::claim(
        &state.ctx.db,
        &scope,
        &request_hash,
        now,
        now.plus(-ABANDONED_AFTER),
    )
    .await
    {
        Err(e) => ApiError(e).into_response(),
        Ok(Claim::Seen {
            request_hash: first,
            ..
        }) if first != request_hash => ApiError(Error::IdempotencyMismatch).into_response(),
        Ok(Claim::Seen { response: None, .. }) => ApiError(Error::Conflict(
            "a request with this Idempotency-Key is still being processed; retry shortly".into(),
        ))
        .into_response(),
        Ok(Claim::Seen {
            response: Some(stored),
            ..
        }) => replay(stored),
        Ok(Claim::New) => {
            let request = Request::from_parts(parts, Body::from(body));
            let (workspace, key) = (actor.workspace_id().clone(), key.clone());
            // The handler runs to completion and records its answer even if the client
            // hangs up, so a retry finds the result instead of a claim left open.
            let task = tokio::spawn(async move {
                let response = next.run(request).await;
                let scope = Scope {
                    workspace: &workspace,
                    principal: &principal,
                    key: &key,
                };
                record(&state, &scope, response).await
            });
            task.await.unwrap_or_else(|e| {
                ApiError(Error::internal(std::io::Error::other(e.to_string()))).into_response()
            })
        }
    }
}

async fn record(state: &AppState, scope: &Scope<'_>, response: Response) -> Response {
    let status = response.status();
    let worth_retrying = status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS;
    let not_replayable = response.extensions().get::<NotReplayable>().cloned();
    let (parts, body) = response.into_parts();
    let bytes = match to_bytes(body, RESPONSE_MAX).await {
        Ok(b) => b,
        Err(e) => {
            let _ = idempotency::release(&state.ctx.db, scope).await;
            return ApiError(Error::internal(std::io::Error::other(e.to_string()))).into_response();
        }
    };
    let header_text = |name| {
        parts
            .headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    let stored = match (String::from_utf8(bytes.to_vec()), not_replayable) {
        _ if worth_retrying => None,
        (_, Some(NotReplayable(message))) => Some(StoredResponse {
            status: StatusCode::CONFLICT.as_u16(),
            content_type: "application/problem+json".into(),
            location: None,
            body: conflict_body(&message),
        }),
        (Ok(body), None) => Some(StoredResponse {
            status: status.as_u16(),
            content_type: header_text(header::CONTENT_TYPE)
                .unwrap_or("application/json")
                .to_owned(),
            location: header_text(header::LOCATION).map(str::to_owned),
            body,
        }),
        (Err(_), None) => None,
    };
    let outcome = match &stored {
        Some(stored) => idempotency::complete(&state.ctx.db, scope, stored).await,
        None => idempotency::release(&state.ctx.db, scope).await,
    };
    if let Err(e) = outcome {
        tracing::error!(error = %e, "could not record an idempotent response");
    }
    let mut response = Response::from_parts(parts, Body::from(bytes));
    response
        .headers_mut()
        .insert(REPLAYED, HeaderValue::from_static("false"));
    response
}

fn conflict_body(message: &str) -> String {
    let problem = crate::server::errors::Problem::new(StatusCode::CONFLICT, "conflict", message);
    serde_json::to_string(&problem).unwrap_or_default()
}

fn replay(stored: StoredResponse) -> Response {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let mut response = (status, stored.body).into_response();
    let headers = response.headers_mut();
    if let Ok(ct) = HeaderValue::from_str(&stored.content_type) {
        headers.insert(header::CONTENT_TYPE, ct);
    }
    if let Some(location) = stored.location.and_then(|l| HeaderValue::from_str(&l).ok()) {
        headers.insert(header::LOCATION, location);
    }
    headers.insert(REPLAYED, HeaderValue::from_static("true"));
    response
}
