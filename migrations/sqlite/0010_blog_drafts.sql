-- Blog drafts: what a content marketer writes, in Markdown. The slug is unique in the
-- workspace (it becomes the post's address on the CMS).

create table blog_drafts (
    id text primary key,
    workspace_id text not null references workspaces (id),
    campaign_id text references campaigns (id),
    brand_id text references brands (id),
    title text not null,
    slug text not null,
    excerpt text not null,
    -- JSON: ["tag", …]
    tags text not null,
    seo_title text not null,
    seo_description text not null,
    body_markdown text not null,
    status text not null check (status in ('draft', 'pending_approval', 'published')),
    version bigint not null,
    created_at text not null,
    updated_at text not null
);
create unique index blog_drafts_slug on blog_drafts (workspace_id, slug);
create index blog_drafts_list on blog_drafts (workspace_id, created_at desc, id desc);
create index blog_drafts_by_status on blog_drafts (workspace_id, status, created_at desc, id desc);
