//! Builds one outgoing message. Every header value is checked first, so nothing a contact,
//! a brand or a marketer typed can add a header of its own.

use lettre::Message;
use lettre::message::Mailbox;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};

/// What one message carries.
#[derive(Debug, Clone)]
pub struct Outgoing<'a> {
    /// Sender name (e.g. the connector's "from name").
    pub from_name: &'a str,
    /// Sender address.
    pub from_address: &'a str,
    /// Recipient name, may be empty.
    pub to_name: &'a str,
    /// Recipient address.
    pub to_address: &'a str,
    /// The rendered subject of this step.
    pub subject: &'a str,
    /// The rendered plain-text body of this step.
    pub body: &'a str,
    /// This message's `Message-ID`, without angle brackets (`<id>@<domain>`).
    pub message_id: &'a str,
    /// The first step's `Message-ID`, for follow-ups sent as replies in its thread.
    pub thread_of: Option<&'a str>,
    /// The https one-click unsubscribe link.
    pub unsubscribe_url: &'a str,
    /// The mailto address that unsubscribes.
    pub unsubscribe_mailto: &'a str,
}

/// Why a message could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ComposeError {
    /// A value would break out of its header.
    #[error("{0} must be one line without control characters")]
    Unsafe(&'static str),
    /// An address does not parse.
    #[error("{0} is not a valid email address")]
    Address(&'static str),
    /// The builder refused the message.
    #[error("the message could not be built: {0}")]
    Build(String),
}

fn one_line(field: &'static str, value: &str) -> Result<(), ComposeError> {
    if value.chars().any(char::is_control) {
        Err(ComposeError::Unsafe(field))
    } else {
        Ok(())
    }
}

fn mailbox(field: &'static str, name: &str, address: &str) -> Result<Mailbox, ComposeError> {
    one_line(field, name)?;
    one_line(field, address)?;
    let address = address.parse().map_err(|_| ComposeError::Address(field))?;
    let name = name.trim();
    Ok(Mailbox::new(
        (!name.is_empty()).then(|| name.to_owned()),
        address,
    ))
}

fn angle(id: &str) -> String {
    format!("<{id}>")
}

/// The body as sent: the step's text and a visible way to leave.
pub fn body_with_footer(body: &str, unsubscribe_url: &str) -> String {
    format!(
        "{}\n\n--\nNot interested? Unsubscribe with one click: {unsubscribe_url}\n",
        body.trim_end()
    )
}

/// The message for `o`. Follow-ups carry `In-Reply-To`/`References` of the first step and a
/// "Re:" subject; every message carries `List-Unsubscribe` (https and mailto) and
/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058).
pub fn compose(o: &Outgoing<'_>) -> Result<Message, ComposeError> {
    let from = mailbox("from", o.from_name, o.from_address)?;
    let to = mailbox("to", o.to_name, o.to_address)?;
    for (field, value) in [
        ("subject", o.subject),
        ("message_id", o.message_id),
        ("unsubscribe_url", o.unsubscribe_url),
        ("unsubscribe_mailto", o.unsubscribe_mailto),
    ] {
        one_line(field, value)?;
    }
    if let Some(t) = o.thread_of {
        one_line("thread_of", t)?;
    }
    if [o.message_id, o.unsubscribe_url, o.unsubscribe_mailto]
        .iter()
        .chain(o.thread_of.iter())
        .any(|v| v.contains(['<', '>']))
    {
        return Err(ComposeError::Unsafe("message ids and links"));
    }
    let subject = match o.thread_of {
        Some(_) if !o.subject.to_ascii_lowercase().starts_with("re:") => {
            format!("Re: {}", o.subject)
        }
        _ => o.subject.to_owned(),
    };
    let mut builder = Message::builder()
        .from(from)
        .to(to)
        .subject(subject)
        .message_id(Some(angle(o.message_id)));
    if let Some(thread) = o.thread_of {
        builder = builder.in_reply_to(angle(thread)).references(angle(thread));
    }
    let list_unsubscribe = HeaderValue::new(
        HeaderName::new_from_ascii_str("List-Unsubscribe"),
        format!("<{}>, <mailto:{}>", o.unsubscribe_url, o.unsubscribe_mailto),
    );
    let one_click = HeaderValue::new(
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
        "List-Unsubscribe=One-Click".to_owned(),
    );
    builder
        .raw_header(list_unsubscribe)
        .raw_header(one_click)
        .header(ContentType::TEXT_PLAIN)
        .body(body_with_footer(o.body, o.unsubscribe_url))
        .map_err(|e| ComposeError::Build(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outgoing() -> Outgoing<'static> {
        Outgoing {
            from_name: "Ada from Tenex",
            from_address: "ada@tenex.test",
            to_name: "Bo Berg",
            to_address: "bo@north.test",
            subject: "A freight review?",
            body: "Hi Bo,\nShall we talk?",
            message_id: "01jd0000000000000000000000.2@tenex.test",
            thread_of: None,
            unsubscribe_url: "https://mkt.example.com/u/abc",
            unsubscribe_mailto: "unsubscribe+abc@tenex.test",
        }
    }

    /// The message with folded header lines joined again.
    fn text(o: &Outgoing<'_>) -> String {
        String::from_utf8(compose(o).unwrap().formatted())
            .unwrap()
            .replace("\r\n ", " ")
    }

    #[test]
    fn a_first_step_has_its_id_the_unsubscribe_headers_and_a_visible_link() {
        let t = text(&outgoing());
        assert!(
            t.contains("Message-ID: <01jd0000000000000000000000.2@tenex.test>"),
            "{t}"
        );
        assert!(t.contains("List-Unsubscribe: <https://mkt.example.com/u/abc>, <mailto:unsubscribe+abc@tenex.test>"), "{t}");
        assert!(t.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
        assert!(t.contains("Subject: A freight review?"));
        assert!(!t.contains("In-Reply-To"));
        assert!(t.contains("Unsubscribe with one click: https://mkt.example.com/u/abc"));
    }

    #[test]
    fn a_follow_up_replies_in_the_first_steps_thread() {
        let o = Outgoing {
            thread_of: Some("first@tenex.test"),
            ..outgoing()
        };
        let t = text(&o);
        assert!(t.contains("In-Reply-To: <first@tenex.test>"));
        assert!(t.contains("References: <first@tenex.test>"));
        assert!(t.contains("Subject: Re: A freight review?"));
    }

    #[test]
    fn nothing_typed_can_add_a_header() {
        for o in [
            Outgoing {
                subject: "Hi\r\nBcc: everyone@x.test",
                ..outgoing()
            },
            Outgoing {
                to_name: "Bo\nBcc: x@y.test",
                ..outgoing()
            },
            Outgoing {
                from_name: "Ada\r\nX-Evil: 1",
                ..outgoing()
            },
            Outgoing {
                unsubscribe_url: "https://x.test/u>\r\nBcc: a@b.test",
                ..outgoing()
            },
            Outgoing {
                message_id: "a>, <b@c",
                ..outgoing()
            },
        ] {
            assert!(compose(&o).is_err(), "{o:?}");
        }
        assert_eq!(
            compose(&Outgoing {
                to_address: "not an address",
                ..outgoing()
            })
            .unwrap_err(),
            ComposeError::Address("to")
        );
    }
}
