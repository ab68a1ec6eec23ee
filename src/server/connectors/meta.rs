//! Meta Marketing (Graph) API.

use super::{Account, TestFailed, http};

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
