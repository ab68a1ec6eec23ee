//! SMTP through lettre's async client.

use std::time::Duration;

use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, Tokio1Executor};

use super::{Account, TestFailed};

/// A transport for the account: STARTTLS, implicit TLS or plain, with AUTH when a username is set.
pub fn transport(account: &Account<'_>) -> Result<AsyncSmtpTransport<Tokio1Executor>, TestFailed> {
    let host = account.setting("host");
    let port: u16 = account
        .setting("port")
        .parse()
        .map_err(|_| TestFailed("SMTP: the port is not a number".into()))?;
    let tls = |required: bool| {
        TlsParameters::new(host.to_owned())
            .map(|p| {
                if required {
                    Tls::Wrapper(p)
                } else {
                    Tls::Required(p)
                }
            })
            .map_err(|e| TestFailed(format!("SMTP: TLS setup failed: {e}")))
    };
    let tls = match account.setting("tls_mode") {
        "tls" => tls(true)?,
        "starttls" => tls(false)?,
        _ => Tls::None,
    };
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
        .port(port)
        .tls(tls)
        .timeout(Some(Duration::from_secs(15)));
    let username = account.setting("username");
    if !username.is_empty() {
        builder = builder.credentials(Credentials::new(
            username.to_owned(),
            account.secret("password").to_owned(),
        ));
    }
    Ok(builder.build())
}

/// Connects, greets, negotiates TLS as configured and authenticates.
pub async fn test(account: &Account<'_>) -> Result<String, TestFailed> {
    let transport = transport(account)?;
    match tokio::time::timeout(Duration::from_secs(20), transport.test_connection()).await {
        Ok(Ok(true)) => Ok(format!(
            "SMTP: {}:{} accepted the connection",
            account.setting("host"),
            account.setting("port")
        )),
        Ok(Ok(false)) => Err(TestFailed(
            "SMTP: the server did not complete the handshake".into(),
        )),
        Ok(Err(e)) => Err(TestFailed(format!("SMTP: {}", describe(&e)))),
        Err(_) => Err(TestFailed("SMTP: timed out".into())),
    }
}

fn describe(e: &lettre::transport::smtp::Error) -> String {
    if e.is_permanent() || e.is_transient() {
        match e.status() {
            Some(code) => format!("the server refused ({code}): {e}"),
            None => e.to_string(),
        }
    } else {
        e.to_string()
    }
}

/// Hands one message to the server over a pooled connection. Replies 4xx and connection
/// failures are worth retrying; 5xx replies are final.
pub async fn send(
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    message: lettre::Message,
) -> crate::domain::delivery::Outcome {
    use crate::domain::delivery::{Outcome, smtp_reply};
    use lettre::AsyncTransport;
    match tokio::time::timeout(Duration::from_secs(30), transport.send(message)).await {
        Ok(Ok(response)) => Outcome::Sent {
            provider_id: queue_id(&response.message().collect::<Vec<_>>().join(" ")),
        },
        Ok(Err(e)) => match e.status() {
            Some(code) => smtp_reply(u16::from(code), &describe(&e)),
            None => Outcome::Transient(format!("SMTP: {}", describe(&e))),
        },
        Err(_) => Outcome::Transient("SMTP: timed out".into()),
    }
}

/// The queue id servers put in their final reply (`2.0.0 Ok: queued as 4Bx…`), if any.
fn queue_id(reply: &str) -> Option<String> {
    let text = reply.trim();
    let id = text
        .rsplit_once("queued as ")
        .map(|(_, id)| id)
        .unwrap_or(text)
        .trim();
    (!id.is_empty()).then(|| id.chars().take(200).collect())
}
