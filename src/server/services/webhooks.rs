//! Outgoing-webhook endpoints (admins only): add one (its secret shown once), edit, switch
//! on or off, delete; read its delivery log; send a test event; redeliver an event.

use base64::Engine;
use rand::RngCore;

use super::event_record::{self, By};
use super::{Context, webhook_deliveries};
use crate::domain::Error;
use crate::domain::actor::{Actor, Scope};
use crate::domain::change::{Action, Change};
use crate::domain::ids::{WebhookDeliveryId, WebhookEndpointId, WebhookEventId};
use crate::domain::pagination::{Page, PageRequest};
use crate::domain::webhook::{
    self, Delivery, DeliveryCause, EndpointInput, EndpointUrl, WebhookEndpoint,
};
use crate::server::db::{webhooks, workspace_settings};

/// A new endpoint with its signing secret, which is never shown again.
#[derive(Clone)]
pub struct Created {
    /// The endpoint.
    pub endpoint: WebhookEndpoint,
    /// `whsec_…`: keep it with the receiver.
    pub secret: String,
}

impl std::fmt::Debug for Created {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Created")
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!(
        "whsec_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// Checks where the URL points now: every address its host resolves to must be allowed
/// (public and `https`, or private with the workspace's setting).
async fn check_target(ctx: &Context, actor: &Actor, url: &EndpointUrl) -> Result<(), Error> {
    let private_ok = workspace_settings::get(&ctx.db, actor.workspace_id())
        .await?
        .private_webhook_targets;
    webhook_deliveries::resolve_allowed(url, private_ok)
        .await
        .map(|_| ())
        .map_err(|refusal| Error::invalid("url", refusal.reason()))
}

async fn find(
    ctx: &Context,
    actor: &Actor,
    id: &WebhookEndpointId,
) -> Result<WebhookEndpoint, Error> {
    webhooks::get(&ctx.db, actor.workspace_id(), id)
        .await?
        .ok_or(Error::NotFound("webhook endpoint"))
}

/// Adds an endpoint; the answer carries its secret, once.
pub async fn create(ctx: &Context, actor: &Actor, input: &EndpointInput) -> Result<Created, Error> {
    actor.require(Scope::Admin)?;
    let new = input.parse_new()?;
    check_target(ctx, actor, &new.url).await?;
    let now = ctx.now();
    let secret = new_secret();
    let endpoint = WebhookEndpoint {
        id: WebhookEndpointId::generate(),
        url: new.url.url.to_string(),
        description: new.description,
        events: new.events,
        enabled: input.enabled.unwrap_or(true),
        disabled_reason: None,
        secret_hint: secret[secret.len() - 4..].to_owned(),
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let sealed = ctx
        .secrets
        .seal(&webhook_deliveries::secret_context(&endpoint.id), &secret)?;
    let mut tx = ctx.db.begin().await?;
    webhooks::insert(&mut tx, actor.workspace_id(), &endpoint, &sealed).await?;
    let change = Change::new(
        Action::WebhookCreated,
        &endpoint.id,
        format!(
            "added a webhook endpoint for {} ({} events)",
            webhook::shown_url(&endpoint.url),
            endpoint.events.len()
        ),
    );
    event_record::record(&mut tx, By::Actor(actor), &change, now).await?;
    tx.commit().await?;
    Ok(Created { endpoint, secret })
}

/// The workspace's endpoints, newest first.
pub async fn list(
    ctx: &Context,
    actor: &Actor,
    page: &PageRequest,
) -> Result<Page<WebhookEndpoint>, Error> {
    actor.require(Scope::Admin)?;
    let rows = webhooks::list(&ctx.db, actor.workspace_id(), page).await?;
    Ok(Page::from_rows(rows, page))
}

/// One endpoint.
pub async fn get(
    ctx: &Context,
    actor: &Actor,
    id: &WebhookEndpointId,
) -> Result<WebhookEndpoint, Error> {
    actor.require(Scope::Admin)?;
    find(ctx, actor, id).await
}

/// Edits an endpoint seen at `input.version`; a stale version is a 409.
pub async fn update(
    ctx: &Context,
    actor: &Actor,
    id: &WebhookEndpointId,
    input: &EndpointInput,
) -> Result<WebhookEndpoint, Error> {
    actor.require(Scope::Admin)?;
    let version = input
        .version
        .ok_or_else(|| Error::invalid("version", "is required (or send If-Match)"))?;
    let current = find(ctx, actor, id).await?;
    if version != current.version {
        return Err(Error::stale("webhook endpoint", version));
    }
    let now = ctx.now();
    let (next, url) = input.apply(&current, now)?;
    if let Some(url) = &url {
        check_target(ctx, actor, url).await?;
    }
    let mut tx = ctx.db.begin().await?;
    if !webhooks::update(&mut tx, actor.workspace_id(), &next).await? {
        return Err(Error::stale("webhook endpoint", version));
    }
    let what = match (current.enabled, next.enabled) {
        (false, true) => "switched on",
        (true, false) => "switched off",
        _ => "edited",
    };
    let change = Change::new(
        Action::WebhookUpdated,
        id,
        format!(
            "{what} the webhook endpoint for {}",
            webhook::shown_url(&next.url)
        ),
    );
    event_record::record(&mut tx, By::Actor(actor), &change, now).await?;
    tx.commit().await?;
    Ok(next)
}

/// Deletes an endpoint and its log; deliveries still queued find nothing to send.
pub async fn delete(ctx: &Context, actor: &Actor, id: &WebhookEndpointId) -> Result<(), Error> {
    actor.require(Scope::Admin)?;
    let current = find(ctx, actor, id).await?;
    let now = ctx.now();
    let mut tx = ctx.db.begin().await?;
    if !webhooks::delete(&mut tx, actor.workspace_id(), id).await? {
        return Err(Error::NotFound("webhook endpoint"));
    }
    let change = Change::new(
        Action::WebhookDeleted,
        id,
        format!(
            "deleted the webhook endpoint for {}",
            webhook::shown_url(&current.url)
        ),
    );
    event_record::record(&mut tx, By::Actor(actor), &change, now).await?;
    tx.commit().await?;
    Ok(())
}

/// An endpoint's deliveries, newest first, each with its attempts.
pub async fn deliveries(
    ctx: &Context,
    actor: &Actor,
    id: &WebhookEndpointId,
    page: &PageRequest,
) -> Result<Page<Delivery>, Error> {
    actor.require(Scope::Admin)?;
    find(ctx, actor, id).await?;
    let rows = webhooks::list_deliveries(&ctx.db, actor.workspace_id(), id, page).await?;
    Ok(Page::from_rows(rows, page))
}

/// Queues a `webhook.test` event to the endpoint (one attempt, whether or not it is on).
pub async fn send_test(
    ctx: &Context,
    actor: &Actor,
    id: &WebhookEndpointId,
) -> Result<Delivery, Error> {
    actor.require(Scope::Admin)?;
    let endpoint = find(ctx, actor, id).await?;
    let now = ctx.now();
    let event_id = WebhookEventId::generate();
    let body = webhook::body(
        event_id.as_str(),
        "webhook.test",
        actor.workspace_id().as_str(),
        now,
        serde_json::json!({
            "summary": "A test event from Tenex Marketing: if you can read this, the endpoint works.",
            "endpoint_id": endpoint.id.as_str(),
        }),
    );
    let mut tx = ctx.db.begin().await?;
    let delivery = webhook_deliveries::queue(
        &mut tx,
        actor.workspace_id(),
        id,
        (event_id.as_str(), "webhook.test", &body),
        DeliveryCause::Test,
        now,
    )
    .await?;
    let change = Change::new(
        Action::WebhookSent,
        id,
        format!("sent a test event to {}", webhook::shown_url(&endpoint.url)),
    );
    event_record::record(&mut tx, By::Actor(actor), &change, now).await?;
    tx.commit().await?;
    Ok(delivery)
}

/// Queues an earlier delivery's event again, as it was (same event id and body, signed
/// anew), to its endpoint: one attempt.
pub async fn redeliver(
    ctx: &Context,
    actor: &Actor,
    delivery_id: &WebhookDeliveryId,
) -> Result<Delivery, Error> {
    actor.require(Scope::Admin)?;
    let ws = actor.workspace_id();
    let earlier = webhooks::get_delivery(&ctx.db, ws, delivery_id)
        .await?
        .ok_or(Error::NotFound("webhook delivery"))?;
    let endpoint = find(ctx, actor, &earlier.endpoint_id).await?;
    if !endpoint.enabled {
        return Err(Error::Conflict(
            "the endpoint is switched off; switch it on before redelivering (a test event works either way)".into(),
        ));
    }
    let now = ctx.now();
    let mut tx = ctx.db.begin().await?;
    let delivery = webhook_deliveries::queue(
        &mut tx,
        ws,
        &endpoint.id,
        (&earlier.event_id, &earlier.event_type, &earlier.body),
        DeliveryCause::Redeliver,
        now,
    )
    .await?;
    let change = Change::new(
        Action::WebhookSent,
        &endpoint.id,
        format!(
            "redelivered {} ({}) to {}",
            earlier.event_id,
            earlier.event_type,
            webhook::shown_url(&endpoint.url)
        ),
    );
    event_record::record(&mut tx, By::Actor(actor), &change, now).await?;
    tx.commit().await?;
    Ok(delivery)
}
