//! Refuses state-changing browser requests that come from another site.
//!
//! Cookies are `SameSite=Lax`, and on top of that every unsafe request that could carry the
//! session cookie must prove it came from our own pages: browsers send `Sec-Fetch-Site` and
//! `Origin` on every POST, and a page on another site cannot forge either. Requests
//! authenticated only by a bearer key (`/api/v1`, `/mcp`) carry no ambient credential and
//! are not checked.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::server::errors::Problem;
use crate::server::state::AppState;

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The browser says the request came from another site.
    CrossSite,
    /// Neither `Sec-Fetch-Site` nor `Origin` was sent.
    NoOrigin,
}

/// Paths whose requests carry their own authority (a bearer key, or a signed unsubscribe
/// token that mail clients post to without any origin), never a cookie's.
fn is_bearer_only(path: &str) -> bool {
    path.starts_with("/api/v1/") || path == "/mcp" || path.starts_with("/u/")
}

/// Decides whether an unsafe request may proceed. `public_origin` is the configured
/// `scheme://host[:port]`; the request's own `Host` also counts as same-origin.
pub fn check(
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    public_origin: &str,
) -> Result<(), Refusal> {
    if matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    ) || is_bearer_only(path)
    {
        return Ok(());
    }
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = text("sec-fetch-site") {
        return match site {
            "same-origin" | "none" => Ok(()),
            _ => Err(Refusal::CrossSite),
        };
    }
    let Some(origin) = text(header::ORIGIN.as_str()) else {
        return Err(Refusal::NoOrigin);
    };
    let host = text(header::HOST.as_str()).unwrap_or_default();
    let origin_host = origin.split_once("://").map_or("", |(_, h)| h);
    if origin == public_origin || (!host.is_empty() && origin_host == host) {
        Ok(())
    } else {
        Err(Refusal::CrossSite)
    }
}

/// The middleware form of [`check`].
pub async fn refuse_cross_site(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    match check(
        request.method(),
        request.uri().path(),
        request.headers(),
        state.settings.public_origin(),
    ) {
        Ok(()) => next.run(request).await,
        Err(refusal) => {
            let detail = match refusal {
                Refusal::CrossSite => "this request came from another site and was refused",
                Refusal::NoOrigin => {
                    "this request did not say which site it came from and was refused"
                }
            };
            tracing::warn!(path = %request.uri().path(), ?refusal, "cross-site request refused");
            Problem::new(StatusCode::FORBIDDEN, "cross_site_request", detail).into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    const ORIGIN: &str = "http://127.0.0.1:3000";

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn same_origin_posts_pass() {
        let h = headers(&[("sec-fetch-site", "same-origin")]);
        assert!(check(&Method::POST, "/rpc/login", &h, ORIGIN).is_ok());
        let h = headers(&[
            ("origin", "http://127.0.0.1:3000"),
            ("host", "127.0.0.1:3000"),
        ]);
        assert!(check(&Method::POST, "/rpc/login", &h, ORIGIN).is_ok());
    }

    #[test]
    fn cross_site_posts_are_refused() {
        let h = headers(&[
            ("sec-fetch-site", "cross-site"),
            ("origin", "https://evil.example"),
        ]);
        assert_eq!(
            check(&Method::POST, "/rpc/logout", &h, ORIGIN),
            Err(Refusal::CrossSite)
        );
        let h = headers(&[
            ("origin", "https://evil.example"),
            ("host", "127.0.0.1:3000"),
        ]);
        assert_eq!(
            check(&Method::POST, "/rpc/logout", &h, ORIGIN),
            Err(Refusal::CrossSite)
        );
        let h = headers(&[("sec-fetch-site", "same-site")]);
        assert_eq!(
            check(&Method::DELETE, "/rpc/x", &h, ORIGIN),
            Err(Refusal::CrossSite)
        );
    }

    #[test]
    fn posts_without_any_origin_are_refused() {
        assert_eq!(
            check(&Method::POST, "/rpc/login", &HeaderMap::new(), ORIGIN),
            Err(Refusal::NoOrigin)
        );
    }

    #[test]
    fn reads_and_bearer_routes_are_not_checked() {
        assert!(check(&Method::GET, "/settings", &HeaderMap::new(), ORIGIN).is_ok());
        assert!(
            check(
                &Method::POST,
                "/api/v1/admin/api-keys",
                &HeaderMap::new(),
                ORIGIN
            )
            .is_ok()
        );
    }
}
