-- What an admin decides for the whole workspace. A workspace without a row has the
-- defaults (the application's), at version 0; the first change inserts the row.

create table workspace_settings (
    workspace_id text primary key references workspaces (id),
    daily_budget_cap_cents bigint not null check (daily_budget_cap_cents > 0),
    version bigint not null,
    updated_at text not null
);
