//! Outgoing-webhook endpoints, the events each subscribes to, and the delivery log.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Db, Tx, bind_page, get_opt_time, get_parsed, get_time, page_clause};
use crate::domain::Error;
use crate::domain::change::WebhookEvent;
use crate::domain::ids::{WebhookDeliveryId, WebhookEndpointId, WorkspaceId};
use crate::domain::pagination::PageRequest;
use crate::domain::time::Timestamp;
use crate::domain::webhook::{Attempt, Delivery, DeliveryStatus, WebhookEndpoint};

const ENDPOINT: &str = "e.id, e.url, e.description, e.enabled, e.disabled_reason, e.secret_hint, e.version, \
                        e.created_at, e.updated_at";

fn endpoint(row: &AnyRow, events: Vec<WebhookEvent>) -> Result<WebhookEndpoint, Error> {
    Ok(WebhookEndpoint {
        id: get_parsed(row, "id")?,
        url: row.try_get("url")?,
        description: row.try_get("description")?,
        events,
        enabled: row.try_get::<i64, _>("enabled")? == 1,
        disabled_reason: row.try_get("disabled_reason")?,
        secret_hint: row.try_get("secret_hint")?,
        version: row.try_get("version")?,
        created_at: get_time(row, "created_at")?,
        updated_at: get_time(row, "updated_at")?,
    })
}

async fn events_of(db: &Db, id: &str) -> Result<Vec<WebhookEvent>, Error> {
    let names: Vec<String> =
        sqlx::query_scalar("select event_type from webhook_subscriptions where endpoint_id = $1")
            .bind(id)
            .fetch_all(db.pool())
            .await?;
    let mut events: Vec<WebhookEvent> = names.iter().filter_map(|n| n.parse().ok()).collect();
    events.sort_by_key(|e| WebhookEvent::ALL.iter().position(|a| a == e));
    Ok(events)
}

/// The enabled endpoints of the workspace subscribed to `event`.
pub async fn subscribed(
    tx: &mut Tx,
    workspace: &WorkspaceId,
    event: WebhookEvent,
) -> Result<Vec<WebhookEndpointId>, Error> {
    sqlx::query(
        "select e.id from webhook_endpoints e join webhook_subscriptions s on s.endpoint_id = e.id \
         where e.workspace_id = $1 and e.enabled = 1 and s.event_type = $2 order by e.id",
    )
    .bind(workspace.as_str())
    .bind(event.as_str())
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|r| get_parsed(r, "id"))
    .collect()
}

async fn write_events(
    tx: &mut Tx,
    id: &WebhookEndpointId,
    events: &[WebhookEvent],
) -> Result<(), Error> {
    sqlx::query("delete from webhook_subscriptions where endpoint_id = $1")
        .bind(id.as_str())
        .execute(&mut **tx)
        .await?;
    for e in events {
        sqlx::query("insert into webhook_subscriptions (endpoint_id, event_type) values ($1, $2)")
            .bind(id.as_str())
            .bind(e.as_str())
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Stores a new endpoint with its sealed secret.
pub async fn insert(
    tx: &mut Tx,
    workspace: &WorkspaceId,
    e: &WebhookEndpoint,
    sealed_secret: &str,
) -> Result<(), Error> {
    sqlx::query(
        "insert into webhook_endpoints (id, workspace_id, url, secret_encrypted, enabled, created_at, updated_at, \
         description, secret_hint, disabled_reason, version) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(e.id.as_str())
    .bind(workspace.as_str())
    .bind(&e.url)
    .bind(sealed_secret)
    .bind(i64::from(e.enabled))
    .bind(e.created_at.to_string())
    .bind(e.updated_at.to_string())
    .bind(&e.description)
    .bind(&e.secret_hint)
    .bind(e.disabled_reason.clone())
    .bind(e.version)
    .execute(&mut **tx)
    .await?;
    write_events(tx, &e.id, &e.events).await
}

/// One endpoint of the workspace.
pub async fn get(
    db: &Db,
    workspace: &WorkspaceId,
    id: &WebhookEndpointId,
) -> Result<Option<WebhookEndpoint>, Error> {
    let sql = format!(
        "select {ENDPOINT} from webhook_endpoints e where e.workspace_id = $1 and e.id = $2"
    );
    let Some(row) = sqlx::query(&sql)
        .bind(workspace.as_str())
        .bind(id.as_str())
        .fetch_optional(db.pool())
        .await?
    else {
        return Ok(None);
    };
    let events = events_of(db, id.as_str()).await?;
    endpoint(&row, events).map(Some)
}

/// The workspace's endpoints, newest first.
pub async fn list(
    db: &Db,
    workspace: &WorkspaceId,
    page: &PageRequest,
) -> Result<Vec<WebhookEndpoint>, Error> {
    let sql = format!(
        "select {ENDPOINT} from webhook_endpoints e where e.workspace_id = $1 {}",
        page_clause("e", 2, page)
    );
    let rows = bind_page(sqlx::query(&sql).bind(workspace.as_str()), page)
        .fetch_all(db.pool())
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let id: String = r.try_get("id")?;
        out.push(endpoint(r, events_of(db, &id).await?)?);
    }
    Ok(out)
}

/// Writes an edited endpoint if it is still at `e.version - 1`; false when someone edited
/// it first.
pub async fn update(
    tx: &mut Tx,
    workspace: &WorkspaceId,
    e: &WebhookEndpoint,
) -> Result<bool, Error> {
    let done = sqlx::query(
        "update webhook_endpoints set url = $1, description = $2, enabled = $3, disabled_reason = $4, version = $5, \
         updated_at = $6 where workspace_id = $7 and id = $8 and version = $9",
    )
    .bind(&e.url)
    .bind(&e.description)
    .bind(i64::from(e.enabled))
    .bind(e.disabled_reason.clone())
    .bind(e.version)
    .bind(e.updated_at.to_string())
    .bind(workspace.as_str())
    .bind(e.id.as_str())
    .bind(e.version - 1)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    write_events(tx, &e.id, &e.events).await?;
    Ok(true)
}

/// Deletes an endpoint with its subscriptions and log; false when it was not there.
pub async fn delete(
    tx: &mut Tx,
    workspace: &WorkspaceId,
    id: &WebhookEndpointId,
) -> Result<bool, Error> {
    sqlx::query("delete from webhook_subscriptions where endpoint_id = $1")
        .bind(id.as_str())
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "delete from webhook_attempts where delivery_id in (select id from webhook_deliveries where endpoint_id = $1)",
    )
    .bind(id.as_str())
    .execute(&mut **tx)
    .await?;
    sqlx::query("delete from webhook_deliveries where endpoint_id = $1")
        .bind(id.as_str())
        .execute(&mut **tx)
        .await?;
    let done = sqlx::query("delete from webhook_endpoints where workspace_id = $1 and id = $2")
        .bind(workspace.as_str())
        .bind(id.as_str())
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The endpoint's sealed secret.
pub async fn sealed_secret(
    db: &Db,
    workspace: &WorkspaceId,
    id: &WebhookEndpointId,
) -> Result<Option<String>, Error> {
    Ok(sqlx::query_scalar(
        "select secret_encrypted from webhook_endpoints where workspace_id = $1 and id = $2",
    )
    .bind(workspace.as_str())
    .bind(id.as_str())
    .fetch_optional(db.pool())
    .await?)
}

/// Switches an enabled endpoint off with `reason`; false when it was already off.
pub async fn switch_off(
    db: &Db,
    workspace: &WorkspaceId,
    id: &WebhookEndpointId,
    reason: &str,
    at: Timestamp,
) -> Result<bool, Error> {
    let done = sqlx::query(
        "update webhook_endpoints set enabled = 0, disabled_reason = $1, version = version + 1, updated_at = $2 \
         where workspace_id = $3 and id = $4 and enabled = 1",
    )
    .bind(reason)
    .bind(at.to_string())
    .bind(workspace.as_str())
    .bind(id.as_str())
    .execute(db.pool())
    .await?;
    Ok(done.rows_affected() == 1)
}

const DELIVERY: &str = "d.id, d.endpoint_id, d.event_id, d.event_type, d.body, d.cause, d.status, d.attempts, \
                        d.response_status, d.duration_ms, d.error, d.created_at, d.updated_at, d.delivered_at";

fn delivery(row: &AnyRow) -> Result<Delivery, Error> {
    Ok(Delivery {
        id: get_parsed(row, "id")?,
        endpoint_id: get_parsed(row, "endpoint_id")?,
        event_id: row.try_get("event_id")?,
        event_type: row.try_get("event_type")?,
        body: row.try_get("body")?,
        cause: get_parsed(row, "cause")?,
        status: get_parsed(row, "status")?,
        attempts: row.try_get("attempts")?,
        response_status: row.try_get("response_status")?,
        duration_ms: row.try_get("duration_ms")?,
        error: row.try_get("error")?,
        created_at: get_time(row, "created_at")?,
        updated_at: get_time(row, "updated_at")?,
        delivered_at: get_opt_time(row, "delivered_at")?,
        attempt_log: Vec::new(),
    })
}

/// Stores a delivery, in the caller's transaction (the one that recorded its event).
pub async fn insert_delivery(
    tx: &mut Tx,
    workspace: &WorkspaceId,
    d: &Delivery,
) -> Result<(), Error> {
    sqlx::query(
        "insert into webhook_deliveries (id, workspace_id, endpoint_id, event_id, event_type, body, cause, status, \
         attempts, created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
    )
    .bind(d.id.as_str())
    .bind(workspace.as_str())
    .bind(d.endpoint_id.as_str())
    .bind(&d.event_id)
    .bind(&d.event_type)
    .bind(&d.body)
    .bind(d.cause.as_str())
    .bind(d.status.as_str())
    .bind(d.attempts)
    .bind(d.created_at.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// One delivery of the workspace, with its attempts.
pub async fn get_delivery(
    db: &Db,
    workspace: &WorkspaceId,
    id: &WebhookDeliveryId,
) -> Result<Option<Delivery>, Error> {
    let sql = format!(
        "select {DELIVERY} from webhook_deliveries d where d.workspace_id = $1 and d.id = $2"
    );
    let Some(row) = sqlx::query(&sql)
        .bind(workspace.as_str())
        .bind(id.as_str())
        .fetch_optional(db.pool())
        .await?
    else {
        return Ok(None);
    };
    let mut d = delivery(&row)?;
    d.attempt_log = attempts(db, id).await?;
    Ok(Some(d))
}

async fn attempts(db: &Db, id: &WebhookDeliveryId) -> Result<Vec<Attempt>, Error> {
    let rows = sqlx::query(
        "select attempt, started_at, request_headers, response_status, response_body, duration_ms, error \
         from webhook_attempts where delivery_id = $1 order by attempt",
    )
    .bind(id.as_str())
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            let headers: String = r.try_get("request_headers")?;
            Ok(Attempt {
                attempt: r.try_get("attempt")?,
                started_at: get_time(r, "started_at")?,
                request_headers: serde_json::from_str(&headers).map_err(Error::internal)?,
                response_status: r.try_get("response_status")?,
                response_body: r.try_get("response_body")?,
                duration_ms: r.try_get("duration_ms")?,
                error: r.try_get("error")?,
            })
        })
        .collect()
}

/// An endpoint's deliveries, newest first, each with its attempts.
pub async fn list_deliveries(
    db: &Db,
    workspace: &WorkspaceId,
    endpoint: &WebhookEndpointId,
    page: &PageRequest,
) -> Result<Vec<Delivery>, Error> {
    let sql = format!(
        "select {DELIVERY} from webhook_deliveries d where d.workspace_id = $1 and d.endpoint_id = $2 {}",
        page_clause("d", 3, page)
    );
    let query = sqlx::query(&sql)
        .bind(workspace.as_str())
        .bind(endpoint.as_str());
    let rows = bind_page(query, page).fetch_all(db.pool()).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let mut d = delivery(r)?;
        d.attempt_log = attempts(db, &d.id).await?;
        out.push(d);
    }
    Ok(out)
}

/// Appends one attempt to a delivery's log (numbered after the last one logged) and sets
/// where the delivery stands.
pub async fn record_attempt(
    db: &Db,
    id: &WebhookDeliveryId,
    a: &Attempt,
    status: DeliveryStatus,
) -> Result<(), Error> {
    let mut tx = db.begin().await?;
    let headers = serde_json::to_string(&a.request_headers).map_err(Error::internal)?;
    let number: i64 = sqlx::query_scalar(
        "select cast(coalesce(max(attempt), 0) + 1 as bigint) from webhook_attempts where delivery_id = $1",
    )
    .bind(id.as_str())
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "insert into webhook_attempts (delivery_id, attempt, started_at, request_headers, response_status, \
         response_body, duration_ms, error) values ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id.as_str())
    .bind(number)
    .bind(a.started_at.to_string())
    .bind(headers)
    .bind(a.response_status)
    .bind(a.response_body.clone())
    .bind(a.duration_ms)
    .bind(a.error.clone())
    .execute(&mut *tx)
    .await?;
    let delivered = (status == DeliveryStatus::Succeeded).then(|| a.started_at.to_string());
    sqlx::query(
        "update webhook_deliveries set status = $1, attempts = $2, response_status = $3, duration_ms = $4, \
         error = $5, updated_at = $6, delivered_at = coalesce(delivered_at, $7) where id = $8",
    )
    .bind(status.as_str())
    .bind(number)
    .bind(a.response_status)
    .bind(a.duration_ms)
    .bind(a.error.clone())
    .bind(a.started_at.to_string())
    .bind(delivered)
    .bind(id.as_str())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Marks a delivery given up, with why.
pub async fn give_up(
    db: &Db,
    id: &WebhookDeliveryId,
    reason: &str,
    at: Timestamp,
) -> Result<(), Error> {
    sqlx::query(
        "update webhook_deliveries set status = 'failed', error = $1, updated_at = $2 \
         where id = $3 and status = 'pending'",
    )
    .bind(reason)
    .bind(at.to_string())
    .bind(id.as_str())
    .execute(db.pool())
    .await?;
    Ok(())
}
