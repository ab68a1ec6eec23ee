-- One job runner and one event record. Background work of every kind (webhook deliveries,
-- connector checks, and the ad launches, publishes and metric syncs to come) is a row here,
-- claimed under a lease by whichever worker is free; the email ledger keeps its own table
-- (it is the duplicate guard) but runs under the same worker host. Outgoing-webhook
-- endpoints name the events they want; the event record queues a delivery job for each.

create table jobs (
    id text primary key,
    workspace_id text not null references workspaces (id),
    kind text not null,
    subject_type text not null,
    subject_id text not null,
    payload text not null,
    status text not null check (status in ('queued', 'running', 'succeeded', 'failed', 'uncertain', 'cancelled')),
    due_at text not null,
    attempts bigint not null default 0,
    max_attempts bigint not null,
    lease_holder text,
    lease_until text,
    last_error text,
    created_at text not null,
    updated_at text not null,
    finished_at text
);
create index jobs_due on jobs (status, due_at);
create index jobs_list on jobs (workspace_id, created_at desc, id desc);
create index jobs_subject on jobs (workspace_id, subject_type, subject_id);

create table webhook_endpoints (
    id text primary key,
    workspace_id text not null references workspaces (id),
    url text not null,
    secret_encrypted text not null,
    enabled bigint not null default 1 check (enabled in (0, 1)),
    created_at text not null,
    updated_at text not null
);
create index webhook_endpoints_by_workspace on webhook_endpoints (workspace_id);

create table webhook_subscriptions (
    endpoint_id text not null references webhook_endpoints (id) on delete cascade,
    event_type text not null,
    primary key (endpoint_id, event_type)
);
