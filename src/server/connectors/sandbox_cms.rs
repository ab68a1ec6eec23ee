//! The sandbox CMS: publishes without leaving Tenex. It records the calls a real CMS client
//! would make and the post it received (title, slug, excerpt, tags, SEO fields, the body as
//! HTML and as Portable Text), answers with an item id of its own and a fake public address.
//! Its `refuse_step` setting set to `publish` makes it refuse, to try the failure and retry
//! paths.

use std::sync::Mutex;

use serde_json::json;

use super::cms::CmsApi;
use super::wire::{Call, Wire};
use crate::domain::delivery::Outcome;
use crate::domain::publish::Post;

/// Where sandbox posts "are", unless the connector sets `post_url`.
const DEFAULT_POST_URL: &str = "https://sandbox.tenex.invalid/blog/{slug}";

/// The sandbox CMS.
pub struct SandboxCms {
    wire: Wire,
    calls: Mutex<Vec<Call>>,
    payload: Mutex<Option<serde_json::Value>>,
}

impl SandboxCms {
    /// A sandbox configured by the connector's settings in `wire`.
    pub fn new(wire: Wire) -> Self {
        Self {
            wire,
            calls: Mutex::new(Vec::new()),
            payload: Mutex::new(None),
        }
    }

    fn record(&self, method: &str, path: String, status: u16, note: &str) {
        self.calls
            .lock()
            .expect("the call log lock is never poisoned")
            .push(Call {
                method: method.to_owned(),
                path,
                status,
                note: note.to_owned(),
            });
    }

    fn item_id(post: &Post) -> String {
        format!("sandbox-{}", post.draft_id)
    }
}

#[async_trait::async_trait]
impl CmsApi for SandboxCms {
    async fn find(&self, post: &Post) -> Result<Option<String>, Outcome> {
        Ok(Some(Self::item_id(post)))
    }

    async fn create(&self, post: &Post) -> Result<String, Outcome> {
        self.record(
            "POST",
            "/sandbox/items".into(),
            202,
            "create the post's item (staged)",
        );
        Ok(Self::item_id(post))
    }

    async fn publish(&self, post: &Post, id: &str, update: bool) -> Result<(), Outcome> {
        if self.wire.setting("refuse_step", "").trim() == "publish" {
            let reason = "sandbox: HTTP 400: publishing refused (the connector's refuse_step is \"publish\")";
            self.record("POST", "/sandbox/items/publish".into(), 400, reason);
            return Err(Outcome::Permanent(reason.into()));
        }
        if update {
            self.record(
                "PATCH",
                format!("/sandbox/items/{id}"),
                200,
                "write the approved post to its item",
            );
        }
        self.record(
            "POST",
            "/sandbox/items/publish".into(),
            202,
            "publish the item",
        );
        *self
            .payload
            .lock()
            .expect("the payload lock is never poisoned") = Some(json!({
            "item_id": id,
            "update": update,
            "title": post.title,
            "slug": post.slug,
            "excerpt": post.excerpt,
            "tags": post.tags,
            "seo_title": post.search_title(),
            "seo_description": post.search_description(),
            "body_html": post.body_html(),
            "body_portable_text": post.body_blocks(),
        }));
        Ok(())
    }

    fn public_url(&self, post: &Post) -> Option<String> {
        post.public_url(self.wire.setting("post_url", DEFAULT_POST_URL))
    }

    fn payload(&self) -> Option<serde_json::Value> {
        self.payload
            .lock()
            .expect("the payload lock is never poisoned")
            .clone()
    }

    fn calls(&self) -> Vec<Call> {
        self.calls
            .lock()
            .expect("the call log lock is never poisoned")
            .clone()
    }

    fn asked_to_wait(&self) -> Option<u64> {
        None
    }
}
