//! Ad creatives: ad copy for one platform, generated as variants, edited in the variant
//! picker, and approved by a person before any ad campaign may carry it.

use serde::{Deserialize, Serialize};

use super::ad_platform::{AdCopy, AdPlatform, CopyWarning, check_landing_url};
use super::approval::Decision;
use super::error::{Error, Errors, FieldError};
use super::ids::{AdCreativeId, ApprovalId, BrandId, CampaignId};
use super::pagination::{Keyed, Position};
use super::text::{filled, required_line};
use super::time::Timestamp;
use super::wire::wire_enum;

/// Most variants one generation asks for.
pub const MAX_VARIANTS: i64 = 10;
/// Variants asked for when the request names no count.
pub const DEFAULT_VARIANTS: i64 = 3;

wire_enum!(
    /// Where a creative stands.
    CreativeStatus {
        /// Being written; an approval may be requested (and is open while it waits).
        Draft => "draft",
        /// A person approved exactly this copy: campaigns may carry it.
        Approved => "approved",
        /// A person rejected it; editing makes it a draft again.
        Rejected => "rejected",
        /// Replaced by a regeneration, or put away; kept for the record.
        Archived => "archived",
    }
);

/// An ad creative.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdCreative {
    /// Its id.
    pub id: AdCreativeId,
    /// The campaign it was made for, if any.
    pub campaign_id: Option<CampaignId>,
    /// Whose voice it speaks in.
    pub brand_id: BrandId,
    /// Where it runs.
    pub platform: AdPlatform,
    /// What it is for.
    pub objective: String,
    /// The copy.
    pub copy: AdCopy,
    /// Recommended lengths the copy exceeds.
    pub warnings: Vec<CopyWarning>,
    /// Status.
    pub status: CreativeStatus,
    /// Picked in the variant picker: kept when the others are regenerated.
    pub picked: bool,
    /// Bumped on every edit.
    pub version: i64,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}

impl Keyed for AdCreative {
    fn position(&self) -> Position {
        Position {
            created_at: self.created_at,
            id: self.id.to_string(),
        }
    }
}

/// A creative as shown: with the approval request waiting on it, if one is open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreativeView {
    /// The creative.
    pub creative: AdCreative,
    /// `apr_…` of its open request.
    pub pending_approval: Option<ApprovalId>,
}

impl AdCreative {
    /// What an approver signs off on: the platform and the copy, in one canonical text
    /// (the service hashes it).
    pub fn approved_content(&self) -> String {
        serde_json::json!({ "platform": self.platform, "copy": self.copy }).to_string()
    }

    /// SHA-256 (hex) of [`AdCreative::approved_content`]: what an approval request pins.
    #[cfg(feature = "ssr")]
    pub fn content_hash(&self) -> String {
        use sha2::{Digest, Sha256};
        hex::encode(Sha256::digest(self.approved_content().as_bytes()))
    }

    /// The console page where it is reviewed and decided.
    pub fn console_page(id: &AdCreativeId) -> String {
        format!("/ads/creatives/{id}")
    }

    /// A short name for the inbox and the audit log: the platform and the first headline.
    pub fn name(&self) -> String {
        let headline = self
            .copy
            .headlines
            .first()
            .map(String::as_str)
            .unwrap_or("(no headline)");
        format!("{} ad \u{201c}{headline}\u{201d}", self.platform.name())
    }

    /// May it be edited, seen at `version`? Archived creatives are the record of what was.
    pub fn check_edit(&self, version: i64) -> Result<(), Error> {
        if self.status == CreativeStatus::Archived {
            return Err(Error::Conflict(
                "this creative is archived, so it can no longer be changed".into(),
            ));
        }
        if version != self.version {
            return Err(Error::stale("ad creative", version));
        }
        Ok(())
    }

    /// The status after `edit`: changed copy needs approving again; a pick alone does not.
    pub fn status_after_edit(&self, edit: &CreativeEdit) -> CreativeStatus {
        if edit.changes_copy() {
            CreativeStatus::Draft
        } else {
            self.status
        }
    }

    /// The status `decision` moves it to, made by an approver who saw `version` (when
    /// given): only a draft is decided, only at the version shown, and only complete copy
    /// (a landing page, within every hard limit, no forbidden phrase) is approved.
    pub fn decide(
        &self,
        decision: Decision,
        version: Option<i64>,
        do_not_say: &[String],
    ) -> Result<CreativeStatus, Error> {
        if self.status != CreativeStatus::Draft {
            return Err(super::approval::already_decided());
        }
        if let Some(v) = version
            && v != self.version
        {
            return Err(Error::Conflict(format!(
                "this creative was edited after version {v} (it is now version {}); review the current copy and decide again",
                self.version
            )));
        }
        Ok(match decision {
            Decision::Approve => {
                self.copy.check(self.platform, do_not_say)?;
                CreativeStatus::Approved
            }
            Decision::Reject => CreativeStatus::Rejected,
        })
    }

    /// May approval of it be requested, seen at `version` (when given)? Only a draft, and
    /// only complete copy: a landing page, every hard limit, no forbidden phrase.
    pub fn check_request(&self, version: Option<i64>, do_not_say: &[String]) -> Result<(), Error> {
        match self.status {
            CreativeStatus::Draft => {}
            CreativeStatus::Approved => {
                return Err(Error::Conflict(
                    "this creative is approved already; edit it to change its copy".into(),
                ));
            }
            CreativeStatus::Rejected => {
                return Err(Error::Conflict(
                    "this creative was rejected; edit its copy before asking again".into(),
                ));
            }
            CreativeStatus::Archived => {
                return Err(Error::Conflict(
                    "this creative is archived, so it can no longer be approved".into(),
                ));
            }
        }
        if let Some(v) = version
            && v != self.version
        {
            return Err(Error::stale("ad creative", v));
        }
        self.copy.check(self.platform, do_not_say).map(|_| ())
    }

    /// Whether a regeneration replaces it: unpicked drafts and rejected variants go, picked
    /// and approved ones stay.
    pub fn replaced_by_regeneration(&self) -> bool {
        !self.picked
            && matches!(
                self.status,
                CreativeStatus::Draft | CreativeStatus::Rejected
            )
    }
}

/// A request to generate variants, as a client sent it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema, schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct GenerateCreativesInput {
    /// `google`, `linkedin` or `meta`.
    pub platform: Option<String>,
    /// `brd_…`: whose voice, facts and forbidden phrases.
    pub brand_id: Option<String>,
    /// What the ads should achieve, e.g. "book a demo".
    pub objective: Option<String>,
    /// `cmp_…` of the campaign they are for (optional).
    pub campaign_id: Option<String>,
    /// 1–10 (default 3).
    pub count: Option<i64>,
    /// Where a click lands (default: none, to be filled in before approval).
    pub final_url: Option<String>,
}

/// The variants the picker shows together: one brand's ads for one platform and objective
/// (and campaign, when they are made for one). A regeneration replaces within a set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariantSet {
    /// Where the ads run.
    pub platform: AdPlatform,
    /// Brand.
    pub brand_id: BrandId,
    /// Objective.
    pub objective: String,
    /// Campaign, if any.
    pub campaign_id: Option<CampaignId>,
}

impl AdCreative {
    /// The set it belongs to.
    pub fn set(&self) -> VariantSet {
        VariantSet {
            platform: self.platform,
            brand_id: self.brand_id.clone(),
            objective: self.objective.clone(),
            campaign_id: self.campaign_id.clone(),
        }
    }
}

/// A validated generation request; the ids are still to be checked against the workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreativeRequest {
    /// Which set the variants join.
    pub set: VariantSet,
    /// How many variants.
    pub count: usize,
    /// Landing page.
    pub final_url: Option<String>,
}

impl GenerateCreativesInput {
    /// Validates everything that needs no database, naming every bad field.
    pub fn parse(&self) -> Result<CreativeRequest, Error> {
        let mut errors = Errors::new();
        let platform = match filled(&self.platform) {
            None => {
                errors.push(FieldError::new(
                    "platform",
                    "is required: google, linkedin or meta",
                ));
                None
            }
            Some(p) => errors.check(p.parse().map_err(|m| FieldError::new("platform", m))),
        };
        let brand_id = match filled(&self.brand_id) {
            None => {
                errors.push(FieldError::new("brand_id", "is required"));
                None
            }
            Some(b) => errors.check(
                b.parse()
                    .map_err(|e: super::ids::BadId| FieldError::new("brand_id", e.to_string())),
            ),
        };
        let campaign_id = filled(&self.campaign_id).and_then(|c| {
            errors.check(
                c.parse()
                    .map_err(|e: super::ids::BadId| FieldError::new("campaign_id", e.to_string())),
            )
        });
        let objective = errors.check(required_line(
            "objective",
            self.objective.as_deref().unwrap_or_default(),
            300,
        ));
        let count = self.count.unwrap_or(DEFAULT_VARIANTS);
        if !(1..=MAX_VARIANTS).contains(&count) {
            errors.push(FieldError::new(
                "count",
                format!("must be from 1 to {MAX_VARIANTS}"),
            ));
        }
        let final_url = filled(&self.final_url).map(str::to_owned);
        if let Some(Err(message)) = final_url.as_deref().map(check_landing_url) {
            errors.push(FieldError::new("final_url", message));
        }
        errors.finish()?;
        Ok(CreativeRequest {
            set: VariantSet {
                platform: platform.expect("checked"),
                brand_id: brand_id.expect("checked"),
                objective: objective.unwrap_or_default(),
                campaign_id,
            },
            count: count as usize,
            final_url,
        })
    }
}

/// An edit of a creative's copy; fields left out keep their value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema, schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CreativeEdit {
    /// The version being edited (or `If-Match`).
    pub version: Option<i64>,
    /// New headlines (the whole list).
    pub headlines: Option<Vec<String>>,
    /// New descriptions (the whole list).
    pub descriptions: Option<Vec<String>>,
    /// New primary / introductory text; empty clears it.
    pub primary_text: Option<String>,
    /// New path1; empty clears it.
    pub path1: Option<String>,
    /// New path2; empty clears it.
    pub path2: Option<String>,
    /// New call to action; empty clears it.
    pub call_to_action: Option<String>,
    /// New landing page.
    pub final_url: Option<String>,
    /// Picked (kept on regeneration) or not.
    pub picked: Option<bool>,
}

impl CreativeEdit {
    /// The copy after this edit, tidied and checked against the platform and the brand's
    /// forbidden phrases: the new copy with its warnings, or every bad field.
    pub fn apply(
        &self,
        platform: AdPlatform,
        current: &AdCopy,
        do_not_say: &[String],
    ) -> Result<(AdCopy, Vec<CopyWarning>), Error> {
        let pick = |new: &Option<String>, old: &Option<String>| match new {
            Some(v) => Some(v.clone()),
            None => old.clone(),
        };
        let copy = AdCopy {
            headlines: self
                .headlines
                .clone()
                .unwrap_or_else(|| current.headlines.clone()),
            descriptions: self
                .descriptions
                .clone()
                .unwrap_or_else(|| current.descriptions.clone()),
            primary_text: pick(&self.primary_text, &current.primary_text),
            path1: pick(&self.path1, &current.path1),
            path2: pick(&self.path2, &current.path2),
            call_to_action: pick(&self.call_to_action, &current.call_to_action),
            final_url: pick(&self.final_url, &current.final_url),
        }
        .tidy();
        let warnings = copy.check_draft(platform, do_not_say)?;
        Ok((copy, warnings))
    }

    /// Whether it changes the copy (a pick alone does not need approving again).
    pub fn changes_copy(&self) -> bool {
        self.headlines.is_some()
            || self.descriptions.is_some()
            || self.primary_text.is_some()
            || self.path1.is_some()
            || self.path2.is_some()
            || self.call_to_action.is_some()
            || self.final_url.is_some()
    }
}

/// A validated creative list filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CreativeFilter {
    /// Only this platform.
    pub platform: Option<AdPlatform>,
    /// Only this status (archived ones only when asked for).
    pub status: Option<CreativeStatus>,
    /// Only for this campaign.
    pub campaign_id: Option<CampaignId>,
    /// Only in this brand's voice.
    pub brand_id: Option<BrandId>,
    /// Only for this objective, exactly.
    pub objective: Option<String>,
}

impl CreativeFilter {
    /// The creatives of one variant set (archived ones left out).
    pub fn of_set(set: &VariantSet) -> Self {
        Self {
            platform: Some(set.platform),
            status: None,
            campaign_id: set.campaign_id.clone(),
            brand_id: Some(set.brand_id.clone()),
            objective: Some(set.objective.clone()),
        }
    }
}

/// The creative list filter as sent in a query string.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreativeFilterInput {
    /// `google`, `linkedin` or `meta`.
    pub platform: Option<String>,
    /// `draft`, `approved`, `rejected` or `archived` (without it, every status but
    /// `archived`).
    pub status: Option<String>,
    /// `cmp_…`.
    pub campaign_id: Option<String>,
    /// `brd_…`.
    pub brand_id: Option<String>,
    /// The objective, exactly as generated.
    pub objective: Option<String>,
}

impl CreativeFilterInput {
    /// Validates every filter, naming each bad one.
    pub fn parse(&self) -> Result<CreativeFilter, Error> {
        let mut errors = Errors::new();
        let platform = filled(&self.platform)
            .and_then(|p| errors.check(p.parse().map_err(|m| FieldError::new("platform", m))));
        let status = filled(&self.status)
            .and_then(|s| errors.check(s.parse().map_err(|m| FieldError::new("status", m))));
        let campaign_id = filled(&self.campaign_id).and_then(|c| {
            errors.check(
                c.parse()
                    .map_err(|e: super::ids::BadId| FieldError::new("campaign_id", e.to_string())),
            )
        });
        let brand_id = filled(&self.brand_id).and_then(|c| {
            errors.check(
                c.parse()
                    .map_err(|e: super::ids::BadId| FieldError::new("brand_id", e.to_string())),
            )
        });
        errors.finish()?;
        Ok(CreativeFilter {
            platform,
            status,
            campaign_id,
            brand_id,
            objective: filled(&self.objective).map(str::to_owned),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creative(status: CreativeStatus, picked: bool) -> AdCreative {
        AdCreative {
            id: AdCreativeId::generate(),
            campaign_id: None,
            brand_id: BrandId::generate(),
            platform: AdPlatform::Meta,
            objective: "book a demo".into(),
            copy: AdCopy {
                headlines: vec!["Ship smarter".into()],
                primary_text: Some("Freight without the phone calls.".into()),
                call_to_action: Some("LEARN_MORE".into()),
                final_url: Some("https://tenex.example".into()),
                ..Default::default()
            },
            warnings: Vec::new(),
            status,
            picked,
            version: 2,
            created_at: Timestamp::parse_rfc3339("2026-12-01T09:00:00Z").unwrap(),
            updated_at: Timestamp::parse_rfc3339("2026-12-01T09:00:00Z").unwrap(),
        }
    }

    fn fields(e: Error) -> Vec<String> {
        match e {
            Error::Invalid(f) => f.into_iter().map(|f| f.field).collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_generation_request_names_every_bad_field() {
        let e = GenerateCreativesInput {
            platform: Some("tiktok".into()),
            brand_id: None,
            objective: Some(" ".into()),
            campaign_id: Some("seq_x".into()),
            count: Some(11),
            final_url: Some("ftp://x".into()),
        }
        .parse()
        .unwrap_err();
        assert_eq!(
            fields(e),
            [
                "platform",
                "brand_id",
                "campaign_id",
                "objective",
                "count",
                "final_url"
            ]
        );
        let ok = GenerateCreativesInput {
            platform: Some("linkedin".into()),
            brand_id: Some(BrandId::generate().to_string()),
            objective: Some("book a demo".into()),
            final_url: Some("tenex.example".into()),
            ..Default::default()
        }
        .parse()
        .unwrap_err();
        assert_eq!(fields(ok), ["final_url"]);
    }

    #[test]
    fn only_a_draft_is_decided_and_only_at_the_version_seen() {
        let draft = creative(CreativeStatus::Draft, false);
        assert_eq!(
            draft.decide(Decision::Approve, Some(2), &[]).unwrap(),
            CreativeStatus::Approved
        );
        assert_eq!(
            draft.decide(Decision::Reject, None, &[]).unwrap(),
            CreativeStatus::Rejected
        );
        assert!(matches!(
            draft.decide(Decision::Approve, Some(1), &[]),
            Err(Error::Conflict(_))
        ));
        let approved = creative(CreativeStatus::Approved, false);
        assert!(matches!(
            approved.decide(Decision::Approve, None, &[]),
            Err(Error::Conflict(_))
        ));
    }

    #[test]
    fn edits_need_the_current_version_and_archived_ones_are_the_record() {
        let approved = creative(CreativeStatus::Approved, true);
        assert!(approved.check_edit(2).is_ok());
        assert!(approved.check_edit(1).is_err());
        let reworded = CreativeEdit {
            headlines: Some(vec!["Ship smart".into()]),
            ..Default::default()
        };
        assert_eq!(approved.status_after_edit(&reworded), CreativeStatus::Draft);
        let picked = CreativeEdit {
            picked: Some(false),
            ..Default::default()
        };
        assert_eq!(
            approved.status_after_edit(&picked),
            CreativeStatus::Approved
        );
        assert!(
            creative(CreativeStatus::Archived, false)
                .check_edit(2)
                .is_err()
        );
    }

    #[test]
    fn an_edit_is_checked_like_generated_copy() {
        let c = creative(CreativeStatus::Draft, false);
        let edit = CreativeEdit {
            headlines: Some(vec!["h".repeat(256)]),
            primary_text: Some("The cheapest freight".into()),
            ..Default::default()
        };
        let e = edit
            .apply(c.platform, &c.copy, &["cheapest".into()])
            .unwrap_err();
        assert_eq!(fields(e), ["headlines[0]", "primary_text"]);
        let pick = CreativeEdit {
            picked: Some(true),
            ..Default::default()
        };
        assert!(!pick.changes_copy());
        let (copy, warnings) = CreativeEdit {
            headlines: Some(vec![
                "  A headline longer than forty characters, sadly  ".into(),
            ]),
            ..Default::default()
        }
        .apply(c.platform, &c.copy, &[])
        .unwrap();
        assert_eq!(
            copy.headlines,
            ["A headline longer than forty characters, sadly"]
        );
        assert_eq!(warnings[0].field, "headlines[0]");
    }

    #[test]
    fn regeneration_keeps_picked_and_approved_variants() {
        assert!(creative(CreativeStatus::Draft, false).replaced_by_regeneration());
        assert!(creative(CreativeStatus::Rejected, false).replaced_by_regeneration());
        assert!(!creative(CreativeStatus::Draft, true).replaced_by_regeneration());
        assert!(!creative(CreativeStatus::Approved, false).replaced_by_regeneration());
    }

    #[test]
    fn the_creative_filter_names_bad_values() {
        let e = CreativeFilterInput {
            platform: Some("fax".into()),
            status: Some("pending".into()),
            campaign_id: Some("nope".into()),
            brand_id: Some("cmp_x".into()),
            objective: None,
        }
        .parse()
        .unwrap_err();
        assert_eq!(fields(e), ["platform", "status", "campaign_id", "brand_id"]);
    }

    #[test]
    fn a_draft_without_a_landing_page_is_edited_but_not_approved() {
        let mut c = creative(CreativeStatus::Draft, false);
        c.copy.final_url = None;
        let edit = CreativeEdit {
            headlines: Some(vec!["Ship smarter today".into()]),
            ..Default::default()
        };
        let (copy, _) = edit.apply(c.platform, &c.copy, &[]).unwrap();
        assert_eq!(copy.final_url, None);
        c.copy = copy;
        let e = c.decide(Decision::Approve, None, &[]).unwrap_err();
        assert_eq!(fields(e), ["final_url"]);
        assert!(c.decide(Decision::Reject, None, &[]).is_ok());
        c.copy.final_url = Some("https://tenex.example".into());
        let e = c
            .decide(Decision::Approve, None, &["smarter".into()])
            .unwrap_err();
        assert_eq!(fields(e), ["headlines[0]"]);
    }

    #[test]
    fn a_creative_id_has_the_prefix_the_api_contract_names() {
        // API.md: `cre_…` is a creative, `adc_…` an ad campaign.
        assert!(AdCreativeId::generate().as_str().starts_with("cre_"));
        assert!(
            "adc_01jd0000000000000000000000"
                .parse::<AdCreativeId>()
                .is_err()
        );
    }
}
