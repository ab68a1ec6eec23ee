//! Typed, prefixed ids: `key_01JD…`, `cmp_01JD…`. The prefix tells a reader (and a parser)
//! what kind of thing an id names, so a campaign id can never be passed as a key id.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// An id's text did not have the expected prefix and ULID body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid {kind} id (expected `{prefix}_` followed by 26 characters)")]
pub struct BadId {
    /// What the id should have named, e.g. "api key".
    pub kind: &'static str,
    /// The expected prefix without the underscore.
    pub prefix: &'static str,
}

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident, $prefix:literal, $kind:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// The prefix this kind of id carries, without the underscore.
            pub const PREFIX: &'static str = $prefix;

            /// A new, time-ordered id (made on the server only).
            #[cfg(feature = "ssr")]
            pub fn generate() -> Self {
                Self(format!("{}_{}", $prefix, ulid::Ulid::new().to_string().to_lowercase()))
            }

            /// The id as text, prefix included.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = BadId;
            fn from_str(s: &str) -> Result<Self, BadId> {
                let bad = || BadId { kind: $kind, prefix: $prefix };
                let body = s.strip_prefix(concat!($prefix, "_")).ok_or_else(bad)?;
                if body.len() == 26 && ulid::Ulid::from_string(body).is_ok() {
                    Ok(Self(s.to_ascii_lowercase()))
                } else {
                    Err(bad())
                }
            }
        }

        impl TryFrom<String> for $name {
            type Error = BadId;
            fn try_from(s: String) -> Result<Self, BadId> {
                s.parse()
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

typed_id!(/// A workspace (tenant).
    WorkspaceId, "wsp", "workspace");
typed_id!(/// A person who can log in.
    UserId, "usr", "user");
typed_id!(/// An API key.
    ApiKeyId, "key", "api key");
typed_id!(/// An audit log entry.
    AuditEntryId, "aud", "audit entry");
typed_id!(/// A brand.
    BrandId, "brd", "brand");
typed_id!(/// A contact.
    ContactId, "ctc", "contact");
typed_id!(/// A segment.
    SegmentId, "seg", "segment");
typed_id!(/// A connector.
    ConnectorId, "cnr", "connector");
typed_id!(/// A campaign.
    CampaignId, "cmp", "campaign");
typed_id!(/// An email sequence.
    SequenceId, "seq", "email sequence");
typed_id!(/// An approval request.
    ApprovalId, "apr", "approval");
typed_id!(/// An event (a conversion, reply, bounce or unsubscribe).
    EventId, "evt", "event");
typed_id!(/// A background job.
    JobId, "job", "job");
typed_id!(/// An outgoing-webhook endpoint.
    WebhookEndpointId, "whk", "webhook endpoint");
typed_id!(/// One event sent to one webhook endpoint.
    WebhookDeliveryId, "whd", "webhook delivery");
typed_id!(/// An event as webhooks carry it (the same id on every endpoint and redelivery).
    WebhookEventId, "wev", "webhook event");
typed_id!(/// An ad creative.
    AdCreativeId, "cre", "ad creative");
typed_id!(/// An ad campaign (the platform-side launch of a campaign).
    AdCampaignId, "adc", "ad campaign");
typed_id!(/// A blog draft.
    DraftId, "drf", "blog draft");
typed_id!(/// A publish job (one approved publish of a blog draft to a CMS).
    PublishJobId, "pub", "publish job");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_carry_their_prefix_and_parse_back() {
        let id = ApiKeyId::generate();
        assert!(id.as_str().starts_with("key_"));
        assert_eq!(id.as_str().parse::<ApiKeyId>().unwrap(), id);
    }

    #[test]
    fn an_id_of_another_kind_does_not_parse() {
        let user = UserId::generate();
        let err = user.as_str().parse::<ApiKeyId>().unwrap_err();
        assert_eq!(err.kind, "api key");
    }

    #[test]
    fn garbage_and_truncated_ids_do_not_parse() {
        assert!("key_".parse::<ApiKeyId>().is_err());
        assert!("key_123".parse::<ApiKeyId>().is_err());
        assert!(
            "key_01jd00000000000000000000!!"
                .parse::<ApiKeyId>()
                .is_err()
        );
        assert!("".parse::<ApiKeyId>().is_err());
    }

    #[test]
    fn ids_are_case_insensitive_and_normalised_to_lowercase() {
        let id = ApiKeyId::generate();
        let upper = format!("key_{}", &id.as_str()[4..].to_uppercase());
        assert_eq!(upper.parse::<ApiKeyId>().unwrap(), id);
    }
}
