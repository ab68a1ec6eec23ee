//! Connectors: configured accounts at outside providers. Each kind declares its settings
//! (shown and returned) and its secrets (write-only), and the rules each value must meet.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::error::{Error, Errors, FieldError};
use super::ids::ConnectorId;
use super::pagination::{Keyed, Position};
use super::text::required_line;
use super::time::Timestamp;
use super::user::Email;
use super::wire::wire_enum;

/// Connector settings as a client sends them: each value text, or a JSON number or boolean
/// where the setting is one (`"port": 587`, `"use_tls": true`), kept as its text. Anything
/// else (null, a list, an object) is refused naming `settings.<name>`.
pub fn settings_from_json(
    settings: &BTreeMap<String, serde_json::Value>,
) -> Result<BTreeMap<String, String>, Error> {
    let mut out = BTreeMap::new();
    let mut errors = Vec::new();
    for (name, value) in settings {
        match value {
            serde_json::Value::String(s) => {
                out.insert(name.clone(), s.clone());
            }
            serde_json::Value::Number(n) => {
                out.insert(name.clone(), n.to_string());
            }
            serde_json::Value::Bool(b) => {
                out.insert(name.clone(), b.to_string());
            }
            _ => errors.push(FieldError::new(
                format!("settings.{name}"),
                "must be text, a number or true/false",
            )),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(Error::Invalid(errors))
    }
}

/// A new connector as a client sent it.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema, schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ConnectorInput {
    /// smtp, gmail, outlook, google_ads, linkedin_ads, meta_ads, webflow, sanity or sandbox.
    pub kind: String,
    /// 1–100 characters.
    pub name: String,
    /// Visible settings of the kind (see the API reference for each kind): text, or a
    /// number or boolean where the setting is one.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = BTreeMap<String, Object>))]
    pub settings: BTreeMap<String, serde_json::Value>,
    /// Write-only secrets (passwords, tokens).
    #[serde(default)]
    pub secrets: BTreeMap<String, String>,
}

impl ConnectorInput {
    /// The kind and the settings as text, naming every bad field; the kind's own rules are
    /// applied by `ConnectorConfig::parse`.
    pub fn parse(&self) -> Result<(ConnectorKind, BTreeMap<String, String>), Error> {
        Error::both(
            self.kind
                .trim()
                .parse::<ConnectorKind>()
                .map_err(|m| Error::invalid("kind", m)),
            settings_from_json(&self.settings),
        )
    }
}

/// An edit of a connector; omitted values stay, an empty string clears an optional one.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema, schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ConnectorEdit {
    /// The version being edited (or `If-Match`).
    pub version: Option<i64>,
    /// New name.
    pub name: Option<String>,
    /// Settings to change: text, or a number or boolean where the setting is one.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = BTreeMap<String, Object>))]
    pub settings: BTreeMap<String, serde_json::Value>,
    /// Secrets to replace.
    #[serde(default)]
    pub secrets: BTreeMap<String, String>,
}

impl std::fmt::Debug for ConnectorInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectorInput")
            .field("kind", &self.kind)
            .field("name", &self.name)
            .field("settings", &self.settings)
            .field("secrets", &super::secret::names(&self.secrets))
            .finish()
    }
}

impl std::fmt::Debug for ConnectorEdit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectorEdit")
            .field("version", &self.version)
            .field("name", &self.name)
            .field("settings", &self.settings)
            .field("secrets", &super::secret::names(&self.secrets))
            .finish()
    }
}

wire_enum!(
    /// Which provider a connector talks to.
    ConnectorKind {
        /// SMTP with STARTTLS or TLS and AUTH.
        Smtp => "smtp",
        /// Gmail API `users.messages.send`.
        Gmail => "gmail",
        /// Microsoft Graph `sendMail`.
        Outlook => "outlook",
        /// Google Ads REST API.
        GoogleAds => "google_ads",
        /// LinkedIn Marketing API.
        LinkedinAds => "linkedin_ads",
        /// Meta Marketing (Graph) API.
        MetaAds => "meta_ads",
        /// Webflow Data API v2.
        Webflow => "webflow",
        /// Sanity HTTP API.
        Sanity => "sanity",
        /// Records what would have happened; the role its `role` setting names (every role
        /// when it names none).
        Sandbox => "sandbox",
    }
);

wire_enum!(
    /// What a connector is used for.
    ConnectorRole {
        /// Sends email.
        EmailSender => "email_sender",
        /// Runs ads.
        AdAccount => "ad_account",
        /// Publishes posts.
        Cms => "cms",
    }
);

wire_enum!(
    /// The result of the last connection test.
    Health {
        /// Never tested.
        Unknown => "unknown",
        /// The last test passed.
        Healthy => "healthy",
        /// The last test failed.
        Failing => "failing",
    }
);

/// The kind of value a setting holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// One line of text.
    Text,
    /// An email address.
    Email,
    /// A TCP port.
    Port,
    /// A positive whole number.
    Count,
    /// One of the listed words.
    OneOf(&'static [&'static str]),
    /// An http(s) base URL (plain http only for this machine).
    BaseUrl,
    /// Digits, with optional dashes (`123-456-7890`).
    Digits,
    /// A DNS label (letters, digits, dashes), e.g. a Sanity project id that becomes a host.
    Label,
    /// A password or token: kept exactly as typed (no trimming), up to 8 KB.
    Secret,
    /// An http(s) address with `{slug}` where a post's slug goes.
    UrlTemplate,
}

/// One setting or secret of a connector kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spec {
    /// Its name in `settings` or `secrets`.
    pub name: &'static str,
    /// What it holds.
    pub kind: ValueKind,
    /// Whether it must be given.
    pub required: bool,
    /// A label for forms.
    pub label: &'static str,
}

const fn s(name: &'static str, kind: ValueKind, required: bool, label: &'static str) -> Spec {
    Spec {
        name,
        kind,
        required,
        label,
    }
}

use ValueKind::*;

const TLS_MODES: &[&str] = &["starttls", "tls", "none"];
const SANDBOX_ROLES: &[&str] = &["email_sender", "ad_account", "cms"];

impl ConnectorKind {
    /// The roles this kind can play.
    pub fn roles(self) -> &'static [ConnectorRole] {
        use ConnectorRole::*;
        match self {
            ConnectorKind::Smtp | ConnectorKind::Gmail | ConnectorKind::Outlook => &[EmailSender],
            ConnectorKind::GoogleAds | ConnectorKind::LinkedinAds | ConnectorKind::MetaAds => {
                &[AdAccount]
            }
            ConnectorKind::Webflow | ConnectorKind::Sanity => &[Cms],
            ConnectorKind::Sandbox => &[EmailSender, AdAccount, Cms],
        }
    }

    /// The settings this kind takes (returned by the API).
    pub fn settings(self) -> &'static [Spec] {
        match self {
            ConnectorKind::Smtp => SMTP_SETTINGS,
            ConnectorKind::Gmail | ConnectorKind::Outlook => MAILBOX_SETTINGS,
            ConnectorKind::GoogleAds => GOOGLE_ADS_SETTINGS,
            ConnectorKind::LinkedinAds => LINKEDIN_SETTINGS,
            ConnectorKind::MetaAds => META_SETTINGS,
            ConnectorKind::Webflow => WEBFLOW_SETTINGS,
            ConnectorKind::Sanity => SANITY_SETTINGS,
            ConnectorKind::Sandbox => SANDBOX_SETTINGS,
        }
    }

    /// The secrets this kind takes (write-only; stored encrypted).
    pub fn secrets(self) -> &'static [Spec] {
        match self {
            ConnectorKind::Smtp => SMTP_SECRETS,
            ConnectorKind::Gmail
            | ConnectorKind::Outlook
            | ConnectorKind::LinkedinAds
            | ConnectorKind::MetaAds => TOKEN_SECRETS,
            ConnectorKind::GoogleAds => GOOGLE_ADS_SECRETS,
            ConnectorKind::Webflow | ConnectorKind::Sanity => API_TOKEN_SECRETS,
            ConnectorKind::Sandbox => &[],
        }
    }
}

const SMTP_SETTINGS: &[Spec] = &[
    s("host", Text, true, "SMTP host"),
    s("port", Port, true, "Port"),
    s(
        "tls_mode",
        OneOf(TLS_MODES),
        true,
        "TLS (starttls, tls or none)",
    ),
    s("username", Text, false, "Username"),
    s("from_address", Email, true, "From address"),
    s("from_name", Text, false, "From name"),
    s("daily_cap", Count, false, "Daily sending cap"),
];
const MAILBOX_SETTINGS: &[Spec] = &[
    s("sender", Email, true, "Sender address"),
    s("from_name", Text, false, "From name"),
    s("daily_cap", Count, false, "Daily sending cap"),
    s("base_url", BaseUrl, false, "API base URL (override)"),
];
const GOOGLE_ADS_SETTINGS: &[Spec] = &[
    s("customer_id", Digits, true, "Customer id"),
    s(
        "login_customer_id",
        Digits,
        false,
        "Login customer id (manager)",
    ),
    s("api_version", Text, false, "API version (default v26)"),
    s("base_url", BaseUrl, false, "API base URL (override)"),
];
const LINKEDIN_SETTINGS: &[Spec] = &[
    s("ad_account_id", Digits, true, "Ad account id"),
    s(
        "organization_id",
        Digits,
        false,
        "Organization id (the page ads are posted as)",
    ),
    s("api_version", Digits, true, "API version (YYYYMM)"),
    s("base_url", BaseUrl, false, "API base URL (override)"),
];
const META_SETTINGS: &[Spec] = &[
    s(
        "ad_account_id",
        Digits,
        true,
        "Ad account id (without act_)",
    ),
    s(
        "page_id",
        Digits,
        false,
        "Facebook page id (ads run as this page)",
    ),
    s("api_version", Text, true, "Graph API version (e.g. v26.0)"),
    s("base_url", BaseUrl, false, "API base URL (override)"),
];
const WEBFLOW_SETTINGS: &[Spec] = &[
    s("site_id", Text, true, "Site id"),
    s("collection_id", Text, true, "Collection id"),
    s(
        "body_field",
        Text,
        false,
        "Rich-text field for the body (default post-body)",
    ),
    s(
        "summary_field",
        Text,
        false,
        "Field for the excerpt (default post-summary)",
    ),
    s(
        "seo_title_field",
        Text,
        false,
        "Field for the SEO title (none when empty)",
    ),
    s(
        "seo_description_field",
        Text,
        false,
        "Field for the SEO description (none when empty)",
    ),
    s(
        "post_url",
        UrlTemplate,
        false,
        "Public post address, e.g. https://example.com/blog/{slug}",
    ),
    s("base_url", BaseUrl, false, "API base URL (override)"),
];
const SANITY_SETTINGS: &[Spec] = &[
    s("project_id", Label, true, "Project id"),
    s("dataset", Text, true, "Dataset"),
    s("api_version", Text, true, "API version (e.g. v2025-02-19)"),
    s(
        "document_type",
        Text,
        false,
        "Document type of posts (default post)",
    ),
    s(
        "post_url",
        UrlTemplate,
        false,
        "Public post address, e.g. https://example.com/blog/{slug}",
    ),
    s("base_url", BaseUrl, false, "API base URL (override)"),
];
/// The channel a sandbox stands in for, then its knobs: a launch step it refuses like a
/// platform would (to try the failure and "Retry launch" paths), the address of a post.
const SANDBOX_SETTINGS: &[Spec] = &[
    s(
        "role",
        OneOf(SANDBOX_ROLES),
        false,
        "Stands in for: email_sender, ad_account or cms (empty: every channel)",
    ),
    s(
        "refuse_step",
        Text,
        false,
        "Refuse this ad launch step (e.g. ad_set) or publish, to try failures",
    ),
    s(
        "post_url",
        UrlTemplate,
        false,
        "Public post address (default https://sandbox.tenex.invalid/blog/{slug})",
    ),
];
const SMTP_SECRETS: &[Spec] = &[s("password", Secret, false, "Password")];
const TOKEN_SECRETS: &[Spec] = &[s("access_token", Secret, true, "OAuth access token")];
const GOOGLE_ADS_SECRETS: &[Spec] = &[
    s("developer_token", Secret, true, "Developer token"),
    s("access_token", Secret, true, "OAuth access token"),
];
const API_TOKEN_SECRETS: &[Spec] = &[s("api_token", Secret, true, "API token")];

/// The settings that decide which host receives the connector's credentials. Changing one
/// drops the stored secrets, so they can never be redirected without being typed again.
const HOST_SETTINGS: [&str; 3] = ["base_url", "project_id", "host"];

/// Whether `host` is literally this machine: `localhost`, an address in `127.0.0.0/8`, or
/// `::1`. Names are never resolved, so `127.attacker.example` is not local.
pub fn is_loopback_host(host: &str) -> bool {
    let host = host.trim();
    host.eq_ignore_ascii_case("localhost")
        || host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host)
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Checks an http(s) base URL as the HTTP client will read it: a host, no credentials, no
/// query or fragment, and plain http only for a loopback host (tests against local fakes).
pub fn check_base_url(field: &str, text: &str) -> Result<String, FieldError> {
    let bad = |m: &str| Err(FieldError::new(field, m));
    let text = text.trim().trim_end_matches('/');
    if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return bad("must be an http(s) URL");
    }
    let Ok(url) = url::Url::parse(text) else {
        return bad("must be an http(s) URL");
    };
    if !url.username().is_empty() || url.password().is_some() {
        return bad("must be an http(s) URL with a host and no credentials");
    }
    if url.query().is_some() || url.fragment().is_some() {
        return bad("must not have a query or fragment");
    }
    let local = match url.host() {
        None => return bad("must be an http(s) URL with a host and no credentials"),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
    };
    match url.scheme() {
        "https" => Ok(text.to_owned()),
        "http" if local => Ok(text.to_owned()),
        "http" => bad("must use https (plain http is allowed only for localhost)"),
        _ => bad("must be an http(s) URL"),
    }
}

/// A post address template: an http(s) URL holding `{slug}`.
fn check_url_template(field: &str, text: &str) -> Result<String, FieldError> {
    if !text.contains("{slug}") {
        return Err(FieldError::new(
            field,
            "must contain {slug} where the post's slug goes, e.g. https://example.com/blog/{slug}",
        ));
    }
    let filled = text.replace("{slug}", "post");
    match url::Url::parse(&filled) {
        Ok(url)
            if matches!(url.scheme(), "http" | "https")
                && url.host().is_some()
                && !text.chars().any(char::is_whitespace) =>
        {
            Ok(text.to_owned())
        }
        _ => Err(FieldError::new(
            field,
            "must be an http(s) address, e.g. https://example.com/blog/{slug}",
        )),
    }
}

fn check_value(field: &str, spec: &Spec, raw: &str) -> Result<String, FieldError> {
    let text = raw.trim();
    match spec.kind {
        Secret => {
            if raw.chars().count() > 8192 {
                Err(FieldError::new(field, "must be at most 8,192 characters"))
            } else if raw.chars().any(char::is_control) {
                Err(FieldError::new(
                    field,
                    "must not contain control characters",
                ))
            } else {
                Ok(raw.to_owned())
            }
        }
        Label => {
            let ok = !text.is_empty()
                && text.len() <= 63
                && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !text.starts_with('-');
            if ok {
                Ok(text.to_ascii_lowercase())
            } else {
                Err(FieldError::new(field, "must be letters, digits and dashes"))
            }
        }
        Text => required_line(field, text, 500),
        Email => super::user::Email::parse(field, text).map(|e| e.to_string()),
        Port => match text.parse::<u16>() {
            Ok(p) if p > 0 => Ok(p.to_string()),
            _ => Err(FieldError::new(field, "must be a port from 1 to 65535")),
        },
        Count => match text.parse::<u32>() {
            Ok(n) if n > 0 => Ok(n.to_string()),
            _ => Err(FieldError::new(field, "must be a whole number above 0")),
        },
        OneOf(words) => words
            .iter()
            .find(|w| **w == text)
            .map(|w| (*w).to_owned())
            .ok_or_else(|| FieldError::new(field, format!("must be one of {}", words.join(", ")))),
        BaseUrl => check_base_url(field, text),
        UrlTemplate => check_url_template(field, text),
        Digits => {
            let digits: String = text.chars().filter(|c| *c != '-').collect();
            if !digits.is_empty()
                && digits.len() <= 30
                && digits.bytes().all(|b| b.is_ascii_digit())
            {
                Ok(digits)
            } else {
                Err(FieldError::new(field, "must be digits (dashes allowed)"))
            }
        }
    }
}

/// Validates values against specs, merging over `base` (values already stored). An empty
/// string removes an optional value. Unknown names are refused.
fn check_map(
    group: &str,
    specs: &[Spec],
    base: &BTreeMap<String, String>,
    input: &BTreeMap<String, String>,
    errors: &mut Errors,
) -> BTreeMap<String, String> {
    for name in input.keys() {
        if !specs.iter().any(|s| s.name == name) {
            let known: Vec<&str> = specs.iter().map(|s| s.name).collect();
            let hint = if known.is_empty() {
                "this kind takes none".to_owned()
            } else {
                format!("expected {}", known.join(", "))
            };
            errors.push(FieldError::new(
                format!("{group}.{name}"),
                format!("unknown {group} name ({hint})"),
            ));
        }
    }
    let mut out = BTreeMap::new();
    for spec in specs {
        let field = format!("{group}.{}", spec.name);
        let given = input.get(spec.name).cloned();
        let value = match given {
            Some(v) if v.trim().is_empty() => None,
            Some(v) => errors.check(check_value(&field, spec, &v)),
            None => base.get(spec.name).cloned(),
        };
        match value {
            Some(v) => {
                out.insert(spec.name.to_owned(), v);
            }
            // A given but invalid value has its own error already.
            None if spec.required && input.get(spec.name).is_none_or(|v| v.trim().is_empty()) => {
                errors.push(FieldError::new(field, "is required"));
            }
            None => {}
        }
    }
    out
}

/// A connector's validated configuration.
#[derive(Clone, PartialEq, Eq)]
pub struct ConnectorConfig {
    /// Display name.
    pub name: String,
    /// Visible settings.
    pub settings: BTreeMap<String, String>,
    /// Secret values (never returned).
    pub secrets: BTreeMap<String, String>,
}

impl std::fmt::Debug for ConnectorConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectorConfig")
            .field("name", &self.name)
            .field("settings", &self.settings)
            .field("secrets", &self.secrets.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl ConnectorConfig {
    /// Validates a new connector's, or an edit's, name, settings and secrets for `kind`.
    /// On edit, `base` holds what is stored; omitted values keep it.
    pub fn parse(
        kind: ConnectorKind,
        base: Option<&ConnectorConfig>,
        name: Option<&str>,
        settings: &BTreeMap<String, String>,
        secrets: &BTreeMap<String, String>,
    ) -> Result<Self, Error> {
        let mut errors = Errors::new();
        let name = match (name, base) {
            (Some(n), _) => errors.check(required_line("name", n, 100)),
            (None, Some(b)) => Some(b.name.clone()),
            (None, None) => {
                errors.push(FieldError::new("name", "is required"));
                None
            }
        };
        let empty = BTreeMap::new();
        let new_settings = check_map(
            "settings",
            kind.settings(),
            base.map_or(&empty, |b| &b.settings),
            settings,
            &mut errors,
        );
        let host_changed = base.is_some_and(|b| {
            HOST_SETTINGS
                .iter()
                .any(|h| b.settings.get(*h) != new_settings.get(*h))
        });
        let kept_secrets = match base {
            Some(b) if !host_changed => &b.secrets,
            _ => &empty,
        };
        let secrets = check_map(
            "secrets",
            kind.secrets(),
            kept_secrets,
            secrets,
            &mut errors,
        );
        if new_settings.get("tls_mode").map(String::as_str) == Some("none")
            && !new_settings
                .get("host")
                .is_some_and(|h| is_loopback_host(h))
        {
            errors.push(FieldError::new(
                "settings.tls_mode",
                "none (no encryption) is allowed only for a server on this machine; use starttls or tls",
            ));
        }
        errors.finish()?;
        Ok(Self {
            name: name.expect("checked"),
            settings: new_settings,
            secrets,
        })
    }
}

/// A connector as shown: never its secrets, only which are set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Connector {
    /// The connector's id.
    pub id: ConnectorId,
    /// Provider.
    pub kind: ConnectorKind,
    /// Display name.
    pub name: String,
    /// Visible settings.
    pub settings: BTreeMap<String, String>,
    /// Names of the secrets that are set.
    pub secrets_set: Vec<String>,
    /// Result of the last test.
    pub health: Health,
    /// What the last test said.
    pub health_detail: Option<String>,
    /// When it was last tested.
    pub last_checked_at: Option<Timestamp>,
    /// Since when sending through it is held (a fault that every call would hit); `None`
    /// while it may be used.
    #[serde(default)]
    pub failing_since: Option<Timestamp>,
    /// Runs held because of it, waiting for a passing test.
    #[serde(default)]
    pub held_runs: i64,
    /// Bumped on every edit.
    pub version: i64,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}

impl Connector {
    /// The address mail from this sender comes from (sandbox mail uses a reserved domain).
    pub fn from_address(&self) -> String {
        let setting = match self.kind {
            ConnectorKind::Smtp => "from_address",
            _ => "sender",
        };
        self.settings
            .get(setting)
            .filter(|a| a.contains('@'))
            .cloned()
            .unwrap_or_else(|| "outbox@sandbox.tenex.invalid".to_owned())
    }

    /// The daily cap of a sender, if one is set.
    pub fn daily_cap(&self) -> Option<i64> {
        self.settings.get("daily_cap").and_then(|c| c.parse().ok())
    }
}

impl Keyed for Connector {
    fn position(&self) -> Position {
        Position {
            created_at: self.created_at,
            id: self.id.to_string(),
        }
    }
}

impl Connector {
    /// The roles this connector plays: its kind's, narrowed for a sandbox to the one its
    /// `role` setting names.
    pub fn roles(&self) -> Vec<ConnectorRole> {
        let named = (self.kind == ConnectorKind::Sandbox)
            .then(|| self.settings.get("role"))
            .flatten()
            .and_then(|r| r.parse::<ConnectorRole>().ok());
        match named {
            Some(role) => vec![role],
            None => self.kind.roles().to_vec(),
        }
    }

    /// True when this connector can play `role`.
    pub fn can(&self, role: ConnectorRole) -> bool {
        self.roles().contains(&role)
    }

    /// The email address mail is sent from, for sender kinds.
    pub fn sender_address(&self) -> Option<Email> {
        let text = self
            .settings
            .get("from_address")
            .or_else(|| self.settings.get("sender"))?;
        Email::parse("sender", text).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_post_address_must_hold_the_slug_and_be_a_web_address() {
        let spec = s("post_url", UrlTemplate, false, "Post URL");
        assert_eq!(
            check_value("post_url", &spec, " https://example.com/blog/{slug} ").unwrap(),
            "https://example.com/blog/{slug}"
        );
        for bad in [
            "https://example.com/blog/",
            "ftp://example.com/{slug}",
            "javascript:alert(1)//{slug}",
            "https://exa mple.com/{slug}",
        ] {
            let e = check_value("post_url", &spec, bad).unwrap_err();
            assert_eq!(e.field, "post_url", "{bad}");
        }
    }

    #[test]
    fn smtp_settings_are_checked_and_every_problem_named() {
        let err = ConnectorConfig::parse(
            ConnectorKind::Smtp,
            None,
            Some("Mail"),
            &map(&[
                ("host", "smtp.example.com"),
                ("port", "99999"),
                ("tls_mode", "ssl"),
                ("colour", "red"),
            ]),
            &BTreeMap::new(),
        )
        .unwrap_err();
        let Error::Invalid(fields) = err else {
            panic!()
        };
        let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
        assert!(names.contains(&"settings.colour"));
        assert!(names.contains(&"settings.port"));
        assert!(names.contains(&"settings.tls_mode"));
        assert!(names.contains(&"settings.from_address"));
    }

    #[test]
    fn an_edit_keeps_stored_secrets_unless_replaced() {
        let first = ConnectorConfig::parse(
            ConnectorKind::Webflow,
            None,
            Some("Site"),
            &map(&[("site_id", "s1"), ("collection_id", "c1")]),
            &map(&[("api_token", "tok")]),
        )
        .unwrap();
        let edited = ConnectorConfig::parse(
            ConnectorKind::Webflow,
            Some(&first),
            None,
            &map(&[("collection_id", "c2")]),
            &BTreeMap::new(),
        )
        .unwrap();
        assert_eq!(
            edited.secrets.get("api_token").map(String::as_str),
            Some("tok")
        );
        assert_eq!(
            edited.settings.get("collection_id").map(String::as_str),
            Some("c2")
        );
        assert!(
            ConnectorConfig::parse(
                ConnectorKind::Webflow,
                None,
                Some("x"),
                &map(&[("site_id", "s")]),
                &BTreeMap::new()
            )
            .is_err()
        );
    }

    #[test]
    fn moving_the_host_drops_the_stored_secrets() {
        let first = ConnectorConfig::parse(
            ConnectorKind::Gmail,
            None,
            Some("G"),
            &map(&[("sender", "a@b.test")]),
            &map(&[("access_token", "tok")]),
        )
        .unwrap();
        let moved = ConnectorConfig::parse(
            ConnectorKind::Gmail,
            Some(&first),
            None,
            &map(&[("base_url", "https://evil.example")]),
            &BTreeMap::new(),
        );
        let Err(Error::Invalid(fields)) = moved else {
            panic!("the token must be typed again")
        };
        assert_eq!(fields[0].field, "secrets.access_token");
        let retyped = ConnectorConfig::parse(
            ConnectorKind::Gmail,
            Some(&first),
            None,
            &map(&[("base_url", "https://mail.example")]),
            &map(&[("access_token", "new")]),
        )
        .unwrap();
        assert_eq!(retyped.secrets["access_token"], "new");
        assert!(
            !format!("{retyped:?}").contains("new\""),
            "Debug never shows a secret value"
        );
    }

    #[test]
    fn plain_smtp_is_only_for_this_machine_and_tokens_keep_their_exact_text() {
        let smtp = |host: &str| {
            ConnectorConfig::parse(
                ConnectorKind::Smtp,
                None,
                Some("M"),
                &map(&[
                    ("host", host),
                    ("port", "25"),
                    ("tls_mode", "none"),
                    ("from_address", "a@b.test"),
                ]),
                &map(&[("password", " spaced pass ")]),
            )
        };
        assert!(smtp("smtp.example.com").is_err());
        let local = smtp("127.0.0.1").unwrap();
        assert_eq!(local.secrets["password"], " spaced pass ");
        let long = "t".repeat(3000);
        assert!(
            ConnectorConfig::parse(
                ConnectorKind::Gmail,
                None,
                Some("G"),
                &map(&[("sender", "a@b.test")]),
                &map(&[("access_token", &long)])
            )
            .is_ok()
        );
        assert!(
            ConnectorConfig::parse(
                ConnectorKind::Sanity,
                None,
                Some("S"),
                &map(&[
                    ("project_id", "evil.example/#"),
                    ("dataset", "d"),
                    ("api_version", "v1")
                ]),
                &map(&[("api_token", "t")])
            )
            .is_err()
        );
    }

    #[test]
    fn base_urls_must_be_https_unless_local() {
        assert!(check_base_url("b", "https://api.example.com/").is_ok());
        assert!(check_base_url("b", "http://127.0.0.1:8080").is_ok());
        assert!(check_base_url("b", "http://example.com").is_err());
        assert!(check_base_url("b", "https://user:pw@example.com").is_err());
        assert!(check_base_url("b", "ftp://example.com").is_err());
        assert!(check_base_url("b", "example.com").is_err());
    }

    #[test]
    fn only_literal_loopback_hosts_count_as_this_machine() {
        for host in [
            "127.0.0.1",
            "127.3.2.1",
            "::1",
            "[::1]",
            "localhost",
            "LOCALHOST",
        ] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in [
            "127.attacker.example",
            "localhost.attacker.example",
            "127.0.0.1.attacker.example",
            "10.0.0.1",
            "::2",
            "",
        ] {
            assert!(!is_loopback_host(host), "{host}");
        }
        for url in [
            "http://127.0.0.1:8080",
            "http://127.9.9.9/v1",
            "http://[::1]:9000",
            "http://localhost:3001/",
        ] {
            assert!(check_base_url("b", url).is_ok(), "{url}");
        }
        for url in [
            "http://127.attacker.example",
            "http://localhost.attacker.example:8080",
            "http://127.0.0.1.nip.io",
            "http://127.0.0.1@attacker.example",
            "http://attacker.example\\@127.0.0.1",
            "http://attacker.example#@127.0.0.1",
            "http://attacker.example?@127.0.0.1",
            "https://api.example.com/v1?x=1",
        ] {
            assert!(check_base_url("b", url).is_err(), "{url}");
        }
    }

    #[test]
    fn plain_smtp_needs_a_literal_loopback_host() {
        let smtp = |host: &str| {
            ConnectorConfig::parse(
                ConnectorKind::Smtp,
                None,
                Some("M"),
                &map(&[
                    ("host", host),
                    ("port", "25"),
                    ("tls_mode", "none"),
                    ("from_address", "a@b.test"),
                ]),
                &BTreeMap::new(),
            )
        };
        for host in ["127.attacker.example", "localhost.attacker.example"] {
            let Err(Error::Invalid(fields)) = smtp(host) else {
                panic!("{host} must not get plain text")
            };
            assert_eq!(fields[0].field, "settings.tls_mode");
        }
        assert!(smtp("::1").is_ok());
        assert!(smtp("localhost").is_ok());
    }

    #[test]
    fn sandbox_plays_every_role_and_takes_only_its_refusal_knob() {
        assert_eq!(ConnectorKind::Sandbox.roles().len(), 3);
        assert!(
            ConnectorConfig::parse(
                ConnectorKind::Sandbox,
                None,
                Some("Try it"),
                &map(&[("x", "y")]),
                &BTreeMap::new()
            )
            .is_err()
        );
        assert!(
            ConnectorConfig::parse(
                ConnectorKind::Sandbox,
                None,
                Some("Try it"),
                &BTreeMap::new(),
                &BTreeMap::new()
            )
            .is_ok()
        );
        assert!(
            ConnectorConfig::parse(
                ConnectorKind::Sandbox,
                None,
                Some("Try it"),
                &map(&[("refuse_step", "ad_set")]),
                &BTreeMap::new()
            )
            .is_ok()
        );
    }

    #[test]
    fn ad_account_ids_lose_their_dashes() {
        let c = ConnectorConfig::parse(
            ConnectorKind::GoogleAds,
            None,
            Some("Ads"),
            &map(&[("customer_id", "123-456-7890")]),
            &map(&[("developer_token", "d"), ("access_token", "a")]),
        )
        .unwrap();
        assert_eq!(c.settings["customer_id"], "1234567890");
    }
}
