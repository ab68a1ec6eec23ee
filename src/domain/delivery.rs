//! What a provider's answer means for a message: sent, try again later, give up, or ask a
//! person; and how long to wait before trying again.
//!
//! A message is retried on its own only when the provider certainly did not take it: the
//! connection never opened, the SMTP server refused before the message data, or an HTTP API
//! said "too many requests" or "unavailable, retry". When the request may have reached the
//! provider and no clear answer came back (a timeout, a dropped connection after the data,
//! an HTTP 500/502/504), a second send could deliver the mail twice, so it is `Uncertain`.
//!
//! Some failures are the sender's, not the message's: the login is refused or impossible,
//! the host does not exist, TLS cannot be set up, the account is suspended. Every message
//! would fail the same way, so such a `ConnectorFault` holds the sender's runs instead of
//! spending an attempt per message.

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
    /// Certainly not accepted, worth trying again later (connection refused, TLS failure
    /// before the request, an SMTP 4xx reply, HTTP 429 or a 503 that says when to retry).
    Transient(String),
    /// Trying again will not help (an SMTP 5xx reply, HTTP 4xx other than 408 and 429).
    Permanent(String),
    /// The provider may have accepted it: only a person may decide whether it goes again.
    Uncertain(String),
    /// The sender cannot work at all (credentials refused, no usable login method, no such
    /// host, TLS failure, account suspended); the message was not handed over.
    ConnectorFault(String),
}

impl Outcome {
    /// The reason of a failure (`None` when sent).
    pub fn reason(&self) -> Option<&str> {
        match self {
            Self::Sent { .. } => None,
            Self::Transient(r)
            | Self::Permanent(r)
            | Self::Uncertain(r)
            | Self::ConnectorFault(r) => Some(r),
        }
    }

    /// The same outcome with its reason prefixed by `who` (e.g. the provider's name).
    pub fn from_provider(self, who: &str) -> Self {
        match self {
            Self::Transient(r) => Self::Transient(format!("{who}: {r}")),
            Self::Permanent(r) => Self::Permanent(format!("{who}: {r}")),
            Self::Uncertain(r) => Self::Uncertain(format!("{who}: {r}")),
            Self::ConnectorFault(r) => Self::ConnectorFault(format!("{who}: {r}")),
            sent => sent,
        }
    }
}

/// How an SMTP reply code is to be treated. A reply is a clear answer whatever the phase:
/// RFC 5321 has a server that answers 4xx or 5xx to the end of the data keep no copy.
/// The login replies (RFC 4954: 530 authentication required, 534 mechanism too weak, 535
/// credentials invalid, 538 encryption required) are the sender's fault, whatever message.
pub fn smtp_reply(code: u16, text: &str) -> Outcome {
    let reason = format!("SMTP {code}: {}", text.trim());
    match code {
        200..=399 => Outcome::Sent { provider_id: None },
        530 | 534 | 535 | 538 => Outcome::ConnectorFault(reason),
        400..=499 => Outcome::Transient(reason),
        _ => Outcome::Permanent(reason),
    }
}

/// Why a connection to a provider could not be used, as its client saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectFailure {
    /// The host name does not resolve.
    NoSuchHost,
    /// TLS could not be set up (certificate not trusted or for another name, no common
    /// protocol).
    Tls,
    /// The server offers no login method the client can use with these credentials.
    NoLoginMethod,
    /// Refused, reset or unreachable: perhaps down for a moment.
    Unreachable,
    /// Connected, but the server said nothing in time.
    Silent,
}

/// What a connection failure means: the sender's configuration cannot work (the host, TLS or
/// login), or the provider may be back in a moment. Either way nothing was handed over.
pub fn connect_failure(failure: ConnectFailure, detail: &str) -> Outcome {
    let what = match failure {
        ConnectFailure::NoSuchHost => "the host name does not resolve",
        ConnectFailure::Tls => "TLS could not be set up",
        ConnectFailure::NoLoginMethod => "the server offers no login method that can be used",
        ConnectFailure::Unreachable => "could not connect",
        ConnectFailure::Silent => "the server did not answer in time",
    };
    let reason = if detail.is_empty() {
        what.to_owned()
    } else {
        format!("{what} ({detail})")
    };
    match failure {
        ConnectFailure::NoSuchHost | ConnectFailure::Tls | ConnectFailure::NoLoginMethod => {
            Outcome::ConnectorFault(reason)
        }
        ConnectFailure::Unreachable | ConnectFailure::Silent => Outcome::Transient(reason),
    }
}

/// How an HTTP status from an API provider (Gmail, Graph, the ad platforms, the CMSes) is
/// to be treated. `retry_after` is whether the
/// answer carried a `Retry-After` header: a 503 with one says the request was not taken.
pub fn http_status(status: u16, text: &str, retry_after: bool) -> Outcome {
    let reason = format!("HTTP {status}: {}", text.trim());
    match status {
        200..=299 => Outcome::Sent { provider_id: None },
        // The token or key is refused, the account lacks the right, or it is suspended or
        // out of quota (402): every call would get the same answer.
        401..=403 => Outcome::ConnectorFault(reason),
        408 | 429 => Outcome::Transient(reason),
        503 if retry_after => Outcome::Transient(reason),
        500..=599 => Outcome::Uncertain(reason),
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
    fn only_429_and_a_503_that_says_retry_are_retried_other_5xx_are_uncertain() {
        assert!(matches!(http_status(429, "", false), Outcome::Transient(_)));
        assert!(matches!(http_status(503, "", true), Outcome::Transient(_)));
        assert!(matches!(http_status(503, "", false), Outcome::Uncertain(_)));
        for status in [500, 502, 504] {
            assert!(matches!(
                http_status(status, "", true),
                Outcome::Uncertain(_)
            ));
        }
        assert!(matches!(
            http_status(400, "bad", false),
            Outcome::Permanent(_)
        ));
        assert!(matches!(
            http_status(404, "no such thing", false),
            Outcome::Permanent(_)
        ));
        assert_eq!(
            http_status(202, "", false),
            Outcome::Sent { provider_id: None }
        );
    }

    #[test]
    fn backoff_doubles_up_to_an_hour_and_stops_after_the_limit() {
        let waits: Vec<i64> = (1..=8).map(backoff_seconds).collect();
        assert_eq!(waits, [60, 120, 240, 480, 960, 1920, 3600, 3600]);
        let t = Outcome::Transient("x".into());
        assert_eq!(retry_after(&t, 1), Some(60));
        assert_eq!(retry_after(&t, MAX_ATTEMPTS), None);
        assert_eq!(retry_after(&Outcome::Permanent("x".into()), 1), None);
        assert_eq!(retry_after(&Outcome::Uncertain("x".into()), 1), None);
    }

    #[test]
    fn smtp_login_refusals_are_the_senders_fault_and_a_bad_recipient_the_messages() {
        for code in [530, 534, 535, 538] {
            assert!(
                matches!(smtp_reply(code, "5.7.8 Authentication credentials invalid"), Outcome::ConnectorFault(r) if r.starts_with(&format!("SMTP {code}"))),
                "{code}"
            );
        }
        assert!(matches!(
            smtp_reply(550, "5.1.1 no such user"),
            Outcome::Permanent(_)
        ));
        assert!(matches!(smtp_reply(421, "busy"), Outcome::Transient(_)));
        assert!(matches!(
            smtp_reply(454, "4.7.0 try later"),
            Outcome::Transient(_)
        ));
    }

    #[test]
    fn a_missing_host_tls_or_login_method_holds_the_sender_a_refused_connection_is_retried() {
        for failure in [
            ConnectFailure::NoSuchHost,
            ConnectFailure::Tls,
            ConnectFailure::NoLoginMethod,
        ] {
            assert!(
                matches!(connect_failure(failure, "x"), Outcome::ConnectorFault(_)),
                "{failure:?}"
            );
        }
        for failure in [ConnectFailure::Unreachable, ConnectFailure::Silent] {
            assert!(
                matches!(connect_failure(failure, ""), Outcome::Transient(_)),
                "{failure:?}"
            );
        }
        assert_eq!(
            connect_failure(ConnectFailure::NoLoginMethod, "offered: XOAUTH2").reason(),
            Some("the server offers no login method that can be used (offered: XOAUTH2)")
        );
    }

    #[test]
    fn http_401_402_403_are_the_senders_fault_for_every_http_channel() {
        // Gmail's expired token, Graph's 403 for a mailbox without Mail.Send, an ad
        // platform's suspended account, a CMS token without the scope.
        for status in [401, 402, 403] {
            assert!(
                matches!(http_status(status, "denied", false), Outcome::ConnectorFault(r) if r.starts_with(&format!("HTTP {status}"))),
                "{status}"
            );
        }
        assert!(matches!(
            http_status(422, "invalid field", false),
            Outcome::Permanent(_)
        ));
        assert_eq!(
            retry_after(&Outcome::ConnectorFault("x".into()), 1),
            None,
            "a sender fault is never retried message by message"
        );
    }
}
