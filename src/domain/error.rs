//! The one error type of the domain and the services built on it.

use serde::{Deserialize, Serialize};

use super::actor::Scope;

/// One invalid input field and what is wrong with it, in words a user can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// The field's name as the client sent it (`scopes`, `expires_at`, `email`).
    pub field: String,
    /// What is wrong, e.g. "must be at most 100 characters".
    pub message: String,
}

impl FieldError {
    /// A field error for `field` with `message`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Everything that can go wrong in a use case. `Display` is safe to show a user.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// One or more input fields are invalid; nothing was changed.
    #[error("{}", invalid_summary(.0))]
    Invalid(Vec<FieldError>),
    /// The thing does not exist in this workspace (foreign ids look exactly the same).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The thing is in a state that does not allow this, or the edit is stale.
    #[error("{0}")]
    Conflict(String),
    /// An edit made at a version someone else already moved past; `current` is the thing
    /// as it is now (its JSON), so the client can show both and merge.
    #[error("{message}")]
    StaleEdit {
        /// What happened, safe to show.
        message: String,
        /// The current state, as the API shows it.
        current: Box<serde_json::Value>,
    },
    /// The audience an approval request was shown with is not the audience now: the
    /// approver would enroll people they never saw. Refresh the preview and review it.
    #[error(
        "the audience changed since the preview: it showed {previewed} recipients, it would now enroll {current}; refresh the preview and review it before approving"
    )]
    AudienceChanged {
        /// Recipients the preview showed.
        previewed: i64,
        /// Recipients who would be enrolled now.
        current: i64,
    },
    /// No valid credentials were presented.
    #[error("authentication required")]
    Unauthenticated,
    /// The credentials are valid but lack the permission this needs.
    #[error("this needs the `{0}` permission")]
    ForbiddenScope(Scope),
    /// Only a human approver (or a key holding `marketing:approve`) may do this.
    #[error("approval required: an approver must decide this in the console at {page}")]
    ApprovalRequired {
        /// The console path where a human approver can decide.
        page: String,
    },
    /// Too many requests for this key; try again after the given number of seconds.
    #[error("rate limit exceeded; retry in {retry_after_secs} s")]
    RateLimited {
        /// Seconds until a request will be accepted again.
        retry_after_secs: u64,
    },
    /// The `Idempotency-Key` was used before with a different request.
    #[error("this Idempotency-Key was already used with a different request")]
    IdempotencyMismatch,
    /// An outside provider failed or answered nonsense.
    #[error("the provider failed: {0}")]
    Upstream(String),
    /// Something broke inside; the cause is logged, never shown.
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

fn invalid_summary(errors: &[FieldError]) -> String {
    let fields: Vec<String> = errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect();
    format!("invalid input ({})", fields.join("; "))
}

impl Error {
    /// A single-field validation error.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError::new(field, message)])
    }

    /// The conflict of an edit made against an old `version` of `what` ("brand", "segment").
    pub fn stale(what: &str, version: i64) -> Self {
        Self::Conflict(format!(
            "this {what} was changed since version {version}; reload and try again"
        ))
    }

    /// Both values, or one error naming the invalid fields of both (so a 422 lists every
    /// bad parameter at once); any other error wins as it is.
    pub fn both<A, B>(a: Result<A, Error>, b: Result<B, Error>) -> Result<(A, B), Error> {
        match (a, b) {
            (Ok(a), Ok(b)) => Ok((a, b)),
            (Err(Error::Invalid(mut x)), Err(Error::Invalid(y))) => {
                x.extend(y);
                Err(Error::Invalid(x))
            }
            (Err(e), _) | (_, Err(e)) => Err(e),
        }
    }

    /// Wraps an infrastructure failure whose details must stay in the logs.
    pub fn internal(source: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Internal(Box::new(source))
    }
}

/// Collects field errors while parsing a command, so one answer names every bad field.
#[derive(Debug, Default)]
pub struct Errors(Vec<FieldError>);

impl Errors {
    /// An empty collector.
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps the value of `result`, or records its field errors and returns `None`.
    pub fn check<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(e);
                None
            }
        }
    }

    /// Records an error directly.
    pub fn push(&mut self, error: FieldError) {
        self.0.push(error);
    }

    /// `Ok(())` when nothing was recorded, else `Error::Invalid` with every field.
    pub fn finish(self) -> Result<(), Error> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid(self.0))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_errors_name_every_field_in_their_message() {
        let e = Error::Invalid(vec![
            FieldError::new("name", "must not be empty"),
            FieldError::new("scopes", "unknown scope `x`"),
        ]);
        let text = e.to_string();
        assert!(text.contains("name: must not be empty"));
        assert!(text.contains("scopes: unknown scope `x`"));
    }

    #[test]
    fn collector_finishes_ok_only_without_errors() {
        let mut errors = Errors::new();
        assert_eq!(errors.check::<u8>(Ok(1)), Some(1));
        assert!(Errors::new().finish().is_ok());
        errors.check::<u8>(Err(FieldError::new("a", "bad")));
        assert!(matches!(errors.finish(), Err(Error::Invalid(v)) if v.len() == 1));
    }
}
