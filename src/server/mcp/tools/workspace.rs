//! Reading the workspace (campaigns, their results, segments, brands, connectors, what waits
//! for approval) and recording outside events.

use rmcp::model::CallToolResult;
use rmcp::{tool, tool_router};

use super::super::Tenex;
use super::super::answer::Answer;
use super::super::args::{self, ApprovalList, CampaignList, CampaignMetrics, CampaignRef, Paging};
use super::super::call::{Call, schema};
use crate::domain::Error;
use crate::domain::event::EventInput;
use crate::domain::ids::CampaignId;
use crate::domain::rollup::RangeInput;
use crate::server::api::approvals::ApprovalJson;
use crate::server::api::brands::BrandJson;
use crate::server::api::campaigns::CampaignJson;
use crate::server::api::connectors::ConnectorJson;
use crate::server::api::events::EventJson;
use crate::server::api::list::ListJson;
use crate::server::api::rollups::RollupSeriesJson;
use crate::server::api::segments::SegmentJson;
use crate::server::services::{
    approvals, brands, campaigns, connectors, events, rollups, segments,
};

fn more(next: &Option<String>) -> String {
    match next {
        Some(cursor) => format!(" More: pass cursor \"{cursor}\"."),
        None => String::new(),
    }
}

#[tool_router(router = workspace_tools, vis = "pub(in crate::server::mcp)")]
impl Tenex {
    #[tool(
        description = "Lists campaigns across email, ads and blog, newest first, with their status, \
                       artifact id and counters. Filters: channel, status, segment_id, brand_id, \
                       created_after/created_before; paging with limit and cursor. Changes nothing.",
        input_schema = schema::<CampaignList>(),
        annotations(title = "List campaigns", read_only_hint = true, open_world_hint = false)
    )]
    async fn list_campaigns(&self, call: Call<CampaignList>) -> CallToolResult {
        self.answer(async {
            let (actor, q) = call.parts()?;
            let (filter, page) = Error::both(q.filter.parse(), q.paging.parse())?;
            let list = ListJson::from_page(
                campaigns::list(&self.ctx, &actor, &filter, &page).await?,
                CampaignJson::from,
            );
            let summary = format!(
                "{} campaign(s).{}",
                list.items.len(),
                more(&list.next_cursor)
            );
            Answer::new(summary, list)
        })
        .await
    }

    #[tool(
        description = "One campaign by campaign_id (`cmp_…`): channel, status, the id of its sequence, \
                       ad campaign or draft, and its counters. Changes nothing.",
        input_schema = schema::<CampaignRef>(),
        annotations(title = "Get a campaign", read_only_hint = true, open_world_hint = false)
    )]
    async fn get_campaign(&self, call: Call<CampaignRef>) -> CallToolResult {
        self.answer(async {
            let (actor, a) = call.parts()?;
            let id: CampaignId = args::id("campaign_id", &a.campaign_id)?;
            let c = CampaignJson::from(campaigns::get(&self.ctx, &actor, &id).await?);
            let summary = format!(
                "{} campaign \"{}\" ({}), {}.",
                c.channel, c.name, c.id, c.status
            );
            Answer::new(summary, c)
        })
        .await
    }

    #[tool(
        description = "A campaign's results by day (sends, deliveries, replies, bounces, unsubscribes, \
                       impressions, clicks, conversions, spend, revenue) with totals and the previous \
                       period's totals. Range: from/to (YYYY-MM-DD, the workspace's time zone) or the \
                       last `days` days (default 30). Changes nothing.",
        input_schema = schema::<CampaignMetrics>(),
        annotations(title = "Campaign metrics", read_only_hint = true, open_world_hint = false)
    )]
    async fn get_campaign_metrics(&self, call: Call<CampaignMetrics>) -> CallToolResult {
        self.answer(async {
            let (actor, a) = call.parts()?;
            let id: CampaignId = args::id("campaign_id", &a.campaign_id)?;
            let range = RangeInput {
                from: a.from,
                to: a.to,
                days: a.days.map(|d| d.to_string()),
            };
            let (campaign, rollup) = rollups::campaign(&self.ctx, &actor, &id, &range).await?;
            let t = &rollup.series.totals;
            let summary = format!(
                "\"{}\" from {} to {}: {} sent, {} replies, {} conversions.",
                campaign.name,
                crate::domain::time::format_date(rollup.series.range.from),
                crate::domain::time::format_date(rollup.series.range.to),
                t.sends,
                t.replies,
                t.conversions
            );
            Answer::new(summary, RollupSeriesJson::from(rollup))
        })
        .await
    }

    #[tool(
        description = "Lists CRM segments (the audiences a sequence or ad campaign targets) with their \
                       live contact counts. Changes nothing.",
        input_schema = schema::<Paging>(),
        annotations(title = "List segments", read_only_hint = true, open_world_hint = false)
    )]
    async fn list_segments(&self, call: Call<Paging>) -> CallToolResult {
        self.answer(async {
            let (actor, p) = call.parts()?;
            let list = ListJson::from_page(
                segments::list(&self.ctx, &actor, &p.parse()?).await?,
                SegmentJson::from,
            );
            let summary = format!(
                "{} segment(s).{}",
                list.items.len(),
                more(&list.next_cursor)
            );
            Answer::new(summary, list)
        })
        .await
    }

    #[tool(
        description = "Lists brands: voice, USPs, audiences and the phrases the brand never says \
                       (generated copy avoids them). Changes nothing.",
        input_schema = schema::<Paging>(),
        annotations(title = "List brands", read_only_hint = true, open_world_hint = false)
    )]
    async fn list_brands(&self, call: Call<Paging>) -> CallToolResult {
        self.answer(async {
            let (actor, p) = call.parts()?;
            let list = ListJson::from_page(
                brands::list(&self.ctx, &actor, &p.parse()?).await?,
                BrandJson::from,
            );
            let summary = format!("{} brand(s).{}", list.items.len(), more(&list.next_cursor));
            Answer::new(summary, list)
        })
        .await
    }

    #[tool(
        description = "Lists connectors (email senders, ad accounts, CMSes, sandboxes) with their kind, \
                       roles and health; secrets are never shown. Changes nothing.",
        input_schema = schema::<Paging>(),
        annotations(title = "List connectors", read_only_hint = true, open_world_hint = false)
    )]
    async fn list_connectors(&self, call: Call<Paging>) -> CallToolResult {
        self.answer(async {
            let (actor, p) = call.parts()?;
            let list = ListJson::from_page(
                connectors::list(&self.ctx, &actor, &p.parse()?).await?,
                ConnectorJson::from,
            );
            let summary = format!(
                "{} connector(s).{}",
                list.items.len(),
                more(&list.next_cursor)
            );
            Answer::new(summary, list)
        })
        .await
    }

    #[tool(
        description = "Lists approval requests across channels, newest first: status `pending` is what \
                       waits for a person; each names the console page (console_path) where a human \
                       decides. Changes nothing.",
        input_schema = schema::<ApprovalList>(),
        annotations(title = "List approvals", read_only_hint = true, open_world_hint = false)
    )]
    async fn list_approvals(&self, call: Call<ApprovalList>) -> CallToolResult {
        self.answer(async {
            let (actor, q) = call.parts()?;
            let (filter, page) = Error::both(q.filter.parse(), q.paging.parse())?;
            let list = ListJson::from_page(
                approvals::list(&self.ctx, &actor, &filter, &page).await?,
                ApprovalJson::from,
            );
            let summary = format!(
                "{} approval request(s).{}",
                list.items.len(),
                more(&list.next_cursor)
            );
            Answer::new(summary, list)
        })
        .await
    }

    #[tool(
        description = "Records an outside event for a contact: a `conversion` (with value_usd), a `reply`, \
                       a `bounce` or an `unsubscribe`. Counts toward the campaign named (or the \
                       contact's latest campaign touch); a reply, bounce or unsubscribe stops that \
                       contact's email sequences. Pass your own `id` so a retry counts once. No \
                       approval needed.",
        input_schema = schema::<EventInput>(),
        annotations(title = "Record an event", read_only_hint = false, destructive_hint = true,
                    idempotent_hint = false, open_world_hint = false)
    )]
    async fn record_event(&self, call: Call<EventInput>) -> CallToolResult {
        self.answer(async {
            let (actor, input) = call.parts()?;
            let recorded = events::record(&self.ctx, &actor, &input).await?;
            let duplicate = recorded.duplicate;
            let event = EventJson::of(recorded.event, duplicate);
            let summary = if duplicate {
                format!("Already recorded as {}; counted once.", event.id)
            } else {
                format!("Recorded {} {}.", event.kind, event.id)
            };
            Answer::new(summary, event)
        })
        .await
    }
}
