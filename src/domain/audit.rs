//! The audit log: who changed what, when.

use serde::{Deserialize, Serialize};

use super::actor::Principal;
use super::ids::AuditEntryId;
use super::pagination::{Keyed, Position};
use super::time::Timestamp;

/// One recorded state change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// The entry's id.
    pub id: AuditEntryId,
    /// Who did it.
    pub actor: Principal,
    /// The actor's email, for people reading the log.
    pub actor_email: String,
    /// What was done, as `noun.verb` (`api_key.minted`).
    pub action: String,
    /// The kind of thing changed (`api_key`).
    pub subject_type: String,
    /// The id of the thing changed.
    pub subject_id: String,
    /// A short human summary.
    pub summary: String,
    /// When it happened.
    pub created_at: Timestamp,
}

impl Keyed for AuditEntry {
    fn position(&self) -> Position {
        Position {
            created_at: self.created_at,
            id: self.id.to_string(),
        }
    }
}

/// A change to record, written in the same transaction as the change itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    /// `noun.verb`.
    pub action: &'static str,
    /// The kind of thing changed.
    pub subject_type: &'static str,
    /// The id of the thing changed.
    pub subject_id: String,
    /// A short human summary.
    pub summary: String,
}
