//! Prompts: the outbound campaign walk an agent follows, gate included.

use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{PromptMessage, Role};
use rmcp::{prompt, prompt_router};
use schemars::JsonSchema;
use serde::Deserialize;

use super::Tenex;

/// What the campaign is for, and optionally whom and in whose voice.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct OutboundPlan {
    /// What the campaign should achieve, e.g. "book a demo".
    pub objective: String,
    /// `seg_…` of the audience, when already chosen.
    pub segment_id: Option<String>,
    /// `brd_…` of the brand, when already chosen.
    pub brand_id: Option<String>,
}

#[prompt_router(vis = "pub(in crate::server::mcp)")]
impl Tenex {
    #[prompt(
        name = "plan_outbound_campaign",
        description = "Plan an outbound email campaign: choose the segment and brand, preview the \
                       sequence, review it, and hand it to a human approver"
    )]
    async fn plan_outbound_campaign(
        &self,
        Parameters(plan): Parameters<OutboundPlan>,
    ) -> Vec<PromptMessage> {
        let segment = plan.segment_id.map_or_else(
            || "Call list_segments and pick the segment that fits; say why.".to_owned(),
            |s| format!("Use segment {s}."),
        );
        let brand = plan.brand_id.map_or_else(
            || "Call list_brands and pick the brand (the default one unless the objective says otherwise).".to_owned(),
            |b| format!("Write in the voice of brand {b}."),
        );
        let sender = "Call list_connectors and choose a healthy connector with the email_sender role as sender_connector_id.";
        vec![PromptMessage::new_text(
            Role::User,
            format!(
                "Plan an outbound email campaign whose objective is: {objective}.\n\
                 1. {segment}\n\
                 2. {brand}\n\
                 3. {sender}\n\
                 4. Call preview_email_sequence (segment_id, brand_id, objective, sender_connector_id, \
                 num_emails 3, cadence_days [0, 3, 7] unless the objective calls for another rhythm). \
                 It sends nothing.\n\
                 5. Read the preview: recipients, each step as sample contacts will read it, and every \
                 warning. Fix wording with update_email_sequence_step (pass the version).\n\
                 6. Do not try to approve it yourself. Tell the user the preview_id, the number of \
                 recipients and the warnings, and give them the console link from the answer's next_step: \
                 a person approves there, and only then is anything sent.\n\
                 7. After approval, follow results with get_campaign_metrics.",
                objective = plan.objective
            ),
        )]
    }
}
