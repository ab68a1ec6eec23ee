//! The ad platforms' creative rules: which text fields each platform's ad has, how long each
//! may be (a hard limit refuses, a recommended length warns) and which calls to action it
//! offers. One table, compiled into the server (its 422s) and the browser (the variant
//! picker's live counters), so the two can never disagree.

use serde::{Deserialize, Serialize};

use super::error::{Error, Errors, FieldError};
use super::wire::wire_enum;

wire_enum!(
    /// Where an ad runs.
    AdPlatform {
        /// Google Ads responsive search ads.
        Google => "google",
        /// LinkedIn single-image sponsored content.
        Linkedin => "linkedin",
        /// Meta (Facebook and Instagram) link ads.
        Meta => "meta",
    }
);

wire_enum!(
    /// A text field of ad copy, as the API names it.
    CopyField {
        /// Google: 3–15 headlines; LinkedIn and Meta: one.
        Headlines => "headlines",
        /// Google: 2–4 descriptions; Meta: at most one.
        Descriptions => "descriptions",
        /// LinkedIn's introductory text, Meta's primary text.
        PrimaryText => "primary_text",
        /// Google's first display-URL path.
        Path1 => "path1",
        /// Google's second display-URL path (only after `path1`).
        Path2 => "path2",
    }
);

/// How one text field of a platform's ad is bounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldRule {
    /// Which field.
    pub field: CopyField,
    /// What the platform calls it, for the picker.
    pub label: &'static str,
    /// Fewest entries (0: optional).
    pub min_items: usize,
    /// Most entries.
    pub max_items: usize,
    /// Hard limit per entry: longer is refused.
    pub max_len: usize,
    /// Recommended length per entry: longer warns (the platform cuts it off in places).
    pub recommended_len: Option<usize>,
}

/// One platform's ad: its fields and calls to action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlatformRules {
    /// The platform.
    pub platform: AdPlatform,
    /// The ad format, in the platform's words.
    pub format: &'static str,
    /// Its text fields; a field not listed is not part of this platform's ad.
    pub fields: &'static [FieldRule],
    /// The call-to-action labels it offers; empty when the ad has none.
    pub calls_to_action: &'static [&'static str],
}

// Meta publishes recommended lengths only; this bound keeps copy reviewable and well under
// what its API accepts.
const META_TEXT_BOUND: usize = 2_000;
const META_SHORT_BOUND: usize = 255;

const GOOGLE: PlatformRules = PlatformRules {
    platform: AdPlatform::Google,
    format: "Responsive search ad",
    fields: &[
        FieldRule {
            field: CopyField::Headlines,
            label: "Headline",
            min_items: 3,
            max_items: 15,
            max_len: 30,
            recommended_len: None,
        },
        FieldRule {
            field: CopyField::Descriptions,
            label: "Description",
            min_items: 2,
            max_items: 4,
            max_len: 90,
            recommended_len: None,
        },
        FieldRule {
            field: CopyField::Path1,
            label: "Path 1",
            min_items: 0,
            max_items: 1,
            max_len: 15,
            recommended_len: None,
        },
        FieldRule {
            field: CopyField::Path2,
            label: "Path 2",
            min_items: 0,
            max_items: 1,
            max_len: 15,
            recommended_len: None,
        },
    ],
    calls_to_action: &[],
};

const LINKEDIN: PlatformRules = PlatformRules {
    platform: AdPlatform::Linkedin,
    format: "Single image ad",
    fields: &[
        FieldRule {
            field: CopyField::PrimaryText,
            label: "Introductory text",
            min_items: 1,
            max_items: 1,
            max_len: 600,
            recommended_len: Some(150),
        },
        FieldRule {
            field: CopyField::Headlines,
            label: "Headline",
            min_items: 1,
            max_items: 1,
            max_len: 200,
            recommended_len: Some(70),
        },
    ],
    calls_to_action: &[
        "APPLY",
        "DOWNLOAD",
        "VIEW_QUOTE",
        "LEARN_MORE",
        "SIGN_UP",
        "SUBSCRIBE",
        "REGISTER",
        "REQUEST_DEMO",
        "JOIN",
        "ATTEND",
    ],
};

const META: PlatformRules = PlatformRules {
    platform: AdPlatform::Meta,
    format: "Link ad",
    fields: &[
        FieldRule {
            field: CopyField::PrimaryText,
            label: "Primary text",
            min_items: 1,
            max_items: 1,
            max_len: META_TEXT_BOUND,
            recommended_len: Some(125),
        },
        FieldRule {
            field: CopyField::Headlines,
            label: "Headline",
            min_items: 1,
            max_items: 1,
            max_len: META_SHORT_BOUND,
            recommended_len: Some(40),
        },
        FieldRule {
            field: CopyField::Descriptions,
            label: "Description",
            min_items: 0,
            max_items: 1,
            max_len: META_SHORT_BOUND,
            recommended_len: Some(30),
        },
    ],
    calls_to_action: &[
        "LEARN_MORE",
        "SIGN_UP",
        "SHOP_NOW",
        "BOOK_NOW",
        "CONTACT_US",
        "DOWNLOAD",
        "SUBSCRIBE",
        "GET_QUOTE",
        "GET_OFFER",
        "APPLY_NOW",
        "ORDER_NOW",
        "WATCH_MORE",
        "NO_BUTTON",
    ],
};

/// Longest landing URL accepted.
pub const MAX_URL_LEN: usize = 2_048;

impl AdPlatform {
    /// This platform's ad rules.
    pub fn rules(self) -> &'static PlatformRules {
        match self {
            AdPlatform::Google => &GOOGLE,
            AdPlatform::Linkedin => &LINKEDIN,
            AdPlatform::Meta => &META,
        }
    }

    /// Its name as people write it.
    pub fn name(self) -> &'static str {
        match self {
            AdPlatform::Google => "Google",
            AdPlatform::Linkedin => "LinkedIn",
            AdPlatform::Meta => "Meta",
        }
    }

    /// The length of `text` as this platform counts it. Google counts a double-width
    /// character (Chinese, Japanese, Korean) as two; the others count characters.
    pub fn length(self, text: &str) -> usize {
        match self {
            AdPlatform::Google => text.chars().map(|c| if wide(c) { 2 } else { 1 }).sum(),
            AdPlatform::Linkedin | AdPlatform::Meta => text.chars().count(),
        }
    }
}

fn wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F
        | 0x2E80..=0x303E
        | 0x3041..=0x33FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x20000..=0x3FFFD)
}

impl PlatformRules {
    /// The rule of `field`, if this platform's ad has it.
    pub fn field(&self, field: CopyField) -> Option<&'static FieldRule> {
        self.fields.iter().find(|r| r.field == field)
    }
}

/// Where a length stands against its rule: what the picker's counter shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LengthState {
    /// Within the recommended length (or the limit, when there is no recommendation).
    Fits,
    /// Past the recommended length: allowed, but the platform may cut it off (amber).
    OverRecommended,
    /// Past the hard limit: refused (red).
    OverLimit,
}

impl FieldRule {
    /// Where `len` stands.
    pub fn state(&self, len: usize) -> LengthState {
        if len > self.max_len {
            LengthState::OverLimit
        } else if self.recommended_len.is_some_and(|r| len > r) {
            LengthState::OverRecommended
        } else {
            LengthState::Fits
        }
    }
}

/// The copy of an ad creative, as a client sends it and as it is stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema, schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct AdCopy {
    /// Google: 3–15 of ≤ 30; LinkedIn: one of ≤ 200 (70 recommended); Meta: one (40
    /// recommended).
    #[serde(default)]
    pub headlines: Vec<String>,
    /// Google: 2–4 of ≤ 90; Meta: at most one (30 recommended); LinkedIn: none.
    #[serde(default)]
    pub descriptions: Vec<String>,
    /// LinkedIn's introductory text (≤ 600, 150 recommended) or Meta's primary text (125
    /// recommended); Google: none.
    pub primary_text: Option<String>,
    /// Google only: display-URL path, ≤ 15.
    pub path1: Option<String>,
    /// Google only: second display-URL path, ≤ 15, only with `path1`.
    pub path2: Option<String>,
    /// LinkedIn and Meta: one of the platform's call-to-action labels.
    pub call_to_action: Option<String>,
    /// Where a click lands: an `https://` (or `http://`) address.
    pub final_url: Option<String>,
}

/// A recommended length exceeded: allowed, shown to the marketer and the approver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CopyWarning {
    /// The field, e.g. `headlines[0]`.
    pub field: String,
    /// What is past what.
    pub message: String,
}

impl AdCopy {
    /// The entries of `field`.
    pub fn values(&self, field: CopyField) -> Vec<&str> {
        match field {
            CopyField::Headlines => self.headlines.iter().map(String::as_str).collect(),
            CopyField::Descriptions => self.descriptions.iter().map(String::as_str).collect(),
            CopyField::PrimaryText => self.primary_text.as_deref().into_iter().collect(),
            CopyField::Path1 => self.path1.as_deref().into_iter().collect(),
            CopyField::Path2 => self.path2.as_deref().into_iter().collect(),
        }
    }

    /// Trims every entry and drops empty optional ones, as stored.
    pub fn tidy(&self) -> AdCopy {
        let line = |s: &String| s.trim().to_owned();
        let some = |s: &Option<String>| {
            s.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        AdCopy {
            headlines: self.headlines.iter().map(line).collect(),
            descriptions: self.descriptions.iter().map(line).collect(),
            primary_text: some(&self.primary_text),
            path1: some(&self.path1),
            path2: some(&self.path2),
            call_to_action: some(&self.call_to_action),
            final_url: some(&self.final_url),
        }
    }

    /// Checks the (tidied) copy against `platform`'s ad and the brand's forbidden phrases:
    /// the recommended lengths it exceeds, or every field that breaks a hard rule, each
    /// named with its limit and its length.
    pub fn check(
        &self,
        platform: AdPlatform,
        do_not_say: &[String],
    ) -> Result<Vec<CopyWarning>, Error> {
        self.check_with(platform, do_not_say, true)
    }

    /// [`AdCopy::check`] for copy still being written: the landing page may be missing
    /// (it is required before approval), but one that is given must be a web address.
    pub fn check_draft(
        &self,
        platform: AdPlatform,
        do_not_say: &[String],
    ) -> Result<Vec<CopyWarning>, Error> {
        self.check_with(platform, do_not_say, false)
    }

    fn check_with(
        &self,
        platform: AdPlatform,
        do_not_say: &[String],
        url_required: bool,
    ) -> Result<Vec<CopyWarning>, Error> {
        let rules = platform.rules();
        let mut errors = Errors::new();
        let mut warnings = Vec::new();
        for field in CopyField::ALL.iter().copied() {
            let values = self.values(field);
            let Some(rule) = rules.field(field) else {
                if !values.is_empty() {
                    errors.push(FieldError::new(
                        field.as_str(),
                        format!("is not part of a {} {}", platform.name(), rules.format),
                    ));
                }
                continue;
            };
            check_field(platform, rule, &values, &mut errors, &mut warnings);
        }
        if platform == AdPlatform::Google {
            if self.path2.is_some() && self.path1.is_none() {
                errors.push(FieldError::new("path2", "needs path1 first"));
            }
            for (name, path) in [("path1", &self.path1), ("path2", &self.path2)] {
                if path
                    .as_deref()
                    .is_some_and(|p| p.contains(|c: char| c.is_whitespace() || c == '/'))
                {
                    errors.push(FieldError::new(
                        name,
                        "is one word of the display URL: no spaces or slashes",
                    ));
                }
            }
            for (i, h) in self.headlines.iter().enumerate() {
                if let Some(first) = self.headlines[..i]
                    .iter()
                    .position(|e| e.eq_ignore_ascii_case(h))
                {
                    errors.push(FieldError::new(
                        format!("headlines[{i}]"),
                        format!("repeats headlines[{first}]; Google refuses duplicate headlines"),
                    ));
                }
            }
        }
        match (&self.call_to_action, rules.calls_to_action.is_empty()) {
            (Some(_), true) => errors.push(FieldError::new(
                "call_to_action",
                format!("is not part of a {} {}", platform.name(), rules.format),
            )),
            (Some(cta), false) if !rules.calls_to_action.contains(&cta.as_str()) => {
                errors.push(FieldError::new(
                    "call_to_action",
                    format!(
                        "unknown label `{cta}` (expected one of {})",
                        rules.calls_to_action.join(", ")
                    ),
                ))
            }
            _ => {}
        }
        match self.final_url.as_deref() {
            None if !url_required => {}
            None => errors.push(FieldError::new(
                "final_url",
                "is required: the page a click lands on",
            )),
            Some(url) => {
                if let Err(message) = check_landing_url(url) {
                    errors.push(FieldError::new("final_url", message));
                }
            }
        }
        for field in CopyField::ALL.iter().copied() {
            for (i, text) in self.values(field).iter().enumerate() {
                let found = forbidden(text, do_not_say);
                if !found.is_empty() {
                    errors.push(FieldError::new(
                        entry_name(field, i),
                        format!(
                            "contains the brand's do-not-say phrase \"{}\"",
                            found.join("\", \"")
                        ),
                    ));
                }
            }
        }
        errors.finish()?;
        Ok(warnings)
    }
}

impl AdCopy {
    /// The copy with every entry over its hard limit cut back at a word boundary (a
    /// generator's overlong line), lists cut to the platform's maximum, and fields the
    /// platform's ad does not have removed. What cannot be repaired (too few entries, a
    /// missing URL, a forbidden phrase) is left for [`AdCopy::check`] to refuse.
    pub fn repaired(&self, platform: AdPlatform) -> AdCopy {
        let rules = platform.rules();
        let fit = |field: CopyField, text: &str| match rules.field(field) {
            Some(rule) => shorten(platform, text.trim(), rule.max_len),
            None => String::new(),
        };
        let list = |field: CopyField, items: &[String]| -> Vec<String> {
            let max = rules.field(field).map_or(0, |r| r.max_items);
            items
                .iter()
                .map(|t| fit(field, t))
                .filter(|t| !t.is_empty())
                .take(max)
                .collect()
        };
        let one = |field: CopyField, text: &Option<String>| {
            text.as_deref()
                .map(|t| fit(field, t))
                .filter(|t| !t.is_empty())
        };
        // Duplicates go before the cut to the maximum, so no distinct headline is lost.
        let mut unique: Vec<String> = Vec::new();
        for h in &self.headlines {
            if !unique
                .iter()
                .any(|e| e.trim().eq_ignore_ascii_case(h.trim()))
            {
                unique.push(h.clone());
            }
        }
        let headlines = list(CopyField::Headlines, &unique);
        AdCopy {
            headlines,
            descriptions: list(CopyField::Descriptions, &self.descriptions),
            primary_text: one(CopyField::PrimaryText, &self.primary_text),
            path1: one(CopyField::Path1, &self.path1),
            path2: one(CopyField::Path2, &self.path2),
            call_to_action: self
                .call_to_action
                .clone()
                .filter(|c| rules.calls_to_action.contains(&c.as_str())),
            final_url: self
                .final_url
                .as_deref()
                .map(str::trim)
                .filter(|u| !u.is_empty())
                .map(str::to_owned),
        }
    }
}

/// `text` cut to at most `max` (as `platform` counts): at the last clause or sentence end
/// that keeps at least half of it, else at the last word boundary that fits.
pub fn shorten(platform: AdPlatform, text: &str, max: usize) -> String {
    if platform.length(text) <= max {
        return text.to_owned();
    }
    // The longest prefix ending before a space that fits; the text's own line breaks stay.
    let mut best: Option<&str> = None;
    let mut clause: Option<&str> = None;
    for (i, c) in text.char_indices() {
        if c.is_whitespace() {
            let candidate = text[..i].trim_end();
            if platform.length(candidate) > max {
                break;
            }
            if !candidate.is_empty() {
                best = Some(candidate);
                if candidate.ends_with([',', ';', ':', '.', '!', '?', '–', '—']) {
                    clause = Some(candidate);
                }
            }
        }
    }
    // "…in one place" reads better than "…in one place, so".
    if let Some(c) = clause.filter(|c| platform.length(c) * 2 >= max) {
        best = Some(c);
    }
    let out: String = match best {
        Some(prefix) => prefix.to_owned(),
        None => {
            // One word longer than the limit: cut the word.
            let mut len = 0;
            text.chars()
                .take_while(|c| {
                    len += platform.length(c.encode_utf8(&mut [0; 4]));
                    len <= max
                })
                .collect()
        }
    };
    out.trim_end_matches([',', ';', ':', '-', '–', '—'])
        .trim_end()
        .to_owned()
}

/// `headlines[2]` in a list, `primary_text` for a single field.
fn entry_name(field: CopyField, i: usize) -> String {
    match field {
        CopyField::Headlines | CopyField::Descriptions => format!("{}[{i}]", field.as_str()),
        _ => field.as_str().to_owned(),
    }
}

fn check_field(
    platform: AdPlatform,
    rule: &FieldRule,
    values: &[&str],
    errors: &mut Errors,
    warnings: &mut Vec<CopyWarning>,
) {
    let name = rule.field.as_str();
    if values.len() < rule.min_items || values.len() > rule.max_items {
        let wanted = match (rule.min_items, rule.max_items) {
            (a, b) if a == b => format!("exactly {a}"),
            (0, b) => format!("at most {b}"),
            (a, b) => format!("{a} to {b}"),
        };
        errors.push(FieldError::new(
            name,
            format!(
                "a {} {} has {wanted} (got {})",
                platform.name(),
                platform.rules().format,
                values.len()
            ),
        ));
    }
    for (i, text) in values.iter().enumerate() {
        let field = entry_name(rule.field, i);
        if text.trim().is_empty() {
            errors.push(FieldError::new(field, "must not be empty"));
            continue;
        }
        let len = platform.length(text);
        match rule.state(len) {
            LengthState::OverLimit => errors.push(FieldError::new(
                field,
                format!("must be at most {} characters (is {len})", rule.max_len),
            )),
            LengthState::OverRecommended => warnings.push(CopyWarning {
                field,
                message: format!(
                    "{len} characters; {} recommends at most {} (longer may be cut off)",
                    platform.name(),
                    rule.recommended_len.unwrap_or(rule.max_len)
                ),
            }),
            LengthState::Fits => {}
        }
    }
}

fn forbidden(text: &str, do_not_say: &[String]) -> Vec<String> {
    let lower = text.to_lowercase();
    do_not_say
        .iter()
        .filter(|p| !p.trim().is_empty() && lower.contains(&p.to_lowercase()))
        .cloned()
        .collect()
}

/// An absolute `http(s)` address with a host, no spaces and no user part (a host written
/// as `site.example@elsewhere.example` would send the click elsewhere).
pub fn check_landing_url(url: &str) -> Result<(), String> {
    if url.len() > MAX_URL_LEN {
        return Err(format!("must be at most {MAX_URL_LEN} characters"));
    }
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or("must start with https:// (or http://)")?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.contains('@') {
        return Err("must not contain a user name (`…@`) before the host".into());
    }
    if host.is_empty() || !host.contains('.') || url.chars().any(char::is_whitespace) {
        return Err("must be a full web address, e.g. https://example.com/offer".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn google() -> AdCopy {
        AdCopy {
            headlines: vec![
                "Freight, booked".into(),
                "Live tracking".into(),
                "One invoice".into(),
            ],
            descriptions: vec![
                "Quotes from 400 vetted carriers in seconds.".into(),
                "Track every load live; pay one invoice a month.".into(),
            ],
            path1: Some("freight".into()),
            final_url: Some("https://tenex.example/freight".into()),
            ..Default::default()
        }
    }

    fn fields(e: Error) -> Vec<(String, String)> {
        match e {
            Error::Invalid(f) => f.into_iter().map(|f| (f.field, f.message)).collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_google_ad_within_its_limits_passes_without_warnings() {
        assert_eq!(google().check(AdPlatform::Google, &[]).unwrap(), []);
    }

    #[test]
    fn a_hard_limit_names_the_field_the_limit_and_the_length() {
        let mut copy = google();
        copy.headlines[1] = "x".repeat(31);
        copy.descriptions.push("y".repeat(91));
        let e = fields(copy.check(AdPlatform::Google, &[]).unwrap_err());
        assert_eq!(
            e,
            [
                (
                    "headlines[1]".to_owned(),
                    "must be at most 30 characters (is 31)".to_owned()
                ),
                (
                    "descriptions[2]".to_owned(),
                    "must be at most 90 characters (is 91)".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn google_counts_and_paths_and_duplicates() {
        let mut copy = google();
        copy.headlines.truncate(2);
        copy.descriptions.clear();
        copy.path1 = None;
        copy.path2 = Some("x".into());
        copy.call_to_action = Some("LEARN_MORE".into());
        let named: Vec<String> = fields(copy.check(AdPlatform::Google, &[]).unwrap_err())
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        assert_eq!(
            named,
            ["headlines", "descriptions", "path2", "call_to_action"]
        );
        let mut copy = google();
        copy.headlines[2] = "LIVE TRACKING".into();
        let e = fields(copy.check(AdPlatform::Google, &[]).unwrap_err());
        assert_eq!(e[0].0, "headlines[2]");
        assert!(e[0].1.contains("headlines[1]"), "{e:?}");
    }

    #[test]
    fn google_counts_a_double_width_character_as_two() {
        assert_eq!(AdPlatform::Google.length("貨物"), 4);
        assert_eq!(AdPlatform::Meta.length("貨物"), 2);
        let mut copy = google();
        copy.headlines[0] = "貨".repeat(16);
        let e = fields(copy.check(AdPlatform::Google, &[]).unwrap_err());
        assert_eq!(e[0].1, "must be at most 30 characters (is 32)");
    }

    #[test]
    fn recommended_lengths_warn_and_hard_limits_refuse_on_linkedin() {
        let copy = AdCopy {
            headlines: vec!["h".repeat(71)],
            primary_text: Some("p".repeat(151)),
            call_to_action: Some("REQUEST_DEMO".into()),
            final_url: Some("https://tenex.example".into()),
            ..Default::default()
        };
        let warnings = copy.check(AdPlatform::Linkedin, &[]).unwrap();
        let warned: Vec<&str> = warnings.iter().map(|w| w.field.as_str()).collect();
        assert_eq!(warned, ["headlines[0]", "primary_text"]);
        let over = AdCopy {
            primary_text: Some("p".repeat(601)),
            descriptions: vec!["not on LinkedIn".into()],
            call_to_action: Some("SHOP_NOW".into()),
            ..copy
        };
        let named: Vec<String> = fields(over.check(AdPlatform::Linkedin, &[]).unwrap_err())
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        assert_eq!(named, ["descriptions", "primary_text", "call_to_action"]);
    }

    #[test]
    fn meta_needs_one_headline_and_a_known_call_to_action() {
        let copy = AdCopy {
            headlines: vec!["Ship smarter".into(), "Two".into()],
            primary_text: Some("Freight without the phone calls.".into()),
            call_to_action: Some("learn_more".into()),
            final_url: Some("tenex.example".into()),
            ..Default::default()
        };
        let e = fields(copy.check(AdPlatform::Meta, &[]).unwrap_err());
        let named: Vec<&str> = e.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(named, ["headlines", "call_to_action", "final_url"]);
        assert!(e[1].1.contains("LEARN_MORE"), "{e:?}");
    }

    #[test]
    fn do_not_say_phrases_are_refused_wherever_they_appear() {
        let mut copy = google();
        copy.descriptions[1] = "The CHEAPEST freight in Europe.".into();
        let e = fields(
            copy.check(AdPlatform::Google, &["cheapest".into()])
                .unwrap_err(),
        );
        assert_eq!(e[0].0, "descriptions[1]");
        assert!(e[0].1.contains("cheapest"), "{e:?}");
    }

    #[test]
    fn the_counter_state_agrees_with_the_check_at_every_length() {
        for platform in AdPlatform::ALL.iter().copied() {
            for rule in platform.rules().fields {
                for len in 0..=rule.max_len + 2 {
                    let state = rule.state(len);
                    assert_eq!(state == LengthState::OverLimit, len > rule.max_len);
                    let warns = rule.recommended_len.is_some_and(|r| len > r);
                    assert_eq!(
                        state == LengthState::OverRecommended,
                        warns && len <= rule.max_len,
                        "{platform} {} at {len}",
                        rule.label
                    );
                }
            }
        }
    }

    #[test]
    fn tidying_trims_and_drops_blank_optionals() {
        let copy = AdCopy {
            headlines: vec!["  Ship  ".into()],
            path1: Some("  ".into()),
            final_url: Some(" https://tenex.example ".into()),
            ..Default::default()
        }
        .tidy();
        assert_eq!(copy.headlines, ["Ship"]);
        assert_eq!(copy.path1, None);
        assert_eq!(copy.final_url.as_deref(), Some("https://tenex.example"));
    }

    #[test]
    fn repair_cuts_overlong_lines_at_a_word_and_drops_what_the_platform_lacks() {
        let copy = AdCopy {
            headlines: vec![
                "Freight booked in seconds, tracked live".into(),
                "Freight booked in seconds, tracked live".into(),
                "One invoice".into(),
                "Live tracking".into(),
            ],
            descriptions: vec!["d".repeat(95), "Two".into()],
            primary_text: Some("not on Google".into()),
            call_to_action: Some("LEARN_MORE".into()),
            final_url: Some(" https://tenex.example ".into()),
            ..Default::default()
        };
        let fixed = copy.repaired(AdPlatform::Google);
        assert_eq!(fixed.headlines[0], "Freight booked in seconds");
        assert_eq!(fixed.headlines.len(), 3, "the duplicate is dropped");
        assert_eq!(fixed.descriptions[0].chars().count(), 90);
        assert_eq!(fixed.primary_text, None);
        assert_eq!(fixed.call_to_action, None);
        assert!(fixed.check(AdPlatform::Google, &[]).is_ok());
    }

    #[test]
    fn shortening_prefers_a_clause_end_to_a_dangling_word() {
        let text = "Tenex Freight books, tracks and settles freight for mid-sized shippers in one place, so teams stop chasing carriers.";
        assert_eq!(
            shorten(AdPlatform::Google, text, 90),
            "Tenex Freight books, tracks and settles freight for mid-sized shippers in one place"
        );
        // A clause end that would lose more than half the room is not worth it.
        assert_eq!(
            shorten(
                AdPlatform::Google,
                "Fast, then tracked live on every road in Europe",
                30
            ),
            "Fast, then tracked live on"
        );
    }

    #[test]
    fn shortening_never_exceeds_the_limit() {
        let text = "Ship pallets across Europe overnight with live tracking and one invoice";
        for platform in AdPlatform::ALL.iter().copied() {
            for max in 1..=text.len() {
                let cut = shorten(platform, text, max);
                assert!(platform.length(&cut) <= max, "{platform} {max}: {cut}");
                assert!(!cut.is_empty());
            }
        }
        assert_eq!(shorten(AdPlatform::Google, "貨物貨物", 5), "貨物");
    }

    #[test]
    fn a_draft_may_lack_its_landing_page_but_not_have_a_bad_one() {
        let mut copy = google();
        copy.final_url = None;
        assert!(copy.check_draft(AdPlatform::Google, &[]).is_ok());
        let e = fields(copy.check(AdPlatform::Google, &[]).unwrap_err());
        assert_eq!(e[0].0, "final_url");
        copy.final_url = Some("javascript:alert(1)".into());
        assert!(copy.check_draft(AdPlatform::Google, &[]).is_err());
    }

    #[test]
    fn landing_pages_and_paths_cannot_point_elsewhere() {
        assert!(check_landing_url("https://tenex.example/offer?x=1").is_ok());
        assert!(check_landing_url("https://tenex.example@evil.example/").is_err());
        assert!(check_landing_url("javascript:alert(1)").is_err());
        let mut copy = google();
        copy.path1 = Some("two words".into());
        copy.path2 = Some("a/b".into());
        let named: Vec<String> = fields(copy.check(AdPlatform::Google, &[]).unwrap_err())
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        assert_eq!(named, ["path1", "path2"]);
    }

    #[test]
    fn repair_keeps_every_distinct_headline_up_to_the_maximum() {
        let mut headlines = vec!["Same".to_owned(); 15];
        headlines.extend((0..15).map(|i| format!("Headline {i}")));
        let copy = AdCopy {
            headlines,
            ..Default::default()
        }
        .repaired(AdPlatform::Google);
        assert_eq!(copy.headlines.len(), 15);
        assert_eq!(copy.headlines[0], "Same");
        assert_eq!(copy.headlines[1], "Headline 0");
    }

    #[test]
    fn shortening_keeps_the_texts_own_line_breaks() {
        let text = "Freight without phone calls\nBook in a minute and track it live";
        let cut = shorten(AdPlatform::Meta, text, 40);
        assert_eq!(cut, "Freight without phone calls\nBook in a");
        assert_eq!(
            AdPlatform::Google.length("𠀀"),
            2,
            "supplementary CJK is double width"
        );
    }
}
