//! Enrollments: who an approved sequence goes to, pinned as the approval saw them. The
//! address and the values the templates use are copied at approval, so a contact edited
//! afterwards never changes where a message of that run goes or what it says.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::contact::Contact;
use super::ids::ContactId;

/// A recipient's data as a template sees it: the address and the standard and custom
/// fields. For an enrollment, the values at approval time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recipient {
    /// The contact.
    pub contact_id: ContactId,
    /// The address mail goes to.
    pub email: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Company.
    pub company: String,
    /// Company web domain.
    pub domain: String,
    /// Job title.
    pub title: String,
    /// Custom fields (for an enrollment: only those the templates use).
    pub fields: BTreeMap<String, String>,
}

impl Recipient {
    /// A contact's current data.
    pub fn of(contact: &Contact) -> Self {
        Self {
            contact_id: contact.id.clone(),
            email: contact.email.to_string(),
            first_name: contact.first_name.clone(),
            last_name: contact.last_name.clone(),
            company: contact.company.clone(),
            domain: contact.domain.clone(),
            title: contact.title.clone(),
            fields: contact.custom_fields.clone(),
        }
    }

    /// "First Last", trimmed (empty when both are).
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
            .trim()
            .to_owned()
    }
}

/// What an approver is shown of an audience: how many recipients, and a digest of every
/// recipient's id and address. Two audiences with the same fingerprint are the same people
/// at the same addresses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AudienceFingerprint {
    /// Recipients.
    pub count: i64,
    /// SHA-256 (hex) over the sorted `(contact id, address)` pairs.
    pub digest: String,
}

#[cfg(feature = "ssr")]
impl AudienceFingerprint {
    /// The fingerprint of `members` as `(contact id, address)` pairs, in any order (each
    /// contact once).
    pub fn of<'a>(members: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut pairs: Vec<(&str, &str)> = members.into_iter().collect();
        pairs.sort_unstable();
        let mut fingerprint = FingerprintBuilder::default();
        for (id, email) in pairs {
            fingerprint.push(id, email);
        }
        fingerprint.finish()
    }
}

/// A fingerprint built one member at a time, for audiences read in contact id order
/// (bytewise) without holding them: the same digest [`AudienceFingerprint::of`] gives.
#[cfg(feature = "ssr")]
#[derive(Default)]
pub struct FingerprintBuilder {
    hash: sha2::Sha256,
    count: i64,
    last_id: String,
}

#[cfg(feature = "ssr")]
impl FingerprintBuilder {
    /// Adds the next member; ids must come in ascending bytewise order, each once.
    pub fn push(&mut self, id: &str, email: &str) {
        use sha2::Digest;
        debug_assert!(
            self.count == 0 || id > self.last_id.as_str(),
            "members out of id order: {id} after {}",
            self.last_id
        );
        self.last_id.clear();
        self.last_id.push_str(id);
        self.hash.update(id.as_bytes());
        self.hash.update(b"\t");
        self.hash.update(email.as_bytes());
        self.hash.update(b"\n");
        self.count += 1;
    }

    /// The fingerprint of everyone pushed.
    pub fn finish(self) -> AudienceFingerprint {
        use sha2::Digest;
        AudienceFingerprint {
            count: self.count,
            digest: hex::encode(self.hash.finalize()),
        }
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn a_fingerprint_ignores_order_but_sees_every_member_and_address() {
        let a = AudienceFingerprint::of([("ctc_1", "a@x.test"), ("ctc_2", "b@x.test")]);
        let same = AudienceFingerprint::of([("ctc_2", "b@x.test"), ("ctc_1", "a@x.test")]);
        assert_eq!(a, same);
        assert_eq!(a.count, 2);
        let moved = AudienceFingerprint::of([("ctc_1", "a@x.test"), ("ctc_2", "c@x.test")]);
        assert_ne!(a.digest, moved.digest);
        let more = AudienceFingerprint::of([
            ("ctc_1", "a@x.test"),
            ("ctc_2", "b@x.test"),
            ("ctc_3", "c@x.test"),
        ]);
        assert_ne!(a.digest, more.digest);
        assert_eq!(more.count, 3);
    }

    #[test]
    fn a_fingerprint_built_in_id_order_equals_one_of_the_whole_list() {
        let members = [
            ("ctc_3", "c@x.test"),
            ("ctc_1", "a@x.test"),
            ("ctc_2", "b@x.test"),
        ];
        let mut built = FingerprintBuilder::default();
        for (id, email) in [members[1], members[2], members[0]] {
            built.push(id, email);
        }
        assert_eq!(built.finish(), AudienceFingerprint::of(members));
        assert_eq!(
            FingerprintBuilder::default().finish(),
            AudienceFingerprint::of([])
        );
    }
}
