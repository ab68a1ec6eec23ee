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

/// Sends one message with `users.messages.send`: the whole RFC 5322 message, base64url, so
/// every header we set (Message-ID, List-Unsubscribe, threading) reaches the recipient.
pub async fn send(
    account: &Account<'_>,
    client: &reqwest::Client,
    message: &[u8],
) -> crate::domain::delivery::Outcome {
    use crate::domain::delivery::Outcome;
    use base64::Engine;
    let base = account.base_url("https://gmail.googleapis.com");
    let raw = base64::engine::general_purpose::URL_SAFE.encode(message);
    match http::deliver(
        client
            .post(format!("{base}/gmail/v1/users/me/messages/send"))
            .bearer_auth(account.secret("access_token"))
            .json(&serde_json::json!({ "raw": raw })),
        "Gmail",
    )
    .await
    {
        Ok(answer) => Outcome::Sent {
            provider_id: answer["id"].as_str().map(str::to_owned),
        },
        Err(outcome) => outcome,
    }
}
