//! `/campaigns` and `/campaigns/:id`.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::app::components::pager::{Pager, list_href};
use crate::app::components::results::{ResultCharts, ResultTiles};
use crate::app::components::ui::{
    BUTTON_PRIMARY, BUTTON_SECONDARY, Badge, CARD, EmptyState, ErrorNotice, INPUT, LABEL, Loading,
    PageHeader, SELECT, TABLE, TABLE_WRAP, TD, TH,
};
use crate::app::error::route_id;
use crate::app::format::when;
use crate::app::server_fns::campaigns::{get_campaign, list_campaigns};
use crate::app::server_fns::rollups::load_campaign_metrics;
use crate::domain::campaign::{CampaignFilterInput, CampaignStatus, Channel, PausedReason};
use crate::domain::rollup::RangeInput;

/// The colour of a status badge.
pub fn status_tone(status: CampaignStatus) -> &'static str {
    match status {
        CampaignStatus::Active => "green",
        CampaignStatus::PendingApproval => "amber",
        CampaignStatus::Paused => "blue",
        CampaignStatus::Failed | CampaignStatus::Rejected => "red",
        CampaignStatus::Completed => "violet",
        CampaignStatus::Draft | CampaignStatus::Cancelled => "slate",
    }
}

fn status_label(status: CampaignStatus) -> String {
    status.as_str().replace('_', " ")
}

/// Why a run is paused when no person paused it, next to its status badge.
#[component]
pub fn PausedReasonNote(reason: Option<PausedReason>) -> impl IntoView {
    reason.map(|r| {
        let text = match r {
            PausedReason::SenderFailing => "held: sender failing",
        };
        view! { <span class="ml-2 text-xs font-medium text-amber-800" data-testid="paused-reason">{text}</span> }
    })
}

const FILTER_KEYS: [&str; 6] = [
    "channel",
    "status",
    "segment_id",
    "brand_id",
    "created_after",
    "created_before",
];

/// The campaign list: every filter and the page position live in the URL, so a filtered view
/// is a link, and back, forward and reload show the same thing.
#[component]
pub fn CampaignsPage() -> impl IntoView {
    let query = use_query_map();
    let get = move |k: &str| query.read().get(k).filter(|v| !v.is_empty());
    let filter = move || CampaignFilterInput {
        channel: get("channel"),
        status: get("status"),
        segment_id: get("segment_id"),
        brand_id: get("brand_id"),
        created_after: get("created_after"),
        created_before: get("created_before"),
    };
    let cursor = move || get("cursor");
    let limit = move || get("limit");
    let campaigns = crate::app::resource::load(
        move || (filter(), limit(), cursor()),
        |(f, l, c)| list_campaigns(f, l, c),
    );
    let first_page = move || {
        let params: Vec<(&str, Option<String>)> = FILTER_KEYS
            .iter()
            .chain(["limit"].iter())
            .map(|k| (*k, get(k)))
            .collect();
        list_href("/campaigns", &params)
    };
    let date_value = move |k: &str| {
        get(k)
            .map(|v| v.chars().take(10).collect::<String>())
            .unwrap_or_default()
    };

    view! {
        <Title text="Campaigns" />
        <PageHeader title="Campaigns" subtitle="Every email sequence, ad campaign and blog post, with its status and results." />
        <Form method="GET" action="" attr:class=format!("{CARD} mb-6 grid gap-3 sm:grid-cols-3 lg:grid-cols-6") attr:aria-label="Filter campaigns">
            <div>
                <label for="f-channel" class=LABEL>"Channel"</label>
                <select id="f-channel" name="channel" class=format!("mt-1 {SELECT}")>
                    <option value="">"Any"</option>
                    {Channel::ALL.iter().map(|c| view! { <option value=c.as_str() selected=move || get("channel").as_deref() == Some(c.as_str())>{c.as_str()}</option> }).collect_view()}
                </select>
            </div>
            <div>
                <label for="f-status" class=LABEL>"Status"</label>
                <select id="f-status" name="status" class=format!("mt-1 {SELECT}")>
                    <option value="">"Any"</option>
                    {CampaignStatus::ALL.iter().map(|s| view! { <option value=s.as_str() selected=move || get("status").as_deref() == Some(s.as_str())>{status_label(*s)}</option> }).collect_view()}
                </select>
            </div>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let o = campaigns.await.map(|l| l.options).unwrap_or_default();
                    view! {
                        <div>
                            <label for="f-segment" class=LABEL>"Segment"</label>
                            <select id="f-segment" name="segment_id" class=format!("mt-1 {SELECT}")>
                                <option value="">"Any"</option>
                                {o.segments.into_iter().map(|(id, name)| { let sel = id.clone(); view! { <option value=id selected=move || get("segment_id").as_deref() == Some(sel.as_str())>{name}</option> } }).collect_view()}
                            </select>
                        </div>
                        <div>
                            <label for="f-brand" class=LABEL>"Brand"</label>
                            <select id="f-brand" name="brand_id" class=format!("mt-1 {SELECT}")>
                                <option value="">"Any"</option>
                                {o.brands.into_iter().map(|(id, name)| { let sel = id.clone(); view! { <option value=id selected=move || get("brand_id").as_deref() == Some(sel.as_str())>{name}</option> } }).collect_view()}
                            </select>
                        </div>
                    }
                })}
            </Transition>
            <div>
                <label for="f-after" class=LABEL>"Created from"</label>
                <input id="f-after" type="date" name="created_after" class=format!("mt-1 {INPUT}") prop:value=move || date_value("created_after") />
            </div>
            <div>
                <label for="f-before" class=LABEL>"Created before"</label>
                <input id="f-before" type="date" name="created_before" class=format!("mt-1 {INPUT}") prop:value=move || date_value("created_before") />
            </div>
            <div>
                <label for="f-limit" class=LABEL>"Per page"</label>
                <select id="f-limit" name="limit" class=format!("mt-1 {SELECT}")>
                    {["", "10", "25", "100", "200"].into_iter().map(|n| view! { <option value=n selected=move || get("limit").unwrap_or_default() == n>{if n.is_empty() { "50" } else { n }}</option> }).collect_view()}
                </select>
            </div>
            <div class="flex items-end gap-2 sm:col-span-2 lg:col-span-5">
                <button type="submit" class=BUTTON_PRIMARY>"Apply filters"</button>
                <a href="/campaigns" class=BUTTON_SECONDARY>"Clear"</a>
            </div>
        </Form>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match campaigns.await.map(|l| l.page) {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(page) if page.items.is_empty() => view! {
                        <EmptyState title="No campaigns match".to_owned()>
                            <p>"Campaigns appear here when an email sequence is previewed, an ad launch is requested or a blog draft is written. Try clearing the filters."</p>
                        </EmptyState>
                    }.into_any(),
                    Ok(page) => {
                        view! {
                            <div class=TABLE_WRAP>
                                <table class=TABLE data-testid="campaign-table">
                                    <thead class="bg-slate-50"><tr>
                                        <th scope="col" class=TH>"Campaign"</th><th scope="col" class=TH>"Channel"</th><th scope="col" class=TH>"Status"</th>
                                        <th scope="col" class=TH>"Segment"</th><th scope="col" class=TH>"Brand"</th><th scope="col" class=TH>"Sends"</th>
                                        <th scope="col" class=TH>"Replies"</th><th scope="col" class=TH>"Created"</th>
                                    </tr></thead>
                                    <tbody class="divide-y divide-slate-100">
                                        {page.items.into_iter().map(|c| {
                                            view! {
                                                <tr data-campaign-id=c.id.to_string()>
                                                    <td class=TD><a class="font-medium text-indigo-700 hover:underline" href=format!("/campaigns/{}", c.id)>{c.name}</a></td>
                                                    <td class=TD>{c.channel.as_str()}</td>
                                                    <td class=TD><Badge text=status_label(c.status) tone=status_tone(c.status) /><PausedReasonNote reason=c.paused_reason /></td>
                                                    <td class=TD>{c.segment_name.unwrap_or_else(|| "—".into())}</td>
                                                    <td class=TD>{c.brand_name.unwrap_or_else(|| "—".into())}</td>
                                                    <td class=TD>{c.sends}</td>
                                                    <td class=TD>{c.replies}</td>
                                                    <td class=format!("{TD} whitespace-nowrap")>{when(&c.created_at)}</td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                            <Pager first=first_page() later=cursor().is_some() next_cursor=page.next_cursor />
                        }.into_any()
                    }
                }
            })}
        </Transition>
    }
}

/// One campaign: identity, artifact, rollup, approvals and audit trail.
#[component]
pub fn CampaignPage() -> impl IntoView {
    let params = use_params_map();
    let detail = crate::app::resource::load(
        move || params.read().get("id").unwrap_or_default(),
        |id| async move { get_campaign(route_id(&id, "campaign")?).await },
    );
    let metrics = crate::app::resource::load(
        move || params.read().get("id").unwrap_or_default(),
        |id| async move {
            load_campaign_metrics(route_id(&id, "campaign")?, RangeInput::default()).await
        },
    );
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match detail.await {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(d) => {
                        let c = d.row.campaign.clone();
                        view! {
                            <Title text=c.name.clone() />
                            <p class="mb-2 text-sm"><a class="text-indigo-700 hover:underline" href="/campaigns">"← Campaigns"</a></p>
                            <div class="mb-6 flex flex-wrap items-center gap-3">
                                <h1 class="text-2xl font-semibold">{c.name.clone()}</h1>
                                <Badge text=status_label(c.status) tone=status_tone(c.status) />
                                <PausedReasonNote reason=c.paused_reason />
                            </div>
                            <dl class="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
                                {[("Channel", c.channel.as_str().to_owned()), ("Segment", d.row.segment_name.clone().unwrap_or_else(|| "—".into())),
                                  ("Brand", d.row.brand_name.clone().unwrap_or_else(|| "—".into())),
                                  ("Artifact", c.artifact.as_ref().map(|a| format!("{} {}", a.kind.replace('_', " "), a.id)).unwrap_or_else(|| "—".into()))]
                                    .into_iter().map(|(k, v)| view! { <div class=CARD><dt class="text-xs uppercase tracking-wide text-slate-500">{k}</dt><dd class="mt-1 break-words font-medium">{v}</dd></div> }).collect_view()}
                                {c.artifact.as_ref().and_then(|a| match a.kind.as_str() {
                                    "email_sequence" => Some((format!("/email/sequences/{}", a.id), "Sequence preview")),
                                    "ad_campaign" => Some((format!("/ads/campaigns/{}", a.id), "Ad campaign")),
                                    _ => None,
                                }).map(|(href, label)| view! {
                                    <div class=CARD><dt class="text-xs uppercase tracking-wide text-slate-500">"Open"</dt>
                                    <dd class="mt-1"><a class="font-medium text-indigo-700 hover:underline" href=href>{label}</a></dd></div>
                                })}
                            </dl>
                            <section aria-labelledby="rollup" class="mt-6">
                                <h2 id="rollup" class="mb-3 text-lg font-semibold">"Results"</h2>
                                <Transition fallback=Loading>
                                    {move || Suspend::new(async move {
                                        match metrics.await {
                                            Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                                            Ok(m) => view! {
                                                <p class="mb-3 text-sm text-slate-600">{format!("{} to {} ({} days, days start in {}).", m.from, m.to, m.len, m.time_zone)}</p>
                                                <ResultTiles view=m.clone() />
                                                <div class="mt-4"><ResultCharts view=m prefix="campaign" /></div>
                                            }.into_any(),
                                        }
                                    })}
                                </Transition>
                            </section>
                            <section aria-labelledby="approvals" class="mt-6">
                                <h2 id="approvals" class="mb-3 text-lg font-semibold">"Approvals"</h2>
                                {if d.approvals.is_empty() {
                                    view! { <p class="text-sm text-slate-600">"No approval has been requested for this campaign."</p> }.into_any()
                                } else {
                                    view! {
                                        <ol class="space-y-2 text-sm" data-testid="campaign-approvals">
                                            {d.approvals.iter().map(|a| view! {
                                                <li>
                                                    <span class="font-medium">{a.status.as_str()}</span>
                                                    {format!(" · requested by {} {}", a.requested_by_email, when(&a.created_at))}
                                                    {a.decided_by_email.clone().map(|e| format!(" · decided by {e}"))}
                                                    {a.note.clone().map(|n| format!(" · \"{n}\""))}
                                                </li>
                                            }).collect_view()}
                                        </ol>
                                    }.into_any()
                                }}
                            </section>
                            <section aria-labelledby="trail" class="mt-6">
                                <h2 id="trail" class="mb-3 text-lg font-semibold">"History"</h2>
                                <ol class="space-y-2 text-sm">
                                    {d.trail.into_iter().map(|e| view! {
                                        <li><span class="text-slate-500">{when(&e.created_at)}</span> " · " {e.actor_email.clone()} " · " {e.summary.clone()}</li>
                                    }).collect_view()}
                                </ol>
                            </section>
                        }.into_any()
                    }
                }
            })}
        </Transition>
    }
}
