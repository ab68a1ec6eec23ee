//! The day counters: per campaign (`campaign_days`) and per workspace channel
//! (`workspace_days`, channel `none` for what no campaign earned), kept in the transaction of
//! each change; and the campaign totals on `campaigns`. A rollup reads at most a row per
//! day and channel (or per day of one campaign).

use sqlx::Row;
use sqlx::any::AnyRow;
use time::Date;

use super::{Db, Tx, get_parsed};
use crate::domain::Error;
use crate::domain::campaign::Channel;
use crate::domain::change::Counts;
use crate::domain::ids::{CampaignId, WorkspaceId};
use crate::domain::rollup::DayRange;
use crate::domain::time::{format_date, parse_date};

/// The measure columns, in the order `counts_row` reads and `bind_counts` binds them.
const MEASURES: [&str; 10] = [
    "sends",
    "deliveries",
    "replies",
    "bounces",
    "unsubscribes",
    "conversions",
    "conversion_value_cents",
    "spend_cents",
    "impressions",
    "clicks",
];

fn values(c: &Counts) -> [i64; 10] {
    [
        c.sends,
        c.deliveries,
        c.replies,
        c.bounces,
        c.unsubscribes,
        c.conversions,
        c.conversion_value_cents,
        c.spend_cents,
        c.impressions,
        c.clicks,
    ]
}

fn counts_row(row: &AnyRow) -> Result<Counts, Error> {
    let get = |c: &str| row.try_get::<i64, _>(c);
    Ok(Counts {
        sends: get("sends")?,
        deliveries: get("deliveries")?,
        replies: get("replies")?,
        bounces: get("bounces")?,
        unsubscribes: get("unsubscribes")?,
        conversions: get("conversions")?,
        conversion_value_cents: get("conversion_value_cents")?,
        spend_cents: get("spend_cents")?,
        impressions: get("impressions")?,
        clicks: get("clicks")?,
    })
}

fn day_of(row: &AnyRow) -> Result<Date, Error> {
    let text: String = row.try_get("day")?;
    parse_date(&text).ok_or_else(|| Error::internal(std::io::Error::other("unreadable day")))
}

/// `sum(x) as x, …` for every measure, as integers on both databases.
fn sums() -> String {
    MEASURES
        .iter()
        .map(|m| format!("cast(coalesce(sum({m}), 0) as bigint) as {m}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The tail of an upsert whose three key columns are `$1..$3`: it adds `$4..$13` to the
/// measures of the counter row.
fn upsert(table: &str, key: &str) -> String {
    let columns = MEASURES.join(", ");
    let params = (1..4 + MEASURES.len())
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let adds = MEASURES
        .iter()
        .map(|m| format!("{m} = {table}.{m} + excluded.{m}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!("{columns}) values ({params}) on conflict ({key}) do update set {adds}")
}

fn bind_counts<'q>(
    mut q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    c: &Counts,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    for v in values(c) {
        q = q.bind(v);
    }
    q
}

/// Keeps counting and rebuilding a workspace's counters apart on PostgreSQL: a change takes
/// the shared lock before it reads the time zone and counts, a rebuild the exclusive one
/// before it reads the raw rows, both until their transaction ends. (SQLite's write
/// transactions already run one at a time.)
pub async fn lock(tx: &mut Tx, workspace: &WorkspaceId, rebuild: bool) -> Result<(), Error> {
    if super::backend_in(tx) != super::Backend::Postgres {
        return Ok(());
    }
    let f = if rebuild {
        "pg_advisory_xact_lock"
    } else {
        "pg_advisory_xact_lock_shared"
    };
    sqlx::query(&format!(
        "select 1 from (select {f}(hashtext('rollups:' || $1))) as held"
    ))
    .bind(workspace.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Adds `counts` on `day` to `campaign`'s totals and its day; answers the campaign's
/// channel, whose day the caller adds to with [`add_to_channel_day`]. In the caller's
/// transaction.
pub async fn add_to_campaign(
    tx: &mut Tx,
    workspace: &WorkspaceId,
    campaign: &CampaignId,
    day: Date,
    counts: &Counts,
) -> Result<String, Error> {
    let channel: Option<String> = sqlx::query_scalar(
        "update campaigns set sends = sends + $1, replies = replies + $2, conversions = conversions + $3, \
         spend_cents = spend_cents + $4 where workspace_id = $5 and id = $6 returning channel",
    )
    .bind(counts.sends)
    .bind(counts.replies)
    .bind(counts.conversions)
    .bind(counts.spend_cents)
    .bind(workspace.as_str())
    .bind(campaign.as_str())
    .fetch_optional(&mut **tx)
    .await?;
    let Some(channel) = channel else {
        return Err(Error::internal(std::io::Error::other(format!(
            "counted for {campaign}, which this workspace does not have"
        ))));
    };
    let sql = format!(
        "insert into campaign_days (campaign_id, workspace_id, day, {}",
        upsert("campaign_days", "campaign_id, day")
    );
    let q = sqlx::query(&sql)
        .bind(campaign.as_str())
        .bind(workspace.as_str())
        .bind(format_date(day));
    bind_counts(q, counts).execute(&mut **tx).await?;
    Ok(channel)
}

/// Adds `counts` on `day` to the workspace's day of `channel` (`none`: counted without a
/// campaign); in the caller's transaction.
pub async fn add_to_channel_day(
    tx: &mut Tx,
    workspace: &WorkspaceId,
    channel: &str,
    day: Date,
    counts: &Counts,
) -> Result<(), Error> {
    let sql = format!(
        "insert into workspace_days (workspace_id, channel, day, {}",
        upsert("workspace_days", "workspace_id, channel, day")
    );
    let q = sqlx::query(&sql)
        .bind(workspace.as_str())
        .bind(channel)
        .bind(format_date(day));
    bind_counts(q, counts).execute(&mut **tx).await?;
    Ok(())
}

/// One campaign's stored days within `range`.
pub async fn campaign_days(
    db: &Db,
    workspace: &WorkspaceId,
    campaign: &CampaignId,
    range: &DayRange,
) -> Result<Vec<(Date, Counts)>, Error> {
    // The workspace is checked on the campaign's own row, so the days are read by their
    // primary key (campaign, day) alone: a `workspace_id` term here lets a planner without
    // fresh statistics pick the workspace's day index and scan every campaign's days.
    let sql = format!(
        "select d.day, {} from campaign_days d join campaigns m on m.id = d.campaign_id \
         where d.campaign_id = $1 and m.workspace_id = $2 and d.day >= $3 and d.day <= $4 order by d.day",
        MEASURES
            .iter()
            .map(|m| format!("d.{m}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let rows = sqlx::query(&sql)
        .bind(campaign.as_str())
        .bind(workspace.as_str())
        .bind(format_date(range.from))
        .bind(format_date(range.to))
        .fetch_all(db.pool())
        .await?;
    rows.iter()
        .map(|r| Ok((day_of(r)?, counts_row(r)?)))
        .collect()
}

/// The workspace's days within `range`: every channel (unattributed included), or one.
pub async fn workspace_days(
    db: &Db,
    workspace: &WorkspaceId,
    channel: Option<Channel>,
    range: &DayRange,
) -> Result<Vec<(Date, Counts)>, Error> {
    let only = if channel.is_some() {
        " and channel = $4"
    } else {
        ""
    };
    let sql = format!(
        "select day, {} from workspace_days where workspace_id = $1 and day >= $2 and day <= $3{only} \
         group by day order by day",
        sums()
    );
    let mut q = sqlx::query(&sql)
        .bind(workspace.as_str())
        .bind(format_date(range.from))
        .bind(format_date(range.to));
    if let Some(c) = channel {
        q = q.bind(c.as_str());
    }
    let rows = q.fetch_all(db.pool()).await?;
    rows.iter()
        .map(|r| Ok((day_of(r)?, counts_row(r)?)))
        .collect()
}

/// The workspace's totals per channel within `range` (`None` for what no campaign earned).
pub async fn by_channel(
    db: &Db,
    workspace: &WorkspaceId,
    range: &DayRange,
) -> Result<Vec<(Option<Channel>, Counts)>, Error> {
    let sql = format!(
        "select channel, {} from workspace_days where workspace_id = $1 and day >= $2 and day <= $3 \
         group by channel order by channel",
        sums()
    );
    let rows = sqlx::query(&sql)
        .bind(workspace.as_str())
        .bind(format_date(range.from))
        .bind(format_date(range.to))
        .fetch_all(db.pool())
        .await?;
    rows.iter()
        .map(|r| {
            let channel: String = r.try_get("channel")?;
            Ok((channel.parse().ok(), counts_row(r)?))
        })
        .collect()
}

/// A campaign's totals over a range, with what names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignTotals {
    /// The campaign.
    pub id: CampaignId,
    /// Its name.
    pub name: String,
    /// Its channel.
    pub channel: Channel,
    /// Its status.
    pub status: crate::domain::campaign::CampaignStatus,
    /// What it counted within the range.
    pub counts: Counts,
}

/// Every campaign (of `channel`, when given) with something counted within `range`, with
/// its totals over the range.
pub async fn campaign_totals(
    db: &Db,
    workspace: &WorkspaceId,
    channel: Option<Channel>,
    range: &DayRange,
) -> Result<Vec<CampaignTotals>, Error> {
    let only = if channel.is_some() {
        " and m.channel = $4"
    } else {
        ""
    };
    // Sum the days first, then name the (at most one per campaign) sums.
    let sql = format!(
        "select t.*, m.name, m.channel, m.status from (select campaign_id, {} from campaign_days \
         where workspace_id = $1 and day >= $2 and day <= $3 group by campaign_id) t \
         join campaigns m on m.id = t.campaign_id where m.workspace_id = $1{only}",
        sums()
    );
    let mut q = sqlx::query(&sql)
        .bind(workspace.as_str())
        .bind(format_date(range.from))
        .bind(format_date(range.to));
    if let Some(c) = channel {
        q = q.bind(c.as_str());
    }
    let rows = q.fetch_all(db.pool()).await?;
    rows.iter()
        .map(|r| {
            Ok(CampaignTotals {
                id: get_parsed(r, "campaign_id")?,
                name: r.try_get("name")?,
                channel: get_parsed(r, "channel")?,
                status: get_parsed(r, "status")?,
                counts: counts_row(r)?,
            })
        })
        .collect()
}

/// What a rebuild counts from: every message sent (its campaign and when), every event
/// (its campaign, if any, when, and for a bounce when its message was sent), every synced
/// ad day. Read whole, in the caller's transaction.
pub struct RawRows {
    /// `(campaign, sent_at)` of each sent message (those of erased contacts included).
    pub sends: Vec<(CampaignId, String)>,
    /// Each event.
    pub events: Vec<RawEvent>,
    /// `(campaign, day, spend_cents, impressions, clicks, conversions)` of each synced day.
    pub ad_days: Vec<(CampaignId, String, [i64; 4])>,
}

/// An event as a rebuild counts it.
pub struct RawEvent {
    /// `conversion`, `reply`, `bounce` or `unsubscribe`.
    pub kind: String,
    /// The campaign it counted for; `None`: unattributed.
    pub campaign: Option<CampaignId>,
    /// When it happened (stored text).
    pub occurred_at: String,
    /// A conversion's value.
    pub value_cents: i64,
    /// A bounce: when its message was sent (stored text).
    pub message_sent_at: Option<String>,
}

/// Reads the raw rows of a workspace.
pub async fn raw_rows(tx: &mut Tx, workspace: &WorkspaceId) -> Result<RawRows, Error> {
    let sends = sqlx::query(
        "select s.campaign_id, m.sent_at from sequence_messages m join email_sequences s on s.id = m.sequence_id \
         where m.workspace_id = $1 and m.status = 'sent' and m.sent_at is not null \
         union all select campaign_id, sent_at from erased_sends where workspace_id = $1",
    )
    .bind(workspace.as_str())
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|r| Ok((get_parsed(r, "campaign_id")?, r.try_get("sent_at")?)))
    .collect::<Result<_, Error>>()?;
    let events = sqlx::query(
        "select kind, campaign_id, occurred_at, value_cents, message_sent_at from events where workspace_id = $1",
    )
    .bind(workspace.as_str())
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|r| {
        let campaign: Option<String> = r.try_get("campaign_id")?;
        Ok(RawEvent {
            kind: r.try_get("kind")?,
            campaign: campaign.and_then(|c| c.parse().ok()),
            occurred_at: r.try_get("occurred_at")?,
            value_cents: r.try_get("value_cents")?,
            message_sent_at: r.try_get("message_sent_at")?,
        })
    })
    .collect::<Result<_, Error>>()?;
    let ad_days = sqlx::query(
        "select a.campaign_id, d.day, d.spend_cents, d.impressions, d.clicks, d.conversions from ad_campaign_days d \
         join ad_campaigns a on a.id = d.ad_campaign_id where a.workspace_id = $1",
    )
    .bind(workspace.as_str())
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|r| {
        Ok((
            get_parsed(r, "campaign_id")?,
            r.try_get("day")?,
            [
                r.try_get("spend_cents")?,
                r.try_get("impressions")?,
                r.try_get("clicks")?,
                r.try_get("conversions")?,
            ],
        ))
    })
    .collect::<Result<_, Error>>()?;
    Ok(RawRows {
        sends,
        events,
        ad_days,
    })
}

/// Every workspace's id (for a rebuild of all).
pub async fn workspaces(db: &Db) -> Result<Vec<WorkspaceId>, Error> {
    sqlx::query("select id from workspaces order by id")
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(|r| get_parsed(r, "id"))
        .collect()
}

/// Forgets every counter of the workspace (before a rebuild writes them again).
pub async fn clear(tx: &mut Tx, workspace: &WorkspaceId) -> Result<(), Error> {
    for sql in [
        "delete from campaign_days where workspace_id = $1",
        "delete from workspace_days where workspace_id = $1",
        "update campaigns set sends = 0, replies = 0, conversions = 0, spend_cents = 0 where workspace_id = $1",
    ] {
        sqlx::query(sql)
            .bind(workspace.as_str())
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Writes a rebuilt workspace's counters after [`clear`]: each campaign's days (in
/// multi-row inserts), its totals, and the channel days summed from them.
pub async fn write_all(
    tx: &mut Tx,
    workspace: &WorkspaceId,
    days: &[(Option<CampaignId>, Date, Counts)],
) -> Result<usize, Error> {
    let channels: std::collections::HashMap<String, String> =
        sqlx::query("select id, channel from campaigns where workspace_id = $1")
            .bind(workspace.as_str())
            .fetch_all(&mut **tx)
            .await?
            .iter()
            .map(|r| Ok((r.try_get("id")?, r.try_get("channel")?)))
            .collect::<Result<_, Error>>()?;
    let mut by_channel: std::collections::BTreeMap<(String, Date), Counts> = Default::default();
    let mut totals: std::collections::BTreeMap<&str, Counts> = Default::default();
    let mut rows = Vec::new();
    for (campaign, day, counts) in days {
        let channel = match campaign {
            None => "none".to_owned(),
            Some(c) => channels.get(c.as_str()).cloned().ok_or_else(|| {
                Error::internal(std::io::Error::other(format!(
                    "counted for {c}, which this workspace does not have"
                )))
            })?,
        };
        by_channel.entry((channel, *day)).or_default().add(counts);
        if let Some(c) = campaign {
            totals.entry(c.as_str()).or_default().add(counts);
            rows.push((c.as_str(), format_date(*day), counts));
        }
    }
    // 13 parameters a row; 400 rows stay far below either database's limit.
    for chunk in rows.chunks(400) {
        let values = (0..chunk.len())
            .map(|i| {
                let first = i * 13 + 1;
                let params: Vec<String> = (first..first + 13).map(|p| format!("${p}")).collect();
                format!("({})", params.join(", "))
            })
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "insert into campaign_days (campaign_id, workspace_id, day, {}) values {values}",
            MEASURES.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for (campaign, day, counts) in chunk {
            q = bind_counts(
                q.bind(*campaign).bind(workspace.as_str()).bind(day.clone()),
                counts,
            );
        }
        q.execute(&mut **tx).await?;
    }
    for ((channel, day), counts) in &by_channel {
        add_to_channel_day(tx, workspace, channel, *day, counts).await?;
    }
    for (campaign, c) in &totals {
        sqlx::query(
            "update campaigns set sends = $1, replies = $2, conversions = $3, spend_cents = $4 \
             where workspace_id = $5 and id = $6",
        )
        .bind(c.sends)
        .bind(c.replies)
        .bind(c.conversions)
        .bind(c.spend_cents)
        .bind(workspace.as_str())
        .bind(*campaign)
        .execute(&mut **tx)
        .await?;
    }
    Ok(rows.len() + by_channel.len())
}

/// Every counter row of a workspace, `(campaign or channel, day, counts)` in a stable
/// order, and each campaign's totals (sends, replies, conversions, spend).
pub type Snapshot = (Vec<(String, String, Counts)>, Vec<(String, [i64; 4])>);

/// The workspace's counters as they stand, for comparing a rebuild with what was kept.
pub async fn snapshot(db: &Db, workspace: &WorkspaceId) -> Result<Snapshot, Error> {
    let mut days = Vec::new();
    for (key, table) in [
        ("campaign_id", "campaign_days"),
        ("channel", "workspace_days"),
    ] {
        let sql = format!(
            "select {key} as k, day, {} from {table} where workspace_id = $1 order by {key}, day",
            MEASURES.join(", ")
        );
        for r in sqlx::query(&sql)
            .bind(workspace.as_str())
            .fetch_all(db.pool())
            .await?
        {
            let counts = counts_row(&r)?;
            // A row whose counts went back to zero is the same as no row.
            if !counts.is_zero() {
                days.push((r.try_get("k")?, r.try_get("day")?, counts));
            }
        }
    }
    let totals = sqlx::query(
        "select id, sends, replies, conversions, spend_cents from campaigns where workspace_id = $1 order by id",
    )
    .bind(workspace.as_str())
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| {
        Ok((
            r.try_get("id")?,
            [
                r.try_get("sends")?,
                r.try_get("replies")?,
                r.try_get("conversions")?,
                r.try_get("spend_cents")?,
            ],
        ))
    })
    .collect::<Result<_, Error>>()?;
    Ok((days, totals))
}
