//! Outgoing mail as the sequencer will send it: one RFC 5322 message per step, with the
//! headers that thread follow-ups and let people leave, and signed unsubscribe links.

pub mod compose;
pub mod unsubscribe;
