//! People: email addresses and passwords as they are accepted.

use serde::{Deserialize, Serialize};

use super::error::FieldError;
use super::ids::UserId;

/// Longest email address accepted (RFC 5321's path limit).
pub const EMAIL_MAX: usize = 254;
/// Shortest password accepted.
pub const PASSWORD_MIN: usize = 10;
/// Longest password accepted (hashing cost grows with length).
pub const PASSWORD_MAX: usize = 256;

/// An email address, trimmed and lowercased so comparisons are case-insensitive.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    /// Accepts `local@domain.tld`-shaped addresses without spaces or control characters.
    pub fn parse(field: &str, text: &str) -> Result<Self, FieldError> {
        let text = text.trim();
        let bad = |msg: &str| Err(FieldError::new(field, msg));
        if text.is_empty() {
            return bad("must not be empty");
        }
        if text.len() > EMAIL_MAX {
            return bad("must be at most 254 characters");
        }
        let Some((local, domain)) = text.rsplit_once('@') else {
            return bad("must be an email address like name@example.com");
        };
        let plain =
            |s: &str| !s.is_empty() && !s.chars().any(|c| c.is_whitespace() || c.is_control());
        if !plain(local)
            || !plain(domain)
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
            || local.contains('@')
        {
            return bad("must be an email address like name@example.com");
        }
        Ok(Self(text.to_lowercase()))
    }

    /// The normalised address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A password good enough to hash and store. Never printed.
#[derive(Clone)]
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(…)")
    }
}

impl Password {
    /// Length rules only: long passphrases beat composition rules.
    pub fn parse(text: &str) -> Result<Self, FieldError> {
        let len = text.chars().count();
        if len < PASSWORD_MIN {
            Err(FieldError::new(
                "password",
                format!("must be at least {PASSWORD_MIN} characters"),
            ))
        } else if len > PASSWORD_MAX {
            Err(FieldError::new(
                "password",
                format!("must be at most {PASSWORD_MAX} characters"),
            ))
        } else {
            Ok(Self(text.to_owned()))
        }
    }

    /// The clear text, for the hasher only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// A person, as the console shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// The user's id.
    pub id: UserId,
    /// Login and contact address.
    pub email: Email,
    /// How the console names them.
    pub display_name: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_lowercased() {
        assert_eq!(
            Email::parse("email", "  Ana@Example.COM ")
                .unwrap()
                .as_str(),
            "ana@example.com"
        );
    }

    #[test]
    fn malformed_emails_name_the_field() {
        for bad in [
            "",
            "ana",
            "ana@",
            "@example.com",
            "ana@example",
            "a na@example.com",
            "ana@.com",
        ] {
            let err = Email::parse("email", bad).unwrap_err();
            assert_eq!(err.field, "email", "{bad}");
        }
    }

    #[test]
    fn short_passwords_are_refused_and_never_printed() {
        assert!(Password::parse("short").is_err());
        let p = Password::parse("correct horse battery").unwrap();
        assert!(!format!("{p:?}").contains("horse"));
    }
}
