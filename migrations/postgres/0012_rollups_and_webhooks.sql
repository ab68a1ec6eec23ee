-- Rollups hold every measure, per campaign and per workspace channel, by day in the
-- workspace's time zone; both are kept in the transaction of the change they count, so a
-- rollup reads at most a row per day and channel, never the raw events.

alter table campaign_days add column deliveries bigint not null default 0;
alter table campaign_days add column bounces bigint not null default 0;
alter table campaign_days add column unsubscribes bigint not null default 0;
-- What was counted before this migration, counted the way it is counted from now on (days
-- were UTC until now; no bounce yet knew its message, so none takes a delivery back).
update campaign_days set deliveries = sends;
insert into campaign_days (campaign_id, workspace_id, day, bounces, unsubscribes)
select campaign_id, workspace_id, substr(occurred_at, 1, 10),
    sum(case when kind = 'bounce' then 1 else 0 end), sum(case when kind = 'unsubscribe' then 1 else 0 end)
from events where campaign_id is not null and kind in ('bounce', 'unsubscribe')
group by campaign_id, workspace_id, substr(occurred_at, 1, 10)
on conflict (campaign_id, day) do update set bounces = excluded.bounces, unsubscribes = excluded.unsubscribes;

-- The same measures summed per channel; channel `none` holds what no campaign earned
-- (a conversion with no campaign touch inside the attribution window).
create table workspace_days (
    workspace_id text not null references workspaces (id),
    channel text not null check (channel in ('email', 'ads', 'blog', 'none')),
    day text not null,
    sends bigint not null default 0,
    deliveries bigint not null default 0,
    replies bigint not null default 0,
    bounces bigint not null default 0,
    unsubscribes bigint not null default 0,
    conversions bigint not null default 0,
    conversion_value_cents bigint not null default 0,
    spend_cents bigint not null default 0,
    impressions bigint not null default 0,
    clicks bigint not null default 0,
    primary key (workspace_id, channel, day)
);
insert into workspace_days (workspace_id, channel, day, sends, deliveries, replies, conversions,
    conversion_value_cents, spend_cents, impressions, clicks)
select d.workspace_id, m.channel, d.day, sum(d.sends), sum(d.deliveries), sum(d.replies), sum(d.conversions),
    sum(d.conversion_value_cents), sum(d.spend_cents), sum(d.impressions), sum(d.clicks)
from campaign_days d join campaigns m on m.id = d.campaign_id
group by d.workspace_id, m.channel, d.day;
insert into workspace_days (workspace_id, channel, day, replies, bounces, unsubscribes, conversions,
    conversion_value_cents)
select workspace_id, 'none', substr(occurred_at, 1, 10),
    sum(case when kind = 'reply' then 1 else 0 end), sum(case when kind = 'bounce' then 1 else 0 end),
    sum(case when kind = 'unsubscribe' then 1 else 0 end), sum(case when kind = 'conversion' then 1 else 0 end),
    sum(case when kind = 'conversion' then value_cents else 0 end)
from events where campaign_id is null
group by workspace_id, substr(occurred_at, 1, 10);

-- Erasing a contact erases their messages, but what was sent stays counted: each sent
-- message leaves its campaign and time here, with nothing about the person, so a rebuild
-- still counts it.
create table erased_sends (
    workspace_id text not null references workspaces (id),
    campaign_id text not null references campaigns (id),
    sent_at text not null
);
create index erased_sends_by_workspace on erased_sends (workspace_id);

-- A bounce takes its delivery back from the day its message was sent.
alter table events add column message_sent_at text;

-- Where a day starts, how far back a conversion looks for the campaign that earned it, and
-- whether webhooks may go to private addresses (an on-premise receiver).
alter table workspace_settings add column time_zone text not null default 'UTC';
alter table workspace_settings add column attribution_window_days bigint not null default 30;
alter table workspace_settings add column private_webhook_targets bigint not null default 0;

-- Outgoing webhooks: an endpoint is switched off with a reason when deliveries to it keep
-- failing for about a day; every delivery and each of its attempts is kept for the log.
alter table webhook_endpoints add column description text not null default '';
alter table webhook_endpoints add column secret_hint text not null default '';
alter table webhook_endpoints add column disabled_reason text;
alter table webhook_endpoints add column version bigint not null default 1;
create index webhook_endpoints_list on webhook_endpoints (workspace_id, created_at desc, id desc);

create table webhook_deliveries (
    id text primary key,
    workspace_id text not null references workspaces (id),
    endpoint_id text not null references webhook_endpoints (id) on delete cascade,
    -- the event's own id: the same on a redelivery, so receivers can drop repeats
    event_id text not null,
    event_type text not null,
    -- the exact body sent, signed anew on every attempt
    body text not null,
    cause text not null check (cause in ('event', 'test', 'redeliver')),
    status text not null check (status in ('pending', 'succeeded', 'failed')),
    attempts bigint not null default 0,
    response_status bigint,
    duration_ms bigint,
    error text,
    created_at text not null,
    updated_at text not null,
    delivered_at text
);
create index webhook_deliveries_list on webhook_deliveries (endpoint_id, created_at desc, id desc);

create table webhook_attempts (
    delivery_id text not null references webhook_deliveries (id) on delete cascade,
    attempt bigint not null,
    started_at text not null,
    -- JSON: the request headers sent (the signature included; the secret never is)
    request_headers text not null,
    response_status bigint,
    -- the start of the answer, for the log
    response_body text,
    duration_ms bigint not null,
    error text,
    primary key (delivery_id, attempt)
);
