//! Campaigns: the identity record tying a channel artifact to its segment, brand and gate.

use serde::{Deserialize, Serialize};

use super::error::{Error, Errors, FieldError};
use super::ids::{BrandId, CampaignId, SegmentId};
use super::pagination::{Keyed, Position};
use super::text::filled;
use super::time::Timestamp;

use super::wire::wire_enum;

wire_enum!(
    /// Which outside channel a campaign uses.
    Channel {
        /// An email sequence.
        Email => "email",
        /// An ad campaign.
        Ads => "ads",
        /// A blog post.
        Blog => "blog",
    }
);

wire_enum!(
    /// Why a run is paused when no person paused it.
    PausedReason {
        /// Its sender connector cannot work (credentials refused, no such host, repeated
        /// failures): the run waits for the connector to pass a test.
        SenderFailing => "sender_failing",
    }
);

wire_enum!(
    /// Where a campaign stands; it follows its artifact.
    CampaignStatus {
        /// Being prepared.
        Draft => "draft",
        /// Waiting at the approval gate.
        PendingApproval => "pending_approval",
        /// Running.
        Active => "active",
        /// Stopped for now.
        Paused => "paused",
        /// Finished.
        Completed => "completed",
        /// Stopped for good by someone.
        Cancelled => "cancelled",
        /// An approver said no; nothing went out.
        Rejected => "rejected",
        /// A provider failed; see the artifact.
        Failed => "failed",
    }
);

/// The channel artifact a campaign stands for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArtifactRef {
    /// `email_sequence`, `ad_campaign` or `blog_draft`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Its id.
    pub id: String,
}

/// Counters kept as events arrive (never recomputed by scanning events).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Rollup {
    /// Messages sent.
    pub sends: i64,
    /// Replies received.
    pub replies: i64,
    /// Conversions attributed.
    pub conversions: i64,
    /// Ad spend, in cents.
    pub spend_cents: i64,
}

impl Rollup {
    /// Customer acquisition cost in cents; `None` without conversions.
    pub fn cac_cents(&self) -> Option<i64> {
        super::money::cac_cents(self.spend_cents, self.conversions)
    }
}

/// A campaign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Campaign {
    /// The campaign's id.
    pub id: CampaignId,
    /// Display name.
    pub name: String,
    /// Channel.
    pub channel: Channel,
    /// Status.
    pub status: CampaignStatus,
    /// Why it is paused, when no person paused it.
    #[serde(default)]
    pub paused_reason: Option<PausedReason>,
    /// Target segment.
    pub segment_id: Option<SegmentId>,
    /// Brand.
    pub brand_id: Option<BrandId>,
    /// The channel artifact.
    pub artifact: Option<ArtifactRef>,
    /// Counters.
    pub rollup: Rollup,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}

impl Keyed for Campaign {
    fn position(&self) -> Position {
        Position {
            created_at: self.created_at,
            id: self.id.to_string(),
        }
    }
}

/// A validated campaign list filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CampaignFilter {
    /// Only this channel.
    pub channel: Option<Channel>,
    /// Only this status.
    pub status: Option<CampaignStatus>,
    /// Only this segment.
    pub segment_id: Option<SegmentId>,
    /// Only this brand.
    pub brand_id: Option<BrandId>,
    /// Created at or after.
    pub created_after: Option<Timestamp>,
    /// Created strictly before.
    pub created_before: Option<Timestamp>,
}

/// The filter as sent in a query string or the console's URL.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct CampaignFilterInput {
    /// `email`, `ads` or `blog`.
    pub channel: Option<String>,
    /// A campaign status.
    pub status: Option<String>,
    /// `seg_…`.
    pub segment_id: Option<String>,
    /// `brd_…`.
    pub brand_id: Option<String>,
    /// RFC 3339 or `YYYY-MM-DD`.
    pub created_after: Option<String>,
    /// RFC 3339 or `YYYY-MM-DD` (a date means the start of that day).
    pub created_before: Option<String>,
}

fn time(field: &str, text: &str) -> Result<Timestamp, FieldError> {
    Timestamp::parse_rfc3339(text)
        .or_else(|_| Timestamp::parse_rfc3339(&format!("{text}T00:00:00Z")))
        .map_err(|_| FieldError::new(field, "must be an RFC 3339 time or a date (YYYY-MM-DD)"))
}

impl CampaignFilterInput {
    /// Validates every filter, naming each bad one.
    pub fn parse(&self) -> Result<CampaignFilter, Error> {
        let mut errors = Errors::new();
        let channel = filled(&self.channel)
            .and_then(|c| errors.check(c.parse().map_err(|m| FieldError::new("channel", m))));
        let status = filled(&self.status)
            .and_then(|s| errors.check(s.parse().map_err(|m| FieldError::new("status", m))));
        let segment_id = filled(&self.segment_id).and_then(|s| {
            errors.check(
                s.parse()
                    .map_err(|e: super::ids::BadId| FieldError::new("segment_id", e.to_string())),
            )
        });
        let brand_id = filled(&self.brand_id).and_then(|s| {
            errors.check(
                s.parse()
                    .map_err(|e: super::ids::BadId| FieldError::new("brand_id", e.to_string())),
            )
        });
        let created_after =
            filled(&self.created_after).and_then(|t| errors.check(time("created_after", t)));
        let created_before =
            filled(&self.created_before).and_then(|t| errors.check(time("created_before", t)));
        if let (Some(a), Some(b)) = (created_after, created_before)
            && a >= b
        {
            errors.push(FieldError::new(
                "created_before",
                "must be later than created_after",
            ));
        }
        errors.finish()?;
        Ok(CampaignFilter {
            channel,
            status,
            segment_id,
            brand_id,
            created_after,
            created_before,
        })
    }
}

impl CampaignFilter {
    /// The filter as it goes back into a URL (only what is set).
    pub fn to_input(&self) -> CampaignFilterInput {
        CampaignFilterInput {
            channel: self.channel.map(|c| c.as_str().to_owned()),
            status: self.status.map(|s| s.as_str().to_owned()),
            segment_id: self.segment_id.as_ref().map(ToString::to_string),
            brand_id: self.brand_id.as_ref().map(ToString::to_string),
            created_after: self.created_after.map(|t| t.to_string()),
            created_before: self.created_before.map(|t| t.to_string()),
        }
    }
}

/// What a channel artifact passes to create its campaign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCampaign {
    /// Display name.
    pub name: String,
    /// Channel.
    pub channel: Channel,
    /// First status (usually `pending_approval` or `draft`).
    pub status: CampaignStatus,
    /// Target segment.
    pub segment_id: Option<SegmentId>,
    /// Brand.
    pub brand_id: Option<BrandId>,
    /// The artifact.
    pub artifact: Option<ArtifactRef>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_parse_and_name_every_bad_one() {
        let input = CampaignFilterInput {
            channel: Some("fax".into()),
            status: Some("active".into()),
            segment_id: Some("brd_01jd0000000000000000000000".into()),
            created_after: Some("2026-01-01".into()),
            created_before: Some("yesterday".into()),
            ..Default::default()
        };
        let Err(Error::Invalid(fields)) = input.parse() else {
            panic!()
        };
        let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names, ["channel", "segment_id", "created_before"]);
    }

    #[test]
    fn a_date_range_must_run_forwards() {
        let input = CampaignFilterInput {
            created_after: Some("2026-02-01".into()),
            created_before: Some("2026-01-01".into()),
            ..Default::default()
        };
        assert!(input.parse().is_err());
        let ok = CampaignFilterInput {
            status: Some("pending_approval".into()),
            ..Default::default()
        }
        .parse()
        .unwrap();
        assert_eq!(ok.status, Some(CampaignStatus::PendingApproval));
        assert_eq!(ok.to_input().status.as_deref(), Some("pending_approval"));
    }

    #[test]
    fn cac_is_empty_without_conversions() {
        assert_eq!(
            Rollup {
                spend_cents: 1000,
                ..Default::default()
            }
            .cac_cents(),
            None
        );
        assert_eq!(
            Rollup {
                spend_cents: 1000,
                conversions: 4,
                ..Default::default()
            }
            .cac_cents(),
            Some(250)
        );
    }
}
