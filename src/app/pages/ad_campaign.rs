//! `/ads/campaigns/:id`: one ad campaign: its state, budget, audience and ads as the
//! approver sees them, the platform's ids, the per-day metrics as charts, the approval
//! history, the calls made to the platform, and the actions the member may take.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::ad_campaigns::state_tone;
use crate::app::components::ad_preview::AdPreview;
use crate::app::components::day_chart::{Bar, DayChart};
use crate::app::components::layout::MemberResource;
use crate::app::components::results::{dollars, whole};
use crate::app::components::ui::{
    BUTTON_DANGER, BUTTON_PRIMARY, BUTTON_SECONDARY, Badge, CARD, ErrorNotice, INPUT, LABEL,
    Loading, TABLE, TABLE_WRAP, TD, TH,
};
use crate::app::error::route_id;
use crate::app::format::when;
use crate::app::server_fns::ad_campaigns::{
    AdCampaignPage as Detail, ControlAdCampaign, DecideLaunch, ad_campaign_detail,
};
use crate::domain::ad_campaign::{AdCampaignStatus, AdControl};
use crate::domain::approval::ApprovalStatus;
use crate::domain::money::format_usd;

/// Approve / reject, for approvers, while the launch waits.
#[component]
fn Decision(d: Detail, refresh: RwSignal<u32>) -> impl IntoView {
    let decide = ServerAction::<DecideLaunch>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = decide.value().get() {
            refresh.update(|n| *n += 1);
        }
    });
    let a = d.view.ad.clone();
    view! {
        <section aria-labelledby="decide-title" class=format!("{CARD} ring-amber-300")>
            <h2 id="decide-title" class="text-lg font-semibold">"Approve this launch?"</h2>
            <p class="mt-1 text-sm text-slate-700">{format!(
                "Approving spends up to {} a day on {} showing {} ad(s) to {} people of \"{}\".",
                format_usd(a.daily_budget_cents), a.platform.name(), a.creative_ids.len(), a.audience_size, d.segment_name
            )}</p>
            <ActionForm action=decide attr:class="mt-3 grid gap-3">
                <input type="hidden" name="id" value=a.id.to_string() />
                <input type="hidden" name="version" value=a.version />
                <div>
                    <label for="launch-note" class=LABEL>"Note " <span class="font-normal text-slate-500">"(needed to reject)"</span></label>
                    <input id="launch-note" name="note" maxlength="2000" class=format!("mt-1 {INPUT}") />
                </div>
                <div class="flex gap-2">
                    <button type="submit" name="decision" value="approve" class=BUTTON_PRIMARY disabled=move || decide.pending().get()>"Approve launch"</button>
                    <button type="submit" name="decision" value="reject" class=BUTTON_DANGER disabled=move || decide.pending().get()>"Reject"</button>
                </div>
                {move || decide.value().get().and_then(Result::err).map(|e| view! { <ErrorNotice error=e /> })}
            </ActionForm>
        </section>
    }
}

/// Pause / Resume / Cancel / Retry launch, as the status allows.
#[component]
fn Controls(d: Detail, refresh: RwSignal<u32>) -> impl IntoView {
    let control = ServerAction::<ControlAdCampaign>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = control.value().get() {
            refresh.update(|n| *n += 1);
        }
    });
    let a = d.view.ad.clone();
    let id = a.id.to_string();
    let buttons: Vec<(AdControl, &'static str, &'static str)> = [
        (AdControl::Pause, "Pause", BUTTON_SECONDARY),
        (AdControl::Resume, "Resume", BUTTON_PRIMARY),
        (AdControl::RetryLaunch, "Retry launch", BUTTON_PRIMARY),
        (AdControl::Cancel, "Cancel campaign", BUTTON_DANGER),
    ]
    .into_iter()
    .filter(|(c, _, _)| a.check_control(*c).is_ok())
    .collect();
    if buttons.is_empty() {
        return ().into_any();
    }
    view! {
        <div class="flex flex-wrap items-center gap-2">
            {buttons.into_iter().map(|(c, label, class)| {
                let id = id.clone();
                view! {
                <ActionForm action=control>
                    <input type="hidden" name="id" value=id />
                    <input type="hidden" name="control" value=c.as_str() />
                    <button type="submit" class=class disabled=move || control.pending().get()>{label}</button>
                </ActionForm>
            }}).collect_view()}
            {move || control.value().get().and_then(Result::err).map(|e| view! { <ErrorNotice error=e /> })}
        </div>
    }
    .into_any()
}

/// The campaign page.
#[component]
pub fn AdCampaignPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let member = expect_context::<MemberResource>();
    let refresh = RwSignal::new(0u32);
    let detail = crate::app::resource::load(
        move || (id(), refresh.get()),
        |(id, _)| async move { ad_campaign_detail(route_id(&id, "ad campaign")?).await },
    );
    view! {
        <Title text="Ad campaign" />
        <p class="mb-2 text-sm"><a class="text-indigo-700 hover:underline" href="/ads/campaigns">"← Ad campaigns"</a></p>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                let d = match detail.await {
                    Err(e) => return view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(d) => d,
                };
                let scopes = member.await.map(|m| m.scopes).unwrap_or_default();
                let (can_write, can_decide) = (
                    scopes.iter().any(|s| s == "marketing:write"),
                    scopes.iter().any(|s| s == "marketing:approve"),
                );
                let v = &d.view;
                let a = &v.ad;
                let pending = a.status == AdCampaignStatus::PendingApproval;
                let spend: Vec<Bar> = v.days.iter().map(|m| Bar { day: m.day.clone(), value: m.spend_cents as f64 / 100.0 }).collect();
                let clicks: Vec<Bar> = v.days.iter().map(|m| Bar { day: m.day.clone(), value: m.clicks as f64 }).collect();
                let conversions: Vec<Bar> = v.days.iter().map(|m| Bar { day: m.day.clone(), value: m.conversions as f64 }).collect();
                let busy = a.in_flight.is_some() || a.status == AdCampaignStatus::Launching;
                view! {
                    <div class="mb-4 flex flex-wrap items-center gap-3">
                        <h1 class="text-2xl font-semibold">{a.name.clone()}</h1>
                        <span data-testid="campaign-state"><Badge text=a.state_label() tone=state_tone(a) /></span>
                        {busy.then(|| view! {
                            <button type="button" class=BUTTON_SECONDARY on:click=move |_| refresh.update(|n| *n += 1)>"Refresh"</button>
                        })}
                    </div>
                    {a.last_error.clone().map(|e| view! {
                        <div role="alert" class="mb-4 rounded-md bg-red-50 p-3 text-sm text-red-800 ring-1 ring-red-200">{e}</div>
                    })}
                    <div class="grid gap-6 lg:grid-cols-3">
                        <div class="space-y-6 lg:col-span-2">
                            {(pending && can_decide).then(|| view! { <Decision d=d.clone() refresh=refresh /> })}
                            {(pending && !can_decide).then(|| view! {
                                <p class="rounded-md bg-amber-50 p-3 text-sm text-amber-900 ring-1 ring-amber-200">"Waiting for an approver. Nothing reaches the platform until then."</p>
                            })}
                            {can_write.then(|| view! { <Controls d=d.clone() refresh=refresh /> })}
                            <section aria-labelledby="metrics-title" class=CARD>
                                <h2 id="metrics-title" class="text-lg font-semibold">"Results"</h2>
                                <dl class="mt-3 grid grid-cols-2 gap-3 text-sm sm:grid-cols-5">
                                    <div><dt class="text-slate-600">"Spend"</dt><dd class="text-lg font-semibold" data-testid="total-spend">{format_usd(v.totals.spend_cents)}</dd></div>
                                    <div><dt class="text-slate-600">"Impressions"</dt><dd class="text-lg font-semibold">{whole(v.totals.impressions as f64)}</dd></div>
                                    <div><dt class="text-slate-600">"Clicks"</dt><dd class="text-lg font-semibold">{whole(v.totals.clicks as f64)}</dd></div>
                                    <div><dt class="text-slate-600">"Conversions"</dt><dd class="text-lg font-semibold">{v.totals.conversions}</dd></div>
                                    <div><dt class="text-slate-600">"Cost per conversion"</dt><dd class="text-lg font-semibold">{v.totals.cac_cents().map(format_usd).unwrap_or_else(|| "—".into())}</dd></div>
                                </dl>
                                <h3 class="mt-4 text-sm font-medium text-slate-700">"Spend per day"</h3>
                                <DayChart title="Spend per day".to_owned() bars=spend format=dollars id="chart-spend" />
                                <div class="mt-4 grid gap-4 sm:grid-cols-2">
                                    <div>
                                        <h3 class="text-sm font-medium text-slate-700">"Clicks per day"</h3>
                                        <DayChart title="Clicks per day".to_owned() bars=clicks format=whole id="chart-clicks" />
                                    </div>
                                    <div>
                                        <h3 class="text-sm font-medium text-slate-700">"Conversions per day"</h3>
                                        <DayChart title="Conversions per day".to_owned() bars=conversions format=whole id="chart-conversions" />
                                    </div>
                                </div>
                            </section>
                            <section aria-labelledby="ads-title">
                                <h2 id="ads-title" class="mb-3 text-lg font-semibold">"Ads"</h2>
                                <div class="grid gap-4 md:grid-cols-2">
                                    {d.creatives.iter().map(|c| view! {
                                        <div class=CARD>
                                            <AdPreview platform=c.platform copy=c.copy.clone() brand_name=d.brand_name.clone() />
                                            <p class="mt-2 text-xs"><a class="text-indigo-700 hover:underline" href=format!("/ads/creatives/{}", c.id)>{c.id.to_string()}</a></p>
                                        </div>
                                    }).collect_view()}
                                </div>
                            </section>
                        </div>
                        <div class="space-y-6">
                            <section aria-labelledby="facts-title" class=CARD>
                                <h2 id="facts-title" class="text-lg font-semibold">"Launch"</h2>
                                <dl class="mt-3 space-y-2 text-sm">
                                    <div><dt class="text-slate-600">"Platform"</dt><dd>{a.platform.name()}</dd></div>
                                    <div><dt class="text-slate-600">"Objective"</dt><dd>{a.objective.as_str()}</dd></div>
                                    <div><dt class="text-slate-600">"Daily budget"</dt><dd class="font-medium">{format_usd(a.daily_budget_cents)}</dd></div>
                                    <div><dt class="text-slate-600">"Audience"</dt><dd>{format!("{} ({} people at request)", d.segment_name, a.audience_size)}</dd></div>
                                    <div><dt class="text-slate-600">"Ad account"</dt><dd>{d.connector_name.clone()}</dd></div>
                                    <div><dt class="text-slate-600">"Runs"</dt><dd>{format!("{} → {}",
                                        a.starts_at.map(|t| when(&t)).unwrap_or_else(|| "when launched".into()),
                                        a.ends_at.map(|t| when(&t)).unwrap_or_else(|| "until cancelled".into()))}</dd></div>
                                </dl>
                            </section>
                            <section aria-labelledby="ids-title" class=CARD>
                                <h2 id="ids-title" class="text-lg font-semibold">"Platform ids"</h2>
                                {v.platform_url.clone().map(|url| view! {
                                    <p class="mt-2 text-sm"><a class="text-indigo-700 hover:underline" href=url rel="noopener noreferrer" target="_blank">{format!("Open in {}", a.platform.name())}</a></p>
                                })}
                                {if v.remote_ids.is_empty() {
                                    view! { <p class="mt-2 text-sm text-slate-600">"Nothing created on the platform yet."</p> }.into_any()
                                } else {
                                    view! {
                                        <dl class="mt-3 space-y-1 text-sm">
                                            {v.remote_ids.iter().map(|(step, id)| view! {
                                                <div class="flex justify-between gap-2"><dt class="text-slate-600">{step.replace('_', " ")}</dt><dd class="truncate font-mono text-xs" title=id.clone()>{id.clone()}</dd></div>
                                            }).collect_view()}
                                        </dl>
                                    }.into_any()
                                }}
                            </section>
                            <section aria-labelledby="history-title" class=CARD>
                                <h2 id="history-title" class="text-lg font-semibold">"Approval history"</h2>
                                <ol class="mt-3 space-y-2 text-sm">
                                    {d.approvals.iter().map(|ap| view! {
                                        <li>
                                            <span class="font-medium">{ap.status.as_str()}</span>
                                            {format!(" · requested by {} {}", ap.requested_by_email, when(&ap.created_at))}
                                            {ap.decided_by_email.clone().map(|by| format!(" · {} by {by}", if ap.status == ApprovalStatus::Cancelled { "withdrawn" } else { "decided" }))}
                                            {ap.note.clone().map(|n| view! { <blockquote class="mt-1 border-l-2 border-slate-300 pl-2 text-slate-700">{n}</blockquote> })}
                                        </li>
                                    }).collect_view()}
                                </ol>
                            </section>
                        </div>
                    </div>
                    <section aria-labelledby="calls-title" class="mt-6">
                        <h2 id="calls-title" class="mb-2 text-lg font-semibold">"Calls to the platform"</h2>
                        {if v.calls.is_empty() {
                            view! { <p class="text-sm text-slate-600">"None yet."</p> }.into_any()
                        } else {
                            view! {
                                <div class=TABLE_WRAP>
                                    <table class=TABLE>
                                        <thead class="bg-slate-50"><tr>
                                            <th scope="col" class=TH>"When"</th><th scope="col" class=TH>"Call"</th><th scope="col" class=TH>"Status"</th><th scope="col" class=TH>"What for"</th>
                                        </tr></thead>
                                        <tbody class="divide-y divide-slate-100">
                                            {v.calls.iter().map(|(at, c)| view! {
                                                <tr>
                                                    <td class=format!("{TD} whitespace-nowrap text-slate-600")>{when(at)}</td>
                                                    <td class=format!("{TD} font-mono text-xs")>{format!("{} {}", c.method, c.path)}</td>
                                                    <td class=TD>{c.status}</td>
                                                    <td class=TD>{c.note.clone()}</td>
                                                </tr>
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                </div>
                            }.into_any()
                        }}
                    </section>
                }.into_any()
            })}
        </Transition>
    }
}
