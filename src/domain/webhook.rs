//! Outgoing webhooks: a workspace's endpoints and the events each wants, where they may
//! point, how every delivery is signed, and how long a failing one is retried.
//!
//! Signing: each request carries `Tenex-Signature: t=<unix seconds>,v1=<hex>`, where the hex
//! is HMAC-SHA256 over `"<t>.<body>"` keyed with the endpoint's secret. Receivers check the
//! MAC in constant time and refuse a `t` too far from their clock (replays).

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use super::change::WebhookEvent;
use super::error::{Error, Errors, FieldError};
use super::ids::{WebhookDeliveryId, WebhookEndpointId};
use super::pagination::{Keyed, Position};
use super::time::Timestamp;
use super::wire::wire_enum;

/// The header that carries the signature.
pub const SIGNATURE_HEADER: &str = "Tenex-Signature";
/// How far a signature's time may be from the receiver's clock, in seconds.
pub const TOLERANCE_SECONDS: i64 = 300;
/// Attempts an event's delivery gets before its endpoint is switched off.
pub const MAX_ATTEMPTS: u32 = 8;
/// Longest endpoint URL accepted.
pub const URL_MAX: usize = 2000;
/// Longest description accepted.
pub const DESCRIPTION_MAX: usize = 200;
/// How much of a receiver's answer the log keeps.
pub const RESPONSE_KEPT: usize = 2048;

/// Seconds to wait after failed attempt `attempt` (1-based): 1 and 5 minutes, half an hour,
/// 2, 5 and then 8 hours; seven waits add up to about a day.
pub fn retry_delay_seconds(attempt: u32) -> i64 {
    const WAITS: [i64; 7] = [60, 300, 1800, 7200, 18_000, 28_800, 28_800];
    WAITS[(attempt.max(1) as usize - 1).min(WAITS.len() - 1)]
}

/// An endpoint that receives the workspace's events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookEndpoint {
    /// `whk_…`.
    pub id: WebhookEndpointId,
    /// Where deliveries are posted.
    pub url: String,
    /// What it is for, in the admin's words.
    pub description: String,
    /// The events it receives.
    pub events: Vec<WebhookEvent>,
    /// Whether deliveries are sent.
    pub enabled: bool,
    /// Why it was switched off, when deliveries kept failing.
    pub disabled_reason: Option<String>,
    /// The secret's last four characters, to tell secrets apart.
    pub secret_hint: String,
    /// Bumped on every edit.
    pub version: i64,
    /// When it was added.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}

impl Keyed for WebhookEndpoint {
    fn position(&self) -> Position {
        Position {
            created_at: self.created_at,
            id: self.id.to_string(),
        }
    }
}

/// An endpoint as a client sends it (create, or edit where fields left out stay).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema, schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct EndpointInput {
    /// `https://…` (plain `http` only to a private address, with the workspace setting on).
    pub url: Option<String>,
    /// The events it receives, e.g. `["sequence.email.sent", "approval.decided"]`.
    pub events: Option<Vec<String>>,
    /// What it is for.
    pub description: Option<String>,
    /// Switch deliveries on or off (switching on clears the reason it was switched off).
    pub enabled: Option<bool>,
    /// Edits only: the version being edited (or `If-Match`).
    pub version: Option<i64>,
}

/// A checked endpoint URL: `http(s)`, a host, no credentials, no fragment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointUrl {
    /// As it will be called.
    pub url: url::Url,
}

impl EndpointUrl {
    /// Whether it is `https`.
    pub fn is_https(&self) -> bool {
        self.url.scheme() == "https"
    }

    /// The host name or address.
    pub fn host(&self) -> &str {
        self.url.host_str().unwrap_or_default()
    }

    /// The port, the scheme's when not written.
    pub fn port(&self) -> u16 {
        self.url.port_or_known_default().unwrap_or(443)
    }
}

/// Checks the shape of an endpoint URL (where it resolves to is checked on the server).
pub fn check_url(text: &str) -> Result<EndpointUrl, FieldError> {
    let bad = |m: &str| FieldError::new("url", m);
    let text = text.trim();
    if text.is_empty() {
        return Err(bad("is required"));
    }
    if text.len() > URL_MAX {
        return Err(bad(&format!("must be at most {URL_MAX} characters")));
    }
    let url = url::Url::parse(text).map_err(|e| bad(&format!("is not a URL: {e}")))?;
    if !matches!(url.scheme(), "https" | "http") {
        return Err(bad("must start with https://"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("must name a host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad(
            "must not carry a user name or password; receivers check the signature instead",
        ));
    }
    if url.fragment().is_some() {
        return Err(bad("must not have a #fragment"));
    }
    Ok(EndpointUrl { url })
}

/// Whether a delivery may go to `ip` over this URL's scheme. Public addresses need `https`;
/// private ones (loopback, private ranges, link-local, …) only with the workspace's
/// setting, where plain `http` is allowed too. Addresses that name no single host
/// (unspecified, multicast, broadcast) are never allowed.
pub fn address_allowed(ip: IpAddr, https: bool, private_allowed: bool) -> Result<(), String> {
    if never_a_host(ip) {
        return Err("resolves to an address that is not a single host".into());
    }
    if is_link_local(ip) {
        // Cloud metadata services live here; no receiver does.
        return Err("resolves to a link-local address, which is never allowed".into());
    }
    if is_public(ip) {
        if https {
            Ok(())
        } else {
            Err("a public receiver must be called over https".into())
        }
    } else if private_allowed {
        Ok(())
    } else {
        Err(
            "resolves to a private address; an admin can allow private receivers (on-premise) in Settings → Workspace"
                .into(),
        )
    }
}

fn is_link_local(ip: IpAddr) -> bool {
    match canonical(ip) {
        IpAddr::V4(v4) => v4.is_link_local(),
        IpAddr::V6(v6) => (v6.segments()[0] & 0xffc0) == 0xfe80,
    }
}

fn never_a_host(ip: IpAddr) -> bool {
    match canonical(ip) {
        IpAddr::V4(v4) => v4.is_unspecified() || v4.is_multicast() || v4.is_broadcast(),
        IpAddr::V6(v6) => v6.is_unspecified() || v6.is_multicast(),
    }
}

/// An IPv4 address written as IPv6 (`::ffff:a.b.c.d`, or NAT64's `64:ff9b::a.b.c.d`) is
/// judged as the IPv4 address it is.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return IpAddr::V4(v4);
            }
            let s = v6.segments();
            if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
                let [a, b] = s[6].to_be_bytes();
                let [c, d] = s[7].to_be_bytes();
                return IpAddr::V4(std::net::Ipv4Addr::new(a, b, c, d));
            }
            ip
        }
        v4 => v4,
    }
}

/// Whether `ip` is a globally routable address (not loopback, private, link-local, shared,
/// documentation, benchmarking or reserved).
pub fn is_public(ip: IpAddr) -> bool {
    match canonical(ip) {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || (a == 192 && b == 0 && c == 0)
                || (a == 198 && (b == 18 || b == 19))
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            // Only global unicast (2000::/3) is public, less the special blocks in it: IETF
            // protocol assignments (2001::/23, Teredo among them), documentation
            // (2001:db8::/32) and 6to4 (2002::/16), which carry other addresses inside.
            let s = v6.segments();
            (s[0] & 0xe000) == 0x2000
                && !(s[0] == 0x2001 && s[1] < 0x0200)
                && !(s[0] == 0x2001 && s[1] == 0x0db8)
                && s[0] != 0x2002
        }
    }
}

/// A validated new endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEndpoint {
    /// Where.
    pub url: EndpointUrl,
    /// Which events.
    pub events: Vec<WebhookEvent>,
    /// What for.
    pub description: String,
}

fn check_events(list: &[String]) -> Result<Vec<WebhookEvent>, FieldError> {
    let mut events = Vec::new();
    for name in list {
        let e = name.trim().parse::<WebhookEvent>().map_err(|_| {
            FieldError::new(
                "events",
                format!(
                    "`{}` is not an event; choose from {}",
                    name.trim(),
                    WebhookEvent::ALL
                        .iter()
                        .map(|e| e.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })?;
        if !events.contains(&e) {
            events.push(e);
        }
    }
    if events.is_empty() {
        return Err(FieldError::new("events", "choose at least one event"));
    }
    events.sort_by_key(|e| WebhookEvent::ALL.iter().position(|a| a == e));
    Ok(events)
}

fn check_description(text: &str) -> Result<String, FieldError> {
    let text = text.trim();
    if text.chars().count() > DESCRIPTION_MAX {
        return Err(FieldError::new(
            "description",
            format!("must be at most {DESCRIPTION_MAX} characters"),
        ));
    }
    if text.chars().any(char::is_control) {
        return Err(FieldError::new(
            "description",
            "must not contain control characters",
        ));
    }
    Ok(text.to_owned())
}

impl EndpointInput {
    /// A new endpoint: `url` and `events` are required; every bad field is named.
    pub fn parse_new(&self) -> Result<NewEndpoint, Error> {
        let mut errors = Errors::new();
        let url = errors.check(check_url(self.url.as_deref().unwrap_or_default()));
        let events = match &self.events {
            None => {
                errors.push(FieldError::new("events", "is required"));
                None
            }
            Some(list) => errors.check(check_events(list)),
        };
        let description = errors.check(check_description(
            self.description.as_deref().unwrap_or_default(),
        ));
        errors.finish()?;
        Ok(NewEndpoint {
            url: url.expect("checked"),
            events: events.expect("checked"),
            description: description.expect("checked"),
        })
    }

    /// `current` after this edit (version bumped, `updated_at` set to `at`); a changed URL
    /// comes back too, for the server to check where it resolves.
    pub fn apply(
        &self,
        current: &WebhookEndpoint,
        at: Timestamp,
    ) -> Result<(WebhookEndpoint, Option<EndpointUrl>), Error> {
        let mut errors = Errors::new();
        let url = self.url.as_deref().and_then(|u| errors.check(check_url(u)));
        let events = self
            .events
            .as_deref()
            .and_then(|l| errors.check(check_events(l)));
        let description = self
            .description
            .as_deref()
            .and_then(|d| errors.check(check_description(d)));
        errors.finish()?;
        let mut next = current.clone();
        if let Some(u) = &url {
            next.url = u.url.to_string();
        }
        if let Some(e) = events {
            next.events = e;
        }
        if let Some(d) = description {
            next.description = d;
        }
        if let Some(on) = self.enabled {
            next.enabled = on;
            if on {
                next.disabled_reason = None;
            }
        }
        next.version += 1;
        next.updated_at = at;
        Ok((next, url))
    }
}

wire_enum!(
    /// Why a delivery was made.
    DeliveryCause {
        /// An event the endpoint subscribes to.
        Event => "event",
        /// An admin's "Send test event".
        Test => "test",
        /// An admin's "Redeliver" of an earlier delivery.
        Redeliver => "redeliver",
    }
);

wire_enum!(
    /// Where a delivery stands.
    DeliveryStatus {
        /// Not yet answered with a 2xx (first try due, or retries left).
        Pending => "pending",
        /// The receiver answered 2xx.
        Succeeded => "succeeded",
        /// Given up.
        Failed => "failed",
    }
);

/// One event sent (or being sent) to one endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    /// `whd_…`.
    pub id: WebhookDeliveryId,
    /// The endpoint.
    pub endpoint_id: WebhookEndpointId,
    /// The event's id (the same on a redelivery).
    pub event_id: String,
    /// The event's type.
    pub event_type: String,
    /// The body posted.
    pub body: String,
    /// Why it was made.
    pub cause: DeliveryCause,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// Attempts made.
    pub attempts: i64,
    /// The last answer's status code.
    pub response_status: Option<i64>,
    /// How long the last attempt took, in milliseconds.
    pub duration_ms: Option<i64>,
    /// What went wrong last.
    pub error: Option<String>,
    /// When it was queued.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
    /// When a receiver took it.
    pub delivered_at: Option<Timestamp>,
    /// Each attempt, oldest first (only when one delivery is read).
    pub attempt_log: Vec<Attempt>,
}

impl Keyed for Delivery {
    fn position(&self) -> Position {
        Position {
            created_at: self.created_at,
            id: self.id.to_string(),
        }
    }
}

/// One try at a delivery, as the log shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    /// 1 for the first.
    pub attempt: i64,
    /// When it started.
    pub started_at: Timestamp,
    /// The headers sent (the signature included, never the secret).
    pub request_headers: Vec<(String, String)>,
    /// The receiver's status code, when it answered.
    pub response_status: Option<i64>,
    /// The start of its answer.
    pub response_body: Option<String>,
    /// How long it took, in milliseconds.
    pub duration_ms: i64,
    /// What went wrong (no answer, a redirect, a non-2xx status).
    pub error: Option<String>,
}

/// The body of a delivery: the event's id, type, time and what it is about.
pub fn body(
    event_id: &str,
    event: &str,
    workspace_id: &str,
    occurred_at: Timestamp,
    data: serde_json::Value,
) -> String {
    serde_json::json!({
        "id": event_id,
        "type": event,
        "created_at": occurred_at.to_string(),
        "workspace_id": workspace_id,
        "data": data,
    })
    .to_string()
}

/// The signature header's value for `body` sent at `unix_seconds`.
#[cfg(feature = "ssr")]
pub fn signature(secret: &str, unix_seconds: i64, body: &str) -> String {
    format!(
        "t={unix_seconds},v1={}",
        mac_hex(secret, unix_seconds, body)
    )
}

#[cfg(feature = "ssr")]
fn mac_hex(secret: &str, unix_seconds: i64, body: &str) -> String {
    use hmac::{Hmac, Mac};
    let mut mac =
        Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(unix_seconds.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The signature header as the delivery log keeps it: the time, not the MAC (a logged MAC
/// with its body would be a request anyone reading the log could replay).
pub fn redacted_signature(header: &str) -> String {
    header
        .split(',')
        .map(|part| match part.split_once('=') {
            Some(("v1", _)) => "v1=…".to_owned(),
            _ => part.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// The URL as logs and the audit trail show it: without its query string, which may carry a
/// token.
pub fn shown_url(url: &str) -> String {
    match url.split_once('?') {
        Some((base, _)) => format!("{base}?…"),
        None => url.to_owned(),
    }
}

/// What a receiver does: true when `header` signs `body` with `secret` within the tolerance
/// of `now_unix`.
#[cfg(feature = "ssr")]
pub fn verify(secret: &str, header: &str, body: &str, now_unix: i64) -> bool {
    use subtle::ConstantTimeEq;
    let mut t = None;
    let mut sigs = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => t = v.parse::<i64>().ok(),
            Some(("v1", v)) => sigs.push(v.to_owned()),
            _ => {}
        }
    }
    let Some(t) = t else {
        return false;
    };
    if (now_unix - t).abs() > TOLERANCE_SECONDS {
        return false;
    }
    let want = mac_hex(secret, t, body);
    sigs.iter()
        .any(|s| bool::from(s.as_bytes().ct_eq(want.as_bytes())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn private_and_special_addresses_are_not_public() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "192.0.2.1",
            "198.18.0.1",
            "240.0.0.1",
            "::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "2001:db8::1",
            "::a9fe:a9fe",
            "64:ff9b:1::1",
            "fec0::1",
            "2002:a00:1::1",
            "2001:0:4136:e378::1",
        ] {
            assert!(!is_public(ip(private)), "{private}");
        }
        for public in [
            "93.184.216.34",
            "8.8.8.8",
            "2606:4700::1111",
            "::ffff:1.1.1.1",
        ] {
            assert!(is_public(ip(public)), "{public}");
        }
    }

    #[test]
    fn public_receivers_need_https_private_ones_the_setting() {
        assert!(address_allowed(ip("8.8.8.8"), true, false).is_ok());
        assert!(address_allowed(ip("8.8.8.8"), false, true).is_err());
        let refused = address_allowed(ip("127.0.0.1"), true, false).unwrap_err();
        assert!(refused.contains("private address"), "{refused}");
        assert!(
            !refused.contains("127.0.0.1"),
            "no map of the network: {refused}"
        );
        assert!(address_allowed(ip("127.0.0.1"), false, true).is_ok());
        for metadata in ["169.254.169.254", "fe80::1", "::ffff:169.254.169.254"] {
            assert!(
                address_allowed(ip(metadata), true, true).is_err(),
                "{metadata}"
            );
        }
        assert!(address_allowed(ip("0.0.0.0"), false, true).is_err());
        assert!(address_allowed(ip("224.0.0.1"), false, true).is_err());
    }

    #[test]
    fn urls_are_checked_for_shape() {
        assert!(check_url("https://hooks.example.com/tenex").is_ok());
        assert!(
            check_url("http://10.0.0.5:8080/in").is_ok(),
            "checked by address later"
        );
        for bad in [
            "",
            "ftp://example.com/",
            "https://user:pw@example.com/",
            "https://example.com/#x",
            "not a url",
        ] {
            assert_eq!(check_url(bad).unwrap_err().field, "url", "{bad}");
        }
    }

    #[test]
    fn events_are_named_from_the_list_without_repeats() {
        let input = EndpointInput {
            url: Some("https://example.com/h".into()),
            events: Some(vec![
                "approval.decided".into(),
                "sequence.email.sent".into(),
                "approval.decided".into(),
            ]),
            ..EndpointInput::default()
        };
        let new = input.parse_new().unwrap();
        assert_eq!(
            new.events,
            vec![WebhookEvent::EmailSent, WebhookEvent::ApprovalDecided]
        );
        let bad = EndpointInput {
            url: Some("gopher://x".into()),
            events: Some(vec!["email.opened".into()]),
            ..EndpointInput::default()
        }
        .parse_new()
        .unwrap_err();
        let Error::Invalid(fields) = bad else {
            panic!()
        };
        assert_eq!(fields.len(), 2);
        assert!(fields[1].message.contains("sequence.email.sent"));
        let none = EndpointInput {
            url: Some("https://example.com/h".into()),
            events: Some(vec![]),
            ..EndpointInput::default()
        };
        assert!(none.parse_new().is_err());
    }

    #[test]
    fn switching_on_clears_the_reason_it_was_switched_off() {
        let at = Timestamp::parse_rfc3339("2026-12-01T00:00:00Z").unwrap();
        let current = WebhookEndpoint {
            id: WebhookEndpointId::generate(),
            url: "https://example.com/h".into(),
            description: String::new(),
            events: vec![WebhookEvent::EmailSent],
            enabled: false,
            disabled_reason: Some("failed for a day".into()),
            secret_hint: "abcd".into(),
            version: 3,
            created_at: at,
            updated_at: at,
        };
        let (next, url) = EndpointInput {
            enabled: Some(true),
            ..EndpointInput::default()
        }
        .apply(&current, at)
        .unwrap();
        assert!(next.enabled && next.disabled_reason.is_none());
        assert_eq!(next.version, 4);
        assert!(url.is_none());
    }

    #[test]
    fn a_signature_verifies_only_for_its_body_secret_and_time() {
        let sig = signature("whsec_test", 1_700_000_000, r#"{"id":"wev_1"}"#);
        assert!(sig.starts_with("t=1700000000,v1="));
        assert!(verify(
            "whsec_test",
            &sig,
            r#"{"id":"wev_1"}"#,
            1_700_000_100
        ));
        assert!(!verify(
            "whsec_other",
            &sig,
            r#"{"id":"wev_1"}"#,
            1_700_000_100
        ));
        assert!(!verify(
            "whsec_test",
            &sig,
            r#"{"id":"wev_2"}"#,
            1_700_000_100
        ));
        assert!(
            !verify("whsec_test", &sig, r#"{"id":"wev_1"}"#, 1_700_001_000),
            "too old: a replay"
        );
        assert!(!verify("whsec_test", "v1=abc", "{}", 1_700_000_000));
    }

    #[test]
    fn the_log_keeps_neither_the_mac_nor_a_query_token() {
        assert_eq!(redacted_signature("t=17,v1=abcdef"), "t=17,v1=…");
        assert_eq!(
            shown_url("https://h.test/in?token=s3cret"),
            "https://h.test/in?…"
        );
        assert_eq!(shown_url("https://h.test/in"), "https://h.test/in");
    }

    #[test]
    fn seven_waits_add_up_to_about_a_day() {
        let total: i64 = (1..MAX_ATTEMPTS).map(retry_delay_seconds).sum();
        assert!((20 * 3600..=30 * 3600).contains(&total), "{total}");
    }
}
