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

/// Sends one message with `sendMail` in MIME form (the body is the base64 RFC 5322
/// message), so our own headers are kept. Graph answers 202 with no id.
pub async fn send(
    account: &Account<'_>,
    client: &reqwest::Client,
    message: &[u8],
) -> crate::domain::delivery::Outcome {
    use crate::domain::delivery::Outcome;
    use base64::Engine;
    let base = account.base_url("https://graph.microsoft.com");
    let body = base64::engine::general_purpose::STANDARD.encode(message);
    match http::deliver(
        client
            .post(format!(
                "{base}/v1.0/users/{}/sendMail",
                account.setting("sender")
            ))
            .bearer_auth(account.secret("access_token"))
            .header(reqwest::header::CONTENT_TYPE, "text/plain")
            .body(body),
        "Microsoft Graph",
    )
    .await
    {
        Ok(_) => Outcome::Sent { provider_id: None },
        Err(outcome) => outcome,
    }
}
