-- Brands, contacts, segments, connectors and campaigns.

create table brands (
    id text primary key,
    workspace_id text not null references workspaces (id),
    name text not null,
    company_overview text not null,
    usps text not null,
    icp_market_segments text not null,
    brand_voice text not null,
    do_not_say text not null,
    is_default bigint not null default 0 check (is_default in (0, 1)),
    version bigint not null,
    created_at text not null,
    updated_at text not null
);
create index brands_list on brands (workspace_id, created_at desc, id desc);

create table contacts (
    id text primary key,
    workspace_id text not null references workspaces (id),
    email text not null,
    first_name text not null,
    last_name text not null,
    company text not null,
    domain text not null,
    title text not null,
    lifecycle_stage text not null check (lifecycle_stage in ('contact', 'lead', 'qualified', 'customer')),
    unsubscribed_at text,
    bounced_at text,
    version bigint not null default 1,
    created_at text not null,
    updated_at text not null,
    last_activity_at text
);
create unique index contacts_email on contacts (workspace_id, email);
create index contacts_list on contacts (workspace_id, created_at desc, id desc);

-- Custom fields, one row each, so rules over them are plain SQL on both databases.
create table contact_fields (
    contact_id text not null references contacts (id) on delete cascade,
    workspace_id text not null references workspaces (id),
    name text not null,
    value text not null,
    primary key (contact_id, name)
);
create index contact_fields_lookup on contact_fields (workspace_id, name, value);

create table segments (
    id text primary key,
    workspace_id text not null references workspaces (id),
    name text not null,
    kind text not null check (kind in ('static', 'rule')),
    rule text,
    version bigint not null,
    created_at text not null,
    updated_at text not null
);
create index segments_list on segments (workspace_id, created_at desc, id desc);

create table segment_members (
    segment_id text not null references segments (id) on delete cascade,
    contact_id text not null references contacts (id) on delete cascade,
    added_at text not null,
    primary key (segment_id, contact_id)
);
create index segment_members_contact on segment_members (contact_id);

create table connectors (
    id text primary key,
    workspace_id text not null references workspaces (id),
    kind text not null check (kind in ('smtp', 'gmail', 'outlook', 'google_ads', 'linkedin_ads', 'meta_ads', 'webflow', 'sanity', 'sandbox')),
    name text not null,
    settings text not null,
    secrets text,
    health text not null check (health in ('unknown', 'healthy', 'failing')),
    health_detail text,
    last_checked_at text,
    version bigint not null,
    created_at text not null,
    updated_at text not null
);
create index connectors_list on connectors (workspace_id, created_at desc, id desc);

create table campaigns (
    id text primary key,
    workspace_id text not null references workspaces (id),
    name text not null,
    channel text not null check (channel in ('email', 'ads', 'blog')),
    status text not null check (status in ('draft', 'pending_approval', 'active', 'paused', 'completed', 'cancelled', 'rejected', 'failed')),
    segment_id text references segments (id),
    brand_id text references brands (id),
    artifact_type text,
    artifact_id text,
    sends bigint not null default 0,
    replies bigint not null default 0,
    conversions bigint not null default 0,
    spend_cents bigint not null default 0,
    created_at text not null,
    updated_at text not null
);
create index campaigns_list on campaigns (workspace_id, created_at desc, id desc);
create index campaigns_by_status on campaigns (workspace_id, status, created_at desc, id desc);
create index campaigns_by_channel on campaigns (workspace_id, channel, created_at desc, id desc);
create index campaigns_by_segment on campaigns (workspace_id, segment_id, created_at desc, id desc);
create index campaigns_by_brand on campaigns (workspace_id, brand_id, created_at desc, id desc);

-- The campaign page shows the history of one subject.
create index audit_log_subject on audit_log (workspace_id, subject_type, subject_id, created_at desc);
