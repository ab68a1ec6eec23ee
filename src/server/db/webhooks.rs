//! Outgoing-webhook endpoints and the events each subscribes to.

use super::{Tx, get_parsed};
use crate::domain::Error;
use crate::domain::ids::{WebhookEndpointId, WorkspaceId};

/// The enabled endpoints of the workspace subscribed to `event_type`.
pub async fn subscribed(
    tx: &mut Tx,
    workspace: &WorkspaceId,
    event_type: &str,
) -> Result<Vec<WebhookEndpointId>, Error> {
    sqlx::query(
        "select e.id from webhook_endpoints e join webhook_subscriptions s on s.endpoint_id = e.id \
         where e.workspace_id = $1 and e.enabled = 1 and s.event_type = $2 order by e.id",
    )
    .bind(workspace.as_str())
    .bind(event_type)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|r| get_parsed(r, "id"))
    .collect()
}
