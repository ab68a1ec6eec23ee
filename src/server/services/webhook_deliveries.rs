//! Webhook deliveries on the one job runner: each attempt resolves the endpoint's host,
//! refuses addresses the workspace does not allow, posts the signed body without following
//! redirects, and logs the request and answer. A delivery of an event that still fails
//! after about a day switches its endpoint off with the reason.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use super::Context;
use super::jobs::Job;
use crate::domain::Error;
use crate::domain::ids::{WebhookDeliveryId, WebhookEndpointId, WorkspaceId};
use crate::domain::job::{JobKind, JobOutcome, JobRecord, NewJob};
use crate::domain::time::Timestamp;
use crate::domain::webhook::{
    self, Attempt, Delivery, DeliveryCause, DeliveryStatus, EndpointUrl, RESPONSE_KEPT,
    SIGNATURE_HEADER,
};
use crate::server::db::{Tx, jobs, webhooks, workspace_settings};

/// How long a receiver has to answer.
const CALL_TIMEOUT: Duration = Duration::from_secs(10);

/// Queues one delivery of an event (`(event id, type, body)`) to `endpoint`, in the
/// caller's transaction. Deliveries a person asked for (a test, a redelivery) get one
/// attempt; an event's get the full retry schedule.
pub async fn queue(
    tx: &mut Tx,
    workspace: &WorkspaceId,
    endpoint: &WebhookEndpointId,
    (event_id, event_type, body): (&str, &str, &str),
    cause: DeliveryCause,
    at: Timestamp,
) -> Result<Delivery, Error> {
    let delivery = Delivery {
        id: WebhookDeliveryId::generate(),
        endpoint_id: endpoint.clone(),
        event_id: event_id.to_owned(),
        event_type: event_type.to_owned(),
        body: body.to_owned(),
        cause,
        status: DeliveryStatus::Pending,
        attempts: 0,
        response_status: None,
        duration_ms: None,
        error: None,
        created_at: at,
        updated_at: at,
        delivered_at: None,
        attempt_log: Vec::new(),
    };
    webhooks::insert_delivery(tx, workspace, &delivery).await?;
    let job = NewJob {
        workspace_id: workspace.clone(),
        kind: JobKind::WebhookDelivery,
        subject_type: "webhook_delivery",
        subject_id: delivery.id.to_string(),
        payload: serde_json::json!({ "endpoint_id": endpoint.as_str() }),
        due_at: at,
    };
    let attempts = match cause {
        DeliveryCause::Event => JobKind::WebhookDelivery.max_attempts(),
        DeliveryCause::Test | DeliveryCause::Redeliver => 1,
    };
    jobs::enqueue_limited(tx, &job, attempts, at).await?;
    Ok(delivery)
}

/// The `webhook_delivery` job kind.
pub struct DeliveryJob;

#[async_trait::async_trait]
impl Job for DeliveryJob {
    fn kind(&self) -> JobKind {
        JobKind::WebhookDelivery
    }

    async fn run(&self, ctx: &Context, job: &JobRecord) -> JobOutcome {
        match attempt(ctx, job).await {
            Ok(outcome) => outcome,
            Err(e) => JobOutcome::Transient(format!("could not prepare the delivery: {e}")),
        }
    }

    async fn gave_up(&self, ctx: &Context, job: &JobRecord, reason: &str) {
        if let Err(e) = given_up(ctx, job, reason).await {
            tracing::error!(job = %job.id, error = %e, "could not record a failed webhook delivery");
        }
    }
}

async fn given_up(ctx: &Context, job: &JobRecord, reason: &str) -> Result<(), Error> {
    let ws = &job.workspace_id;
    let Ok(id) = job.subject_id.parse::<WebhookDeliveryId>() else {
        return Ok(());
    };
    let Some(delivery) = webhooks::get_delivery(&ctx.db, ws, &id).await? else {
        return Ok(());
    };
    let now = ctx.now();
    webhooks::give_up(&ctx.db, &id, reason, now).await?;
    // Only the endpoint's own events switch it off; a test or redelivery a person watches.
    if delivery.cause == DeliveryCause::Event {
        let why = format!(
            "switched off on {}: a {} delivery gave up ({reason})",
            &now.to_string()[..10],
            delivery.event_type
        );
        if webhooks::switch_off(&ctx.db, ws, &delivery.endpoint_id, &why, now).await? {
            tracing::warn!(endpoint = %delivery.endpoint_id, "webhook endpoint switched off after failing deliveries");
        }
    }
    Ok(())
}

async fn attempt(ctx: &Context, job: &JobRecord) -> Result<JobOutcome, Error> {
    let ws = &job.workspace_id;
    let Ok(id) = job.subject_id.parse::<WebhookDeliveryId>() else {
        return Ok(JobOutcome::Permanent("not a delivery id".into()));
    };
    let Some(delivery) = webhooks::get_delivery(&ctx.db, ws, &id).await? else {
        return Ok(JobOutcome::Done(
            "the endpoint was deleted; nothing to deliver".into(),
        ));
    };
    if delivery.status != DeliveryStatus::Pending {
        // Settled by an earlier run of this job (a retry after a lapsed lease): it is not
        // sent twice.
        return Ok(JobOutcome::Done(format!(
            "already {}",
            delivery.status.as_str()
        )));
    }
    let Some(endpoint) = webhooks::get(&ctx.db, ws, &delivery.endpoint_id).await? else {
        return Ok(JobOutcome::Done(
            "the endpoint was deleted; nothing to deliver".into(),
        ));
    };
    if !endpoint.enabled && delivery.cause == DeliveryCause::Event {
        return Ok(JobOutcome::Permanent("the endpoint is switched off".into()));
    }
    let Some(sealed) = webhooks::sealed_secret(&ctx.db, ws, &endpoint.id).await? else {
        return Ok(JobOutcome::Done("the endpoint was deleted".into()));
    };
    let secret = ctx.secrets.open(&secret_context(&endpoint.id), &sealed)?;
    let private_ok = workspace_settings::get(&ctx.db, ws)
        .await?
        .private_webhook_targets;
    let url = match webhook::check_url(&endpoint.url) {
        Ok(u) => u,
        Err(e) => return Ok(JobOutcome::Permanent(e.message)),
    };
    let address = match resolve_allowed(&url, private_ok).await {
        Ok(a) => a,
        Err(Refusal::Now(reason)) => return Ok(JobOutcome::Permanent(reason)),
        Err(Refusal::Later(reason)) => return Ok(JobOutcome::Transient(reason)),
    };
    // What a private receiver answers stays on the network it came from: only its status
    // and timing are logged.
    let keep_answer = webhook::is_public(address.ip());
    let sent = post(&url, address, &delivery, &secret, ctx.now(), keep_answer).await;
    let status = if sent.outcome_is_success() {
        DeliveryStatus::Succeeded
    } else {
        DeliveryStatus::Pending
    };
    webhooks::record_attempt(&ctx.db, &id, &sent.attempt, status).await?;
    Ok(sent.outcome)
}

/// The context a webhook secret is sealed under (a secret sealed for one endpoint does not
/// open as another's).
pub fn secret_context(endpoint: &WebhookEndpointId) -> String {
    format!("webhook:{endpoint}")
}

/// Why an endpoint's address cannot be called.
pub(super) enum Refusal {
    /// The address is not allowed: trying again will not help.
    Now(String),
    /// The name did not resolve: it may later.
    Later(String),
}

impl Refusal {
    /// Why, in words.
    pub(super) fn reason(self) -> String {
        match self {
            Self::Now(r) | Self::Later(r) => r,
        }
    }
}

/// How long a name lookup may take.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(5);

/// Resolves the URL's host and checks every address it has; the call then goes to the
/// first of them, pinned, so a second lookup cannot swap in a private address.
pub(super) async fn resolve_allowed(
    url: &EndpointUrl,
    private_ok: bool,
) -> Result<SocketAddr, Refusal> {
    let port = url.port();
    let addrs: Vec<SocketAddr> = match url.url.host() {
        Some(url::Host::Ipv4(ip)) => vec![SocketAddr::new(ip.into(), port)],
        Some(url::Host::Ipv6(ip)) => vec![SocketAddr::new(ip.into(), port)],
        Some(url::Host::Domain(name)) => {
            match tokio::time::timeout(LOOKUP_TIMEOUT, tokio::net::lookup_host((name, port))).await
            {
                Ok(Ok(found)) => found.collect(),
                Ok(Err(e)) => return Err(Refusal::Later(format!("{name} does not resolve: {e}"))),
                Err(_) => {
                    return Err(Refusal::Later(format!(
                        "{name} did not resolve within {} s",
                        LOOKUP_TIMEOUT.as_secs()
                    )));
                }
            }
        }
        None => return Err(Refusal::Now("the URL names no host".into())),
    };
    if addrs.is_empty() {
        return Err(Refusal::Later(format!("{} has no address", url.host())));
    }
    for a in &addrs {
        webhook::address_allowed(a.ip(), url.is_https(), private_ok)
            .map_err(|reason| Refusal::Now(format!("{}: {reason}", url.host())))?;
    }
    Ok(addrs[0])
}

/// What one POST came to.
struct Sent {
    attempt: Attempt,
    outcome: JobOutcome,
}

impl Sent {
    fn outcome_is_success(&self) -> bool {
        matches!(self.outcome, JobOutcome::Done(_))
    }
}

async fn post(
    url: &EndpointUrl,
    address: SocketAddr,
    delivery: &Delivery,
    secret: &str,
    now: Timestamp,
    keep_answer: bool,
) -> Sent {
    let signature = webhook::signature(secret, now.unix_seconds(), &delivery.body);
    let headers = vec![
        ("Content-Type".to_owned(), "application/json".to_owned()),
        (
            "User-Agent".to_owned(),
            concat!("Tenex-Webhooks/", env!("CARGO_PKG_VERSION")).to_owned(),
        ),
        ("Tenex-Event".to_owned(), delivery.event_type.clone()),
        ("Tenex-Event-Id".to_owned(), delivery.event_id.clone()),
        ("Tenex-Delivery".to_owned(), delivery.id.to_string()),
        (SIGNATURE_HEADER.to_owned(), signature),
    ];
    let mut attempt = Attempt {
        attempt: 0,
        started_at: now,
        request_headers: headers
            .iter()
            .map(|(k, v)| {
                let v = if k == SIGNATURE_HEADER {
                    webhook::redacted_signature(v)
                } else {
                    v.clone()
                };
                (k.clone(), v)
            })
            .collect(),
        response_status: None,
        response_body: None,
        duration_ms: 0,
        error: None,
    };
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(5))
        .timeout(CALL_TIMEOUT)
        .no_proxy();
    if let Some(url::Host::Domain(name)) = url.url.host() {
        builder = builder.resolve(name, address);
    }
    let client = match builder.build() {
        Ok(c) => c,
        Err(e) => {
            let reason = format!("could not build an HTTP client: {e}");
            attempt.error = Some(reason.clone());
            return Sent {
                attempt,
                outcome: JobOutcome::Transient(reason),
            };
        }
    };
    let mut request = client.post(url.url.clone()).body(delivery.body.clone());
    for (k, v) in &headers {
        request = request.header(k, v);
    }
    let started = Instant::now();
    let answer = request.send().await;
    let outcome = match answer {
        Err(e) => {
            let reason = if e.is_timeout() {
                format!("no answer within {} s", CALL_TIMEOUT.as_secs())
            } else if e.is_connect() {
                format!("could not connect to {address}")
            } else {
                format!("the call failed: {e}")
            };
            attempt.error = Some(reason.clone());
            JobOutcome::Transient(reason)
        }
        Ok(mut response) => {
            let status = response.status();
            attempt.response_status = Some(i64::from(status.as_u16()));
            let retry_after = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok());
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            attempt.response_body = Some(if keep_answer {
                start_of_body(&mut response).await
            } else {
                "(not kept: a private receiver's answer stays on its network)".to_owned()
            });
            if status.is_success() {
                JobOutcome::Done(format!("answered {}", status.as_u16()))
            } else if status == reqwest::StatusCode::GONE {
                let reason = "answered 410 Gone: the receiver says it is gone for good".to_owned();
                attempt.error = Some(reason.clone());
                JobOutcome::Permanent(reason)
            } else {
                let reason = match (status.is_redirection(), location) {
                    (true, Some(to)) => format!(
                        "answered {} (a redirect to {to}); redirects are not followed, give the final URL",
                        status.as_u16()
                    ),
                    _ => format!("answered {}", status.as_u16()),
                };
                attempt.error = Some(reason.clone());
                match retry_after {
                    Some(secs) => JobOutcome::Later(reason, secs),
                    None => JobOutcome::Transient(reason),
                }
            }
        }
    };
    attempt.duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    Sent { attempt, outcome }
}

/// The first bytes of an answer (a receiver may send far more, or never stop).
async fn start_of_body(response: &mut reqwest::Response) -> String {
    let mut kept = Vec::new();
    while kept.len() < RESPONSE_KEPT {
        match tokio::time::timeout(Duration::from_secs(2), response.chunk()).await {
            Ok(Ok(Some(chunk))) => kept.extend_from_slice(&chunk),
            _ => break,
        }
    }
    kept.truncate(RESPONSE_KEPT);
    String::from_utf8_lossy(&kept).into_owned()
}
