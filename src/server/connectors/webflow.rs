//! Webflow Data API v2.

use super::{Account, TestFailed, http};

/// Reads the collection (`GET /v2/collections/{id}`) posts will be created in.
pub async fn test(account: &Account<'_>, client: &reqwest::Client) -> Result<String, TestFailed> {
    let base = account.base_url("https://api.webflow.com");
    let id = account.setting("collection_id");
    let answer = http::json(
        client
            .get(format!("{base}/v2/collections/{id}"))
            .bearer_auth(account.secret("api_token")),
        "Webflow",
    )
    .await?;
    let name = answer["displayName"].as_str().unwrap_or("(unnamed)");
    Ok(format!("Webflow: collection \"{name}\" is reachable"))
}
