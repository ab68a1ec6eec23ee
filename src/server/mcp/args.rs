//! Tool arguments that are not a JSON body of their own: the id a route takes in its path
//! beside the body it takes, and list filters (as numbers and strings rather than query
//! text). Bodies are the domain's own input types, flattened in.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::domain::Error;
use crate::domain::ad_creative::CreativeEdit;
use crate::domain::approval::{ApprovalFilterInput, DecisionInput};
use crate::domain::blog::DraftEdit;
use crate::domain::campaign::CampaignFilterInput;
use crate::domain::pagination::PageRequest;
use crate::domain::publish::{PublishFilterInput, PublishInput};
use crate::domain::sequence::StepEdit;

/// Paging of a list.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Paging {
    /// Rows per page, 1–200 (default 50).
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl Paging {
    /// Checked like the JSON API's `?limit=&cursor=`.
    pub fn parse(&self) -> Result<PageRequest, Error> {
        PageRequest::parse(
            self.limit.map(|l| l.to_string()).as_deref(),
            self.cursor.as_deref(),
        )
    }
}

/// Filters and paging of `list_campaigns`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct CampaignList {
    /// Channel, status, segment, brand, creation dates.
    #[serde(flatten)]
    pub filter: CampaignFilterInput,
    /// Paging.
    #[serde(flatten)]
    pub paging: Paging,
}

/// Filters and paging of `list_approvals`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct ApprovalList {
    /// Status and subject type.
    #[serde(flatten)]
    pub filter: ApprovalFilterInput,
    /// Paging.
    #[serde(flatten)]
    pub paging: Paging,
}

/// Filters and paging of `list_publish_jobs`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct PublishJobList {
    /// Status and draft.
    #[serde(flatten)]
    pub filter: PublishFilterInput,
    /// Paging.
    #[serde(flatten)]
    pub paging: Paging,
}

/// A creative to send for approval.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreativeApprovalRequest {
    /// `cre_…`.
    pub creative_id: String,
    /// The version seen; when sent, a creative edited since is a conflict.
    pub version: Option<i64>,
}

/// A campaign.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CampaignRef {
    /// `cmp_…`.
    pub campaign_id: String,
}

/// A campaign's measures over a range of days.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CampaignMetrics {
    /// `cmp_…`.
    pub campaign_id: String,
    /// First day, `YYYY-MM-DD` (in the workspace's time zone).
    pub from: Option<String>,
    /// Last day, `YYYY-MM-DD`; default today.
    pub to: Option<String>,
    /// Instead of `from`: this many days up to `to`, 1–366 (default 30).
    pub days: Option<u32>,
}

/// An email sequence.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SequenceRef {
    /// `seq_…` (the `preview_id` a preview returned).
    pub sequence_id: String,
}

/// A decision on a previewed sequence.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct SequenceDecision {
    /// `seq_…`: the `preview_id` that `preview_email_sequence` returned.
    pub preview_id: String,
    /// The note, the version decided on and the warnings accepted.
    #[serde(flatten)]
    pub decision: DecisionInput,
}

/// One step's new subject or body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct SequenceStepUpdate {
    /// `seq_…` of a sequence still waiting for approval.
    pub sequence_id: String,
    /// The version being edited (from the preview or `get_email_sequence`).
    pub version: Option<i64>,
    /// Which step, and its new text.
    #[serde(flatten)]
    pub step: StepEdit,
}

/// An edit of an ad creative.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct CreativeUpdate {
    /// `cre_…`.
    pub creative_id: String,
    /// The changes and the version edited.
    #[serde(flatten)]
    pub edit: CreativeEdit,
}

/// An ad campaign.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AdCampaignRef {
    /// `adc_…`.
    pub ad_campaign_id: String,
}

/// An edit of a blog draft.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct DraftUpdate {
    /// `drf_…`.
    pub draft_id: String,
    /// The changes and the version edited.
    #[serde(flatten)]
    pub edit: DraftEdit,
}

/// A request to publish a draft.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct DraftPublish {
    /// `drf_…`.
    pub draft_id: String,
    /// The CMS connector and the version seen.
    #[serde(flatten)]
    pub publish: PublishInput,
}

/// A blog draft.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftRef {
    /// `drf_…`.
    pub draft_id: String,
}

/// A publish job.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishJobRef {
    /// `pub_…`.
    pub publish_job_id: String,
}

/// Parses an id argument, naming it when it is not one.
pub fn id<T: std::str::FromStr>(field: &str, text: &str) -> Result<T, Error>
where
    T::Err: std::fmt::Display,
{
    text.trim()
        .parse()
        .map_err(|e: T::Err| Error::invalid(field, e.to_string()))
}

/// The version an edit needs, named when missing.
pub fn version(version: Option<i64>) -> Result<i64, Error> {
    version.ok_or_else(|| {
        Error::invalid(
            "version",
            "is required: send the version you are editing (it is in the item's JSON)",
        )
    })
}
