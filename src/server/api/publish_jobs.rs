//! `/api/v1/marketing/publish-jobs`: the approved publishes of blog drafts and where each
//! stands; a failed one can be queued again.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiPath, ApiQuery};
use super::list::ListJson;
use crate::domain::Error;
use crate::domain::ids::PublishJobId;
use crate::domain::pagination::PageRequest;
use crate::domain::publish::{PublishFilterInput, PublishJob};
use crate::server::auth::api_key::ApiActor;
use crate::server::errors::{ApiError, Problem};
use crate::server::services::{Context, publishing};
use crate::server::state::AppState;

/// One call made to the CMS (for a sandbox: one it played).
#[derive(Debug, Serialize, ToSchema)]
pub struct CmsCallJson {
    /// HTTP method.
    pub method: String,
    /// Path and query, without the host.
    pub path: String,
    /// The answer's status (0: none).
    pub status: u16,
    /// What it was for, and the provider's message when it failed.
    pub note: String,
}

/// One approved publish of a draft to a CMS.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublishJobJson {
    /// `pub_…`.
    pub id: String,
    /// `drf_…`.
    pub draft_id: String,
    /// The version of the draft approved and published.
    pub version: i64,
    /// The post's title as approved.
    pub title: String,
    /// The post's slug as approved.
    pub slug: String,
    /// `cnr_…` of the CMS connector.
    pub connector_id: String,
    /// Its name.
    pub connector_name: String,
    /// `apr_…` of the approval it carries out.
    pub approval_id: String,
    /// `queued`, `running`, `succeeded` or `failed`.
    pub status: String,
    /// Attempts made.
    pub attempts: u32,
    /// The CMS's id of the item (Webflow item id, Sanity document id), once known.
    pub external_id: Option<String>,
    /// Where the post is live, when the connector has a post address.
    pub external_url: Option<String>,
    /// Whether it updated the item an earlier publish made rather than creating one.
    pub updated_existing_item: bool,
    /// What went wrong last (the provider's message).
    pub error: Option<String>,
    /// When it runs next, while queued.
    pub due_at: String,
    /// The calls made to the CMS, oldest first (a sandbox records the calls it played).
    pub calls: Vec<CmsCallJson>,
    /// What a sandbox CMS received (null for real CMSes).
    #[schema(value_type = Option<Object>)]
    pub payload: Option<serde_json::Value>,
    /// Queued.
    pub created_at: String,
    /// Last changed.
    pub updated_at: String,
}

impl From<PublishJob> for PublishJobJson {
    fn from(j: PublishJob) -> Self {
        Self {
            id: j.id.to_string(),
            draft_id: j.draft_id.to_string(),
            version: j.post.version,
            title: j.post.title,
            slug: j.post.slug,
            connector_id: j.connector_id.to_string(),
            connector_name: j.connector_name,
            approval_id: j.approval_id.to_string(),
            status: j.status.as_str().to_owned(),
            attempts: j.attempts,
            external_id: j.external_id,
            external_url: j.external_url,
            updated_existing_item: j.earlier_external_id.is_some(),
            error: j.error,
            due_at: j.due_at.to_string(),
            calls: j
                .calls
                .into_iter()
                .map(|c| CmsCallJson {
                    method: c.method,
                    path: c.path,
                    status: c.status,
                    note: c.note,
                })
                .collect(),
            payload: j.payload,
            created_at: j.created_at.to_string(),
            updated_at: j.updated_at.to_string(),
        }
    }
}

/// Filters and paging.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PublishJobQuery {
    /// `queued`, `running`, `succeeded` or `failed`.
    pub status: Option<String>,
    /// `drf_…`.
    pub draft_id: Option<String>,
    /// 1–200 (default 50).
    pub limit: Option<String>,
    /// From `next_cursor`.
    pub cursor: Option<String>,
}

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_publish_jobs))
        .routes(routes!(get_publish_job))
        .routes(routes!(retry_publish_job))
}

/// Publish jobs, newest first.
#[utoipa::path(get, path = "/marketing/publish-jobs", tag = "marketing", params(PublishJobQuery),
    responses((status = 200, body = ListJson<PublishJobJson>), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn list_publish_jobs(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<PublishJobQuery>,
) -> Result<Json<ListJson<PublishJobJson>>, ApiError> {
    let (filter, page) = Error::both(
        PublishFilterInput {
            status: q.status,
            draft_id: q.draft_id,
        }
        .parse(),
        PageRequest::parse(q.limit.as_deref(), q.cursor.as_deref()),
    )?;
    Ok(Json(ListJson::from_page(
        publishing::list(&ctx, &actor, &filter, &page).await?,
        PublishJobJson::from,
    )))
}

/// One publish job.
#[utoipa::path(get, path = "/marketing/publish-jobs/{id}", tag = "marketing", params(("id" = String, Path, description = "`pub_…`")),
    responses((status = 200, body = PublishJobJson), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get_publish_job(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<PublishJobId>,
) -> Result<Json<PublishJobJson>, ApiError> {
    Ok(Json(publishing::get(&ctx, &actor, &id).await?.into()))
}

/// Queues a failed publish job again: the same approved post to the same connector. 409
/// unless it failed.
#[utoipa::path(post, path = "/marketing/publish-jobs/{id}/retry", tag = "marketing", params(("id" = String, Path, description = "`pub_…`")),
    responses((status = 200, body = PublishJobJson), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn retry_publish_job(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<PublishJobId>,
) -> Result<Json<PublishJobJson>, ApiError> {
    Ok(Json(publishing::retry(&ctx, &actor, &id).await?.into()))
}
