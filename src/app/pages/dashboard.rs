//! `/`: the dashboard. Totals for the chosen range with the change against the range
//! before, a chart per measure, each channel's share and the campaigns that did the most.
//! The range (a preset or custom dates), the channel and the table's order live in the
//! URL, so a view is a link.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

use crate::app::components::pager::list_href;
use crate::app::components::results::{ResultCharts, ResultTiles};
use crate::app::components::ui::{
    BUTTON_PRIMARY, Badge, CARD, EmptyState, ErrorNotice, INPUT, LABEL, Loading, PageHeader,
    SELECT, TABLE, TABLE_WRAP, TD, TH,
};
use crate::app::format::count;
use crate::app::pages::campaigns::status_tone;
use crate::app::server_fns::rollups::{CampaignResult, load_dashboard};
use crate::domain::campaign::Channel;
use crate::domain::change::Counts;
use crate::domain::money::format_usd;
use crate::domain::rollup::RangeInput;

/// The ranges offered in one click.
const PRESETS: [(&str, &str); 3] = [("7", "7 days"), ("30", "30 days"), ("90", "90 days")];
/// How many campaigns the table shows.
const TOP: usize = 10;

/// A column the campaigns table can be ordered by: its key in the URL, its heading, its value.
type Sort = (&'static str, &'static str, fn(&Counts) -> i64);

/// What the campaigns table can be ordered by.
const SORTS: [Sort; 5] = [
    ("sends", "Sends", |c| c.sends),
    ("replies", "Replies", |c| c.replies),
    ("conversions", "Conversions", |c| c.conversions),
    ("spend", "Spend", |c| c.spend_cents),
    ("cac", "CAC", |c| c.cac_cents().unwrap_or(i64::MAX)),
];

fn cac(c: &Counts) -> String {
    c.cac_cents().map_or_else(|| "—".to_owned(), format_usd)
}

fn channel_name(c: Option<Channel>) -> &'static str {
    match c {
        Some(Channel::Email) => "Email",
        Some(Channel::Ads) => "Ads",
        Some(Channel::Blog) => "Blog",
        None => "No campaign (unattributed)",
    }
}

/// The campaigns with the most of `sort` (CAC: the cheapest first), at most [`TOP`].
fn top(mut campaigns: Vec<CampaignResult>, sort: &str) -> Vec<CampaignResult> {
    let key = SORTS
        .iter()
        .find(|(k, _, _)| *k == sort)
        .map_or(SORTS[2].2, |(_, _, f)| *f);
    if sort == "cac" {
        campaigns.sort_by_key(|c| (key(&c.counts), c.name.clone()));
    } else {
        campaigns.sort_by_key(|c| (std::cmp::Reverse(key(&c.counts)), c.name.clone()));
    }
    campaigns.truncate(TOP);
    campaigns
}

/// The dashboard.
#[component]
pub fn DashboardPage() -> impl IntoView {
    let query = use_query_map();
    let get = move |k: &str| query.read().get(k).filter(|v| !v.is_empty());
    let range = move || RangeInput {
        from: get("from"),
        to: get("to"),
        days: get("days"),
    };
    let data = crate::app::resource::load(
        move || (range(), get("channel")),
        |(r, c)| load_dashboard(r, c),
    );
    let href = move |changes: &[(&str, Option<String>)]| {
        let mut params: Vec<(&str, Option<String>)> = ["days", "from", "to", "channel", "sort"]
            .iter()
            .map(|k| (*k, get(k)))
            .collect();
        for (k, v) in changes {
            if let Some(p) = params.iter_mut().find(|(name, _)| name == k) {
                p.1 = v.clone();
            }
        }
        list_href("/", &params)
    };
    let custom = move || get("from").is_some() || get("to").is_some();
    let preset_active =
        move |days: &str| !custom() && get("days").as_deref().unwrap_or("30") == days;

    view! {
        <Title text="Dashboard" />
        <PageHeader title="Dashboard" subtitle="What your campaigns did, day by day: sends, replies, conversions, spend and CAC." />
        <div class=format!("{CARD} mb-6 flex flex-wrap items-end gap-4")>
            <nav aria-label="Range">
                <p class=LABEL id="presets-label">"Range"</p>
                <ul class="mt-1 flex gap-2" aria-labelledby="presets-label">
                    {PRESETS.iter().map(|(days, label)| {
                        let to = href(&[("days", Some((*days).to_owned())), ("from", None), ("to", None)]);
                        view! {
                            <li>
                                <a href=to data-preset=*days
                                    aria-current=move || preset_active(days).then_some("page")
                                    class=move || if preset_active(days) {
                                        "inline-block rounded-md bg-indigo-600 px-3 py-2 text-sm font-semibold text-white"
                                    } else {
                                        "inline-block rounded-md bg-white px-3 py-2 text-sm font-medium text-slate-700 ring-1 ring-inset ring-slate-300 hover:bg-slate-50"
                                    }>
                                    {format!("Last {label}")}
                                </a>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </nav>
            <Form method="GET" action="" attr:class="flex flex-wrap items-end gap-3" attr:aria-label="Custom range and channel">
                <div>
                    <label for="d-from" class=LABEL>"From"</label>
                    <input id="d-from" type="date" name="from" class=format!("mt-1 {INPUT}") prop:value=move || get("from").unwrap_or_default() />
                </div>
                <div>
                    <label for="d-to" class=LABEL>"To"</label>
                    <input id="d-to" type="date" name="to" class=format!("mt-1 {INPUT}") prop:value=move || get("to").unwrap_or_default() />
                </div>
                <div>
                    <label for="d-channel" class=LABEL>"Channel"</label>
                    <select id="d-channel" name="channel" class=format!("mt-1 {SELECT}")>
                        <option value="">"All channels"</option>
                        {Channel::ALL.iter().map(|c| view! {
                            <option value=c.as_str() selected=move || get("channel").as_deref() == Some(c.as_str())>{channel_name(Some(*c))}</option>
                        }).collect_view()}
                    </select>
                </div>
                <input type="hidden" name="days" prop:value=move || if custom() { String::new() } else { get("days").unwrap_or_default() } />
                <button type="submit" class=BUTTON_PRIMARY>"Apply"</button>
            </Form>
        </div>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                let d = match data.await {
                    Err(e) => return view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(d) => d,
                };
                let r = d.rollup.clone();
                let sort = get("sort").unwrap_or_else(|| "conversions".into());
                let active = d.campaigns.len();
                let shown = top(d.campaigns.clone(), &sort);
                let empty = r.totals.is_zero() && r.previous.is_zero();
                view! {
                    <p class="mb-4 text-sm text-slate-600" data-testid="range">
                        {format!("{} to {} ({} days, days start in {}).", r.from, r.to, r.len, r.time_zone)}
                    </p>
                    {empty.then(|| view! {
                        <div class="mb-6">
                            <EmptyState title="Nothing counted in this range yet".to_owned()>
                                "Sends, replies, conversions and spend appear here as they happen. Start with an "
                                <a class="font-medium text-indigo-700 underline" href="/email/new">"email sequence"</a>", an "
                                <a class="font-medium text-indigo-700 underline" href="/ads/campaigns/new">"ad campaign"</a>" or a "
                                <a class="font-medium text-indigo-700 underline" href="/blog">"blog post"</a>"."
                            </EmptyState>
                        </div>
                    })}
                    <section aria-labelledby="totals-title">
                        <h2 id="totals-title" class="sr-only">"Totals"</h2>
                        <ResultTiles view=r.clone() />
                    </section>
                    <section aria-labelledby="charts-title" class="mt-6">
                        <h2 id="charts-title" class="mb-3 text-lg font-semibold">"Day by day"</h2>
                        <ResultCharts view=r prefix="dash" />
                    </section>
                    <section aria-labelledby="channels-title" class="mt-6">
                        <h2 id="channels-title" class="mb-3 text-lg font-semibold">"By channel"</h2>
                        <div class=TABLE_WRAP>
                            <table class=TABLE data-testid="channels">
                                <thead class="bg-slate-50"><tr>
                                    <th scope="col" class=TH>"Channel"</th><th scope="col" class=TH>"Sends"</th><th scope="col" class=TH>"Replies"</th>
                                    <th scope="col" class=TH>"Conversions"</th><th scope="col" class=TH>"Spend"</th><th scope="col" class=TH>"CAC"</th>
                                </tr></thead>
                                <tbody class="divide-y divide-slate-100 bg-white">
                                    {d.channels.iter().map(|(c, n)| view! {
                                        <tr data-channel=c.map_or("none", |c| c.as_str())>
                                            <th scope="row" class=format!("{TD} text-left font-medium")>{channel_name(*c)}</th>
                                            <td class=TD>{count(n.sends)}</td>
                                            <td class=TD>{count(n.replies)}</td>
                                            <td class=TD>{count(n.conversions)}</td>
                                            <td class=TD>{format_usd(n.spend_cents)}</td>
                                            <td class=TD>{cac(n)}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                        {d.channels.is_empty().then(|| view! { <p class="mt-2 text-sm text-slate-600">"No channel counted anything in this range."</p> })}
                    </section>
                    <section aria-labelledby="top-title" class="mt-6">
                        <h2 id="top-title" class="mb-1 text-lg font-semibold">"Top campaigns"</h2>
                        <p class="mb-3 text-sm text-slate-600">{format!("{active} campaign(s) counted something in this range; the top {} by the column chosen.", shown.len())}</p>
                        <div class=TABLE_WRAP>
                            <table class=TABLE data-testid="top-campaigns">
                                <thead class="bg-slate-50"><tr>
                                    <th scope="col" class=TH>"Campaign"</th>
                                    <th scope="col" class=TH>"Status"</th>
                                    {SORTS.iter().map(|(key, label, _)| {
                                        let sorted = sort == *key;
                                        let to = href(&[("sort", Some((*key).to_owned()))]);
                                        view! {
                                            <th scope="col" class=TH aria-sort=if sorted { if *key == "cac" { "ascending" } else { "descending" } } else { "none" }>
                                                <a href=to class="hover:underline" data-sort=*key>{*label}{sorted.then_some(if *key == "cac" { " ↑" } else { " ↓" })}</a>
                                            </th>
                                        }
                                    }).collect_view()}
                                </tr></thead>
                                <tbody class="divide-y divide-slate-100 bg-white">
                                    {shown.into_iter().map(|c| view! {
                                        <tr>
                                            <td class=TD>
                                                <a class="font-medium text-indigo-700 hover:underline" href=format!("/campaigns/{}", c.id)>{c.name.clone()}</a>
                                                <span class="block text-xs text-slate-600">{channel_name(Some(c.channel))}</span>
                                            </td>
                                            <td class=TD><Badge text=c.status.as_str().replace('_', " ") tone=status_tone(c.status) /></td>
                                            <td class=TD>{count(c.counts.sends)}</td>
                                            <td class=TD>{count(c.counts.replies)}</td>
                                            <td class=TD>{count(c.counts.conversions)}</td>
                                            <td class=TD>{format_usd(c.counts.spend_cents)}</td>
                                            <td class=TD>{cac(&c.counts)}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    </section>
                }.into_any()
            })}
        </Transition>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::campaign::CampaignStatus;

    fn result(name: &str, conversions: i64, spend_cents: i64) -> CampaignResult {
        CampaignResult {
            id: format!("cmp_{name}"),
            name: name.into(),
            channel: Channel::Ads,
            status: CampaignStatus::Active,
            counts: Counts {
                conversions,
                spend_cents,
                ..Counts::default()
            },
        }
    }

    #[test]
    fn the_table_orders_by_the_chosen_column_cheapest_cac_first() {
        let all = vec![
            result("a", 1, 900),
            result("b", 5, 1000),
            result("c", 0, 50),
        ];
        let names = |v: Vec<CampaignResult>| v.into_iter().map(|c| c.name).collect::<Vec<_>>();
        assert_eq!(names(top(all.clone(), "conversions")), ["b", "a", "c"]);
        assert_eq!(names(top(all.clone(), "spend")), ["b", "a", "c"]);
        assert_eq!(
            names(top(all.clone(), "cac")),
            ["b", "a", "c"],
            "no conversions: last"
        );
        assert_eq!(names(top(all, "nonsense")), ["b", "a", "c"]);
    }
}
