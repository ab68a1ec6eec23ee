//! Connectors: configure, test, list. Secrets are sealed before they reach the database
//! and opened only to talk to the provider.

use std::collections::BTreeMap;

use super::Context;
use super::event_record;
use super::jobs::Job;
use crate::domain::Error;
use crate::domain::actor::{Actor, Scope};
use crate::domain::change::{Action, Change};
use crate::domain::connector::{
    Connector, ConnectorConfig, ConnectorEdit, ConnectorInput, Health, settings_from_json,
};
use crate::domain::ids::{ConnectorId, WorkspaceId};
use crate::domain::job::{JobKind, JobOutcome, JobRecord, NewJob};
use crate::domain::pagination::{Page, PageRequest};
use crate::domain::time::Timestamp;
use crate::server::connectors::{self as clients, Account};
use crate::server::db::{Tx, connectors, jobs};

fn seal(
    ctx: &Context,
    id: &ConnectorId,
    secrets: &BTreeMap<String, String>,
) -> Result<Option<String>, Error> {
    if secrets.is_empty() {
        return Ok(None);
    }
    let plain = serde_json::to_string(secrets).map_err(Error::internal)?;
    ctx.secrets.seal(id.as_str(), &plain).map(Some)
}

pub(crate) fn open(
    ctx: &Context,
    stored: &connectors::Stored,
) -> Result<BTreeMap<String, String>, Error> {
    match &stored.sealed_secrets {
        None => Ok(BTreeMap::new()),
        Some(sealed) => {
            let plain = ctx.secrets.open(stored.connector.id.as_str(), sealed)?;
            serde_json::from_str(&plain).map_err(Error::internal)
        }
    }
}

fn shown(ctx: &Context, stored: connectors::Stored) -> Result<Connector, Error> {
    // A secret that no longer opens (the key changed) must not hide the connector: it is
    // listed as having no secrets, and saving new ones repairs it.
    let names = match open(ctx, &stored) {
        Ok(secrets) => secrets.into_keys().collect(),
        Err(e) => {
            tracing::warn!(connector = %stored.connector.id, error = %e, "stored connector secrets cannot be opened");
            Vec::new()
        }
    };
    Ok(Connector {
        secrets_set: names,
        ..stored.connector
    })
}

async fn find(ctx: &Context, actor: &Actor, id: &ConnectorId) -> Result<connectors::Stored, Error> {
    connectors::get(&ctx.db, actor.workspace_id(), id)
        .await?
        .ok_or(Error::NotFound("connector"))
}

/// Configures a connector. Admins only: connectors hold the workspace's credentials.
pub async fn create(
    ctx: &Context,
    actor: &Actor,
    input: &ConnectorInput,
) -> Result<Connector, Error> {
    actor.require(Scope::Admin)?;
    let (kind, settings) = input.parse()?;
    let config = ConnectorConfig::parse(kind, None, Some(&input.name), &settings, &input.secrets)?;
    let now = ctx.now();
    let connector = Connector {
        id: ConnectorId::generate(),
        kind,
        name: config.name,
        settings: config.settings,
        secrets_set: Vec::new(),
        health: Health::Unknown,
        health_detail: None,
        last_checked_at: None,
        failing_since: None,
        held_runs: 0,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let sealed = seal(ctx, &connector.id, &config.secrets)?;
    let mut tx = ctx.db.begin().await?;
    connectors::insert(&mut tx, actor.workspace_id(), &connector, sealed.as_deref()).await?;
    let change = Change::new(
        Action::ConnectorCreated,
        connector.id.to_string(),
        format!("added {} connector \"{}\"", kind, connector.name),
    );
    event_record::record(&mut tx, actor.into(), &change, now).await?;
    queue_check(&mut tx, actor, &connector.id, now).await?;
    tx.commit().await?;
    get(ctx, actor, &connector.id).await
}

/// One connector (secrets never included, only their names).
pub async fn get(ctx: &Context, actor: &Actor, id: &ConnectorId) -> Result<Connector, Error> {
    actor.require(Scope::MarketingRead)?;
    shown(ctx, find(ctx, actor, id).await?)
}

/// Connectors, newest first.
pub async fn list(
    ctx: &Context,
    actor: &Actor,
    page: &PageRequest,
) -> Result<Page<Connector>, Error> {
    actor.require(Scope::MarketingRead)?;
    let rows = connectors::list(&ctx.db, actor.workspace_id(), page).await?;
    let items = rows
        .into_iter()
        .map(|s| shown(ctx, s))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Page::from_rows(items, page))
}

/// Edits name, settings or secrets at `version`; omitted values stay, an empty one clears.
pub async fn update(
    ctx: &Context,
    actor: &Actor,
    id: &ConnectorId,
    version: i64,
    edit: &ConnectorEdit,
) -> Result<Connector, Error> {
    actor.require(Scope::Admin)?;
    let settings = settings_from_json(&edit.settings)?;
    let secrets = &edit.secrets;
    let name = edit.name.as_deref();
    let stored = find(ctx, actor, id).await?;
    let base = ConnectorConfig {
        name: stored.connector.name.clone(),
        settings: stored.connector.settings.clone(),
        secrets: open(ctx, &stored).unwrap_or_default(),
    };
    let config =
        ConnectorConfig::parse(stored.connector.kind, Some(&base), name, &settings, secrets)?;
    let sealed = seal(ctx, id, &config.secrets)?;
    let now = ctx.now();
    let mut tx = ctx.db.begin().await?;
    if !connectors::update(
        &mut tx,
        actor.workspace_id(),
        id,
        version,
        &config.name,
        &config.settings,
        sealed.as_deref(),
        now,
    )
    .await?
    {
        return Err(Error::stale("connector", version));
    }
    let changed: Vec<&str> = settings
        .keys()
        .chain(secrets.keys())
        .map(String::as_str)
        .collect();
    let change = Change::new(
        Action::ConnectorUpdated,
        id.to_string(),
        format!(
            "edited connector \"{}\" ({})",
            config.name,
            if changed.is_empty() {
                "name".into()
            } else {
                changed.join(", ")
            }
        ),
    );
    event_record::record(&mut tx, actor.into(), &change, now).await?;
    if !changed.is_empty() {
        queue_check(&mut tx, actor, id, now).await?;
    }
    tx.commit().await?;
    get(ctx, actor, id).await
}

/// Deletes a connector.
pub async fn delete(ctx: &Context, actor: &Actor, id: &ConnectorId) -> Result<(), Error> {
    actor.require(Scope::Admin)?;
    let stored = find(ctx, actor, id).await?;
    let users =
        crate::server::db::sequences::count_using_connector(&ctx.db, actor.workspace_id(), id)
            .await?;
    if users > 0 {
        return Err(Error::Conflict(format!(
            "\"{}\" sends {users} email sequence(s); it cannot be removed while they exist",
            stored.connector.name
        )));
    }
    let others = connectors::uses_elsewhere(&ctx.db, actor.workspace_id(), id).await?;
    if others > 0 {
        return Err(Error::Conflict(format!(
            "\"{}\" is named by {others} ad campaign(s), publish job(s) or publish request(s); it cannot be removed while they exist (their history points to it)",
            stored.connector.name
        )));
    }
    let now = ctx.now();
    let mut tx = ctx.db.begin().await?;
    connectors::delete(&mut tx, actor.workspace_id(), id).await?;
    let change = Change::new(
        Action::ConnectorDeleted,
        id.to_string(),
        format!("removed connector \"{}\"", stored.connector.name),
    );
    event_record::record(&mut tx, actor.into(), &change, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Queues a background connection check, so a new or reconfigured connector shows its
/// health without anyone pressing "Test connection".
async fn queue_check(
    tx: &mut Tx,
    actor: &Actor,
    id: &ConnectorId,
    now: Timestamp,
) -> Result<(), Error> {
    let job = NewJob {
        workspace_id: actor.workspace_id().clone(),
        kind: JobKind::ConnectorCheck,
        subject_type: "connector",
        subject_id: id.to_string(),
        payload: serde_json::json!({}),
        due_at: now,
    };
    jobs::enqueue(tx, &job, now).await?;
    Ok(())
}

/// Runs the connection test of a connector and records its health and the time; `None`
/// when it no longer exists. A failing provider is a recorded health, not an error.
async fn check(
    ctx: &Context,
    workspace: &WorkspaceId,
    id: &ConnectorId,
) -> Result<Option<(Health, String)>, Error> {
    let Some(stored) = connectors::get(&ctx.db, workspace, id).await? else {
        return Ok(None);
    };
    let secrets = open(ctx, &stored)?;
    let account = Account {
        settings: &stored.connector.settings,
        secrets: &secrets,
    };
    let (health, detail) =
        match clients::test_connection(stored.connector.kind, &account, &ctx.http).await {
            Ok(detail) => (Health::Healthy, detail),
            Err(failed) => (Health::Failing, failed.0),
        };
    connectors::set_health(
        &ctx.db,
        workspace,
        id,
        stored.connector.version,
        health,
        &detail,
        ctx.now(),
    )
    .await?;
    Ok(Some((health, detail)))
}

/// The background connection check.
pub struct CheckJob;

#[async_trait::async_trait]
impl Job for CheckJob {
    fn kind(&self) -> JobKind {
        JobKind::ConnectorCheck
    }

    async fn run(&self, ctx: &Context, job: &JobRecord) -> JobOutcome {
        let Ok(id) = job.subject_id.parse::<ConnectorId>() else {
            return JobOutcome::Permanent(format!("`{}` is not a connector id", job.subject_id));
        };
        match check(ctx, &job.workspace_id, &id).await {
            Ok(Some((health, detail))) => JobOutcome::Done(format!("{health}: {detail}")),
            Ok(None) => JobOutcome::Done("the connector was removed; nothing to check".into()),
            Err(e) => JobOutcome::Transient(e.to_string()),
        }
    }
}

/// Runs the connector's connection test and records health and time. A failing provider is
/// not an error of this call: the answer is the connector, marked failing, with the reason.
/// Admins only: the test opens the secrets and sends them to the configured host.
///
/// A pass by a person also ends a failing state the sender path recorded and lets the runs
/// it held go on (audited as theirs). A background check never does: a person decides.
pub async fn test(ctx: &Context, actor: &Actor, id: &ConnectorId) -> Result<Connector, Error> {
    actor.require(Scope::Admin)?;
    let (health, _) = check(ctx, actor.workspace_id(), id)
        .await?
        .ok_or(Error::NotFound("connector"))?;
    if health == Health::Healthy {
        super::holds::release(ctx, actor, id).await?;
    }
    get(ctx, actor, id).await
}
