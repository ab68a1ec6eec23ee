//! LinkedIn Marketing API.

use super::{Account, TestFailed, http};

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
