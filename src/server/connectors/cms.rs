//! What every CMS client does to publish a post, behind one trait: find or create the
//! post's item, write the approved post to it and make it public.

use std::collections::BTreeMap;

use super::wire::{Call, Wire};
use crate::domain::connector::ConnectorKind;
use crate::domain::delivery::Outcome;
use crate::domain::publish::Post;

/// The CMS's side of a post.
#[async_trait::async_trait]
pub trait CmsApi: Send + Sync {
    /// Looks for the item an interrupted attempt created for `post` (by its slug, or by the
    /// id the client chose); `None` when there is none.
    async fn find(&self, post: &Post) -> Result<Option<String>, Outcome>;

    /// Creates the item for `post`, not yet public, returning its id.
    async fn create(&self, post: &Post) -> Result<String, Outcome>;

    /// Writes `post` to the item `id` (an item an earlier publish made, when `update`) and
    /// makes it public.
    async fn publish(&self, post: &Post, id: &str, update: bool) -> Result<(), Outcome>;

    /// Where the post is public, when the connector says.
    fn public_url(&self, post: &Post) -> Option<String>;

    /// What the CMS received, for a sandbox to show; real CMSes keep their own copy.
    fn payload(&self) -> Option<serde_json::Value> {
        None
    }

    /// The calls made so far.
    fn calls(&self) -> Vec<Call>;

    /// The seconds the last refusal's `Retry-After` asked to wait, if it said.
    fn asked_to_wait(&self) -> Option<u64>;
}

/// The client for a CMS connector of `kind`, with its settings and opened secrets.
pub fn cms_for(
    kind: ConnectorKind,
    settings: BTreeMap<String, String>,
    secrets: BTreeMap<String, String>,
    http: reqwest::Client,
) -> Result<Box<dyn CmsApi>, Outcome> {
    let wire = Wire::new(http, settings, secrets);
    Ok(match kind {
        ConnectorKind::Sandbox => Box::new(super::sandbox_cms::SandboxCms::new(wire)),
        ConnectorKind::Webflow => Box::new(super::webflow::Webflow::new(wire)),
        ConnectorKind::Sanity => Box::new(super::sanity::Sanity::new(wire)),
        other => {
            return Err(Outcome::Permanent(format!(
                "a {other} connector does not publish posts"
            )));
        }
    })
}
