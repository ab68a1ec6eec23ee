//! Email sequences up to the gate: preview (generate, create, request approval), read,
//! edit while pending, and the approver's decision. Nothing here sends anything.

use serde::{Deserialize, Serialize};

use super::approvals::{self, Request, already_decided};
use super::event_record;
use super::gate::{self, Decided, Gated};
use super::{Context, campaigns};
use crate::domain::Error;
use crate::domain::actor::{Actor, Scope};
use crate::domain::approval::{Approval, ApprovalStatus, Decision, DecisionInput, SubjectType};
use crate::domain::brand::Brand;
use crate::domain::campaign::{ArtifactRef, Campaign, Channel, NewCampaign};
use crate::domain::change::{Action, Change};
use crate::domain::connector::{Connector, ConnectorRole, Health};
use crate::domain::contact::Contact;
use crate::domain::enrollment::{AudienceFingerprint, FingerprintBuilder};
use crate::domain::generate::SequenceBrief;
use crate::domain::ids::{ContactId, SequenceId, WorkspaceId};
use crate::domain::pagination::{Page, PageRequest};
use crate::domain::segment::Segment;
use crate::domain::sequence::{
    BODY_WARN_LEN, EmailSequence, PreviewInput, PreviewReport, SUBJECT_WARN_LEN, Sample,
    SenderIdentity, SequenceEdit, SequenceFilter, SequencePage, SequenceStatus, SequenceView, Step,
    Warning, WarningKind,
};
use crate::domain::template::{STANDARD_VARIABLES, StepTemplates, Variables};
use crate::domain::time::Timestamp;
use crate::server::db::segments::SegmentAudience;
use crate::server::db::{
    Tx, brands, campaigns as campaign_rows, connectors, contacts, enrollments, segments, sequences,
    suppressions, workspaces,
};

/// How many contacts a preview renders the steps for.
pub const SAMPLES: usize = 5;

/// What a preview creates and shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Previewed {
    /// The new sequence, pending approval.
    pub sequence: EmailSequence,
    /// Its campaign.
    pub campaign: Campaign,
    /// The open approval request.
    pub approval: Approval,
    /// Recipients, rendered samples and warnings.
    pub preview: PreviewReport,
}

/// What the sequence is sent to and from, loaded once.
struct Parts {
    segment: Segment,
    brand: Brand,
    sender: Connector,
}

async fn parts_for_request(
    ctx: &Context,
    actor: &Actor,
    segment_id: &crate::domain::ids::SegmentId,
    brand_id: &crate::domain::ids::BrandId,
    sender_id: &crate::domain::ids::ConnectorId,
) -> Result<Parts, Error> {
    let ws = actor.workspace_id();
    let mut errors = Vec::new();
    let segment = segments::get(&ctx.db, ws, segment_id).await?;
    if segment.is_none() {
        errors.push(crate::domain::FieldError::new(
            "segment_id",
            "no such segment in this workspace",
        ));
    }
    let brand = brands::get(&ctx.db, ws, brand_id).await?;
    if brand.is_none() {
        errors.push(crate::domain::FieldError::new(
            "brand_id",
            "no such brand in this workspace",
        ));
    }
    let sender = connectors::get(&ctx.db, ws, sender_id)
        .await?
        .map(|s| s.connector);
    match &sender {
        None => errors.push(crate::domain::FieldError::new(
            "sender_connector_id",
            "no such connector in this workspace",
        )),
        Some(c) if !c.can(ConnectorRole::EmailSender) => {
            errors.push(crate::domain::FieldError::new(
                "sender_connector_id",
                format!(
                    "\"{}\" is a {} connector, which cannot send email",
                    c.name, c.kind
                ),
            ))
        }
        Some(_) => {}
    }
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    Ok(Parts {
        segment: segment.expect("checked"),
        brand: brand.expect("checked"),
        sender: sender.expect("checked"),
    })
}

async fn parts_of(ctx: &Context, actor: &Actor, seq: &EmailSequence) -> Result<Parts, Error> {
    let ws = actor.workspace_id();
    let missing = |what: &str| {
        Error::internal(std::io::Error::other(format!(
            "sequence {} lost its {what}",
            seq.id
        )))
    };
    Ok(Parts {
        segment: segments::get(&ctx.db, ws, &seq.segment_id)
            .await?
            .ok_or_else(|| missing("segment"))?,
        brand: brands::get(&ctx.db, ws, &seq.brand_id)
            .await?
            .ok_or_else(|| missing("brand"))?,
        sender: connectors::get(&ctx.db, ws, &seq.sender_connector_id)
            .await?
            .ok_or_else(|| missing("sender"))?
            .connector,
    })
}

/// Who the mail would come from now: the sender's address and "from name", else the brand.
fn identity(parts: &Parts) -> SenderIdentity {
    SenderIdentity::of(&parts.sender, &parts.brand.name)
}

/// Who would be enrolled now (the segment's contacts minus unsubscribed, bounced and
/// suppressed ones), read once as a stream: the preview's report for `seq` and the
/// audience's fingerprint, holding only counters and a few samples whatever the size.
async fn scan(
    ctx: &Context,
    actor: &Actor,
    seq: &EmailSequence,
    parts: &Parts,
) -> Result<(PreviewReport, AudienceFingerprint), Error> {
    let audience = SegmentAudience::of(&parts.segment)?;
    let mut tally = Tally::new(seq, parts)?;
    segments::for_each_mailable(&ctx.db, actor.workspace_id(), &audience.get(), |c| {
        tally.add(c);
        Ok(())
    })
    .await?;
    tally.finish(seq, parts)
}

/// The fingerprint of who would be enrolled now.
async fn audience_now(
    ctx: &Context,
    actor: &Actor,
    segment: &Segment,
) -> Result<AudienceFingerprint, Error> {
    let audience = SegmentAudience::of(segment)?;
    segments::mailable_fingerprint(&ctx.db, actor.workspace_id(), &audience.get()).await
}

/// Per (step, variable): how many recipients lack a variable a step uses without default.
#[derive(Default)]
struct MissingCounts {
    by_variable: std::collections::BTreeMap<(u32, String), i64>,
    /// Recipients lacking at least one.
    contacts: i64,
}

impl MissingCounts {
    /// Counts `vars`' gaps; true when it has none.
    fn add(&mut self, templates: &StepTemplates, vars: &Variables) -> bool {
        let gaps = templates.missing(vars);
        if gaps.is_empty() {
            return true;
        }
        self.contacts += 1;
        for (step, names) in gaps {
            for n in names {
                *self.by_variable.entry((step, n)).or_default() += 1;
            }
        }
        false
    }
}

/// The newest few contacts offered, newest first (by creation, then id).
struct Newest(Vec<Contact>);

impl Newest {
    fn offer(&mut self, c: Contact) {
        let newer = |a: &Contact, b: &Contact| {
            (a.created_at, a.id.as_str()).cmp(&(b.created_at, b.id.as_str()))
                == std::cmp::Ordering::Greater
        };
        if self.0.len() == SAMPLES && !newer(&c, &self.0[SAMPLES - 1]) {
            return;
        }
        let at = self
            .0
            .iter()
            .position(|kept| newer(&c, kept))
            .unwrap_or(self.0.len());
        self.0.insert(at, c);
        self.0.truncate(SAMPLES);
    }
}

/// What a preview learns from one pass over the audience.
struct Tally {
    templates: StepTemplates,
    sender: String,
    missing: MissingCounts,
    /// The newest recipients with every variable, and with some missing.
    complete: Newest,
    gappy: Newest,
    fingerprint: FingerprintBuilder,
}

/// A warning for each step that says something the brand never says.
fn do_not_say(seq: &EmailSequence, brand: &Brand) -> Vec<Warning> {
    seq.steps
        .iter()
        .filter_map(|step| {
            let hits = brand.forbidden_phrases_in(&format!("{}\n{}", step.subject, step.body));
            (!hits.is_empty()).then(|| Warning {
                kind: WarningKind::DoNotSay,
                message: format!(
                    "Step {} says {}, which {} never says",
                    step.index + 1,
                    hits.iter()
                        .map(|h| format!("\"{h}\""))
                        .collect::<Vec<_>>()
                        .join(", "),
                    brand.name
                ),
                step_index: Some(step.index),
                contacts: None,
            })
        })
        .collect()
}

fn display_name(c: &Contact) -> String {
    let name = format!("{} {}", c.first_name, c.last_name)
        .trim()
        .to_owned();
    if name.is_empty() {
        c.email.to_string()
    } else {
        name
    }
}

fn sample(templates: &StepTemplates, contact: &Contact, sender: &str) -> Result<Sample, Error> {
    let vars = Variables::of(contact, sender);
    let steps = match templates.render_preview(&vars) {
        Ok(steps) => steps,
        // This contact's data breaks a step (e.g. a value too long for the work limit): the
        // preview says so for them instead of failing for everyone.
        Err(reason) => {
            return Ok(Sample {
                contact_id: contact.id.clone(),
                email: contact.email.to_string(),
                name: display_name(contact),
                steps: Vec::new(),
                warnings: vec![Warning {
                    kind: WarningKind::RenderFailed,
                    message: format!("cannot be rendered for {}: {reason}", display_name(contact)),
                    step_index: None,
                    contacts: Some(1),
                }],
            });
        }
    };
    let warnings = templates
        .missing(&vars)
        .into_iter()
        .map(|(step, names)| Warning {
            kind: WarningKind::MissingVariable,
            message: format!(
                "{} has no {} (used without a default in step {})",
                display_name(contact),
                names.join(", "),
                step + 1
            ),
            step_index: Some(step),
            contacts: Some(1),
        })
        .collect();
    Ok(Sample {
        contact_id: contact.id.clone(),
        email: contact.email.to_string(),
        name: display_name(contact),
        steps,
        warnings,
    })
}

impl Tally {
    fn new(seq: &EmailSequence, parts: &Parts) -> Result<Self, Error> {
        Ok(Self {
            templates: StepTemplates::compile(&seq.steps)?,
            sender: identity(parts).from_name,
            missing: MissingCounts::default(),
            complete: Newest(Vec::new()),
            gappy: Newest(Vec::new()),
            fingerprint: FingerprintBuilder::default(),
        })
    }

    /// Takes the next recipient (in contact id order).
    fn add(&mut self, c: Contact) {
        self.fingerprint.push(c.id.as_str(), c.email.as_str());
        let vars = Variables::of(&c, &self.sender);
        if self.missing.add(&self.templates, &vars) {
            self.complete.offer(c);
        } else {
            self.gappy.offer(c);
        }
    }

    /// Recipients, samples and every warning, for the sequence as it is now, and the
    /// audience's fingerprint.
    fn finish(
        self,
        seq: &EmailSequence,
        parts: &Parts,
    ) -> Result<(PreviewReport, AudienceFingerprint), Error> {
        let Self {
            templates,
            sender,
            missing,
            complete,
            gappy,
            fingerprint,
        } = self;
        let fingerprint = fingerprint.finish();
        let recipients = fingerprint.count;
        let mut warnings = Vec::new();
        if recipients == 0 {
            warnings.push(Warning {
            kind: WarningKind::EmptySegment,
            message: format!(
                "Nobody would receive this: segment \"{}\" has no contact who can be mailed (unsubscribed and bounced contacts are left out).",
                parts.segment.name
            ),
            step_index: None,
            contacts: Some(0),
        });
        }
        match parts.sender.health {
        Health::Healthy => {}
        Health::Failing => warnings.push(Warning {
            kind: WarningKind::SenderUnhealthy,
            message: format!(
                "Sender \"{}\" failed its last connection test: {}",
                parts.sender.name,
                parts.sender.health_detail.as_deref().unwrap_or("no detail")
            ),
            step_index: None,
            contacts: None,
        }),
        Health::Unknown => warnings.push(Warning {
            kind: WarningKind::SenderUnhealthy,
            message: format!(
                "Sender \"{}\" has never been tested; run \"Test connection\" under Settings → Connectors.",
                parts.sender.name
            ),
            step_index: None,
            contacts: None,
        }),
    }
        // Samples: complete contacts first, then the first one with a gap, so the marketer sees
        // both how it reads and where it breaks (newest first within each).
        let (complete, gappy) = (complete.0, gappy.0);
        for ((step, name), count) in missing.by_variable {
            warnings.push(Warning {
            kind: WarningKind::MissingVariable,
            message: format!(
                "{count} of {recipients} recipients have no {name}, which step {} uses without a default",
                step + 1
            ),
            step_index: Some(step),
            contacts: Some(count),
        });
        }
        warnings.extend(do_not_say(seq, &parts.brand));
        let mut chosen: Vec<&Contact> = complete.iter().take(SAMPLES - 1).collect();
        chosen.extend(gappy.first());
        let rest = complete
            .iter()
            .skip(SAMPLES - 1)
            .chain(gappy.iter().skip(1));
        chosen.extend(rest.take(SAMPLES.saturating_sub(chosen.len())));
        let samples = chosen
            .into_iter()
            .map(|c| sample(&templates, c, &sender))
            .collect::<Result<Vec<_>, _>>()?;
        for step in &seq.steps {
            let longest = |f: &dyn Fn(&Step) -> usize| {
                samples
                    .iter()
                    .filter_map(|s| s.steps.get(step.index as usize))
                    .map(f)
                    .max()
                    .unwrap_or(0)
            };
            let subject = longest(&|r| r.subject.chars().count());
            let body = longest(&|r| r.body.chars().count());
            if subject > SUBJECT_WARN_LEN {
                warnings.push(Warning {
                kind: WarningKind::TooLong,
                message: format!(
                    "Step {} has a subject of up to {subject} characters; inboxes cut it after about {SUBJECT_WARN_LEN}",
                    step.index + 1
                ),
                step_index: Some(step.index),
                contacts: None,
            });
            }
            if body > BODY_WARN_LEN {
                warnings.push(Warning {
                kind: WarningKind::TooLong,
                message: format!(
                    "Step {} has a body of up to {body} characters; keep it under {BODY_WARN_LEN} so it reads as a note",
                    step.index + 1
                ),
                step_index: Some(step.index),
                contacts: None,
            });
            }
        }
        Ok((
            PreviewReport {
                recipients,
                steps: seq.steps.clone(),
                samples,
                warnings,
            },
            fingerprint,
        ))
    }
}

/// Generates a sequence for the request, creates it with its campaign (both pending
/// approval) and an approval request, and returns what it would send. Sends nothing.
pub async fn preview(
    ctx: &Context,
    actor: &Actor,
    input: &PreviewInput,
) -> Result<Previewed, Error> {
    // Every permission the whole use case needs, before anything is written.
    actor.require(Scope::MarketingWrite)?;
    actor.require(Scope::MarketingRead)?;
    let request = input.parse()?;
    let parts = parts_for_request(
        ctx,
        actor,
        &request.segment_id,
        &request.brand_id,
        &request.sender_connector_id,
    )
    .await?;
    let brief = SequenceBrief {
        brand: &parts.brand,
        objective: &request.objective,
        cadence_days: &request.cadence_days,
    };
    let drafts = ctx.generator.email_steps(&brief).await?;
    let steps: Vec<Step> = drafts
        .into_iter()
        .zip(&request.cadence_days)
        .enumerate()
        .map(|(i, (d, day))| Step {
            index: i as u32,
            day_offset: *day,
            subject: d.subject,
            body: d.body,
        })
        .collect();
    let now = ctx.now();
    let mut seq = EmailSequence {
        id: SequenceId::generate(),
        campaign_id: crate::domain::ids::CampaignId::generate(),
        name: request.name,
        objective: request.objective,
        segment_id: request.segment_id,
        brand_id: request.brand_id,
        sender_connector_id: request.sender_connector_id,
        steps,
        send_window: request.send_window,
        thread_replies: true,
        status: SequenceStatus::PendingApproval,
        content_hash: String::new(),
        version: 1,
        approved_at: None,
        approved_sender: None,
        paused_reason: None,
        created_at: now,
        updated_at: now,
    };
    seq.content_hash = seq.content_hash(&parts.segment, &identity(&parts));
    let (preview, audience) = scan(ctx, actor, &seq, &parts).await?;

    let mut tx = ctx.db.begin().await?;
    let campaign = campaigns::create_in(
        ctx,
        &mut tx,
        actor,
        NewCampaign {
            name: seq.name.clone(),
            channel: Channel::Email,
            status: SequenceStatus::PendingApproval.campaign_status(),
            segment_id: Some(seq.segment_id.clone()),
            brand_id: Some(seq.brand_id.clone()),
            artifact: Some(ArtifactRef {
                kind: SubjectType::EmailSequence.as_str().to_owned(),
                id: seq.id.to_string(),
            }),
        },
    )
    .await?;
    seq.campaign_id = campaign.id.clone();
    sequences::insert(&mut tx, actor.workspace_id(), &seq).await?;
    event_record::record(
        &mut tx,
        actor.into(),
        &Change::new(
            Action::SequencePreviewed,
            seq.id.to_string(),
            format!(
                "previewed \"{}\": {} emails to {} recipients",
                seq.name,
                seq.steps.len(),
                preview.recipients
            ),
        ),
        now,
    )
    .await?;
    let approval_id =
        approvals::request_in(&mut tx, actor, &request_for(&seq, Some(&audience)), now).await?;
    tx.commit().await?;
    let approval = approvals::get(ctx, actor, &approval_id).await?;
    Ok(Previewed {
        sequence: seq,
        campaign,
        approval,
        preview,
    })
}

fn request_for<'a>(
    seq: &'a EmailSequence,
    audience: Option<&'a AudienceFingerprint>,
) -> Request<'a> {
    Request {
        subject_type: SubjectType::EmailSequence,
        subject_id: seq.id.as_str(),
        subject_name: &seq.name,
        campaign_id: Some(&seq.campaign_id),
        content_hash: &seq.content_hash,
        audience,
    }
}

async fn find(ctx: &Context, actor: &Actor, id: &SequenceId) -> Result<EmailSequence, Error> {
    actor.require(Scope::MarketingRead)?;
    sequences::get(&ctx.db, actor.workspace_id(), id)
        .await?
        .ok_or(Error::NotFound("email sequence"))
}

async fn view(ctx: &Context, sequence: EmailSequence) -> Result<SequenceView, Error> {
    let stats = super::runs::stats(ctx, &[&sequence.id])
        .await?
        .remove(sequence.id.as_str())
        .unwrap_or_default();
    Ok(SequenceView { sequence, stats })
}

/// One sequence with its counters.
pub async fn get(ctx: &Context, actor: &Actor, id: &SequenceId) -> Result<SequenceView, Error> {
    let seq = find(ctx, actor, id).await?;
    view(ctx, seq).await
}

/// Sequences matching the filter, newest first.
pub async fn list(
    ctx: &Context,
    actor: &Actor,
    filter: &SequenceFilter,
    page: &PageRequest,
) -> Result<Page<SequenceView>, Error> {
    actor.require(Scope::MarketingRead)?;
    let rows = Page::from_rows(
        sequences::list(&ctx.db, actor.workspace_id(), filter, page).await?,
        page,
    );
    let ids: Vec<&SequenceId> = rows.items.iter().map(|s| &s.id).collect();
    let stats = super::runs::stats(ctx, &ids).await?;
    Ok(rows.map(|sequence| SequenceView {
        stats: stats.get(sequence.id.as_str()).copied().unwrap_or_default(),
        sequence,
    }))
}

/// The steps rendered for one contact (default: the first recipient), with that contact's
/// warnings; a contact who would not be enrolled is said so.
pub async fn render_for(
    ctx: &Context,
    actor: &Actor,
    id: &SequenceId,
    contact_id: Option<&ContactId>,
) -> Result<Sample, Error> {
    let seq = find(ctx, actor, id).await?;
    let parts = parts_of(ctx, actor, &seq).await?;
    let templates = StepTemplates::compile(&seq.steps)?;
    let sender = identity(&parts).from_name;
    // One contact is rendered per call (the recipient switcher): look up only them, never
    // the whole audience.
    let audience = SegmentAudience::of(&parts.segment)?;
    let ws = actor.workspace_id();
    let contact = match contact_id {
        Some(cid) => contacts::get(&ctx.db, ws, cid)
            .await?
            .ok_or_else(|| Error::invalid("contact_id", "no such contact in this workspace"))?,
        None => segments::first_mailable(&ctx.db, ws, &audience.get())
            .await?
            .ok_or_else(|| {
                Error::invalid(
                    "contact_id",
                    "the segment has no recipient to render for; name a contact",
                )
            })?,
    };
    let in_segment = segments::contains(&ctx.db, ws, &audience.get(), &contact.id).await?;
    let suppressed = suppressions::get(&ctx.db, ws, contact.email.as_str())
        .await?
        .is_some();
    let mut out = sample(&templates, &contact, &sender)?;
    if !in_segment
        || suppressed
        || contact.unsubscribed_at.is_some()
        || contact.bounced_at.is_some()
    {
        let why = if contact.unsubscribed_at.is_some() {
            "has unsubscribed"
        } else if contact.bounced_at.is_some() {
            "bounced before"
        } else if suppressed {
            "is on the suppression list"
        } else {
            "is not in the segment"
        };
        out.warnings.insert(
            0,
            Warning {
                kind: WarningKind::EmptySegment,
                message: format!(
                    "{} {why}, so would not receive this sequence",
                    display_name(&contact)
                ),
                step_index: None,
                contacts: Some(0),
            },
        );
    }
    Ok(out)
}

/// The sequence page: the sequence, its preview as of now, and its approvals. While a
/// request is open, it says whether the audience is still the one the request was shown.
pub async fn page(ctx: &Context, actor: &Actor, id: &SequenceId) -> Result<SequencePage, Error> {
    let seq = find(ctx, actor, id).await?;
    let parts = parts_of(ctx, actor, &seq).await?;
    let (preview, audience) = scan(ctx, actor, &seq, &parts).await?;
    let approvals =
        approvals::history(ctx, actor, SubjectType::EmailSequence, seq.id.as_str()).await?;
    let previewed_recipients = approvals
        .iter()
        .find(|a| a.status == ApprovalStatus::Pending)
        .and_then(|a| a.audience.as_ref())
        .filter(|shown| **shown != audience)
        .map(|shown| shown.count);
    Ok(SequencePage {
        segment_name: parts.segment.name.clone(),
        brand_name: parts.brand.name.clone(),
        sender_name: parts.sender.name.clone(),
        sender_failing: parts.sender.failing_since.map(|since| {
            let reason = parts.sender.health_detail.clone().unwrap_or_default();
            (since, reason)
        }),
        sender: seq
            .approved_sender
            .clone()
            .unwrap_or_else(|| identity(&parts)),
        preview,
        approvals,
        previewed_recipients,
        deciders: workspaces::deciders(&ctx.db, actor.workspace_id()).await?,
        view: view(ctx, seq).await?,
    })
}

/// The audience definition changed under a pending request (the segment's rule was
/// edited, or the sender's identity): the request no longer covers what would be sent, so
/// it is replaced by one for the current content and audience, and the decision is refused.
async fn rerequest(
    ctx: &Context,
    actor: &Actor,
    seq: EmailSequence,
    parts: &Parts,
    hash: String,
) -> Error {
    let now = ctx.now();
    let previous = seq.version;
    let seq = EmailSequence {
        content_hash: hash,
        version: previous + 1,
        updated_at: now,
        ..seq
    };
    let result: Result<(), Error> = async {
        let audience = audience_now(ctx, actor, &parts.segment).await?;
        let mut tx = ctx.db.begin().await?;
        if sequences::update_content(&mut tx, actor.workspace_id(), &seq, previous).await? {
            approvals::request_in(&mut tx, actor, &request_for(&seq, Some(&audience)), now).await?;
            tx.commit().await?;
        }
        Ok(())
    }
    .await;
    match result {
        Err(e) => e,
        Ok(()) => Error::Conflict(
            "the segment's rule or the sender's identity changed after approval was requested; a new request for what would be sent now replaces it: review and decide again".into(),
        ),
    }
}

/// Saves `seq` (content already changed, version bumped from `version`) and replaces the
/// open approval request with one for it, shown with `audience`; audited as `action`.
async fn replace_request(
    ctx: &Context,
    actor: &Actor,
    seq: &EmailSequence,
    version: i64,
    audience: Option<&AudienceFingerprint>,
    action: Action,
    summary: String,
) -> Result<(), Error> {
    let now = seq.updated_at;
    let mut tx = ctx.db.begin().await?;
    if !sequences::update_content(&mut tx, actor.workspace_id(), seq, version).await? {
        drop(tx);
        let now_stored = find(ctx, actor, &seq.id).await?;
        return Err(now_stored
            .check_edit(Some(version))
            .err()
            .unwrap_or_else(|| Error::stale("email sequence", version)));
    }
    event_record::record(
        &mut tx,
        actor.into(),
        &Change::new(action, &seq.id, summary),
        now,
    )
    .await?;
    approvals::request_in(&mut tx, actor, &request_for(seq, audience), now).await?;
    tx.commit().await?;
    Ok(())
}

/// Edits steps or cadence of a pending sequence at `version`. The open approval request is
/// cancelled and a new one raised for the new content (shown with the same audience): an
/// approver always approves exactly what will be sent.
pub async fn edit(
    ctx: &Context,
    actor: &Actor,
    id: &SequenceId,
    version: i64,
    edit: &SequenceEdit,
) -> Result<SequenceView, Error> {
    actor.require(Scope::MarketingWrite)?;
    let current = find(ctx, actor, id).await?;
    current.check_edit(Some(version))?;
    let steps = edit.apply(&current.steps)?;
    StepTemplates::compile(&steps)?;
    let parts = parts_of(ctx, actor, &current).await?;
    let shown = approvals::pending_for(ctx, actor, SubjectType::EmailSequence, id.as_str())
        .await?
        .and_then(|a| a.audience);
    let now = ctx.now();
    let mut seq = EmailSequence {
        steps,
        version: version + 1,
        updated_at: now,
        ..current
    };
    seq.content_hash = seq.content_hash(&parts.segment, &identity(&parts));
    let summary = format!("edited \"{}\" (version {})", seq.name, seq.version);
    replace_request(
        ctx,
        actor,
        &seq,
        version,
        shown.as_ref(),
        Action::SequenceEdited,
        summary,
    )
    .await?;
    view(ctx, seq).await
}

/// Shows a pending sequence to the audience as it is now: the request is replaced by one
/// for the current recipients (and sender identity), under a new version, so a decision
/// made on the old page is refused and the approver reviews what would really be enrolled.
pub async fn refresh_preview(
    ctx: &Context,
    actor: &Actor,
    id: &SequenceId,
    version: Option<i64>,
) -> Result<Previewed, Error> {
    actor.require(Scope::MarketingWrite)?;
    let current = find(ctx, actor, id).await?;
    current.check_edit(version)?;
    let parts = parts_of(ctx, actor, &current).await?;
    let previous = current.version;
    let mut seq = EmailSequence {
        version: previous + 1,
        updated_at: ctx.now(),
        ..current
    };
    seq.content_hash = seq.content_hash(&parts.segment, &identity(&parts));
    let (preview, audience) = scan(ctx, actor, &seq, &parts).await?;
    let summary = format!(
        "refreshed the preview of \"{}\": {} recipients (version {})",
        seq.name, preview.recipients, seq.version
    );
    replace_request(
        ctx,
        actor,
        &seq,
        previous,
        Some(&audience),
        Action::SequencePreviewRefreshed,
        summary,
    )
    .await?;
    let approval = approvals::pending_for(ctx, actor, SubjectType::EmailSequence, id.as_str())
        .await?
        .ok_or_else(|| Error::Conflict("the sequence was decided meanwhile".into()))?;
    let campaign = campaigns::get(ctx, actor, &seq.campaign_id).await?;
    Ok(Previewed {
        sequence: seq,
        campaign,
        approval,
        preview,
    })
}

/// The audience just enrolled must be the one the request was shown.
fn check_audience(
    shown: Option<&AudienceFingerprint>,
    enrolled: &AudienceFingerprint,
) -> Result<(), Error> {
    match shown {
        Some(shown) if shown != enrolled => Err(Error::AudienceChanged {
            previewed: shown.count,
            current: enrolled.count,
        }),
        _ => Ok(()),
    }
}

/// The warnings an approver must acknowledge, found on the data just pinned: recipients
/// lacking a variable used without a default, and do-not-say hits. The pinned data is read
/// only when some step has a variable without a default, since otherwise none can lack one.
async fn check_warnings(
    tx: &mut Tx,
    seq: &EmailSequence,
    parts: &Parts,
    sender: &SenderIdentity,
) -> Result<(), Error> {
    let templates = StepTemplates::compile(&seq.steps)?;
    let mut problems = Vec::new();
    if (0..seq.steps.len()).any(|i| !templates.required(i).is_empty()) {
        let (mut missing, mut enrolled) = (MissingCounts::default(), 0);
        enrollments::for_each_recipient(tx, &seq.id, |r| {
            enrolled += 1;
            missing.add(&templates, &Variables::of_recipient(&r, &sender.from_name));
        })
        .await?;
        if missing.contacts > 0 {
            problems.push(format!(
                "{} of {enrolled} recipients lack a variable used without a default (their mail would fail)",
                missing.contacts
            ));
        }
    }
    let forbidden = do_not_say(seq, &parts.brand).len();
    if forbidden > 0 {
        problems.push(format!(
            "{forbidden} step(s) say something {} never says",
            parts.brand.name
        ));
    }
    if problems.is_empty() {
        return Ok(());
    }
    Err(Error::invalid(
        "acknowledge_warnings",
        format!(
            "this preview has warnings to acknowledge before approving: {}; approve with acknowledge_warnings: true to accept them",
            problems.join("; ")
        ),
    ))
}

/// An email sequence at the approval gate, with what it is sent to and from once loaded.
pub struct SequenceAtGate {
    seq: EmailSequence,
    parts: Option<Parts>,
}

impl SequenceAtGate {
    fn parts(&self) -> Result<&Parts, Error> {
        self.parts.as_ref().ok_or_else(|| {
            Error::internal(std::io::Error::other(
                "the gate decided a sequence before loading what it is sent to",
            ))
        })
    }
}

#[async_trait::async_trait]
impl Gated for SequenceAtGate {
    const SUBJECT: SubjectType = SubjectType::EmailSequence;

    async fn decided(&self, ctx: &Context, decision: Decision) {
        if decision != Decision::Approve {
            return;
        }
        // The run's rows were written a moment ago; on PostgreSQL the planner would read
        // them through the sequence's status index until autovacuum analyses the tables,
        // which made every chunk the worker starts scan the whole run.
        let tables = ["enrollments", "enrollment_fields", "sequence_messages"];
        if let Err(e) = ctx.db.refresh_statistics(&tables).await {
            tracing::warn!(error = %e, sequence = %self.seq.id, "planner statistics not refreshed after approval");
        }
    }

    async fn load(ctx: &Context, actor: &Actor, id: &str) -> Result<Self, Error> {
        let id: SequenceId = id.parse().map_err(|_| Error::NotFound("email sequence"))?;
        let seq = sequences::get(&ctx.db, actor.workspace_id(), &id)
            .await?
            .ok_or(Error::NotFound("email sequence"))?;
        Ok(Self { seq, parts: None })
    }

    fn id(&self) -> &str {
        self.seq.id.as_str()
    }

    fn console_page(&self) -> String {
        EmailSequence::console_page(&self.seq.id)
    }

    fn check_decision(&self, decision: Decision, version: Option<i64>) -> Result<(), Error> {
        self.seq.decide(decision, version).map(|_| ())
    }

    async fn current_hash(&mut self, ctx: &Context, actor: &Actor) -> Result<String, Error> {
        let parts = parts_of(ctx, actor, &self.seq).await?;
        let hash = self.seq.content_hash(&parts.segment, &identity(&parts));
        self.parts = Some(parts);
        Ok(hash)
    }

    async fn rerequest(self, ctx: &Context, actor: &Actor, hash: String) -> Error {
        match self.parts {
            Some(parts) => rerequest(ctx, actor, self.seq, &parts, hash).await,
            None => already_decided(),
        }
    }

    async fn move_in(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        decision: Decision,
        now: Timestamp,
    ) -> Result<bool, Error> {
        let to = self.seq.decide(decision, None)?;
        sequences::set_status(
            tx,
            actor.workspace_id(),
            &self.seq.id,
            Some(self.seq.version),
            SequenceStatus::PendingApproval,
            to,
            now,
        )
        .await
    }

    /// Approving enrolls the segment's mailable contacts as of this moment, pinning their
    /// addresses and data and the sender's identity, and queues the run — only if that
    /// audience is the one the request was shown, and only with its warnings acknowledged.
    async fn apply_in(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        decided: &Decided<'_>,
    ) -> Result<Change, Error> {
        let (seq, parts) = (&self.seq, self.parts()?);
        let (ws, now) = (actor.workspace_id(), decided.at);
        let to = seq.decide(decided.decision, None)?;
        campaign_rows::set_status(tx, ws, &seq.campaign_id, to.campaign_status(), now).await?;
        let (action, summary) = match decided.decision {
            Decision::Approve => {
                let sender = identity(parts);
                let enrolled = enroll_in(tx, ws, seq, parts, &sender, decided).await?;
                (
                    Action::SequenceApproved,
                    format!(
                        "approved \"{}\": {enrolled} recipients enrolled, from {} <{}>{}",
                        seq.name,
                        sender.from_name,
                        sender.from_address,
                        if decided.input.acknowledge_warnings {
                            " (warnings acknowledged)"
                        } else {
                            ""
                        }
                    ),
                )
            }
            Decision::Reject => (
                Action::SequenceRejected,
                format!(
                    "rejected \"{}\": {}",
                    seq.name,
                    decided.note.unwrap_or_default()
                ),
            ),
        };
        Ok(Change::new(action, &seq.id, summary).for_campaign(&seq.campaign_id, now))
    }
}

/// Enrolls the audience with its data pinned, checks it is the audience shown and that the
/// warnings were acknowledged, pins the sender and queues every message; returns how many
/// were enrolled. An error rolls the whole decision back: nothing is enrolled or decided.
/// The audience is compared before anything else is written, from the ids and addresses the
/// enrolling statement itself returns.
async fn enroll_in(
    tx: &mut Tx,
    ws: &WorkspaceId,
    seq: &EmailSequence,
    parts: &Parts,
    sender: &SenderIdentity,
    decided: &Decided<'_>,
) -> Result<i64, Error> {
    let now = decided.at;
    let audience = SegmentAudience::of(&parts.segment)?;
    let enrolled = segments::enroll_mailable(tx, ws, &audience.get(), &seq.id, now).await?;
    check_audience(decided.approval.audience.as_ref(), &enrolled)?;
    let custom: Vec<String> = StepTemplates::compile(&seq.steps)?
        .used()
        .into_iter()
        .filter(|v| !STANDARD_VARIABLES.contains(&v.as_str()))
        .collect();
    enrollments::pin_fields(tx, &seq.id, &custom).await?;
    if !decided.input.acknowledge_warnings {
        check_warnings(tx, seq, parts, sender).await?;
    }
    sequences::pin_sender(tx, &seq.id, sender).await?;
    let queued = super::runs::enqueue_in(tx, seq, sender, now).await?;
    super::runs::complete_if_empty_in(tx, ws, &seq.id, queued, now).await?;
    Ok(enrolled.count)
}

/// The approver's decision on the sequence (at the version the approver was shown, when
/// given), through the gate. Rejecting closes the sequence and its campaign for good.
pub async fn decide(
    ctx: &Context,
    actor: &Actor,
    id: &SequenceId,
    decision: Decision,
    input: &DecisionInput,
) -> Result<SequenceView, Error> {
    let decided: SequenceAtGate =
        gate::decide(ctx, actor, id.as_str(), decision, input, None).await?;
    view(ctx, decided.seq).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::contact::LifecycleStage;
    use crate::domain::user::Email;

    fn contact(n: i64) -> Contact {
        let at = Timestamp::from_unix_seconds(1_700_000_000 + n).unwrap();
        Contact {
            id: ContactId::generate(),
            email: Email::parse("email", &format!("p{n}@x.test")).unwrap(),
            first_name: format!("P{n}"),
            last_name: String::new(),
            company: String::new(),
            domain: String::new(),
            title: String::new(),
            custom_fields: Default::default(),
            lifecycle_stage: LifecycleStage::Lead,
            unsubscribed_at: None,
            bounced_at: None,
            version: 1,
            created_at: at,
            updated_at: at,
            last_activity_at: None,
        }
    }

    #[test]
    fn newest_keeps_the_newest_few_newest_first_whatever_the_order_offered() {
        let mut newest = Newest(Vec::new());
        for n in [3, 9, 1, 7, 12, 5, 11, 2, 10] {
            newest.offer(contact(n));
        }
        let kept: Vec<String> = newest.0.iter().map(|c| c.first_name.clone()).collect();
        assert_eq!(kept, ["P12", "P11", "P10", "P9", "P7"]);
        assert_eq!(SAMPLES, 5);
    }
}
