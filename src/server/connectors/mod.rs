//! One typed client per provider. Each speaks the provider's real wire format; every base URL
//! can be overridden (tests point them at local fakes that check what they receive).
//!
//! Each has its connection test; the mail senders also send (launching and publishing join
//! them with the features that need them).

pub mod ads;
pub mod cms;
mod gmail;
mod google_ads;
mod graph;
mod http;
mod linkedin;
mod meta;
mod sandbox_ads;
mod sandbox_cms;
mod sanity;
mod smtp;
mod webflow;
pub mod wire;

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::Duration;

use crate::domain::connector::ConnectorKind;

/// Every call to a provider gives up after this long.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(15);

/// A connector's configuration, opened, for a client to use.
#[derive(Clone)]
pub struct Account<'a> {
    /// Visible settings.
    pub settings: &'a BTreeMap<String, String>,
    /// Opened secrets.
    pub secrets: &'a BTreeMap<String, String>,
}

impl std::fmt::Debug for Account<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("settings", self.settings)
            .finish_non_exhaustive()
    }
}

impl Account<'_> {
    fn setting(&self, name: &str) -> &str {
        self.settings.get(name).map_or("", String::as_str)
    }

    fn secret(&self, name: &str) -> &str {
        self.secrets.get(name).map_or("", String::as_str)
    }

    fn base_url(&self, default: &str) -> String {
        self.settings
            .get("base_url")
            .map_or(default, String::as_str)
            .trim_end_matches('/')
            .to_owned()
    }
}

/// A connection test failed; the text is the provider's reason, safe to show (never a secret).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TestFailed(pub String);

/// Does one real, harmless check against the provider: SMTP connects, greets, negotiates TLS as
/// configured and authenticates; HTTP kinds make one authenticated read.
pub async fn test_connection(
    kind: ConnectorKind,
    account: &Account<'_>,
    client: &reqwest::Client,
) -> Result<String, TestFailed> {
    match kind {
        ConnectorKind::Sandbox => Ok("sandbox: nothing leaves Tenex, every check passes".into()),
        ConnectorKind::Smtp => smtp::test(account).await,
        ConnectorKind::Gmail => gmail::test(account, client).await,
        ConnectorKind::Outlook => graph::test(account, client).await,
        ConnectorKind::GoogleAds => google_ads::test(account, client).await,
        ConnectorKind::LinkedinAds => linkedin::test(account, client).await,
        ConnectorKind::MetaAds => meta::test(account, client).await,
        ConnectorKind::Webflow => webflow::test(account, client).await,
        ConnectorKind::Sanity => sanity::test(account, client).await,
    }
}

/// The HTTP client every provider call shares (pooled connections, timeouts on every call).
/// Redirects are not followed: a request carries credentials, and a redirect answer is the
/// provider's failure to report, not a place to send them.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(CALL_TIMEOUT)
        .connect_timeout(Duration::from_secs(5))
        .user_agent(concat!("tenex/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("the HTTP client builds")
}

/// Hands composed messages to SMTP servers, Gmail or Microsoft Graph, keeping idle SMTP
/// connections per connector version so they are reused across messages.
#[derive(Clone)]
pub struct Mailers {
    http: reqwest::Client,
    smtp: std::sync::Arc<Mutex<HashMap<(String, i64), SmtpIdle>>>,
}

/// Idle SMTP connections of one connector version.
type SmtpIdle = std::sync::Arc<Mutex<smtp::Idle>>;

impl Mailers {
    /// Senders over the shared HTTP client.
    pub fn new(http: reqwest::Client) -> Self {
        Self {
            http,
            smtp: Default::default(),
        }
    }

    /// Sends `message` through the connector `(id, version)` of `kind`, within `budget` (an
    /// SMTP conversation splits it between its phases, so a server that hangs is known to
    /// hang before or after the message data). Sandbox connectors never reach here (their
    /// outbox is a table).
    pub async fn send(
        &self,
        kind: ConnectorKind,
        connector: (&str, i64),
        account: &Account<'_>,
        message: lettre::Message,
        budget: Duration,
    ) -> crate::domain::delivery::Outcome {
        use crate::domain::delivery::Outcome;
        match kind {
            ConnectorKind::Smtp => {
                let idle = {
                    let mut pools = self
                        .smtp
                        .lock()
                        .expect("the SMTP pool lock is never poisoned");
                    let key = (connector.0.to_owned(), connector.1);
                    if !pools.contains_key(&key) {
                        // An edited connector gets a new version: its old connections go.
                        pools.retain(|(id, _), _| id != connector.0);
                    }
                    pools.entry(key).or_default().clone()
                };
                smtp::send(&idle, account, message, budget).await
            }
            ConnectorKind::Gmail => gmail::send(account, &self.http, &message.formatted()).await,
            ConnectorKind::Outlook => graph::send(account, &self.http, &message.formatted()).await,
            other => Outcome::Permanent(format!("a {other} connector cannot send email")),
        }
    }
}
