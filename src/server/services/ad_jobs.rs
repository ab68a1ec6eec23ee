//! The ad platform work, as jobs under the one runner: the launch (step by step, each
//! remote id stored as it is known), the controls (pause, resume, cancel) and the daily
//! metrics sync. The campaign's status moves only when the platform confirmed.

use super::Context;
use super::ad_campaigns::{campaign_status, enqueue_in, record_system};
use super::jobs::Job;
use crate::domain::Error;
use crate::domain::ad_campaign::{AdCampaign, AdCampaignStatus, AdControl, DayMetrics};
use crate::domain::change::{Action, Change, Counts};
use crate::domain::delivery::Outcome;
use crate::domain::ids::{AdCampaignId, WorkspaceId};
use crate::domain::job::{JobKind, JobOutcome, JobRecord};
use crate::domain::time::Timestamp;
use crate::server::connectors::ads::{AdApi, Launch, api_for};
use crate::server::db::{ad_campaigns, campaigns, connectors};

/// How often a live campaign's metrics are pulled.
const SYNC_EVERY: time::Duration = time::Duration::hours(6);
/// How many days back each sync reads (platforms revise recent days).
const SYNC_DAYS: i64 = 7;
/// How many days back the first sync reads at most.
const FIRST_SYNC_DAYS: i64 = 90;
/// How long after it stops a campaign is still synced (late conversions, final spend).
const SYNC_AFTER_STOP: time::Duration = time::Duration::days(3);

/// What a job needs: the campaign and a client for its ad account.
struct Loaded {
    ad: AdCampaign,
    api: Box<dyn AdApi>,
}

async fn load(ctx: &Context, job: &JobRecord) -> Result<Option<Loaded>, JobOutcome> {
    let id: AdCampaignId = job.subject_id.parse().map_err(|_| {
        JobOutcome::Permanent(format!("`{}` is not an ad campaign id", job.subject_id))
    })?;
    let ws = &job.workspace_id;
    let ad = match ad_campaigns::get(ctx.db.pool(), ws, &id).await {
        Ok(Some(ad)) => ad,
        Ok(None) => return Ok(None),
        Err(e) => return Err(JobOutcome::Transient(e.to_string())),
    };
    let stored = connectors::get(&ctx.db, ws, &ad.connector_id)
        .await
        .map_err(|e| JobOutcome::Transient(e.to_string()))?
        .ok_or_else(|| {
            JobOutcome::Permanent("the campaign's ad account connector was deleted".into())
        })?;
    let secrets = super::connectors::open(ctx, &stored).map_err(|e| {
        JobOutcome::Permanent(format!("the connector's secrets cannot be opened: {e}"))
    })?;
    let api = api_for(
        stored.connector.kind,
        ad.platform,
        stored.connector.settings.clone(),
        secrets,
        ctx.http.clone(),
    )
    .map_err(JobOutcome::from)?;
    Ok(Some(Loaded { ad, api }))
}

fn internal(e: Error) -> JobOutcome {
    JobOutcome::Transient(e.to_string())
}

/// Moves the campaign (and its campaign) and records what the platform confirmed.
async fn settle(
    ctx: &Context,
    ws: &WorkspaceId,
    ad: &AdCampaign,
    to: AdCampaignStatus,
    last_error: Option<&str>,
    summary: String,
) -> Result<bool, Error> {
    let now = ctx.now();
    let mut tx = ctx.db.begin().await?;
    let moved = ad_campaigns::move_to(
        &mut tx,
        ws,
        &ad.id,
        &ad_campaigns::Move {
            from: ad.status,
            version: ad.version,
            to,
            in_flight: None,
            last_error,
        },
        now,
    )
    .await?;
    if !moved {
        return Ok(false);
    }
    if to != ad.status {
        campaigns::set_status(&mut tx, ws, &ad.campaign_id, campaign_status(to), now).await?;
        let change = Change::new(Action::AdCampaignStatusChanged, &ad.id, summary)
            .for_campaign(&ad.campaign_id, now);
        record_system(&mut tx, ws, &change, now).await?;
    }
    if to == AdCampaignStatus::Active && ad.status == AdCampaignStatus::Launching {
        enqueue_in(
            &mut tx,
            ad,
            ws,
            JobKind::AdMetricsSync,
            serde_json::json!({}),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// A platform failure as the job's outcome: retried while attempts remain (every ad job
/// is safe to run again), else the campaign shows it. `Ok` carries the outcome to return.
fn gave_up(job: &JobRecord, failure: &Outcome) -> bool {
    matches!(failure, Outcome::Permanent(_) | Outcome::ConnectorFault(_))
        || job.attempts >= job.max_attempts
}

fn as_outcome(failure: Outcome) -> JobOutcome {
    match failure {
        // Safe to repeat: a launch step is looked up before it is created again.
        Outcome::Uncertain(r) => JobOutcome::Transient(r),
        other => other.into(),
    }
}

/// Creates an approved campaign on its platform.
pub struct LaunchJob;

#[async_trait::async_trait]
impl Job for LaunchJob {
    fn kind(&self) -> JobKind {
        JobKind::AdLaunch
    }

    async fn run(&self, ctx: &Context, job: &JobRecord) -> JobOutcome {
        let loaded = match load(ctx, job).await {
            Ok(Some(l)) => l,
            Ok(None) => return JobOutcome::Done("the campaign no longer exists".into()),
            Err(outcome) => return outcome,
        };
        let outcome = launch(ctx, job, &loaded).await;
        let calls = loaded.api.calls();
        if let Err(e) = ad_campaigns::record_calls(&ctx.db, &loaded.ad.id, &calls, ctx.now()).await
        {
            tracing::warn!(error = %e, "the platform calls of a launch were not recorded");
        }
        outcome
    }
}

async fn launch(ctx: &Context, job: &JobRecord, loaded: &Loaded) -> JobOutcome {
    let ws = &job.workspace_id;
    let ad = &loaded.ad;
    if ad.status != AdCampaignStatus::Launching {
        return JobOutcome::Done(format!("nothing to launch: the campaign is {}", ad.status));
    }
    let creatives = match ad_campaigns::approved_creatives(&ctx.db, &ad.id).await {
        Ok(c) if c.len() == ad.creative_ids.len() => c,
        Ok(_) => {
            return JobOutcome::Permanent(
                "the creatives approved for this launch were not pinned; it cannot launch".into(),
            );
        }
        Err(e) => return internal(e),
    };
    let audience = match ad_campaigns::audience(&ctx.db, &ad.id).await {
        Ok(a) => a,
        Err(e) => return internal(e),
    };
    let (mut remote, started) = match ad_campaigns::steps(&ctx.db, &ad.id).await {
        Ok(s) => s,
        Err(e) => return internal(e),
    };
    let spec = Launch {
        campaign: ad,
        creatives: &creatives,
        audience: &audience,
    };
    let api = loaded.api.as_ref();
    for step in ad.launch_steps() {
        // A cancel asked for during the launch is carried out here, between steps.
        let current = match ad_campaigns::get(ctx.db.pool(), ws, &ad.id).await {
            Ok(Some(c)) => c,
            Ok(None) => return JobOutcome::Done("the campaign no longer exists".into()),
            Err(e) => return internal(e),
        };
        if current.in_flight == Some(AdControl::Cancel) {
            return cancel_launch(ctx, job, api, &current, &remote).await;
        }
        if remote.contains_key(&step) {
            continue;
        }
        // A step started by an earlier attempt may exist on the platform already.
        let found = if started.contains(&step) {
            match api.find(&step, &spec, &remote).await {
                Ok(found) => found,
                Err(failure) => return launch_failed(ctx, job, &current, failure).await,
            }
        } else {
            None
        };
        let id = match found {
            Some(id) => id,
            None => {
                if let Err(e) = ad_campaigns::start_step(&ctx.db, &ad.id, &step, ctx.now()).await {
                    return internal(e);
                }
                match api.create(&step, &spec, &remote).await {
                    Ok(id) => id,
                    Err(failure) => {
                        // This create was refused or never left: nothing exists, so the
                        // step starts afresh next time instead of being looked for. Only
                        // this attempt's own certain failure may clear the mark.
                        if !matches!(failure, Outcome::Uncertain(_))
                            && let Err(e) = ad_campaigns::forget_step(&ctx.db, &ad.id, &step).await
                        {
                            return internal(e);
                        }
                        return launch_failed(ctx, job, &current, failure).await;
                    }
                }
            }
        };
        if let Err(e) = ad_campaigns::finish_step(&ctx.db, &ad.id, &step, &id, ctx.now()).await {
            return internal(e);
        }
        remote.insert(step, id);
    }
    let current = match ad_campaigns::get(ctx.db.pool(), ws, &ad.id).await {
        Ok(Some(c)) => c,
        Ok(None) => return JobOutcome::Done("the campaign no longer exists".into()),
        Err(e) => return internal(e),
    };
    if current.in_flight == Some(AdControl::Cancel) {
        return cancel_launch(ctx, job, api, &current, &remote).await;
    }
    let summary = format!(
        "launched \"{}\" on {}: campaign {}",
        ad.name,
        ad.platform.name(),
        remote.get("campaign").map_or("?", String::as_str)
    );
    match settle(
        ctx,
        ws,
        &current,
        AdCampaignStatus::Active,
        None,
        summary.clone(),
    )
    .await
    {
        Ok(true) => JobOutcome::Done(summary),
        Ok(false) => JobOutcome::Transient("the campaign changed while it was launched".into()),
        Err(e) => internal(e),
    }
}

async fn launch_failed(
    ctx: &Context,
    job: &JobRecord,
    ad: &AdCampaign,
    failure: Outcome,
) -> JobOutcome {
    super::holds::note(ctx, &job.workspace_id, &ad.connector_id, &failure).await;
    if !gave_up(job, &failure) {
        return as_outcome(failure);
    }
    let reason = failure.reason().unwrap_or_default().to_owned();
    let summary = format!("launch of \"{}\" failed: {reason}", ad.name);
    if let Err(e) = settle(
        ctx,
        &job.workspace_id,
        ad,
        AdCampaignStatus::Failed,
        Some(&reason),
        summary,
    )
    .await
    {
        return internal(e);
    }
    JobOutcome::Permanent(reason)
}

async fn cancel_launch(
    ctx: &Context,
    job: &JobRecord,
    api: &dyn AdApi,
    ad: &AdCampaign,
    remote: &crate::domain::ad_campaign::RemoteIds,
) -> JobOutcome {
    if let Err(failure) = api.remove(remote).await {
        super::holds::note(ctx, &job.workspace_id, &ad.connector_id, &failure).await;
        if !gave_up(job, &failure) {
            return as_outcome(failure);
        }
        let reason = format!(
            "cancelled, but removing what the launch created failed: {}; it was created paused, so it is not delivering",
            failure.reason().unwrap_or_default()
        );
        return match settle(
            ctx,
            &job.workspace_id,
            ad,
            AdCampaignStatus::Cancelled,
            Some(&reason),
            format!("cancelled \"{}\" during its launch", ad.name),
        )
        .await
        {
            Ok(_) => JobOutcome::Permanent(reason),
            Err(e) => internal(e),
        };
    }
    let summary = format!(
        "cancelled \"{}\" during its launch; removed what was created ({} steps)",
        ad.name,
        remote.len()
    );
    match settle(
        ctx,
        &job.workspace_id,
        ad,
        AdCampaignStatus::Cancelled,
        None,
        summary.clone(),
    )
    .await
    {
        Ok(_) => JobOutcome::Done(summary),
        Err(e) => internal(e),
    }
}

/// Pauses, resumes or cancels a campaign on its platform.
pub struct ControlJob;

#[async_trait::async_trait]
impl Job for ControlJob {
    fn kind(&self) -> JobKind {
        JobKind::AdControl
    }

    async fn run(&self, ctx: &Context, job: &JobRecord) -> JobOutcome {
        let loaded = match load(ctx, job).await {
            Ok(Some(l)) => l,
            Ok(None) => return JobOutcome::Done("the campaign no longer exists".into()),
            Err(outcome) => return outcome,
        };
        let outcome = control(ctx, job, &loaded).await;
        let calls = loaded.api.calls();
        if let Err(e) = ad_campaigns::record_calls(&ctx.db, &loaded.ad.id, &calls, ctx.now()).await
        {
            tracing::warn!(error = %e, "the platform calls of a control were not recorded");
        }
        outcome
    }
}

async fn control(ctx: &Context, job: &JobRecord, loaded: &Loaded) -> JobOutcome {
    let ad = &loaded.ad;
    let Some(control) = ad.in_flight else {
        return JobOutcome::Done("nothing was asked of this campaign".into());
    };
    // A launch in progress carries out its own cancel.
    if ad.status == AdCampaignStatus::Launching {
        return JobOutcome::Done("the launch job carries out this cancel".into());
    }
    let remote = match ad_campaigns::steps(&ctx.db, &ad.id).await {
        Ok((remote, _)) => remote,
        Err(e) => return internal(e),
    };
    let api = loaded.api.as_ref();
    let result = match control {
        AdControl::Pause => api.set_delivering(&remote, false).await,
        AdControl::Resume => api.set_delivering(&remote, true).await,
        AdControl::Cancel => api.remove(&remote).await,
        AdControl::RetryLaunch => Ok(()),
    };
    let to = AdCampaign::status_after(control);
    match result {
        Ok(()) => {
            let summary = format!(
                "{} \"{}\" on {}",
                match control {
                    AdControl::Pause => "paused",
                    AdControl::Resume => "resumed",
                    _ => "cancelled",
                },
                ad.name,
                ad.platform.name()
            );
            match settle(ctx, &job.workspace_id, ad, to, None, summary.clone()).await {
                Ok(true) => JobOutcome::Done(summary),
                Ok(false) => JobOutcome::Transient("the campaign changed meanwhile".into()),
                Err(e) => internal(e),
            }
        }
        Err(failure) if !gave_up(job, &failure) => {
            super::holds::note(ctx, &job.workspace_id, &ad.connector_id, &failure).await;
            as_outcome(failure)
        }
        Err(failure) => {
            super::holds::note(ctx, &job.workspace_id, &ad.connector_id, &failure).await;
            let reason = format!(
                "could not {} it: {}",
                control.as_str(),
                failure.reason().unwrap_or_default()
            );
            // The status stays what the platform last confirmed; the action is no longer in flight.
            match settle(
                ctx,
                &job.workspace_id,
                ad,
                ad.status,
                Some(&reason),
                String::new(),
            )
            .await
            {
                Ok(_) => JobOutcome::Permanent(reason),
                Err(e) => internal(e),
            }
        }
    }
}

/// Pulls a campaign's daily spend and results, replacing each day it reads.
pub struct SyncJob;

#[async_trait::async_trait]
impl Job for SyncJob {
    fn kind(&self) -> JobKind {
        JobKind::AdMetricsSync
    }

    async fn run(&self, ctx: &Context, job: &JobRecord) -> JobOutcome {
        let loaded = match load(ctx, job).await {
            Ok(Some(l)) => l,
            Ok(None) => return JobOutcome::Done("the campaign no longer exists".into()),
            Err(outcome) => return outcome,
        };
        let outcome = sync(ctx, job, &loaded).await;
        let calls = loaded.api.calls();
        if let Err(e) = ad_campaigns::record_calls(&ctx.db, &loaded.ad.id, &calls, ctx.now()).await
        {
            tracing::warn!(error = %e, "the platform calls of a sync were not recorded");
        }
        outcome
    }
}

/// The first moment of `day` (UTC), where its counts land.
async fn sync(ctx: &Context, job: &JobRecord, loaded: &Loaded) -> JobOutcome {
    let ad = &loaded.ad;
    let ws = &job.workspace_id;
    let remote = match ad_campaigns::steps(&ctx.db, &ad.id).await {
        Ok((remote, _)) => remote,
        Err(e) => return internal(e),
    };
    if !remote.contains_key("campaign") {
        return JobOutcome::Done("not on the platform yet; nothing to sync".into());
    }
    let now = ctx.now();
    let to = now.as_datetime().date();
    let first = ad.starts_at.unwrap_or(ad.created_at).as_datetime().date();
    // The first sync reads from the start (a campaign may have started before it was
    // launched here); later ones re-read the days a platform still revises.
    let synced_before = match ad_campaigns::days(&ctx.db, &ad.id).await {
        Ok(days) => !days.is_empty(),
        Err(e) => return internal(e),
    };
    let back = if synced_before {
        SYNC_DAYS
    } else {
        FIRST_SYNC_DAYS
    };
    let from = std::cmp::max(first, to - time::Duration::days(back - 1)).min(to);
    let (creatives, audience) = (Vec::new(), Vec::new());
    let spec = Launch {
        campaign: ad,
        creatives: &creatives,
        audience: &audience,
    };
    let days = match loaded.api.daily_metrics(&spec, &remote, from, to).await {
        Ok(days) => days,
        Err(failure) => {
            super::holds::note(ctx, ws, &ad.connector_id, &failure).await;
            return as_outcome(failure);
        }
    };
    let mut changed = 0;
    for day in &days {
        match record_day(ctx, ws, ad, day).await {
            Ok(true) => changed += 1,
            Ok(false) => {}
            Err(e) => return internal(e),
        }
    }
    if let Err(e) = next_sync(ctx, ws, ad, now).await {
        return internal(e);
    }
    JobOutcome::Done(format!(
        "synced {} days ({changed} changed) from {from} to {to}",
        days.len()
    ))
}

/// Replaces one day; its difference reaches the campaign's counters through the event
/// record. True when the day changed.
async fn record_day(
    ctx: &Context,
    ws: &WorkspaceId,
    ad: &AdCampaign,
    day: &DayMetrics,
) -> Result<bool, Error> {
    let Some(on) = crate::domain::time::parse_date(&day.day) else {
        return Ok(false);
    };
    let now = ctx.now();
    let mut tx = ctx.db.begin().await?;
    let old = ad_campaigns::replace_day(&mut tx, &ad.id, day, now).await?;
    let delta = day.minus(&old);
    let counts = Counts {
        spend_cents: delta.spend_cents,
        impressions: delta.impressions,
        clicks: delta.clicks,
        conversions: delta.conversions,
        ..Counts::default()
    };
    if counts.is_zero() {
        tx.commit().await?;
        return Ok(false);
    }
    let change = Change::new(
        Action::AdMetricsSynced,
        &ad.id,
        format!(
            "{}: {} spent, {} impressions, {} clicks, {} conversions",
            day.day,
            crate::domain::money::format_usd(day.spend_cents),
            day.impressions,
            day.clicks,
            day.conversions
        ),
    )
    .for_campaign_on(&ad.campaign_id, on)
    .synced(counts);
    record_system(&mut tx, ws, &change, now).await?;
    tx.commit().await?;
    Ok(true)
}

/// Queues the next sync while the campaign is live or recently stopped, and completes a
/// campaign whose end date has passed.
async fn next_sync(
    ctx: &Context,
    ws: &WorkspaceId,
    ad: &AdCampaign,
    now: Timestamp,
) -> Result<(), Error> {
    use AdCampaignStatus::*;
    if ad.status == Active && ad.in_flight.is_none() && ad.ends_at.is_some_and(|end| end <= now) {
        settle(
            ctx,
            ws,
            ad,
            Completed,
            None,
            format!("\"{}\" reached its end date", ad.name),
        )
        .await?;
    }
    let live = matches!(ad.status, Active | Paused | Launching);
    let recently =
        matches!(ad.status, Cancelled | Completed) && ad.updated_at.plus(SYNC_AFTER_STOP) > now;
    if live || recently {
        let mut tx = ctx.db.begin().await?;
        enqueue_in(
            &mut tx,
            ad,
            ws,
            JobKind::AdMetricsSync,
            serde_json::json!({}),
            now.plus(SYNC_EVERY),
        )
        .await?;
        tx.commit().await?;
    }
    Ok(())
}
