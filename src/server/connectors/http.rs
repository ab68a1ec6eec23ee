//! What every HTTP provider call shares: send, read the answer, turn failures into a reason.

use super::TestFailed;

/// Sends the request and returns the JSON body of a 2xx answer; anything else becomes the
/// provider's own message (or the status) without echoing credentials.
pub async fn json(
    request: reqwest::RequestBuilder,
    provider: &str,
) -> Result<serde_json::Value, TestFailed> {
    let response = request.send().await.map_err(|e| {
        let what = if e.is_timeout() {
            "timed out".to_owned()
        } else if e.is_connect() {
            let detail = chain(&e.without_url());
            crate::domain::delivery::connect_failure(connect_failure_kind(&detail), &detail)
                .reason()
                .unwrap_or("could not connect")
                .to_owned()
        } else {
            "request failed".to_owned()
        };
        TestFailed(format!("{provider}: {what}"))
    })?;
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    let value: serde_json::Value = serde_json::from_str(&body).unwrap_or(serde_json::Value::Null);
    if status.is_success() {
        return Ok(value);
    }
    let message = provider_message(&value)
        .unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_owned());
    Err(TestFailed(format!(
        "{provider} answered {}: {}",
        status.as_u16(),
        truncate(&message, 300)
    )))
}

/// The error text in the shapes providers use: `{"error": {"message"}}`, `{"message"}`, `{"error": "..."}`.
fn provider_message(v: &serde_json::Value) -> Option<String> {
    let pick = |v: &serde_json::Value| v.as_str().map(str::to_owned);
    v.get("error")
        .and_then(|e| e.get("message").and_then(pick).or_else(|| pick(e)))
        .or_else(|| v.get("message").and_then(pick))
        .or_else(|| v.get("msg").and_then(pick))
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        format!("{}…", text.chars().take(max).collect::<String>())
    }
}

/// Sends a request that hands over a message and says what the answer means: 2xx is sent
/// (with the JSON body, if any); a connection that never opened, 408, 429 and a 503 with
/// `Retry-After` are worth retrying; a failure once the request may have been written
/// (timeout, reset, 500/502/504) is uncertain; other 4xx are final. The reason never
/// echoes credentials.
pub async fn deliver(
    request: reqwest::RequestBuilder,
    provider: &str,
) -> Result<serde_json::Value, crate::domain::delivery::Outcome> {
    exchange(request, provider).await.map(|a| a.body)
}

/// A 2xx answer: its status, the headers a client reads ids from, and the JSON body.
pub struct Answer {
    /// The status code.
    pub status: u16,
    /// The headers.
    pub headers: reqwest::header::HeaderMap,
    /// The body as JSON (`null` when empty or not JSON).
    pub body: serde_json::Value,
}

/// [`deliver`], keeping the answer's status and headers.
pub async fn exchange(
    request: reqwest::RequestBuilder,
    provider: &str,
) -> Result<Answer, crate::domain::delivery::Outcome> {
    exchange_waiting(request, provider)
        .await
        .map_err(|(o, _)| o)
}

/// [`exchange`], with the seconds a refusal's `Retry-After` asked to wait, when it said.
pub async fn exchange_waiting(
    request: reqwest::RequestBuilder,
    provider: &str,
) -> Result<Answer, (crate::domain::delivery::Outcome, Option<u64>)> {
    use crate::domain::delivery::{Outcome, connect_failure, http_status};
    let response = request.send().await.map_err(|e| {
        // Connecting (TCP and TLS) happens before a byte of the request is written.
        let outcome = if e.is_connect() {
            let detail = chain(&e.without_url());
            connect_failure(connect_failure_kind(&detail), &detail).from_provider(provider)
        } else if e.is_timeout() {
            Outcome::Uncertain(format!(
                "{provider}: no answer in time after the request was sent"
            ))
        } else {
            Outcome::Uncertain(format!(
                "{provider}: the connection failed after the request was sent"
            ))
        };
        (outcome, None)
    })?;
    let status = response.status();
    let headers = response.headers().clone();
    let wait = headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .map(retry_after_secs);
    let body = response.text().await.unwrap_or_default();
    let value: serde_json::Value = serde_json::from_str(&body).unwrap_or(serde_json::Value::Null);
    if status.is_success() {
        return Ok(Answer {
            status: status.as_u16(),
            headers,
            body: value,
        });
    }
    let message = provider_message(&value)
        .unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_owned());
    let outcome = http_status(status.as_u16(), &truncate(&message, 300), wait.is_some())
        .from_provider(provider);
    Err((outcome, wait))
}

/// A `Retry-After` value in seconds: a number of seconds, or an HTTP date (seconds from
/// now); anything unreadable asks for a minute.
fn retry_after_secs(value: &str) -> u64 {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return secs;
    }
    httpdate::parse_http_date(value)
        .ok()
        .and_then(|at| at.duration_since(std::time::SystemTime::now()).ok())
        .map_or(60, |d| d.as_secs())
}

/// Why connecting failed, from the error's text (TCP and TLS happen before a byte of the
/// request is written, so nothing was handed over either way).
fn connect_failure_kind(text: &str) -> crate::domain::delivery::ConnectFailure {
    use crate::domain::delivery::ConnectFailure;
    let lower = text.to_ascii_lowercase();
    if unresolvable(&lower) {
        ConnectFailure::NoSuchHost
    } else if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake")
    {
        ConnectFailure::Tls
    } else if lower.contains("timed out") {
        ConnectFailure::Silent
    } else {
        ConnectFailure::Unreachable
    }
}

/// Whether an error's text (lowercase) says the host name does not resolve.
pub(super) fn unresolvable(lower: &str) -> bool {
    [
        "dns error",
        "failed to lookup address",
        "name or service not known",
        "no address associated",
        "nodename nor servname",
    ]
    .iter()
    .any(|m| lower.contains(m))
}

/// The error and its causes, in one line.
pub(super) fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let more = cause.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::delivery::ConnectFailure;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        assert_eq!(retry_after_secs("120"), 120);
        assert_eq!(retry_after_secs(" 7 "), 7);
        assert_eq!(retry_after_secs("soon"), 60);
        let in_a_while = std::time::SystemTime::now() + std::time::Duration::from_secs(600);
        let secs = retry_after_secs(&httpdate::fmt_http_date(in_a_while));
        assert!((590..=600).contains(&secs), "{secs}");
        assert_eq!(
            retry_after_secs("Wed, 21 Oct 2015 07:28:00 GMT"),
            60,
            "a date past"
        );
    }

    #[test]
    fn connect_errors_are_named_by_what_failed() {
        assert_eq!(
            connect_failure_kind(
                "Gmail: error sending request: client error (Connect): dns error: failed to lookup address information: Name or service not known"
            ),
            ConnectFailure::NoSuchHost
        );
        assert_eq!(
            connect_failure_kind(
                "Graph: client error (Connect): invalid peer certificate: UnknownIssuer"
            ),
            ConnectFailure::Tls
        );
        assert_eq!(
            connect_failure_kind(
                "Webflow: client error (Connect): tcp connect error: Connection refused (os error 111)"
            ),
            ConnectFailure::Unreachable
        );
        assert_eq!(
            connect_failure_kind("Sanity: client error (Connect): operation timed out"),
            ConnectFailure::Silent
        );
    }
}
