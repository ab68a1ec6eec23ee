//! The run of an approved sequence: one ledger message per (sequence, contact, step), its
//! states, the controls a person has over a run, and the progress a sequence page shows.

use serde::{Deserialize, Serialize};

use super::error::Error;
use super::ids::ContactId;
use super::pagination::Page;
use super::sequence::SequenceStatus;
use super::time::Timestamp;
use super::wire::wire_enum;

/// The one Message-ID scheme: `<sequence>.<contact>.<step>@<sender's domain>`, so a reply's
/// `In-Reply-To` names the message it answers, and a step can only ever have one id.
pub fn message_id(sequence: &str, contact: &str, step: u32, domain: &str) -> String {
    format!("{sequence}.{contact}{}", message_id_suffix(step, domain))
}

/// What follows `<sequence>.<contact>` in a step's Message-IDs: `.<step>@<domain>`.
pub fn message_id_suffix(step: u32, domain: &str) -> String {
    format!(".{step}@{domain}")
}

/// The domain a sender's Message-IDs end in: its address's, lowercased.
pub fn message_id_domain(from_address: &str) -> String {
    from_address
        .rsplit_once('@')
        .map(|(_, d)| d.to_ascii_lowercase())
        .unwrap_or_else(|| "tenex.invalid".to_owned())
}

/// The domain of a Message-ID made by [`message_id`].
pub fn domain_of(message_id: &str) -> &str {
    message_id.rsplit_once('@').map_or("", |(_, d)| d)
}

wire_enum!(
    /// Where one message of the run stands.
    MessageStatus {
        /// Waiting for its time (or for the step before it).
        Scheduled => "scheduled",
        /// Being handed to the provider right now.
        Sending => "sending",
        /// The provider accepted it.
        Sent => "sent",
        /// The provider refused it for good, or kept failing.
        Failed => "failed",
        /// The worker stopped mid-conversation with the provider: a person decides.
        Uncertain => "uncertain",
        /// Not sent, and never will be (reply, unsubscribe, bounce, cancel, earlier failure).
        Skipped => "skipped",
    }
);

/// One message of a run, as the messages table and the API show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerMessage {
    /// The `Message-ID` it is (or will be) sent with, without angle brackets.
    pub message_id: String,
    /// The recipient.
    pub contact_id: ContactId,
    /// The recipient's address.
    pub email: String,
    /// Which step (0-based).
    pub step_index: u32,
    /// Where it stands.
    pub status: MessageStatus,
    /// When it is (or was) due.
    pub scheduled_for: Timestamp,
    /// When the provider accepted it.
    pub sent_at: Option<Timestamp>,
    /// Attempts made so far.
    pub attempts: u32,
    /// The provider's id for it.
    pub provider_id: Option<String>,
    /// The last failure, or why it was skipped.
    pub error: Option<String>,
    /// When it was queued (at approval).
    pub created_at: Timestamp,
}

impl super::pagination::Keyed for LedgerMessage {
    fn position(&self) -> super::pagination::Position {
        super::pagination::Position {
            created_at: self.created_at,
            id: self.message_id.clone(),
        }
    }
}

/// A person's choice for a message whose outcome is unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UncertainChoice {
    /// It did reach the recipient (e.g. it is in the sender's Sent folder).
    MarkSent,
    /// It did not: queue it again now.
    SendAgain,
}

/// A person's answer for an uncertain message, as sent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema, schemars::JsonSchema))]
pub struct SettleInput {
    /// `mark_sent` (it did reach the recipient) or `send_again` (queue it now).
    pub action: Option<String>,
}

impl SettleInput {
    /// The choice, or a 422 naming `action`.
    pub fn parse(&self) -> Result<UncertainChoice, Error> {
        UncertainChoice::parse(self.action.as_deref())
    }
}

impl UncertainChoice {
    /// Parses the `action` field.
    pub fn parse(action: Option<&str>) -> Result<Self, Error> {
        match action.map(str::trim) {
            Some("mark_sent") => Ok(Self::MarkSent),
            Some("send_again") => Ok(Self::SendAgain),
            Some(other) => Err(Error::invalid(
                "action",
                format!("unknown action `{other}` (expected mark_sent or send_again)"),
            )),
            None => Err(Error::invalid(
                "action",
                "is required: mark_sent or send_again",
            )),
        }
    }
}

wire_enum!(
    /// What a person can do to a running sequence.
    RunControl {
        /// Stop sending until resumed; nothing is lost.
        Pause => "pause",
        /// Carry on; messages that fell due meanwhile go out now.
        Resume => "resume",
        /// Stop for good; every message not yet sent is skipped.
        Cancel => "cancel",
    }
);

impl RunControl {
    /// The status a sequence in `from` moves to, or the conflict that explains why not.
    pub fn apply(self, from: SequenceStatus) -> Result<SequenceStatus, Error> {
        use SequenceStatus::*;
        match (self, from) {
            (Self::Pause, Active) => Ok(Paused),
            (Self::Resume, Paused) => Ok(Active),
            (Self::Cancel, Active | Paused) => Ok(Cancelled),
            (_, status) => Err(Error::Conflict(format!(
                "cannot {} a sequence that is {}",
                self.as_str(),
                status.as_str().replace('_', " ")
            ))),
        }
    }

    /// What the event record calls it.
    pub fn action(self) -> super::change::Action {
        use super::change::Action;
        match self {
            Self::Pause => Action::SequencePaused,
            Self::Resume => Action::SequenceResumed,
            Self::Cancel => Action::SequenceCancelled,
        }
    }
}

/// Messages of one step that fall due at one moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NextSend {
    /// The step.
    pub step_index: u32,
    /// When.
    pub at: Timestamp,
    /// How many messages.
    pub messages: i64,
}

impl NextSend {
    /// `next` (messages in the ledger, soonest first) with the follow-ups still to be queued
    /// (`to_come`, per step) at the moments their steps fall due (`planned`, per later
    /// step), soonest first, at most `limit`. A follow-up is queued with its step's moment,
    /// so the two meet at the same `(step, at)`.
    pub fn with_follow_ups(
        next: Vec<Self>,
        planned: &[(u32, Timestamp)],
        to_come: &[i64],
        limit: usize,
    ) -> Vec<Self> {
        let mut all = next;
        for (step, at) in planned {
            let n = to_come.get(*step as usize).copied().unwrap_or(0);
            if n == 0 {
                continue;
            }
            match all
                .iter_mut()
                .find(|s| s.step_index == *step && s.at == *at)
            {
                Some(same) => same.messages += n,
                None => all.push(Self {
                    step_index: *step,
                    at: *at,
                    messages: n,
                }),
            }
        }
        all.sort_by_key(|a| (a.at, a.step_index));
        all.truncate(limit);
        all
    }
}

/// Per-step counts of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StepProgress {
    /// The step.
    pub step_index: u32,
    /// Accepted by the provider.
    pub sent: i64,
    /// Waiting.
    pub scheduled: i64,
    /// Failed for good.
    pub failed: i64,
    /// Outcome unknown.
    pub uncertain: i64,
    /// Not to be sent.
    pub skipped: i64,
}

/// Per step, the messages not in the ledger yet that a run will queue as the steps before
/// them are sent: a recipient's next step is queued when their current one is sent, so each
/// message still open at step k (waiting, being sent, or uncertain until a person settles
/// it) stands for one more at every later step.
pub fn follow_ups_to_come(steps: usize, counts: &[(u32, MessageStatus, i64)]) -> Vec<i64> {
    let mut open = vec![0; steps];
    for (step, status, n) in counts {
        let still_open = matches!(
            status,
            MessageStatus::Scheduled | MessageStatus::Sending | MessageStatus::Uncertain
        );
        if let Some(slot) = open.get_mut(*step as usize).filter(|_| still_open) {
            *slot += n;
        }
    }
    let mut to_come = vec![0; steps];
    for k in 1..steps {
        to_come[k] = to_come[k - 1] + open[k - 1];
    }
    to_come
}

/// How far a run has got: what the sequence page shows.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RunProgress {
    /// One entry per step.
    pub steps: Vec<StepProgress>,
    /// The next few moments messages fall due.
    pub next_sends: Vec<NextSend>,
}

impl RunProgress {
    /// Builds the per-step table from `(step, status, count)` rows, for `steps` steps; a
    /// step's waiting messages include its follow-ups still to be queued (`to_come`, per
    /// step, from [`follow_ups_to_come`]; empty when the run queues none).
    pub fn from_counts(
        steps: usize,
        counts: &[(u32, MessageStatus, i64)],
        to_come: &[i64],
    ) -> Vec<StepProgress> {
        let mut out: Vec<StepProgress> = (0..steps as u32)
            .map(|step_index| StepProgress {
                step_index,
                ..Default::default()
            })
            .collect();
        for (step, status, n) in counts {
            let Some(row) = out.get_mut(*step as usize) else {
                continue;
            };
            match status {
                MessageStatus::Sent => row.sent += n,
                // A message being sent right now is still, as far as anyone can see, waiting.
                MessageStatus::Scheduled | MessageStatus::Sending => row.scheduled += n,
                MessageStatus::Failed => row.failed += n,
                MessageStatus::Uncertain => row.uncertain += n,
                MessageStatus::Skipped => row.skipped += n,
            }
        }
        for (row, n) in out.iter_mut().zip(to_come) {
            row.scheduled += n;
        }
        out
    }
}

/// The run as the sequence page shows it: per-step progress, next sends, and one page of
/// messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunView {
    /// Per-step counts and next sends.
    pub progress: RunProgress,
    /// One page of messages (filtered as asked).
    pub messages: Page<LedgerMessage>,
}

/// Filters of the messages table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageFilter {
    /// Only this status.
    pub status: Option<MessageStatus>,
    /// Only this step.
    pub step_index: Option<u32>,
}

impl MessageFilter {
    /// Parses `?status=&step=`, naming a bad value.
    pub fn parse(status: Option<&str>, step: Option<&str>) -> Result<Self, Error> {
        let mut errors = super::error::Errors::new();
        let status = match status.filter(|s| !s.is_empty()) {
            Some(s) => errors.check(
                s.parse::<MessageStatus>()
                    .map_err(|e| super::error::FieldError::new("status", e)),
            ),
            None => None,
        };
        let step_index = match step.filter(|s| !s.is_empty()) {
            Some(s) => errors.check(s.parse::<u32>().ok().filter(|n| *n < 10).ok_or_else(|| {
                super::error::FieldError::new("step", "must be a step number from 0 to 9")
            })),
            None => None,
        };
        errors.finish()?;
        Ok(Self { status, step_index })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_move_only_running_sequences() {
        use SequenceStatus::*;
        assert_eq!(RunControl::Pause.apply(Active).unwrap(), Paused);
        assert_eq!(RunControl::Resume.apply(Paused).unwrap(), Active);
        assert_eq!(RunControl::Cancel.apply(Paused).unwrap(), Cancelled);
        assert_eq!(RunControl::Cancel.apply(Active).unwrap(), Cancelled);
        for (control, from) in [
            (RunControl::Pause, Paused),
            (RunControl::Resume, Active),
            (RunControl::Pause, PendingApproval),
            (RunControl::Cancel, Completed),
            (RunControl::Resume, Cancelled),
        ] {
            let err = control.apply(from).unwrap_err();
            assert!(matches!(err, Error::Conflict(_)), "{control:?} {from:?}");
        }
        assert_eq!(
            RunControl::Pause
                .apply(PendingApproval)
                .unwrap_err()
                .to_string(),
            Error::Conflict("cannot pause a sequence that is pending approval".into()).to_string()
        );
    }

    #[test]
    fn uncertain_choices_parse_or_name_the_field() {
        assert_eq!(
            UncertainChoice::parse(Some("mark_sent")).unwrap(),
            UncertainChoice::MarkSent
        );
        assert_eq!(
            UncertainChoice::parse(Some("send_again")).unwrap(),
            UncertainChoice::SendAgain
        );
        assert!(UncertainChoice::parse(Some("resend")).is_err());
        assert!(UncertainChoice::parse(None).is_err());
    }

    #[test]
    fn step_progress_counts_each_status_once() {
        let steps = RunProgress::from_counts(
            2,
            &[
                (0, MessageStatus::Sent, 5),
                (0, MessageStatus::Sending, 1),
                (0, MessageStatus::Scheduled, 2),
                (1, MessageStatus::Skipped, 3),
                (1, MessageStatus::Uncertain, 1),
                (7, MessageStatus::Sent, 9),
            ],
            &[],
        );
        assert_eq!(steps.len(), 2);
        assert_eq!((steps[0].sent, steps[0].scheduled), (5, 3));
        assert_eq!((steps[1].skipped, steps[1].uncertain), (3, 1));
        assert_eq!(steps[1].scheduled, 0);
    }

    #[test]
    fn follow_ups_to_come_are_the_messages_still_open_at_every_step_before() {
        let counts = [
            (0, MessageStatus::Sent, 4),
            (0, MessageStatus::Scheduled, 3),
            (0, MessageStatus::Uncertain, 1),
            (0, MessageStatus::Failed, 2),
            (0, MessageStatus::Skipped, 5),
            (1, MessageStatus::Sent, 1),
            (1, MessageStatus::Sending, 2),
            (1, MessageStatus::Scheduled, 1),
            (9, MessageStatus::Scheduled, 7),
        ];
        assert_eq!(follow_ups_to_come(3, &counts), [0, 4, 7]);
        assert_eq!(follow_ups_to_come(1, &counts), [0]);
        assert_eq!(follow_ups_to_come(0, &counts), Vec::<i64>::new());

        let steps = RunProgress::from_counts(3, &counts, &follow_ups_to_come(3, &counts));
        let scheduled: Vec<i64> = steps.iter().map(|s| s.scheduled).collect();
        assert_eq!(scheduled, [3, 3 + 4, 7]);
    }

    #[test]
    fn next_sends_add_the_follow_ups_to_come_at_their_steps_moments() {
        let at = |day: i64| Timestamp::from_unix_seconds(1_700_000_000 + day * 86_400).unwrap();
        let next = vec![
            NextSend {
                step_index: 0,
                at: at(0),
                messages: 3,
            },
            NextSend {
                step_index: 1,
                at: at(3),
                messages: 2,
            },
        ];
        let planned = [(1, at(3)), (2, at(6)), (3, at(9))];
        let merged = NextSend::with_follow_ups(next.clone(), &planned, &[0, 3, 5, 0], 5);
        assert_eq!(
            merged,
            [
                NextSend {
                    step_index: 0,
                    at: at(0),
                    messages: 3
                },
                NextSend {
                    step_index: 1,
                    at: at(3),
                    messages: 5
                },
                NextSend {
                    step_index: 2,
                    at: at(6),
                    messages: 5
                },
            ]
        );
        let first_two = NextSend::with_follow_ups(next, &planned, &[0, 3, 5, 0], 2);
        assert_eq!(first_two.len(), 2);
        assert_eq!(first_two[1].messages, 5);
    }

    #[test]
    fn message_filters_name_bad_values() {
        assert_eq!(
            MessageFilter::parse(Some("sent"), Some("1")).unwrap(),
            MessageFilter {
                status: Some(MessageStatus::Sent),
                step_index: Some(1)
            }
        );
        let err = MessageFilter::parse(Some("done"), Some("x")).unwrap_err();
        let text = format!("{err:?}");
        assert!(text.contains("status") && text.contains("step"), "{text}");
    }
}
