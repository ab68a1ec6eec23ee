//! Google Ads REST API.

use super::{Account, TestFailed, http};

/// Runs a one-row GAQL search for the customer (`customers/{id}/googleAds:search`).
pub async fn test(account: &Account<'_>, client: &reqwest::Client) -> Result<String, TestFailed> {
    let base = account.base_url("https://googleads.googleapis.com");
    let version = account
        .settings
        .get("api_version")
        .map_or("v19", String::as_str);
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
