//! `/ads/campaigns`: ad campaigns with their spend; `/ads/campaigns/new`: the launch form,
//! showing what the approver will see.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};

use super::ad_creatives::ads_tabs;
use crate::app::components::pager::{Pager, list_href};
use crate::app::components::ui::{
    BUTTON_PRIMARY, Badge, CARD, EmptyState, ErrorNotice, INPUT, LABEL, Loading, PageHeader,
    SELECT, TABLE, TABLE_WRAP, TD, TH, Tabs,
};
use crate::app::format::when;
use crate::app::server_fns::ad_campaigns::{RequestLaunch, launch_form_options, list_ad_campaigns};
use crate::domain::ad_campaign::{AdCampaign, AdCampaignStatus, AdObjective};
use crate::domain::ad_platform::AdPlatform;
use crate::domain::money::format_usd;

/// The badge tone of a campaign's state.
pub fn state_tone(ad: &AdCampaign) -> &'static str {
    if ad.in_flight.is_some() {
        return "blue";
    }
    match ad.status {
        AdCampaignStatus::PendingApproval | AdCampaignStatus::Launching => "amber",
        AdCampaignStatus::Active => "green",
        AdCampaignStatus::Paused => "blue",
        AdCampaignStatus::Completed => "violet",
        AdCampaignStatus::Rejected | AdCampaignStatus::Failed => "red",
        AdCampaignStatus::Cancelled => "slate",
    }
}

/// Every ad campaign, filtered by status and platform, a page at a time.
#[component]
pub fn AdCampaignsPage() -> impl IntoView {
    let query = use_query_map();
    let get = move |k: &str| query.read().get(k).filter(|v| !v.is_empty());
    let list = crate::app::resource::load(
        move || (get("status"), get("platform"), get("limit"), get("cursor")),
        |(status, platform, limit, cursor)| list_ad_campaigns(status, platform, limit, cursor),
    );
    view! {
        <Title text="Ad campaigns" />
        <PageHeader title="Ads" subtitle="Campaigns on Google, LinkedIn and Meta, launched only after an approver signs off on the budget, the audience and the ads." />
        <Tabs label="Ads" tabs=ads_tabs() />
        <div class="mb-4 flex flex-wrap items-end justify-between gap-3">
            <form method="get" action="/ads/campaigns" class="flex flex-wrap items-end gap-3">
                <div>
                    <label for="adc-status" class=LABEL>"Status"</label>
                    <select id="adc-status" name="status" class=format!("mt-1 {SELECT}")>
                        <option value="">"Any"</option>
                        {AdCampaignStatus::ALL.iter().map(|s| {
                            let selected = get("status").as_deref() == Some(s.as_str());
                            view! { <option value=s.as_str() selected=selected>{s.as_str().replace('_', " ")}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <div>
                    <label for="adc-platform" class=LABEL>"Platform"</label>
                    <select id="adc-platform" name="platform" class=format!("mt-1 {SELECT}")>
                        <option value="">"Any"</option>
                        {AdPlatform::ALL.iter().map(|p| {
                            let selected = get("platform").as_deref() == Some(p.as_str());
                            view! { <option value=p.as_str() selected=selected>{p.name()}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <button type="submit" class="rounded-md bg-white px-3 py-2 text-sm font-medium text-slate-700 ring-1 ring-inset ring-slate-300 hover:bg-slate-50">"Filter"</button>
            </form>
            <a href="/ads/campaigns/new" class=BUTTON_PRIMARY>"Launch a campaign"</a>
        </div>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match list.await {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(page) if page.items.is_empty() => view! {
                        <EmptyState title="No ad campaigns here".to_owned()>
                            <p>"Approve a creative or two in the variant picker, then launch a campaign with them. An approver signs off before anything is spent."</p>
                        </EmptyState>
                    }.into_any(),
                    Ok(page) => view! {
                        <div class=TABLE_WRAP>
                            <table class=TABLE>
                                <thead class="bg-slate-50"><tr>
                                    <th scope="col" class=TH>"Campaign"</th><th scope="col" class=TH>"Platform"</th><th scope="col" class=TH>"State"</th>
                                    <th scope="col" class=TH>"Daily budget"</th><th scope="col" class=TH>"Spend"</th><th scope="col" class=TH>"Conversions"</th>
                                    <th scope="col" class=TH>"Created"</th>
                                </tr></thead>
                                <tbody class="divide-y divide-slate-100">
                                    {page.items.into_iter().map(|v| {
                                        let a = v.ad;
                                        view! {
                                            <tr data-ad-campaign-id=a.id.to_string()>
                                                <td class=format!("{TD} font-medium")><a class="text-indigo-700 hover:underline" href=AdCampaign::console_page(&a.id)>{a.name.clone()}</a></td>
                                                <td class=TD>{a.platform.name()}</td>
                                                <td class=TD><Badge text=a.state_label() tone=state_tone(&a) /></td>
                                                <td class=TD>{format_usd(a.daily_budget_cents)}</td>
                                                <td class=TD>{format_usd(v.totals.spend_cents)}</td>
                                                <td class=TD>{v.totals.conversions}</td>
                                                <td class=format!("{TD} whitespace-nowrap text-slate-600")>{when(&a.created_at)}</td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                        <Pager first=list_href("/ads/campaigns", &[("status", get("status")), ("platform", get("platform")), ("limit", get("limit"))])
                            later=get("cursor").is_some() next_cursor=page.next_cursor />
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The launch form: platform, objective, segment (with how many people it reaches), brand,
/// ad account, daily budget, approved creatives of the platform, dates; beside it, the
/// summary the approver will see.
#[component]
pub fn NewAdCampaignPage() -> impl IntoView {
    let options = crate::app::resource::load(|| (), |_| launch_form_options());
    let launch = ServerAction::<RequestLaunch>::new();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(id)) = launch.value().get() {
            navigate(&format!("/ads/campaigns/{id}"), Default::default());
        }
    });
    let platform = RwSignal::new(AdPlatform::Google);
    let picked = RwSignal::new(Vec::<String>::new());
    let budget = RwSignal::new("50".to_owned());
    let segment = RwSignal::new(String::new());
    let error = move || launch.value().get().and_then(Result::err);
    let field_error = move |name: &'static str| {
        move || {
            error()
                .and_then(|e| e.field(name))
                .map(|m| view! { <p class="mt-1 text-sm text-red-700">{m}</p> })
        }
    };
    view! {
        <Title text="Launch an ad campaign" />
        <p class="mb-2 text-sm"><a class="text-indigo-700 hover:underline" href="/ads/campaigns">"← Ad campaigns"</a></p>
        <PageHeader title="Launch an ad campaign" subtitle="This creates a launch request. Nothing reaches the platform and nothing is spent until an approver approves it." />
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                let o = match options.await {
                    Err(e) => return view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(o) => o,
                };
                if segment.get_untracked().is_empty()
                    && let Some((id, _, _)) = o.segments.first()
                {
                    segment.set(id.clone());
                }
                let cap = o.cap_cents;
                let segments = o.segments.clone();
                let reach = move || {
                    segments.iter().find(|(id, _, _)| *id == segment.get()).map(|(_, name, n)| (name.clone(), *n))
                };
                let creatives = o.creatives.clone();
                let shown = move || {
                    let p = platform.get();
                    creatives.iter().filter(|c| c.platform == p).cloned().collect::<Vec<_>>()
                };
                let missing = o.ad_accounts.is_empty() || o.segments.is_empty() || o.creatives.is_empty();
                view! {
                    {missing.then(|| view! {
                        <div role="note" class="mb-4 rounded-md bg-amber-50 p-3 text-sm text-amber-900 ring-1 ring-amber-200">
                            "A launch needs an ad account (Settings → Connectors; a sandbox works), a segment (CRM → Segments) and approved creatives (Ads → Variant picker)."
                        </div>
                    })}
                    <div class="grid gap-6 lg:grid-cols-3">
                        <ActionForm action=launch attr:class=format!("{CARD} grid gap-4 sm:grid-cols-2 lg:col-span-2")>
                            <div>
                                <label for="adc-form-platform" class=LABEL>"Platform"</label>
                                <select id="adc-form-platform" name="platform" class=format!("mt-1 {SELECT}")
                                    on:change=move |ev| {
                                        if let Ok(p) = event_target_value(&ev).parse() { platform.set(p); picked.set(Vec::new()); }
                                    }>
                                    {AdPlatform::ALL.iter().map(|p| view! { <option value=p.as_str()>{p.name()}</option> }).collect_view()}
                                </select>
                                {field_error("platform")}
                            </div>
                            <div>
                                <label for="adc-form-objective" class=LABEL>"Objective"</label>
                                <select id="adc-form-objective" name="objective" class=format!("mt-1 {SELECT}")>
                                    {AdObjective::ALL.iter().map(|o| view! { <option value=o.as_str()>{o.as_str()}</option> }).collect_view()}
                                </select>
                                {field_error("objective")}
                            </div>
                            <div>
                                <label for="adc-form-segment" class=LABEL>"Audience (segment)"</label>
                                <select id="adc-form-segment" name="segment_id" class=format!("mt-1 {SELECT}")
                                    on:change=move |ev| segment.set(event_target_value(&ev))>
                                    {o.segments.iter().map(|(id, name, n)| view! { <option value=id.clone()>{format!("{name} ({n} people)")}</option> }).collect_view()}
                                </select>
                                {field_error("segment_id")}
                            </div>
                            <div>
                                <label for="adc-form-brand" class=LABEL>"Brand"</label>
                                <select id="adc-form-brand" name="brand_id" class=format!("mt-1 {SELECT}")>
                                    {o.brands.iter().map(|(id, name)| view! { <option value=id.clone()>{name.clone()}</option> }).collect_view()}
                                </select>
                                {field_error("brand_id")}
                            </div>
                            <div>
                                <label for="adc-form-account" class=LABEL>"Ad account"</label>
                                <select id="adc-form-account" name="connector_id" class=format!("mt-1 {SELECT}")>
                                    {o.ad_accounts.iter().map(|(id, name, kind)| view! { <option value=id.clone()>{format!("{name} ({kind})")}</option> }).collect_view()}
                                </select>
                                {field_error("connector_id")}
                            </div>
                            <div>
                                <label for="adc-form-budget" class=LABEL>"Daily budget (USD)"</label>
                                <input id="adc-form-budget" name="daily_budget_usd" inputmode="decimal" required class=format!("mt-1 {INPUT}")
                                    prop:value=move || budget.get() on:input=move |ev| budget.set(event_target_value(&ev))
                                    aria-describedby="adc-form-budget-help" />
                                <p id="adc-form-budget-help" class="mt-1 text-xs text-slate-500">{format!("At most {} a day (the workspace's cap).", format_usd(cap))}</p>
                                {field_error("daily_budget_usd")}
                            </div>
                            <div>
                                <label for="adc-form-start" class=LABEL>"First day " <span class="font-normal text-slate-500">"(optional, UTC)"</span></label>
                                <input id="adc-form-start" name="start_date" type="date" class=format!("mt-1 {INPUT}") />
                                {field_error("starts_at")}
                            </div>
                            <div>
                                <label for="adc-form-end" class=LABEL>"Last day " <span class="font-normal text-slate-500">"(optional, UTC)"</span></label>
                                <input id="adc-form-end" name="end_date" type="date" class=format!("mt-1 {INPUT}") />
                                {field_error("ends_at")}
                            </div>
                            <fieldset class="sm:col-span-2">
                                <legend class=LABEL>"Approved creatives"</legend>
                                <input type="hidden" name="creative_ids" prop:value=move || picked.get().join(",") />
                                {move || {
                                    let list = shown();
                                    if list.is_empty() {
                                        view! { <p class="mt-1 text-sm text-slate-600">"No approved creatives for this platform yet: approve some in the variant picker."</p> }.into_any()
                                    } else {
                                        view! {
                                            <ul class="mt-2 space-y-2">
                                                {list.into_iter().map(|c| {
                                                    let id = c.id.to_string();
                                                    let (id_check, id_change) = (id.clone(), id.clone());
                                                    view! {
                                                        <li>
                                                            <label class="flex items-start gap-2 text-sm">
                                                                <input type="checkbox" class="mt-1" data-creative-id=id.clone()
                                                                    prop:checked=move || picked.with(|p| p.contains(&id_check))
                                                                    on:change=move |ev| {
                                                                        let on = event_target_checked(&ev);
                                                                        picked.update(|p| { p.retain(|x| *x != id_change); if on { p.push(id_change.clone()); } });
                                                                    } />
                                                                <span>{c.name()}<span class="text-slate-500">{format!(" · {}", c.objective)}</span></span>
                                                            </label>
                                                        </li>
                                                    }
                                                }).collect_view()}
                                            </ul>
                                        }.into_any()
                                    }
                                }}
                                {move || error().and_then(|e| e.field("creative_ids").or_else(|| (0..10).find_map(|i| e.field(&format!("creative_ids[{i}]")))))
                                    .map(|m| view! { <p class="mt-1 text-sm text-red-700">{m}</p> })}
                            </fieldset>
                            <div class="sm:col-span-2 flex items-center gap-3">
                                <button type="submit" class=BUTTON_PRIMARY disabled=move || launch.pending().get()>"Request launch"</button>
                                <p class="text-sm text-slate-600">"An approver reviews it; nothing is spent before."</p>
                            </div>
                            {move || error().map(|e| view! { <div class="sm:col-span-2"><ErrorNotice error=e /></div> })}
                        </ActionForm>
                        <aside class=CARD aria-labelledby="approver-sees">
                            <h2 id="approver-sees" class="text-lg font-semibold">"What the approver will see"</h2>
                            <dl class="mt-3 space-y-2 text-sm">
                                <div><dt class="text-slate-600">"Platform"</dt><dd class="font-medium">{move || platform.get().name()}</dd></div>
                                <div><dt class="text-slate-600">"Audience"</dt><dd class="font-medium">{move || reach().map(|(name, n)| format!("{name}: {n} people, sent as hashed addresses")).unwrap_or_else(|| "—".into())}</dd></div>
                                <div><dt class="text-slate-600">"Spend"</dt><dd class="font-medium">{move || {
                                    let b = budget.get();
                                    match crate::domain::form::dollars(&b, "daily_budget_usd").ok().and_then(|d| crate::domain::money::usd_to_cents("daily_budget_usd", d, None).ok()) {
                                        Some(c) => format!("{} a day, at most {} a month", format_usd(c), format_usd(c * 31)),
                                        None => "—".into(),
                                    }
                                }}</dd></div>
                                <div><dt class="text-slate-600">"Ads"</dt><dd class="font-medium">{move || format!("{} approved creative(s)", picked.get().len())}</dd></div>
                            </dl>
                        </aside>
                    </div>
                }.into_any()
            })}
        </Transition>
    }
}
