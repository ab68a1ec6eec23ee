//! Sanity HTTP API.

use serde_json::{Value, json};

use super::cms::CmsApi;
use super::wire::{Call, Wire};
use super::{Account, TestFailed, http};
use crate::domain::delivery::Outcome;
use crate::domain::publish::Post;

/// Runs a one-document GROQ query on the dataset (`GET /{version}/data/query/{dataset}`).
pub async fn test(account: &Account<'_>, client: &reqwest::Client) -> Result<String, TestFailed> {
    let project = account.setting("project_id");
    let base = account.base_url(&format!("https://{project}.api.sanity.io"));
    let dataset = account.setting("dataset");
    http::json(
        client
            .get(format!(
                "{base}/{}/data/query/{dataset}",
                account.setting("api_version")
            ))
            .query(&[("query", "*[0...1]{_id}")])
            .bearer_auth(account.secret("api_token")),
        "Sanity",
    )
    .await?;
    Ok(format!(
        "Sanity: dataset \"{dataset}\" of project {project} is readable"
    ))
}

/// Publishing posts to a Sanity dataset: one transaction replaces the published document
/// (its id is ours: the type and the draft's id, so a re-publish replaces the same one) and
/// deletes its `drafts.` twin, so the studio shows no stale draft over it.
pub struct Sanity {
    wire: Wire,
}

impl Sanity {
    /// A client over `wire`.
    pub fn new(wire: Wire) -> Self {
        Self { wire }
    }

    fn document_type(&self) -> &str {
        self.wire.setting("document_type", "post")
    }

    /// The published document's id.
    fn document_id(&self, post: &Post) -> String {
        format!("{}-{}", self.document_type(), post.draft_id)
    }

    /// The document: the post's fields in Sanity's usual blog shape, the body as Portable
    /// Text converted from the approved Markdown.
    fn document(&self, post: &Post, id: &str) -> Value {
        json!({
            "_id": id,
            "_type": self.document_type(),
            "title": post.title,
            "slug": { "_type": "slug", "current": post.slug },
            "excerpt": post.excerpt,
            "tags": post.tags,
            "seoTitle": post.search_title(),
            "seoDescription": post.search_description(),
            "body": post.body_blocks(),
        })
    }
}

#[async_trait::async_trait]
impl CmsApi for Sanity {
    /// The id is chosen, not assigned: nothing to look up.
    async fn find(&self, post: &Post) -> Result<Option<String>, Outcome> {
        Ok(Some(self.document_id(post)))
    }

    async fn create(&self, post: &Post) -> Result<String, Outcome> {
        Ok(self.document_id(post))
    }

    async fn publish(&self, post: &Post, id: &str, _update: bool) -> Result<(), Outcome> {
        let project = self.wire.required("project_id", "project id")?;
        let dataset = self.wire.required("dataset", "dataset")?;
        let version = self.wire.required("api_version", "API version")?;
        let base = self.wire.base(&format!("https://{project}.api.sanity.io"));
        let answer = self
            .wire
            .send(
                self.wire
                    .http()
                    .post(format!("{base}/{version}/data/mutate/{dataset}"))
                    .query(&[("returnIds", "true"), ("visibility", "sync")])
                    .bearer_auth(self.wire.secret("api_token"))
                    .json(&json!({
                        "mutations": [
                            { "createOrReplace": self.document(post, id) },
                            { "delete": { "id": format!("drafts.{id}") } },
                        ]
                    })),
                "Sanity",
                "replace the published document and delete its draft",
            )
            .await?;
        if answer.body["transactionId"].as_str().is_none() {
            return Err(Outcome::Uncertain(
                "Sanity answered without a transaction id; the publish is checked again".into(),
            ));
        }
        Ok(())
    }

    fn public_url(&self, post: &Post) -> Option<String> {
        post.public_url(self.wire.setting("post_url", ""))
    }

    fn calls(&self) -> Vec<Call> {
        self.wire.calls()
    }

    fn asked_to_wait(&self) -> Option<u64> {
        self.wire.asked_to_wait()
    }
}
