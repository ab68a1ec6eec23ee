//! The MCP server at `/mcp` (Streamable HTTP): the marketing operations as tools for LLM
//! clients, behind the same bearer keys, scopes and rate limit as `/api/v1`. Every tool calls
//! the services the JSON routes call, so the approval gate is the same gate: a key without
//! `marketing:approve` can preview, request and edit, never approve.
//!
//! Requests are served statelessly (no session kept between POSTs) and answered as JSON:
//! each POST is authenticated on its own, and a server restart loses nothing.

mod answer;
mod args;
mod call;
mod prompts;
mod resources;
mod tools;

use std::future::Future;

use axum::Router;
use axum::middleware::from_fn_with_state;
use rmcp::handler::server::router::prompt::PromptRouter;
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::model::{CallToolResult, Implementation, ServerCapabilities, ServerConfig};
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{ServerHandler, prompt_handler, tool_handler};

use crate::domain::Error;
use crate::server::auth::api_key::authenticate;
use crate::server::services::Context;
use crate::server::state::AppState;
use answer::{Answer, reply};

/// What an agent is told when it connects.
const INSTRUCTIONS: &str = "Tenex Marketing: email sequences, ad campaigns and blog posts for CRM \
segments. Anything that reaches a person, spends money or goes public waits for a human approver: \
preview_email_sequence, launch_ad_campaign and publish_blog_draft only ask for approval and send, \
spend or publish nothing. approve_email_sequence and reject_email_sequence work only for keys a \
human admin gave marketing:approve; otherwise the answer names the console page where a person \
decides. Start from list_segments and list_brands, then preview, then tell the user where to \
approve. Every answer is JSON with the ids the next tool takes.";

/// The MCP server of one request: the services' context and where the console is.
#[derive(Clone)]
pub struct Tenex {
    ctx: Context,
    console_url: String,
    tool_router: ToolRouter<Self>,
    prompt_router: PromptRouter<Self>,
}

impl Tenex {
    fn new(ctx: Context, console_url: String) -> Self {
        Self {
            ctx,
            console_url,
            tool_router: Self::workspace_tools()
                + Self::email_tools()
                + Self::ad_tools()
                + Self::blog_tools(),
            prompt_router: Self::prompt_router(),
        }
    }

    /// The console address of `page`.
    fn console(&self, page: &str) -> String {
        format!("{}{page}", self.console_url)
    }

    /// The tool result of a use case.
    async fn answer(&self, run: impl Future<Output = Result<Answer, Error>>) -> CallToolResult {
        reply(run.await, &self.console_url)
    }
}

#[tool_handler(router = self.tool_router)]
#[prompt_handler(router = self.prompt_router)]
impl ServerHandler for Tenex {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_resources()
                .enable_prompts()
                .build(),
        )
        .with_server_info(Implementation::new(
            "tenex-marketing",
            env!("CARGO_PKG_VERSION"),
        ))
        .with_instructions(INSTRUCTIONS)
    }

    async fn list_resources(
        &self,
        _request: Option<rmcp::model::PaginatedRequestParams>,
        _context: rmcp::service::RequestContext<rmcp::RoleServer>,
    ) -> Result<rmcp::model::ListResourcesResult, rmcp::ErrorData> {
        Ok(resources::list())
    }

    async fn read_resource(
        &self,
        request: rmcp::model::ReadResourceRequestParams,
        context: rmcp::service::RequestContext<rmcp::RoleServer>,
    ) -> Result<rmcp::model::ReadResourceResponse, rmcp::ErrorData> {
        resources::read(self, &request.uri, &context).await
    }
}

/// The authority (`host[:port]`) of an origin, and the origin with its port spelt out.
fn host_and_origin(origin: &str) -> Option<(String, String)> {
    let (scheme, authority) = origin.split_once("://")?;
    if authority.is_empty() {
        return None;
    }
    let has_port = match authority.rfind(']') {
        Some(end) => authority[end..].contains(':'),
        None => authority.contains(':'),
    };
    let origin = if has_port {
        origin.to_owned()
    } else {
        let port = if scheme == "https" { 443 } else { 80 };
        format!("{origin}:{port}")
    };
    Some((authority.to_owned(), origin))
}

/// The Streamable HTTP settings: hosts allowed are this machine's loopback names and the
/// host of `TENEX_PUBLIC_URL` (a guard against DNS rebinding); a browser origin, when sent,
/// must be the console's own.
fn transport_config(public_origin: &str, max_body: usize) -> StreamableHttpServerConfig {
    let mut hosts = vec!["localhost".to_owned(), "127.0.0.1".into(), "::1".into()];
    let mut origins = Vec::new();
    if let Some((authority, origin)) = host_and_origin(public_origin) {
        hosts.push(authority);
        origins.push(origin);
    }
    StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_json_response(true)
        .with_allowed_hosts(hosts)
        .with_allowed_origins(origins)
        .enforce_origin_validation()
        .with_max_request_body_bytes(max_body)
}

/// `/mcp`: the bearer key is checked (401 with `WWW-Authenticate` otherwise) and the key's
/// rate limit applied before any MCP message is read.
pub fn router(state: &AppState) -> Router<AppState> {
    let ctx = state.ctx.clone();
    let console_url = state.settings.public_url.clone();
    let service = StreamableHttpService::new(
        move || Ok(Tenex::new(ctx.clone(), console_url.clone())),
        NeverSessionManager::default().into(),
        transport_config(
            state.settings.public_origin(),
            state.settings.max_body_bytes,
        ),
    );
    Router::new()
        .route_service("/mcp", service)
        .layer(from_fn_with_state(state.clone(), authenticate))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_public_origin_gives_the_host_and_an_origin_with_its_port() {
        assert_eq!(
            host_and_origin("https://console.example.com"),
            Some((
                "console.example.com".into(),
                "https://console.example.com:443".into()
            ))
        );
        assert_eq!(
            host_and_origin("http://127.0.0.1:3000"),
            Some(("127.0.0.1:3000".into(), "http://127.0.0.1:3000".into()))
        );
        assert_eq!(
            host_and_origin("http://[::1]:8080"),
            Some(("[::1]:8080".into(), "http://[::1]:8080".into()))
        );
        assert_eq!(host_and_origin("nonsense"), None);
    }
}
