//! Publishing a blog draft: the post exactly as an approver signed it off, the publish job
//! that sends it to a CMS, and where such a job stands.

use serde::{Deserialize, Serialize};

use super::ad_campaign::PlatformCall;
use super::blog::BlogDraft;
use super::error::{Error, Errors, FieldError};
use super::ids::{ApprovalId, ConnectorId, DraftId, PublishJobId};
use super::job::JobStatus;
use super::pagination::{Keyed, Position};
use super::text::filled;
use super::time::Timestamp;
use super::wire::wire_enum;

/// A post as approved: the draft's content at one version. A publish job sends this, never
/// the live draft, so an edit after approval cannot change what goes public.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Post {
    /// The draft it comes from.
    pub draft_id: DraftId,
    /// The draft's version.
    pub version: i64,
    /// Title.
    pub title: String,
    /// URL slug.
    pub slug: String,
    /// Excerpt.
    pub excerpt: String,
    /// Tags.
    pub tags: Vec<String>,
    /// SEO title (the title when empty).
    pub seo_title: String,
    /// SEO description (the excerpt when empty).
    pub seo_description: String,
    /// The body, Markdown.
    pub body_markdown: String,
}

impl Post {
    /// The draft's content as it is now.
    pub fn of(draft: &BlogDraft) -> Self {
        Self {
            draft_id: draft.id.clone(),
            version: draft.version,
            title: draft.title.clone(),
            slug: draft.slug.clone(),
            excerpt: draft.excerpt.clone(),
            tags: draft.tags.clone(),
            seo_title: draft.seo_title.clone(),
            seo_description: draft.seo_description.clone(),
            body_markdown: draft.body_markdown.clone(),
        }
    }

    /// The body as safe HTML: what the editor previewed and the approver saw.
    #[cfg(feature = "ssr")]
    pub fn body_html(&self) -> String {
        super::markdown::to_html(&self.body_markdown)
    }

    /// The body as Portable Text blocks.
    #[cfg(feature = "ssr")]
    pub fn body_blocks(&self) -> Vec<serde_json::Value> {
        super::portable_text::from_markdown(&self.body_markdown)
    }

    /// The title for search results.
    pub fn search_title(&self) -> &str {
        if self.seo_title.is_empty() {
            &self.title
        } else {
            &self.seo_title
        }
    }

    /// The description for search results.
    pub fn search_description(&self) -> &str {
        if self.seo_description.is_empty() {
            &self.excerpt
        } else {
            &self.seo_description
        }
    }

    /// SHA-256 over what would go public and where: the approval covers exactly this.
    #[cfg(feature = "ssr")]
    pub fn content_hash(&self, connector: &ConnectorId) -> String {
        use sha2::{Digest, Sha256};
        let content = serde_json::json!({
            "connector_id": connector,
            "post": self,
        });
        hex::encode(Sha256::digest(content.to_string().as_bytes()))
    }

    /// The public address of the post under `template` (`{slug}` replaced), if one is set.
    pub fn public_url(&self, template: &str) -> Option<String> {
        let template = template.trim();
        (!template.is_empty()).then(|| template.replace("{slug}", &self.slug))
    }
}

wire_enum!(
    /// Where a publish job stands.
    PublishStatus {
        /// Waiting to run (first, or again after a failure worth retrying).
        Queued => "queued",
        /// Talking to the CMS.
        Running => "running",
        /// The post is live.
        Succeeded => "succeeded",
        /// Gave up; a person may retry it.
        Failed => "failed",
    }
);

impl PublishStatus {
    /// The status of the runner's job, as a publish job tells it.
    pub fn of(job: JobStatus) -> Self {
        match job {
            JobStatus::Queued => Self::Queued,
            JobStatus::Running => Self::Running,
            JobStatus::Succeeded => Self::Succeeded,
            JobStatus::Failed | JobStatus::Uncertain | JobStatus::Cancelled => Self::Failed,
        }
    }
}

/// A publish job as the API and console show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishJob {
    /// `pub_…`.
    pub id: PublishJobId,
    /// The draft published.
    pub draft_id: DraftId,
    /// The CMS connector.
    pub connector_id: ConnectorId,
    /// Its name, for people.
    pub connector_name: String,
    /// The approval it carries out.
    pub approval_id: ApprovalId,
    /// The post as approved.
    pub post: Post,
    /// Where it stands.
    pub status: PublishStatus,
    /// Attempts made.
    pub attempts: u32,
    /// The CMS's id of the item, once known.
    pub external_id: Option<String>,
    /// The item a previous publish of the draft to the same connector created: this job
    /// updates it instead of creating a second one.
    pub earlier_external_id: Option<String>,
    /// Where the post is live.
    pub external_url: Option<String>,
    /// What went wrong last.
    pub error: Option<String>,
    /// When it runs next, while queued.
    pub due_at: Timestamp,
    /// The calls made to the CMS (the sandbox records what it received).
    pub calls: Vec<PlatformCall>,
    /// What the sandbox received.
    pub payload: Option<serde_json::Value>,
    /// Queued.
    pub created_at: Timestamp,
    /// Last changed.
    pub updated_at: Timestamp,
}

impl PublishJob {
    /// The console page listing publish jobs.
    pub const CONSOLE_PAGE: &'static str = "/blog/publish-jobs";

    /// Whether the console offers to queue it again (the service checks the runner's rule).
    pub fn retryable(&self) -> bool {
        self.status == PublishStatus::Failed
    }
}

impl Keyed for PublishJob {
    fn position(&self) -> Position {
        Position {
            created_at: self.created_at,
            id: self.id.to_string(),
        }
    }
}

/// A request to publish, as a client sends it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema, schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PublishInput {
    /// `cnr_…` of a CMS connector (`webflow`, `sanity` or `sandbox`).
    pub connector_id: Option<String>,
    /// The draft version the requester saw (or `If-Match`); when given, it must be current.
    pub version: Option<i64>,
}

impl PublishInput {
    /// The connector id, checked.
    pub fn connector(&self) -> Result<ConnectorId, Error> {
        match filled(&self.connector_id) {
            None => Err(Error::invalid("connector_id", "is required")),
            Some(c) => c
                .parse()
                .map_err(|e: super::ids::BadId| Error::invalid("connector_id", e.to_string())),
        }
    }
}

/// The publish job list filter, as sent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct PublishFilterInput {
    /// `queued`, `running`, `succeeded` or `failed`.
    pub status: Option<String>,
    /// `drf_…`.
    pub draft_id: Option<String>,
}

/// A checked publish job filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublishFilter {
    /// Only this status.
    pub status: Option<PublishStatus>,
    /// Only this draft's.
    pub draft_id: Option<DraftId>,
}

impl PublishFilter {
    /// The runner statuses a publish status covers.
    pub fn job_statuses(&self) -> Vec<JobStatus> {
        match self.status {
            None => Vec::new(),
            Some(PublishStatus::Queued) => vec![JobStatus::Queued],
            Some(PublishStatus::Running) => vec![JobStatus::Running],
            Some(PublishStatus::Succeeded) => vec![JobStatus::Succeeded],
            Some(PublishStatus::Failed) => {
                vec![
                    JobStatus::Failed,
                    JobStatus::Uncertain,
                    JobStatus::Cancelled,
                ]
            }
        }
    }
}

impl PublishFilterInput {
    /// Every filter checked, each bad one named.
    pub fn parse(&self) -> Result<PublishFilter, Error> {
        let mut errors = Errors::new();
        let status = filled(&self.status)
            .and_then(|s| errors.check(s.parse().map_err(|m| FieldError::new("status", m))));
        let draft_id = filled(&self.draft_id).and_then(|c| {
            errors.check(
                c.parse()
                    .map_err(|e: super::ids::BadId| FieldError::new("draft_id", e.to_string())),
            )
        });
        errors.finish()?;
        Ok(PublishFilter { status, draft_id })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post() -> Post {
        Post {
            draft_id: DraftId::generate(),
            version: 3,
            title: "How we cut CAC".into(),
            slug: "how-we-cut-cac".into(),
            excerpt: "Three changes.".into(),
            tags: vec!["growth".into()],
            seo_title: String::new(),
            seo_description: String::new(),
            body_markdown: "## Why\n\nBecause.".into(),
        }
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn the_hash_covers_the_content_the_version_and_the_connector() {
        let c1 = ConnectorId::generate();
        let c2 = ConnectorId::generate();
        let p = post();
        assert_eq!(p.content_hash(&c1), p.content_hash(&c1));
        assert_ne!(p.content_hash(&c1), p.content_hash(&c2));
        let edited = Post {
            body_markdown: "## Why\n\nBecause!".into(),
            ..p.clone()
        };
        assert_ne!(p.content_hash(&c1), edited.content_hash(&c1));
        let bumped = Post {
            version: 4,
            ..p.clone()
        };
        assert_ne!(p.content_hash(&c1), bumped.content_hash(&c1));
    }

    #[test]
    fn search_fields_fall_back_to_the_title_and_excerpt() {
        let p = post();
        assert_eq!(p.search_title(), "How we cut CAC");
        assert_eq!(p.search_description(), "Three changes.");
        let seo = Post {
            seo_title: "Cut CAC".into(),
            seo_description: "How.".into(),
            ..p
        };
        assert_eq!(
            (seo.search_title(), seo.search_description()),
            ("Cut CAC", "How.")
        );
    }

    #[test]
    fn the_public_url_fills_in_the_slug_and_needs_a_template() {
        let p = post();
        assert_eq!(
            p.public_url("https://example.com/blog/{slug}").as_deref(),
            Some("https://example.com/blog/how-we-cut-cac")
        );
        assert_eq!(p.public_url("  "), None);
    }

    #[test]
    fn a_failed_runner_job_of_any_kind_is_a_failed_publish() {
        assert_eq!(
            PublishStatus::of(JobStatus::Uncertain),
            PublishStatus::Failed
        );
        assert_eq!(PublishStatus::of(JobStatus::Queued), PublishStatus::Queued);
        let f = PublishFilterInput {
            status: Some("failed".into()),
            draft_id: None,
        }
        .parse()
        .unwrap();
        assert_eq!(f.job_statuses().len(), 3);
    }

    #[test]
    fn bad_filters_and_inputs_are_named() {
        let e = PublishFilterInput {
            status: Some("done".into()),
            draft_id: Some("seq_1".into()),
        }
        .parse()
        .unwrap_err()
        .to_string();
        assert!(e.contains("status") && e.contains("draft_id"), "{e}");
        let e = PublishInput::default().connector().unwrap_err().to_string();
        assert!(e.contains("connector_id"), "{e}");
        let e = PublishInput {
            connector_id: Some("drf_1".into()),
            version: None,
        }
        .connector()
        .unwrap_err()
        .to_string();
        assert!(e.contains("connector_id"), "{e}");
    }
}
