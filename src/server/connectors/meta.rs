//! Meta Marketing (Graph) API.

use serde_json::{Value, json};

use super::ads::{
    AdApi, Call, Launch, Remote, UPLOAD_BATCH, Wire, count, decimal_to_cents, earlier, id_in,
};
use super::{Account, TestFailed, http};
use crate::domain::ad_campaign::{AdObjective, DayMetrics};
use crate::domain::delivery::Outcome;

/// Reads the ad account (`GET /{version}/act_{id}?fields=name,account_status`).
pub async fn test(account: &Account<'_>, client: &reqwest::Client) -> Result<String, TestFailed> {
    let base = account.base_url("https://graph.facebook.com");
    let id = account.setting("ad_account_id");
    let answer = http::json(
        client
            .get(format!(
                "{base}/{}/act_{id}",
                account.setting("api_version")
            ))
            .query(&[("fields", "name,account_status,currency")])
            .bearer_auth(account.secret("access_token")),
        "Meta",
    )
    .await?;
    let name = answer["name"].as_str().unwrap_or("(unnamed)");
    Ok(format!("Meta: ad account act_{id} \"{name}\" is reachable"))
}

/// Launches, controls and reads back campaigns through the Graph API: a custom audience of
/// hashed addresses, then campaign → ad set (the daily budget, in cents) → creative → ad,
/// everything created `PAUSED` and switched on last, ad set and ads before the campaign.
pub struct MetaAds {
    wire: Wire,
}

const PROVIDER: &str = "Meta";

/// The action types counted as conversions: one canonical type per outcome, since Meta
/// reports the same conversion under several aliases.
const CONVERSION_ACTIONS: [&str; 2] = ["lead", "offsite_conversion.fb_pixel_purchase"];

impl MetaAds {
    /// Over `wire`.
    pub fn new(wire: Wire) -> Self {
        Self { wire }
    }

    fn url(&self, tail: &str) -> String {
        format!(
            "{}/{}/{tail}",
            self.wire.base("https://graph.facebook.com"),
            self.wire.setting("api_version", API_VERSION)
        )
    }

    fn act(&self) -> Result<String, Outcome> {
        Ok(format!(
            "act_{}",
            self.wire.required("ad_account_id", "ad account id")?
        ))
    }

    async fn post(&self, tail: &str, body: &Value, note: &str) -> Result<Value, Outcome> {
        Ok(self
            .wire
            .send(
                self.wire
                    .http()
                    .post(self.url(tail))
                    .bearer_auth(self.wire.secret("access_token"))
                    .json(body),
                PROVIDER,
                note,
            )
            .await?
            .body)
    }

    async fn get(
        &self,
        tail: &str,
        query: &[(&str, String)],
        note: &str,
    ) -> Result<Value, Outcome> {
        Ok(self
            .wire
            .send(
                self.wire
                    .http()
                    .get(self.url(tail))
                    .query(query)
                    .bearer_auth(self.wire.secret("access_token")),
                PROVIDER,
                note,
            )
            .await?
            .body)
    }

    async fn create_at(&self, edge: &str, body: &Value, what: &str) -> Result<String, Outcome> {
        let answer = self
            .post(
                &format!("{}/{edge}", self.act()?),
                body,
                &format!("create the {what}"),
            )
            .await?;
        id_in(answer["id"].as_str(), what, PROVIDER)
    }

    async fn set(&self, id: &str, status: &str, what: &str) -> Result<(), Outcome> {
        self.post(
            id,
            &json!({ "status": status }),
            &format!("set the {what} {status}"),
        )
        .await
        .map(|_| ())
    }
}

/// The version used unless the connector names another.
const API_VERSION: &str = "v26.0";

fn objective(objective: AdObjective) -> &'static str {
    match objective {
        AdObjective::Leads => "OUTCOME_LEADS",
        AdObjective::Traffic => "OUTCOME_TRAFFIC",
        AdObjective::Awareness => "OUTCOME_AWARENESS",
        AdObjective::Conversions => "OUTCOME_SALES",
    }
}

fn optimization_goal(objective: AdObjective) -> &'static str {
    match objective {
        AdObjective::Awareness => "REACH",
        _ => "LINK_CLICKS",
    }
}

/// The edge an object of `step` lives under in the ad account.
fn edge(step: &str) -> Option<&'static str> {
    match step {
        "audience" => Some("customaudiences"),
        "campaign" => Some("campaigns"),
        "ad_set" => Some("adsets"),
        s if s.starts_with("creative:") => Some("adcreatives"),
        s if s.starts_with("ad:") => Some("ads"),
        _ => None,
    }
}

#[async_trait::async_trait]
impl AdApi for MetaAds {
    async fn find(
        &self,
        step: &str,
        launch: &Launch<'_>,
        _remote: &Remote,
    ) -> Result<Option<String>, Outcome> {
        let Some(edge) = edge(step) else {
            return Ok(None);
        };
        let name = launch.campaign.remote_name(step);
        let answer = self
            .get(
                &format!("{}/{edge}", self.act()?),
                &[
                    ("fields", "id,name".to_owned()),
                    (
                        "filtering",
                        json!([{"field": "name", "operator": "EQUAL", "value": name}]).to_string(),
                    ),
                ],
                "look for what an interrupted launch created",
            )
            .await?;
        Ok(answer["data"].as_array().and_then(|all| {
            all.iter()
                .find(|e| e["name"].as_str() == Some(name.as_str()))
                .and_then(|e| e["id"].as_str().map(str::to_owned))
        }))
    }

    async fn create(
        &self,
        step: &str,
        launch: &Launch<'_>,
        remote: &Remote,
    ) -> Result<String, Outcome> {
        let c = launch.campaign;
        match step {
            "audience" => {
                self.create_at(
                    "customaudiences",
                    &json!({
                        "name": c.remote_name(step),
                        "subtype": "CUSTOM",
                        "description": format!("Tenex audience of {}", c.id),
                        "customer_file_source": "USER_PROVIDED_ONLY"
                    }),
                    "custom audience",
                )
                .await
            }
            "audience_members" => {
                let audience = earlier(remote, "audience")?;
                for batch in launch.audience.chunks(UPLOAD_BATCH) {
                    self.post(
                        &format!("{audience}/users"),
                        &json!({"payload": {"schema": "EMAIL_SHA256", "data": batch}}),
                        &format!("upload {} hashed addresses", batch.len()),
                    )
                    .await?;
                }
                Ok(audience.to_owned())
            }
            "campaign" => {
                self.create_at(
                    "campaigns",
                    &json!({
                        "name": c.remote_name(step),
                        "objective": objective(c.objective),
                        "status": "PAUSED",
                        "special_ad_categories": [],
                        "is_adset_budget_sharing_enabled": false
                    }),
                    "campaign",
                )
                .await
            }
            "ad_set" => {
                let mut body = json!({
                    "name": c.remote_name(step),
                    "campaign_id": earlier(remote, "campaign")?,
                    "daily_budget": c.daily_budget_cents,
                    "billing_event": "IMPRESSIONS",
                    "optimization_goal": optimization_goal(c.objective),
                    "bid_strategy": "LOWEST_COST_WITHOUT_CAP",
                    "status": "PAUSED",
                    "targeting": {
                        "custom_audiences": [{"id": earlier(remote, "audience")?}],
                        "targeting_automation": {"advantage_audience": 0}
                    }
                });
                if let Some(start) = c.starts_at {
                    body["start_time"] = json!(start.to_string());
                }
                if let Some(end) = c.ends_at {
                    body["end_time"] = json!(end.to_string());
                }
                self.create_at("adsets", &body, "ad set").await
            }
            s if s.starts_with("creative:") => {
                let creative = launch.creative(s)?;
                let page = self.wire.required("page_id", "Facebook page id")?;
                let copy = &creative.copy;
                let url = copy.final_url.clone().unwrap_or_default();
                let mut link = json!({
                    "message": copy.primary_text.clone().unwrap_or_default(),
                    "link": url,
                    "name": copy.headlines.first().cloned().unwrap_or_default(),
                    "call_to_action": {
                        "type": copy.call_to_action.clone().unwrap_or_else(|| "LEARN_MORE".into()),
                        "value": {"link": url}
                    }
                });
                if let Some(d) = copy.descriptions.first() {
                    link["description"] = json!(d);
                }
                self.create_at(
                    "adcreatives",
                    &json!({"name": c.remote_name(s), "object_story_spec": {"page_id": page, "link_data": link}}),
                    "ad creative",
                )
                .await
            }
            s if s.starts_with("ad:") => {
                let creative_step = format!("creative:{}", s.trim_start_matches("ad:"));
                self.create_at(
                    "ads",
                    &json!({
                        "name": c.remote_name(s),
                        "adset_id": earlier(remote, "ad_set")?,
                        "creative": {"creative_id": earlier(remote, &creative_step)?},
                        "status": "PAUSED"
                    }),
                    "ad",
                )
                .await
            }
            "activate" => {
                self.set(earlier(remote, "ad_set")?, "ACTIVE", "ad set")
                    .await?;
                for (step, id) in remote {
                    if step.starts_with("ad:") {
                        self.set(id, "ACTIVE", "ad").await?;
                    }
                }
                self.set(earlier(remote, "campaign")?, "ACTIVE", "campaign")
                    .await?;
                Ok("ACTIVE".into())
            }
            other => Err(Outcome::Permanent(format!(
                "Meta has no launch step {other}"
            ))),
        }
    }

    async fn set_delivering(&self, remote: &Remote, on: bool) -> Result<(), Outcome> {
        self.set(
            earlier(remote, "campaign")?,
            if on { "ACTIVE" } else { "PAUSED" },
            "campaign",
        )
        .await
    }

    async fn remove(&self, remote: &Remote) -> Result<(), Outcome> {
        if let Some(campaign) = remote.get("campaign") {
            self.wire
                .send(
                    self.wire
                        .http()
                        .delete(self.url(campaign))
                        .bearer_auth(self.wire.secret("access_token")),
                    PROVIDER,
                    "delete the campaign",
                )
                .await?;
        }
        if let Some(audience) = remote.get("audience") {
            self.wire
                .send(
                    self.wire
                        .http()
                        .delete(self.url(audience))
                        .bearer_auth(self.wire.secret("access_token")),
                    PROVIDER,
                    "delete the custom audience",
                )
                .await?;
        }
        Ok(())
    }

    async fn daily_metrics(
        &self,
        _launch: &Launch<'_>,
        remote: &Remote,
        from: time::Date,
        to: time::Date,
    ) -> Result<Vec<DayMetrics>, Outcome> {
        let campaign = earlier(remote, "campaign")?;
        let answer = self
            .get(
                &format!("{campaign}/insights"),
                &[
                    ("level", "campaign".to_owned()),
                    ("time_increment", "1".to_owned()),
                    (
                        "time_range",
                        json!({"since": from.to_string(), "until": to.to_string()}).to_string(),
                    ),
                    (
                        "fields",
                        "campaign_id,spend,impressions,clicks,actions,date_start,date_stop"
                            .to_owned(),
                    ),
                ],
                "read daily insights",
            )
            .await?;
        let mut days = Vec::new();
        for row in answer["data"].as_array().into_iter().flatten() {
            let Some(day) = row["date_start"].as_str() else {
                continue;
            };
            let conversions = row["actions"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|a| {
                    a["action_type"]
                        .as_str()
                        .is_some_and(|t| CONVERSION_ACTIONS.contains(&t))
                })
                .map(|a| count(&a["value"]))
                .sum();
            days.push(DayMetrics {
                day: day.to_owned(),
                spend_cents: decimal_to_cents(row["spend"].as_str().unwrap_or("0")),
                impressions: count(&row["impressions"]),
                clicks: count(&row["clicks"]),
                conversions,
            });
        }
        Ok(days)
    }

    fn calls(&self) -> Vec<Call> {
        self.wire.calls()
    }
}
