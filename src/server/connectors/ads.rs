//! What every ad platform client does for a launch, a control and a sync, behind one trait,
//! and the wire they share (each call recorded: method, path, status — never a body).

use std::collections::BTreeMap;

use crate::domain::ad_campaign::{AdCampaign, DayMetrics};
use crate::domain::ad_creative::AdCreative;
use crate::domain::connector::ConnectorKind;
use crate::domain::delivery::Outcome;

pub use super::wire::{Call, Wire, id_in};
pub use crate::domain::ad_campaign::RemoteIds as Remote;

/// What a launch creates: the campaign as approved, its creatives in order, and its
/// audience as SHA-256 hashes of normalised addresses.
pub struct Launch<'a> {
    /// The campaign.
    pub campaign: &'a AdCampaign,
    /// Its creatives, in the order of its `creative_ids`.
    pub creatives: &'a [AdCreative],
    /// The audience, hashed.
    pub audience: &'a [String],
}

impl Launch<'_> {
    /// The creative behind step `ad:{i}` or `creative:{i}`.
    pub fn creative(&self, step: &str) -> Result<&AdCreative, Outcome> {
        step.split_once(':')
            .and_then(|(_, i)| i.parse::<usize>().ok())
            .and_then(|i| self.creatives.get(i))
            .ok_or_else(|| Outcome::Permanent(format!("no creative for launch step {step}")))
    }
}

/// The platform's side of an ad campaign.
#[async_trait::async_trait]
pub trait AdApi: Send + Sync {
    /// Looks for the object of `step` created by an earlier, interrupted attempt (by its
    /// unique name); `None` when there is none.
    async fn find(
        &self,
        step: &str,
        launch: &Launch<'_>,
        remote: &Remote,
    ) -> Result<Option<String>, Outcome>;

    /// Creates the object of `step`, returning its id.
    async fn create(
        &self,
        step: &str,
        launch: &Launch<'_>,
        remote: &Remote,
    ) -> Result<String, Outcome>;

    /// Delivers (`true`) or pauses (`false`) the campaign.
    async fn set_delivering(&self, remote: &Remote, on: bool) -> Result<(), Outcome>;

    /// Stops the campaign for good and removes what the launch created.
    async fn remove(&self, remote: &Remote) -> Result<(), Outcome>;

    /// Per-day spend and results from `from` to `to` (inclusive).
    async fn daily_metrics(
        &self,
        launch: &Launch<'_>,
        remote: &Remote,
        from: time::Date,
        to: time::Date,
    ) -> Result<Vec<DayMetrics>, Outcome>;

    /// The calls made so far.
    fn calls(&self) -> Vec<Call>;
}

/// The client for a connector of `kind`, with its settings and opened secrets.
pub fn api_for(
    kind: ConnectorKind,
    platform: crate::domain::ad_platform::AdPlatform,
    settings: BTreeMap<String, String>,
    secrets: BTreeMap<String, String>,
    http: reqwest::Client,
) -> Result<Box<dyn AdApi>, Outcome> {
    let refuse_step = settings.get("refuse_step").cloned();
    let wire = Wire::new(http, settings, secrets);
    Ok(match kind {
        ConnectorKind::Sandbox => {
            Box::new(super::sandbox_ads::SandboxAds::new(platform, refuse_step))
        }
        ConnectorKind::GoogleAds => Box::new(super::google_ads::GoogleAds::new(wire)),
        ConnectorKind::LinkedinAds => Box::new(super::linkedin::LinkedinAds::new(wire)),
        ConnectorKind::MetaAds => Box::new(super::meta::MetaAds::new(wire)),
        other => {
            return Err(Outcome::Permanent(format!(
                "a {other} connector does not run ads"
            )));
        }
    })
}

/// The id a previous step stored, or a permanent failure (steps run in order).
pub fn earlier<'a>(remote: &'a Remote, step: &str) -> Result<&'a str, Outcome> {
    remote
        .get(step)
        .map(String::as_str)
        .ok_or_else(|| Outcome::Permanent(format!("launch step {step} has not run")))
}

/// Money in a decimal string of major units (`"34.56"`) as cents.
pub fn decimal_to_cents(text: &str) -> i64 {
    let text = text.trim();
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    let whole: i64 = whole.parse().unwrap_or(0);
    let frac: String = frac.chars().chain("00".chars()).take(3).collect();
    let thousandths: i64 = frac.parse().unwrap_or(0);
    whole * 100 + (thousandths + 5) / 10
}

/// Cents as a decimal string of major units (`2550` → `"25.50"`).
pub fn cents_to_decimal(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// A JSON number or numeric string as an integer (platforms send both).
pub fn count(value: &serde_json::Value) -> i64 {
    match value {
        serde_json::Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().map(|f| f.round() as i64))
            .unwrap_or(0),
        serde_json::Value::String(s) => s
            .parse::<i64>()
            .ok()
            .or_else(|| s.parse::<f64>().ok().map(|f| f.round() as i64))
            .unwrap_or(0),
        _ => 0,
    }
}

/// How many hashed addresses go in one upload request.
pub const UPLOAD_BATCH: usize = 5000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_crosses_the_wire_in_each_unit() {
        assert_eq!(decimal_to_cents("34.56"), 3456);
        assert_eq!(decimal_to_cents("34.5"), 3450);
        assert_eq!(decimal_to_cents("7"), 700);
        assert_eq!(decimal_to_cents("0.125"), 13);
        assert_eq!(cents_to_decimal(2550), "25.50");
        assert_eq!(cents_to_decimal(5), "0.05");
        assert_eq!(count(&serde_json::json!("361")), 361);
        assert_eq!(count(&serde_json::json!(1.0)), 1);
        assert_eq!(count(&serde_json::Value::Null), 0);
    }
}
