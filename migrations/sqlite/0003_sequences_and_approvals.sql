-- Email sequences, the approval gate and the enrollment snapshot taken at approval.

create table email_sequences (
    id text primary key,
    workspace_id text not null references workspaces (id),
    campaign_id text not null references campaigns (id),
    name text not null,
    objective text not null,
    segment_id text not null references segments (id),
    brand_id text not null references brands (id),
    sender_connector_id text not null references connectors (id),
    -- JSON: [{"index", "day_offset", "subject", "body"}]; edited as a whole, so one column.
    steps text not null,
    -- JSON: {"days", "start_hour", "end_hour", "timezone"} or null for any time.
    send_window text,
    thread_replies integer not null check (thread_replies in (0, 1)),
    status text not null check (status in ('pending_approval', 'active', 'paused', 'completed', 'cancelled', 'rejected')),
    content_hash text not null,
    version bigint not null,
    approved_at text,
    created_at text not null,
    updated_at text not null
);
create index email_sequences_list on email_sequences (workspace_id, created_at desc, id desc);
create index email_sequences_by_status on email_sequences (workspace_id, status, created_at desc, id desc);
create index email_sequences_by_segment on email_sequences (workspace_id, segment_id, created_at desc, id desc);

create table approvals (
    id text primary key,
    workspace_id text not null references workspaces (id),
    subject_type text not null check (subject_type in ('email_sequence', 'ad_campaign', 'blog_publish', 'ad_creative')),
    subject_id text not null,
    subject_name text not null,
    campaign_id text references campaigns (id),
    status text not null check (status in ('pending', 'approved', 'rejected', 'cancelled')),
    content_hash text not null,
    requested_by_type text not null check (requested_by_type in ('user', 'key')),
    requested_by_user_id text not null references users (id),
    requested_by_key_id text references api_keys (id),
    decided_by_type text check (decided_by_type in ('user', 'key')),
    decided_by_user_id text references users (id),
    decided_by_key_id text references api_keys (id),
    decided_at text,
    note text,
    created_at text not null
);
create index approvals_list on approvals (workspace_id, created_at desc, id desc);
create index approvals_by_status on approvals (workspace_id, status, created_at desc, id desc);
create index approvals_subject on approvals (workspace_id, subject_type, subject_id, created_at desc);
-- At most one open request per subject: a second one can only exist once the first is decided or cancelled.
create unique index approvals_one_pending on approvals (subject_type, subject_id) where status = 'pending';

create table enrollments (
    sequence_id text not null references email_sequences (id),
    contact_id text not null references contacts (id) on delete cascade,
    workspace_id text not null references workspaces (id),
    email text not null,
    status text not null check (status in ('active', 'replied', 'unsubscribed', 'bounced', 'completed', 'cancelled')),
    enrolled_at text not null,
    ended_at text,
    primary key (sequence_id, contact_id)
);
create unique index enrollments_email on enrollments (sequence_id, email);
create index enrollments_contact on enrollments (contact_id);
