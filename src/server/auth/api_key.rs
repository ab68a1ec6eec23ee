//! Bearer-key authentication and the per-key rate limit for `/api/v1`.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::header;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::domain::Error;
use crate::domain::actor::Actor;
use crate::server::errors::ApiError;
use crate::server::services::api_keys;
use crate::server::state::AppState;

/// Authenticates the bearer key, applies its rate limit and puts the [`Actor`] in the
/// request for handlers to extract.
pub async fn authenticate(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim);
    let Some(presented) = presented else {
        return ApiError(Error::Unauthenticated).into_response();
    };
    let actor = match api_keys::authenticate(&state.ctx, presented).await {
        Ok(actor) => actor,
        Err(e) => return ApiError(e).into_response(),
    };
    let key = actor.key_id().map(ToString::to_string).unwrap_or_default();
    if let Err(e) = state.key_limiter.check(&key) {
        return ApiError(e).into_response();
    }
    request.extensions_mut().insert(actor);
    next.run(request).await
}

/// The authenticated caller of a JSON route.
#[derive(Debug, Clone)]
pub struct ApiActor(pub Actor);

impl<S: Send + Sync> FromRequestParts<S> for ApiActor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        parts
            .extensions
            .get::<Actor>()
            .cloned()
            .map(ApiActor)
            .ok_or(ApiError(Error::Unauthenticated))
    }
}
