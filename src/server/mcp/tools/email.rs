//! Email sequences: preview (which sends nothing), read, edit while pending, the approval
//! gate, and steering a run.

use rmcp::model::CallToolResult;
use rmcp::{tool, tool_router};

use super::super::Tenex;
use super::super::answer::Answer;
use super::super::args::{self, SequenceDecision, SequenceRef, SequenceStepUpdate};
use super::super::call::{Call, schema};
use crate::domain::approval::Decision;
use crate::domain::ids::SequenceId;
use crate::domain::message::RunControl;
use crate::domain::sequence::{PreviewInput, SequenceEdit};
use crate::server::api::email_sequences::{PreviewedJson, SequenceJson};
use crate::server::services::{runs, sequences};

#[tool_router(router = email_tools, vis = "pub(in crate::server::mcp)")]
impl Tenex {
    #[tool(
        description = "Writes an email sequence for a segment in a brand's voice and shows what it would \
                       send: recipients, every step rendered for sample contacts, and warnings. It \
                       SENDS NOTHING: the sequence waits in pending_approval until a human approves it \
                       in the console (or a key holding marketing:approve calls approve_email_sequence \
                       with the returned preview_id).",
        input_schema = schema::<PreviewInput>(),
        annotations(title = "Preview an email sequence", read_only_hint = false,
                    destructive_hint = false, idempotent_hint = false, open_world_hint = true)
    )]
    async fn preview_email_sequence(&self, call: Call<PreviewInput>) -> CallToolResult {
        self.answer(async {
            let (actor, input) = call.parts()?;
            let previewed = sequences::preview(&self.ctx, &actor, &input).await?;
            let id = previewed.sequence.id.to_string();
            let page = self.console(&previewed.approval.console_page());
            let recipients = previewed.preview.recipients;
            let warnings = previewed.preview.warnings.len();
            let mut body = serde_json::to_value(PreviewedJson::from(previewed))
                .map_err(crate::domain::Error::internal)?;
            body["preview_id"] = id.clone().into();
            body["sent"] = 0.into();
            body["next_step"] = format!(
                "A person must approve this sequence before anything is sent: {page}"
            )
            .into();
            let summary = format!(
                "Preview {id}: nothing was sent. It would enroll {recipients} recipient(s) \
                 ({warnings} warning(s)). A human must approve it at {page} before any email goes out; \
                 edit steps with update_email_sequence_step meanwhile."
            );
            Answer::new(summary, body)
        })
        .await
    }

    #[tool(
        description = "One email sequence by sequence_id (`seq_…`): steps, cadence, status, version and \
                       progress counters. Changes nothing.",
        input_schema = schema::<SequenceRef>(),
        annotations(title = "Get an email sequence", read_only_hint = true, open_world_hint = false)
    )]
    async fn get_email_sequence(&self, call: Call<SequenceRef>) -> CallToolResult {
        self.answer(async {
            let (actor, a) = call.parts()?;
            let id: SequenceId = args::id("sequence_id", &a.sequence_id)?;
            let s = SequenceJson::from(sequences::get(&self.ctx, &actor, &id).await?);
            let summary = format!(
                "Sequence {} \"{}\": {}, version {}, {} step(s), {} sent.",
                s.id,
                s.name,
                s.status,
                s.version,
                s.steps.len(),
                s.stats.sent
            );
            Answer::new(summary, s)
        })
        .await
    }

    #[tool(
        description = "Changes one step's subject or body of a sequence still waiting for approval (pass \
                       its current version). The open approval request is withdrawn and a new one \
                       raised for the new text, so a human approves exactly what will be sent. Sends \
                       nothing.",
        input_schema = schema::<SequenceStepUpdate>(),
        annotations(title = "Edit a sequence step", read_only_hint = false,
                    destructive_hint = true, idempotent_hint = true, open_world_hint = false)
    )]
    async fn update_email_sequence_step(&self, call: Call<SequenceStepUpdate>) -> CallToolResult {
        self.answer(async {
            let (actor, a) = call.parts()?;
            let id: SequenceId = args::id("sequence_id", &a.sequence_id)?;
            let version = args::version(a.version)?;
            let edit = SequenceEdit {
                version: Some(version),
                steps: Some(vec![a.step]),
                cadence_days: None,
            };
            let s = SequenceJson::from(sequences::edit(&self.ctx, &actor, &id, version, &edit).await?);
            let summary = format!(
                "Sequence {} is now version {}; it still waits for a human approval. Nothing was sent.",
                s.id, s.version
            );
            Answer::new(summary, s)
        })
        .await
    }

    #[tool(
        description = "Approves a previewed sequence (preview_id from preview_email_sequence): enrolls the \
                       segment's eligible contacts and STARTS SENDING REAL EMAIL to them. Only for keys \
                       holding marketing:approve, which a human admin grants; any other key gets \
                       approval_required and the console page where a person approves. Warnings \
                       must be acknowledged with acknowledge_warnings.",
        input_schema = schema::<SequenceDecision>(),
        annotations(title = "Approve an email sequence", read_only_hint = false,
                    destructive_hint = true, idempotent_hint = true, open_world_hint = true)
    )]
    async fn approve_email_sequence(&self, call: Call<SequenceDecision>) -> CallToolResult {
        self.decide(call, Decision::Approve).await
    }

    #[tool(
        description = "Rejects a previewed sequence (preview_id) with a note; nothing is ever sent from \
                       it. Only for keys holding marketing:approve; any other key gets \
                       approval_required and the console page where a person decides.",
        input_schema = schema::<SequenceDecision>(),
        annotations(title = "Reject an email sequence", read_only_hint = false,
                    destructive_hint = true, idempotent_hint = true, open_world_hint = false)
    )]
    async fn reject_email_sequence(&self, call: Call<SequenceDecision>) -> CallToolResult {
        self.decide(call, Decision::Reject).await
    }

    #[tool(
        description = "Pauses a running sequence before its next message; nothing is lost and it can be \
                       resumed. No approval needed.",
        input_schema = schema::<SequenceRef>(),
        annotations(title = "Pause an email sequence", read_only_hint = false,
                    destructive_hint = false, idempotent_hint = true, open_world_hint = false)
    )]
    async fn pause_email_sequence(&self, call: Call<SequenceRef>) -> CallToolResult {
        self.steer(call, RunControl::Pause).await
    }

    #[tool(
        description = "Resumes a paused sequence: messages that fell due meanwhile are SENT NOW to the \
                       contacts a human already approved. No new approval needed.",
        input_schema = schema::<SequenceRef>(),
        annotations(title = "Resume an email sequence", read_only_hint = false,
                    destructive_hint = false, idempotent_hint = true, open_world_hint = true)
    )]
    async fn resume_email_sequence(&self, call: Call<SequenceRef>) -> CallToolResult {
        self.steer(call, RunControl::Resume).await
    }

    #[tool(
        description = "Cancels a running or paused sequence for good: every message not yet sent is \
                       skipped. Cannot be undone. No approval needed.",
        input_schema = schema::<SequenceRef>(),
        annotations(title = "Cancel an email sequence", read_only_hint = false,
                    destructive_hint = true, idempotent_hint = true, open_world_hint = false)
    )]
    async fn cancel_email_sequence(&self, call: Call<SequenceRef>) -> CallToolResult {
        self.steer(call, RunControl::Cancel).await
    }
}

impl Tenex {
    async fn decide(&self, call: Call<SequenceDecision>, decision: Decision) -> CallToolResult {
        self.answer(async {
            let (actor, a) = call.parts()?;
            let id: SequenceId = args::id("preview_id", &a.preview_id)?;
            let s = SequenceJson::from(
                sequences::decide(&self.ctx, &actor, &id, decision, &a.decision).await?,
            );
            let summary = match decision {
                Decision::Approve => format!(
                    "Approved {}: {} contact(s) enrolled; sending follows the cadence.",
                    s.id, s.stats.enrolled
                ),
                Decision::Reject => format!("Rejected {}; nothing will be sent.", s.id),
            };
            Answer::new(summary, s)
        })
        .await
    }

    async fn steer(&self, call: Call<SequenceRef>, control: RunControl) -> CallToolResult {
        self.answer(async {
            let (actor, a) = call.parts()?;
            let id: SequenceId = args::id("sequence_id", &a.sequence_id)?;
            runs::control(&self.ctx, &actor, &id, control).await?;
            let s = SequenceJson::from(sequences::get(&self.ctx, &actor, &id).await?);
            let summary = format!("Sequence {} is {}.", s.id, s.status);
            Answer::new(summary, s)
        })
        .await
    }
}
