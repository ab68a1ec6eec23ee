//! Blog drafts: what a content marketer writes (title, slug, excerpt, tags, SEO fields and a
//! Markdown body), with the rules every door applies the same way.

use serde::{Deserialize, Serialize};

use super::error::{Error, Errors, FieldError};
use super::ids::{BrandId, CampaignId, ConnectorId, DraftId};
use super::text::{filled, optional_line, optional_text, required_line};
use super::time::Timestamp;
use super::wire::wire_enum;

/// Longest title.
pub const MAX_TITLE: usize = 200;
/// Longest slug.
pub const MAX_SLUG: usize = 100;
/// Longest excerpt.
pub const MAX_EXCERPT: usize = 300;
/// Most tags, and the longest tag.
pub const MAX_TAGS: usize = 10;
/// Longest tag.
pub const MAX_TAG: usize = 40;
/// Longest SEO title (search results cut around 60).
pub const MAX_SEO_TITLE: usize = 70;
/// Longest SEO description (search results cut around 155).
pub const MAX_SEO_DESCRIPTION: usize = 160;
/// Longest body, in characters.
pub const MAX_BODY: usize = 200_000;

wire_enum!(
    /// Where a draft stands.
    DraftStatus {
        /// Being written.
        Draft => "draft",
        /// A publish of one version waits for an approver.
        PendingApproval => "pending_approval",
        /// Published (some version is live); later edits are a new version to publish again.
        Published => "published",
    }
);

/// A draft as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlogDraft {
    /// `drf_…`.
    pub id: DraftId,
    /// The campaign it belongs to, if any.
    pub campaign_id: Option<CampaignId>,
    /// The brand whose voice it is written in, if any.
    pub brand_id: Option<BrandId>,
    /// Title.
    pub title: String,
    /// URL slug, unique in the workspace.
    pub slug: String,
    /// A sentence or two for listings.
    pub excerpt: String,
    /// Tags.
    pub tags: Vec<String>,
    /// Title for search results (the title when empty).
    pub seo_title: String,
    /// Description for search results (the excerpt when empty).
    pub seo_description: String,
    /// The body, Markdown.
    pub body_markdown: String,
    /// Status.
    pub status: DraftStatus,
    /// Bumped on every edit.
    pub version: i64,
    /// The CMS connector a pending publish request names.
    pub publish_connector_id: Option<ConnectorId>,
    /// The newest version that went live.
    pub published_version: Option<i64>,
    /// Created.
    pub created_at: Timestamp,
    /// Last changed.
    pub updated_at: Timestamp,
}

impl BlogDraft {
    /// The body as safe HTML (the same renderer as the editor's preview).
    #[cfg(feature = "ssr")]
    pub fn body_html(&self) -> String {
        super::markdown::to_html(&self.body_markdown)
    }

    /// The console page of the draft.
    pub fn console_page(id: &DraftId) -> String {
        format!("/blog/drafts/{id}")
    }

    /// Whether `other` holds the same text in every field a person edits.
    pub fn same_content(&self, other: &Self) -> bool {
        (
            &self.title,
            &self.slug,
            &self.excerpt,
            &self.tags,
            &self.seo_title,
            &self.seo_description,
            &self.body_markdown,
        ) == (
            &other.title,
            &other.slug,
            &other.excerpt,
            &other.tags,
            &other.seo_title,
            &other.seo_description,
            &other.body_markdown,
        )
    }

    /// May a publish of the draft, seen at `version`, be requested now?
    pub fn check_publish_request(&self, version: Option<i64>) -> Result<(), Error> {
        if let Some(v) = version
            && v != self.version
        {
            return Err(Error::stale("blog draft", v));
        }
        if self.status == DraftStatus::PendingApproval {
            return Err(Error::Conflict(format!(
                "a publish of version {} is already waiting for an approver; edit the draft to withdraw it, or wait for the decision",
                self.version
            )));
        }
        if self.body_markdown.trim().is_empty() {
            return Err(Error::invalid(
                "body_markdown",
                "is empty; write the post before publishing it",
            ));
        }
        Ok(())
    }

    /// May the open publish request be decided, by an approver who saw `version`?
    pub fn check_decision(&self, version: Option<i64>) -> Result<(), Error> {
        if self.status != DraftStatus::PendingApproval {
            return Err(Error::Conflict(format!(
                "no publish of this draft is waiting for a decision (it is {})",
                self.status.as_str().replace('_', " ")
            )));
        }
        match version {
            Some(v) if v != self.version => Err(Error::stale("blog draft", v)),
            _ => Ok(()),
        }
    }
}

/// A draft with what is derived from its body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftView {
    /// The draft.
    #[serde(flatten)]
    pub draft: BlogDraft,
    /// The body as safe HTML.
    pub body_html: String,
    /// Words in the body.
    pub word_count: usize,
    /// Minutes to read it.
    pub reading_minutes: usize,
}

/// Words in the Markdown's text (markup not counted).
pub fn word_count(markdown: &str) -> usize {
    markdown
        .split(|c: char| c.is_whitespace())
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count()
}

/// Minutes to read at 230 words a minute, at least one.
pub fn reading_minutes(words: usize) -> usize {
    words.div_ceil(230).max(1)
}

#[cfg(feature = "ssr")]
impl DraftView {
    /// The draft with its rendering.
    pub fn of(draft: BlogDraft) -> Self {
        let words = word_count(&draft.body_markdown);
        Self {
            body_html: draft.body_html(),
            word_count: words,
            reading_minutes: reading_minutes(words),
            draft,
        }
    }
}

impl super::pagination::Keyed for BlogDraft {
    fn position(&self) -> super::pagination::Position {
        super::pagination::Position {
            created_at: self.created_at,
            id: self.id.to_string(),
        }
    }
}

/// The draft list filter, as sent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftFilterInput {
    /// `draft`, `pending_approval` or `published`.
    pub status: Option<String>,
    /// `cmp_…`.
    pub campaign_id: Option<String>,
}

/// A checked draft list filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DraftFilter {
    /// Only this status.
    pub status: Option<DraftStatus>,
    /// Only this campaign's.
    pub campaign_id: Option<CampaignId>,
}

impl DraftFilterInput {
    /// Every filter checked, each bad one named.
    pub fn parse(&self) -> Result<DraftFilter, Error> {
        let mut errors = Errors::new();
        let status = filled(&self.status)
            .and_then(|s| errors.check(s.parse().map_err(|m| FieldError::new("status", m))));
        let campaign_id = filled(&self.campaign_id).and_then(|c| {
            errors.check(
                c.parse()
                    .map_err(|e: super::ids::BadId| FieldError::new("campaign_id", e.to_string())),
            )
        });
        errors.finish()?;
        Ok(DraftFilter {
            status,
            campaign_id,
        })
    }
}

/// A slug made from `text`: lower-case ASCII letters and digits joined by single dashes,
/// accents folded (`Café déjà vu` → `cafe-deja-vu`), at most [`MAX_SLUG`] characters.
pub fn slugify(text: &str) -> String {
    let mut slug = String::new();
    let mut dash = false;
    for c in text.chars().flat_map(fold) {
        if c.is_ascii_alphanumeric() {
            if dash && !slug.is_empty() {
                slug.push('-');
            }
            dash = false;
            slug.push(c.to_ascii_lowercase());
        } else {
            dash = true;
        }
        if slug.len() >= MAX_SLUG {
            break;
        }
    }
    slug.truncate(MAX_SLUG);
    slug.trim_end_matches('-').to_owned()
}

/// The letter(s) an accented Latin letter is written as in a URL.
fn fold(c: char) -> Vec<char> {
    let plain = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => 'a',
        'ç' | 'Ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => 'i',
        'ñ' | 'Ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' => 'o',
        'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => 'u',
        'ý' | 'ÿ' | 'Ý' => 'y',
        'ß' => return vec!['s', 's'],
        'æ' | 'Æ' => return vec!['a', 'e'],
        'œ' | 'Œ' => return vec!['o', 'e'],
        other => other,
    };
    vec![plain]
}

/// Whether `slug` is already a slug: what [`slugify`] would leave as it is.
fn check_slug(field: &str, slug: &str) -> Result<String, FieldError> {
    if slug.is_empty() {
        return Err(FieldError::new(field, "must not be empty"));
    }
    if slug.len() > MAX_SLUG {
        return Err(FieldError::new(
            field,
            format!("must be at most {MAX_SLUG} characters"),
        ));
    }
    if slugify(slug) != slug {
        return Err(FieldError::new(
            field,
            format!(
                "must be lower-case letters, digits and single dashes, e.g. \"{}\"",
                slugify(slug)
            ),
        ));
    }
    Ok(slug.to_owned())
}

fn tags(errors: &mut Errors, list: &[String]) -> Vec<String> {
    if list.len() > MAX_TAGS {
        errors.push(FieldError::new(
            "tags",
            format!("must list at most {MAX_TAGS} tags"),
        ));
        return Vec::new();
    }
    let mut out: Vec<String> = Vec::new();
    for (i, tag) in list.iter().enumerate() {
        if let Some(t) = errors.check(required_line(&format!("tags[{i}]"), tag, MAX_TAG))
            && !out.iter().any(|o| o.eq_ignore_ascii_case(&t))
        {
            out.push(t);
        }
    }
    out
}

/// A draft written by hand, as a client sends it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema, schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct DraftInput {
    /// 1–200 characters.
    pub title: Option<String>,
    /// Markdown (CommonMark + GFM), at most 200,000 characters.
    pub body_markdown: Option<String>,
    /// Lower-case letters, digits and dashes; default: made from the title (made unique).
    pub slug: Option<String>,
    /// At most 300 characters.
    pub excerpt: Option<String>,
    /// At most 10, each at most 40 characters.
    pub tags: Option<Vec<String>>,
    /// At most 70 characters.
    pub seo_title: Option<String>,
    /// At most 160 characters.
    pub seo_description: Option<String>,
    /// `cmp_…` of a blog campaign.
    pub campaign_id: Option<String>,
    /// `brd_…`.
    pub brand_id: Option<String>,
}

/// A new draft's fields, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDraft {
    /// Title.
    pub title: String,
    /// Body.
    pub body_markdown: String,
    /// The slug asked for; `None`: made from the title.
    pub slug: Option<String>,
    /// Excerpt.
    pub excerpt: String,
    /// Tags.
    pub tags: Vec<String>,
    /// SEO title.
    pub seo_title: String,
    /// SEO description.
    pub seo_description: String,
    /// Campaign.
    pub campaign_id: Option<CampaignId>,
    /// Brand.
    pub brand_id: Option<BrandId>,
}

impl DraftInput {
    /// Every field checked, each bad one named.
    pub fn parse(&self) -> Result<NewDraft, Error> {
        let mut errors = Errors::new();
        let title = match &self.title {
            None => {
                errors.push(FieldError::new("title", "is required"));
                None
            }
            Some(t) => errors.check(required_line("title", t, MAX_TITLE)),
        };
        let body = match &self.body_markdown {
            None => {
                errors.push(FieldError::new("body_markdown", "is required"));
                None
            }
            Some(b) => errors.check(optional_text("body_markdown", b, MAX_BODY)),
        };
        let slug = filled(&self.slug).and_then(|s| errors.check(check_slug("slug", s)));
        if self.slug.is_none()
            && let Some(t) = &title
            && slugify(t).is_empty()
        {
            errors.push(FieldError::new(
                "slug",
                "cannot be made from this title (no letters or digits); give one",
            ));
        }
        let excerpt = errors.check(optional_text(
            "excerpt",
            self.excerpt.as_deref().unwrap_or(""),
            MAX_EXCERPT,
        ));
        let tags = tags(&mut errors, self.tags.as_deref().unwrap_or(&[]));
        let seo_title = errors.check(optional_line(
            "seo_title",
            self.seo_title.as_deref().unwrap_or(""),
            MAX_SEO_TITLE,
        ));
        let seo_description = errors.check(optional_line(
            "seo_description",
            self.seo_description.as_deref().unwrap_or(""),
            MAX_SEO_DESCRIPTION,
        ));
        let campaign_id = filled(&self.campaign_id).and_then(|c| {
            errors.check(
                c.parse()
                    .map_err(|e: super::ids::BadId| FieldError::new("campaign_id", e.to_string())),
            )
        });
        let brand_id = filled(&self.brand_id).and_then(|c| {
            errors.check(
                c.parse()
                    .map_err(|e: super::ids::BadId| FieldError::new("brand_id", e.to_string())),
            )
        });
        errors.finish()?;
        Ok(NewDraft {
            title: title.expect("checked"),
            body_markdown: body.expect("checked"),
            slug,
            excerpt: excerpt.expect("checked"),
            tags,
            seo_title: seo_title.expect("checked"),
            seo_description: seo_description.expect("checked"),
            campaign_id,
            brand_id,
        })
    }
}

/// Longest topic of a generated draft.
pub const MAX_TOPIC: usize = 300;

/// A draft to generate, as a client sends it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema, schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct GenerateDraftInput {
    /// `brd_…`: whose voice, facts and forbidden phrases.
    pub brand_id: Option<String>,
    /// What the post is about, 1–300 characters.
    pub topic: Option<String>,
    /// Up to 10 keywords, each at most 40 characters.
    pub keywords: Option<Vec<String>>,
    /// `cmp_…` of a blog campaign.
    pub campaign_id: Option<String>,
}

/// A checked generation request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenerateDraft {
    /// Brand.
    pub brand_id: BrandId,
    /// Topic.
    pub topic: String,
    /// Keywords.
    pub keywords: Vec<String>,
    /// Campaign.
    pub campaign_id: Option<CampaignId>,
}

impl GenerateDraftInput {
    /// Every field checked, each bad one named.
    pub fn parse(&self) -> Result<GenerateDraft, Error> {
        let mut errors = Errors::new();
        let brand_id = match filled(&self.brand_id) {
            None => {
                errors.push(FieldError::new("brand_id", "is required"));
                None
            }
            Some(b) => errors.check(
                b.parse()
                    .map_err(|e: super::ids::BadId| FieldError::new("brand_id", e.to_string())),
            ),
        };
        let topic = match &self.topic {
            None => {
                errors.push(FieldError::new("topic", "is required"));
                None
            }
            Some(t) => errors.check(required_line("topic", t, MAX_TOPIC)),
        };
        let keywords = keyword_list(&mut errors, self.keywords.as_deref().unwrap_or(&[]));
        let campaign_id = filled(&self.campaign_id).and_then(|c| {
            errors.check(
                c.parse()
                    .map_err(|e: super::ids::BadId| FieldError::new("campaign_id", e.to_string())),
            )
        });
        errors.finish()?;
        Ok(GenerateDraft {
            brand_id: brand_id.expect("checked"),
            topic: topic.expect("checked"),
            keywords,
            campaign_id,
        })
    }
}

fn keyword_list(errors: &mut Errors, list: &[String]) -> Vec<String> {
    if list.len() > MAX_TAGS {
        errors.push(FieldError::new(
            "keywords",
            format!("must list at most {MAX_TAGS} keywords"),
        ));
        return Vec::new();
    }
    list.iter()
        .enumerate()
        .filter_map(|(i, k)| errors.check(required_line(&format!("keywords[{i}]"), k, MAX_TAG)))
        .collect()
}

/// An edit of a draft at `version`: omitted fields stay.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema, schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct DraftEdit {
    /// The version being edited (or `If-Match`).
    pub version: Option<i64>,
    /// 1–200 characters.
    pub title: Option<String>,
    /// Markdown.
    pub body_markdown: Option<String>,
    /// A slug.
    pub slug: Option<String>,
    /// At most 300 characters.
    pub excerpt: Option<String>,
    /// The whole tag list.
    pub tags: Option<Vec<String>>,
    /// At most 70 characters.
    pub seo_title: Option<String>,
    /// At most 160 characters.
    pub seo_description: Option<String>,
}

impl DraftEdit {
    /// The draft after the edit (version and time bumped by the caller), each bad field named.
    pub fn apply(&self, draft: &BlogDraft) -> Result<BlogDraft, Error> {
        let mut errors = Errors::new();
        let mut next = draft.clone();
        if let Some(t) = &self.title
            && let Some(t) = errors.check(required_line("title", t, MAX_TITLE))
        {
            next.title = t;
        }
        if let Some(b) = &self.body_markdown
            && let Some(b) = errors.check(optional_text("body_markdown", b, MAX_BODY))
        {
            next.body_markdown = b;
        }
        if let Some(s) = &self.slug
            && let Some(s) = errors.check(check_slug("slug", s.trim()))
        {
            next.slug = s;
        }
        if let Some(e) = &self.excerpt
            && let Some(e) = errors.check(optional_text("excerpt", e, MAX_EXCERPT))
        {
            next.excerpt = e;
        }
        if let Some(list) = &self.tags {
            next.tags = tags(&mut errors, list);
        }
        if let Some(t) = &self.seo_title
            && let Some(t) = errors.check(optional_line("seo_title", t, MAX_SEO_TITLE))
        {
            next.seo_title = t;
        }
        if let Some(d) = &self.seo_description
            && let Some(d) = errors.check(optional_line("seo_description", d, MAX_SEO_DESCRIPTION))
        {
            next.seo_description = d;
        }
        errors.finish()?;
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_reading_time() {
        assert_eq!(word_count("# Hi there\n\n- one, two — three"), 5);
        assert_eq!(reading_minutes(0), 1);
        assert_eq!(reading_minutes(460), 2);
        assert_eq!(reading_minutes(461), 3);
    }

    fn fields(e: Error) -> Vec<String> {
        match e {
            Error::Invalid(f) => f.into_iter().map(|f| f.field).collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn slugs_are_lower_case_words_joined_by_dashes() {
        assert_eq!(slugify("How we cut CAC by 40%"), "how-we-cut-cac-by-40");
        assert_eq!(slugify("  Café — déjà vu!  "), "cafe-deja-vu");
        assert_eq!(slugify("Straße & Œuvre"), "strasse-oeuvre");
        assert_eq!(slugify("!!!"), "");
        assert!(slugify(&"word ".repeat(60)).len() <= MAX_SLUG);
        assert!(!slugify(&"word ".repeat(60)).ends_with('-'));
    }

    #[test]
    fn a_new_draft_names_every_bad_field() {
        let ok = DraftInput {
            title: Some("How we cut CAC".into()),
            body_markdown: Some("# Hi".into()),
            tags: Some(vec!["growth".into(), "Growth".into()]),
            ..Default::default()
        }
        .parse()
        .unwrap();
        assert_eq!(ok.tags, ["growth"], "repeats are dropped");
        assert_eq!(ok.slug, None);
        let e = DraftInput {
            title: Some(" ".into()),
            body_markdown: None,
            slug: Some("Not A Slug".into()),
            excerpt: Some("x".repeat(301)),
            tags: Some(vec!["ok".into(), "t".repeat(41)]),
            seo_title: Some("s".repeat(71)),
            seo_description: Some("line\nbreak".into()),
            campaign_id: Some("seq_1".into()),
            brand_id: Some("nope".into()),
        }
        .parse()
        .unwrap_err();
        assert_eq!(
            fields(e),
            [
                "title",
                "body_markdown",
                "slug",
                "excerpt",
                "tags[1]",
                "seo_title",
                "seo_description",
                "campaign_id",
                "brand_id"
            ]
        );
        let no_slug = DraftInput {
            title: Some("!!!".into()),
            body_markdown: Some(String::new()),
            ..Default::default()
        }
        .parse()
        .unwrap_err();
        assert_eq!(fields(no_slug), ["slug"]);
    }
}
