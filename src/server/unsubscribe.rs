//! `/u/{token}`: the unsubscribe link in every message. `GET` shows a confirmation page;
//! `POST` (the page's button, or a mail client's RFC 8058 one-click) unsubscribes. No login:
//! the signed token is the only authority, so the page works from any inbox.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

use crate::domain::Error;
use crate::server::services::{Context, unsubscribes};
use crate::server::state::AppState;

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/u/{token}", get(show).post(confirm))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"robots\" content=\"noindex\"><title>{title}</title>\
         <style>body{{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#0f172a;line-height:1.5}}\
         button{{font:inherit;padding:.5rem 1rem;border-radius:.375rem;border:0;background:#4f46e5;color:#fff;cursor:pointer}}</style></head>\
         <body><h1>{title}</h1>{body}</body></html>"
    );
    (status, Html(html)).into_response()
}

fn failed(e: Error) -> Response {
    match e {
        Error::NotFound(_) => page(
            StatusCode::NOT_FOUND,
            "This link does not work",
            "<p>It may have been cut off or changed. Use the unsubscribe link from the email itself.</p>",
        ),
        other => {
            tracing::error!(error = %other, "unsubscribe failed");
            page(
                StatusCode::SERVICE_UNAVAILABLE,
                "Please try again",
                "<p>We could not record this just now. Nothing else was changed; the link will still work.</p>",
            )
        }
    }
}

async fn show(State(ctx): State<Context>, Path(token): Path<String>) -> Response {
    match unsubscribes::look_up(&ctx, &token).await {
        Err(e) => failed(e),
        Ok(l) if l.already => page(
            StatusCode::OK,
            "You are unsubscribed",
            &format!(
                "<p>{} will not get marketing email from {} any more.</p>",
                escape(&l.masked_email),
                escape(&l.workspace_name)
            ),
        ),
        Ok(l) => page(
            StatusCode::OK,
            "Unsubscribe?",
            &format!(
                "<p>Stop marketing email from {} to {}?</p><form method=\"post\"><button type=\"submit\">Unsubscribe</button></form>",
                escape(&l.workspace_name),
                escape(&l.masked_email)
            ),
        ),
    }
}

async fn confirm(State(ctx): State<Context>, Path(token): Path<String>) -> Response {
    match unsubscribes::confirm(&ctx, &token).await {
        Err(e) => failed(e),
        Ok(l) => page(
            StatusCode::OK,
            "You are unsubscribed",
            &format!(
                "<p>{} will not get marketing email from {} any more.</p>",
                escape(&l.masked_email),
                escape(&l.workspace_name)
            ),
        ),
    }
}
