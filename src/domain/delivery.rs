//! What a provider's answer means for a message: sent, try again later, or give up; and how
//! long to wait before trying again.

use serde::{Deserialize, Serialize};

/// Attempts before a transient failure becomes final.
pub const MAX_ATTEMPTS: u32 = 6;

/// The outcome of one attempt to hand a message to its provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    /// Accepted; the provider's id for it, when it gives one.
    Sent {
        /// E.g. the Gmail message id or the SMTP queue id.
        provider_id: Option<String>,
    },
    /// Worth trying again later (connection refused, 4xx SMTP, HTTP 429/5xx, timeout).
    Transient(String),
    /// Trying again will not help (5xx SMTP, HTTP 4xx other than 429).
    Permanent(String),
}

/// How an SMTP reply code is to be treated.
pub fn smtp_reply(code: u16, text: &str) -> Outcome {
    let reason = format!("SMTP {code}: {}", text.trim());
    match code {
        200..=399 => Outcome::Sent { provider_id: None },
        400..=499 => Outcome::Transient(reason),
        _ => Outcome::Permanent(reason),
    }
}

/// How an HTTP status from an API provider is to be treated.
pub fn http_status(status: u16, text: &str) -> Outcome {
    let reason = format!("HTTP {status}: {}", text.trim());
    match status {
        200..=299 => Outcome::Sent { provider_id: None },
        429 | 500..=599 => Outcome::Transient(reason),
        _ => Outcome::Permanent(reason),
    }
}

/// Seconds to wait after failed attempt `attempt` (1-based): 1 min, 2, 4, 8, 16, capped at
/// an hour, so a provider that is down for a while is not hammered.
pub fn backoff_seconds(attempt: u32) -> i64 {
    let minutes = 1_i64 << attempt.saturating_sub(1).min(6);
    (minutes * 60).min(3600)
}

/// What happens after a failed attempt: when to retry, or `None` to give up.
pub fn retry_after(outcome: &Outcome, attempt: u32) -> Option<i64> {
    match outcome {
        Outcome::Transient(_) if attempt < MAX_ATTEMPTS => Some(backoff_seconds(attempt)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_4xx_is_transient_and_5xx_permanent() {
        assert_eq!(smtp_reply(250, "ok"), Outcome::Sent { provider_id: None });
        assert!(
            matches!(smtp_reply(451, "try later"), Outcome::Transient(r) if r == "SMTP 451: try later")
        );
        assert!(matches!(
            smtp_reply(550, "no such user"),
            Outcome::Permanent(_)
        ));
    }

    #[test]
    fn http_429_and_5xx_are_transient_other_4xx_permanent() {
        assert!(matches!(http_status(429, ""), Outcome::Transient(_)));
        assert!(matches!(http_status(503, ""), Outcome::Transient(_)));
        assert!(matches!(http_status(400, "bad"), Outcome::Permanent(_)));
        assert!(matches!(http_status(401, ""), Outcome::Permanent(_)));
        assert_eq!(http_status(202, ""), Outcome::Sent { provider_id: None });
    }

    #[test]
    fn backoff_doubles_up_to_an_hour_and_stops_after_the_limit() {
        let waits: Vec<i64> = (1..=8).map(backoff_seconds).collect();
        assert_eq!(waits, [60, 120, 240, 480, 960, 1920, 3600, 3600]);
        let t = Outcome::Transient("x".into());
        assert_eq!(retry_after(&t, 1), Some(60));
        assert_eq!(retry_after(&t, MAX_ATTEMPTS), None);
        assert_eq!(retry_after(&Outcome::Permanent("x".into()), 1), None);
    }
}
