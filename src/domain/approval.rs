//! The approval gate: one record per request to do something irreversible, decided once by
//! a human approver (or a key holding `marketing:approve`), for exactly the content hashed.

use serde::{Deserialize, Serialize};

use super::actor::Principal;
use super::error::{Error, Errors, FieldError};
use super::ids::{ApprovalId, CampaignId};
use super::pagination::{Keyed, Position};
use super::text::{filled, optional_text};
use super::time::Timestamp;
use super::wire::wire_enum;

/// Longest decision note, in characters.
pub const MAX_NOTE: usize = 2_000;

wire_enum!(
    /// Where an approval request stands.
    ApprovalStatus {
        /// Waiting for a decision.
        Pending => "pending",
        /// Signed off.
        Approved => "approved",
        /// Turned down.
        Rejected => "rejected",
        /// Replaced: the content changed after it was requested.
        Cancelled => "cancelled",
    }
);

wire_enum!(
    /// What is waiting for a decision.
    SubjectType {
        /// Sending an email sequence.
        EmailSequence => "email_sequence",
        /// Launching an ad campaign.
        AdCampaign => "ad_campaign",
        /// Publishing a blog draft.
        BlogPublish => "blog_publish",
        /// Using an ad creative.
        AdCreative => "ad_creative",
    }
);

impl SubjectType {
    /// How a person calls it.
    pub fn label(self) -> &'static str {
        match self {
            Self::EmailSequence => "Email sequence",
            Self::AdCampaign => "Ad launch",
            Self::BlogPublish => "Blog publish",
            Self::AdCreative => "Ad creative",
        }
    }
}

/// A request for a human decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    /// The approval's id.
    pub id: ApprovalId,
    /// What kind of thing is to be decided.
    pub subject_type: SubjectType,
    /// Its id (`seq_…`, `adc_…`, …).
    pub subject_id: String,
    /// Its name when requested, for the inbox.
    pub subject_name: String,
    /// The campaign it belongs to.
    pub campaign_id: Option<CampaignId>,
    /// Status.
    pub status: ApprovalStatus,
    /// SHA-256 of the exact content the decision covers.
    pub content_hash: String,
    /// The audience the requester and approver were shown (for subjects that reach people):
    /// approval is refused when the audience is no longer this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audience: Option<super::enrollment::AudienceFingerprint>,
    /// Who asked.
    pub requested_by: Principal,
    /// The asker's email, for people.
    pub requested_by_email: String,
    /// Who decided (or whose edit cancelled it).
    pub decided_by: Option<Principal>,
    /// The decider's email.
    pub decided_by_email: Option<String>,
    /// When it was decided.
    pub decided_at: Option<Timestamp>,
    /// The approver's note.
    pub note: Option<String>,
    /// When it was requested.
    pub created_at: Timestamp,
}

impl Keyed for Approval {
    fn position(&self) -> Position {
        Position {
            created_at: self.created_at,
            id: self.id.to_string(),
        }
    }
}

impl Approval {
    /// The console page where a human decides this request.
    pub fn console_page(&self) -> String {
        match self.subject_type {
            SubjectType::EmailSequence => format!("/email/sequences/{}", self.subject_id),
            SubjectType::AdCampaign => format!("/ads/campaigns/{}", self.subject_id),
            SubjectType::AdCreative => format!("/ads/creatives/{}", self.subject_id),
            SubjectType::BlogPublish => format!("/blog/drafts/{}", self.subject_id),
        }
    }
}

/// Approve or reject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Sign off.
    Approve,
    /// Turn down (a note is required).
    Reject,
}

impl std::str::FromStr for Decision {
    type Err = String;

    /// `approve` or `reject`, as a form posts it.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "approve" => Ok(Self::Approve),
            "reject" => Ok(Self::Reject),
            _ => Err("must be approve or reject".to_owned()),
        }
    }
}

impl Decision {
    /// The approval status it leads to.
    pub fn status(self) -> ApprovalStatus {
        match self {
            Self::Approve => ApprovalStatus::Approved,
            Self::Reject => ApprovalStatus::Rejected,
        }
    }

    /// Checks the note: optional when approving, required when rejecting.
    pub fn note(self, note: Option<&str>) -> Result<Option<String>, Error> {
        let note = optional_text("note", note.unwrap_or_default(), MAX_NOTE)
            .map_err(|e| Error::Invalid(vec![e]))?;
        match (self, note.is_empty()) {
            (Self::Reject, true) => Err(Error::invalid(
                "note",
                "say why it is rejected, so the marketer can fix it",
            )),
            (_, true) => Ok(None),
            (_, false) => Ok(Some(note)),
        }
    }
}

/// The conflict of deciding something no longer open.
pub fn already_decided() -> Error {
    Error::Conflict("this has already been decided; nothing was changed".into())
}

/// The version of a subject an approval request is asked for (a preview refreshed, a
/// creative sent for approval); optional, `If-Match` works too.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema, schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct AtVersion {
    /// The version seen (or `If-Match`); when sent, a subject edited since is a 409.
    pub version: Option<i64>,
}

/// What an approver decides, and on what.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema, schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct DecisionInput {
    /// Optional when approving; required when rejecting.
    pub note: Option<String>,
    /// The version the decision is about (or `If-Match`); when sent, a subject edited since
    /// is a 409 instead of being decided unseen.
    pub version: Option<i64>,
    /// Approving a preview with `missing_variable` or `do_not_say` warnings needs `true`
    /// (the approver accepts them); otherwise 422.
    #[serde(default, deserialize_with = "null_is_false")]
    pub acknowledge_warnings: bool,
}

/// `null` reads as `false`, as it always has for this flag.
fn null_is_false<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(Option::<bool>::deserialize(d)?.unwrap_or(false))
}

/// A validated approval list filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApprovalFilter {
    /// Only this status.
    pub status: Option<ApprovalStatus>,
    /// Only this kind of subject.
    pub subject_type: Option<SubjectType>,
    /// Only decided ones (approved or rejected), for the inbox's second tab.
    pub decided: bool,
}

/// The filter as sent in a query string.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct ApprovalFilterInput {
    /// `pending`, `approved`, `rejected` or `cancelled`.
    pub status: Option<String>,
    /// `email_sequence`, `ad_campaign`, `blog_publish` or `ad_creative`.
    pub subject_type: Option<String>,
}

impl ApprovalFilterInput {
    /// Validates each filter, naming the bad ones.
    pub fn parse(&self) -> Result<ApprovalFilter, Error> {
        let mut errors = Errors::new();
        let status = filled(&self.status)
            .and_then(|s| errors.check(s.parse().map_err(|m| FieldError::new("status", m))));
        let subject_type = filled(&self.subject_type)
            .and_then(|s| errors.check(s.parse().map_err(|m| FieldError::new("subject_type", m))));
        errors.finish()?;
        Ok(ApprovalFilter {
            status,
            subject_type,
            decided: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejecting_needs_a_note_and_approving_does_not() {
        assert!(Decision::Reject.note(None).is_err());
        assert!(Decision::Reject.note(Some("  ")).is_err());
        assert_eq!(
            Decision::Reject
                .note(Some(" off-brand "))
                .unwrap()
                .as_deref(),
            Some("off-brand")
        );
        assert_eq!(Decision::Approve.note(None).unwrap(), None);
        assert!(
            Decision::Approve
                .note(Some(&"x".repeat(MAX_NOTE + 1)))
                .is_err()
        );
    }

    #[test]
    fn filters_name_bad_values() {
        let e = ApprovalFilterInput {
            status: Some("maybe".into()),
            subject_type: Some("fax".into()),
        }
        .parse()
        .unwrap_err();
        let Error::Invalid(fields) = e else { panic!() };
        assert_eq!(fields.len(), 2);
        let ok = ApprovalFilterInput {
            status: Some("pending".into()),
            subject_type: None,
        }
        .parse()
        .unwrap();
        assert_eq!(ok.status, Some(ApprovalStatus::Pending));
    }

    #[test]
    fn a_decision_reads_a_null_acknowledgement_as_not_given() {
        let d: DecisionInput = serde_json::from_str(r#"{"acknowledge_warnings": null}"#).unwrap();
        assert!(!d.acknowledge_warnings);
        let d: DecisionInput = serde_json::from_str(r#"{"acknowledge_warnings": true}"#).unwrap();
        assert!(d.acknowledge_warnings);
        assert!(serde_json::from_str::<DecisionInput>(r#"{"acknowledge": true}"#).is_err());
    }
}
