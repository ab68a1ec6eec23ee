//! Ads: copy variants, the launch request through the gate, and controls on a live
//! campaign.

use rmcp::model::CallToolResult;
use rmcp::{tool, tool_router};

use super::super::Tenex;
use super::super::answer::Answer;
use super::super::args::{self, AdCampaignRef, CreativeApprovalRequest, CreativeUpdate};
use super::super::call::{Call, schema};
use crate::domain::ad_campaign::{AdControl, LaunchInput};
use crate::domain::ad_creative::{CreativeEdit, GenerateCreativesInput};
use crate::domain::ids::{AdCampaignId, AdCreativeId};
use crate::server::api::ad_campaigns::AdCampaignJson;
use crate::server::api::ad_creatives::{CreatedCreativesJson, CreativeJson};
use crate::server::api::approvals::ApprovalJson;
use crate::server::services::{ad_campaigns, ad_creatives};

#[tool_router(router = ad_tools, vis = "pub(in crate::server::mcp)")]
impl Tenex {
    #[tool(
        description = "Generates ad copy variants (count 1–10, default 3) for google, linkedin or meta in a \
                       brand's voice, within the platform's limits and free of the brand's forbidden \
                       phrases. They are drafts: nothing runs or spends; a human approves a creative \
                       before it can be launched.",
        input_schema = schema::<GenerateCreativesInput>(),
        annotations(title = "Generate ad creatives", read_only_hint = false,
                    destructive_hint = false, idempotent_hint = false, open_world_hint = true)
    )]
    async fn generate_ad_creatives(&self, call: Call<GenerateCreativesInput>) -> CallToolResult {
        self.answer(async {
            let (actor, input) = call.parts()?;
            let created = CreatedCreativesJson {
                items: ad_creatives::generate(&self.ctx, &actor, &input)
                    .await?
                    .into_iter()
                    .map(CreativeJson::from)
                    .collect(),
            };
            let ids: Vec<&str> = created.items.iter().map(|c| c.id.as_str()).collect();
            let summary = format!(
                "{} draft creative(s): {}. Nothing runs: request_ad_creative_approval asks a person to approve one; then launch_ad_campaign.",
                ids.len(),
                ids.join(", ")
            );
            Answer::new(summary, created)
        })
        .await
    }

    #[tool(
        description = "Edits a creative's copy (lists replaced whole; an empty string clears an optional \
                       field) or picks it; pass its version. Platform limits and the brand's forbidden \
                       phrases are checked. Changed copy of an approved creative needs approving again. \
                       Nothing runs or spends.",
        input_schema = schema::<CreativeUpdate>(),
        annotations(title = "Edit an ad creative", read_only_hint = false,
                    destructive_hint = true, idempotent_hint = true, open_world_hint = false)
    )]
    async fn update_ad_creative(&self, call: Call<CreativeUpdate>) -> CallToolResult {
        self.answer(async {
            let (actor, a) = call.parts()?;
            let id: AdCreativeId = args::id("creative_id", &a.creative_id)?;
            let edit = CreativeEdit {
                version: Some(args::version(a.edit.version)?),
                ..a.edit
            };
            let c = CreativeJson::from(ad_creatives::edit(&self.ctx, &actor, &id, &edit).await?);
            let summary = format!(
                "Creative {} is {} at version {}.",
                c.id, c.status, c.version
            );
            Answer::new(summary, c)
        })
        .await
    }

    #[tool(
        description = "Asks a human approver to approve a creative's copy as it is now (complete copy: a \
                       landing page, within every limit, no forbidden phrase). Only approved creatives \
                       can be launched. Approves nothing itself; asking again for the same copy answers \
                       with the request already open.",
        input_schema = schema::<CreativeApprovalRequest>(),
        annotations(title = "Request a creative's approval", read_only_hint = false,
                    destructive_hint = false, idempotent_hint = true, open_world_hint = false)
    )]
    async fn request_ad_creative_approval(
        &self,
        call: Call<CreativeApprovalRequest>,
    ) -> CallToolResult {
        self.answer(async {
            let (actor, a) = call.parts()?;
            let id: AdCreativeId = args::id("creative_id", &a.creative_id)?;
            let approval =
                ad_creatives::request_approval(&self.ctx, &actor, &id, a.version).await?;
            let page = self.console(&approval.console_page());
            let approval = ApprovalJson::from(approval);
            let summary = format!(
                "Approval request {} for creative {id} waits for a person at {page}.",
                approval.id
            );
            Answer::new(summary, approval)
        })
        .await
    }

    #[tool(
        description = "Requests an ad campaign launch: platform, objective, segment_id, brand_id, \
                       daily_budget_usd (within the workspace's cap), the ad account connector_id and \
                       approved creative_ids (each defaults when the workspace has exactly one fit). \
                       The campaign is created pending_approval: NOTHING reaches the platform and \
                       NOTHING IS SPENT until a human approves it in the console.",
        input_schema = schema::<LaunchInput>(),
        annotations(title = "Request an ad launch", read_only_hint = false,
                    destructive_hint = false, idempotent_hint = false, open_world_hint = false)
    )]
    async fn launch_ad_campaign(&self, call: Call<LaunchInput>) -> CallToolResult {
        self.answer(async {
            let (actor, input) = call.parts()?;
            let input = ad_campaigns::with_defaults(&self.ctx, &actor, &input).await?;
            let view = ad_campaigns::create(&self.ctx, &actor, &input).await?;
            let page = self.console(&crate::domain::ad_campaign::AdCampaign::console_page(&view.ad.id));
            let a = AdCampaignJson::from(view);
            let summary = format!(
                "Ad campaign {} waits for a human approval at {page}; nothing was launched or spent.",
                a.id
            );
            Answer::new(summary, a)
        })
        .await
    }

    #[tool(
        description = "One ad campaign by ad_campaign_id (`adc_…`): status (pending_approval, launching, \
                       active, paused, …), the step in flight, budget, creatives, the platform's ids \
                       and synced metrics. Changes nothing.",
        input_schema = schema::<AdCampaignRef>(),
        annotations(title = "Get an ad campaign", read_only_hint = true, open_world_hint = false)
    )]
    async fn get_ad_campaign(&self, call: Call<AdCampaignRef>) -> CallToolResult {
        self.answer(async {
            let (actor, a) = call.parts()?;
            let id: AdCampaignId = args::id("ad_campaign_id", &a.ad_campaign_id)?;
            let a = AdCampaignJson::from(ad_campaigns::get(&self.ctx, &actor, &id).await?);
            let summary = format!("Ad campaign {} ({}) is {}.", a.id, a.platform, a.status);
            Answer::new(summary, a)
        })
        .await
    }

    #[tool(
        description = "Pauses an active ad campaign on the platform (spend stops). Answers at once with \
                       in_flight \"pause\"; the status turns paused when the platform confirmed. No \
                       approval needed.",
        input_schema = schema::<AdCampaignRef>(),
        annotations(title = "Pause an ad campaign", read_only_hint = false,
                    destructive_hint = false, idempotent_hint = true, open_world_hint = true)
    )]
    async fn pause_ad_campaign(&self, call: Call<AdCampaignRef>) -> CallToolResult {
        self.control(call, AdControl::Pause).await
    }

    #[tool(
        description = "Resumes a paused ad campaign on the platform: SPENDING RESUMES at the budget a human \
                       approved. No new approval needed.",
        input_schema = schema::<AdCampaignRef>(),
        annotations(title = "Resume an ad campaign", read_only_hint = false,
                    destructive_hint = false, idempotent_hint = true, open_world_hint = true)
    )]
    async fn resume_ad_campaign(&self, call: Call<AdCampaignRef>) -> CallToolResult {
        self.control(call, AdControl::Resume).await
    }

    #[tool(
        description = "Cancels an ad campaign for good: a request not yet decided is withdrawn; a launch in \
                       progress stops and removes what it created; a live campaign is removed on the \
                       platform. Cannot be undone. No approval needed.",
        input_schema = schema::<AdCampaignRef>(),
        annotations(title = "Cancel an ad campaign", read_only_hint = false,
                    destructive_hint = true, idempotent_hint = true, open_world_hint = true)
    )]
    async fn cancel_ad_campaign(&self, call: Call<AdCampaignRef>) -> CallToolResult {
        self.control(call, AdControl::Cancel).await
    }
}

impl Tenex {
    async fn control(&self, call: Call<AdCampaignRef>, control: AdControl) -> CallToolResult {
        self.answer(async {
            let (actor, a) = call.parts()?;
            let id: AdCampaignId = args::id("ad_campaign_id", &a.ad_campaign_id)?;
            let view = ad_campaigns::control(&self.ctx, &actor, &id, control).await?;
            let a = AdCampaignJson::from(view);
            let summary = match &a.in_flight {
                Some(step) => format!("Ad campaign {} is {}; {step} is under way.", a.id, a.status),
                None => format!("Ad campaign {} is {}.", a.id, a.status),
            };
            Answer::new(summary, a)
        })
        .await
    }
}
