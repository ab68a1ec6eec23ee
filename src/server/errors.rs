//! The two renderers of [`crate::domain::Error`]: problem+json for the API and
//! [`UiError`] for server functions. Internal and upstream failures are logged here, once,
//! with an error id that the answer carries; their causes never leave the server.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::app::error::UiError;
use crate::domain::{Error, FieldError};

/// A domain error on its way out of a JSON route.
#[derive(Debug)]
pub struct ApiError(pub Error);

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        Self(e)
    }
}

/// An RFC 9457 problem document with our machine-readable `code`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem; it points at the API reference.
    #[serde(rename = "type")]
    pub kind: String,
    /// Short summary of the kind of problem.
    pub title: String,
    /// HTTP status.
    pub status: u16,
    /// What went wrong this time, safe to show a user.
    pub detail: String,
    /// Machine code: `validation_failed`, `not_found`, `forbidden_scope`, …
    pub code: String,
    /// For `validation_failed`: every invalid field.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<ProblemField>)]
    pub errors: Vec<FieldError>,
    /// For `internal` and `upstream_failed`: quote it when reporting the problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_id: Option<String>,
    /// For a stale edit's `conflict`: the resource as it is now, to merge with.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub current: Option<serde_json::Value>,
    /// For `audience_changed`: the recipients the preview showed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previewed_recipients: Option<i64>,
    /// For `audience_changed`: the recipients who would be enrolled now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_recipients: Option<i64>,
}

/// One invalid field in a problem document.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProblemField {
    /// The field as the client sent it.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl Problem {
    /// A problem with no field list.
    pub fn new(status: StatusCode, code: &str, detail: impl Into<String>) -> Self {
        Self {
            kind: format!("/api/docs#problem-{code}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            code: code.to_owned(),
            errors: Vec::new(),
            error_id: None,
            current: None,
            previewed_recipients: None,
            current_recipients: None,
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, axum::Json(self)).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        response
    }
}

/// The status and machine code for each kind of domain error.
pub fn status_and_code(error: &Error) -> (StatusCode, &'static str) {
    match error {
        Error::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
        Error::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
        Error::Conflict(_) | Error::StaleEdit { .. } => (StatusCode::CONFLICT, "conflict"),
        Error::AudienceChanged { .. } => (StatusCode::CONFLICT, "audience_changed"),
        Error::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthorized"),
        Error::ForbiddenScope(_) => (StatusCode::FORBIDDEN, "forbidden_scope"),
        Error::ApprovalRequired { .. } => (StatusCode::FORBIDDEN, "approval_required"),
        Error::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
        Error::IdempotencyMismatch => (StatusCode::UNPROCESSABLE_ENTITY, "idempotency_mismatch"),
        Error::Upstream(_) => (StatusCode::BAD_GATEWAY, "upstream_failed"),
        Error::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
    }
}

/// Logs a failure whose cause must stay on the server and returns the id to quote.
fn log_with_id(error: &Error) -> Option<String> {
    match error {
        Error::Internal(source) => {
            let id = ulid::Ulid::new().to_string().to_lowercase();
            tracing::error!(error_id = %id, error = %source, "internal error");
            Some(id)
        }
        Error::Upstream(reason) => {
            let id = ulid::Ulid::new().to_string().to_lowercase();
            tracing::warn!(error_id = %id, reason = %reason, "provider failed");
            Some(id)
        }
        _ => None,
    }
}

/// The problem document for a domain error, logging first the failures whose cause stays
/// on the server. The JSON API and the MCP tools both answer with it.
pub fn problem_for(error: Error) -> Problem {
    let (status, code) = status_and_code(&error);
    let error_id = log_with_id(&error);
    let detail = match &error_id {
        Some(id) if matches!(error, Error::Internal(_)) => {
            format!("something went wrong on our side; quote error id {id} when reporting it")
        }
        _ => error.to_string(),
    };
    let mut problem = Problem::new(status, code, detail);
    problem.error_id = error_id;
    match error {
        Error::Invalid(fields) => problem.errors = fields,
        Error::StaleEdit { current, .. } => problem.current = Some(*current),
        Error::AudienceChanged { previewed, current } => {
            problem.previewed_recipients = Some(previewed);
            problem.current_recipients = Some(current);
        }
        _ => {}
    }
    problem
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let retry_after = match &self.0 {
            Error::RateLimited { retry_after_secs } => Some(*retry_after_secs),
            _ => None,
        };
        let problem = problem_for(self.0);
        let status = problem.status;
        let mut response = problem.into_response();
        if let Some(secs) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
        }
        if status == StatusCode::UNAUTHORIZED.as_u16() {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"tenex\""),
            );
        }
        response
    }
}

/// Gives the bare 413 of the body-limit layer (which answers before any extractor runs)
/// the same problem+json shape as every other error.
pub async fn problem_for_bare_413(response: Response) -> Response {
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|ct| ct == "application/problem+json");
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE && !is_problem {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "the request body is larger than this server accepts",
        )
        .into_response()
    } else {
        response
    }
}

/// Renders a domain error for a server function.
pub fn ui_error(error: Error) -> UiError {
    let (status, code) = status_and_code(&error);
    // A server-function call answers with the JSON API's status, so logs and proxies see a
    // 422 as a 422. Not while a page renders (the page itself is fine) and not for a plain
    // form post, which leptos answers with a redirect back to the form.
    let parts = leptos::prelude::use_context::<axum::http::request::Parts>();
    let is_rpc_call = parts.as_ref().is_some_and(|p| {
        let wants_html = p
            .headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("text/html"));
        p.uri.path().starts_with("/rpc/") && !wants_html
    });
    let retry_after_secs = match &error {
        Error::RateLimited { retry_after_secs } => Some((*retry_after_secs).max(1)),
        _ => None,
    };
    if is_rpc_call
        && let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>()
    {
        response.set_status(status);
        if let Some(secs) = retry_after_secs {
            response.insert_header(header::RETRY_AFTER, HeaderValue::from(secs));
        }
    }
    let error_id = log_with_id(&error);
    let message = match &error_id {
        Some(id) if matches!(error, Error::Internal(_)) => {
            format!("Something went wrong on our side. Quote error id {id} if you report it.")
        }
        _ => error.to_string(),
    };
    let fields = match error {
        Error::Invalid(fields) => fields,
        _ => Vec::new(),
    };
    UiError::Failed {
        code: code.to_owned(),
        message,
        fields,
        retry_after_secs,
    }
}

impl From<Error> for UiError {
    fn from(e: Error) -> Self {
        ui_error(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn internal_errors_never_show_their_cause() {
        use http_body_util::BodyExt;
        let response = ApiError(Error::internal(std::io::Error::other(
            "select * from secrets",
        )))
        .into_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = response.into_body().collect().await.unwrap().to_bytes();
        let text = String::from_utf8_lossy(&body);
        assert!(!text.contains("secrets"), "{text}");
        assert!(text.contains("\"error_id\""), "{text}");
        let UiError::Failed { message, .. } =
            ui_error(Error::internal(std::io::Error::other("password=hunter2")))
        else {
            panic!("expected failed")
        };
        assert!(!message.contains("hunter2"));
        assert!(message.contains("error id"));
    }

    #[test]
    fn rate_limited_answers_carry_retry_after() {
        let response = ApiError(Error::RateLimited {
            retry_after_secs: 7,
        })
        .into_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[header::RETRY_AFTER], "7");
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "application/problem+json"
        );
    }
}
