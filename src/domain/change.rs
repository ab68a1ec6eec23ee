//! The event record: every state change that matters, as one typed value. It is written by
//! one function inside the transaction that made the change, which appends the audit row
//! (for changes a person or key made), adds to the campaign's day counters and queues the
//! outgoing-webhook deliveries the change triggers. What a change means for each of those
//! is decided here, once.

use serde::{Deserialize, Serialize};

use super::ids::CampaignId;
use super::time::Timestamp;
use super::wire::wire_enum;

wire_enum!(
    /// The kind of thing a change is about, as the audit log names it.
    SubjectKind {
        /// A CRM contact.
        Contact => "contact",
        /// A segment.
        Segment => "segment",
        /// A brand.
        Brand => "brand",
        /// A connector.
        Connector => "connector",
        /// An API key.
        ApiKey => "api_key",
        /// A campaign.
        Campaign => "campaign",
        /// An approval request.
        Approval => "approval",
        /// An email sequence.
        EmailSequence => "email_sequence",
        /// An ad creative.
        AdCreative => "ad_creative",
        /// An ad campaign.
        AdCampaign => "ad_campaign",
        /// A blog draft.
        BlogDraft => "blog_draft",
        /// A publish job.
        PublishJob => "publish_job",
        /// The workspace itself (its settings).
        Workspace => "workspace",
        /// A suppressed address.
        Suppression => "suppression",
        /// A background job.
        Job => "job",
        /// An outgoing-webhook endpoint.
        WebhookEndpoint => "webhook_endpoint",
        /// A reported event (a reply, a bounce, a conversion).
        Event => "event",
    }
);

wire_enum!(
    /// What happened, as `noun.verb`.
    Action {
        /// A contact was created.
        ContactCreated => "contact.created",
        /// A contact was edited.
        ContactUpdated => "contact.updated",
        /// A contact was deleted.
        ContactDeleted => "contact.deleted",
        /// A CSV import ran.
        ContactsImported => "contacts.imported",
        /// A segment was created.
        SegmentCreated => "segment.created",
        /// A segment was edited.
        SegmentUpdated => "segment.updated",
        /// Contacts were added to a static segment.
        SegmentMembersAdded => "segment.members_added",
        /// A contact was removed from a static segment.
        SegmentMemberRemoved => "segment.member_removed",
        /// A brand was created.
        BrandCreated => "brand.created",
        /// A brand was edited.
        BrandUpdated => "brand.updated",
        /// A connector was created.
        ConnectorCreated => "connector.created",
        /// A connector was edited.
        ConnectorUpdated => "connector.updated",
        /// A connector was deleted.
        ConnectorDeleted => "connector.deleted",
        /// A connector hit a fault every call would hit: sending through it is held.
        ConnectorFailing => "connector.failing",
        /// A person's passing test (or explicit release) ended a connector's failing state:
        /// its held runs go on.
        ConnectorRecovered => "connector.recovered",
        /// An API key was minted.
        ApiKeyMinted => "api_key.minted",
        /// An API key was revoked.
        ApiKeyRevoked => "api_key.revoked",
        /// A campaign was created with its artifact.
        CampaignCreated => "campaign.created",
        /// Approval was requested.
        ApprovalRequested => "approval.requested",
        /// An approver approved.
        ApprovalApproved => "approval.approved",
        /// An approver rejected.
        ApprovalRejected => "approval.rejected",
        /// A sequence preview was generated.
        SequencePreviewed => "email_sequence.previewed",
        /// A pending sequence was edited.
        SequenceEdited => "email_sequence.edited",
        /// A pending sequence was shown to its audience again.
        SequencePreviewRefreshed => "email_sequence.preview_refreshed",
        /// A sequence was approved: its audience is enrolled.
        SequenceApproved => "email_sequence.approved",
        /// A sequence was rejected.
        SequenceRejected => "email_sequence.rejected",
        /// A running sequence was paused.
        SequencePaused => "email_sequence.paused",
        /// A paused sequence was resumed.
        SequenceResumed => "email_sequence.resumed",
        /// A running sequence was held because its sender is failing.
        SequenceHeld => "email_sequence.held",
        /// A held sequence went on after its sender recovered.
        SequenceReleased => "email_sequence.released",
        /// A sequence was cancelled.
        SequenceCancelled => "email_sequence.cancelled",
        /// A running sequence had nothing left to send: it, its campaign and its
        /// enrollments are complete.
        SequenceCompleted => "email_sequence.completed",
        /// A person settled an uncertain message.
        SequenceMessageSettled => "email_sequence.message_settled",
        /// A message of a sequence was accepted by its provider.
        EmailSent => "email_sequence.email_sent",
        /// An ad creative variant was generated.
        AdCreativeGenerated => "ad_creative.generated",
        /// An ad creative's copy was edited (or it was picked or unpicked).
        AdCreativeEdited => "ad_creative.edited",
        /// An ad creative was approved.
        AdCreativeApproved => "ad_creative.approved",
        /// An ad creative was rejected.
        AdCreativeRejected => "ad_creative.rejected",
        /// An ad creative was replaced by a regeneration.
        AdCreativeArchived => "ad_creative.archived",
        /// A launch was requested (an ad campaign created, pending approval).
        AdCampaignRequested => "ad_campaign.requested",
        /// A launch was approved: the launch job is queued.
        AdCampaignApproved => "ad_campaign.approved",
        /// A launch was rejected; nothing was created.
        AdCampaignRejected => "ad_campaign.rejected",
        /// A person asked for a pause, a resume, a cancel or a launch retry.
        AdCampaignControlled => "ad_campaign.controlled",
        /// The platform confirmed a new status (launched, paused, resumed, cancelled, failed).
        AdCampaignStatusChanged => "ad_campaign.status_changed",
        /// A day of spend and results was synced from the platform.
        AdMetricsSynced => "ad_campaign.metrics_synced",
        /// A blog draft was written (by hand or generated).
        BlogDraftCreated => "blog_draft.created",
        /// A blog draft was edited.
        BlogDraftEdited => "blog_draft.edited",
        /// Publishing a version of a draft to a CMS was requested.
        BlogPublishRequested => "blog_draft.publish_requested",
        /// A publish was approved: its publish job is queued.
        BlogPublishApproved => "blog_draft.publish_approved",
        /// A publish was rejected; nothing went out.
        BlogPublishRejected => "blog_draft.publish_rejected",
        /// A publish job ended: the post is live, or the job gave up.
        PublishJobFinished => "publish_job.finished",
        /// A person queued a failed publish job again.
        PublishJobRetried => "publish_job.retried",
        /// A recipient replied.
        ReplyRecorded => "event.reply",
        /// A message bounced.
        BounceRecorded => "event.bounce",
        /// A contact unsubscribed.
        UnsubscribeRecorded => "event.unsubscribe",
        /// A conversion was counted.
        ConversionRecorded => "event.conversion",
        /// An address was suppressed.
        SuppressionAdded => "suppression.added",
        /// A suppression was lifted.
        SuppressionRemoved => "suppression.removed",
        /// An admin queued a failed job again.
        JobRetried => "job.retried",
        /// An admin changed the workspace's settings.
        SettingsUpdated => "workspace.settings_updated",
        /// An admin added a webhook endpoint.
        WebhookCreated => "webhook_endpoint.created",
        /// An admin edited (or switched on or off) a webhook endpoint.
        WebhookUpdated => "webhook_endpoint.updated",
        /// An admin deleted a webhook endpoint.
        WebhookDeleted => "webhook_endpoint.deleted",
        /// An admin sent a test event or redelivered an event.
        WebhookSent => "webhook_endpoint.sent",
    }
);

impl Action {
    /// What kind of thing the change is about.
    pub fn subject_kind(self) -> SubjectKind {
        use Action::*;
        match self {
            ContactCreated | ContactUpdated | ContactDeleted | ContactsImported => {
                SubjectKind::Contact
            }
            SegmentCreated | SegmentUpdated | SegmentMembersAdded | SegmentMemberRemoved => {
                SubjectKind::Segment
            }
            BrandCreated | BrandUpdated => SubjectKind::Brand,
            ConnectorCreated | ConnectorUpdated | ConnectorDeleted | ConnectorFailing
            | ConnectorRecovered => SubjectKind::Connector,
            ApiKeyMinted | ApiKeyRevoked => SubjectKind::ApiKey,
            CampaignCreated => SubjectKind::Campaign,
            ApprovalRequested | ApprovalApproved | ApprovalRejected => SubjectKind::Approval,
            SequencePreviewed
            | SequenceEdited
            | SequencePreviewRefreshed
            | SequenceApproved
            | SequenceRejected
            | SequencePaused
            | SequenceResumed
            | SequenceHeld
            | SequenceReleased
            | SequenceCancelled
            | SequenceCompleted
            | SequenceMessageSettled
            | EmailSent => SubjectKind::EmailSequence,
            AdCreativeGenerated | AdCreativeEdited | AdCreativeApproved | AdCreativeRejected
            | AdCreativeArchived => SubjectKind::AdCreative,
            AdCampaignRequested
            | AdCampaignApproved
            | AdCampaignRejected
            | AdCampaignControlled
            | AdCampaignStatusChanged
            | AdMetricsSynced => SubjectKind::AdCampaign,
            BlogDraftCreated | BlogDraftEdited | BlogPublishRequested | BlogPublishApproved
            | BlogPublishRejected => SubjectKind::BlogDraft,
            PublishJobFinished | PublishJobRetried => SubjectKind::PublishJob,
            ReplyRecorded | BounceRecorded | UnsubscribeRecorded | ConversionRecorded => {
                SubjectKind::Event
            }
            SuppressionAdded | SuppressionRemoved => SubjectKind::Suppression,
            JobRetried => SubjectKind::Job,
            SettingsUpdated => SubjectKind::Workspace,
            WebhookCreated | WebhookUpdated | WebhookDeleted | WebhookSent => {
                SubjectKind::WebhookEndpoint
            }
        }
    }

    /// Whether the change gets an audit row. Deliveries, replies, bounces and conversions
    /// have their own records (the ledger, the events) and would drown the log: they are
    /// counted, not audited. A completion, or a hold because a sender failed, is the
    /// worker's, and nobody's decision (the release is a person's, and audited).
    pub fn audited(self) -> bool {
        !matches!(
            self,
            Self::EmailSent
                | Self::SequenceCompleted
                | Self::ConnectorFailing
                | Self::SequenceHeld
                | Self::ReplyRecorded
                | Self::BounceRecorded
                | Self::UnsubscribeRecorded
                | Self::ConversionRecorded
                | Self::AdCampaignStatusChanged
                | Self::AdMetricsSynced
                | Self::PublishJobFinished
        )
    }

    /// The outgoing-webhook event this change triggers, if any.
    pub fn webhook_event(self) -> Option<WebhookEvent> {
        match self {
            Self::EmailSent => Some(WebhookEvent::EmailSent),
            Self::ReplyRecorded => Some(WebhookEvent::EmailReplied),
            Self::BounceRecorded => Some(WebhookEvent::EmailBounced),
            Self::ApprovalRequested => Some(WebhookEvent::ApprovalRequested),
            Self::ApprovalApproved | Self::ApprovalRejected => Some(WebhookEvent::ApprovalDecided),
            Self::AdCampaignStatusChanged => Some(WebhookEvent::AdCampaignStatusChanged),
            Self::PublishJobFinished => Some(WebhookEvent::PublishJobFinished),
            Self::ConversionRecorded => Some(WebhookEvent::ConversionRecorded),
            Self::ConnectorFailing => Some(WebhookEvent::ConnectorFailing),
            Self::ConnectorRecovered => Some(WebhookEvent::ConnectorRecovered),
            _ => None,
        }
    }

    /// What the change adds to its campaign's counters.
    pub fn counts(self) -> Counts {
        let one = Counts::default();
        match self {
            Self::EmailSent => Counts {
                sends: 1,
                deliveries: 1,
                ..one
            },
            Self::ReplyRecorded => Counts { replies: 1, ..one },
            Self::BounceRecorded => Counts { bounces: 1, ..one },
            Self::UnsubscribeRecorded => Counts {
                unsubscribes: 1,
                ..one
            },
            Self::ConversionRecorded => Counts {
                conversions: 1,
                ..one
            },
            _ => one,
        }
    }
}

wire_enum!(
    /// What an outgoing webhook can be told about.
    WebhookEvent {
        /// A sequence message was accepted by its provider.
        EmailSent => "sequence.email.sent",
        /// A recipient replied.
        EmailReplied => "sequence.email.replied",
        /// A message bounced.
        EmailBounced => "sequence.email.bounced",
        /// Someone asked for a human's approval.
        ApprovalRequested => "approval.requested",
        /// An approver approved or rejected.
        ApprovalDecided => "approval.decided",
        /// An ad campaign's platform confirmed a new status.
        AdCampaignStatusChanged => "ad_campaign.status_changed",
        /// A publish job ended (live, or given up).
        PublishJobFinished => "publish_job.finished",
        /// A conversion was recorded.
        ConversionRecorded => "conversion.recorded",
        /// A connector hit a fault every call would hit; the runs sending through it are
        /// held.
        ConnectorFailing => "connector.failing",
        /// A failing connector passed a person's test; its held runs go on.
        ConnectorRecovered => "connector.recovered",
    }
);

/// What one change adds to a campaign's totals and to its counters for one day; a
/// rollup's measures for a day or a range are the same sums.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Messages handed to a provider and accepted.
    pub sends: i64,
    /// Sent messages that did not bounce.
    pub deliveries: i64,
    /// Replies.
    pub replies: i64,
    /// Bounces.
    pub bounces: i64,
    /// Unsubscribes.
    pub unsubscribes: i64,
    /// Conversions.
    pub conversions: i64,
    /// Conversion value, in cents.
    pub conversion_value_cents: i64,
    /// Ad spend, in cents.
    pub spend_cents: i64,
    /// Ad impressions.
    pub impressions: i64,
    /// Ad clicks.
    pub clicks: i64,
}

impl Counts {
    /// Whether it adds nothing.
    pub fn is_zero(&self) -> bool {
        *self == Self::default()
    }

    /// Adds `other` to these.
    pub fn add(&mut self, other: &Counts) {
        self.sends += other.sends;
        self.deliveries += other.deliveries;
        self.replies += other.replies;
        self.bounces += other.bounces;
        self.unsubscribes += other.unsubscribes;
        self.conversions += other.conversions;
        self.conversion_value_cents += other.conversion_value_cents;
        self.spend_cents += other.spend_cents;
        self.impressions += other.impressions;
        self.clicks += other.clicks;
    }

    /// Customer acquisition cost (spend ÷ conversions) in cents, rounded; `None` without
    /// conversions.
    pub fn cac_cents(&self) -> Option<i64> {
        super::money::cac_cents(self.spend_cents, self.conversions)
    }

    /// Replies ÷ sends; `None` before anything was sent.
    pub fn reply_rate(&self) -> Option<f64> {
        (self.sends > 0).then(|| self.replies as f64 / self.sends as f64)
    }
}

/// When a change counts: at an instant (its day is that instant's day in the workspace's
/// time zone), or on a calendar day the provider already named (an ad platform's day).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountedOn {
    /// At this instant.
    At(Timestamp),
    /// On this day.
    Day(time::Date),
}

/// Where a change counts: for a campaign, or for the workspace alone (unattributed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    /// The campaign it counts for; `None` when no campaign earned it.
    pub campaign: Option<CampaignId>,
    /// When.
    pub on: CountedOn,
}

/// One state change, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// What happened.
    pub action: Action,
    /// The id of the thing it happened to.
    pub subject_id: String,
    /// A short human summary (the audit log's line, the webhook's text).
    pub summary: String,
    /// Where and when it counts.
    pub tally: Option<Tally>,
    /// A conversion's value, in cents.
    pub value_cents: i64,
    /// What a metrics sync changes on its day (the new day minus the day as it was).
    pub synced: Option<Counts>,
    /// A bounce: when the message it reports was sent (that day loses a delivery).
    pub bounced_message_sent_at: Option<Timestamp>,
}

impl Change {
    /// `action` on `subject_id`, summarised.
    pub fn new(action: Action, subject_id: impl ToString, summary: impl Into<String>) -> Self {
        Self {
            action,
            subject_id: subject_id.to_string(),
            summary: summary.into(),
            tally: None,
            value_cents: 0,
            synced: None,
            bounced_message_sent_at: None,
        }
    }

    /// Counted for `campaign` on the day of `at`.
    pub fn for_campaign(mut self, campaign: &CampaignId, at: Timestamp) -> Self {
        self.tally = Some(Tally {
            campaign: Some(campaign.clone()),
            on: CountedOn::At(at),
        });
        self
    }

    /// Counted for `campaign` on `day` as the provider named it.
    pub fn for_campaign_on(mut self, campaign: &CampaignId, day: time::Date) -> Self {
        self.tally = Some(Tally {
            campaign: Some(campaign.clone()),
            on: CountedOn::Day(day),
        });
        self
    }

    /// Counted for the workspace alone on the day of `at`: no campaign earned it.
    pub fn unattributed(mut self, at: Timestamp) -> Self {
        self.tally = Some(Tally {
            campaign: None,
            on: CountedOn::At(at),
        });
        self
    }

    /// The campaign it counts for, if any.
    pub fn campaign(&self) -> Option<&CampaignId> {
        self.tally.as_ref().and_then(|t| t.campaign.as_ref())
    }

    /// A conversion worth `cents`.
    pub fn worth(mut self, cents: i64) -> Self {
        self.value_cents = cents;
        self
    }

    /// A synced day that changes the counters by `delta`.
    pub fn synced(mut self, delta: Counts) -> Self {
        self.synced = Some(delta);
        self
    }

    /// A bounce of the message sent at `sent_at`.
    pub fn bounced_message(mut self, sent_at: Option<Timestamp>) -> Self {
        self.bounced_message_sent_at = sent_at;
        self
    }

    /// What it adds to its counters on its own day.
    pub fn counts(&self) -> Counts {
        if self.action == Action::AdMetricsSynced {
            return self.synced.unwrap_or_default();
        }
        Counts {
            conversion_value_cents: if self.action == Action::ConversionRecorded {
                self.value_cents
            } else {
                0
            },
            ..self.action.counts()
        }
    }

    /// What it takes from the counters of an earlier day: a bounce takes the delivery of
    /// its message back from the day that message was sent.
    pub fn taken_back(&self) -> Option<(Timestamp, Counts)> {
        match (self.action, self.bounced_message_sent_at) {
            (Action::BounceRecorded, Some(sent_at)) => Some((
                sent_at,
                Counts {
                    deliveries: -1,
                    ..Counts::default()
                },
            )),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_names_its_subject_kind_as_its_noun() {
        for a in Action::ALL {
            let noun = a.as_str().split('.').next().unwrap();
            let kind = a.subject_kind().as_str();
            assert!(
                noun == kind || noun == format!("{kind}s"),
                "{a} is about {kind}"
            );
        }
    }

    #[test]
    fn deliveries_are_counted_and_signalled_not_audited() {
        let sent = Change::new(Action::EmailSent, "seq_1", "sent");
        assert!(!sent.action.audited());
        assert_eq!(sent.counts().sends, 1);
        assert_eq!(
            sent.action.webhook_event().map(|e| e.as_str()),
            Some("sequence.email.sent")
        );
        assert_eq!(sent.counts().deliveries, 1);
        let approved = Change::new(Action::SequenceApproved, "seq_1", "approved");
        assert!(approved.action.audited());
        assert!(approved.counts().is_zero());
        assert_eq!(approved.action.webhook_event(), None);
        let completed = Change::new(Action::SequenceCompleted, "seq_1", "completed");
        assert!(
            !completed.action.audited(),
            "the worker completes, no person"
        );
        assert!(completed.counts().is_zero());
        assert_eq!(
            Action::ApprovalRejected.webhook_event(),
            Some(WebhookEvent::ApprovalDecided)
        );
    }

    #[test]
    fn every_webhook_event_comes_from_some_change() {
        for e in WebhookEvent::ALL {
            assert!(
                Action::ALL.iter().any(|a| a.webhook_event() == Some(*e)),
                "{e} is never sent"
            );
        }
    }

    #[test]
    fn a_bounce_counts_on_its_day_and_takes_a_delivery_back_from_its_message() {
        let sent = Timestamp::parse_rfc3339("2026-11-02T10:00:00Z").unwrap();
        let b = Change::new(Action::BounceRecorded, "evt_1", "bounced").bounced_message(Some(sent));
        assert_eq!(b.counts().bounces, 1);
        assert_eq!(b.counts().deliveries, 0);
        let (day, back) = b.taken_back().unwrap();
        assert_eq!(day, sent);
        assert_eq!(back.deliveries, -1);
        let r = Change::new(Action::ReplyRecorded, "evt_2", "replied").bounced_message(Some(sent));
        assert!(r.taken_back().is_none());
    }

    #[test]
    fn cac_is_spend_over_conversions_and_reply_rate_replies_over_sends() {
        let mut c = Counts::default();
        assert_eq!(c.cac_cents(), None);
        assert_eq!(c.reply_rate(), None);
        c.add(&Counts {
            sends: 8,
            replies: 2,
            spend_cents: 1000,
            conversions: 3,
            ..Counts::default()
        });
        assert_eq!(c.cac_cents(), Some(333));
        assert_eq!(c.reply_rate(), Some(0.25));
        c.add(&c.clone());
        assert_eq!(c.sends, 16);
        assert_eq!(c.cac_cents(), Some(333));
    }

    #[test]
    fn only_a_conversion_carries_its_value() {
        let c = Change::new(Action::ConversionRecorded, "cmp_1", "converted").worth(1250);
        assert_eq!(
            c.counts(),
            Counts {
                conversions: 1,
                conversion_value_cents: 1250,
                ..Counts::default()
            }
        );
        let r = Change::new(Action::ReplyRecorded, "evt_1", "replied").worth(1250);
        assert_eq!(r.counts().conversion_value_cents, 0);
    }
}
