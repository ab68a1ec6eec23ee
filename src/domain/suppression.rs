//! The workspace suppression list: addresses never to be mailed, whatever happens to the
//! contacts that carried them. Unsubscribes, hard bounces and complaints land here; deleting
//! or re-importing a contact never takes an address off it, only an admin does.

use serde::{Deserialize, Serialize};

use super::error::{Error, Errors, FieldError};
use super::pagination::{Keyed, Position};
use super::time::Timestamp;
use super::user::Email;
use super::wire::wire_enum;

/// Longest note kept with a suppression.
pub const NOTE_MAX: usize = 500;

wire_enum!(
    /// Why an address is suppressed.
    SuppressionReason {
        /// The recipient unsubscribed.
        Unsubscribe => "unsubscribe",
        /// Mail to the address bounced for good.
        HardBounce => "hard_bounce",
        /// The recipient marked mail as spam.
        Complaint => "complaint",
        /// Someone added it by hand.
        Manual => "manual",
    }
);

/// One suppressed address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suppression {
    /// The normalised address.
    pub email: String,
    /// Why.
    pub reason: SuppressionReason,
    /// Who or what added it, in words (empty when the recipient did).
    pub note: String,
    /// The person who added it by hand (or whose key did).
    pub created_by_email: Option<String>,
    /// Since when.
    pub created_at: Timestamp,
}

impl Keyed for Suppression {
    fn position(&self) -> Position {
        Position {
            created_at: self.created_at,
            id: self.email.clone(),
        }
    }
}

/// An address to suppress, as a client sent it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema, schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SuppressionInput {
    /// The address.
    pub email: Option<String>,
    /// `unsubscribe`, `hard_bounce`, `complaint` or `manual` (default).
    pub reason: Option<String>,
    /// Why, up to 500 characters.
    pub note: Option<String>,
}

/// A checked suppression to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSuppression {
    /// The normalised address.
    pub email: Email,
    /// Why.
    pub reason: SuppressionReason,
    /// Why, in words.
    pub note: String,
}

impl SuppressionInput {
    /// Checks every field, naming each bad one.
    pub fn parse(&self) -> Result<NewSuppression, Error> {
        let mut errors = Errors::new();
        let email = match self.email.as_deref() {
            None => {
                errors.push(FieldError::new("email", "is required"));
                None
            }
            Some(e) => errors.check(Email::parse("email", e)),
        };
        let reason = match self
            .reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
        {
            None => Some(SuppressionReason::Manual),
            Some(r) => errors.check(r.parse().map_err(|m: String| FieldError::new("reason", m))),
        };
        let note = self.note.as_deref().unwrap_or_default().trim().to_owned();
        if note.chars().count() > NOTE_MAX {
            errors.push(FieldError::new(
                "note",
                format!("must be at most {NOTE_MAX} characters"),
            ));
        }
        errors.finish()?;
        Ok(NewSuppression {
            email: email.expect("checked"),
            reason: reason.expect("checked"),
            note,
        })
    }
}

/// A search of the list: part of an address.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SuppressionFilter {
    /// Addresses containing this text (lowercased).
    pub q: Option<String>,
}

impl SuppressionFilter {
    /// The filter for `?q=` as sent.
    pub fn parse(q: Option<&str>) -> Result<Self, Error> {
        let q = q.map(str::trim).filter(|q| !q.is_empty());
        if q.is_some_and(|q| q.chars().count() > 254) {
            return Err(Error::invalid("q", "must be at most 254 characters"));
        }
        Ok(Self {
            q: q.map(str::to_lowercase),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_normalised_and_the_reason_defaults_to_manual() {
        let s = SuppressionInput {
            email: Some("  Ada@Example.COM ".into()),
            ..Default::default()
        }
        .parse()
        .unwrap();
        assert_eq!(s.email.as_str(), "ada@example.com");
        assert_eq!(s.reason, SuppressionReason::Manual);
    }

    #[test]
    fn every_bad_field_is_named() {
        let Err(Error::Invalid(fields)) = SuppressionInput {
            email: Some("not an address".into()),
            reason: Some("annoyed".into()),
            note: Some("x".repeat(NOTE_MAX + 1)),
        }
        .parse() else {
            panic!("expected a 422")
        };
        let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names, ["email", "reason", "note"]);
    }
}
