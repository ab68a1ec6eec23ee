-- The run of an approved sequence: the message ledger (queue and duplicate guard at once),
-- the sandbox outbox, per-sender daily counts, events and per-day campaign counters.

-- One row per (sequence, contact, step), written when the sequence is approved. Its key is
-- the Message-ID the message is sent with, so replies find it and a second send is impossible.
create table sequence_messages (
    message_id text primary key,
    workspace_id text not null references workspaces (id),
    sequence_id text not null references email_sequences (id),
    contact_id text not null references contacts (id) on delete cascade,
    step_index integer not null,
    status text not null check (status in ('scheduled', 'sending', 'sent', 'failed', 'uncertain', 'skipped')),
    scheduled_for text not null,
    attempts integer not null default 0,
    -- A worker's claim on a scheduled row, or its lease on a row it is sending.
    claimed_by text,
    lease_until text,
    sent_at text,
    provider_id text,
    error text,
    created_at text not null,
    updated_at text not null,
    unique (sequence_id, contact_id, step_index)
);
create index sequence_messages_due on sequence_messages (status, scheduled_for);
create index sequence_messages_by_status on sequence_messages (sequence_id, status, step_index);
create index sequence_messages_list on sequence_messages (sequence_id, created_at desc, message_id desc);
create index sequence_messages_contact on sequence_messages (workspace_id, contact_id, status);

-- What sandbox senders "sent": the full message, for the console to show.
create table sandbox_outbox (
    message_id text primary key,
    workspace_id text not null references workspaces (id),
    connector_id text not null references connectors (id),
    sequence_id text not null references email_sequences (id),
    contact_id text not null,
    step_index integer not null,
    to_address text not null,
    subject text not null,
    raw text not null,
    created_at text not null
);
create index sandbox_outbox_list on sandbox_outbox (workspace_id, created_at desc, message_id desc);

-- Messages handed to each sender per UTC day, for its daily cap.
create table sender_days (
    connector_id text not null references connectors (id),
    day text not null,
    sent integer not null,
    primary key (connector_id, day)
);

-- Events (API, inbound mail, unsubscribe links); the client's id makes a retry count once.
create table events (
    id text primary key,
    workspace_id text not null references workspaces (id),
    client_id text not null,
    kind text not null check (kind in ('conversion', 'reply', 'bounce', 'unsubscribe')),
    contact_id text references contacts (id) on delete set null,
    campaign_id text references campaigns (id),
    sequence_id text references email_sequences (id),
    source text not null check (source in ('api', 'inbound_email', 'unsubscribe_link')),
    occurred_at text not null,
    value_cents integer not null default 0,
    created_at text not null
);
create unique index events_client on events (workspace_id, client_id);
create index events_contact on events (workspace_id, contact_id, occurred_at desc);

-- Per-campaign counters by UTC day, kept as events arrive so rollups never scan events.
create table campaign_days (
    campaign_id text not null references campaigns (id),
    workspace_id text not null references workspaces (id),
    day text not null,
    sends integer not null default 0,
    replies integer not null default 0,
    conversions integer not null default 0,
    conversion_value_cents integer not null default 0,
    spend_cents integer not null default 0,
    impressions integer not null default 0,
    clicks integer not null default 0,
    primary key (campaign_id, day)
);
create index campaign_days_workspace on campaign_days (workspace_id, day);
