//! Ad campaigns up to the platform: the launch request (checked against the workspace's
//! budget cap, the creatives' approvals and the ad account), the approver's decision
//! through the gate, and the controls a person asks for mid-flight. The platform work
//! itself is the jobs in `ad_jobs`.

use sha2::{Digest, Sha256};

use super::Context;
use super::approvals::{self, Request};
use super::campaigns as campaign_service;
use super::event_record::{self, By};
use super::gate::{self, Decided, Gated};
use crate::domain::actor::{Actor, Scope};
use crate::domain::ad_campaign::{
    AdCampaign, AdCampaignFilter, AdCampaignStatus, AdCampaignView, AdControl, DayMetrics,
    LaunchInput, LaunchRequest, hashed_email,
};
use crate::domain::ad_creative::{AdCreative, CreativeStatus};
use crate::domain::ad_platform::AdPlatform;
use crate::domain::approval::{Decision, DecisionInput, SubjectType};
use crate::domain::campaign::{ArtifactRef, CampaignStatus, Channel, NewCampaign};
use crate::domain::change::{Action, Change};
use crate::domain::connector::{Connector, ConnectorKind, ConnectorRole};
use crate::domain::enrollment::AudienceFingerprint;
use crate::domain::ids::AdCampaignId;
use crate::domain::job::{JobKind, NewJob};
use crate::domain::money::format_usd;
use crate::domain::pagination::{Page, PageRequest};
use crate::domain::time::Timestamp;
use crate::domain::{Error, FieldError};
use crate::server::db::segments::SegmentAudience;
use crate::server::db::{
    Tx, ad_campaigns, ad_creatives, approvals as approval_rows, brands, campaigns, connectors,
    jobs, segments, workspace_settings,
};

/// The kind of connector that runs ads on `platform` (a sandbox plays any).
fn connector_kind(platform: AdPlatform) -> ConnectorKind {
    match platform {
        AdPlatform::Google => ConnectorKind::GoogleAds,
        AdPlatform::Linkedin => ConnectorKind::LinkedinAds,
        AdPlatform::Meta => ConnectorKind::MetaAds,
    }
}

/// What a connector must have besides its kind's required settings to launch on it.
fn launch_setting(kind: ConnectorKind) -> Option<(&'static str, &'static str)> {
    match kind {
        ConnectorKind::LinkedinAds => Some(("organization_id", "organization id")),
        ConnectorKind::MetaAds => Some(("page_id", "Facebook page id")),
        _ => None,
    }
}

/// Everything a launch request names, checked to be this workspace's and fit for it.
struct Parts {
    segment: crate::domain::segment::Segment,
    brand: crate::domain::brand::Brand,
    creatives: Vec<AdCreative>,
}

async fn check_parts(
    ctx: &Context,
    actor: &Actor,
    request: &LaunchRequest,
) -> Result<Parts, Error> {
    let ws = actor.workspace_id();
    let mut errors = Vec::new();
    let segment = segments::get(&ctx.db, ws, &request.segment_id).await?;
    if segment.is_none() {
        errors.push(FieldError::new(
            "segment_id",
            "no such segment in this workspace",
        ));
    }
    let brand = brands::get(&ctx.db, ws, &request.brand_id).await?;
    if brand.is_none() {
        errors.push(FieldError::new(
            "brand_id",
            "no such brand in this workspace",
        ));
    }
    match connectors::get(&ctx.db, ws, &request.connector_id)
        .await?
        .map(|s| s.connector)
    {
        None => errors.push(FieldError::new(
            "connector_id",
            "no such connector in this workspace",
        )),
        Some(c) => {
            if let Some(problem) = connector_problem(&c, request.platform) {
                errors.push(FieldError::new("connector_id", problem));
            }
        }
    }
    let mut creatives = Vec::with_capacity(request.creative_ids.len());
    for (i, id) in request.creative_ids.iter().enumerate() {
        let field = format!("creative_ids[{i}]");
        match ad_creatives::get(&ctx.db, ws, id).await? {
            None => errors.push(FieldError::new(field, "no such creative in this workspace")),
            Some(c) if c.platform != request.platform => errors.push(FieldError::new(
                field,
                format!(
                    "is a {} creative; this campaign runs on {}",
                    c.platform.name(),
                    request.platform.name()
                ),
            )),
            Some(c) if c.status != CreativeStatus::Approved => errors.push(FieldError::new(
                field,
                format!("is {}; only approved creatives can be launched", c.status),
            )),
            Some(c) => creatives.push(c),
        }
    }
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    Ok(Parts {
        segment: segment.expect("checked"),
        brand: brand.expect("checked"),
        creatives,
    })
}

/// A launch request with the ad account and the creatives filled in where the caller left
/// them out and the workspace leaves exactly one choice: the one connector that can run the
/// platform's ads, the one approved creative of that platform (and brand, when named).
/// With several choices the field is named with them, so the caller picks; the approver
/// still sees exactly what was picked.
pub async fn with_defaults(
    ctx: &Context,
    actor: &Actor,
    input: &LaunchInput,
) -> Result<LaunchInput, Error> {
    actor.require(Scope::MarketingWrite)?;
    actor.require(Scope::MarketingRead)?;
    let Some(platform) = input
        .platform
        .as_deref()
        .and_then(|p| p.trim().parse::<AdPlatform>().ok())
    else {
        return Ok(input.clone());
    };
    let ws = actor.workspace_id();
    let all = PageRequest {
        limit: crate::domain::pagination::MAX_LIMIT,
        after: None,
    };
    let mut filled = input.clone();
    if input.connector_id.is_none() {
        let fit: Vec<Connector> = connectors::list(&ctx.db, ws, &all)
            .await?
            .into_iter()
            .map(|s| s.connector)
            .filter(|c| connector_problem(c, platform).is_none())
            .collect();
        match fit.as_slice() {
            [one] => filled.connector_id = Some(one.id.to_string()),
            [] => {
                return Err(Error::invalid(
                    "connector_id",
                    format!(
                        "no connector in this workspace can run {} ads; an admin adds one",
                        platform.name()
                    ),
                ));
            }
            several => {
                return Err(choose(
                    "connector_id",
                    several.iter().map(|c| (c.id.to_string(), c.name.clone())),
                ));
            }
        }
    }
    if input.creative_ids.is_none() {
        let brand = input
            .brand_id
            .as_deref()
            .and_then(|b| b.trim().parse().ok());
        let filter = crate::domain::ad_creative::CreativeFilter {
            platform: Some(platform),
            status: Some(CreativeStatus::Approved),
            brand_id: brand,
            ..Default::default()
        };
        let approved = ad_creatives::list(&ctx.db, ws, &filter, &all).await?;
        match approved.as_slice() {
            [one] => filled.creative_ids = Some(vec![one.id.to_string()]),
            [] => {
                return Err(Error::invalid(
                    "creative_ids",
                    format!(
                        "no approved {} creative to launch: generate_ad_creatives, then a person approves one",
                        platform.name()
                    ),
                ));
            }
            several => {
                return Err(choose(
                    "creative_ids",
                    several.iter().map(|c| {
                        (
                            c.id.to_string(),
                            c.copy.headlines.first().cloned().unwrap_or_default(),
                        )
                    }),
                ));
            }
        }
    }
    Ok(filled)
}

/// The answer to a field left out with several candidates: name them, so the caller picks.
fn choose(field: &str, candidates: impl Iterator<Item = (String, String)>) -> Error {
    let listed: Vec<String> = candidates
        .take(10)
        .map(|(id, name)| format!("{id} ({name})"))
        .collect();
    Error::invalid(
        field,
        format!(
            "is required: there are several to choose from: {}",
            listed.join(", ")
        ),
    )
}

/// Why `connector` cannot run `platform` ads, if it cannot.
fn connector_problem(connector: &Connector, platform: AdPlatform) -> Option<String> {
    if !connector.can(ConnectorRole::AdAccount) {
        return Some(format!(
            "\"{}\" is a {} connector, which does not run ads",
            connector.name, connector.kind
        ));
    }
    if connector.kind != ConnectorKind::Sandbox && connector.kind != connector_kind(platform) {
        return Some(format!(
            "\"{}\" is a {} ad account; {} campaigns need a {} connector (or a sandbox)",
            connector.name,
            connector.kind,
            platform.name(),
            connector_kind(platform)
        ));
    }
    if let Some((setting, what)) = launch_setting(connector.kind)
        && connector
            .settings
            .get(setting)
            .is_none_or(|v| v.trim().is_empty())
    {
        return Some(format!(
            "\"{}\" has no {what} (setting `{setting}`), which launching needs; an admin adds it under Connectors",
            connector.name
        ));
    }
    None
}

/// The audience of the campaign's segment as it is now.
async fn audience_now(
    ctx: &Context,
    actor: &Actor,
    segment: &crate::domain::segment::Segment,
) -> Result<AudienceFingerprint, Error> {
    let audience = SegmentAudience::of(segment)?;
    let pairs =
        segments::mailable_addresses(ctx.db.pool(), actor.workspace_id(), &audience.get()).await?;
    Ok(AudienceFingerprint::of(
        pairs.iter().map(|(id, e)| (id.as_str(), e.as_str())),
    ))
}

fn hash_of(ad: &AdCampaign, creatives: &[AdCreative], audience: &AudienceFingerprint) -> String {
    let creatives: Vec<(String, String)> = creatives
        .iter()
        .map(|c| (c.id.to_string(), c.content_hash()))
        .collect();
    hex::encode(Sha256::digest(
        ad.content_of(&creatives, &audience.digest).as_bytes(),
    ))
}

/// Creates a launch request: the ad campaign and its campaign, pending approval, with an
/// approval request showing the audience. Nothing reaches the platform until approved.
pub async fn create(
    ctx: &Context,
    actor: &Actor,
    input: &LaunchInput,
) -> Result<AdCampaignView, Error> {
    actor.require(Scope::MarketingWrite)?;
    actor.require(Scope::MarketingRead)?;
    let ws = actor.workspace_id();
    let cap = workspace_settings::get(&ctx.db, ws)
        .await?
        .daily_budget_cap_cents;
    let now = ctx.now();
    let request = input.parse(Some(cap), now)?;
    let parts = check_parts(ctx, actor, &request).await?;
    let audience = audience_now(ctx, actor, &parts.segment).await?;
    if audience.count == 0 {
        return Err(Error::invalid(
            "segment_id",
            format!(
                "\"{}\" has nobody who can be shown ads (no member with an address that is not unsubscribed, bounced or suppressed)",
                parts.segment.name
            ),
        ));
    }
    let mut ad = AdCampaign {
        id: AdCampaignId::generate(),
        campaign_id: crate::domain::ids::CampaignId::generate(),
        name: format!(
            "{} {} · {}",
            parts.brand.name,
            request.platform.name(),
            request.objective
        ),
        platform: request.platform,
        objective: request.objective,
        segment_id: request.segment_id,
        brand_id: request.brand_id,
        connector_id: request.connector_id,
        daily_budget_cents: request.daily_budget_cents,
        creative_ids: request.creative_ids,
        starts_at: request.starts_at,
        ends_at: request.ends_at,
        status: AdCampaignStatus::PendingApproval,
        in_flight: None,
        last_error: None,
        content_hash: String::new(),
        audience_size: audience.count,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    ad.content_hash = hash_of(&ad, &parts.creatives, &audience);
    let mut tx = ctx.db.begin().await?;
    let campaign = campaign_service::create_in(
        ctx,
        &mut tx,
        actor,
        NewCampaign {
            name: ad.name.clone(),
            channel: Channel::Ads,
            status: CampaignStatus::PendingApproval,
            segment_id: Some(ad.segment_id.clone()),
            brand_id: Some(ad.brand_id.clone()),
            artifact: Some(ArtifactRef {
                kind: SubjectType::AdCampaign.as_str().to_owned(),
                id: ad.id.to_string(),
            }),
        },
    )
    .await?;
    ad.campaign_id = campaign.id;
    ad_campaigns::insert(&mut tx, ws, &ad).await?;
    let change = Change::new(
        Action::AdCampaignRequested,
        &ad.id,
        format!(
            "requested launch of \"{}\": {} a day on {} to {} people",
            ad.name,
            format_usd(ad.daily_budget_cents),
            ad.platform.name(),
            audience.count
        ),
    )
    .for_campaign(&ad.campaign_id, now);
    event_record::record(&mut tx, actor.into(), &change, now).await?;
    approvals::request_in(&mut tx, actor, &request_for(&ad, &audience), now).await?;
    tx.commit().await?;
    get(ctx, actor, &ad.id).await
}

fn request_for<'a>(ad: &'a AdCampaign, audience: &'a AudienceFingerprint) -> Request<'a> {
    Request {
        subject_type: SubjectType::AdCampaign,
        subject_id: ad.id.as_str(),
        subject_name: &ad.name,
        campaign_id: Some(&ad.campaign_id),
        content_hash: &ad.content_hash,
        audience: Some(audience),
    }
}

async fn find(ctx: &Context, actor: &Actor, id: &AdCampaignId) -> Result<AdCampaign, Error> {
    ad_campaigns::get(ctx.db.pool(), actor.workspace_id(), id)
        .await?
        .ok_or(Error::NotFound("ad campaign"))
}

async fn view(
    ctx: &Context,
    actor: &Actor,
    ad: AdCampaign,
    detail: bool,
) -> Result<AdCampaignView, Error> {
    let (remote_ids, _) = ad_campaigns::steps(&ctx.db, &ad.id).await?;
    let days = ad_campaigns::days(&ctx.db, &ad.id).await?;
    let pending = approval_rows::pending_for(
        &ctx.db,
        actor.workspace_id(),
        SubjectType::AdCampaign,
        ad.id.as_str(),
    )
    .await?
    .map(|a| a.id);
    let (calls, platform_url) = if detail {
        let connector = connectors::get(&ctx.db, actor.workspace_id(), &ad.connector_id)
            .await?
            .map(|s| s.connector);
        let account = connector.as_ref().and_then(|c| {
            let name = match c.kind {
                ConnectorKind::GoogleAds => "customer_id",
                ConnectorKind::LinkedinAds | ConnectorKind::MetaAds => "ad_account_id",
                _ => return None,
            };
            c.settings.get(name).map(String::as_str)
        });
        (
            ad_campaigns::calls(&ctx.db, &ad.id, 100).await?,
            crate::domain::ad_campaign::platform_url(ad.platform, account, &remote_ids),
        )
    } else {
        (Vec::new(), None)
    };
    Ok(AdCampaignView {
        totals: DayMetrics::total(&days),
        days: if detail { days } else { Vec::new() },
        remote_ids,
        calls,
        pending_approval: pending,
        platform_url,
        ad,
    })
}

/// One ad campaign with its platform ids, synced days and platform calls.
pub async fn get(ctx: &Context, actor: &Actor, id: &AdCampaignId) -> Result<AdCampaignView, Error> {
    actor.require(Scope::MarketingRead)?;
    let ad = find(ctx, actor, id).await?;
    view(ctx, actor, ad, true).await
}

/// The creatives a campaign carries: as approved once it was, else as they are now.
pub async fn creatives(
    ctx: &Context,
    actor: &Actor,
    ad: &AdCampaign,
) -> Result<Vec<AdCreative>, Error> {
    actor.require(Scope::MarketingRead)?;
    let pinned = ad_campaigns::approved_creatives(&ctx.db, &ad.id).await?;
    if !pinned.is_empty() {
        return Ok(pinned);
    }
    let mut live = Vec::with_capacity(ad.creative_ids.len());
    for id in &ad.creative_ids {
        if let Some(c) = ad_creatives::get(&ctx.db, actor.workspace_id(), id).await? {
            live.push(c);
        }
    }
    Ok(live)
}

/// Ad campaigns matching the filter, newest first, with their totals.
pub async fn list(
    ctx: &Context,
    actor: &Actor,
    filter: &AdCampaignFilter,
    page: &PageRequest,
) -> Result<Page<AdCampaignView>, Error> {
    actor.require(Scope::MarketingRead)?;
    let rows = ad_campaigns::list(&ctx.db, actor.workspace_id(), filter, page).await?;
    let page = Page::from_rows(rows, page);
    let mut items = Vec::with_capacity(page.items.len());
    for ad in page.items {
        items.push(view(ctx, actor, ad, false).await?);
    }
    Ok(Page {
        items,
        next_cursor: page.next_cursor,
    })
}

/// The approver's decision on a launch, through the gate: approval pins the audience and
/// queues the launch job; rejection creates nothing.
pub async fn decide(
    ctx: &Context,
    actor: &Actor,
    id: &AdCampaignId,
    decision: Decision,
    input: &DecisionInput,
) -> Result<AdCampaignView, Error> {
    let decided: AdCampaignAtGate =
        gate::decide(ctx, actor, id.as_str(), decision, input, None).await?;
    get(ctx, actor, &decided.ad.id).await
}

/// The campaign status an ad campaign status means.
pub fn campaign_status(status: AdCampaignStatus) -> CampaignStatus {
    match status {
        AdCampaignStatus::PendingApproval => CampaignStatus::PendingApproval,
        AdCampaignStatus::Launching | AdCampaignStatus::Active => CampaignStatus::Active,
        AdCampaignStatus::Paused => CampaignStatus::Paused,
        AdCampaignStatus::Cancelled => CampaignStatus::Cancelled,
        AdCampaignStatus::Completed => CampaignStatus::Completed,
        AdCampaignStatus::Rejected => CampaignStatus::Rejected,
        AdCampaignStatus::Failed => CampaignStatus::Failed,
    }
}

/// Queues the job of `kind` for `ad` inside `tx`.
pub(super) async fn enqueue_in(
    tx: &mut Tx,
    ad: &AdCampaign,
    workspace: &crate::domain::ids::WorkspaceId,
    kind: JobKind,
    payload: serde_json::Value,
    due: Timestamp,
) -> Result<(), Error> {
    let job = NewJob {
        workspace_id: workspace.clone(),
        kind,
        subject_type: "ad_campaign",
        subject_id: ad.id.to_string(),
        payload,
        due_at: due,
    };
    jobs::enqueue(tx, &job, due).await?;
    Ok(())
}

/// A person's pause, resume, cancel or launch retry. The campaign shows the action in
/// flight at once ("pausing…") and a job makes it so on the platform; a launch request not
/// yet decided is cancelled on the spot (its approval request with it), and a cancel during
/// a launch is carried out by the launch job, which stops and removes what it created.
pub async fn control(
    ctx: &Context,
    actor: &Actor,
    id: &AdCampaignId,
    control: AdControl,
) -> Result<AdCampaignView, Error> {
    actor.require(Scope::MarketingWrite)?;
    actor.require(Scope::MarketingRead)?;
    let ad = find(ctx, actor, id).await?;
    ad.check_control(control)?;
    let ws = actor.workspace_id();
    let now = ctx.now();
    let mut tx = ctx.db.begin().await?;
    let (to, in_flight, job) = match (ad.status, control) {
        (AdCampaignStatus::PendingApproval, AdControl::Cancel) => {
            (AdCampaignStatus::Cancelled, None, None)
        }
        (AdCampaignStatus::Launching, AdControl::Cancel) => {
            (AdCampaignStatus::Launching, Some(control), None)
        }
        (_, AdControl::RetryLaunch) => (AdCampaignStatus::Launching, None, Some(JobKind::AdLaunch)),
        (status, _) => (status, Some(control), Some(JobKind::AdControl)),
    };
    let moved = ad_campaigns::move_to(
        &mut tx,
        ws,
        id,
        &ad_campaigns::Move {
            from: ad.status,
            version: ad.version,
            to,
            in_flight,
            last_error: if control == AdControl::RetryLaunch {
                None
            } else {
                ad.last_error.as_deref()
            },
        },
        now,
    )
    .await?;
    if !moved {
        return Err(Error::Conflict(
            "this campaign changed meanwhile; reload and try again".into(),
        ));
    }
    if to != ad.status {
        campaigns::set_status(&mut tx, ws, &ad.campaign_id, campaign_status(to), now).await?;
    }
    if ad.status == AdCampaignStatus::PendingApproval {
        approval_rows::cancel_pending(
            &mut tx,
            ws,
            SubjectType::AdCampaign,
            id.as_str(),
            actor,
            now,
            "the launch request was cancelled",
        )
        .await?;
    }
    if let Some(kind) = job {
        enqueue_in(
            &mut tx,
            &ad,
            ws,
            kind,
            serde_json::json!({ "control": control.as_str() }),
            now,
        )
        .await?;
    }
    let change = Change::new(
        Action::AdCampaignControlled,
        id,
        format!(
            "asked to {} \"{}\"",
            match control {
                AdControl::RetryLaunch => "retry the launch of",
                other => other.as_str(),
            },
            ad.name
        ),
    )
    .for_campaign(&ad.campaign_id, now);
    event_record::record(&mut tx, actor.into(), &change, now).await?;
    tx.commit().await?;
    get(ctx, actor, id).await
}

/// An ad campaign at the approval gate, with its creatives as they are now.
pub struct AdCampaignAtGate {
    ad: AdCampaign,
    audience: Option<AudienceFingerprint>,
    segment: Option<crate::domain::segment::Segment>,
    creatives: Vec<AdCreative>,
}

impl AdCampaignAtGate {
    async fn creatives(&self, ctx: &Context, actor: &Actor) -> Result<Vec<AdCreative>, Error> {
        let mut creatives = Vec::with_capacity(self.ad.creative_ids.len());
        for id in &self.ad.creative_ids {
            let creative = ad_creatives::get(&ctx.db, actor.workspace_id(), id)
                .await?
                .ok_or(Error::NotFound("ad creative"))?;
            creatives.push(creative);
        }
        Ok(creatives)
    }
}

#[async_trait::async_trait]
impl Gated for AdCampaignAtGate {
    const SUBJECT: SubjectType = SubjectType::AdCampaign;

    async fn load(ctx: &Context, actor: &Actor, id: &str) -> Result<Self, Error> {
        let id: AdCampaignId = id.parse().map_err(|_| Error::NotFound("ad campaign"))?;
        Ok(Self {
            ad: find(ctx, actor, &id).await?,
            audience: None,
            segment: None,
            creatives: Vec::new(),
        })
    }

    fn id(&self) -> &str {
        self.ad.id.as_str()
    }

    fn console_page(&self) -> String {
        AdCampaign::console_page(&self.ad.id)
    }

    fn check_decision(&self, _decision: Decision, version: Option<i64>) -> Result<(), Error> {
        self.ad.check_decision(version)
    }

    async fn current_hash(&mut self, ctx: &Context, actor: &Actor) -> Result<String, Error> {
        let creatives = self.creatives(ctx, actor).await?;
        let segment = segments::get(&ctx.db, actor.workspace_id(), &self.ad.segment_id)
            .await?
            .ok_or(Error::NotFound("segment"))?;
        let audience = audience_now(ctx, actor, &segment).await?;
        let hash = hash_of(&self.ad, &creatives, &audience);
        // A creative edited since it was approved is a draft again: its new copy was
        // never approved, so the launch cannot be either.
        if let Some(c) = creatives
            .iter()
            .find(|c| c.status != CreativeStatus::Approved)
        {
            return Err(Error::Conflict(format!(
                "{} is {} now; only approved creatives can be launched: cancel this request and create a new one",
                c.name(),
                c.status
            )));
        }
        self.audience = Some(audience);
        self.segment = Some(segment);
        self.creatives = creatives;
        Ok(hash)
    }

    async fn rerequest(self, ctx: &Context, actor: &Actor, hash: String) -> Error {
        let Some(audience) = self.audience.clone() else {
            return Error::Conflict("the launch changed; reload and decide again".into());
        };
        let now = ctx.now();
        let result: Result<(), Error> = async {
            let mut tx = ctx.db.begin().await?;
            ad_campaigns::set_content(
                &mut tx,
                actor.workspace_id(),
                &self.ad.id,
                self.ad.version,
                &hash,
                audience.count,
                now,
            )
            .await?;
            let ad = AdCampaign {
                content_hash: hash.clone(),
                ..self.ad.clone()
            };
            approvals::request_in(&mut tx, actor, &request_for(&ad, &audience), now).await?;
            tx.commit().await?;
            Ok(())
        }
        .await;
        match result {
            Err(e) => e,
            Ok(()) => Error::Conflict(format!(
                "the audience or the creatives changed since this launch was requested (the audience is now {} people); a new request for what would launch now replaces it: review and decide again",
                audience.count
            )),
        }
    }

    async fn move_in(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        decision: Decision,
        now: Timestamp,
    ) -> Result<bool, Error> {
        let to = match decision {
            Decision::Approve => AdCampaignStatus::Launching,
            Decision::Reject => AdCampaignStatus::Rejected,
        };
        ad_campaigns::move_to(
            tx,
            actor.workspace_id(),
            &self.ad.id,
            &ad_campaigns::Move {
                from: AdCampaignStatus::PendingApproval,
                version: self.ad.version,
                to,
                in_flight: None,
                last_error: None,
            },
            now,
        )
        .await
    }

    async fn apply_in(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        decided: &Decided<'_>,
    ) -> Result<Change, Error> {
        let ad = &self.ad;
        let ws = actor.workspace_id();
        let (status, action, summary) = match decided.decision {
            Decision::Approve => {
                // The audience is pinned as this transaction sees it, and must be the one
                // the approver was shown.
                let segment = self.segment.as_ref().ok_or(Error::NotFound("segment"))?;
                let audience = SegmentAudience::of(segment)?;
                let pairs = segments::mailable_addresses(&mut **tx, ws, &audience.get()).await?;
                let pinned =
                    AudienceFingerprint::of(pairs.iter().map(|(id, e)| (id.as_str(), e.as_str())));
                if let Some(shown) = &decided.approval.audience
                    && *shown != pinned
                {
                    return Err(Error::AudienceChanged {
                        previewed: shown.count,
                        current: pinned.count,
                    });
                }
                let hashes: Vec<String> = pairs.iter().map(|(_, e)| hashed_email(e)).collect();
                ad_campaigns::pin_audience(tx, &ad.id, &hashes).await?;
                // What the hash covered, as read: a later edit of a creative changes the
                // live row, never what this launch creates.
                ad_campaigns::pin_creatives(tx, &ad.id, &self.creatives).await?;
                enqueue_in(
                    tx,
                    ad,
                    ws,
                    JobKind::AdLaunch,
                    serde_json::json!({}),
                    decided.at,
                )
                .await?;
                (
                    CampaignStatus::Active,
                    Action::AdCampaignApproved,
                    format!(
                        "approved launch of \"{}\": {} a day on {} to {} people",
                        ad.name,
                        format_usd(ad.daily_budget_cents),
                        ad.platform.name(),
                        pinned.count
                    ),
                )
            }
            Decision::Reject => (
                CampaignStatus::Rejected,
                Action::AdCampaignRejected,
                format!(
                    "rejected launch of \"{}\": {}",
                    ad.name,
                    decided.note.unwrap_or_default()
                ),
            ),
        };
        campaigns::set_status(tx, ws, &ad.campaign_id, status, decided.at).await?;
        Ok(Change::new(action, &ad.id, summary).for_campaign(&ad.campaign_id, decided.at))
    }
}

/// Records a change the platform confirmed, made by the system for `workspace`.
pub(super) async fn record_system(
    tx: &mut Tx,
    workspace: &crate::domain::ids::WorkspaceId,
    change: &Change,
    at: Timestamp,
) -> Result<(), Error> {
    event_record::record(tx, By::System(workspace), change, at).await
}
