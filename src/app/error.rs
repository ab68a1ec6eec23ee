//! The error a server function returns to the browser.

use std::fmt;

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

use crate::domain::FieldError;

/// What the console shows when a server function fails. Built on the server from the
/// domain error (see `server::errors::ui_error`), so its text is always safe to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum UiError {
    /// The use case refused or failed.
    Failed {
        /// The same machine code the JSON API uses (`validation_failed`, `conflict`, …).
        code: String,
        /// A sentence for the person.
        message: String,
        /// For `validation_failed`: each invalid field.
        fields: Vec<FieldError>,
        /// For `rate_limited`: seconds until trying again can succeed.
        #[serde(default)]
        retry_after_secs: Option<u64>,
    },
    /// The call itself did not get through (network, encoding).
    Transport(String),
}

impl UiError {
    /// The message for one field, if that field was invalid.
    pub fn field(&self, name: &str) -> Option<String> {
        match self {
            UiError::Failed { fields, .. } => fields
                .iter()
                .find(|f| f.field == name)
                .map(|f| f.message.clone()),
            UiError::Transport(_) => None,
        }
    }

    /// For `rate_limited`: seconds until trying again can succeed.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            UiError::Failed {
                retry_after_secs, ..
            } => *retry_after_secs,
            UiError::Transport(_) => None,
        }
    }

    /// What a page shows for an id that names nothing here.
    pub fn not_found(what: &str) -> Self {
        UiError::Failed {
            code: "not_found".into(),
            message: format!("{what} not found"),
            fields: Vec::new(),
            retry_after_secs: None,
        }
    }

    /// True when the person must log in (again).
    pub fn is_unauthenticated(&self) -> bool {
        matches!(self, UiError::Failed { code, .. } if code == "unauthorized")
    }
}

impl fmt::Display for UiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UiError::Failed {
                message, fields, ..
            } if !fields.is_empty() => {
                let parts: Vec<String> = fields
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.message))
                    .collect();
                let _ = message;
                write!(f, "Please check: {}", parts.join("; "))
            }
            UiError::Failed { message, .. } => f.write_str(message),
            UiError::Transport(message) => {
                write!(f, "The server could not be reached ({message}). Try again.")
            }
        }
    }
}

impl std::error::Error for UiError {}

/// The id in a page's address: a malformed one is "not found", exactly like a foreign one.
pub fn route_id<T: std::str::FromStr>(text: &str, what: &str) -> Result<T, UiError> {
    text.parse().map_err(|_| UiError::not_found(what))
}

impl FromServerFnError for UiError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        // On the server these are the caller's arguments failing to parse (a malformed id,
        // a missing field): the caller's mistake, answered like the API's 422.
        #[cfg(feature = "ssr")]
        if let ServerFnErrorErr::Args(m)
        | ServerFnErrorErr::MissingArg(m)
        | ServerFnErrorErr::Deserialization(m) = &value
        {
            return crate::server::errors::ui_error(crate::domain::Error::invalid(
                "arguments",
                m.trim_start_matches("error deserializing server function arguments: ")
                    .to_owned(),
            ));
        }
        UiError::Transport(value.to_string())
    }
}
