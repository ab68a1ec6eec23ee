-- Publishing blog drafts. A request to publish names the draft's current version and one
-- CMS connector (kept on the draft while an approver decides; an edit withdraws it); each
-- approved publish is a publish job that sends the post exactly as approved. The CMS item
-- a publish created is reused by the next publish of the same draft to the same connector.

alter table blog_drafts add column publish_connector_id text references connectors (id);
-- the newest version that went live anywhere
alter table blog_drafts add column published_version bigint;

create table publish_jobs (
    id text primary key,
    workspace_id text not null references workspaces (id),
    draft_id text not null references blog_drafts (id),
    connector_id text not null references connectors (id),
    approval_id text not null references approvals (id),
    -- the runner's job: its status, attempts, next try and last error are the publish's
    job_id text not null references jobs (id),
    version bigint not null,
    -- JSON: the post exactly as approved; this is what publishes, never the live draft
    post text not null,
    -- the item an earlier publish of the draft to this connector made (updated, not duplicated)
    earlier_external_id text,
    -- the CMS item, once known, and when its creation was started (before the call, so an
    -- interrupted attempt looks it up instead of creating a second)
    external_id text,
    create_started_at text,
    external_url text,
    -- JSON: the calls made ([{method, path, status, note}]), and what a sandbox received
    calls text not null,
    payload text,
    created_at text not null,
    updated_at text not null
);
-- one publish job per approval: a decision cannot queue the same publish twice
create unique index publish_jobs_approval on publish_jobs (approval_id);
create index publish_jobs_list on publish_jobs (workspace_id, created_at desc, id desc);
create index publish_jobs_by_draft on publish_jobs (workspace_id, draft_id, connector_id, created_at desc);
