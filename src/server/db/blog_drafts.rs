//! Blog drafts.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{
    Conditions, Db, Tx, bind_page, get_parsed, get_time, is_unique_violation, page_clause,
};
use crate::domain::Error;
use crate::domain::blog::{BlogDraft, DraftFilter};
use crate::domain::ids::{ConnectorId, DraftId, WorkspaceId};
use crate::domain::pagination::PageRequest;
use crate::domain::time::Timestamp;

const COLUMNS: &str = "d.id, d.campaign_id, d.brand_id, d.title, d.slug, d.excerpt, d.tags, d.seo_title, \
                       d.seo_description, d.body_markdown, d.status, d.version, d.publish_connector_id, d.published_version, \
                       d.created_at, d.updated_at";

fn optional_id<T: std::str::FromStr>(row: &AnyRow, column: &str) -> Result<Option<T>, Error> {
    match row.try_get::<Option<String>, _>(column)? {
        Some(_) => Ok(Some(get_parsed(row, column)?)),
        None => Ok(None),
    }
}

fn draft(row: &AnyRow) -> Result<BlogDraft, Error> {
    let tags: String = row.try_get("tags")?;
    Ok(BlogDraft {
        id: get_parsed(row, "id")?,
        campaign_id: optional_id(row, "campaign_id")?,
        brand_id: optional_id(row, "brand_id")?,
        title: row.try_get("title")?,
        slug: row.try_get("slug")?,
        excerpt: row.try_get("excerpt")?,
        tags: serde_json::from_str(&tags).map_err(Error::internal)?,
        seo_title: row.try_get("seo_title")?,
        seo_description: row.try_get("seo_description")?,
        body_markdown: row.try_get("body_markdown")?,
        status: get_parsed(row, "status")?,
        version: row.try_get("version")?,
        publish_connector_id: optional_id(row, "publish_connector_id")?,
        published_version: row.try_get("published_version")?,
        created_at: get_time(row, "created_at")?,
        updated_at: get_time(row, "updated_at")?,
    })
}

fn slug_taken(e: sqlx::Error) -> Error {
    if is_unique_violation(&e) {
        Error::invalid("slug", "is taken by another draft in this workspace")
    } else {
        e.into()
    }
}

/// Stores a new draft; 422 naming `slug` when another draft has it.
pub async fn insert(tx: &mut Tx, workspace: &WorkspaceId, d: &BlogDraft) -> Result<(), Error> {
    sqlx::query(
        "insert into blog_drafts (id, workspace_id, campaign_id, brand_id, title, slug, excerpt, tags, seo_title, \
         seo_description, body_markdown, status, version, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(d.id.as_str())
    .bind(workspace.as_str())
    .bind(d.campaign_id.as_ref().map(|c| c.to_string()))
    .bind(d.brand_id.as_ref().map(|b| b.to_string()))
    .bind(&d.title)
    .bind(&d.slug)
    .bind(&d.excerpt)
    .bind(serde_json::to_string(&d.tags).map_err(Error::internal)?)
    .bind(&d.seo_title)
    .bind(&d.seo_description)
    .bind(&d.body_markdown)
    .bind(d.status.as_str())
    .bind(d.version)
    .bind(d.created_at.to_string())
    .bind(d.updated_at.to_string())
    .execute(&mut **tx)
    .await
    .map_err(slug_taken)?;
    Ok(())
}

/// Saves an edit if the draft is still at `expected_version`; false when it is not. The
/// status is not an edit's to change: a publish request and its outcome move it.
pub async fn update(
    tx: &mut Tx,
    workspace: &WorkspaceId,
    d: &BlogDraft,
    expected_version: i64,
) -> Result<bool, Error> {
    let done = sqlx::query(
        "update blog_drafts set title = $1, slug = $2, excerpt = $3, tags = $4, seo_title = $5, seo_description = $6, \
         body_markdown = $7, version = $8, updated_at = $9 \
         where workspace_id = $10 and id = $11 and version = $12",
    )
    .bind(&d.title)
    .bind(&d.slug)
    .bind(&d.excerpt)
    .bind(serde_json::to_string(&d.tags).map_err(Error::internal)?)
    .bind(&d.seo_title)
    .bind(&d.seo_description)
    .bind(&d.body_markdown)
    .bind(d.version)
    .bind(d.updated_at.to_string())
    .bind(workspace.as_str())
    .bind(d.id.as_str())
    .bind(expected_version)
    .execute(&mut **tx)
    .await
    .map_err(slug_taken)?;
    Ok(done.rows_affected() == 1)
}

/// One draft.
pub async fn get(
    db: &Db,
    workspace: &WorkspaceId,
    id: &DraftId,
) -> Result<Option<BlogDraft>, Error> {
    let sql =
        format!("select {COLUMNS} from blog_drafts d where d.workspace_id = $1 and d.id = $2");
    let row = sqlx::query(&sql)
        .bind(workspace.as_str())
        .bind(id.as_str())
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(draft).transpose()
}

/// One draft, read in the caller's transaction.
pub async fn get_in(
    tx: &mut Tx,
    workspace: &WorkspaceId,
    id: &DraftId,
) -> Result<Option<BlogDraft>, Error> {
    let sql =
        format!("select {COLUMNS} from blog_drafts d where d.workspace_id = $1 and d.id = $2");
    let row = sqlx::query(&sql)
        .bind(workspace.as_str())
        .bind(id.as_str())
        .fetch_optional(&mut **tx)
        .await?;
    row.as_ref().map(draft).transpose()
}

/// Whether a draft of the workspace has `slug`.
pub async fn slug_exists(db: &Db, workspace: &WorkspaceId, slug: &str) -> Result<bool, Error> {
    let row = sqlx::query("select 1 from blog_drafts where workspace_id = $1 and slug = $2")
        .bind(workspace.as_str())
        .bind(slug)
        .fetch_optional(db.pool())
        .await?;
    Ok(row.is_some())
}

/// One page of drafts, newest first.
pub async fn list(
    db: &Db,
    workspace: &WorkspaceId,
    filter: &DraftFilter,
    page: &PageRequest,
) -> Result<Vec<BlogDraft>, Error> {
    let mut c = Conditions::default();
    if let Some(s) = filter.status {
        c.add("d.status =", s.as_str().to_owned());
    }
    if let Some(id) = &filter.campaign_id {
        c.add("d.campaign_id =", id.to_string());
    }
    let sql = format!(
        "select {COLUMNS} from blog_drafts d where d.workspace_id = $1{} {}",
        c.sql,
        page_clause("d", c.next_param(), page)
    );
    let query = c.bind(sqlx::query(&sql).bind(workspace.as_str()));
    let rows = bind_page(query, page).fetch_all(db.pool()).await?;
    rows.iter().map(draft).collect()
}

/// Opens a publish request on the draft at `version` for `connector`; false when the draft
/// moved on or a request is already open.
pub async fn request_publish(
    tx: &mut Tx,
    workspace: &WorkspaceId,
    id: &DraftId,
    version: i64,
    connector: &ConnectorId,
    at: Timestamp,
) -> Result<bool, Error> {
    let done = sqlx::query(
        "update blog_drafts set status = 'pending_approval', publish_connector_id = $1, updated_at = $2 \
         where workspace_id = $3 and id = $4 and version = $5 and status <> 'pending_approval'",
    )
    .bind(connector.as_str())
    .bind(at.to_string())
    .bind(workspace.as_str())
    .bind(id.as_str())
    .bind(version)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Closes the draft's open publish request (decided or withdrawn) while it is at
/// `version`: back to published when a version is live, else draft. False when there was
/// no open request at that version.
pub async fn close_request(
    tx: &mut Tx,
    workspace: &WorkspaceId,
    id: &DraftId,
    version: i64,
    at: Timestamp,
) -> Result<bool, Error> {
    let done = sqlx::query(
        "update blog_drafts set status = case when published_version is null then 'draft' else 'published' end, \
         publish_connector_id = null, updated_at = $1 \
         where workspace_id = $2 and id = $3 and version = $4 and status = 'pending_approval'",
    )
    .bind(at.to_string())
    .bind(workspace.as_str())
    .bind(id.as_str())
    .bind(version)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records that `version` went live: the draft is published (unless a new request is open,
/// which keeps it pending). Its version is not bumped: nobody's text changed.
pub async fn mark_published(
    tx: &mut Tx,
    workspace: &WorkspaceId,
    id: &DraftId,
    version: i64,
) -> Result<(), Error> {
    sqlx::query(
        "update blog_drafts set published_version = case when published_version is null or published_version < $1 \
         then $1 else published_version end, \
         status = case when status = 'pending_approval' then status else 'published' end \
         where workspace_id = $2 and id = $3",
    )
    .bind(version)
    .bind(workspace.as_str())
    .bind(id.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(())
}
