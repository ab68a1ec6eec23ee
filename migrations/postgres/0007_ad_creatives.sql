-- Ad creatives: the copy of one ad for one platform, generated as variants and picked,
-- edited and approved in the variant picker. The copy is edited as a whole, so one JSON
-- column; the warnings are the recommended lengths it exceeded when it was last written.

create table ad_creatives (
    id text primary key,
    workspace_id text not null references workspaces (id),
    campaign_id text references campaigns (id),
    brand_id text not null references brands (id),
    platform text not null check (platform in ('google', 'linkedin', 'meta')),
    objective text not null,
    -- JSON: {"headlines", "descriptions", "primary_text", "path1", "path2", "call_to_action", "final_url"}
    copy text not null,
    -- JSON: [{"field", "message"}]
    warnings text not null,
    status text not null check (status in ('draft', 'approved', 'rejected', 'archived')),
    picked bigint not null check (picked in (0, 1)),
    version bigint not null,
    created_at text not null,
    updated_at text not null
);
create index ad_creatives_list on ad_creatives (workspace_id, created_at desc, id desc);
create index ad_creatives_by_status on ad_creatives (workspace_id, status, created_at desc, id desc);
-- The variant picker's set: one brand's variants for one platform and objective.
create index ad_creatives_by_set on ad_creatives (workspace_id, platform, brand_id, objective);
