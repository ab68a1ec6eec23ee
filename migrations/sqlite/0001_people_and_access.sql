-- Workspaces, people, memberships, API keys, the audit log and stored idempotent responses.
-- Ids are text made by the application; times are fixed-width RFC 3339 UTC text.

create table workspaces (
    id text primary key,
    name text not null,
    -- lowercased by the application: SQLite's lower() folds only ASCII, PostgreSQL's all of Unicode
    name_key text not null,
    created_at text not null
);
create unique index workspaces_name_key on workspaces (name_key);

create table users (
    id text primary key,
    email text not null,
    display_name text not null,
    password_hash text not null,
    created_at text not null
);
create unique index users_email on users (email);

create table memberships (
    workspace_id text not null references workspaces (id),
    user_id text not null references users (id),
    role text not null check (role in ('admin', 'approver', 'marketer', 'viewer')),
    created_at text not null,
    primary key (workspace_id, user_id)
);
create index memberships_user on memberships (user_id);

create table api_keys (
    id text primary key,
    workspace_id text not null references workspaces (id),
    created_by text not null references users (id),
    name text not null,
    prefix text not null,
    secret_hash text not null,
    scopes text not null,
    created_at text not null,
    last_used_at text,
    expires_at text,
    revoked_at text
);
create unique index api_keys_prefix on api_keys (prefix);
create index api_keys_list on api_keys (workspace_id, created_at desc, id desc);

create table audit_log (
    id text primary key,
    workspace_id text not null references workspaces (id),
    actor_type text not null check (actor_type in ('user', 'key')),
    actor_user_id text not null references users (id),
    actor_key_id text references api_keys (id),
    action text not null,
    subject_type text not null,
    subject_id text not null,
    summary text not null,
    created_at text not null
);
create index audit_log_list on audit_log (workspace_id, created_at desc, id desc);

create table idempotency_keys (
    workspace_id text not null references workspaces (id),
    principal text not null,
    idempotency_key text not null,
    request_hash text not null,
    status integer,
    content_type text,
    location text,
    body text,
    created_at text not null,
    primary key (workspace_id, principal, idempotency_key)
);
