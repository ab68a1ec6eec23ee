//! Unsubscribe links: a token naming the contact and the sequence, signed with HMAC-SHA256,
//! so it cannot be forged or guessed from another contact's link.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::domain::ids::{ContactId, SequenceId};

type Signer = Hmac<Sha256>;

const CONTEXT: &[u8] = b"tenex unsubscribe v1\0";

/// Signs and checks unsubscribe tokens with one server-wide key.
#[derive(Clone)]
pub struct UnsubscribeKey([u8; 32]);

impl std::fmt::Debug for UnsubscribeKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UnsubscribeKey(..)")
    }
}

/// Who a valid token unsubscribes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsubscribe {
    /// The contact.
    pub contact_id: ContactId,
    /// The sequence whose mail carried the link.
    pub sequence_id: SequenceId,
}

impl UnsubscribeKey {
    /// A key of 32 bytes (derive it from the server's secret; never reuse it raw elsewhere).
    pub fn new(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    fn signer(&self) -> Signer {
        let mut mac = Signer::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(CONTEXT);
        mac
    }

    /// The token for a contact and a sequence.
    pub fn token(&self, contact: &ContactId, sequence: &SequenceId) -> String {
        let payload = format!("{contact}.{sequence}");
        let mut mac = self.signer();
        mac.update(payload.as_bytes());
        let sig = mac.finalize().into_bytes();
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(payload),
            URL_SAFE_NO_PAD.encode(sig)
        )
    }

    /// Who `token` unsubscribes, or `None` when it is not one this key signed.
    pub fn check(&self, token: &str) -> Option<Unsubscribe> {
        let (payload, sig) = token.split_once('.')?;
        let payload = URL_SAFE_NO_PAD.decode(payload).ok()?;
        let sig = URL_SAFE_NO_PAD.decode(sig).ok()?;
        let mut mac = self.signer();
        mac.update(&payload);
        mac.verify_slice(&sig).ok()?;
        let text = String::from_utf8(payload).ok()?;
        let (contact, sequence) = text.split_once('.')?;
        Some(Unsubscribe {
            contact_id: contact.parse().ok()?,
            sequence_id: sequence.parse().ok()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> (ContactId, SequenceId) {
        (ContactId::generate(), SequenceId::generate())
    }

    #[test]
    fn a_token_names_its_contact_and_sequence() {
        let key = UnsubscribeKey::new([7; 32]);
        let (c, s) = ids();
        let t = key.token(&c, &s);
        assert_eq!(
            key.check(&t),
            Some(Unsubscribe {
                contact_id: c,
                sequence_id: s
            })
        );
        assert!(
            t.chars()
                .all(|ch| ch.is_ascii_alphanumeric() || "-_.".contains(ch))
        );
    }

    #[test]
    fn forged_altered_and_foreign_tokens_are_refused() {
        let key = UnsubscribeKey::new([7; 32]);
        let (c, s) = ids();
        let t = key.token(&c, &s);
        // Another contact's id with this signature.
        let (other, _) = ids();
        let forged = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(format!("{other}.{s}")),
            t.split_once('.').unwrap().1
        );
        assert_eq!(key.check(&forged), None);
        assert_eq!(UnsubscribeKey::new([8; 32]).check(&t), None);
        assert_eq!(key.check(&t[..t.len() - 2]), None);
        assert_eq!(key.check("garbage"), None);
        assert_eq!(key.check(""), None);
    }
}
