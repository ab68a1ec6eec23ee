//! Webflow Data API v2.

use serde_json::{Value, json};

use super::cms::CmsApi;
use super::wire::{Call, Wire, id_in};
use super::{Account, TestFailed, http};
use crate::domain::delivery::Outcome;
use crate::domain::publish::Post;

/// Reads the collection (`GET /v2/collections/{id}`) posts will be created in.
pub async fn test(account: &Account<'_>, client: &reqwest::Client) -> Result<String, TestFailed> {
    let base = account.base_url("https://api.webflow.com");
    let id = account.setting("collection_id");
    let answer = http::json(
        client
            .get(format!("{base}/v2/collections/{id}"))
            .bearer_auth(account.secret("api_token")),
        "Webflow",
    )
    .await?;
    let name = answer["displayName"].as_str().unwrap_or("(unnamed)");
    Ok(format!("Webflow: collection \"{name}\" is reachable"))
}

/// Publishing posts to a Webflow CMS collection: a staged item is created (`isDraft`), then
/// published; a re-publish PATCHes the same item and publishes it again.
pub struct Webflow {
    wire: Wire,
}

impl Webflow {
    /// A client over `wire`.
    pub fn new(wire: Wire) -> Self {
        Self { wire }
    }

    fn items(&self) -> Result<String, Outcome> {
        let collection = self.wire.required("collection_id", "collection id")?;
        Ok(format!(
            "{}/v2/collections/{collection}/items",
            self.wire.base("https://api.webflow.com")
        ))
    }

    /// The item's fields: `name` and `slug` always, the body as HTML and the excerpt in
    /// the collection's fields (settings name them), the SEO fields when mapped.
    fn field_data(&self, post: &Post) -> Value {
        let mut fields = serde_json::Map::new();
        fields.insert("name".into(), json!(post.title));
        fields.insert("slug".into(), json!(post.slug));
        fields.insert(
            self.wire.setting("body_field", "post-body").into(),
            json!(post.body_html()),
        );
        fields.insert(
            self.wire.setting("summary_field", "post-summary").into(),
            json!(post.excerpt),
        );
        let seo_title = self.wire.setting("seo_title_field", "");
        if !seo_title.is_empty() {
            fields.insert(seo_title.into(), json!(post.search_title()));
        }
        let seo_description = self.wire.setting("seo_description_field", "");
        if !seo_description.is_empty() {
            fields.insert(seo_description.into(), json!(post.search_description()));
        }
        Value::Object(fields)
    }

    fn authorised(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        request.bearer_auth(self.wire.secret("api_token"))
    }
}

#[async_trait::async_trait]
impl CmsApi for Webflow {
    async fn find(&self, post: &Post) -> Result<Option<String>, Outcome> {
        let items = self.items()?;
        let answer = self
            .wire
            .send(
                self.authorised(self.wire.http().get(&items))
                    .query(&[("slug", post.slug.as_str())]),
                "Webflow",
                "look for the post's item by slug",
            )
            .await?;
        Ok(answer.body["items"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|item| item["fieldData"]["slug"].as_str() == Some(post.slug.as_str()))
            .and_then(|item| item["id"].as_str())
            .map(str::to_owned))
    }

    async fn create(&self, post: &Post) -> Result<String, Outcome> {
        let answer = self
            .wire
            .send(
                self.authorised(self.wire.http().post(self.items()?))
                    .json(&json!({
                        "isArchived": false,
                        "isDraft": true,
                        "fieldData": self.field_data(post),
                    })),
                "Webflow",
                "create the post's item (staged)",
            )
            .await?;
        id_in(answer.body["id"].as_str(), "item", "Webflow")
    }

    async fn publish(&self, post: &Post, id: &str, update: bool) -> Result<(), Outcome> {
        let items = self.items()?;
        if update {
            self.wire
                .send(
                    self.authorised(self.wire.http().patch(format!("{items}/{id}")))
                        .json(&json!({
                            "isArchived": false,
                            "isDraft": false,
                            "fieldData": self.field_data(post),
                        })),
                    "Webflow",
                    "write the approved post to its item",
                )
                .await?;
        }
        let answer = self
            .wire
            .send(
                self.authorised(self.wire.http().post(format!("{items}/publish")))
                    .json(&json!({ "itemIds": [id] })),
                "Webflow",
                "publish the item",
            )
            .await?;
        let errors: Vec<&str> = answer.body["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        if !errors.is_empty() {
            return Err(Outcome::Permanent(format!(
                "Webflow did not publish the item: {}",
                errors.join("; ")
            )));
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
