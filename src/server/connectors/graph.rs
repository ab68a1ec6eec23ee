//! Microsoft Graph (Outlook).

use super::{Account, TestFailed, http};

/// Reads the sender's user record (`GET /users/{sender}`).
pub async fn test(account: &Account<'_>, client: &reqwest::Client) -> Result<String, TestFailed> {
    let base = account.base_url("https://graph.microsoft.com");
    let user = http::json(
        client
            .get(format!("{base}/v1.0/users/{}", account.setting("sender")))
            .query(&[("$select", "mail,userPrincipalName")])
            .bearer_auth(account.secret("access_token")),
        "Microsoft Graph",
    )
    .await?;
    let mail = user["mail"]
        .as_str()
        .or(user["userPrincipalName"].as_str())
        .unwrap_or_default();
    Ok(format!("Microsoft Graph: can read the mailbox of {mail}"))
}
