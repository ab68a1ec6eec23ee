//! LinkedIn Marketing API.

use serde_json::{Value, json};

use super::ads::{
    AdApi, Call, Launch, Remote, UPLOAD_BATCH, Wire, cents_to_decimal, count, decimal_to_cents,
    earlier, id_in,
};
use super::{Account, TestFailed, http};
use crate::domain::ad_campaign::{AdObjective, DayMetrics};
use crate::domain::delivery::Outcome;

/// Reads the ad account (`GET /rest/adAccounts/{id}`) with the versioned headers.
pub async fn test(account: &Account<'_>, client: &reqwest::Client) -> Result<String, TestFailed> {
    let base = account.base_url("https://api.linkedin.com");
    let id = account.setting("ad_account_id");
    let answer = http::json(
        client
            .get(format!("{base}/rest/adAccounts/{id}"))
            .bearer_auth(account.secret("access_token"))
            .header("LinkedIn-Version", account.setting("api_version"))
            .header("X-Restli-Protocol-Version", "2.0.0"),
        "LinkedIn",
    )
    .await?;
    let name = answer["name"].as_str().unwrap_or("(unnamed)");
    let status = answer["status"].as_str().unwrap_or("unknown");
    Ok(format!("LinkedIn: ad account {id} \"{name}\" is {status}"))
}

/// Launches, controls and reads back campaigns through the versioned Rest.li API: a DMP
/// segment of hashed addresses, a campaign group, a campaign (created `DRAFT`, activated
/// last) and one inline sponsored creative per ad. Ids come back in `x-restli-id`.
pub struct LinkedinAds {
    wire: Wire,
}

const PROVIDER: &str = "LinkedIn";

impl LinkedinAds {
    /// Over `wire`.
    pub fn new(wire: Wire) -> Self {
        Self { wire }
    }

    fn account(&self) -> Result<String, Outcome> {
        Ok(self
            .wire
            .required("ad_account_id", "ad account id")?
            .to_owned())
    }

    fn account_urn(&self) -> Result<String, Outcome> {
        Ok(format!("urn:li:sponsoredAccount:{}", self.account()?))
    }

    fn request(&self, method: reqwest::Method, tail: &str) -> reqwest::RequestBuilder {
        self.wire
            .http()
            .request(
                method,
                format!("{}/rest/{tail}", self.wire.base("https://api.linkedin.com")),
            )
            .bearer_auth(self.wire.secret("access_token"))
            .header(
                "LinkedIn-Version",
                self.wire.setting("api_version", API_VERSION),
            )
            .header("X-Restli-Protocol-Version", "2.0.0")
    }

    /// Creates with `POST`; the new id is the `x-restli-id` header.
    async fn create_at(&self, tail: &str, body: &Value, note: &str) -> Result<String, Outcome> {
        let answer = self
            .wire
            .send(
                self.request(reqwest::Method::POST, tail).json(body),
                PROVIDER,
                note,
            )
            .await?;
        let id = answer
            .headers
            .get("x-restli-id")
            .and_then(|v| v.to_str().ok());
        id_in(id, note.trim_start_matches("create the "), PROVIDER)
    }

    async fn get(&self, tail: &str, note: &str) -> Result<Value, Outcome> {
        Ok(self
            .wire
            .send(self.request(reqwest::Method::GET, tail), PROVIDER, note)
            .await?
            .body)
    }

    async fn set_status(&self, remote: &Remote, status: &str) -> Result<(), Outcome> {
        let campaign = earlier(remote, "campaign")?;
        self.wire
            .send(
                self.request(
                    reqwest::Method::POST,
                    &format!("adAccounts/{}/adCampaigns/{campaign}", self.account()?),
                )
                .header("X-RestLi-Method", "PARTIAL_UPDATE")
                .json(&json!({"patch": {"$set": {"status": status}}})),
                PROVIDER,
                &format!("set the campaign {status}"),
            )
            .await
            .map(|_| ())
    }

    /// The id of the element named `name` in a finder's answer.
    fn named(answer: &Value, name: &str) -> Option<String> {
        answer["elements"]
            .as_array()?
            .iter()
            .find(|e| e["name"].as_str() == Some(name))
            .and_then(|e| match &e["id"] {
                Value::Number(n) => Some(n.to_string()),
                Value::String(s) => Some(s.rsplit(':').next().unwrap_or(s).to_owned()),
                _ => None,
            })
    }
}

/// The version used unless the connector names another.
const API_VERSION: &str = "202607";

/// A value inside a Rest.li 2.0 query: reserved characters percent-encoded, so the
/// surrounding `List(…)` and `(name:…)` syntax stays literal.
fn restli(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

fn objective_type(objective: AdObjective) -> &'static str {
    match objective {
        AdObjective::Leads => "LEAD_GENERATION",
        AdObjective::Traffic => "WEBSITE_VISIT",
        AdObjective::Awareness => "BRAND_AWARENESS",
        AdObjective::Conversions => "WEBSITE_CONVERSION",
    }
}

fn epoch_ms(at: crate::domain::time::Timestamp) -> i64 {
    at.unix_seconds() * 1000
}

#[async_trait::async_trait]
impl AdApi for LinkedinAds {
    async fn find(
        &self,
        step: &str,
        launch: &Launch<'_>,
        remote: &Remote,
    ) -> Result<Option<String>, Outcome> {
        let name = launch.campaign.remote_name(step);
        let account = self.account()?;
        let note = "look for what an interrupted launch created";
        match step {
            "audience" => {
                let answer = self
                    .get(
                        &format!(
                            "dmpSegments?q=account&account={}",
                            restli(&self.account_urn()?)
                        ),
                        note,
                    )
                    .await?;
                Ok(Self::named(&answer, &name))
            }
            "campaign_group" | "campaign" => {
                let collection = if step == "campaign" {
                    "adCampaigns"
                } else {
                    "adCampaignGroups"
                };
                let answer = self
                    .get(
                        &format!(
                            "adAccounts/{account}/{collection}?q=search&search=(name:(values:List({})))",
                            restli(&name)
                        ),
                        note,
                    )
                    .await?;
                Ok(Self::named(&answer, &name))
            }
            s if s.starts_with("ad:") => {
                let campaign = format!("urn:li:sponsoredCampaign:{}", earlier(remote, "campaign")?);
                let answer = self
                    .get(
                        &format!(
                            "adAccounts/{account}/creatives?q=criteria&campaigns=List({})",
                            restli(&campaign)
                        ),
                        note,
                    )
                    .await?;
                Ok(answer["elements"].as_array().and_then(|all| {
                    all.iter()
                        .find(|e| e["name"].as_str() == Some(name.as_str()))
                        .and_then(|e| e["id"].as_str().map(str::to_owned))
                }))
            }
            _ => Ok(None),
        }
    }

    async fn create(
        &self,
        step: &str,
        launch: &Launch<'_>,
        remote: &Remote,
    ) -> Result<String, Outcome> {
        let c = launch.campaign;
        let account = self.account()?;
        let account_urn = self.account_urn()?;
        let start = epoch_ms(c.starts_at.unwrap_or(c.updated_at));
        match step {
            "audience" => {
                self.create_at(
                    "dmpSegments",
                    &json!({
                        "name": c.remote_name(step),
                        "account": account_urn,
                        "type": "USER",
                        "sourcePlatform": "LIST_UPLOAD",
                        "destinations": [{"destination": "LINKEDIN"}]
                    }),
                    "create the DMP segment",
                )
                .await
            }
            "audience_members" => {
                let segment = earlier(remote, "audience")?;
                for batch in launch.audience.chunks(UPLOAD_BATCH) {
                    let elements: Vec<Value> = batch
                        .iter()
                        .map(|h| json!({"action": "ADD", "userIds": [{"idType": "SHA256_EMAIL", "idValue": h}]}))
                        .collect();
                    self.wire
                        .send(
                            self.request(
                                reqwest::Method::POST,
                                &format!("dmpSegments/{segment}/users"),
                            )
                            .header("X-RestLi-Method", "BATCH_CREATE")
                            .json(&json!({ "elements": elements })),
                            PROVIDER,
                            &format!("upload {} hashed addresses", batch.len()),
                        )
                        .await?;
                }
                Ok(segment.to_owned())
            }
            "campaign_group" => {
                let mut schedule = json!({ "start": start });
                if let Some(end) = c.ends_at {
                    schedule["end"] = json!(epoch_ms(end));
                }
                self.create_at(
                    &format!("adAccounts/{account}/adCampaignGroups"),
                    &json!({"account": account_urn, "name": c.remote_name(step), "status": "ACTIVE", "runSchedule": schedule}),
                    "create the campaign group",
                )
                .await
            }
            "campaign" => {
                let group = earlier(remote, "campaign_group")?;
                let segment = earlier(remote, "audience")?;
                let mut schedule = json!({ "start": start });
                if let Some(end) = c.ends_at {
                    schedule["end"] = json!(epoch_ms(end));
                }
                self.create_at(
                    &format!("adAccounts/{account}/adCampaigns"),
                    &json!({
                        "account": account_urn,
                        "campaignGroup": format!("urn:li:sponsoredCampaignGroup:{group}"),
                        "name": c.remote_name(step),
                        "type": "SPONSORED_UPDATES",
                        "format": "STANDARD_UPDATE",
                        "objectiveType": objective_type(c.objective),
                        "costType": "CPM",
                        "dailyBudget": {"amount": cents_to_decimal(c.daily_budget_cents), "currencyCode": "USD"},
                        "locale": {"country": "US", "language": "en"},
                        "runSchedule": schedule,
                        "targetingCriteria": {"include": {"and": [{"or": {
                            "urn:li:adTargetingFacet:audienceMatchingSegments": [format!("urn:li:adSegment:{segment}")]
                        }}]}},
                        "offsiteDeliveryEnabled": false,
                        "audienceExpansionEnabled": false,
                        "politicalIntent": "NOT_POLITICAL",
                        "status": "DRAFT"
                    }),
                    "create the campaign",
                )
                .await
            }
            s if s.starts_with("ad:") => {
                let creative = launch.creative(s)?;
                let organization = self.wire.required("organization_id", "organization id")?;
                let campaign = earlier(remote, "campaign")?;
                let copy = &creative.copy;
                let url = copy.final_url.clone().unwrap_or_default();
                let headline = copy.headlines.first().cloned().unwrap_or_default();
                let answer = self
                    .wire
                    .send(
                        self.request(
                            reqwest::Method::POST,
                            &format!("adAccounts/{account}/creatives?action=createInline"),
                        )
                        .json(&json!({"creative": {
                            "campaign": format!("urn:li:sponsoredCampaign:{campaign}"),
                            "name": c.remote_name(s),
                            "intendedStatus": "ACTIVE",
                            "inlineContent": {"post": {
                                "author": format!("urn:li:organization:{organization}"),
                                "commentary": copy.primary_text.clone().unwrap_or_default(),
                                "visibility": "PUBLIC",
                                "distribution": {"feedDistribution": "NONE", "targetEntities": [], "thirdPartyDistributionChannels": []},
                                "content": {"article": {"source": url, "title": headline}},
                                "contentLandingPage": url,
                                "contentCallToActionLabel": copy.call_to_action.clone().unwrap_or_else(|| "LEARN_MORE".into()),
                                "lifecycleState": "PUBLISHED",
                                "isReshareDisabledByAuthor": false,
                                "adContext": {"dscAdAccount": account_urn, "dscStatus": "ACTIVE"}
                            }}
                        }})),
                        PROVIDER,
                        "create the sponsored creative",
                    )
                    .await?;
                id_in(
                    answer.body["value"]["creative"].as_str(),
                    "creative",
                    PROVIDER,
                )
            }
            "activate" => {
                self.set_status(remote, "ACTIVE").await?;
                Ok("ACTIVE".into())
            }
            other => Err(Outcome::Permanent(format!(
                "LinkedIn has no launch step {other}"
            ))),
        }
    }

    async fn set_delivering(&self, remote: &Remote, on: bool) -> Result<(), Outcome> {
        self.set_status(remote, if on { "ACTIVE" } else { "PAUSED" })
            .await
    }

    async fn remove(&self, remote: &Remote) -> Result<(), Outcome> {
        let account = self.account()?;
        if let Some(campaign) = remote.get("campaign") {
            self.wire
                .send(
                    self.request(
                        reqwest::Method::DELETE,
                        &format!("adAccounts/{account}/adCampaigns/{campaign}"),
                    ),
                    PROVIDER,
                    "delete the campaign",
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
        let campaign = format!("urn:li:sponsoredCampaign:{}", earlier(remote, "campaign")?);
        let range = |d: time::Date| {
            format!(
                "(year:{},month:{},day:{})",
                d.year(),
                u8::from(d.month()),
                d.day()
            )
        };
        let answer = self
            .get(
                &format!(
                    "adAnalytics?q=analytics&pivot=CAMPAIGN&timeGranularity=DAILY&dateRange=(start:{},end:{})&campaigns=List({})&fields=dateRange,pivotValues,impressions,clicks,costInLocalCurrency,externalWebsiteConversions,oneClickLeads",
                    range(from),
                    range(to),
                    restli(&campaign)
                ),
                "read daily metrics",
            )
            .await?;
        let mut days = Vec::new();
        for e in answer["elements"].as_array().into_iter().flatten() {
            let start = &e["dateRange"]["start"];
            let day = format!(
                "{:04}-{:02}-{:02}",
                count(&start["year"]),
                count(&start["month"]),
                count(&start["day"])
            );
            let cost = match &e["costInLocalCurrency"] {
                Value::String(s) => decimal_to_cents(s),
                Value::Number(n) => decimal_to_cents(&n.to_string()),
                _ => 0,
            };
            days.push(DayMetrics {
                day,
                spend_cents: cost,
                impressions: count(&e["impressions"]),
                clicks: count(&e["clicks"]),
                conversions: count(&e["externalWebsiteConversions"]) + count(&e["oneClickLeads"]),
            });
        }
        Ok(days)
    }

    fn calls(&self) -> Vec<Call> {
        self.wire.calls()
    }
}
