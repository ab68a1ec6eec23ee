//! What every provider client of a connector shares: its settings and opened secrets, the
//! HTTP client, and the record of the calls made (method, path, status — never a body).

use std::collections::BTreeMap;
use std::sync::Mutex;

use super::http::{self, Answer};
use crate::domain::delivery::Outcome;

pub use crate::domain::ad_campaign::PlatformCall as Call;

/// A connector's settings and secrets, the shared HTTP client, and the record of calls.
pub struct Wire {
    http: reqwest::Client,
    settings: BTreeMap<String, String>,
    secrets: BTreeMap<String, String>,
    calls: Mutex<Vec<Call>>,
    wait: Mutex<Option<u64>>,
}

impl Wire {
    /// A wire over `http` for a connector with `settings` and opened `secrets`.
    pub fn new(
        http: reqwest::Client,
        settings: BTreeMap<String, String>,
        secrets: BTreeMap<String, String>,
    ) -> Self {
        Self {
            http,
            settings,
            secrets,
            calls: Mutex::new(Vec::new()),
            wait: Mutex::new(None),
        }
    }

    /// A setting, or `default`.
    pub fn setting<'a>(&'a self, name: &str, default: &'a str) -> &'a str {
        self.settings
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
            .unwrap_or(default)
    }

    /// A setting the connector must have for ads, or a permanent failure naming it.
    pub fn required(&self, name: &str, what: &str) -> Result<&str, Outcome> {
        self.settings
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| {
                Outcome::Permanent(format!(
                    "the connector has no {what} (setting `{name}`); an admin adds it under Connectors"
                ))
            })
    }

    /// An opened secret.
    pub fn secret(&self, name: &str) -> &str {
        self.secrets.get(name).map_or("", String::as_str)
    }

    /// The base URL: the `base_url` override, else `default`.
    pub fn base(&self, default: &str) -> String {
        self.setting("base_url", default)
            .trim_end_matches('/')
            .to_owned()
    }

    /// The HTTP client.
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// Sends `request` to `provider`, recording `method path` with the answer's status.
    pub async fn send(
        &self,
        request: reqwest::RequestBuilder,
        provider: &str,
        note: &str,
    ) -> Result<Answer, Outcome> {
        let (method, path) = request
            .try_clone()
            .and_then(|r| r.build().ok())
            .map(|r| {
                let url = r.url();
                let path = match url.query() {
                    Some(q) => format!("{}?{q}", url.path()),
                    None => url.path().to_owned(),
                };
                (r.method().to_string(), path)
            })
            .unwrap_or_default();
        let answer = http::exchange_waiting(request, provider)
            .await
            .map_err(|(outcome, wait)| {
                *self.wait.lock().expect("the wait lock is never poisoned") = wait;
                outcome
            });
        let status = match &answer {
            Ok(a) => a.status,
            Err(e) => status_in(e),
        };
        self.calls
            .lock()
            .expect("the call log lock is never poisoned")
            .push(Call {
                method,
                path,
                status,
                note: match &answer {
                    Ok(_) => note.to_owned(),
                    Err(e) => format!("{note}: {}", e.reason().unwrap_or_default()),
                },
            });
        answer
    }

    /// The seconds the last refusal's `Retry-After` asked to wait, if it said.
    pub fn asked_to_wait(&self) -> Option<u64> {
        *self.wait.lock().expect("the wait lock is never poisoned")
    }

    /// The calls recorded so far.
    pub fn calls(&self) -> Vec<Call> {
        self.calls
            .lock()
            .expect("the call log lock is never poisoned")
            .clone()
    }
}

/// A required id from a create's answer, or an uncertain failure: the platform said yes
/// but did not say to what, so the object is looked up on the next attempt.
pub fn id_in(value: Option<&str>, what: &str, provider: &str) -> Result<String, Outcome> {
    value
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| {
            Outcome::Uncertain(format!(
                "{provider} accepted the {what} but its answer carried no id"
            ))
        })
}

/// The HTTP status named in a failure's reason ("… HTTP 503: …"), else 0.
fn status_in(outcome: &Outcome) -> u16 {
    outcome
        .reason()
        .and_then(|r| r.split("HTTP ").nth(1))
        .and_then(|r| r.get(..3))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}
