-- What was approved is exactly what goes out: each enrollment keeps the recipient's data as
-- the approval saw it, the sequence keeps the sender identity it was approved with, each
-- approval request records the audience it was shown, and a workspace suppression list
-- outlives the contacts it names.

alter table enrollments add column first_name text not null default '';
alter table enrollments add column last_name text not null default '';
alter table enrollments add column company text not null default '';
alter table enrollments add column domain text not null default '';
alter table enrollments add column title text not null default '';

-- The custom fields the sequence's templates use, per enrollment, as they were at approval.
create table enrollment_fields (
    sequence_id text not null references email_sequences (id),
    contact_id text not null references contacts (id) on delete cascade,
    name text not null,
    value text not null,
    primary key (sequence_id, contact_id, name)
);

alter table email_sequences add column from_address text;
alter table email_sequences add column from_name text;

-- What the approver was shown: how many recipients and a digest of their ids and addresses.
alter table approvals add column audience_count bigint;
alter table approvals add column audience_digest text;

-- Addresses never to be mailed again, by normalised address: deleting or re-importing a
-- contact does not clear them.
create table suppressions (
    workspace_id text not null references workspaces (id),
    email text not null,
    reason text not null check (reason in ('unsubscribe', 'hard_bounce', 'complaint', 'manual')),
    note text not null default '',
    created_by_user_id text references users (id),
    created_by_key_id text references api_keys (id),
    created_at text not null,
    primary key (workspace_id, email)
);
create index suppressions_list on suppressions (workspace_id, created_at desc, email desc);

insert into suppressions (workspace_id, email, reason, created_at)
select workspace_id, email, 'unsubscribe', unsubscribed_at from contacts where unsubscribed_at is not null
on conflict do nothing;
insert into suppressions (workspace_id, email, reason, created_at)
select workspace_id, email, 'hard_bounce', bounced_at from contacts where bounced_at is not null
on conflict do nothing;
