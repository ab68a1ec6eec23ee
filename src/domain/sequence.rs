//! Email sequences: the steps, their cadence and send window, and the rules for asking for
//! one (a preview) and editing it while it waits at the gate.

use serde::{Deserialize, Serialize};

use super::campaign::CampaignStatus;
use super::error::{Error, Errors, FieldError};
use super::ids::{BrandId, CampaignId, ConnectorId, ContactId, SegmentId, SequenceId};
use super::pagination::{Keyed, Position};
use super::text::{optional_line, optional_text, required_line};
use super::time::Timestamp;
use super::wire::wire_enum;

/// Most steps a sequence may have.
pub const MAX_EMAILS: usize = 10;
/// Longest cadence offset, in days.
pub const MAX_DAY_OFFSET: i64 = 365;
/// Longest subject template, in characters.
pub const MAX_SUBJECT: usize = 300;
/// Longest body template, in characters.
pub const MAX_BODY: usize = 20_000;
/// A rendered subject longer than this is cut off by most inboxes: a warning, not an error.
pub const SUBJECT_WARN_LEN: usize = 78;
/// A rendered body longer than this reads as a newsletter, not a note: a warning.
pub const BODY_WARN_LEN: usize = 2_000;
/// Used when a request names no cadence; the first `num_emails` entries.
pub const DEFAULT_CADENCE: [u32; MAX_EMAILS] = [0, 3, 7, 14, 21, 28, 35, 42, 49, 56];

wire_enum!(
    /// Where a sequence stands.
    SequenceStatus {
        /// Previewed, waiting at the approval gate; editable.
        PendingApproval => "pending_approval",
        /// Approved; the sequencer is sending.
        Active => "active",
        /// Stopped for now by someone.
        Paused => "paused",
        /// Every enrollment finished.
        Completed => "completed",
        /// Stopped for good by someone.
        Cancelled => "cancelled",
        /// An approver said no; nothing was sent.
        Rejected => "rejected",
    }
);

impl SequenceStatus {
    /// The campaign status that follows this one.
    pub fn campaign_status(self) -> CampaignStatus {
        match self {
            Self::PendingApproval => CampaignStatus::PendingApproval,
            Self::Active => CampaignStatus::Active,
            Self::Paused => CampaignStatus::Paused,
            Self::Completed => CampaignStatus::Completed,
            Self::Cancelled => CampaignStatus::Cancelled,
            Self::Rejected => CampaignStatus::Rejected,
        }
    }
}

wire_enum!(
    /// A day of the week, for send windows.
    Weekday {
        /// Monday.
        Mon => "mon",
        /// Tuesday.
        Tue => "tue",
        /// Wednesday.
        Wed => "wed",
        /// Thursday.
        Thu => "thu",
        /// Friday.
        Fri => "fri",
        /// Saturday.
        Sat => "sat",
        /// Sunday.
        Sun => "sun",
    }
);

/// One email of a sequence, as templates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// 0-based position.
    pub index: u32,
    /// Days after approval when it is due.
    pub day_offset: u32,
    /// Subject template.
    pub subject: String,
    /// Plain-text body template.
    pub body: String,
}

/// When mail may go out: these days, from `start_hour` to `end_hour`, in `timezone`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendWindow {
    /// Days of the week mail may go out.
    pub days: Vec<Weekday>,
    /// First hour (0–23) of the window, local time.
    pub start_hour: u8,
    /// Hour (1–24) the window closes, local time; later than `start_hour`.
    pub end_hour: u8,
    /// IANA time zone name, e.g. `Europe/Berlin`.
    pub timezone: String,
}

/// An email sequence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailSequence {
    /// The sequence's id.
    pub id: SequenceId,
    /// Its campaign.
    pub campaign_id: CampaignId,
    /// Display name.
    pub name: String,
    /// What the sequence is for, e.g. "book a demo".
    pub objective: String,
    /// Who it goes to.
    pub segment_id: SegmentId,
    /// Whose voice it speaks in.
    pub brand_id: BrandId,
    /// The email sender connector.
    pub sender_connector_id: ConnectorId,
    /// The emails, in order.
    pub steps: Vec<Step>,
    /// When mail may go out; `None` for any time.
    pub send_window: Option<SendWindow>,
    /// Steps after the first are sent as replies in the first step's thread.
    pub thread_replies: bool,
    /// Status.
    pub status: SequenceStatus,
    /// Why it is paused, when no person paused it (its sender is failing).
    #[serde(default)]
    pub paused_reason: Option<super::campaign::PausedReason>,
    /// Hash of the exact content an approver signs off on.
    pub content_hash: String,
    /// Bumped on every edit.
    pub version: i64,
    /// When it was approved.
    pub approved_at: Option<Timestamp>,
    /// Who the mail comes from, pinned when it was approved (later connector or brand edits
    /// do not change it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_sender: Option<SenderIdentity>,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}

/// Who a sequence's mail comes from: the address and the display name recipients see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SenderIdentity {
    /// The From address.
    pub from_address: String,
    /// The From display name, also `{{ sender_name }}` in templates.
    pub from_name: String,
}

impl SenderIdentity {
    /// The identity a sender connector gives mail of `brand_name`: the connector's "from
    /// name", else the brand's name.
    pub fn of(sender: &super::connector::Connector, brand_name: &str) -> Self {
        let from_name = sender
            .settings
            .get("from_name")
            .map(|n| n.trim())
            .filter(|n| !n.is_empty())
            .unwrap_or(brand_name)
            .to_owned();
        Self {
            from_address: sender.from_address(),
            from_name,
        }
    }
}

impl Keyed for EmailSequence {
    fn position(&self) -> Position {
        Position {
            created_at: self.created_at,
            id: self.id.to_string(),
        }
    }
}

impl EmailSequence {
    /// The day offsets of the steps, in order.
    pub fn cadence_days(&self) -> Vec<u32> {
        self.steps.iter().map(|s| s.day_offset).collect()
    }

    /// SHA-256 (hex) of everything an approver signs off on: the steps with their cadence,
    /// the send window and threading, the audience definition and the sender with the
    /// identity it signs with. Any change to one of them gives another hash, and so needs
    /// another approval.
    #[cfg(feature = "ssr")]
    pub fn content_hash(
        &self,
        audience: &super::segment::Segment,
        sender: &SenderIdentity,
    ) -> String {
        use sha2::{Digest, Sha256};
        // serde_json's maps are sorted by key, so this text is canonical.
        let content = serde_json::json!({
            "steps": self.steps,
            "send_window": self.send_window,
            "thread_replies": self.thread_replies,
            "audience": {"segment_id": audience.id, "kind": audience.kind, "rule": audience.rule},
            "sender_connector_id": self.sender_connector_id,
            "sender": sender,
        });
        hex::encode(Sha256::digest(content.to_string().as_bytes()))
    }

    /// The console page where this sequence is previewed and decided.
    pub fn console_page(id: &SequenceId) -> String {
        format!("/email/sequences/{id}")
    }

    /// Whether its content may be changed at `version` (an edit, a refreshed preview): only
    /// while it waits at the gate, and only by someone who saw the current version.
    pub fn check_edit(&self, version: Option<i64>) -> Result<(), Error> {
        if self.status != SequenceStatus::PendingApproval {
            return Err(Error::Conflict(format!(
                "this sequence is {}, so it can no longer be changed or decided",
                self.status.as_str().replace('_', " ")
            )));
        }
        match version {
            Some(v) if v != self.version => Err(Error::stale("email sequence", v)),
            _ => Ok(()),
        }
    }

    /// The status `decision` moves it to, made by an approver who saw `version` (when
    /// given): only a pending sequence is decided, and only at the version shown.
    pub fn decide(
        &self,
        decision: super::approval::Decision,
        version: Option<i64>,
    ) -> Result<SequenceStatus, Error> {
        use super::approval::Decision;
        if self.status != SequenceStatus::PendingApproval {
            return Err(super::approval::already_decided());
        }
        if let Some(v) = version
            && v != self.version
        {
            return Err(Error::Conflict(format!(
                "this sequence was edited after version {v} (it is now version {}); review the current content and decide again",
                self.version
            )));
        }
        Ok(match decision {
            Decision::Approve => SequenceStatus::Active,
            Decision::Reject => SequenceStatus::Rejected,
        })
    }

    /// The status a run control moves it to, or the conflict that explains why not.
    pub fn control(&self, control: super::message::RunControl) -> Result<SequenceStatus, Error> {
        control.apply(self.status)
    }
}

/// What a start hour must be, said the same way by the API and the console.
pub const START_HOUR_RULE: &str = "must be an hour from 0 to 23";
/// What an end hour must be.
pub const END_HOUR_RULE: &str = "must be an hour from 1 to 24";

/// A validated sequence list filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SequenceFilter {
    /// Only this status.
    pub status: Option<SequenceStatus>,
    /// Only this segment.
    pub segment_id: Option<SegmentId>,
    /// Created at or after.
    pub created_after: Option<Timestamp>,
    /// Created strictly before.
    pub created_before: Option<Timestamp>,
}

/// The sequence list filter as sent in a query string.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SequenceFilterInput {
    /// A sequence status.
    pub status: Option<String>,
    /// `seg_…`.
    pub segment_id: Option<String>,
    /// RFC 3339 or `YYYY-MM-DD`.
    pub created_after: Option<String>,
    /// RFC 3339 or `YYYY-MM-DD` (a date means the start of that day).
    pub created_before: Option<String>,
}

impl SequenceFilterInput {
    /// Validates every filter, naming each bad one; the common ones as campaigns do.
    pub fn parse(&self) -> Result<SequenceFilter, Error> {
        let status = match self
            .status
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => Ok(None),
            Some(s) => s
                .parse::<SequenceStatus>()
                .map(Some)
                .map_err(|m| Error::invalid("status", m)),
        };
        let common = super::campaign::CampaignFilterInput {
            segment_id: self.segment_id.clone(),
            created_after: self.created_after.clone(),
            created_before: self.created_before.clone(),
            ..Default::default()
        }
        .parse();
        let (status, common) = Error::both(status, common)?;
        Ok(SequenceFilter {
            status,
            segment_id: common.segment_id,
            created_after: common.created_after,
            created_before: common.created_before,
        })
    }
}

/// When mail may go out, as a client sent it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema, schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SendWindowInput {
    /// `mon` … `sun` (default Monday to Friday).
    pub days: Option<Vec<String>>,
    /// 0–23 (default 9).
    pub start_hour: Option<i64>,
    /// 1–24, after `start_hour` (default 17).
    pub end_hour: Option<i64>,
    /// IANA time zone, e.g. `Europe/Berlin`.
    pub timezone: Option<String>,
}

/// A preview request as a client sent it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema, schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PreviewInput {
    /// `seg_…`.
    pub segment_id: Option<String>,
    /// `brd_…`.
    pub brand_id: Option<String>,
    /// What the sequence should achieve, e.g. "book a demo".
    pub objective: Option<String>,
    /// `cnr_…` of an email sender (smtp, gmail, outlook or sandbox).
    pub sender_connector_id: Option<String>,
    /// 1–10 (default 3, or the length of `cadence_days`).
    pub num_emails: Option<i64>,
    /// One non-decreasing day offset per email (default `[0, 3, 7]`).
    pub cadence_days: Option<Vec<i64>>,
    /// Display name (default from the objective).
    pub name: Option<String>,
    /// Optional send window.
    pub send_window: Option<SendWindowInput>,
}

/// A validated preview request; the ids are still to be checked against the workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SequenceRequest {
    /// Audience.
    pub segment_id: SegmentId,
    /// Brand.
    pub brand_id: BrandId,
    /// Objective.
    pub objective: String,
    /// Sender.
    pub sender_connector_id: ConnectorId,
    /// Day offset of each email.
    pub cadence_days: Vec<u32>,
    /// Display name.
    pub name: String,
    /// Send window.
    pub send_window: Option<SendWindow>,
}

fn required_id<T: std::str::FromStr<Err = super::ids::BadId>>(
    errors: &mut Errors,
    field: &str,
    value: &Option<String>,
) -> Option<T> {
    match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        None => {
            errors.push(FieldError::new(field, "is required"));
            None
        }
        Some(v) => errors.check(
            v.parse()
                .map_err(|e: super::ids::BadId| FieldError::new(field, e.to_string())),
        ),
    }
}

/// Checks a cadence: `n` entries, each 0–365, never going backwards.
pub fn parse_cadence(field: &str, days: &[i64], n: usize) -> Result<Vec<u32>, FieldError> {
    if days.len() != n {
        return Err(FieldError::new(
            field,
            format!(
                "must have exactly {n} entries, one per email (got {})",
                days.len()
            ),
        ));
    }
    let mut out = Vec::with_capacity(n);
    for (i, &d) in days.iter().enumerate() {
        if !(0..=MAX_DAY_OFFSET).contains(&d) {
            return Err(FieldError::new(
                format!("{field}[{i}]"),
                format!("must be a day offset from 0 to {MAX_DAY_OFFSET}"),
            ));
        }
        if let Some(&prev) = out.last()
            && (d as u32) < prev
        {
            return Err(FieldError::new(
                format!("{field}[{i}]"),
                format!("must not be earlier than the step before it (day {prev})"),
            ));
        }
        out.push(d as u32);
    }
    Ok(out)
}

impl SendWindowInput {
    /// Validates the window, naming fields as `send_window.<name>`.
    pub fn parse(&self, errors: &mut Errors) -> Option<SendWindow> {
        let days = match &self.days {
            None => vec![
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri,
            ],
            Some(list) => {
                let mut days = Vec::new();
                for (i, d) in list.iter().enumerate() {
                    let parsed = d.trim().to_ascii_lowercase().parse::<Weekday>();
                    match parsed {
                        Ok(day) if !days.contains(&day) => days.push(day),
                        Ok(_) => {}
                        Err(m) => errors.push(FieldError::new(format!("send_window.days[{i}]"), m)),
                    }
                }
                if list.is_empty() {
                    errors.push(FieldError::new(
                        "send_window.days",
                        "must name at least one day",
                    ));
                }
                days.sort_by_key(|d| Weekday::ALL.iter().position(|w| w == d));
                days
            }
        };
        let start = match self.start_hour {
            None => Some(9),
            Some(h) if (0..=23).contains(&h) => Some(h as u8),
            Some(_) => {
                errors.push(FieldError::new("send_window.start_hour", START_HOUR_RULE));
                None
            }
        };
        let end = match self.end_hour {
            None => Some(17),
            Some(h) if (1..=24).contains(&h) => Some(h as u8),
            Some(_) => {
                errors.push(FieldError::new("send_window.end_hour", END_HOUR_RULE));
                None
            }
        };
        if let (Some(s), Some(e)) = (start, end)
            && e <= s
        {
            errors.push(FieldError::new(
                "send_window.end_hour",
                "must be later than start_hour",
            ));
        }
        let timezone = match self
            .timezone
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            None => {
                errors.push(FieldError::new(
                    "send_window.timezone",
                    "is required (an IANA name such as Europe/Berlin)",
                ));
                None
            }
            Some(tz) => errors.check(super::time::check_time_zone("send_window.timezone", tz)),
        };
        Some(SendWindow {
            days,
            start_hour: start?,
            end_hour: end?,
            timezone: timezone?,
        })
    }
}

impl PreviewInput {
    /// Validates everything that needs no database, naming every bad field.
    pub fn parse(&self) -> Result<SequenceRequest, Error> {
        let mut errors = Errors::new();
        let segment_id = required_id(&mut errors, "segment_id", &self.segment_id);
        let brand_id = required_id(&mut errors, "brand_id", &self.brand_id);
        let sender_connector_id = required_id(
            &mut errors,
            "sender_connector_id",
            &self.sender_connector_id,
        );
        let objective = errors.check(required_line(
            "objective",
            self.objective.as_deref().unwrap_or_default(),
            300,
        ));
        let n = match (self.num_emails, &self.cadence_days) {
            (Some(n), _) if !(1..=MAX_EMAILS as i64).contains(&n) => {
                errors.push(FieldError::new(
                    "num_emails",
                    format!("must be from 1 to {MAX_EMAILS}"),
                ));
                None
            }
            (Some(n), _) => Some(n as usize),
            (None, Some(days)) if (1..=MAX_EMAILS).contains(&days.len()) => Some(days.len()),
            (None, Some(_)) => {
                errors.push(FieldError::new(
                    "cadence_days",
                    format!("must have from 1 to {MAX_EMAILS} entries"),
                ));
                None
            }
            (None, None) => Some(3),
        };
        let cadence_days = n.and_then(|n| match &self.cadence_days {
            None => Some(DEFAULT_CADENCE[..n].to_vec()),
            Some(days) => errors.check(parse_cadence("cadence_days", days, n)),
        });
        let name = errors.check(optional_line(
            "name",
            self.name.as_deref().unwrap_or_default(),
            200,
        ));
        let send_window = self.send_window.as_ref().map(|w| w.parse(&mut errors));
        errors.finish()?;
        let objective = objective.unwrap_or_default();
        let name = match name.unwrap_or_default() {
            n if n.is_empty() => default_name(&objective),
            n => n,
        };
        Ok(SequenceRequest {
            segment_id: segment_id.expect("checked"),
            brand_id: brand_id.expect("checked"),
            objective,
            sender_connector_id: sender_connector_id.expect("checked"),
            cadence_days: cadence_days.expect("checked"),
            name,
            send_window: send_window.map(|w| w.expect("checked")),
        })
    }
}

fn default_name(objective: &str) -> String {
    let mut chars = objective.chars();
    let capitalised: String = match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    };
    let name = format!("Email: {capitalised}");
    name.chars().take(200).collect()
}

/// Checks one step's subject and body templates for size and shape (not syntax: the
/// template engine does that on the server).
pub fn check_step_text(index: usize, subject: &str, body: &str) -> Result<(String, String), Error> {
    let mut errors = Errors::new();
    let subject = errors.check(required_line(
        &format!("steps[{index}].subject"),
        subject,
        MAX_SUBJECT,
    ));
    let body = errors.check(optional_text(
        &format!("steps[{index}].body"),
        body,
        MAX_BODY,
    ));
    if let Some(b) = &body
        && b.is_empty()
    {
        errors.push(FieldError::new(
            format!("steps[{index}].body"),
            "must not be empty",
        ));
    }
    errors.finish()?;
    Ok((subject.expect("checked"), body.expect("checked")))
}

/// One step's changes in an edit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema, schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct StepEdit {
    /// Which step (0-based).
    pub index: i64,
    /// New subject template, if changing.
    pub subject: Option<String>,
    /// New body template, if changing.
    pub body: Option<String>,
}

/// An edit of a pending sequence.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema, schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SequenceEdit {
    /// The version being edited (or `If-Match`).
    pub version: Option<i64>,
    /// Steps to change, by index.
    pub steps: Option<Vec<StepEdit>>,
    /// A new cadence, one entry per step.
    pub cadence_days: Option<Vec<i64>>,
}

impl SequenceEdit {
    /// The steps after this edit, or every bad field named.
    pub fn apply(&self, current: &[Step]) -> Result<Vec<Step>, Error> {
        let mut steps = current.to_vec();
        let mut errors = Errors::new();
        if self.steps.is_none() && self.cadence_days.is_none() {
            return Err(Error::invalid(
                "steps",
                "nothing to change: send steps or cadence_days",
            ));
        }
        for (i, edit) in self.steps.iter().flatten().enumerate() {
            let Some(step) = usize::try_from(edit.index)
                .ok()
                .and_then(|ix| steps.get_mut(ix))
            else {
                errors.push(FieldError::new(
                    format!("steps[{i}].index"),
                    format!(
                        "no step {} (this sequence has {})",
                        edit.index,
                        current.len()
                    ),
                ));
                continue;
            };
            let subject = edit.subject.as_deref().unwrap_or(&step.subject).to_owned();
            let body = edit.body.as_deref().unwrap_or(&step.body).to_owned();
            match check_step_text(step.index as usize, &subject, &body) {
                Ok((s, b)) => {
                    step.subject = s;
                    step.body = b;
                }
                Err(Error::Invalid(fields)) => fields.into_iter().for_each(|f| errors.push(f)),
                Err(other) => return Err(other),
            }
        }
        if let Some(days) = &self.cadence_days
            && let Some(days) = errors.check(parse_cadence("cadence_days", days, current.len()))
        {
            for (step, day) in steps.iter_mut().zip(days) {
                step.day_offset = day;
            }
        }
        errors.finish()?;
        Ok(steps)
    }
}

wire_enum!(
    /// What a preview warning is about.
    WarningKind {
        /// Contacts lack a variable that has no default.
        MissingVariable => "missing_variable",
        /// A step contains a phrase the brand never says.
        DoNotSay => "do_not_say",
        /// Nobody would be enrolled.
        EmptySegment => "empty_segment",
        /// The sender connector's last test failed or it was never tested.
        SenderUnhealthy => "sender_unhealthy",
        /// A step is longer than reads well.
        TooLong => "too_long",
        /// A step cannot be rendered for a contact's data.
        RenderFailed => "render_failed",
    }
);

impl WarningKind {
    /// Whether approving despite this warning needs the approver's explicit
    /// acknowledgement: mail that would fail for some recipients, or say what the brand
    /// never says.
    pub fn needs_acknowledgement(self) -> bool {
        matches!(self, Self::MissingVariable | Self::DoNotSay)
    }
}

/// Something the marketer and the approver should see before approving.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    /// What it is about.
    pub kind: WarningKind,
    /// In words.
    pub message: String,
    /// The step it concerns.
    pub step_index: Option<u32>,
    /// How many contacts it concerns.
    pub contacts: Option<i64>,
}

/// The steps rendered for one contact, with that contact's warnings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sample {
    /// The contact.
    pub contact_id: ContactId,
    /// Their address.
    pub email: String,
    /// Their name, for the switcher.
    pub name: String,
    /// Every step, rendered (the same shape as the templates, filled in).
    pub steps: Vec<Step>,
    /// What is wrong for this contact (e.g. a missing variable).
    pub warnings: Vec<Warning>,
}

/// What a preview shows: who would get it, what they would read, and what to look at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewReport {
    /// Contacts who would be enrolled (unsubscribed, bounced and duplicates removed).
    pub recipients: i64,
    /// The templates.
    pub steps: Vec<Step>,
    /// Steps rendered for real contacts.
    pub samples: Vec<Sample>,
    /// Warnings across the whole audience.
    pub warnings: Vec<Warning>,
}

/// Progress counters of a sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SequenceStats {
    /// Contacts enrolled at approval.
    pub enrolled: i64,
    /// Messages the provider accepted.
    pub sent: i64,
    /// Enrollments ended by a reply.
    pub replied: i64,
    /// Enrollments ended by an unsubscribe.
    pub unsubscribed: i64,
    /// Enrollments ended by a bounce.
    pub bounced: i64,
    /// Messages that failed for good.
    pub failed: i64,
    /// Messages whose outcome is unknown, waiting for a person.
    pub uncertain: i64,
    /// Messages still to send.
    pub scheduled: i64,
}

/// A sequence with its counters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SequenceView {
    /// The sequence.
    pub sequence: EmailSequence,
    /// Its counters.
    pub stats: SequenceStats,
}

/// Everything the sequence page shows: the sequence, its preview as of now, the open
/// request and the history of decisions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SequencePage {
    /// The sequence and counters.
    pub view: SequenceView,
    /// Recipients, samples and warnings, computed now.
    pub preview: PreviewReport,
    /// Its segment's name.
    pub segment_name: String,
    /// Its brand's name.
    pub brand_name: String,
    /// Its sender's name.
    pub sender_name: String,
    /// Since when, and why, its sender cannot work (sending through it is held).
    pub sender_failing: Option<(Timestamp, String)>,
    /// Who the mail comes from: as approved, or as it would be approved now.
    pub sender: SenderIdentity,
    /// Every approval request, newest first.
    pub approvals: Vec<super::approval::Approval>,
    /// When the open request was shown another audience than the one now: how many
    /// recipients it showed (the page offers to refresh the preview).
    pub previewed_recipients: Option<i64>,
    /// Who may decide here ("Name <email>" of approvers and admins).
    pub deciders: Vec<String>,
}

#[cfg(test)]
mod tests {

    fn pending_at(version: i64) -> EmailSequence {
        let at = Timestamp::from_unix_seconds(1_700_000_000).unwrap();
        EmailSequence {
            id: SequenceId::generate(),
            campaign_id: CampaignId::generate(),
            name: "Demo".into(),
            brand_id: BrandId::generate(),
            segment_id: SegmentId::generate(),
            sender_connector_id: ConnectorId::generate(),
            objective: "book a demo".into(),
            steps: Vec::new(),
            send_window: None,
            thread_replies: true,
            status: SequenceStatus::PendingApproval,
            content_hash: String::new(),
            version,
            approved_at: None,
            approved_sender: None,
            paused_reason: None,
            created_at: at,
            updated_at: at,
        }
    }

    #[test]
    fn only_a_pending_sequence_at_the_version_shown_is_decided() {
        use crate::domain::approval::Decision;
        let seq = pending_at(3);
        assert_eq!(
            seq.decide(Decision::Approve, Some(3)).unwrap(),
            SequenceStatus::Active
        );
        assert_eq!(
            seq.decide(Decision::Reject, None).unwrap(),
            SequenceStatus::Rejected
        );
        let stale = seq.decide(Decision::Approve, Some(2)).unwrap_err();
        assert!(
            stale
                .to_string()
                .contains("edited after version 2 (it is now version 3)"),
            "{stale}"
        );
        let done = EmailSequence {
            status: SequenceStatus::Active,
            ..pending_at(3)
        };
        assert!(
            done.decide(Decision::Approve, Some(3))
                .unwrap_err()
                .to_string()
                .contains("already been decided")
        );
    }

    #[test]
    fn only_a_pending_sequence_at_its_current_version_is_edited() {
        let seq = pending_at(2);
        assert!(seq.check_edit(Some(2)).is_ok());
        assert!(seq.check_edit(None).is_ok());
        assert!(
            seq.check_edit(Some(1))
                .unwrap_err()
                .to_string()
                .contains("changed since version 1")
        );
        let running = EmailSequence {
            status: SequenceStatus::Active,
            ..pending_at(2)
        };
        assert!(
            running
                .check_edit(Some(2))
                .unwrap_err()
                .to_string()
                .contains("is active, so it can no longer be changed")
        );
    }

    #[test]
    fn run_controls_follow_the_status() {
        use crate::domain::message::RunControl;
        let active = EmailSequence {
            status: SequenceStatus::Active,
            ..pending_at(1)
        };
        assert_eq!(
            active.control(RunControl::Pause).unwrap(),
            SequenceStatus::Paused
        );
        assert_eq!(
            active.control(RunControl::Cancel).unwrap(),
            SequenceStatus::Cancelled
        );
        assert!(active.control(RunControl::Resume).is_err());
        assert!(
            pending_at(1).control(RunControl::Pause).is_err(),
            "pending is decided, not paused"
        );
    }
    use super::*;

    fn ids() -> (String, String, String) {
        (
            "seg_01jd0000000000000000000000".into(),
            "brd_01jd0000000000000000000000".into(),
            "cnr_01jd0000000000000000000000".into(),
        )
    }

    fn input() -> PreviewInput {
        let (s, b, c) = ids();
        PreviewInput {
            segment_id: Some(s),
            brand_id: Some(b),
            sender_connector_id: Some(c),
            objective: Some("book a demo".into()),
            ..Default::default()
        }
    }

    fn fields(e: Error) -> Vec<String> {
        match e {
            Error::Invalid(f) => f.into_iter().map(|f| f.field).collect(),
            other => panic!("expected invalid, got {other:?}"),
        }
    }

    #[test]
    fn defaults_are_three_emails_on_days_0_3_7() {
        let r = input().parse().unwrap();
        assert_eq!(r.cadence_days, [0, 3, 7]);
        assert_eq!(r.name, "Email: Book a demo");
        assert!(r.send_window.is_none());
    }

    #[test]
    fn num_emails_and_cadence_must_agree() {
        let mut i = input();
        i.num_emails = Some(2);
        i.cadence_days = Some(vec![0, 3, 7]);
        assert_eq!(fields(i.parse().unwrap_err()), ["cadence_days"]);
        i.num_emails = Some(11);
        assert_eq!(fields(i.parse().unwrap_err()), ["num_emails"]);
        i.num_emails = Some(0);
        assert_eq!(fields(i.parse().unwrap_err()), ["num_emails"]);
        i.num_emails = None;
        i.cadence_days = Some(vec![0, 2]);
        assert_eq!(i.parse().unwrap().cadence_days, [0, 2]);
    }

    #[test]
    fn cadence_never_goes_backwards_or_below_zero() {
        let mut i = input();
        i.cadence_days = Some(vec![0, 5, 3]);
        assert_eq!(fields(i.parse().unwrap_err()), ["cadence_days[2]"]);
        i.cadence_days = Some(vec![-1, 5, 6]);
        assert_eq!(fields(i.parse().unwrap_err()), ["cadence_days[0]"]);
        i.cadence_days = Some(vec![0, 0, 400]);
        assert_eq!(fields(i.parse().unwrap_err()), ["cadence_days[2]"]);
    }

    #[test]
    fn every_missing_or_malformed_field_is_named() {
        let e = PreviewInput {
            segment_id: Some("brd_01jd0000000000000000000000".into()),
            ..Default::default()
        }
        .parse()
        .unwrap_err();
        assert_eq!(
            fields(e),
            ["segment_id", "brand_id", "sender_connector_id", "objective"]
        );
    }

    #[test]
    fn send_windows_check_hours_days_and_zone() {
        let mut i = input();
        i.send_window = Some(SendWindowInput {
            days: Some(vec!["Mon".into(), "funday".into()]),
            start_hour: Some(18),
            end_hour: Some(9),
            timezone: Some("Mars/Olympus".into()),
        });
        assert_eq!(
            fields(i.parse().unwrap_err()),
            [
                "send_window.days[1]",
                "send_window.end_hour",
                "send_window.timezone"
            ]
        );
        i.send_window = Some(SendWindowInput {
            days: Some(vec!["fri".into(), "mon".into()]),
            start_hour: Some(8),
            end_hour: Some(12),
            timezone: Some("Europe/Berlin".into()),
        });
        let w = i.parse().unwrap().send_window.unwrap();
        assert_eq!(w.days, [Weekday::Mon, Weekday::Fri]);
        assert_eq!(w.timezone, "Europe/Berlin");
    }

    fn steps() -> Vec<Step> {
        (0..3)
            .map(|i| Step {
                index: i,
                day_offset: [0, 3, 7][i as usize],
                subject: format!("s{i}"),
                body: format!("b{i}"),
            })
            .collect()
    }

    #[test]
    fn edits_change_only_what_they_name() {
        let edit = SequenceEdit {
            version: None,
            steps: Some(vec![StepEdit {
                index: 1,
                subject: Some("New".into()),
                body: None,
            }]),
            cadence_days: Some(vec![0, 1, 2]),
        };
        let out = edit.apply(&steps()).unwrap();
        assert_eq!(out[1].subject, "New");
        assert_eq!(out[1].body, "b1");
        assert_eq!(
            out.iter().map(|s| s.day_offset).collect::<Vec<_>>(),
            [0, 1, 2]
        );
    }

    #[test]
    fn bad_edits_name_the_step_and_change_nothing() {
        let edit = SequenceEdit {
            version: None,
            steps: Some(vec![
                StepEdit {
                    index: 7,
                    ..Default::default()
                },
                StepEdit {
                    index: 0,
                    subject: Some(" ".into()),
                    body: None,
                },
            ]),
            cadence_days: Some(vec![0, 1]),
        };
        assert_eq!(
            fields(edit.apply(&steps()).unwrap_err()),
            ["steps[0].index", "steps[0].subject", "cadence_days"]
        );
        assert!(SequenceEdit::default().apply(&steps()).is_err());
    }

    #[test]
    fn a_sequence_filter_names_every_bad_field() {
        let e = SequenceFilterInput {
            status: Some("sleeping".into()),
            segment_id: Some("ctc_x".into()),
            created_after: Some("yesterday".into()),
            created_before: None,
        }
        .parse()
        .unwrap_err();
        let Error::Invalid(fields) = e else {
            panic!("{e:?}")
        };
        let named: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(named, ["status", "segment_id", "created_after"]);
        let ok = SequenceFilterInput {
            status: Some(" paused ".into()),
            ..Default::default()
        }
        .parse()
        .unwrap();
        assert_eq!(ok.status, Some(SequenceStatus::Paused));
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn inputs_describe_themselves_to_tool_clients() {
        let schema = serde_json::to_value(schemars::schema_for!(PreviewInput)).unwrap();
        assert_eq!(schema["additionalProperties"], false, "{schema}");
        let segment = schema["properties"]["segment_id"]["description"]
            .as_str()
            .unwrap_or_default();
        assert!(segment.contains("seg_"), "{schema}");
        let edit = serde_json::to_value(schemars::schema_for!(SequenceEdit)).unwrap();
        assert!(edit["properties"]["version"].is_object(), "{edit}");
    }
}
