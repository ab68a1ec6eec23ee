//! Workspaces (tenants) and the memberships that give people a role in one.

use serde::{Deserialize, Serialize};

use super::actor::Role;
use super::error::FieldError;
use super::ids::WorkspaceId;

/// Longest workspace name accepted.
pub const NAME_MAX: usize = 80;

/// A workspace's display name: trimmed, non-empty, at most 80 characters.
pub fn parse_name(text: &str) -> Result<String, FieldError> {
    let name = text.trim();
    if name.is_empty() {
        Err(FieldError::new("workspace", "must not be empty"))
    } else if name.chars().count() > NAME_MAX {
        Err(FieldError::new(
            "workspace",
            format!("must be at most {NAME_MAX} characters"),
        ))
    } else if name.chars().any(char::is_control) {
        Err(FieldError::new(
            "workspace",
            "must not contain control characters",
        ))
    } else {
        Ok(name.to_owned())
    }
}

/// A tenant: everything else belongs to exactly one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Workspace {
    /// The workspace's id.
    pub id: WorkspaceId,
    /// Its display name, unique on this installation.
    pub name: String,
}

/// A person's place in one workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    /// The workspace.
    pub workspace: Workspace,
    /// What they may do there.
    pub role: Role,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(parse_name("  Acme ").unwrap(), "Acme");
        assert!(parse_name("  ").is_err());
        assert!(parse_name(&"x".repeat(NAME_MAX + 1)).is_err());
    }
}
