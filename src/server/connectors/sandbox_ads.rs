//! The sandbox ad account: plays any platform without leaving Tenex. It records every call
//! the real client would make (shown on the campaign's page), answers with ids of its own,
//! and reports plausible daily metrics derived from the budget, the same for the same day
//! every time, so a re-sync replaces a day with itself.

use std::sync::Mutex;

use sha2::{Digest, Sha256};

use super::ads::{AdApi, Call, Launch, Remote, UPLOAD_BATCH};
use crate::domain::ad_campaign::DayMetrics;
use crate::domain::ad_platform::AdPlatform;
use crate::domain::delivery::Outcome;

/// The sandbox, playing `platform`.
pub struct SandboxAds {
    platform: AdPlatform,
    refuse_step: Option<String>,
    calls: Mutex<Vec<Call>>,
}

impl SandboxAds {
    /// A sandbox account of `platform` that refuses the launch step `refuse_step` (the
    /// connector's setting), if any.
    pub fn new(platform: AdPlatform, refuse_step: Option<String>) -> Self {
        Self {
            platform,
            refuse_step: refuse_step.filter(|s| !s.trim().is_empty()),
            calls: Mutex::new(Vec::new()),
        }
    }

    fn record(&self, method: &str, path: String, note: impl Into<String>) {
        self.record_status(method, path, 200, note);
    }

    fn record_status(&self, method: &str, path: String, status: u16, note: impl Into<String>) {
        self.calls
            .lock()
            .expect("the call log lock is never poisoned")
            .push(Call {
                method: method.to_owned(),
                path,
                status,
                note: note.into(),
            });
    }

    /// Whether `step` (`ad:1`, or its kind `ad`) is the one this account refuses.
    fn refuses(&self, step: &str) -> bool {
        self.refuse_step.as_deref().is_some_and(|refused| {
            refused == step || step.split(':').next() == Some(refused.trim())
        })
    }

    /// The path the real client would call to create the object of `step`.
    fn create_path(&self, step: &str) -> String {
        let kind = step.split(':').next().unwrap_or(step);
        match (self.platform, kind) {
            (AdPlatform::Google, "audience") => "/v26/customers/sandbox/userLists:mutate".into(),
            (AdPlatform::Google, "audience_members") => {
                "/v26/customers/sandbox/offlineUserDataJobs:create".into()
            }
            (AdPlatform::Google, "activate") => "/v26/customers/sandbox/campaigns:mutate".into(),
            (AdPlatform::Google, _) => "/v26/customers/sandbox/googleAds:mutate".into(),
            (AdPlatform::Linkedin, "audience") => "/rest/dmpSegments".into(),
            (AdPlatform::Linkedin, "audience_members") => "/rest/dmpSegments/sandbox/users".into(),
            (AdPlatform::Linkedin, "campaign_group") => {
                "/rest/adAccounts/sandbox/adCampaignGroups".into()
            }
            (AdPlatform::Linkedin, "activate") => {
                "/rest/adAccounts/sandbox/adCampaigns/sandbox (PARTIAL_UPDATE)".into()
            }
            (AdPlatform::Linkedin, "ad") => {
                "/rest/adAccounts/sandbox/creatives?action=createInline".into()
            }
            (AdPlatform::Linkedin, _) => "/rest/adAccounts/sandbox/adCampaigns".into(),
            (AdPlatform::Meta, "audience") => "/v26.0/act_sandbox/customaudiences".into(),
            (AdPlatform::Meta, "audience_members") => "/v26.0/sandbox/users".into(),
            (AdPlatform::Meta, "ad_set") => "/v26.0/act_sandbox/adsets".into(),
            (AdPlatform::Meta, "creative") => "/v26.0/act_sandbox/adcreatives".into(),
            (AdPlatform::Meta, "ad") => "/v26.0/act_sandbox/ads".into(),
            (AdPlatform::Meta, "activate") => "/v26.0/sandbox".into(),
            (AdPlatform::Meta, _) => "/v26.0/act_sandbox/campaigns".into(),
        }
    }
}

/// A number in `[0, 1)` fixed by `seed`.
fn unit(seed: &str) -> f64 {
    let digest = Sha256::digest(seed.as_bytes());
    let n = u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]);
    f64::from(n) / (f64::from(u32::MAX) + 1.0)
}

#[async_trait::async_trait]
impl AdApi for SandboxAds {
    async fn find(
        &self,
        _step: &str,
        _launch: &Launch<'_>,
        _remote: &Remote,
    ) -> Result<Option<String>, Outcome> {
        // Nothing the sandbox creates exists anywhere, so there is never a duplicate to find.
        Ok(None)
    }

    async fn create(
        &self,
        step: &str,
        launch: &Launch<'_>,
        _remote: &Remote,
    ) -> Result<String, Outcome> {
        let c = launch.campaign;
        if self.refuses(step) {
            let reason = format!(
                "HTTP 400: the sandbox refuses the launch step {step}, as its connector's refuse_step setting asks"
            );
            self.record_status("POST", self.create_path(step), 400, reason.clone());
            return Err(Outcome::Permanent(format!("sandbox: {reason}")));
        }
        let note = match step {
            "audience" => format!("create audience \"{}\"", c.remote_name(step)),
            "audience_members" => format!(
                "upload {} hashed addresses in {} request(s)",
                launch.audience.len(),
                launch.audience.len().div_ceil(UPLOAD_BATCH).max(1)
            ),
            "campaign" => format!(
                "create campaign \"{}\" with a daily budget of {} (paused)",
                c.remote_name(step),
                crate::domain::money::format_usd(c.daily_budget_cents)
            ),
            "activate" => "switch delivery on".into(),
            s if s.starts_with("ad:") || s.starts_with("creative:") => {
                let creative = launch.creative(s)?;
                format!("create {} from {}", s.replace(':', " "), creative.id)
            }
            other => format!("create {}", other.replace('_', " ")),
        };
        self.record("POST", self.create_path(step), note);
        let digest = hex::encode(Sha256::digest(format!("{}:{step}", c.id).as_bytes()));
        Ok(format!(
            "sandbox-{}-{}",
            step.replace(':', "-"),
            &digest[..10]
        ))
    }

    async fn set_delivering(&self, remote: &Remote, on: bool) -> Result<(), Outcome> {
        let campaign = remote.get("campaign").map_or("?", String::as_str);
        self.record(
            "POST",
            format!("{} ({campaign})", self.create_path("activate")),
            if on {
                "set the campaign delivering"
            } else {
                "set the campaign paused"
            },
        );
        Ok(())
    }

    async fn remove(&self, remote: &Remote) -> Result<(), Outcome> {
        for (step, id) in remote
            .iter()
            .filter(|(s, _)| *s == "campaign" || *s == "audience")
        {
            self.record(
                "DELETE",
                format!("/sandbox/{id}"),
                format!("remove the {step}"),
            );
        }
        Ok(())
    }

    async fn daily_metrics(
        &self,
        launch: &Launch<'_>,
        remote: &Remote,
        from: time::Date,
        to: time::Date,
    ) -> Result<Vec<DayMetrics>, Outcome> {
        let campaign = remote.get("campaign").map_or("", String::as_str);
        self.record(
            "GET",
            format!("/sandbox/{campaign}/insights?since={from}&until={to}"),
            "read daily metrics",
        );
        let budget = launch.campaign.daily_budget_cents as f64;
        let mut days = Vec::new();
        let mut day = from;
        while day <= to {
            let seed = format!("{campaign}:{day}");
            let spend = (budget * (0.6 + 0.4 * unit(&format!("{seed}:spend")))).round();
            // About $10 per thousand impressions, 0.8–2.5 % clicking, 4–12 % of clicks converting.
            let impressions = (spend * (0.6 + 0.8 * unit(&format!("{seed}:cpm")))).round();
            let clicks = (impressions * (0.008 + 0.017 * unit(&format!("{seed}:ctr")))).round();
            let conversions = (clicks * (0.04 + 0.08 * unit(&format!("{seed}:cvr")))).round();
            days.push(DayMetrics {
                day: day.to_string(),
                spend_cents: spend as i64,
                impressions: impressions as i64,
                clicks: clicks as i64,
                conversions: conversions as i64,
            });
            match day.next_day() {
                Some(next) => day = next,
                None => break,
            }
        }
        Ok(days)
    }

    fn calls(&self) -> Vec<Call> {
        self.calls
            .lock()
            .expect("the call log lock is never poisoned")
            .clone()
    }
}
