//! `/email`: the sequences, and `/email/new`: the form that generates and previews one.

use leptos::prelude::*;

use super::campaigns::PausedReasonNote;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::app::components::pager::{Pager, list_href};
use crate::app::components::ui::{
    BUTTON_PRIMARY, BUTTON_SECONDARY, Badge, CARD, EmptyState, ErrorNotice, INPUT, LABEL, Loading,
    PageHeader, SELECT, TABLE, TABLE_WRAP, TD, TH,
};
use crate::app::format::when;
use crate::app::server_fns::sequences::{PreviewSequence, list_sequences, sequence_form_options};
use crate::domain::sequence::{SequenceStatus, Weekday};

/// The badge tone of a sequence status.
pub fn status_tone(status: SequenceStatus) -> &'static str {
    match status {
        SequenceStatus::PendingApproval => "amber",
        SequenceStatus::Active => "green",
        SequenceStatus::Paused => "blue",
        SequenceStatus::Completed => "violet",
        SequenceStatus::Rejected => "red",
        SequenceStatus::Cancelled => "slate",
    }
}

/// A status as people read it.
pub fn status_text(status: SequenceStatus) -> String {
    status.as_str().replace('_', " ")
}

/// Every sequence of the workspace, a page at a time; the page position lives in the URL.
#[component]
pub fn EmailSequencesPage() -> impl IntoView {
    let query = use_query_map();
    let get = move |k: &str| query.read().get(k).filter(|v| !v.is_empty());
    let sequences = crate::app::resource::load(
        move || (get("limit"), get("cursor")),
        |(limit, cursor)| list_sequences(limit, cursor),
    );
    view! {
        <Title text="Email sequences" />
        <PageHeader title="Email sequences" subtitle="Multi-step emails, previewed for real contacts and sent only after an approver signs off." />
        <div class="mb-4 flex justify-end gap-2">
            <a href="/email/outbox" class=BUTTON_SECONDARY>"Sandbox outbox"</a>
            <a href="/email/new" class=BUTTON_PRIMARY>"New email sequence"</a>
        </div>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match sequences.await {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(page) if page.items.is_empty() => view! {
                        <EmptyState title="No email sequences yet".to_owned()>
                            <p>"Pick a segment, a brand and an objective; Tenex writes the emails and shows them for real contacts. Nothing is sent until an approver approves."</p>
                        </EmptyState>
                    }.into_any(),
                    Ok(page) => view! {
                        <div class=TABLE_WRAP>
                            <table class=TABLE>
                                <thead class="bg-slate-50"><tr>
                                    <th scope="col" class=TH>"Name"</th><th scope="col" class=TH>"Status"</th><th scope="col" class=TH>"Emails"</th>
                                    <th scope="col" class=TH>"Enrolled"</th><th scope="col" class=TH>"Created"</th>
                                </tr></thead>
                                <tbody class="divide-y divide-slate-100">
                                    {page.items.into_iter().map(|v| {
                                        let s = v.sequence;
                                        view! {
                                            <tr data-sequence-id=s.id.to_string()>
                                                <td class=format!("{TD} font-medium")><a class="text-indigo-700 hover:underline" href=format!("/email/sequences/{}", s.id)>{s.name.clone()}</a></td>
                                                <td class=TD><Badge text=status_text(s.status) tone=status_tone(s.status) /><PausedReasonNote reason=s.paused_reason /></td>
                                                <td class=TD>{s.steps.len()}</td>
                                                <td class=TD>{v.stats.enrolled}</td>
                                                <td class=format!("{TD} whitespace-nowrap text-slate-600")>{when(&s.created_at)}</td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                        <Pager first=list_href("/email", &[("limit", get("limit"))]) later=get("cursor").is_some() next_cursor=page.next_cursor />
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

const ZONES: [&str; 12] = [
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Paris",
    "Europe/Madrid",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
];

/// The new-sequence form: segment, brand, objective, sender, number of emails, cadence and an
/// optional send window. Submitting generates the emails and opens the preview.
#[component]
pub fn NewSequencePage() -> impl IntoView {
    let options = crate::app::resource::load(|| (), |_| sequence_form_options());
    let create = ServerAction::<PreviewSequence>::new();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(id)) = create.value().get() {
            navigate(&format!("/email/sequences/{id}"), Default::default());
        }
    });
    let use_window = RwSignal::new(false);
    let days = RwSignal::new(vec![
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
    ]);
    let error = move || create.value().get().and_then(Result::err);
    let field_error = move |name: &'static str| {
        move || {
            error()
                .and_then(|e| e.field(name))
                .map(|m| view! { <p class="mt-1 text-sm text-red-700">{m}</p> })
        }
    };
    view! {
        <Title text="New email sequence" />
        <p class="mb-2 text-sm"><a class="text-indigo-700 hover:underline" href="/email">"← Email sequences"</a></p>
        <PageHeader title="New email sequence" subtitle="Tenex writes each email from the brand and the objective, then shows it for real contacts. Nothing is sent." />
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match options.await {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(o) => {
                        let missing = o.segments.is_empty() || o.brands.is_empty() || o.senders.is_empty();
                        view! {
                            {missing.then(|| view! {
                                <div role="note" class="mb-4 rounded-md bg-amber-50 p-3 text-sm text-amber-900 ring-1 ring-amber-200">
                                    "A sequence needs a segment (CRM → Segments), a brand (Settings → Brands) and an email sender (Settings → Connectors)."
                                </div>
                            })}
                            <ActionForm action=create attr:class=format!("{CARD} grid gap-4 sm:grid-cols-2")>
                                <div class="sm:col-span-2">
                                    <label for="seq-objective" class=LABEL>"Objective"</label>
                                    <input id="seq-objective" name="objective" required maxlength="300" placeholder="book a demo" class=format!("mt-1 {INPUT}") />
                                    {field_error("objective")}
                                </div>
                                <div>
                                    <label for="seq-segment" class=LABEL>"Segment"</label>
                                    <select id="seq-segment" name="segment_id" class=format!("mt-1 {SELECT}")>
                                        {o.segments.into_iter().map(|(id, name)| view! { <option value=id>{name}</option> }).collect_view()}
                                    </select>
                                    {field_error("segment_id")}
                                </div>
                                <div>
                                    <label for="seq-brand" class=LABEL>"Brand"</label>
                                    <select id="seq-brand" name="brand_id" class=format!("mt-1 {SELECT}")>
                                        {o.brands.into_iter().map(|(id, name)| view! { <option value=id>{name}</option> }).collect_view()}
                                    </select>
                                    {field_error("brand_id")}
                                </div>
                                <div>
                                    <label for="seq-sender" class=LABEL>"Sender"</label>
                                    <select id="seq-sender" name="sender_connector_id" class=format!("mt-1 {SELECT}")>
                                        {o.senders.into_iter().map(|(id, name)| view! { <option value=id>{name}</option> }).collect_view()}
                                    </select>
                                    {field_error("sender_connector_id")}
                                </div>
                                <div>
                                    <label for="seq-name" class=LABEL>"Name " <span class="font-normal text-slate-500">"(optional)"</span></label>
                                    <input id="seq-name" name="name" maxlength="200" placeholder="Made from the objective" class=format!("mt-1 {INPUT}") />
                                    {field_error("name")}
                                </div>
                                <div>
                                    <label for="seq-count" class=LABEL>"Number of emails"</label>
                                    <input id="seq-count" name="num_emails" type="number" min="1" max="10" value="3" class=format!("mt-1 {INPUT}") />
                                    {field_error("num_emails")}
                                </div>
                                <div>
                                    <label for="seq-cadence" class=LABEL>"Cadence (day of each email)"</label>
                                    <input id="seq-cadence" name="cadence_days" placeholder="0, 3, 7" class=format!("mt-1 {INPUT}") aria-describedby="seq-cadence-help" />
                                    <p id="seq-cadence-help" class="mt-1 text-xs text-slate-500">"One day per email, never going back; empty for 0, 3, 7, 14…"</p>
                                    {move || error().and_then(|e| e.field("cadence_days").or_else(|| {
                                        (0..10).find_map(|i| e.field(&format!("cadence_days[{i}]")))
                                    })).map(|m| view! { <p class="mt-1 text-sm text-red-700">{m}</p> })}
                                </div>
                                <fieldset class="sm:col-span-2 rounded-md bg-slate-50 p-3">
                                    <legend class="sr-only">"Send window"</legend>
                                    <label class="flex items-center gap-2 text-sm font-medium text-slate-700">
                                        <input type="checkbox" prop:checked=move || use_window.get() on:change=move |ev| use_window.set(event_target_checked(&ev)) />
                                        "Only send within a window"
                                    </label>
                                    <Show when=move || use_window.get()>
                                        <div class="mt-3 grid gap-3 sm:grid-cols-4">
                                            <div class="sm:col-span-4 flex flex-wrap gap-3 text-sm">
                                                {Weekday::ALL.iter().copied().map(|d| view! {
                                                    <label class="flex items-center gap-1">
                                                        <input type="checkbox" prop:checked=move || days.with(|s| s.contains(&d))
                                                            on:change=move |ev| {
                                                                let on = event_target_checked(&ev);
                                                                days.update(|s| { s.retain(|x| *x != d); if on { s.push(d); } });
                                                            } />
                                                        {d.as_str()}
                                                    </label>
                                                }).collect_view()}
                                                <input type="hidden" name="window_days" prop:value=move || days.with(|s| s.iter().map(|d| d.as_str()).collect::<Vec<_>>().join(",")) />
                                            </div>
                                            <div>
                                                <label for="seq-start" class=LABEL>"From hour"</label>
                                                <input id="seq-start" name="window_start" type="number" min="0" max="23" value="9" class=format!("mt-1 {INPUT}") />
                                            </div>
                                            <div>
                                                <label for="seq-end" class=LABEL>"Until hour"</label>
                                                <input id="seq-end" name="window_end" type="number" min="1" max="24" value="17" class=format!("mt-1 {INPUT}") />
                                            </div>
                                            <div class="sm:col-span-2">
                                                <label for="seq-tz" class=LABEL>"Time zone"</label>
                                                <input id="seq-tz" name="window_timezone" list="seq-zones" value="UTC" class=format!("mt-1 {INPUT}") />
                                                <datalist id="seq-zones">{ZONES.iter().map(|z| view! { <option value=*z /> }).collect_view()}</datalist>
                                            </div>
                                            <div class="sm:col-span-4">
                                                {move || error().and_then(|e| ["send_window.days", "send_window.start_hour", "send_window.end_hour", "send_window.timezone"].iter().find_map(|f| e.field(f)))
                                                    .map(|m| view! { <p class="text-sm text-red-700">{m}</p> })}
                                            </div>
                                        </div>
                                    </Show>
                                </fieldset>
                                <div class="sm:col-span-2 flex items-center gap-3">
                                    <button type="submit" class=BUTTON_PRIMARY disabled=move || create.pending().get()>
                                        {move || if create.pending().get() { "Writing the emails…" } else { "Generate preview" }}
                                    </button>
                                    <p class="text-sm text-slate-600">"Creates the sequence pending approval. Nothing is sent."</p>
                                </div>
                                {move || error().map(|e| view! { <div class="sm:col-span-2"><ErrorNotice error=e /></div> })}
                            </ActionForm>
                        }.into_any()
                    }
                }
            })}
        </Transition>
    }
}
