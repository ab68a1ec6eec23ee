//! `/api/v1/marketing/suppressions`: addresses that are never mailed.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiJson, ApiPath, ApiQuery};
use super::list::ListJson;
use crate::domain::Error;
use crate::domain::pagination::PageRequest;
use crate::domain::suppression::{Suppression, SuppressionFilter, SuppressionInput};
use crate::server::auth::api_key::ApiActor;
use crate::server::errors::{ApiError, Problem};
use crate::server::services::{Context, suppressions};
use crate::server::state::AppState;

/// A suppressed address.
#[derive(Debug, Serialize, ToSchema)]
pub struct SuppressionJson {
    /// The normalised address.
    pub email: String,
    /// `unsubscribe`, `hard_bounce`, `complaint` or `manual`.
    pub reason: String,
    /// Why, in words (empty when the recipient did it).
    pub note: String,
    /// Who added it by hand, if someone did.
    pub created_by: Option<String>,
    /// RFC 3339.
    pub created_at: String,
}

impl From<Suppression> for SuppressionJson {
    fn from(s: Suppression) -> Self {
        Self {
            email: s.email,
            reason: s.reason.as_str().to_owned(),
            note: s.note,
            created_by: s.created_by_email,
            created_at: s.created_at.to_string(),
        }
    }
}

/// Search and paging.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuppressionQuery {
    /// Addresses containing this text.
    pub q: Option<String>,
    /// 1–200 (default 50).
    pub limit: Option<String>,
    /// From `next_cursor`.
    pub cursor: Option<String>,
}

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_suppressions, add_suppression))
        .routes(routes!(remove_suppression))
}

/// The suppression list, newest first.
#[utoipa::path(get, path = "/marketing/suppressions", tag = "marketing", params(SuppressionQuery),
    responses((status = 200, body = ListJson<SuppressionJson>), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn list_suppressions(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<SuppressionQuery>,
) -> Result<Json<ListJson<SuppressionJson>>, ApiError> {
    let (filter, page) = Error::both(
        SuppressionFilter::parse(q.q.as_deref()),
        PageRequest::parse(q.limit.as_deref(), q.cursor.as_deref()),
    )?;
    Ok(Json(ListJson::from_page(
        suppressions::list(&ctx, &actor, &filter, &page).await?,
        SuppressionJson::from,
    )))
}

/// Suppresses an address: 201 when added, 200 when it was already on the list (the first
/// reason stays).
#[utoipa::path(post, path = "/marketing/suppressions", tag = "marketing", request_body = SuppressionInput,
    responses((status = 201, body = SuppressionJson), (status = 200, body = SuppressionJson),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn add_suppression(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<SuppressionInput>,
) -> Result<Response, ApiError> {
    let (stored, added) = suppressions::add(&ctx, &actor, &input).await?;
    let location = format!(
        "/api/v1/marketing/suppressions?q={}",
        crate::app::format::query_value(&stored.email)
    );
    let status = if added {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        [(header::LOCATION, location)],
        Json(SuppressionJson::from(stored)),
    )
        .into_response())
}

/// Takes an address off the list, so it may be mailed again. Needs `admin`; audited.
#[utoipa::path(delete, path = "/marketing/suppressions/{email}", tag = "marketing", params(("email" = String, Path, description = "the address")),
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn remove_suppression(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiPath(email): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    suppressions::remove(&ctx, &actor, &email).await?;
    Ok(StatusCode::NO_CONTENT)
}
