//! The browsable API reference at `/api/docs`: Swagger UI (from the npm package, served from
//! our own `/vendor` folder, nothing from a CDN) over `/api/v1/openapi.json`, and the list of
//! problem codes that every error's `type` points into.

use axum::response::Html;

/// Every problem `code`, its status and when it is used.
pub const PROBLEM_CODES: [(&str, u16, &str); 12] = [
    (
        "unauthorized",
        401,
        "No key, or the key is malformed, unknown, revoked or expired.",
    ),
    (
        "forbidden_scope",
        403,
        "The key is valid but lacks the scope this route needs.",
    ),
    (
        "approval_required",
        403,
        "Only a human approver, or a key with marketing:approve, may decide; the detail names the console page.",
    ),
    (
        "not_found",
        404,
        "No such thing in this workspace (ids of other workspaces look exactly the same).",
    ),
    (
        "conflict",
        409,
        "Wrong state, stale version, already decided, or the same Idempotency-Key still running.",
    ),
    (
        "payload_too_large",
        413,
        "The body is larger than the server accepts.",
    ),
    (
        "validation_failed",
        422,
        "One or more fields are invalid; `errors` names each.",
    ),
    (
        "idempotency_mismatch",
        422,
        "The Idempotency-Key was used before with a different body.",
    ),
    (
        "rate_limited",
        429,
        "Too many requests for this key; wait for `Retry-After` seconds.",
    ),
    (
        "internal",
        500,
        "Our fault; quote `error_id` when reporting it.",
    ),
    (
        "upstream_failed",
        502,
        "An outside provider failed or answered nonsense.",
    ),
    (
        "cross_site_request",
        403,
        "Console only: a state change came from another site and was refused.",
    ),
];

/// The reference page.
pub async fn reference_page() -> Html<String> {
    let rows: String = PROBLEM_CODES
        .iter()
        .map(|(code, status, text)| {
            format!("<tr id=\"problem-{code}\"><td><code>{code}</code></td><td>{status}</td><td>{text}</td></tr>")
        })
        .collect();
    Html(format!(
        r##"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tenex Marketing API reference</title>
<link rel="stylesheet" href="/vendor/swagger-ui/swagger-ui.css">
<style>
  body {{ margin: 0; font-family: system-ui, sans-serif; }}
  header, section.codes {{ max-width: 1460px; margin: 0 auto; padding: 16px 20px; }}
  table {{ border-collapse: collapse; }} td, th {{ border-bottom: 1px solid #ddd; padding: 6px 10px; text-align: left; }}
</style>
</head>
<body>
<header><a href="/">← Back to the console</a> · <a href="/api/v1/openapi.json">openapi.json</a></header>
<main>
<div id="swagger-ui"></div>
<section class="codes" aria-labelledby="codes-title">
<h2 id="codes-title">Problem codes</h2>
<p>Every error is <code>application/problem+json</code> with a machine <code>code</code>:</p>
<table><thead><tr><th>code</th><th>status</th><th>meaning</th></tr></thead><tbody>{rows}</tbody></table>
</section>
</main>
<script src="/vendor/swagger-ui/swagger-ui-bundle.js"></script>
<script>
  window.ui = SwaggerUIBundle({{ url: "/api/v1/openapi.json", dom_id: "#swagger-ui", deepLinking: true }});
</script>
</body>
</html>"##
    ))
}
