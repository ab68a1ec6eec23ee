//! `/api/v1/crm/contacts`.

use std::collections::BTreeMap;

use axum::Json;
use axum::body::to_bytes;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiJson, ApiPath, ApiQuery, IfMatch, payload_too_large};
use super::list::ListJson;
use crate::domain::Error;
use crate::domain::contact::{Contact, ContactInput};
use crate::domain::ids::ContactId;
use crate::domain::pagination::PageRequest;
use crate::server::auth::api_key::ApiActor;
use crate::server::errors::{ApiError, Problem};
use crate::server::services::Context;
use crate::server::services::contacts::{self, ImportReport};
use crate::server::state::AppState;

/// A contact.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactJson {
    /// `ctc_…`.
    pub id: String,
    /// Email.
    pub email: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Company.
    pub company: String,
    /// Domain.
    pub domain: String,
    /// Title.
    pub title: String,
    /// Custom fields.
    pub custom_fields: BTreeMap<String, String>,
    /// Funnel stage.
    pub lifecycle_stage: String,
    /// RFC 3339, when they unsubscribed.
    pub unsubscribed_at: Option<String>,
    /// RFC 3339, when mail bounced.
    pub bounced_at: Option<String>,
    /// Send it back to edit.
    pub version: i64,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
    /// RFC 3339, last reply or conversion.
    pub last_activity_at: Option<String>,
}

impl From<Contact> for ContactJson {
    fn from(c: Contact) -> Self {
        Self {
            id: c.id.to_string(),
            email: c.email.to_string(),
            first_name: c.first_name,
            last_name: c.last_name,
            company: c.company,
            domain: c.domain,
            title: c.title,
            custom_fields: c.custom_fields,
            lifecycle_stage: c.lifecycle_stage.to_string(),
            unsubscribed_at: c.unsubscribed_at.map(|t| t.to_string()),
            bounced_at: c.bounced_at.map(|t| t.to_string()),
            version: c.version,
            created_at: c.created_at.to_string(),
            updated_at: c.updated_at.to_string(),
            last_activity_at: c.last_activity_at.map(|t| t.to_string()),
        }
    }
}

/// `?q=&limit=&cursor=`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContactQuery {
    /// Matches email, names and company.
    pub q: Option<String>,
    /// 1–200 (default 50).
    pub limit: Option<String>,
    /// From `next_cursor`.
    pub cursor: Option<String>,
}

/// One bad row.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportErrorJson {
    /// Line in the file (header = 1).
    pub line: u64,
    /// What is wrong.
    pub message: String,
}

/// What an import did.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportReportJson {
    /// New contacts.
    pub created: u64,
    /// Existing contacts updated (matched by email).
    pub updated: u64,
    /// Bad rows (the first 1,000).
    pub errors: Vec<ImportErrorJson>,
    /// All bad rows.
    pub error_count: u64,
}

impl From<ImportReport> for ImportReportJson {
    fn from(r: ImportReport) -> Self {
        Self {
            created: r.created,
            updated: r.updated,
            errors: r
                .errors
                .into_iter()
                .map(|e| ImportErrorJson {
                    line: e.line,
                    message: e.message,
                })
                .collect(),
            error_count: r.error_count,
        }
    }
}

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_contacts, create_contact))
        .routes(routes!(get_contact, update_contact, delete_contact))
        .routes(routes!(import_contacts))
}

/// Contacts, newest first.
#[utoipa::path(get, path = "/crm/contacts", tag = "crm", params(ContactQuery), responses((status = 200, body = ListJson<ContactJson>)))]
async fn list_contacts(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiQuery(q): ApiQuery<ContactQuery>,
) -> Result<Json<ListJson<ContactJson>>, ApiError> {
    let page = PageRequest::parse(q.limit.as_deref(), q.cursor.as_deref())?;
    Ok(Json(ListJson::from_page(
        contacts::list(&ctx, &actor, q.q.as_deref(), &page).await?,
        ContactJson::from,
    )))
}

/// Creates a contact.
#[utoipa::path(post, path = "/crm/contacts", tag = "crm", request_body = ContactInput,
    responses((status = 201, body = ContactJson), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn create_contact(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<ContactInput>,
) -> Result<Response, ApiError> {
    let contact = contacts::create(&ctx, &actor, &input).await?;
    let location = format!("/api/v1/crm/contacts/{}", contact.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(ContactJson::from(contact)),
    )
        .into_response())
}

/// One contact.
#[utoipa::path(get, path = "/crm/contacts/{id}", tag = "crm", params(("id" = String, Path, description = "`ctc_…`")),
    responses((status = 200, body = ContactJson), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get_contact(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<ContactId>,
) -> Result<Json<ContactJson>, ApiError> {
    Ok(Json(contacts::get(&ctx, &actor, &id).await?.into()))
}

/// Edits a contact; needs the current `version` (body or `If-Match`).
#[utoipa::path(patch, path = "/crm/contacts/{id}", tag = "crm", request_body = ContactInput, params(("id" = String, Path, description = "`ctc_…`")),
    responses((status = 200, body = ContactJson), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn update_contact(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<ContactId>,
    if_match: IfMatch,
    ApiJson(input): ApiJson<ContactInput>,
) -> Result<Json<ContactJson>, ApiError> {
    let version = if_match.version_or(input.version)?;
    Ok(Json(
        contacts::update(&ctx, &actor, &id, version, &input)
            .await?
            .into(),
    ))
}

/// Deletes a contact.
#[utoipa::path(delete, path = "/crm/contacts/{id}", tag = "crm", params(("id" = String, Path, description = "`ctc_…`")),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn delete_contact(
    State(ctx): State<Context>,
    ApiActor(actor): ApiActor,
    ApiPath(id): ApiPath<ContactId>,
) -> Result<StatusCode, ApiError> {
    contacts::delete(&ctx, &actor, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Imports a CSV file (`Content-Type: text/csv`). Header names map to fields (email,
/// first_name, last_name, company, domain, title, lifecycle_stage); every other column
/// becomes a custom field. Bad rows are reported by line and skipped; a known email is
/// updated instead of duplicated.
#[utoipa::path(post, path = "/crm/contacts/import", tag = "crm", request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = ImportReportJson), (status = 413, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn import_contacts(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    request: Request,
) -> Result<Response, ApiError> {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if essence != "text/csv" {
        return Err(Error::invalid("Content-Type", "send the file as text/csv").into());
    }
    let Ok(body) = to_bytes(request.into_body(), state.settings.max_import_bytes).await else {
        return Ok(payload_too_large());
    };
    let report = contacts::import_csv(&state.ctx, &actor, &body).await?;
    Ok(Json(ImportReportJson::from(report)).into_response())
}
