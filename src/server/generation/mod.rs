//! The one generator interface every channel uses, with its two providers.

mod openai;

use crate::domain::Error;
use crate::domain::ad_platform::AdCopy;
use crate::domain::generate::ads::{CreativeBrief, builtin_ad_variants};
use crate::domain::generate::blog::{PostBrief, PostDraft, builtin_post, check_post};
use crate::domain::generate::{SequenceBrief, StepDraft, builtin_email_steps, check_drafts};
use crate::server::config::GeneratorSettings;

pub use openai::OpenAi;

/// Who writes generated copy.
#[derive(Clone, Debug)]
pub enum Generator {
    /// Offline and deterministic.
    Builtin,
    /// An OpenAI-compatible chat-completions server.
    OpenAi(OpenAi),
}

impl Generator {
    /// The generator the settings name, sharing `http` for provider calls.
    pub fn from_settings(settings: &GeneratorSettings, http: &reqwest::Client) -> Self {
        match settings {
            GeneratorSettings::Builtin => Self::Builtin,
            GeneratorSettings::OpenAi {
                base_url,
                model,
                api_key,
                timeout_secs,
            } => Self::OpenAi(OpenAi::new(
                http.clone(),
                base_url,
                model,
                api_key.clone(),
                std::time::Duration::from_secs(*timeout_secs),
            )),
        }
    }

    /// One subject and body template per step of the brief. An answer that fails the checks
    /// is never returned: the OpenAI provider asks once more, then reports `Upstream`.
    pub async fn email_steps(&self, brief: &SequenceBrief<'_>) -> Result<Vec<StepDraft>, Error> {
        match self {
            Self::Builtin => {
                let drafts = builtin_email_steps(brief);
                check_drafts(brief, &drafts).map_err(|reason| {
                    Error::internal(std::io::Error::other(format!(
                        "builtin generator: {reason}"
                    )))
                })?;
                Ok(drafts)
            }
            Self::OpenAi(client) => client.email_steps(brief).await,
        }
    }

    /// `brief.count` variants of ad copy, each within the platform's hard limits and free of
    /// the brand's forbidden phrases (checked as a draft: the landing page may be missing).
    /// An overlong line is cut back at a word; an answer that still fails is asked again
    /// once (OpenAI) and otherwise reported as `Upstream`, never stored.
    pub async fn ad_variants(&self, brief: &CreativeBrief<'_>) -> Result<Vec<AdCopy>, Error> {
        match self {
            Self::Builtin => {
                let variants = builtin_ad_variants(brief);
                for v in &variants {
                    v.check_draft(brief.platform, &brief.brand.do_not_say)
                        .map_err(|e| {
                            Error::internal(std::io::Error::other(format!(
                                "builtin ad writer: {e}"
                            )))
                        })?;
                }
                Ok(variants)
            }
            Self::OpenAi(client) => client.ad_variants(brief).await,
        }
    }

    /// A blog post on the brief's topic in the brand's voice, free of its forbidden
    /// phrases and within the draft limits; an unusable answer is asked again once
    /// (OpenAI) and otherwise reported as `Upstream`, never stored.
    pub async fn blog_post(&self, brief: &PostBrief<'_>) -> Result<PostDraft, Error> {
        match self {
            Self::Builtin => {
                let post = builtin_post(brief);
                check_post(brief, &post).map_err(|reason| {
                    Error::internal(std::io::Error::other(format!(
                        "builtin post writer: {reason}"
                    )))
                })?;
                Ok(post)
            }
            Self::OpenAi(client) => client.blog_post(brief).await,
        }
    }
}
