-- Ad campaigns: a launch request a person approves before any money is spent, then the
-- objects a launch job creates on the platform, one step at a time, each id stored as it
-- is known so an interrupted launch resumes instead of creating a second campaign.

create table ad_campaigns (
    id text primary key,
    workspace_id text not null references workspaces (id),
    campaign_id text not null references campaigns (id),
    name text not null,
    platform text not null check (platform in ('google', 'linkedin', 'meta')),
    objective text not null,
    segment_id text not null references segments (id),
    brand_id text not null references brands (id),
    connector_id text not null references connectors (id),
    daily_budget_cents bigint not null check (daily_budget_cents > 0),
    -- JSON: ["cre_…", …] in the order the ads are created
    creative_ids text not null,
    starts_at text,
    ends_at text,
    status text not null check (status in ('pending_approval', 'launching', 'active', 'paused',
        'cancelled', 'completed', 'rejected', 'failed')),
    -- the control whose job is running ("pausing…"), if any
    in_flight text check (in_flight in ('pause', 'resume', 'cancel', 'retry_launch')),
    last_error text,
    -- what the approver approved: the creatives' copy, budget, dates, audience
    content_hash text not null,
    -- JSON: the creatives exactly as approved; the launch creates these, never the live rows
    approved_creatives text,
    audience_size bigint not null default 0,
    version bigint not null,
    created_at text not null,
    updated_at text not null
);
create index ad_campaigns_list on ad_campaigns (workspace_id, created_at desc, id desc);
create index ad_campaigns_by_status on ad_campaigns (workspace_id, status, created_at desc, id desc);

-- One remote object per launch step. A step is written as started before the call that
-- creates it and gets its remote id after; a started step without an id is looked up on
-- the platform by its name before anything is created again.
create table ad_campaign_steps (
    ad_campaign_id text not null references ad_campaigns (id),
    step text not null,
    remote_id text,
    started_at text not null,
    done_at text,
    primary key (ad_campaign_id, step)
);

-- The audience pinned at approval: normalised addresses, SHA-256 hashed. Plain addresses
-- never leave the server; these are what the platform receives.
create table ad_audience_members (
    ad_campaign_id text not null references ad_campaigns (id),
    email_sha256 text not null,
    primary key (ad_campaign_id, email_sha256)
);

-- What the platform reported for one day. A re-sync replaces the day; the campaign's
-- counters receive the difference through the event record.
create table ad_campaign_days (
    ad_campaign_id text not null references ad_campaigns (id),
    day text not null,
    spend_cents bigint not null,
    impressions bigint not null,
    clicks bigint not null,
    conversions bigint not null,
    synced_at text not null,
    primary key (ad_campaign_id, day)
);

-- Every call made to the platform for a campaign (the sandbox records the calls it would
-- make), newest last: method, path and the answer's status, never a body.
create table ad_platform_calls (
    ad_campaign_id text not null references ad_campaigns (id),
    seq bigint not null,
    at text not null,
    method text not null,
    path text not null,
    status bigint not null,
    note text not null,
    primary key (ad_campaign_id, seq)
);
