//! Events clients report (`POST /events`): conversions, replies, bounces, unsubscribes. Each
//! carries the client's own id, so a retried event counts once.

use serde::{Deserialize, Serialize};

use super::error::{Error, Errors, FieldError};
use super::ids::{CampaignId, ContactId};
use super::text::required_line;
use super::time::Timestamp;
use super::user::Email;
use super::wire::wire_enum;

/// Largest conversion value accepted, in dollars.
pub const MAX_VALUE_USD: f64 = 10_000_000.0;

wire_enum!(
    /// What happened.
    EventKind {
        /// A contact converted (a demo booked, a deal won), optionally with a value.
        Conversion => "conversion",
        /// A contact replied.
        Reply => "reply",
        /// Mail to the contact bounced.
        Bounce => "bounce",
        /// The contact asked for no more mail.
        Unsubscribe => "unsubscribe",
    }
);

/// Who the event is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContactRef {
    /// By id.
    Id(ContactId),
    /// By address.
    Email(Email),
}

wire_enum!(
    /// Where an event came from.
    EventSource {
        /// `POST /events`.
        Api => "api",
        /// The inbound-mail webhook.
        InboundEmail => "inbound_email",
        /// A recipient's unsubscribe link.
        UnsubscribeLink => "unsubscribe_link",
    }
);

/// A recorded event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// `evt_…`.
    pub id: super::ids::EventId,
    /// The client's id for it.
    pub client_id: String,
    /// What happened.
    #[serde(rename = "type")]
    pub kind: EventKind,
    /// To whom.
    pub contact_id: Option<ContactId>,
    /// The campaign it counts for (named, or the contact's latest).
    pub campaign_id: Option<CampaignId>,
    /// The sequence whose enrollment it ended, if any.
    pub sequence_id: Option<super::ids::SequenceId>,
    /// Where it came from.
    pub source: EventSource,
    /// When it happened.
    pub occurred_at: Timestamp,
    /// Conversion value in cents.
    pub value_cents: i64,
    /// A bounce: when the message it reports was sent (that day loses a delivery).
    pub message_sent_at: Option<Timestamp>,
    /// When it was recorded.
    pub created_at: Timestamp,
}

/// An event as a client sent it. Unknown fields are ignored: other systems' webhooks post
/// here with fields of their own.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema, schemars::JsonSchema))]
pub struct EventInput {
    /// Your id for the event: a retry with the same id counts once.
    pub id: Option<String>,
    /// `conversion`, `reply`, `bounce` or `unsubscribe`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// `ctc_…` (or give `email`).
    pub contact_id: Option<String>,
    /// The contact's address (or give `contact_id`).
    pub email: Option<String>,
    /// `cmp_…`; when absent the event counts for the contact's most recent campaign touch.
    pub campaign_id: Option<String>,
    /// RFC 3339; default now.
    pub occurred_at: Option<String>,
    /// Conversions only: the value in dollars.
    pub value_usd: Option<f64>,
}

/// A validated event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    /// The client's id.
    pub client_id: String,
    /// What happened.
    pub kind: EventKind,
    /// To whom.
    pub contact: ContactRef,
    /// The campaign named, if any.
    pub campaign_id: Option<CampaignId>,
    /// When.
    pub occurred_at: Timestamp,
    /// Conversion value in cents.
    pub value_cents: i64,
}

impl EventInput {
    /// Validates every field against `now`, naming each bad one.
    pub fn parse(&self, now: Timestamp) -> Result<NewEvent, Error> {
        let mut errors = Errors::new();
        let client_id = errors.check(required_line(
            "id",
            self.id.as_deref().unwrap_or_default(),
            200,
        ));
        let kind = match self.kind.as_deref().map(str::trim) {
            None | Some("") => {
                errors.push(FieldError::new("type", "is required"));
                None
            }
            Some(k) => errors.check(
                k.parse::<EventKind>()
                    .map_err(|m| FieldError::new("type", m)),
            ),
        };
        let by_id = self
            .contact_id
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .and_then(|c| {
                errors.check(
                    c.parse::<ContactId>()
                        .map(ContactRef::Id)
                        .map_err(|e| FieldError::new("contact_id", e.to_string())),
                )
            });
        let by_email = self
            .email
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .and_then(|e| errors.check(Email::parse("email", e).map(ContactRef::Email)));
        if self
            .contact_id
            .as_deref()
            .map(str::trim)
            .unwrap_or_default()
            .is_empty()
            && self
                .email
                .as_deref()
                .map(str::trim)
                .unwrap_or_default()
                .is_empty()
        {
            errors.push(FieldError::new("contact_id", "give contact_id or email"));
        }
        let campaign_id = self
            .campaign_id
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .and_then(|c| {
                errors.check(
                    c.parse::<CampaignId>()
                        .map_err(|e| FieldError::new("campaign_id", e.to_string())),
                )
            });
        let occurred_at = match self
            .occurred_at
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            None => Some(now),
            Some(t) => errors.check(
                Timestamp::parse_rfc3339(t)
                    .map_err(|_| FieldError::new("occurred_at", "must be an RFC 3339 time"))
                    .and_then(|at| {
                        if at > now.plus(time::Duration::days(1)) {
                            Err(FieldError::new("occurred_at", "must not be in the future"))
                        } else {
                            Ok(at)
                        }
                    }),
            ),
        };
        let value_cents = match (self.value_usd, kind) {
            (None, _) => Some(0),
            (Some(_), Some(k)) if k != EventKind::Conversion => {
                errors.push(FieldError::new(
                    "value_usd",
                    "only conversions carry a value",
                ));
                None
            }
            (Some(v), _) if !v.is_finite() || !(0.0..=MAX_VALUE_USD).contains(&v) => {
                errors.push(FieldError::new(
                    "value_usd",
                    "must be from 0 to 10,000,000 dollars",
                ));
                None
            }
            (Some(v), _) => {
                let cents = (v * 100.0).round();
                if ((cents / 100.0) - v).abs() > 1e-9 {
                    errors.push(FieldError::new(
                        "value_usd",
                        "must have at most two decimals",
                    ));
                    None
                } else {
                    Some(cents as i64)
                }
            }
        };
        errors.finish()?;
        Ok(NewEvent {
            client_id: client_id.expect("checked"),
            kind: kind.expect("checked"),
            contact: by_id.or(by_email).expect("checked"),
            campaign_id,
            occurred_at: occurred_at.expect("checked"),
            value_cents: value_cents.expect("checked"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        Timestamp::parse_rfc3339("2026-11-30T12:00:00Z").unwrap()
    }

    fn fields(e: Error) -> Vec<String> {
        match e {
            Error::Invalid(f) => f.into_iter().map(|f| f.field).collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_conversion_by_email_with_a_value() {
        let e = EventInput {
            id: Some("crm-991".into()),
            kind: Some("conversion".into()),
            email: Some("Ana@North.test".into()),
            value_usd: Some(1250.5),
            ..Default::default()
        }
        .parse(now())
        .unwrap();
        assert_eq!(e.kind, EventKind::Conversion);
        assert_eq!(e.value_cents, 125_050);
        assert_eq!(e.occurred_at, now());
        assert!(matches!(e.contact, ContactRef::Email(ref m) if m.as_str() == "ana@north.test"));
    }

    #[test]
    fn every_bad_field_is_named() {
        let e = EventInput {
            kind: Some("purchase".into()),
            campaign_id: Some("seg_x".into()),
            occurred_at: Some("2027-01-01T00:00:00Z".into()),
            ..Default::default()
        }
        .parse(now())
        .unwrap_err();
        assert_eq!(
            fields(e),
            ["id", "type", "contact_id", "campaign_id", "occurred_at"]
        );
    }

    #[test]
    fn values_belong_to_conversions_and_have_cents_at_most() {
        let base = EventInput {
            id: Some("1".into()),
            kind: Some("reply".into()),
            contact_id: Some(ContactId::generate().to_string()),
            value_usd: Some(5.0),
            ..Default::default()
        };
        assert_eq!(fields(base.parse(now()).unwrap_err()), ["value_usd"]);
        let conv = |v: f64| {
            EventInput {
                kind: Some("conversion".into()),
                value_usd: Some(v),
                ..base.clone()
            }
            .parse(now())
        };
        assert!(conv(-1.0).is_err());
        assert!(conv(1.005).is_err());
        assert!(conv(f64::NAN).is_err());
        assert_eq!(conv(19.99).unwrap().value_cents, 1999);
    }
}
