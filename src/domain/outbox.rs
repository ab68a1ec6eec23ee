//! The sandbox outbox: what a `sandbox` sender would have delivered, kept whole.

use serde::{Deserialize, Serialize};

use super::ids::{ConnectorId, ContactId, SequenceId};
use super::pagination::{Keyed, Position};
use super::time::Timestamp;

/// One message a sandbox sender accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxMessage {
    /// Its `Message-ID`.
    pub message_id: String,
    /// The sandbox connector.
    pub connector_id: ConnectorId,
    /// The sequence it belongs to.
    pub sequence_id: SequenceId,
    /// The recipient.
    pub contact_id: ContactId,
    /// The step.
    pub step_index: u32,
    /// The recipient's address.
    pub to_address: String,
    /// The subject as sent.
    pub subject: String,
    /// The whole RFC 5322 message, headers and body.
    pub raw: String,
    /// When it was "sent".
    pub created_at: Timestamp,
}

impl Keyed for OutboxMessage {
    fn position(&self) -> Position {
        Position {
            created_at: self.created_at,
            id: self.message_id.clone(),
        }
    }
}
