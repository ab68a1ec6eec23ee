//! Server functions: the console's door into the use cases. Each one extracts the session's
//! actor, calls one service and shapes the answer; none holds a rule of its own.

pub mod ad_campaigns;
pub mod ad_creatives;
pub mod api_keys;
pub mod approvals;
pub mod audit_log;
pub mod blog;
pub mod brands;
pub mod campaigns;
pub mod connectors;
pub mod crm;
pub mod jobs;
pub mod rollups;
pub mod runs;
pub mod sequences;
pub mod session;
pub mod settings;
pub mod suppressions;
pub mod webhooks;

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use leptos::prelude::use_context;
    use tower_sessions::Session;

    use crate::app::error::UiError;
    use crate::domain::Error;
    use crate::domain::actor::Actor;
    use crate::server::auth::session;
    use crate::server::services::accounts::Me;
    use crate::server::state::AppState;

    /// The server's shared state, provided to every server function by leptos_axum.
    pub fn state() -> Result<AppState, UiError> {
        use_context::<AppState>().ok_or_else(|| {
            Error::internal(std::io::Error::other(
                "AppState missing from the Leptos context",
            ))
            .into()
        })
    }

    /// The browser session of this request.
    pub async fn session() -> Result<Session, UiError> {
        leptos_axum::extract::<Session>()
            .await
            .map_err(|e| Error::internal(std::io::Error::other(e.to_string())).into())
    }

    /// The address this request comes from (see `server::auth::client`).
    pub fn client_address(state: &AppState) -> Option<std::net::IpAddr> {
        use_context::<axum::http::request::Parts>().and_then(|parts| {
            crate::server::auth::client::client_address(&parts, state.settings.trust_forwarded_for)
        })
    }

    /// A console decision form (`approve` or `reject`, the version shown, the note) as the
    /// gate's input.
    pub fn decision_form(
        decision: &str,
        version: i64,
        note: Option<String>,
    ) -> Result<
        (
            crate::domain::approval::Decision,
            crate::domain::approval::DecisionInput,
        ),
        UiError,
    > {
        let decision = decision
            .parse()
            .map_err(|m: String| Error::invalid("decision", m))?;
        let input = crate::domain::approval::DecisionInput {
            version: Some(version),
            note,
            acknowledge_warnings: false,
        };
        Ok((decision, input))
    }

    /// The state and the logged-in actor, or `unauthorized`. A page rendered on the server
    /// takes the actor its request's login check already resolved.
    pub async fn actor() -> Result<(AppState, Actor), UiError> {
        let (state, actor, _) = member().await?;
        Ok((state, actor))
    }

    /// The state, the logged-in actor and who they are, as [`actor`].
    pub async fn member() -> Result<(AppState, Actor, Me), UiError> {
        let state = state()?;
        let resolved = use_context::<axum::http::request::Parts>().and_then(|parts| {
            parts
                .extensions
                .get::<session::ResolvedActor>()
                .map(|r| (r.0.clone(), r.1.clone()))
        });
        if let Some((actor, me)) = resolved {
            return Ok((state, actor, me));
        }
        let session = session().await?;
        let (actor, me) = session::member(&state.ctx, &session).await?;
        Ok((state, actor, me))
    }
}
