//! Rollups: the workspace's and each campaign's measures over a range of days, read from the
//! day counters the event record keeps; and the rebuild that recomputes those counters from
//! the raw rows (sent messages, events, synced ad days).

use std::collections::HashMap;

use time::Date;

use super::Context;
use crate::domain::Error;
use crate::domain::actor::{Actor, Scope};
use crate::domain::campaign::{Campaign, Channel};
use crate::domain::change::{Action, Change, Counts};
use crate::domain::event::EventKind;
use crate::domain::ids::{CampaignId, WorkspaceId};
use crate::domain::rollup::{DayRange, RangeInput, RollupScope, Series};
use crate::domain::time::{Timestamp, local_date, parse_date};
use crate::server::db::rollups::{self as days, CampaignTotals};
use crate::server::db::{Tx, campaigns, workspace_settings};

/// Measures by day over a range, with the totals of the range before it.
#[derive(Debug, Clone, PartialEq)]
pub struct Rollup {
    /// The workspace's time zone, which decided the days.
    pub time_zone: String,
    /// What it covers besides the days.
    pub scope: RollupScope,
    /// Every day of the range, and the totals.
    pub series: Series,
    /// The totals of the range of the same length just before.
    pub previous: Counts,
}

/// The range asked for, in the workspace's time zone.
struct Asked {
    zone: String,
    range: DayRange,
}

async fn asked(
    ctx: &Context,
    workspace: &WorkspaceId,
    input: &RangeInput,
    default_from: Option<Timestamp>,
) -> Result<Asked, Error> {
    let zone = workspace_settings::get(&ctx.db, workspace).await?.time_zone;
    let today = local_date(ctx.now(), &zone);
    let default_from = default_from.map(|t| local_date(t, &zone));
    let range = input.parse(today, default_from)?;
    Ok(Asked { zone, range })
}

/// The workspace's rollup over the range (default: the last 30 days), for one channel or
/// one campaign when the scope says so.
pub async fn workspace(
    ctx: &Context,
    actor: &Actor,
    range: &RangeInput,
    scope: RollupScope,
) -> Result<Rollup, Error> {
    actor.require(Scope::MarketingRead)?;
    let ws = actor.workspace_id();
    let asked = asked(ctx, ws, range, None).await?;
    if let Some(id) = &scope.campaign_id {
        let campaign = campaigns::get(&ctx.db, ws, id)
            .await?
            .ok_or_else(|| Error::invalid("campaign_id", "no such campaign in this workspace"))?;
        if let Some(channel) = scope.channel
            && channel != campaign.channel
        {
            return Err(Error::invalid(
                "channel",
                format!(
                    "{id} is an {} campaign; leave out channel or give its own",
                    campaign.channel
                ),
            ));
        }
    }
    let read = |range: DayRange| {
        let scope = scope.clone();
        async move {
            match &scope.campaign_id {
                Some(id) => days::campaign_days(&ctx.db, ws, id, &range).await,
                None => days::workspace_days(&ctx.db, ws, scope.channel, &range).await,
            }
        }
    };
    let series = Series::fill(asked.range, read(asked.range).await?);
    let previous = Series::fill(asked.range.previous(), read(asked.range.previous()).await?);
    Ok(Rollup {
        time_zone: asked.zone,
        scope,
        series,
        previous: previous.totals,
    })
}

/// One campaign's rollup over the range (default: from the day it was created, at most a
/// year back, to today).
pub async fn campaign(
    ctx: &Context,
    actor: &Actor,
    id: &CampaignId,
    range: &RangeInput,
) -> Result<(Campaign, Rollup), Error> {
    actor.require(Scope::MarketingRead)?;
    let ws = actor.workspace_id();
    let campaign = campaigns::get(&ctx.db, ws, id)
        .await?
        .ok_or(Error::NotFound("campaign"))?;
    let asked = asked(ctx, ws, range, Some(campaign.created_at)).await?;
    let series = Series::fill(
        asked.range,
        days::campaign_days(&ctx.db, ws, id, &asked.range).await?,
    );
    let before = asked.range.previous();
    let previous = Series::fill(before, days::campaign_days(&ctx.db, ws, id, &before).await?);
    let scope = RollupScope {
        channel: Some(campaign.channel),
        campaign_id: Some(campaign.id.clone()),
    };
    Ok((
        campaign,
        Rollup {
            time_zone: asked.zone,
            scope,
            series,
            previous: previous.totals,
        },
    ))
}

/// What the dashboard shows: the rollup, each channel's totals (unattributed as `None`)
/// and every campaign with something counted in the range.
#[derive(Debug, Clone, PartialEq)]
pub struct Dashboard {
    /// The workspace's rollup (one channel when asked).
    pub rollup: Rollup,
    /// Totals per channel over the range.
    pub channels: Vec<(Option<Channel>, Counts)>,
    /// Campaigns with activity in the range, with their totals.
    pub campaigns: Vec<CampaignTotals>,
}

/// The dashboard over the range, optionally for one channel.
pub async fn dashboard(
    ctx: &Context,
    actor: &Actor,
    range: &RangeInput,
    channel: Option<Channel>,
) -> Result<Dashboard, Error> {
    let scope = RollupScope {
        channel,
        campaign_id: None,
    };
    let rollup = workspace(ctx, actor, range, scope).await?;
    let ws = actor.workspace_id();
    let range = rollup.series.range;
    let channels = days::by_channel(&ctx.db, ws, &range).await?;
    let campaigns = days::campaign_totals(&ctx.db, ws, channel, &range).await?;
    Ok(Dashboard {
        rollup,
        channels,
        campaigns,
    })
}

/// What a rebuild did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rebuilt {
    /// Workspaces rebuilt.
    pub workspaces: usize,
    /// Raw rows read.
    pub rows_read: usize,
    /// Counter rows written (campaign days and unattributed days).
    pub days_written: usize,
}

/// Recomputes every workspace's counters from the raw rows, one transaction each.
pub async fn rebuild_all(ctx: &Context) -> Result<Rebuilt, Error> {
    let mut total = Rebuilt::default();
    for ws in days::workspaces(&ctx.db).await? {
        let mut tx = ctx.db.begin().await?;
        let zone = workspace_settings::get_in(&mut tx, &ws).await?.time_zone;
        let one = rebuild_in(&mut tx, &ws, &zone).await?;
        tx.commit().await?;
        total.workspaces += 1;
        total.rows_read += one.rows_read;
        total.days_written += one.days_written;
    }
    Ok(total)
}

/// Recomputes one workspace's counters in the caller's transaction, with days in `zone`.
/// It counts exactly what the event record counts for each raw row: a sent message is a
/// send and a delivery on its day; an event counts by its kind on its day, for its campaign
/// or unattributed; a bounce takes a delivery back from its message's day; a synced ad day
/// is its spend, impressions, clicks and conversions.
pub async fn rebuild_in(
    tx: &mut Tx,
    workspace: &WorkspaceId,
    zone: &str,
) -> Result<Rebuilt, Error> {
    days::lock(tx, workspace, true).await?;
    let raw = days::raw_rows(tx, workspace).await?;
    let mut sums: HashMap<(Option<CampaignId>, Date), Counts> = HashMap::new();
    let mut add = |campaign: Option<&CampaignId>, day: Date, counts: &Counts| {
        sums.entry((campaign.cloned(), day))
            .or_default()
            .add(counts);
    };
    let at = |text: &str| {
        text.parse::<Timestamp>()
            .map_err(|_| Error::internal(std::io::Error::other(format!("unreadable time {text}"))))
    };
    for (campaign, sent_at) in &raw.sends {
        let change = Change::new(Action::EmailSent, "", "");
        add(
            Some(campaign),
            local_date(at(sent_at)?, zone),
            &change.counts(),
        );
    }
    for e in &raw.events {
        let action = match e.kind.parse::<EventKind>() {
            Ok(EventKind::Reply) => Action::ReplyRecorded,
            Ok(EventKind::Bounce) => Action::BounceRecorded,
            Ok(EventKind::Unsubscribe) => Action::UnsubscribeRecorded,
            Ok(EventKind::Conversion) => Action::ConversionRecorded,
            Err(_) => continue,
        };
        let change = Change::new(action, "", "")
            .worth(e.value_cents)
            .bounced_message(e.message_sent_at.as_deref().map(at).transpose()?);
        add(
            e.campaign.as_ref(),
            local_date(at(&e.occurred_at)?, zone),
            &change.counts(),
        );
        if let (Some(campaign), Some((sent_at, back))) = (&e.campaign, change.taken_back()) {
            add(Some(campaign), local_date(sent_at, zone), &back);
        }
    }
    for (campaign, day, [spend_cents, impressions, clicks, conversions]) in &raw.ad_days {
        let Some(day) = parse_date(day) else { continue };
        let synced = Counts {
            spend_cents: *spend_cents,
            impressions: *impressions,
            clicks: *clicks,
            conversions: *conversions,
            ..Counts::default()
        };
        add(Some(campaign), day, &synced);
    }
    let rows: Vec<(Option<CampaignId>, Date, Counts)> = sums
        .into_iter()
        .filter(|(_, counts)| !counts.is_zero())
        .map(|((campaign, day), counts)| (campaign, day, counts))
        .collect();
    days::clear(tx, workspace).await?;
    let written = days::write_all(tx, workspace, &rows).await?;
    Ok(Rebuilt {
        workspaces: 1,
        rows_read: raw.sends.len() + raw.events.len() + raw.ad_days.len(),
        days_written: written,
    })
}
