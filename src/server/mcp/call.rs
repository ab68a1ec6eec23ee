//! What a tool call brings: the caller the bearer key authenticated and the arguments,
//! parsed like a JSON body so a bad one is a `validation_failed` naming the field.

use std::sync::Arc;

use rmcp::handler::server::common::FromContextPart;
use rmcp::handler::server::tool::{ToolCallContext, schema_for_input};
use rmcp::model::JsonObject;
use serde::de::DeserializeOwned;

use crate::domain::actor::Actor;
use crate::domain::{Error, FieldError};
use crate::server::api::extract::parse_json;

/// One tool call: who calls, and with what.
pub struct Call<T> {
    /// The key's actor, put in the request by the authentication layer before any MCP
    /// message was read.
    pub actor: Result<Actor, Error>,
    /// The arguments, or every problem with them.
    pub args: Result<T, Error>,
}

impl<T> Call<T> {
    /// Both, or the first problem.
    pub fn parts(self) -> Result<(Actor, T), Error> {
        Ok((self.actor?, self.args?))
    }
}

impl<S, T> FromContextPart<ToolCallContext<'_, S>> for Call<T>
where
    T: DeserializeOwned + schemars::JsonSchema + 'static,
{
    fn from_context_part(context: &mut ToolCallContext<S>) -> Result<Self, rmcp::ErrorData> {
        let actor = caller(&context.request_context.extensions);
        let arguments = context.arguments.take().unwrap_or_default();
        let args = only_known::<T>(&arguments).and_then(|()| {
            let bytes = serde_json::to_vec(&arguments).map_err(Error::internal)?;
            parse_json::<T>(&bytes).map_err(|e| Error::Invalid(vec![e]))
        });
        Ok(Self { actor, args })
    }
}

/// The key's actor, put in the HTTP request by the authentication layer; rmcp hands the
/// request's parts to every MCP request it serves.
pub fn caller(extensions: &rmcp::model::Extensions) -> Result<Actor, Error> {
    extensions
        .get::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Actor>())
        .cloned()
        .ok_or(Error::Unauthenticated)
}

/// Refuses arguments the tool does not take, naming each: arguments flattened from a domain
/// input type would otherwise pass unseen, and a misspelt flag must not be ignored.
fn only_known<T: schemars::JsonSchema + 'static>(arguments: &JsonObject) -> Result<(), Error> {
    let schema = schema::<T>();
    let known = schema.get("properties").and_then(|p| p.as_object());
    let takes = known.map_or_else(String::new, |k| {
        k.keys().map(String::as_str).collect::<Vec<_>>().join(", ")
    });
    let unknown: Vec<FieldError> = arguments
        .keys()
        .filter(|key| !known.is_some_and(|k| k.contains_key(*key)))
        .map(|key| {
            FieldError::new(
                key,
                format!("is not an argument of this tool (it takes {takes})"),
            )
        })
        .collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(Error::Invalid(unknown))
    }
}

/// The input schema of a tool taking `T`, from the same type the JSON route takes.
pub fn schema<T: schemars::JsonSchema + 'static>() -> Arc<JsonObject> {
    schema_for_input::<T>().unwrap_or_else(|e| panic!("the input schema of a tool: {e}"))
}
