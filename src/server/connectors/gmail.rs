//! Gmail API.

use super::{Account, TestFailed, http};

/// Reads the mailbox profile (`users.getProfile`) and checks it is the configured sender.
pub async fn test(account: &Account<'_>, client: &reqwest::Client) -> Result<String, TestFailed> {
    let base = account.base_url("https://gmail.googleapis.com");
    let profile = http::json(
        client
            .get(format!("{base}/gmail/v1/users/me/profile"))
            .bearer_auth(account.secret("access_token")),
        "Gmail",
    )
    .await?;
    let address = profile["emailAddress"]
        .as_str()
        .unwrap_or_default()
        .to_lowercase();
    if address != account.setting("sender") {
        return Err(TestFailed(format!(
            "Gmail: the token belongs to {address}, not to the sender {}",
            account.setting("sender")
        )));
    }
    Ok(format!("Gmail: authenticated as {address}"))
}
