//! Our own extractors, so that malformed JSON, bad path ids and bad query strings answer
//! in problem+json like everything else.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::domain::{Error, FieldError};
use crate::server::errors::{ApiError, Problem};

/// A JSON body, read with the size limit and parsed with the failing field named.
#[derive(Debug, Clone)]
pub struct ApiJson<T>(pub T);

/// The problem answered when a body is over the size limit.
pub fn payload_too_large() -> Response {
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        "the request body is larger than this server accepts",
    )
    .into_response()
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Response> {
        let is_json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| {
                let essence = ct
                    .split(';')
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_ascii_lowercase();
                essence == "application/json" || essence.ends_with("+json")
            });
        if !is_json {
            return Err(ApiError(Error::invalid(
                "Content-Type",
                "send the body as JSON with Content-Type: application/json",
            ))
            .into_response());
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    payload_too_large()
                } else {
                    ApiError(Error::invalid("body", "the request body could not be read"))
                        .into_response()
                }
            })?;
        parse_json(&bytes)
            .map(ApiJson)
            .map_err(|e| ApiError(Error::Invalid(vec![e])).into_response())
    }
}

/// A JSON body that may be left out: an empty body is `None`, anything else must be JSON.
#[derive(Debug, Clone)]
pub struct OptionalJson<T>(pub Option<T>);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for OptionalJson<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Response> {
        let (parts, body) = request.into_parts();
        let bytes = Bytes::from_request(Request::from_parts(parts.clone(), body), state)
            .await
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    payload_too_large()
                } else {
                    ApiError(Error::invalid("body", "the request body could not be read"))
                        .into_response()
                }
            })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self(None));
        }
        ApiJson::<T>::from_request(
            Request::from_parts(parts, axum::body::Body::from(bytes)),
            state,
        )
        .await
        .map(|ApiJson(v)| Self(Some(v)))
    }
}

/// Parses JSON, naming the field that failed (`scopes[1]`, `name`) or `body` for syntax.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, FieldError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let message = strip_position(&inner.to_string());
        if inner.is_syntax() || inner.is_eof() {
            FieldError::new("body", format!("is not valid JSON: {message}"))
        } else if path == "." || path.is_empty() {
            let field =
                between_backticks(&message).filter(|_| message.starts_with("missing field"));
            match field {
                Some(f) => FieldError::new(f, "is required"),
                None => FieldError::new("body", message),
            }
        } else if path.starts_with("secrets") {
            // serde's message may quote the value, and secrets are never repeated back.
            FieldError::new(path, "must be a string")
        } else {
            FieldError::new(path, message)
        }
    })
}

fn strip_position(message: &str) -> String {
    message
        .split(" at line ")
        .next()
        .unwrap_or(message)
        .to_owned()
}

fn between_backticks(text: &str) -> Option<String> {
    let start = text.find('`')? + 1;
    let len = text[start..].find('`')?;
    Some(text[start..start + len].to_owned())
}

/// Path parameters. A path that does not parse (a malformed id) names nothing that exists,
/// so it is a 404, the same as an unknown id.
#[derive(Debug, Clone)]
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| ApiPath(p.0))
            .map_err(|_| ApiError(Error::NotFound("resource")))
    }
}

/// The query string, parsed with the failing parameter named.
#[derive(Debug, Clone)]
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or_default();
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de)
            .map(ApiQuery)
            .map_err(|e| {
                let path = e.path().to_string();
                let message = e.into_inner().to_string();
                let field = if path == "." || path.is_empty() {
                    between_backticks(&message).unwrap_or_else(|| "query".to_owned())
                } else {
                    path
                };
                ApiError(Error::invalid(field, message))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[expect(dead_code, reason = "fields exist to be deserialized")]
    struct Body {
        name: String,
        scopes: Option<Vec<String>>,
    }

    #[test]
    fn json_errors_name_the_field() {
        assert_eq!(
            parse_json::<Body>(br#"{"scopes": []}"#).unwrap_err().field,
            "name"
        );
        assert_eq!(
            parse_json::<Body>(br#"{"name": 1}"#).unwrap_err().field,
            "name"
        );
        assert_eq!(
            parse_json::<Body>(br#"{"name": "a", "scopes": ["x", 2]}"#)
                .unwrap_err()
                .field,
            "scopes[1]"
        );
        assert_eq!(
            parse_json::<Body>(br#"{"name": "a""#).unwrap_err().field,
            "body"
        );
        assert_eq!(parse_json::<Body>(b"").unwrap_err().field, "body");
        let unknown = parse_json::<Body>(br#"{"name": "a", "nmae": "b"}"#).unwrap_err();
        assert!(unknown.message.contains("nmae"), "{unknown:?}");
    }
}

/// The `If-Match` header, for `PATCH`es that must name the version they edit.
#[derive(Debug, Clone, Default)]
pub struct IfMatch(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        Ok(IfMatch(
            parts
                .headers
                .get(header::IF_MATCH)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.trim().trim_matches('"').to_owned()),
        ))
    }
}

impl IfMatch {
    /// A decision's input with the version from the header or the body, when either is sent.
    pub fn decision(
        &self,
        body: crate::domain::approval::DecisionInput,
    ) -> Result<crate::domain::approval::DecisionInput, Error> {
        Ok(crate::domain::approval::DecisionInput {
            version: self.optional_version(body.version)?,
            ..body
        })
    }

    /// The version from the header or the body when either is sent (they must agree).
    pub fn optional_version(&self, body: Option<i64>) -> Result<Option<i64>, Error> {
        if self.0.is_none() && body.is_none() {
            return Ok(None);
        }
        self.version_or(body).map(Some)
    }

    /// The version from the header or the body (they must agree when both are sent).
    pub fn version_or(&self, body: Option<i64>) -> Result<i64, Error> {
        let header = match &self.0 {
            Some(text) => Some(text.parse::<i64>().map_err(|_| {
                Error::invalid("If-Match", "must be the version number being edited")
            })?),
            None => None,
        };
        match (header, body) {
            (Some(h), Some(b)) if h != b => Err(Error::invalid("version", "differs from If-Match")),
            (Some(v), _) | (None, Some(v)) => Ok(v),
            (None, None) => Err(Error::invalid(
                "version",
                "is required: send the version you are editing (or If-Match)",
            )),
        }
    }
}
