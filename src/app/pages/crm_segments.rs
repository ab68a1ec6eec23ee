//! `/crm/segments`: segments with live counts, and the rule builder.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::app::components::crm_tabs::CrmTabs;
use crate::app::components::pager::{Pager, list_href};
use crate::app::components::ui::{
    BUTTON_PRIMARY, BUTTON_SECONDARY, Badge, CARD, EmptyState, ErrorNotice, INPUT, LABEL, Loading,
    PageHeader, SELECT, TABLE, TABLE_WRAP, TD, TH,
};
use crate::app::server_fns::crm::{
    CreateStaticSegment, create_rule_segment, custom_field_names, list_segments, preview_rule,
};
use crate::domain::contact::{STANDARD_FIELDS, TIME_FIELDS};
use crate::domain::segment::{ConditionInput, Match, OPERATORS, RuleInput};

/// The segments list; the page position lives in the URL.
#[component]
pub fn SegmentsPage() -> impl IntoView {
    let query = use_query_map();
    let get = move |k: &str| query.read().get(k).filter(|v| !v.is_empty());
    let create_static = ServerAction::<CreateStaticSegment>::new();
    let segments = crate::app::resource::load(
        move || (create_static.version().get(), get("limit"), get("cursor")),
        |(_, limit, cursor)| list_segments(limit, cursor),
    );
    view! {
        <Title text="Segments" />
        <PageHeader title="CRM" subtitle="The people campaigns are aimed at." />
        <CrmTabs />
        <div class="mb-4 flex flex-col gap-3 sm:flex-row sm:items-end sm:justify-between">
            <ActionForm action=create_static attr:class="flex items-end gap-2">
                <div>
                    <label for="static-name" class=LABEL>"New static segment"</label>
                    <input id="static-name" name="name" required maxlength="100" placeholder="Name" class=format!("mt-1 {INPUT}") />
                </div>
                <button type="submit" class=BUTTON_SECONDARY>"Create"</button>
            </ActionForm>
            <a href="/crm/segments/new" class=BUTTON_PRIMARY>"New rule segment"</a>
        </div>
        {move || create_static.value().get().and_then(Result::err).map(|e| view! { <div class="mb-4"><ErrorNotice error=e /></div> })}
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match segments.await {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(page) if page.items.is_empty() => view! {
                        <EmptyState title="No segments yet".to_owned()><p>"Build one from a rule over contact fields."</p></EmptyState>
                    }.into_any(),
                    Ok(page) => view! {
                        <div class=TABLE_WRAP>
                            <table class=TABLE>
                                <thead class="bg-slate-50"><tr>
                                    <th scope="col" class=TH>"Name"</th><th scope="col" class=TH>"Kind"</th><th scope="col" class=TH>"Members"</th><th scope="col" class=TH>"Rule"</th>
                                </tr></thead>
                                <tbody class="divide-y divide-slate-100">
                                    {page.items.into_iter().map(|s| view! {
                                        <tr data-segment-id=s.id.to_string()>
                                            <td class=format!("{TD} font-medium")><a class="text-indigo-700 hover:underline" href=format!("/crm/segments/{}", s.id)>{s.name.clone()}</a></td>
                                            <td class=TD><Badge text=s.kind.clone() tone=if s.kind == "rule" { "violet" } else { "slate" } /></td>
                                            <td class=TD>{s.member_count}</td>
                                            <td class=format!("{TD} text-xs text-slate-600")>{s.rule.as_ref().map(describe)}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                        <Pager first=list_href("/crm/segments", &[("limit", get("limit"))]) later=get("cursor").is_some() next_cursor=page.next_cursor />
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

/// A rule in words: `company contains "acme" and custom.plan equals "gold"`.
pub fn describe(rule: &RuleInput) -> String {
    let joiner = if rule.combine == Match::All {
        " and "
    } else {
        " or "
    };
    rule.conditions
        .iter()
        .map(|c| match (&c.value, &c.values) {
            (_, Some(vs)) => format!("{} {} {}", c.field, c.op.replace('_', " "), vs.join(", ")),
            (Some(v), _) => format!("{} {} \"{}\"", c.field, c.op.replace('_', " "), v),
            _ => format!("{} {}", c.field, c.op.replace('_', " ")),
        })
        .collect::<Vec<_>>()
        .join(joiner)
}

/// One editable condition row.
#[derive(Clone, Copy)]
struct Row {
    key: usize,
    field: RwSignal<String>,
    op: RwSignal<String>,
    value: RwSignal<String>,
}

impl Row {
    fn new(key: usize) -> Self {
        Self {
            key,
            field: RwSignal::new("company".into()),
            op: RwSignal::new("contains".into()),
            value: RwSignal::new(String::new()),
        }
    }

    fn to_input(self) -> ConditionInput {
        let op = self.op.get();
        let value = self.value.get();
        let (value, values) = if op == "in" {
            (
                None,
                Some(
                    value
                        .split(',')
                        .map(|v| v.trim().to_owned())
                        .filter(|v| !v.is_empty())
                        .collect(),
                ),
            )
        } else if op == "is_empty" || op == "is_not_empty" {
            (None, None)
        } else {
            (Some(value), None)
        };
        ConditionInput {
            field: self.field.get(),
            op,
            value,
            values,
        }
    }
}

/// The rule builder: conditions on standard and custom fields, with the live count and a
/// sample of members as the rule changes.
#[component]
pub fn SegmentBuilderPage() -> impl IntoView {
    let combine = RwSignal::new(Match::All);
    let next_key = StoredValue::new(1usize);
    let rows = RwSignal::new(vec![Row::new(0)]);
    let name = RwSignal::new(String::new());
    let rule = Memo::new(move |_| RuleInput {
        combine: combine.get(),
        conditions: rows.get().into_iter().map(Row::to_input).collect(),
    });
    let preview = crate::app::resource::load(move || rule.get(), preview_rule);
    let custom = crate::app::resource::load(|| (), |_| custom_field_names());
    let save =
        Action::new(move |_: &()| create_rule_segment(name.get_untracked(), rule.get_untracked()));
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            navigate("/crm/segments", Default::default());
        }
    });

    view! {
        <Title text="New segment" />
        <PageHeader title="New rule segment" subtitle="Members are whoever matches the rule at the moment it is used." />
        <div class="grid gap-6 lg:grid-cols-5">
            <section aria-labelledby="rule-title" class=format!("{CARD} lg:col-span-3")>
                <h2 id="rule-title" class="text-lg font-semibold">"Rule"</h2>
                <div class="mt-4">
                    <label for="segment-name" class=LABEL>"Name"</label>
                    <input id="segment-name" type="text" maxlength="100" class=format!("mt-1 {INPUT}") prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
                </div>
                <fieldset class="mt-4">
                    <legend class=LABEL>"Match"</legend>
                    <div class="mt-1 flex gap-4 text-sm">
                        <label class="flex items-center gap-2"><input type="radio" name="combine" checked=move || combine.get() == Match::All on:change=move |_| combine.set(Match::All) />"all conditions"</label>
                        <label class="flex items-center gap-2"><input type="radio" name="combine" checked=move || combine.get() == Match::Any on:change=move |_| combine.set(Match::Any) />"any condition"</label>
                    </div>
                </fieldset>
                <ol class="mt-4 space-y-3">
                    <For each=move || rows.get() key=|r| r.key let:row>
                        <li class="grid gap-2 rounded-md bg-slate-50 p-3 sm:grid-cols-[1fr_1fr_1.3fr_auto]">
                            <div>
                                <label for=format!("field-{}", row.key) class="sr-only">"Field"</label>
                                <input id=format!("field-{}", row.key) list="rule-fields" class=INPUT prop:value=move || row.field.get() on:input=move |ev| row.field.set(event_target_value(&ev)) aria-label="Field" />
                            </div>
                            <div>
                                <label for=format!("op-{}", row.key) class="sr-only">"Operator"</label>
                                <select id=format!("op-{}", row.key) class=SELECT aria-label="Operator" on:change=move |ev| row.op.set(event_target_value(&ev)) prop:value=move || row.op.get()>
                                    {OPERATORS.iter().map(|op| view! { <option value=*op selected=move || row.op.get() == *op>{op.replace('_', " ")}</option> }).collect_view()}
                                </select>
                            </div>
                            <div>
                                <label for=format!("value-{}", row.key) class="sr-only">"Value"</label>
                                <input id=format!("value-{}", row.key) aria-label="Value" class=INPUT placeholder=move || if row.op.get() == "in" { "a, b, c" } else if row.op.get() == "before" || row.op.get() == "after" { "YYYY-MM-DD" } else { "value" }
                                    disabled=move || row.op.get() == "is_empty" || row.op.get() == "is_not_empty"
                                    prop:value=move || row.value.get() on:input=move |ev| row.value.set(event_target_value(&ev)) />
                            </div>
                            <button type="button" class=BUTTON_SECONDARY aria-label="Remove condition" disabled=move || rows.with(|r| r.len() <= 1)
                                on:click=move |_| rows.update(|r| r.retain(|x| x.key != row.key))>"Remove"</button>
                        </li>
                    </For>
                </ol>
                <datalist id="rule-fields">
                    {STANDARD_FIELDS.iter().chain(TIME_FIELDS.iter()).map(|f| view! { <option value=*f /> }).collect_view()}
                    <Transition fallback=|| ()>
                        {move || Suspend::new(async move {
                            custom.await.unwrap_or_default().into_iter().map(|n| view! { <option value=format!("custom.{n}") /> }).collect_view()
                        })}
                    </Transition>
                </datalist>
                <p class="mt-2 text-xs text-slate-500">"Custom fields are written " <code>"custom.<name>"</code> ". Text comparisons ignore case; " <code>"in"</code> " takes a comma-separated list."</p>
                <div class="mt-4 flex flex-wrap gap-2">
                    <button type="button" class=BUTTON_SECONDARY on:click=move |_| {
                        let key = next_key.get_value();
                        next_key.set_value(key + 1);
                        rows.update(|r| r.push(Row::new(key)));
                    }>"Add condition"</button>
                    <button type="button" class=BUTTON_PRIMARY disabled=move || save.pending().get() on:click=move |_| { save.dispatch(()); }>"Save segment"</button>
                </div>
                {move || save.value().get().and_then(Result::err).map(|e| view! { <div class="mt-3"><ErrorNotice error=e /></div> })}
            </section>
            <section aria-labelledby="preview-title" class=format!("{CARD} lg:col-span-2") aria-live="polite">
                <h2 id="preview-title" class="text-lg font-semibold">"Who matches"</h2>
                <Transition fallback=Loading>
                    {move || Suspend::new(async move {
                        match preview.await {
                            Err(e) => view! { <p class="mt-2 text-sm text-slate-600">"Complete the rule to see who matches. " <span class="text-red-700">{e.to_string()}</span></p> }.into_any(),
                            Ok(p) => view! {
                                <p class="mt-2 text-3xl font-semibold" data-testid="segment-count">{p.count}</p>
                                <p class="text-sm text-slate-600">{if p.count == 1 { "contact matches" } else { "contacts match" }}</p>
                                <ul class="mt-4 divide-y divide-slate-100 text-sm">
                                    {p.sample.into_iter().map(|c| view! {
                                        <li class="py-2">
                                            <p class="font-medium">{format!("{} {}", c.first_name, c.last_name)}</p>
                                            <p class="truncate text-slate-600">{format!("{} · {}", c.email, c.company)}</p>
                                        </li>
                                    }).collect_view()}
                                </ul>
                            }.into_any(),
                        }
                    })}
                </Transition>
            </section>
        </div>
    }
}
