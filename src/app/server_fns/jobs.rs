//! Settings → Jobs (admins).

use leptos::prelude::*;

use crate::app::error::UiError;
use crate::domain::ids::JobId;
use crate::domain::job::JobRecord;
use crate::domain::pagination::Page;

/// One page of the workspace's background jobs, optionally of one kind and status.
#[server(prefix = "/rpc", endpoint = "list_jobs")]
pub async fn list_jobs(
    kind: Option<String>,
    status: Option<String>,
    cursor: Option<String>,
) -> Result<Page<JobRecord>, UiError> {
    use crate::domain::Error;
    use crate::domain::job::JobFilter;
    use crate::domain::pagination::PageRequest;
    use crate::server::services::jobs;
    let (state, actor) = super::ssr::actor().await?;
    let (filter, page) = Error::both(
        JobFilter::parse(kind.as_deref(), status.as_deref()),
        PageRequest::parse(None, cursor.as_deref()),
    )?;
    Ok(jobs::list(&state.ctx, &actor, &filter, &page).await?)
}

/// Queues a failed job again (where that is safe; the service checks).
#[server(prefix = "/rpc", endpoint = "retry_job")]
pub async fn retry_job(id: JobId) -> Result<JobRecord, UiError> {
    use crate::server::services::jobs;
    let (state, actor) = super::ssr::actor().await?;
    Ok(jobs::retry(&state.ctx, &actor, &id).await?)
}
