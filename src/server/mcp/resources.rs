//! What an agent can read without calling a tool: the newest campaigns and the requests
//! waiting for a person.

use rmcp::model::{
    ListResourcesResult, ReadResourceResponse, ReadResourceResult, Resource, ResourceContents,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer};

use super::Tenex;
use crate::domain::Error;
use crate::domain::actor::Actor;
use crate::domain::approval::ApprovalFilterInput;
use crate::domain::campaign::CampaignFilterInput;
use crate::domain::pagination::PageRequest;
use crate::server::api::approvals::ApprovalJson;
use crate::server::api::campaigns::CampaignJson;
use crate::server::api::list::ListJson;
use crate::server::errors::problem_for;
use crate::server::services::{approvals, campaigns};

const RECENT_CAMPAIGNS: &str = "tenex://campaigns/recent";
const PENDING_APPROVALS: &str = "tenex://approvals/pending";
/// How many rows a resource shows.
const ROWS: u32 = 20;

/// The resources.
pub fn list() -> ListResourcesResult {
    ListResourcesResult::with_all_items(vec![
        Resource::new(RECENT_CAMPAIGNS, "recent_campaigns")
            .with_title("Recent campaigns")
            .with_description("The 20 newest campaigns across channels, with status and counters")
            .with_mime_type("application/json"),
        Resource::new(PENDING_APPROVALS, "pending_approvals")
            .with_title("Pending approvals")
            .with_description(
                "The 20 newest requests waiting for a human approver, each with its console page",
            )
            .with_mime_type("application/json"),
    ])
}

/// Reads one resource as the calling key sees it.
pub async fn read(
    server: &Tenex,
    uri: &str,
    context: &RequestContext<RoleServer>,
) -> Result<ReadResourceResponse, ErrorData> {
    let actor = super::call::caller(&context.extensions);
    let page = PageRequest {
        limit: ROWS,
        after: None,
    };
    let body = match uri {
        RECENT_CAMPAIGNS => recent_campaigns(server, actor, &page).await,
        PENDING_APPROVALS => pending_approvals(server, actor, &page).await,
        _ => {
            return Err(ErrorData::resource_not_found(
                format!("no resource {uri}; there are {RECENT_CAMPAIGNS} and {PENDING_APPROVALS}"),
                None,
            ));
        }
    }
    .map_err(|e| {
        let internal = matches!(e, Error::Internal(_));
        let problem = problem_for(e);
        let message = format!("{}: {}", problem.code, problem.detail);
        let data = serde_json::to_value(&problem).ok();
        if internal {
            ErrorData::internal_error(message, data)
        } else {
            ErrorData::invalid_request(message, data)
        }
    })?;
    Ok(ReadResourceResult::new(vec![
        ResourceContents::text(body.to_string(), uri).with_mime_type("application/json"),
    ])
    .into())
}

async fn recent_campaigns(
    server: &Tenex,
    actor: Result<Actor, Error>,
    page: &PageRequest,
) -> Result<serde_json::Value, Error> {
    let actor = actor?;
    let filter = CampaignFilterInput::default().parse()?;
    let list = ListJson::from_page(
        campaigns::list(&server.ctx, &actor, &filter, page).await?,
        CampaignJson::from,
    );
    serde_json::to_value(list).map_err(Error::internal)
}

async fn pending_approvals(
    server: &Tenex,
    actor: Result<Actor, Error>,
    page: &PageRequest,
) -> Result<serde_json::Value, Error> {
    let actor = actor?;
    let filter = ApprovalFilterInput {
        status: Some("pending".into()),
        subject_type: None,
    }
    .parse()?;
    let list = ListJson::from_page(
        approvals::list(&server.ctx, &actor, &filter, page).await?,
        ApprovalJson::from,
    );
    serde_json::to_value(list).map_err(Error::internal)
}
