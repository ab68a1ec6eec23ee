//! Google Ads REST API.

use serde_json::{Value, json};

use super::ads::{AdApi, Call, Launch, Remote, UPLOAD_BATCH, Wire, count, earlier, id_in};
use super::{Account, TestFailed, http};
use crate::domain::ad_campaign::DayMetrics;
use crate::domain::delivery::Outcome;

/// Runs a one-row GAQL search for the customer (`customers/{id}/googleAds:search`).
pub async fn test(account: &Account<'_>, client: &reqwest::Client) -> Result<String, TestFailed> {
    let base = account.base_url("https://googleads.googleapis.com");
    let version = account
        .settings
        .get("api_version")
        .map_or(API_VERSION, String::as_str);
    let customer = account.setting("customer_id");
    let mut request = client
        .post(format!("{base}/{version}/customers/{customer}/googleAds:search"))
        .bearer_auth(account.secret("access_token"))
        .header("developer-token", account.secret("developer_token"))
        .json(&serde_json::json!({"query": "SELECT customer.id, customer.descriptive_name FROM customer LIMIT 1"}));
    if let Some(login) = account.settings.get("login_customer_id") {
        request = request.header("login-customer-id", login);
    }
    let answer = http::json(request, "Google Ads").await?;
    let name = answer["results"][0]["customer"]["descriptiveName"]
        .as_str()
        .unwrap_or("(unnamed)");
    Ok(format!(
        "Google Ads: customer {customer} \"{name}\" is reachable"
    ))
}

/// Launches, controls and reads back Search campaigns through the REST API: the audience is
/// a Customer Match user list filled by an offline user data job; budget, campaign, ad
/// group, responsive search ads and the audience criterion are one atomic
/// `googleAds:mutate` with temporary ids, created `PAUSED` and enabled last.
pub struct GoogleAds {
    wire: Wire,
}

const PROVIDER: &str = "Google Ads";

impl GoogleAds {
    /// Over `wire`.
    pub fn new(wire: Wire) -> Self {
        Self { wire }
    }

    fn customer(&self) -> Result<String, Outcome> {
        Ok(self
            .wire
            .required("customer_id", "customer id")?
            .replace('-', ""))
    }

    fn url(&self, tail: &str) -> String {
        format!(
            "{}/{}/{tail}",
            self.wire.base("https://googleads.googleapis.com"),
            self.wire.setting("api_version", API_VERSION)
        )
    }

    fn post(&self, tail: &str, body: &Value) -> reqwest::RequestBuilder {
        let mut request = self
            .wire
            .http()
            .post(self.url(tail))
            .bearer_auth(self.wire.secret("access_token"))
            .header("developer-token", self.wire.secret("developer_token"))
            .json(body);
        let login = self.wire.setting("login_customer_id", "").replace('-', "");
        if !login.is_empty() {
            request = request.header("login-customer-id", login);
        }
        request
    }

    async fn call(&self, tail: &str, body: &Value, note: &str) -> Result<Value, Outcome> {
        Ok(self
            .wire
            .send(self.post(tail, body), PROVIDER, note)
            .await?
            .body)
    }

    /// The resource name of the first row a GAQL query finds, at `path` in the row.
    async fn search_one(&self, query: &str, path: [&str; 2]) -> Result<Option<String>, Outcome> {
        let customer = self.customer()?;
        let answer = self
            .call(
                &format!("customers/{customer}/googleAds:search"),
                &json!({ "query": query }),
                "look for what an interrupted launch created",
            )
            .await?;
        Ok(answer["results"][0][path[0]][path[1]]
            .as_str()
            .map(str::to_owned))
    }

    fn mutate_campaign(&self, campaign: &str, status: &str) -> Value {
        json!({"operations": [{"update": {"resourceName": campaign, "status": status}, "updateMask": "status"}]})
    }
}

/// The API version used unless the connector names another.
const API_VERSION: &str = "v26";

/// A GAQL string literal.
fn gaql_text(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// A time as Google takes it: `yyyy-MM-dd HH:mm:ss` (the account's zone; ours are UTC).
fn date_time(at: crate::domain::time::Timestamp) -> String {
    let t = at.as_datetime();
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

#[async_trait::async_trait]
impl AdApi for GoogleAds {
    async fn find(
        &self,
        step: &str,
        launch: &Launch<'_>,
        _remote: &Remote,
    ) -> Result<Option<String>, Outcome> {
        let name = gaql_text(&launch.campaign.remote_name(step));
        match step {
            "audience" => {
                self.search_one(
                    &format!("SELECT user_list.resource_name FROM user_list WHERE user_list.name = {name}"),
                    ["userList", "resourceName"],
                )
                .await
            }
            "campaign" => {
                self.search_one(
                    &format!("SELECT campaign.resource_name FROM campaign WHERE campaign.name = {name} AND campaign.status != 'REMOVED'"),
                    ["campaign", "resourceName"],
                )
                .await
            }
            // Uploading members again and enabling again change nothing.
            _ => Ok(None),
        }
    }

    async fn create(
        &self,
        step: &str,
        launch: &Launch<'_>,
        remote: &Remote,
    ) -> Result<String, Outcome> {
        let customer = self.customer()?;
        let c = launch.campaign;
        match step {
            "audience" => {
                let answer = self
                    .call(
                        &format!("customers/{customer}/userLists:mutate"),
                        &json!({"operations": [{"create": {
                            "name": c.remote_name(step),
                            "description": format!("Tenex audience of {}", c.id),
                            "membershipLifeSpan": 10000,
                            "crmBasedUserList": {"uploadKeyType": "CONTACT_INFO", "dataSourceType": "FIRST_PARTY"}
                        }}]}),
                        "create the Customer Match user list",
                    )
                    .await?;
                id_in(
                    answer["results"][0]["resourceName"].as_str(),
                    "user list",
                    PROVIDER,
                )
            }
            "audience_members" => {
                let list = earlier(remote, "audience")?;
                let job = self
                    .call(
                        &format!("customers/{customer}/offlineUserDataJobs:create"),
                        &json!({"job": {
                            "type": "CUSTOMER_MATCH_USER_LIST",
                            "customerMatchUserListMetadata": {
                                "userList": list,
                                "consent": {"adUserData": "GRANTED", "adPersonalization": "GRANTED"}
                            }
                        }}),
                        "create the upload job",
                    )
                    .await?;
                let job = id_in(job["resourceName"].as_str(), "upload job", PROVIDER)?;
                for batch in launch.audience.chunks(UPLOAD_BATCH) {
                    let operations: Vec<Value> = batch
                        .iter()
                        .map(|h| json!({"create": {"userIdentifiers": [{"hashedEmail": h}]}}))
                        .collect();
                    self.call(
                        &format!("{job}:addOperations"),
                        &json!({"enablePartialFailure": true, "operations": operations}),
                        &format!("upload {} hashed addresses", batch.len()),
                    )
                    .await?;
                }
                self.call(&format!("{job}:run"), &json!({}), "run the upload job")
                    .await?;
                Ok(job)
            }
            "campaign" => {
                let list = earlier(remote, "audience")?;
                let prefix = format!("customers/{customer}");
                let (budget, campaign, group) = (
                    format!("{prefix}/campaignBudgets/-1"),
                    format!("{prefix}/campaigns/-2"),
                    format!("{prefix}/adGroups/-3"),
                );
                let mut settings = json!({
                    "resourceName": campaign,
                    "name": c.remote_name(step),
                    "advertisingChannelType": "SEARCH",
                    "status": "PAUSED",
                    "campaignBudget": budget,
                    "manualCpc": {},
                    "networkSettings": {"targetGoogleSearch": true, "targetSearchNetwork": true,
                        "targetContentNetwork": false, "targetPartnerSearchNetwork": false},
                    "containsEuPoliticalAdvertising": "DOES_NOT_CONTAIN_EU_POLITICAL_ADVERTISING",
                });
                if let Some(start) = c.starts_at {
                    settings["startDateTime"] = json!(date_time(start));
                }
                if let Some(end) = c.ends_at {
                    settings["endDateTime"] = json!(date_time(end));
                }
                let mut operations = vec![
                    json!({"campaignBudgetOperation": {"create": {
                        "resourceName": budget,
                        "name": c.remote_name("budget"),
                        "amountMicros": (c.daily_budget_cents * 10_000).to_string(),
                        "deliveryMethod": "STANDARD",
                        "explicitlyShared": false
                    }}}),
                    json!({"campaignOperation": {"create": settings}}),
                    json!({"adGroupOperation": {"create": {
                        "resourceName": group,
                        "name": c.remote_name("ad_group"),
                        "campaign": campaign,
                        "status": "ENABLED",
                        "type": "SEARCH_STANDARD"
                    }}}),
                    json!({"campaignCriterionOperation": {"create": {
                        "campaign": campaign,
                        "userList": {"userList": list}
                    }}}),
                ];
                for creative in launch.creatives {
                    let copy = &creative.copy;
                    let mut ad = json!({
                        "headlines": copy.headlines.iter().map(|t| json!({"text": t})).collect::<Vec<_>>(),
                        "descriptions": copy.descriptions.iter().map(|t| json!({"text": t})).collect::<Vec<_>>(),
                    });
                    if let Some(p) = &copy.path1 {
                        ad["path1"] = json!(p);
                    }
                    if let Some(p) = &copy.path2 {
                        ad["path2"] = json!(p);
                    }
                    operations.push(json!({"adGroupAdOperation": {"create": {
                        "adGroup": group,
                        "status": "ENABLED",
                        "ad": {"finalUrls": [copy.final_url.clone().unwrap_or_default()], "responsiveSearchAd": ad}
                    }}}));
                }
                let answer = self
                    .call(
                        &format!("{prefix}/googleAds:mutate"),
                        &json!({"mutateOperations": operations, "partialFailure": false, "validateOnly": false}),
                        "create budget, campaign, ad group, audience and ads (paused)",
                    )
                    .await?;
                let created = answer["mutateOperationResponses"].as_array().and_then(|r| {
                    r.iter()
                        .find_map(|o| o["campaignResult"]["resourceName"].as_str())
                });
                id_in(created, "campaign", PROVIDER)
            }
            "activate" => {
                let campaign = earlier(remote, "campaign")?;
                self.call(
                    &format!("customers/{customer}/campaigns:mutate"),
                    &self.mutate_campaign(campaign, "ENABLED"),
                    "enable the campaign",
                )
                .await?;
                Ok("ENABLED".into())
            }
            other => Err(Outcome::Permanent(format!(
                "Google Ads has no launch step {other}"
            ))),
        }
    }

    async fn set_delivering(&self, remote: &Remote, on: bool) -> Result<(), Outcome> {
        let customer = self.customer()?;
        let campaign = earlier(remote, "campaign")?;
        let status = if on { "ENABLED" } else { "PAUSED" };
        self.call(
            &format!("customers/{customer}/campaigns:mutate"),
            &self.mutate_campaign(campaign, status),
            &format!("set the campaign {status}"),
        )
        .await
        .map(|_| ())
    }

    async fn remove(&self, remote: &Remote) -> Result<(), Outcome> {
        let customer = self.customer()?;
        if let Some(campaign) = remote.get("campaign") {
            self.call(
                &format!("customers/{customer}/campaigns:mutate"),
                &json!({"operations": [{"remove": campaign}]}),
                "remove the campaign",
            )
            .await?;
        }
        if let Some(list) = remote.get("audience") {
            self.call(
                &format!("customers/{customer}/userLists:mutate"),
                &json!({"operations": [{"remove": list}]}),
                "remove the user list",
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
        let customer = self.customer()?;
        let campaign = earlier(remote, "campaign")?;
        let id = campaign.rsplit('/').next().unwrap_or_default();
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Outcome::Permanent(format!(
                "{campaign} is not a campaign resource name"
            )));
        }
        let query = format!(
            "SELECT campaign.id, segments.date, metrics.cost_micros, metrics.impressions, metrics.clicks, metrics.conversions \
             FROM campaign WHERE campaign.id = {id} AND segments.date BETWEEN '{from}' AND '{to}'"
        );
        let answer = self
            .call(
                &format!("customers/{customer}/googleAds:searchStream"),
                &json!({ "query": query }),
                "read daily metrics",
            )
            .await?;
        let mut days = Vec::new();
        for batch in answer.as_array().into_iter().flatten() {
            for row in batch["results"].as_array().into_iter().flatten() {
                let Some(day) = row["segments"]["date"].as_str() else {
                    continue;
                };
                let m = &row["metrics"];
                days.push(DayMetrics {
                    day: day.to_owned(),
                    // micros → cents, rounded
                    spend_cents: (count(&m["costMicros"]) + 5_000) / 10_000,
                    impressions: count(&m["impressions"]),
                    clicks: count(&m["clicks"]),
                    conversions: count(&m["conversions"]),
                });
            }
        }
        Ok(days)
    }

    fn calls(&self) -> Vec<Call> {
        self.wire.calls()
    }
}
