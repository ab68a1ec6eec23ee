//! The demo workspace: people in every role, a brand, ~200 contacts, three segments, sandbox
//! connectors and campaigns across channels and statuses, so a new user can try each flow at
//! once. Everything is made through the same use cases as real data.

use std::collections::BTreeMap;

use super::Context;
use super::accounts::{self, NewMember};
use super::{brands, campaigns, connectors, contacts, segments, sequences};
use crate::domain::Error;
use crate::domain::actor::Actor;
use crate::domain::approval::Decision;
use crate::domain::brand::BrandInput;
use crate::domain::campaign::{CampaignStatus, Channel, NewCampaign};
use crate::domain::connector::{ConnectorInput, ConnectorKind, ConnectorRole};
use crate::domain::segment::{ConditionInput, Match, NewSegment, RuleInput};
use crate::domain::sequence::PreviewInput;
use crate::server::db::workspaces;

/// The demo workspace's name.
pub const WORKSPACE: &str = "Tenex Demo";
/// The password every demo person shares. Printed at start; never use it for real data.
pub const PASSWORD: &str = "tenex-demo-2026";
/// The demo people: (email, display name, role).
pub const PEOPLE: [(&str, &str, &str); 4] = [
    ("admin@demo.tenex.test", "Ada Admin", "admin"),
    ("approver@demo.tenex.test", "Avery Approver", "approver"),
    ("marketer@demo.tenex.test", "Morgan Marketer", "marketer"),
    ("viewer@demo.tenex.test", "Vic Viewer", "viewer"),
];

/// Whether [`load`] created the workspace or found it already there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loaded {
    /// Created now.
    Created,
    /// It existed; nothing was changed.
    AlreadyThere,
}

/// Creates the demo workspace unless it exists.
pub async fn load(ctx: &Context) -> Result<Loaded, Error> {
    if workspaces::find_by_name(&ctx.db, WORKSPACE)
        .await?
        .is_some()
    {
        return Ok(Loaded::AlreadyThere);
    }
    let mut people = BTreeMap::new();
    for (email, name, role) in PEOPLE {
        let added = accounts::add_member(
            ctx,
            NewMember {
                workspace: WORKSPACE.into(),
                email: email.into(),
                password: PASSWORD.into(),
                role: role.into(),
                display_name: Some(name.into()),
            },
        )
        .await?;
        people.insert(
            role,
            Actor::user(added.workspace.id, added.user.id, added.role),
        );
    }
    let seeded = fill(ctx, &people["admin"]).await?;
    sequences(ctx, &seeded, &people["marketer"], &people["approver"]).await?;
    ad_campaigns(
        ctx,
        &seeded,
        &people["admin"],
        &people["marketer"],
        &people["approver"],
    )
    .await?;
    blog(
        ctx,
        &seeded,
        &people["admin"],
        &people["marketer"],
        &people["approver"],
    )
    .await?;
    conversions(ctx, &people["marketer"]).await?;
    Ok(Loaded::Created)
}

/// Three weeks of conversions reported through the events API, as a CRM would: most name
/// the campaign that earned them (the live ad campaign, the published blog series), some
/// name none and stay unattributed.
async fn conversions(ctx: &Context, marketer: &Actor) -> Result<(), Error> {
    use crate::domain::campaign::CampaignFilter;
    use crate::domain::event::EventInput;
    use crate::domain::pagination::PageRequest;
    let all = PageRequest {
        limit: 200,
        after: None,
    };
    let listed = campaigns::list(ctx, marketer, &CampaignFilter::default(), &all).await?;
    let find = |channel: Channel, status: CampaignStatus| {
        listed
            .items
            .iter()
            .find(|c| c.channel == channel && c.status == status)
            .map(|c| c.id.to_string())
    };
    let earners = [
        find(Channel::Ads, CampaignStatus::Active),
        find(Channel::Blog, CampaignStatus::Completed),
        None,
    ];
    let now = ctx.now();
    for i in 0..36_usize {
        let day = (i * 7 % 21) as i64;
        let input = EventInput {
            id: Some(format!("demo-conversion-{i}")),
            kind: Some("conversion".into()),
            email: Some(contact_email(i * 5 % 200)),
            campaign_id: earners[i % earners.len()].clone(),
            occurred_at: Some(
                now.plus(time::Duration::hours(-(day * 24 + (i as i64 % 9))))
                    .to_string(),
            ),
            value_usd: Some([450.0, 1200.0, 800.0, 2500.0][i % 4]),
            ..Default::default()
        };
        super::events::record(ctx, marketer, &input).await?;
    }
    Ok(())
}

const FIRST: [&str; 20] = [
    "Ana", "Ben", "Chloé", "Dev", "Elif", "Farah", "Gus", "Hana", "Ivan", "Jo", "Kofi", "Lena",
    "Mateo", "Nia", "Omar", "Priya", "Quinn", "Rosa", "Sam", "Tariq",
];
const LAST: [&str; 10] = [
    "Okafor",
    "Lindqvist",
    "Moreau",
    "Patel",
    "Yilmaz",
    "Haddad",
    "Novak",
    "Sato",
    "Silva",
    "Kowalski",
];
const COMPANIES: [(&str, &str, &str); 10] = [
    ("Northwind Logistics", "northwind.example", "logistics"),
    ("Acme Robotics", "acme-robotics.example", "manufacturing"),
    ("Globex Health", "globex-health.example", "healthcare"),
    ("Initech Finance", "initech.example", "finance"),
    ("Umbrella Retail", "umbrella-retail.example", "retail"),
    ("Hooli Cloud", "hooli.example", "software"),
    ("Vandelay Imports", "vandelay.example", "logistics"),
    ("Stark Energy", "stark-energy.example", "energy"),
    ("Wayne Analytics", "wayne-analytics.example", "software"),
    ("Soylent Foods", "soylent.example", "retail"),
];
const TITLES: [&str; 5] = [
    "Head of Operations",
    "VP Marketing",
    "CTO",
    "Procurement Lead",
    "Founder",
];
const PLANS: [&str; 3] = ["gold", "silver", "bronze"];
const STAGES: [&str; 4] = ["contact", "lead", "qualified", "customer"];

/// The address of demo contact number `i`.
fn contact_email(i: usize) -> String {
    let (first, last) = (FIRST[i % FIRST.len()], LAST[(i / 2) % LAST.len()]);
    let (_, domain, _) = COMPANIES[(i * 7) % COMPANIES.len()];
    format!(
        "{}.{}{}@{domain}",
        first.to_lowercase().replace('é', "e"),
        last.to_lowercase(),
        i
    )
}

/// What the sequences of the demo are built on.
struct Seeded {
    brand: String,
    ops_leaders: String,
    vip: String,
    mail: String,
    ads: String,
    cms: String,
}

async fn fill(ctx: &Context, actor: &Actor) -> Result<Seeded, Error> {
    let brand = brands::create(
        ctx,
        actor,
        &BrandInput {
            name: Some("Tenex Freight".into()),
            company_overview: Some(
                "Tenex Freight books, tracks and settles freight for mid-sized shippers in one place, \
                 so operations teams stop chasing carriers by email."
                    .into(),
            ),
            usps: Some(vec![
                "Instant quotes from 400 vetted carriers".into(),
                "Live tracking on every load".into(),
                "One invoice a month, not fifty".into(),
            ]),
            icp_market_segments: Some(vec!["Operations leaders at shippers with 50–500 loads a month".into()]),
            brand_voice: Some("Plain, confident and practical; no hype.".into()),
            do_not_say: Some(vec!["cheapest".into(), "guaranteed".into(), "revolutionary".into()]),
            is_default: true,
            ..Default::default()
        },
    )
    .await?;

    let mut csv = String::from(
        "email,first_name,last_name,company,domain,title,lifecycle_stage,plan,industry\n",
    );
    for i in 0..200 {
        let (first, last) = (FIRST[i % FIRST.len()], LAST[(i / 2) % LAST.len()]);
        let (company, domain, industry) = COMPANIES[(i * 7) % COMPANIES.len()];
        let email = contact_email(i);
        // Every twentieth contact (all operations leaders) has no first name, so the demo
        // sequence shows a missing-variable warning.
        let first = if i % 20 == 10 { "" } else { first };
        csv.push_str(&format!(
            "{email},{first},{last},{company},{domain},{},{},{},{industry}\n",
            TITLES[i % TITLES.len()],
            STAGES[(i / 3) % STAGES.len()],
            PLANS[i % PLANS.len()],
        ));
    }
    contacts::import_csv(ctx, actor, csv.as_bytes()).await?;

    let cond = |field: &str, op: &str, value: &str| ConditionInput {
        field: field.into(),
        op: op.into(),
        value: Some(value.into()),
        values: None,
    };
    let ops_leaders = segments::create(
        ctx,
        actor,
        NewSegment::parse(
            "Logistics operations leaders",
            "rule",
            Some(&RuleInput {
                combine: Match::All,
                conditions: vec![
                    cond("custom.industry", "equals", "logistics"),
                    cond("title", "contains", "operations"),
                ],
            }),
        )?,
        &[],
    )
    .await?;
    let gold = segments::create(
        ctx,
        actor,
        NewSegment::parse(
            "Gold plan customers",
            "rule",
            Some(&RuleInput {
                combine: Match::All,
                conditions: vec![
                    cond("custom.plan", "equals", "gold"),
                    cond("lifecycle_stage", "equals", "customer"),
                ],
            }),
        )?,
        &[],
    )
    .await?;
    let vip = segments::create(
        ctx,
        actor,
        NewSegment::parse("Hand-picked VIPs", "static", None)?,
        &[],
    )
    .await?;
    let first_ten = contacts::list(
        ctx,
        actor,
        None,
        &crate::domain::pagination::PageRequest {
            limit: 10,
            after: None,
        },
    )
    .await?;
    let ids: Vec<String> = first_ten.items.iter().map(|c| c.id.to_string()).collect();
    segments::add_members(ctx, actor, &vip.segment.id, &ids).await?;

    // One sandbox per channel, each offered only where its channel is chosen.
    let mut sandboxes = Vec::new();
    for (name, role) in [
        ("Sandbox mail", ConnectorRole::EmailSender),
        ("Sandbox ads", ConnectorRole::AdAccount),
        ("Sandbox CMS", ConnectorRole::Cms),
    ] {
        let sandbox = ConnectorInput {
            kind: ConnectorKind::Sandbox.as_str().to_owned(),
            name: name.to_owned(),
            settings: [("role".to_owned(), serde_json::json!(role.as_str()))]
                .into_iter()
                .collect(),
            ..Default::default()
        };
        let c = connectors::create(ctx, actor, &sandbox).await?;
        connectors::test(ctx, actor, &c.id).await?;
        sandboxes.push(c.id.to_string());
    }
    let [mail, ads, cms]: [String; 3] = sandboxes.try_into().expect("three sandboxes");

    let spread: [(
        &str,
        Channel,
        CampaignStatus,
        &crate::domain::ids::SegmentId,
    ); 2] = [
        (
            "Blog: one invoice a month",
            Channel::Blog,
            CampaignStatus::Draft,
            &gold.segment.id,
        ),
        (
            "Blog: carrier vetting explained",
            Channel::Blog,
            CampaignStatus::Completed,
            &ops_leaders.segment.id,
        ),
    ];
    for (name, channel, status, segment) in spread {
        campaigns::create(
            ctx,
            actor,
            NewCampaign {
                name: name.into(),
                channel,
                status,
                segment_id: Some(segment.clone()),
                brand_id: Some(brand.id.clone()),
                artifact: None,
            },
        )
        .await?;
    }
    Ok(Seeded {
        brand: brand.id.to_string(),
        ops_leaders: ops_leaders.segment.id.to_string(),
        vip: vip.segment.id.to_string(),
        mail,
        ads,
        cms,
    })
}

/// Two email sequences through the real gate: one waiting for the approver, one the
/// approver turned down with a note. Nothing is sent by either.
async fn sequences(
    ctx: &Context,
    seeded: &Seeded,
    marketer: &Actor,
    approver: &Actor,
) -> Result<(), Error> {
    let ask = |name: &str, segment: &str, objective: &str| PreviewInput {
        segment_id: Some(segment.to_owned()),
        brand_id: Some(seeded.brand.clone()),
        sender_connector_id: Some(seeded.mail.clone()),
        objective: Some(objective.into()),
        name: Some(name.into()),
        ..Default::default()
    };
    sequences::preview(
        ctx,
        marketer,
        &ask(
            "Q4 carrier onboarding sequence",
            &seeded.ops_leaders,
            "book a 20-minute freight review",
        ),
    )
    .await?;
    let vip = sequences::preview(
        ctx,
        marketer,
        &ask(
            "VIP roundtable outreach",
            &seeded.vip,
            "join our shippers' roundtable",
        ),
    )
    .await?;
    sequences::decide(
        ctx,
        approver,
        &vip.sequence.id,
        Decision::Reject,
        &crate::domain::approval::DecisionInput {
            note: Some("Too salesy for VIPs; make it a personal invitation from the CEO.".into()),
            ..Default::default()
        },
    )
    .await?;
    Ok(())
}

/// Ad campaigns on the sandbox ad accounts through the real gate and jobs: live with two
/// weeks of spend, paused, cancelled, completed, failed (refused by the platform), rejected,
/// and one waiting for the approver.
async fn ad_campaigns(
    ctx: &Context,
    seeded: &Seeded,
    admin: &Actor,
    marketer: &Actor,
    approver: &Actor,
) -> Result<(), Error> {
    use super::jobs::{self, JobSettings, Runners};
    use super::{ad_campaigns, ad_creatives};
    use crate::domain::ad_campaign::{AdControl, LaunchInput};
    use crate::domain::ad_creative::GenerateCreativesInput;
    use crate::domain::approval::DecisionInput;
    use crate::domain::job::JobKind;
    let runners = Runners::standard().only(&[
        JobKind::AdLaunch,
        JobKind::AdControl,
        JobKind::AdMetricsSync,
    ]);
    let run_jobs = || async {
        for _ in 0..3 {
            jobs::round(ctx, &runners, "demo", &JobSettings::default()).await?;
        }
        Ok::<(), Error>(())
    };
    let two_weeks_ago = ctx.now().plus(time::Duration::days(-14)).to_string();
    let two_days_ago = ctx.now().plus(time::Duration::days(-2)).to_string();
    // A second sandbox account that refuses ad sets, so a failed launch can be seen and
    // retried (after clearing its refuse_step setting).
    let refusing = refusing_sandbox(
        ctx,
        admin,
        "Sandbox ads (refuses ad sets)",
        "ad_set",
        ConnectorRole::AdAccount,
    )
    .await?;
    let plans: [(&str, &str, f64, Option<&str>); 7] = [
        ("linkedin", "leads", 120.0, Some("live")),
        ("google", "traffic", 80.0, Some("pause")),
        ("meta", "awareness", 40.0, Some("cancel")),
        ("meta", "conversions", 300.0, Some("reject")),
        ("google", "leads", 60.0, None),
        ("linkedin", "awareness", 50.0, Some("ended")),
        ("meta", "traffic", 35.0, Some("refused")),
    ];
    for (platform, objective, budget, fate) in plans {
        let made = ad_creatives::generate(
            ctx,
            marketer,
            &GenerateCreativesInput {
                platform: Some(platform.into()),
                brand_id: Some(seeded.brand.clone()),
                objective: Some(format!("{objective}: book a freight review")),
                count: Some(2),
                campaign_id: None,
                final_url: Some("https://tenex-freight.example/review".into()),
            },
        )
        .await?;
        let mut creative_ids = Vec::new();
        for v in made {
            ad_creatives::decide(
                ctx,
                approver,
                &v.creative.id,
                Decision::Approve,
                &DecisionInput::default(),
            )
            .await?;
            creative_ids.push(v.creative.id.to_string());
        }
        let adc = ad_campaigns::create(
            ctx,
            marketer,
            &LaunchInput {
                platform: Some(platform.into()),
                objective: Some(objective.into()),
                segment_id: Some(seeded.ops_leaders.clone()),
                brand_id: Some(seeded.brand.clone()),
                connector_id: Some(if fate == Some("refused") {
                    refusing.id.to_string()
                } else {
                    seeded.ads.clone()
                }),
                daily_budget_usd: Some(budget),
                creative_ids: Some(creative_ids),
                starts_at: Some(two_weeks_ago.clone()),
                ends_at: (fate == Some("ended")).then(|| two_days_ago.clone()),
            },
        )
        .await?;
        let id = adc.ad.id;
        match fate {
            None => continue,
            Some("reject") => {
                ad_campaigns::decide(
                    ctx,
                    approver,
                    &id,
                    Decision::Reject,
                    &DecisionInput {
                        note: Some(
                            "$300 a day is more than this quarter allows; start at $100.".into(),
                        ),
                        ..Default::default()
                    },
                )
                .await?;
                continue;
            }
            Some(_) => {}
        }
        ad_campaigns::decide(
            ctx,
            approver,
            &id,
            Decision::Approve,
            &DecisionInput::default(),
        )
        .await?;
        run_jobs().await?;
        let control = match fate {
            Some("pause") => AdControl::Pause,
            Some("cancel") => AdControl::Cancel,
            _ => continue,
        };
        ad_campaigns::control(ctx, marketer, &id, control).await?;
        run_jobs().await?;
    }
    Ok(())
}

/// Blog drafts in every state through the real gate and publish jobs on the sandbox CMS: a
/// draft being written, a generated one, one waiting for the approver, one published, one
/// published and edited since, one rejected with a note, and one whose publish failed on a
/// CMS that refuses (retry it after clearing the connector's refuse_step).
async fn blog(
    ctx: &Context,
    seeded: &Seeded,
    admin: &Actor,
    marketer: &Actor,
    approver: &Actor,
) -> Result<(), Error> {
    use super::jobs::{self, JobSettings, Runners};
    use super::{blog_drafts, gate, publishing};
    use crate::domain::approval::DecisionInput;
    use crate::domain::blog::{DraftEdit, DraftInput, GenerateDraftInput};
    use crate::domain::job::JobKind;
    use crate::domain::publish::PublishInput;
    use publishing::PublishAtGate;
    let runners = &Runners::standard().only(&[JobKind::BlogPublish]);
    let refusing = refusing_sandbox(
        ctx,
        admin,
        "Sandbox CMS (refuses to publish)",
        "publish",
        ConnectorRole::Cms,
    )
    .await?;
    let write = |title: &str, body: &str, excerpt: &str, tags: &[&str]| DraftInput {
        title: Some(title.into()),
        body_markdown: Some(body.into()),
        excerpt: Some(excerpt.into()),
        tags: Some(tags.iter().map(|t| (*t).to_owned()).collect()),
        brand_id: Some(seeded.brand.clone()),
        ..Default::default()
    };
    let publish = |draft: &crate::domain::blog::DraftView, cms: &str| {
        let id = draft.draft.id.clone();
        let input = PublishInput {
            connector_id: Some(cms.to_owned()),
            version: Some(draft.draft.version),
        };
        async move { publishing::request(ctx, marketer, &id, &input).await }
    };
    let decide =
        |draft: &crate::domain::blog::DraftView, decision: Decision, note: Option<&str>| {
            let id = draft.draft.id.to_string();
            let input = DecisionInput {
                note: note.map(str::to_owned),
                ..Default::default()
            };
            async move {
                gate::decide::<PublishAtGate>(ctx, approver, &id, decision, &input, None).await?;
                jobs::round(ctx, runners, "demo", &JobSettings::default()).await?;
                Ok::<(), Error>(())
            }
        };

    blog_drafts::create(
        ctx,
        marketer,
        &write(
            "Five questions to ask a new carrier",
            "Choosing a carrier is mostly about what happens when things go wrong.\n\n## 1. Who answers at 2 a.m.?\n\n_Draft: add the other four._\n",
            "",
            &["carriers"],
        ),
    )
    .await?;
    blog_drafts::generate(
        ctx,
        marketer,
        &GenerateDraftInput {
            brand_id: Some(seeded.brand.clone()),
            topic: Some("cutting detention fees at busy docks".into()),
            keywords: Some(vec!["detention".into(), "dock scheduling".into()]),
            campaign_id: None,
        },
    )
    .await?;
    let waiting = blog_drafts::create(
        ctx,
        marketer,
        &write(
            "Live tracking without the phone calls",
            "Every load in Tenex Freight reports where it is, so nobody has to call the driver.\n\n## What you see\n\n- The last position and the time it was sent\n- The expected arrival, updated as the truck moves\n- [x] Alerts when a load is late\n",
            "How live tracking replaces the status call.",
            &["tracking", "operations"],
        ),
    )
    .await?;
    publish(&waiting, &seeded.cms).await?;
    let live = blog_drafts::create(
        ctx,
        marketer,
        &write(
            "One invoice a month, not fifty",
            "Freight invoices arrive one load at a time. We settle them **once a month**.\n\n| Before | After |\n|---|---|\n| 50 invoices | 1 invoice |\n| 3 days of matching | 1 hour |\n\nRead more on [our pricing page](https://tenex-freight.example/pricing).\n",
            "Why monthly settlement saves finance teams days of matching.",
            &["finance", "invoicing"],
        ),
    )
    .await?;
    publish(&live, &seeded.cms).await?;
    decide(&live, Decision::Approve, None).await?;
    let edited = blog_drafts::create(
        ctx,
        marketer,
        &write(
            "Instant quotes from 400 carriers",
            "Ask once, compare every vetted carrier, book in one click.\n",
            "How instant quotes work.",
            &["quotes"],
        ),
    )
    .await?;
    publish(&edited, &seeded.cms).await?;
    decide(&edited, Decision::Approve, None).await?;
    blog_drafts::edit(
        ctx,
        marketer,
        &edited.draft.id,
        &DraftEdit {
            version: Some(edited.draft.version),
            body_markdown: Some(
                "Ask once, compare every vetted carrier, book in one click.\n\n## New: lane history\n\nSee what each carrier charged on your lanes last quarter.\n".into(),
            ),
            ..Default::default()
        },
    )
    .await?;
    let rejected = blog_drafts::create(
        ctx,
        marketer,
        &write(
            "Why we never miss a pickup",
            "We never miss a pickup.\n",
            "",
            &[],
        ),
    )
    .await?;
    publish(&rejected, &seeded.cms).await?;
    decide(
        &rejected,
        Decision::Reject,
        Some("We can't promise this; say how we handle the rare miss instead."),
    )
    .await?;
    let failed = blog_drafts::create(
        ctx,
        marketer,
        &write(
            "Carrier scorecards, explained",
            "Each carrier gets a monthly score from on-time pickups, damage claims and billing accuracy.\n",
            "What goes into a carrier's score.",
            &["carriers"],
        ),
    )
    .await?;
    publish(&failed, &refusing.id.to_string()).await?;
    decide(&failed, Decision::Approve, None).await?;
    Ok(())
}

/// A sandbox connector that refuses `step` as a provider would, so the failure and retry
/// paths can be seen (and tried again after clearing its `refuse_step`).
async fn refusing_sandbox(
    ctx: &Context,
    admin: &Actor,
    name: &str,
    step: &str,
    role: ConnectorRole,
) -> Result<crate::domain::connector::Connector, Error> {
    connectors::create(
        ctx,
        admin,
        &ConnectorInput {
            kind: ConnectorKind::Sandbox.as_str().to_owned(),
            name: name.into(),
            settings: [
                ("refuse_step".to_owned(), serde_json::json!(step)),
                ("role".to_owned(), serde_json::json!(role.as_str())),
            ]
            .into_iter()
            .collect(),
            ..Default::default()
        },
    )
    .await
}
