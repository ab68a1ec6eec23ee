//! Ad campaigns: a launch request (platform, audience, budget, approved creatives) that a
//! person approves before any money is spent, then launched, paused, resumed or cancelled
//! on the platform by jobs.

use serde::{Deserialize, Serialize};

use super::ad_platform::AdPlatform;
use super::error::{Error, Errors, FieldError};
use super::ids::{AdCampaignId, AdCreativeId, BrandId, CampaignId, ConnectorId, SegmentId};
use super::money::usd_to_cents;
use super::text::filled;
use super::time::Timestamp;
use super::wire::wire_enum;

/// Most creatives one ad campaign carries.
pub const MAX_CREATIVES: usize = 10;

wire_enum!(
    /// What the campaign optimises for.
    AdObjective {
        /// Form fills and sign-ups.
        Leads => "leads",
        /// Visits to the landing page.
        Traffic => "traffic",
        /// Reach and impressions.
        Awareness => "awareness",
        /// Purchases or other tracked conversions.
        Conversions => "conversions",
    }
);

wire_enum!(
    /// Where an ad campaign stands.
    AdCampaignStatus {
        /// Waiting for a person to approve the spend.
        PendingApproval => "pending_approval",
        /// Approved; the launch job is creating it on the platform.
        Launching => "launching",
        /// Running on the platform.
        Active => "active",
        /// Paused on the platform.
        Paused => "paused",
        /// Stopped for good (removed or left paused on the platform, as recorded).
        Cancelled => "cancelled",
        /// Ran to its end date.
        Completed => "completed",
        /// A person rejected the launch; nothing was created.
        Rejected => "rejected",
        /// The platform refused a step; the provider's message is recorded.
        Failed => "failed",
    }
);

wire_enum!(
    /// A mid-flight action a person asks for.
    AdControl {
        /// Stop delivery for now.
        Pause => "pause",
        /// Deliver again.
        Resume => "resume",
        /// Stop for good.
        Cancel => "cancel",
        /// Try a failed launch again from where it stopped.
        RetryLaunch => "retry_launch",
    }
);

impl AdControl {
    /// The console's word while the action's job runs ("pausing…").
    pub fn in_progress(self) -> &'static str {
        match self {
            AdControl::Pause => "pausing…",
            AdControl::Resume => "resuming…",
            AdControl::Cancel => "cancelling…",
            AdControl::RetryLaunch => "launching…",
        }
    }
}

/// A launch request as a client sent it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema, schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct LaunchInput {
    /// `google`, `linkedin` or `meta`.
    pub platform: Option<String>,
    /// `leads`, `traffic`, `awareness` or `conversions`.
    pub objective: Option<String>,
    /// `seg_…`: who sees the ads.
    pub segment_id: Option<String>,
    /// `brd_…`.
    pub brand_id: Option<String>,
    /// `cnr_…` of the ad account (a connector of the platform's kind, or `sandbox`).
    pub connector_id: Option<String>,
    /// Dollars per day, more than 0, at most two decimals, within the workspace's cap.
    pub daily_budget_usd: Option<f64>,
    /// `cre_…` of approved creatives of the same platform (1–10).
    pub creative_ids: Option<Vec<String>>,
    /// RFC 3339; default: when launched.
    pub starts_at: Option<String>,
    /// RFC 3339, after `starts_at`; default: runs until cancelled.
    pub ends_at: Option<String>,
}

/// A launch request checked for everything that needs no database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaunchRequest {
    /// Where.
    pub platform: AdPlatform,
    /// What for.
    pub objective: AdObjective,
    /// Audience.
    pub segment_id: SegmentId,
    /// Brand.
    pub brand_id: BrandId,
    /// Ad account.
    pub connector_id: ConnectorId,
    /// Cents per day.
    pub daily_budget_cents: i64,
    /// The creatives, in order, without repeats.
    pub creative_ids: Vec<AdCreativeId>,
    /// Start.
    pub starts_at: Option<Timestamp>,
    /// End.
    pub ends_at: Option<Timestamp>,
}

fn required<T, E: ToString>(
    errors: &mut Errors,
    field: &str,
    value: &Option<String>,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Option<T> {
    match filled(value) {
        None => {
            errors.push(FieldError::new(field, "is required"));
            None
        }
        Some(v) => errors.check(parse(v).map_err(|e| FieldError::new(field, e.to_string()))),
    }
}

fn time(errors: &mut Errors, field: &str, value: &Option<String>) -> Option<Timestamp> {
    filled(value).and_then(|v| {
        errors.check(Timestamp::parse_rfc3339(v).map_err(|_| {
            FieldError::new(field, "must be an RFC 3339 time, e.g. 2026-12-01T09:00:00Z")
        }))
    })
}

impl LaunchInput {
    /// Validates every field that needs no database, naming each bad one; `cap_cents` is
    /// the workspace's daily budget cap (none: no cap) and `now` the time it is checked.
    pub fn parse(&self, cap_cents: Option<i64>, now: Timestamp) -> Result<LaunchRequest, Error> {
        let mut errors = Errors::new();
        let platform = required(&mut errors, "platform", &self.platform, str::parse);
        let objective = required(&mut errors, "objective", &self.objective, str::parse);
        let segment_id = required(&mut errors, "segment_id", &self.segment_id, str::parse);
        let brand_id = required(&mut errors, "brand_id", &self.brand_id, str::parse);
        let connector_id = required(&mut errors, "connector_id", &self.connector_id, str::parse);
        let daily_budget_cents = match self.daily_budget_usd {
            None => {
                errors.push(FieldError::new("daily_budget_usd", "is required"));
                None
            }
            Some(usd) => errors.check(usd_to_cents("daily_budget_usd", usd, cap_cents)),
        };
        let mut creative_ids: Vec<AdCreativeId> = Vec::new();
        match &self.creative_ids {
            None => errors.push(FieldError::new(
                "creative_ids",
                "is required: at least one approved creative",
            )),
            Some(ids) if ids.is_empty() || ids.len() > MAX_CREATIVES => {
                errors.push(FieldError::new(
                    "creative_ids",
                    format!("must list 1 to {MAX_CREATIVES} creatives"),
                ))
            }
            Some(ids) => {
                for (i, id) in ids.iter().enumerate() {
                    match id.trim().parse::<AdCreativeId>() {
                        Err(e) => errors
                            .push(FieldError::new(format!("creative_ids[{i}]"), e.to_string())),
                        Ok(id) if creative_ids.contains(&id) => errors.push(FieldError::new(
                            format!("creative_ids[{i}]"),
                            "is listed twice",
                        )),
                        Ok(id) => creative_ids.push(id),
                    }
                }
            }
        }
        let starts_at = time(&mut errors, "starts_at", &self.starts_at);
        let ends_at = time(&mut errors, "ends_at", &self.ends_at);
        if let Some(end) = ends_at
            && end <= starts_at.unwrap_or(now)
        {
            errors.push(FieldError::new(
                "ends_at",
                if starts_at.is_some() {
                    "must be after starts_at"
                } else {
                    "must be in the future"
                },
            ));
        }
        errors.finish()?;
        Ok(LaunchRequest {
            platform: platform.expect("checked"),
            objective: objective.expect("checked"),
            segment_id: segment_id.expect("checked"),
            brand_id: brand_id.expect("checked"),
            connector_id: connector_id.expect("checked"),
            daily_budget_cents: daily_budget_cents.expect("checked"),
            creative_ids,
            starts_at,
            ends_at,
        })
    }
}

/// An ad campaign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdCampaign {
    /// Its id.
    pub id: AdCampaignId,
    /// The cross-channel campaign it belongs to.
    pub campaign_id: CampaignId,
    /// Display name.
    pub name: String,
    /// Where.
    pub platform: AdPlatform,
    /// What for.
    pub objective: AdObjective,
    /// Audience.
    pub segment_id: SegmentId,
    /// Brand.
    pub brand_id: BrandId,
    /// Ad account.
    pub connector_id: ConnectorId,
    /// Cents per day.
    pub daily_budget_cents: i64,
    /// The approved creatives it carries.
    pub creative_ids: Vec<AdCreativeId>,
    /// Start.
    pub starts_at: Option<Timestamp>,
    /// End.
    pub ends_at: Option<Timestamp>,
    /// Status.
    pub status: AdCampaignStatus,
    /// The action whose job is running, if any (shown as "pausing…").
    pub in_flight: Option<AdControl>,
    /// The provider's message when a step failed.
    pub last_error: Option<String>,
    /// The hash of what the approver approves (see [`AdCampaign::content_of`]).
    pub content_hash: String,
    /// People in the audience when the launch was requested.
    pub audience_size: i64,
    /// Bumped on every change.
    pub version: i64,
    /// Created.
    pub created_at: Timestamp,
    /// Last changed.
    pub updated_at: Timestamp,
}

impl AdCampaign {
    /// The console page where it is reviewed and decided.
    pub fn console_page(id: &AdCampaignId) -> String {
        format!("/ads/campaigns/{id}")
    }

    /// What an approval covers, as text to hash: everything that decides what is spent and
    /// shown to whom. `creatives` are the `(id, content hash)` of the creatives carried and
    /// `audience` the digest of the audience shown.
    pub fn content_of(&self, creatives: &[(String, String)], audience: &str) -> String {
        let mut text = format!(
            "platform={}\nobjective={}\nsegment={}\nconnector={}\nbudget_cents={}\nstarts={}\nends={}\naudience={audience}\n",
            self.platform,
            self.objective,
            self.segment_id,
            self.connector_id,
            self.daily_budget_cents,
            self.starts_at.map(|t| t.to_string()).unwrap_or_default(),
            self.ends_at.map(|t| t.to_string()).unwrap_or_default(),
        );
        for (id, hash) in creatives {
            text.push_str(&format!("creative={id}:{hash}\n"));
        }
        text
    }

    /// The name every object created on the platform carries: readable there, and unique,
    /// so an interrupted launch finds what it created before creating anything again.
    pub fn remote_name(&self, step: &str) -> String {
        let name: String = self.name.chars().take(60).collect();
        format!("{name} · {step} · {}", self.id)
    }

    /// May a person decide it, seen at `version`?
    pub fn check_decision(&self, version: Option<i64>) -> Result<(), Error> {
        if self.status != AdCampaignStatus::PendingApproval {
            return Err(Error::Conflict(format!(
                "this launch is {}, so it was decided already",
                self.status.as_str().replace('_', " ")
            )));
        }
        match version {
            Some(v) if v != self.version => Err(Error::stale("ad campaign", v)),
            _ => Ok(()),
        }
    }

    /// The status a finished control leaves.
    pub fn status_after(control: AdControl) -> AdCampaignStatus {
        match control {
            AdControl::Pause => AdCampaignStatus::Paused,
            AdControl::Resume => AdCampaignStatus::Active,
            AdControl::Cancel => AdCampaignStatus::Cancelled,
            AdControl::RetryLaunch => AdCampaignStatus::Active,
        }
    }

    /// What the console shows as its state: the action in flight, else the status.
    pub fn state_label(&self) -> String {
        match self.in_flight {
            Some(c) => c.in_progress().to_owned(),
            None => self.status.as_str().replace('_', " "),
        }
    }

    /// The ads it carries on the platform, as launch steps in creation order: the
    /// audience first, then the platform's containers, the ads, and activation last.
    pub fn launch_steps(&self) -> Vec<String> {
        let mut steps = vec!["audience".to_owned(), "audience_members".to_owned()];
        let n = self.creative_ids.len();
        match self.platform {
            AdPlatform::Google => steps.push("campaign".into()),
            AdPlatform::Linkedin => {
                steps.push("campaign_group".into());
                steps.push("campaign".into());
                steps.extend((0..n).map(|i| format!("ad:{i}")));
            }
            AdPlatform::Meta => {
                steps.push("campaign".into());
                steps.push("ad_set".into());
                for i in 0..n {
                    steps.push(format!("creative:{i}"));
                    steps.push(format!("ad:{i}"));
                }
            }
        }
        steps.push("activate".into());
        steps
    }

    /// Whether `control` makes sense now: 409 naming the status otherwise. Cancel
    /// supersedes an action in flight; anything else waits for it.
    pub fn check_control(&self, control: AdControl) -> Result<(), Error> {
        use AdCampaignStatus::*;
        if let Some(running) = self.in_flight
            && control != AdControl::Cancel
        {
            return Err(Error::Conflict(format!(
                "this campaign is {} already; wait for that to finish",
                running.in_progress().trim_end_matches('…')
            )));
        }
        let allowed = match control {
            AdControl::Pause => self.status == Active,
            AdControl::Resume => self.status == Paused,
            AdControl::Cancel => matches!(
                self.status,
                PendingApproval | Launching | Active | Paused | Failed
            ),
            AdControl::RetryLaunch => self.status == Failed,
        };
        if allowed {
            Ok(())
        } else {
            Err(Error::Conflict(format!(
                "a campaign that is {} cannot be {}",
                self.status.as_str().replace('_', " "),
                match control {
                    AdControl::Pause => "paused",
                    AdControl::Resume => "resumed",
                    AdControl::Cancel => "cancelled",
                    AdControl::RetryLaunch => "launched again",
                }
            )))
        }
    }
}

/// An address as ad platforms match it: trimmed, lower-cased, SHA-256, hex. Plain
/// addresses never leave the server.
#[cfg(feature = "ssr")]
pub fn hashed_email(email: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(email.trim().to_lowercase().as_bytes()))
}

/// The remote ids of a campaign's launch steps so far (`step` → id).
pub type RemoteIds = std::collections::BTreeMap<String, String>;

/// One call made (or, for the sandbox, that would have been made) to the platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformCall {
    /// `POST`, `GET`, `DELETE`.
    pub method: String,
    /// The path (with the query), without the host.
    pub path: String,
    /// The answer's status (0: no answer).
    pub status: u16,
    /// What it was for.
    pub note: String,
}

/// One day of a campaign's delivery, as the platform reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayMetrics {
    /// The day, `YYYY-MM-DD` (the platform account's day).
    pub day: String,
    /// Spend in cents.
    pub spend_cents: i64,
    /// Impressions.
    pub impressions: i64,
    /// Clicks.
    pub clicks: i64,
    /// Conversions the platform counted.
    pub conversions: i64,
}

impl DayMetrics {
    /// What replacing `old` with `self` adds to the campaign's counters.
    pub fn minus(&self, old: &DayMetrics) -> DayMetrics {
        DayMetrics {
            day: self.day.clone(),
            spend_cents: self.spend_cents - old.spend_cents,
            impressions: self.impressions - old.impressions,
            clicks: self.clicks - old.clicks,
            conversions: self.conversions - old.conversions,
        }
    }
}

impl DayMetrics {
    /// Every day added up.
    pub fn total(days: &[DayMetrics]) -> DayMetrics {
        days.iter().fold(DayMetrics::default(), |t, d| DayMetrics {
            day: String::new(),
            spend_cents: t.spend_cents + d.spend_cents,
            impressions: t.impressions + d.impressions,
            clicks: t.clicks + d.clicks,
            conversions: t.conversions + d.conversions,
        })
    }

    /// Spend per conversion in cents, `None` without conversions.
    pub fn cac_cents(&self) -> Option<i64> {
        super::money::cac_cents(self.spend_cents, self.conversions)
    }
}

/// An ad campaign with what the platform reported and what was said to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdCampaignView {
    /// The campaign.
    pub ad: AdCampaign,
    /// The platform's ids, by launch step.
    pub remote_ids: RemoteIds,
    /// The synced days, oldest first (empty in lists).
    pub days: Vec<DayMetrics>,
    /// Every synced day added up.
    pub totals: DayMetrics,
    /// The latest platform calls, oldest first (empty in lists).
    pub calls: Vec<(Timestamp, PlatformCall)>,
    /// The open approval request, if any.
    pub pending_approval: Option<super::ids::ApprovalId>,
    /// Where the campaign is managed on the platform, once it exists there.
    pub platform_url: Option<String>,
}

/// The platform's own page for the campaign (its ad manager), from the ad account's id and
/// the campaign's remote id; `None` before it exists there or for a sandbox.
pub fn platform_url(
    platform: AdPlatform,
    account: Option<&str>,
    remote: &RemoteIds,
) -> Option<String> {
    let account = account.filter(|a| !a.is_empty())?;
    let campaign = remote.get("campaign")?;
    let id = campaign.rsplit('/').next().unwrap_or(campaign);
    Some(match platform {
        AdPlatform::Google => format!(
            "https://ads.google.com/aw/campaigns?__e={}&campaignId={id}",
            account.replace('-', "")
        ),
        AdPlatform::Linkedin => {
            format!("https://www.linkedin.com/campaignmanager/accounts/{account}/campaigns/{id}")
        }
        AdPlatform::Meta => format!(
            "https://adsmanager.facebook.com/adsmanager/manage/campaigns?act={account}&selected_campaign_ids={id}"
        ),
    })
}

/// The ad campaign list filter as sent in a query string.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdCampaignFilterInput {
    /// A status.
    pub status: Option<String>,
    /// `google`, `linkedin` or `meta`.
    pub platform: Option<String>,
}

/// A validated ad campaign list filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AdCampaignFilter {
    /// Only this status.
    pub status: Option<AdCampaignStatus>,
    /// Only this platform.
    pub platform: Option<AdPlatform>,
}

impl AdCampaignFilterInput {
    /// Validates every filter, naming each bad one.
    pub fn parse(&self) -> Result<AdCampaignFilter, Error> {
        let mut errors = Errors::new();
        let status = filled(&self.status)
            .and_then(|s| errors.check(s.parse().map_err(|m| FieldError::new("status", m))));
        let platform = filled(&self.platform)
            .and_then(|p| errors.check(p.parse().map_err(|m| FieldError::new("platform", m))));
        errors.finish()?;
        Ok(AdCampaignFilter { status, platform })
    }
}

impl super::pagination::Keyed for AdCampaign {
    fn position(&self) -> super::pagination::Position {
        super::pagination::Position {
            created_at: self.created_at,
            id: self.id.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        Timestamp::parse_rfc3339("2026-12-01T09:00:00Z").unwrap()
    }

    fn fields(e: Error) -> Vec<String> {
        match e {
            Error::Invalid(f) => f.into_iter().map(|f| f.field).collect(),
            other => panic!("{other:?}"),
        }
    }

    fn input() -> LaunchInput {
        LaunchInput {
            platform: Some("meta".into()),
            objective: Some("leads".into()),
            segment_id: Some(SegmentId::generate().to_string()),
            brand_id: Some(BrandId::generate().to_string()),
            connector_id: Some(ConnectorId::generate().to_string()),
            daily_budget_usd: Some(25.5),
            creative_ids: Some(vec![AdCreativeId::generate().to_string()]),
            starts_at: None,
            ends_at: Some("2026-12-31T00:00:00Z".into()),
        }
    }

    #[test]
    fn a_launch_request_names_every_bad_field() {
        assert!(input().parse(Some(100_000), now()).is_ok());
        let e = LaunchInput {
            platform: Some("tiktok".into()),
            objective: Some("fame".into()),
            segment_id: Some("cre_x".into()),
            brand_id: None,
            connector_id: Some("nope".into()),
            daily_budget_usd: Some(0.0),
            creative_ids: Some(vec![]),
            starts_at: Some("yesterday".into()),
            ends_at: Some("2026-11-01T00:00:00Z".into()),
        }
        .parse(None, now())
        .unwrap_err();
        assert_eq!(
            fields(e),
            [
                "platform",
                "objective",
                "segment_id",
                "brand_id",
                "connector_id",
                "daily_budget_usd",
                "creative_ids",
                "starts_at",
                "ends_at"
            ]
        );
        let id = AdCreativeId::generate().to_string();
        let twice = LaunchInput {
            creative_ids: Some(vec![id.clone(), id]),
            starts_at: Some("2026-12-10T00:00:00Z".into()),
            ends_at: Some("2026-12-09T00:00:00Z".into()),
            ..input()
        }
        .parse(None, now())
        .unwrap_err();
        assert_eq!(fields(twice), ["creative_ids[1]", "ends_at"]);
        let capped = LaunchInput {
            daily_budget_usd: Some(1000.0),
            ..input()
        }
        .parse(Some(50_000), now())
        .unwrap_err();
        assert_eq!(fields(capped), ["daily_budget_usd"]);
    }

    #[test]
    fn controls_make_sense_only_from_some_statuses() {
        let campaign = |status, in_flight| AdCampaign {
            id: AdCampaignId::generate(),
            campaign_id: CampaignId::generate(),
            name: "Spring".into(),
            platform: AdPlatform::Meta,
            objective: AdObjective::Leads,
            segment_id: SegmentId::generate(),
            brand_id: BrandId::generate(),
            connector_id: ConnectorId::generate(),
            daily_budget_cents: 2500,
            creative_ids: vec![],
            starts_at: None,
            ends_at: None,
            status,
            in_flight,
            last_error: None,
            content_hash: String::new(),
            audience_size: 0,
            version: 1,
            created_at: now(),
            updated_at: now(),
        };
        use AdCampaignStatus::*;
        assert!(
            campaign(Active, None)
                .check_control(AdControl::Pause)
                .is_ok()
        );
        assert!(
            campaign(Paused, None)
                .check_control(AdControl::Resume)
                .is_ok()
        );
        assert!(
            campaign(Failed, None)
                .check_control(AdControl::RetryLaunch)
                .is_ok()
        );
        assert!(
            campaign(Launching, None)
                .check_control(AdControl::Cancel)
                .is_ok()
        );
        for (status, control) in [
            (Paused, AdControl::Pause),
            (Active, AdControl::Resume),
            (Cancelled, AdControl::Cancel),
            (Rejected, AdControl::Cancel),
            (Completed, AdControl::Pause),
            (Active, AdControl::RetryLaunch),
            (PendingApproval, AdControl::Pause),
        ] {
            assert!(
                matches!(
                    campaign(status, None).check_control(control),
                    Err(Error::Conflict(_))
                ),
                "{status} {control}"
            );
        }
        let pausing = campaign(Active, Some(AdControl::Pause));
        assert!(pausing.check_control(AdControl::Resume).is_err());
        assert!(pausing.check_control(AdControl::Cancel).is_ok());
    }
}
