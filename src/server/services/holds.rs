//! A sender that cannot work holds its runs. The first fault every call would hit (a refused
//! login, no such host, a TLS failure, a suspended account) or a run of failures marks the
//! connector failing and pauses every sequence sending through it, saying why, so no more
//! attempts are spent against it. A person's passing connection test lets them go on.

use super::Context;
use super::event_record::{self, By};
use crate::domain::Error;
use crate::domain::actor::{Actor, Scope};
use crate::domain::campaign::{CampaignStatus, PausedReason};
use crate::domain::change::{Action, Change};
use crate::domain::connector::Connector;
use crate::domain::delivery::Outcome;
use crate::domain::ids::{ConnectorId, WorkspaceId};
use crate::server::db::{campaigns, connectors, messages, sequences};

/// Marks `connector` failing with `reason` and holds every active run sending through it;
/// returns how many runs it held now. Called again while the connector is failing, it holds
/// runs that were resumed or approved meanwhile, and keeps the first reason.
pub async fn hold(
    ctx: &Context,
    workspace: &WorkspaceId,
    connector: &Connector,
    reason: &str,
) -> Result<usize, Error> {
    let now = ctx.now();
    let by = By::System(workspace);
    let mut tx = ctx.db.begin().await?;
    let newly = connectors::mark_failing(&mut tx, workspace, &connector.id, reason, now).await?;
    if newly {
        let failing = Change::new(
            Action::ConnectorFailing,
            &connector.id,
            format!(
                "\"{}\" is failing: {reason}; runs sending through it are held",
                connector.name
            ),
        );
        event_record::record(&mut tx, by, &failing, now).await?;
    }
    let held = sequences::hold_sending_through(&mut tx, workspace, &connector.id, now).await?;
    for run in &held {
        campaigns::set_held(
            &mut tx,
            workspace,
            &run.campaign_id,
            CampaignStatus::Paused,
            Some(PausedReason::SenderFailing),
            now,
        )
        .await?;
        let change = Change::new(
            Action::SequenceHeld,
            &run.id,
            format!(
                "held \"{}\": its sender \"{}\" is failing",
                run.name, connector.name
            ),
        );
        event_record::record(&mut tx, by, &change, now).await?;
    }
    tx.commit().await?;
    if newly {
        tracing::error!(connector = %connector.id, %reason, runs = held.len(), "sender failing: its runs are held");
    }
    Ok(held.len())
}

/// After a provider call through `connector` by a job (an ad launch, a publish): a fault
/// every call would hit marks the connector failing, with what it holds. Best effort: the
/// job's own outcome is recorded either way.
pub async fn note(
    ctx: &Context,
    workspace: &WorkspaceId,
    connector: &ConnectorId,
    outcome: &Outcome,
) {
    let Outcome::ConnectorFault(reason) = outcome else {
        return;
    };
    let marked: Result<(), Error> = async {
        if let Some(stored) = connectors::get(&ctx.db, workspace, connector).await? {
            hold(ctx, workspace, &stored.connector, reason).await?;
        }
        Ok(())
    }
    .await;
    if let Err(e) = marked {
        tracing::warn!(%connector, error = %e, "a failing connector could not be marked");
    }
}

/// Ends `id`'s failing state and lets its held runs go on, as `actor` did (audited);
/// returns how many runs were released. Nothing to release is not an error.
pub(crate) async fn release(
    ctx: &Context,
    actor: &Actor,
    id: &ConnectorId,
) -> Result<usize, Error> {
    actor.require(Scope::Admin)?;
    let workspace = actor.workspace_id();
    let now = ctx.now();
    let mut tx = ctx.db.begin().await?;
    let was_failing = connectors::clear_failing(&mut tx, workspace, id).await?;
    let released = sequences::release_held_by(&mut tx, workspace, id, now).await?;
    if was_failing {
        let summary = match released.len() {
            0 => "the connector passed its test".to_owned(),
            n => format!("the connector passed its test; {n} held run(s) go on"),
        };
        event_record::record(
            &mut tx,
            actor.into(),
            &Change::new(Action::ConnectorRecovered, id, summary),
            now,
        )
        .await?;
    }
    for run in &released {
        messages::due_again(&mut tx, &run.id, now).await?;
        campaigns::set_held(
            &mut tx,
            workspace,
            &run.campaign_id,
            CampaignStatus::Active,
            None,
            now,
        )
        .await?;
        let change = Change::new(
            Action::SequenceReleased,
            &run.id,
            format!("released \"{}\": its sender passed a test", run.name),
        );
        event_record::record(&mut tx, actor.into(), &change, now).await?;
    }
    tx.commit().await?;
    Ok(released.len())
}
