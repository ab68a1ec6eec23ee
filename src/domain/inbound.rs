//! Inbound mail as an inbound-mail webhook posts it: which of our messages it answers, and
//! whether it is a person's reply, an automatic one, or a delivery failure report.

use serde::{Deserialize, Serialize};

/// A parsed inbound message, as inbound-mail webhooks post it (their other fields are
/// ignored).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema, schemars::JsonSchema))]
pub struct InboundEmail {
    /// Sender address.
    pub from: Option<String>,
    /// Recipient address.
    pub to: Option<String>,
    /// Subject.
    pub subject: Option<String>,
    /// The `In-Reply-To` header.
    pub in_reply_to: Option<String>,
    /// The `References` header.
    pub references: Option<String>,
    /// Plain-text body (for delivery reports, with the returned headers).
    pub text: Option<String>,
    /// Other headers by name, any case: `Message-ID`, `Auto-Submitted`, `X-Autoreply`,
    /// `Precedence`, `Content-Type`.
    #[serde(default)]
    pub headers: std::collections::BTreeMap<String, String>,
}

/// What an inbound message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InboundKind {
    /// A person answered: their enrollment ends as replied.
    Reply,
    /// An out-of-office or other automatic answer: it does not count as a reply.
    AutoReply,
    /// A delivery status notification: the address bounced.
    Bounce,
}

impl InboundEmail {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The Message-IDs it refers to, nearest first (`In-Reply-To`, then `References` from the
    /// end), without angle brackets, each once.
    pub fn referenced_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = Vec::new();
        let mut take = |text: &str, reverse: bool| {
            let mut found: Vec<String> = text
                .split(|c: char| c.is_whitespace() || c == ',')
                .map(|t| {
                    t.trim()
                        .trim_start_matches('<')
                        .trim_end_matches('>')
                        .to_owned()
                })
                .filter(|t| t.contains('@'))
                .collect();
            if reverse {
                found.reverse();
            }
            for id in found {
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
        };
        if let Some(r) = &self.in_reply_to {
            take(r, false);
        }
        if let Some(r) = &self.references {
            take(r, true);
        }
        ids
    }

    /// The Message-IDs a delivery report quotes from the message that failed (the
    /// `Message-ID:` lines of its returned headers), after the ones it refers to.
    pub fn reported_ids(&self) -> Vec<String> {
        let mut ids = self.referenced_ids();
        for line in self.text.as_deref().unwrap_or_default().lines() {
            let line = line.trim();
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            if !name.trim().eq_ignore_ascii_case("message-id") {
                continue;
            }
            let id = value
                .trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_owned();
            if id.contains('@') && !ids.contains(&id) {
                ids.push(id);
            }
        }
        ids
    }

    /// Reply, automatic reply or bounce, from the headers mail systems set (RFC 3834
    /// `Auto-Submitted`, `X-Autoreply`, `Precedence`; RFC 3464 delivery reports).
    pub fn kind(&self) -> InboundKind {
        let content_type = self
            .header("Content-Type")
            .unwrap_or_default()
            .to_ascii_lowercase();
        let from = self
            .from
            .as_deref()
            .unwrap_or_default()
            .to_ascii_lowercase();
        if content_type.contains("report-type=delivery-status")
            || content_type.starts_with("message/delivery-status")
            || from.starts_with("mailer-daemon@")
            || from.starts_with("postmaster@")
        {
            return InboundKind::Bounce;
        }
        let auto_submitted = self
            .header("Auto-Submitted")
            .is_some_and(|v| !v.trim().eq_ignore_ascii_case("no"));
        let precedence = self.header("Precedence").is_some_and(|v| {
            matches!(
                v.trim().to_ascii_lowercase().as_str(),
                "auto_reply" | "bulk" | "junk" | "list"
            )
        });
        if auto_submitted
            || precedence
            || self.header("X-Autoreply").is_some()
            || self.header("X-Autorespond").is_some()
        {
            InboundKind::AutoReply
        } else {
            InboundKind::Reply
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail(headers: &[(&str, &str)]) -> InboundEmail {
        InboundEmail {
            from: Some("bo@north.test".into()),
            in_reply_to: Some("<b@tenex.test>".into()),
            references: Some("<a@tenex.test> <b@tenex.test>".into()),
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn referenced_ids_come_nearest_first_and_once() {
        assert_eq!(mail(&[]).referenced_ids(), ["b@tenex.test", "a@tenex.test"]);
        assert!(InboundEmail::default().referenced_ids().is_empty());
    }

    #[test]
    fn a_delivery_report_names_the_message_that_failed() {
        let report = InboundEmail {
            from: Some("MAILER-DAEMON@mx.north.test".into()),
            text: Some(
                "Delivery failed.\n\n--- returned headers ---\nmessage-id: <seq.ctc.0@tenex.test>\nSubject: Hi".into(),
            ),
            ..Default::default()
        };
        assert_eq!(report.kind(), InboundKind::Bounce);
        assert_eq!(report.reported_ids(), ["seq.ctc.0@tenex.test"]);
    }

    #[test]
    fn a_plain_answer_is_a_reply() {
        assert_eq!(mail(&[]).kind(), InboundKind::Reply);
        assert_eq!(mail(&[("auto-submitted", "no")]).kind(), InboundKind::Reply);
    }

    #[test]
    fn automatic_answers_do_not_count() {
        for h in [
            ("Auto-Submitted", "auto-replied"),
            ("X-Autoreply", "yes"),
            ("Precedence", "auto_reply"),
            ("precedence", "bulk"),
        ] {
            assert_eq!(mail(&[h]).kind(), InboundKind::AutoReply, "{h:?}");
        }
    }

    #[test]
    fn delivery_reports_are_bounces() {
        let report = mail(&[(
            "Content-Type",
            "multipart/report; report-type=delivery-status; boundary=x",
        )]);
        assert_eq!(report.kind(), InboundKind::Bounce);
        let daemon = InboundEmail {
            from: Some("MAILER-DAEMON@mx.north.test".into()),
            ..mail(&[])
        };
        assert_eq!(daemon.kind(), InboundKind::Bounce);
    }
}
