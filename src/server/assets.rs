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
use axum::body::Bytes;
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

/// An answer that is the same for the life of the process and large (the OpenAPI document:
/// 232 KB of JSON), compressed once at the highest levels on the first request that accepts
/// it, instead of at level 1 on every request: 17.8 KB as brotli 11 against 25.2 KB.
pub struct Precompressed {
    content_type: &'static str,
    identity: Bytes,
    compressed: tokio::sync::OnceCell<Compressed>,
}

struct Compressed {
    br: Bytes,
    gzip: Bytes,
}

/// What a client gets, by its `Accept-Encoding`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Coding {
    Br,
    Gzip,
    Identity,
}

impl Precompressed {
    /// `body`, answered as `content_type`.
    pub fn new(content_type: &'static str, body: impl Into<Bytes>) -> Self {
        Self {
            content_type,
            identity: body.into(),
            compressed: tokio::sync::OnceCell::new(),
        }
    }

    /// The answer for a request with these headers: the brotli or gzip copy the client
    /// accepts (the compression layer leaves an encoded answer alone), else the body as is.
    pub async fn answer(&self, request: &axum::http::HeaderMap) -> Response {
        let coding = coding_for(
            request
                .get(header::ACCEPT_ENCODING)
                .and_then(|v| v.to_str().ok()),
        );
        let (body, encoding) = match coding {
            Coding::Identity => (self.identity.clone(), None),
            Coding::Br => (self.copies().await.br.clone(), Some("br")),
            Coding::Gzip => (self.copies().await.gzip.clone(), Some("gzip")),
        };
        let mut response = Response::new(axum::body::Body::from(body));
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(self.content_type),
        );
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        if let Some(encoding) = encoding {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
        }
        response
    }

    async fn copies(&self) -> &Compressed {
        self.compressed
            .get_or_init(|| {
                let body = self.identity.clone();
                async move {
                    // A second of work at these levels: off the runtime's threads.
                    tokio::task::spawn_blocking(move || compress_best(&body))
                        .await
                        .expect("compressing a buffer does not panic")
                }
            })
            .await
    }
}

fn compress_best(body: &[u8]) -> Compressed {
    use std::io::Write;
    let mut br = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &body[..], &mut br, &params)
        .expect("writing to memory does not fail");
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gzip.write_all(body)
        .expect("writing to memory does not fail");
    let gzip = gzip.finish().expect("writing to memory does not fail");
    Compressed {
        br: br.into(),
        gzip: gzip.into(),
    }
}

/// The coding a client's `Accept-Encoding` prefers among brotli, gzip and none: the highest
/// `q` wins, brotli on a tie; `q=0` refuses a coding, and `*` stands for those not named.
fn coding_for(accept_encoding: Option<&str>) -> Coding {
    let Some(accept) = accept_encoding else {
        return Coding::Identity;
    };
    let mut named: Vec<(String, f32)> = Vec::new();
    for item in accept.split(',') {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        if name.is_empty() {
            continue;
        }
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        named.push((name, q));
    }
    let q_of = |coding: &str| {
        named
            .iter()
            .find(|(n, _)| n == coding)
            .or_else(|| named.iter().find(|(n, _)| n == "*"))
            .map_or(0.0, |(_, q)| *q)
    };
    let (br, gzip) = (q_of("br"), q_of("gzip"));
    if br > 0.0 && br >= gzip {
        Coding::Br
    } else if gzip > 0.0 {
        Coding::Gzip
    } else {
        Coding::Identity
    }
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

    #[test]
    fn the_coding_is_the_one_the_client_prefers_and_never_one_it_refused() {
        for (accept, expected) in [
            (None, Coding::Identity),
            (Some(""), Coding::Identity),
            (Some("identity"), Coding::Identity),
            (Some("gzip, deflate, br"), Coding::Br),
            (Some("GZIP, BR"), Coding::Br),
            (Some("gzip"), Coding::Gzip),
            (Some("br;q=0, gzip"), Coding::Gzip),
            (Some("gzip;q=1.0, br;q=0.5"), Coding::Gzip),
            (Some("br;q=0.8, gzip;q=0.8"), Coding::Br),
            (Some("gzip;q=0"), Coding::Identity),
            (Some("*"), Coding::Br),
            (Some("gzip, *;q=0"), Coding::Gzip),
            (Some("*;q=0"), Coding::Identity),
            (Some("br;q=nonsense"), Coding::Br),
        ] {
            assert_eq!(coding_for(accept), expected, "{accept:?}");
        }
    }

    #[tokio::test]
    async fn a_precompressed_answer_decodes_to_the_same_body_in_every_coding() {
        use std::io::Read;
        let body = "{\"openapi\":\"3.1.0\",\"paths\":{}}".repeat(200);
        let doc = Precompressed::new("application/json", body.clone());
        let read = |r: Response| async move {
            let headers = r.headers().clone();
            let bytes = axum::body::to_bytes(r.into_body(), usize::MAX)
                .await
                .unwrap();
            (headers, bytes)
        };
        let mut headers = axum::http::HeaderMap::new();
        let (plain_headers, plain) = read(doc.answer(&headers).await).await;
        assert_eq!(plain, body.as_bytes());
        assert!(!plain_headers.contains_key(header::CONTENT_ENCODING));
        assert_eq!(plain_headers[header::CONTENT_TYPE], "application/json");
        assert_eq!(plain_headers[header::VARY], "accept-encoding");

        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("gzip, br"),
        );
        let (h, br) = read(doc.answer(&headers).await).await;
        assert_eq!(h[header::CONTENT_ENCODING], "br");
        assert!(br.len() * 10 < body.len(), "{} bytes", br.len());
        let mut decoded = Vec::new();
        brotli::Decompressor::new(&br[..], 4096)
            .read_to_end(&mut decoded)
            .unwrap();
        assert_eq!(decoded, body.as_bytes());

        headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_static("gzip"));
        let (h, gz) = read(doc.answer(&headers).await).await;
        assert_eq!(h[header::CONTENT_ENCODING], "gzip");
        let mut decoded = String::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_string(&mut decoded)
            .unwrap();
        assert_eq!(decoded, body);
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
