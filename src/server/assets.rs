//! What goes over the wire besides the pages themselves: the built site's `/pkg` files (the
//! wasm, its JS glue, the stylesheet) as compressed at build time, the cache rules of every
//! answer, and on-the-fly compression of HTML and JSON.
//!
//! Compression and secrets: BREACH needs a secret repeated in every answer next to text the
//! attacker controls. Sessions ride in cookies (headers, not compressed), there is no CSRF
//! token in pages (requests are checked by `Sec-Fetch-Site`/`Origin`), and the secrets an
//! answer does carry (a new API key, a webhook signing secret) are fresh on every request,
//! so nothing is excluded from compression.

use std::path::Path;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use leptos::config::LeptosOptions;
use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::services::ServeDir;

/// Content-hashed build output: cached for a year and never asked about again.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Unhashed files (a build without hashing, `/vendor`, the favicon): kept, but revalidated.
const REVALIDATE: &str = "public, max-age=0, must-revalidate";
/// Pages and API answers are someone's data: never stored by a browser or a proxy.
const NO_STORE: &str = "no-store";

/// `/pkg`: each file as the `.br` or `.gz` made at build time when the client accepts it,
/// with `Vary: Accept-Encoding`; cached for good when the build hashed the names.
pub fn pkg_router<S: Clone + Send + Sync + 'static>(options: &LeptosOptions) -> Router<S> {
    let dir = Path::new(options.site_root.as_ref()).join(options.site_pkg_dir.as_ref());
    let cache = if options.hash_files {
        IMMUTABLE
    } else {
        REVALIDATE
    };
    Router::new()
        .nest_service(
            &format!("/{}", options.site_pkg_dir),
            ServeDir::new(dir).precompressed_br().precompressed_gzip(),
        )
        .layer(axum::middleware::map_response(
            move |response: Response| async move { static_headers(response, cache) },
        ))
}

fn static_headers(mut response: Response, cache: &'static str) -> Response {
    let status = response.status();
    if status.is_success() || status == StatusCode::NOT_MODIFIED {
        let headers = response.headers_mut();
        // Nothing personal may ride on an answer shared caches keep.
        headers.remove(header::SET_COOKIE);
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    response
}

/// Every answer without its own cache rule: files served from the site root (a success or
/// a 304, not a page or JSON) are revalidated; everything else is `no-store`. An answer
/// already compressed (a site-root file's `.br`/`.gz`) says it varies by encoding.
pub async fn default_cache_control(mut response: Response) -> Response {
    let headers = response.headers();
    if headers.contains_key(header::CONTENT_ENCODING) && !headers.contains_key(header::VARY) {
        response
            .headers_mut()
            .insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    if response.headers().contains_key(header::CACHE_CONTROL) {
        return response;
    }
    let status = response.status();
    let dynamic = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|ct| ct.starts_with("text/html") || ct.contains("json"));
    let file = !dynamic && (status.is_success() || status == StatusCode::NOT_MODIFIED);
    let value = if file { REVALIDATE } else { NO_STORE };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    response
}

/// Compresses answers above 1 KB (brotli or gzip, as the client prefers) unless they are
/// already compressed, images or event streams.
///
/// At the fastest level: on the console's campaign list (27.6 KB of HTML) brotli 1 writes
/// 5.2 KB where tower-http's default, brotli 4, writes 4.5 KB, and brotli 4 cost about a
/// tenth of the page's time under load. The build's own files are compressed once, at 11.
pub fn compression() -> CompressionLayer<impl Predicate> {
    CompressionLayer::new()
        .br(true)
        .gzip(true)
        .quality(CompressionLevel::Precise(1))
        .compress_when(
            SizeAbove::new(1024)
                .and(NotForContentType::GRPC)
                .and(NotForContentType::IMAGES)
                .and(NotForContentType::SSE),
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    async fn get(router: &Router, path: &str, accept: Option<&str>) -> Response {
        let mut request = Request::get(path);
        if let Some(a) = accept {
            request = request.header(header::ACCEPT_ENCODING, a);
        }
        router
            .clone()
            .oneshot(request.body(Body::empty()).unwrap())
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn pkg_files_are_served_as_compressed_at_build_time_and_cached_for_good() {
        let site = tempfile::tempdir().unwrap();
        let pkg = site.path().join("pkg");
        std::fs::create_dir_all(&pkg).unwrap();
        std::fs::write(pkg.join("tenex.abc123.wasm"), b"plain wasm").unwrap();
        std::fs::write(pkg.join("tenex.abc123.wasm.br"), b"brotli").unwrap();
        std::fs::write(pkg.join("tenex.abc123.wasm.gz"), b"gzip").unwrap();
        let options = LeptosOptions::builder()
            .output_name("tenex")
            .site_root(site.path().to_string_lossy().to_string())
            .hash_files(true)
            .build();
        let router: Router = pkg_router(&options);
        let path = "/pkg/tenex.abc123.wasm";
        for (accept, encoding) in [
            (Some("gzip, deflate, br"), Some("br")),
            (Some("gzip"), Some("gzip")),
            (None, None),
        ] {
            let r = get(&router, path, accept).await;
            assert_eq!(r.status(), StatusCode::OK);
            assert_eq!(
                r.headers()
                    .get(header::CONTENT_ENCODING)
                    .map(|v| v.to_str().unwrap()),
                encoding
            );
            assert_eq!(r.headers()[header::CACHE_CONTROL], IMMUTABLE);
            assert_eq!(r.headers()[header::VARY], "accept-encoding");
        }
        let missing = get(&router, "/pkg/nope.wasm", None).await;
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
        assert!(!missing.headers().contains_key(header::CACHE_CONTROL));
    }

    #[tokio::test]
    async fn pages_and_json_are_never_stored_and_other_files_are_revalidated() {
        let with = |ct: &'static str| {
            Response::builder()
                .header(header::CONTENT_TYPE, ct)
                .body(axum::body::Body::empty())
                .unwrap()
        };
        for (ct, expected) in [
            ("text/html; charset=utf-8", NO_STORE),
            ("application/json", NO_STORE),
            ("application/problem+json", NO_STORE),
            ("image/x-icon", REVALIDATE),
        ] {
            let r = default_cache_control(with(ct)).await;
            assert_eq!(r.headers()[header::CACHE_CONTROL], expected, "{ct}");
        }
        let refused = Response::builder()
            .status(StatusCode::FORBIDDEN)
            .header(header::CONTENT_TYPE, "text/plain")
            .body(axum::body::Body::empty())
            .unwrap();
        assert_eq!(
            default_cache_control(refused).await.headers()[header::CACHE_CONTROL],
            NO_STORE
        );
        let precompressed = Response::builder()
            .header(header::CONTENT_TYPE, "text/javascript")
            .header(header::CONTENT_ENCODING, "br")
            .body(axum::body::Body::empty())
            .unwrap();
        let r = default_cache_control(precompressed).await;
        assert_eq!(r.headers()[header::VARY], "accept-encoding");
        assert_eq!(r.headers()[header::CACHE_CONTROL], REVALIDATE);
        let own = Response::builder()
            .header(header::CACHE_CONTROL, IMMUTABLE)
            .body(axum::body::Body::empty())
            .unwrap();
        assert_eq!(
            default_cache_control(own).await.headers()[header::CACHE_CONTROL],
            IMMUTABLE
        );
    }
}
