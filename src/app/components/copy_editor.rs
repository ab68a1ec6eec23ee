//! The ad copy editor: one box per text entry with a live character counter that counts as
//! the platform does and turns amber past the recommended length and red past the limit.
//! The counters read the same rules table the server refuses with.

use leptos::prelude::*;

use crate::app::components::ad_preview::call_to_action_label;
use crate::app::components::ui::{BUTTON_PRIMARY, INPUT, LABEL, SELECT};
use crate::app::server_fns::ad_creatives::SaveCreative;
use crate::domain::ad_creative::AdCreative;
use crate::domain::ad_platform::{AdPlatform, CopyField, FieldRule, LengthState};

/// Blank boxes offered after a list's entries, up to its maximum.
const SPARE_BOXES: usize = 2;

fn state_name(state: LengthState) -> &'static str {
    match state {
        LengthState::Fits => "fits",
        LengthState::OverRecommended => "over-recommended",
        LengthState::OverLimit => "over-limit",
    }
}

/// One text entry with its counter.
#[component]
fn CountedBox(
    platform: AdPlatform,
    rule: &'static FieldRule,
    /// The form field's name (`headlines[2]`, `primary_text`).
    name: String,
    /// The element id.
    id: String,
    label: String,
    value: String,
    multiline: bool,
) -> impl IntoView {
    let text = RwSignal::new(value.clone());
    let len = move || platform.length(&text.read());
    let state = move || rule.state(len());
    let counter_id = format!("{id}-count");
    let limits = match rule.recommended_len {
        Some(r) => format!("{} recommended, {} at most", r, rule.max_len),
        None => format!("{} at most", rule.max_len),
    };
    let counter_class = move || match state() {
        LengthState::Fits => "text-slate-600",
        LengthState::OverRecommended => "font-medium text-amber-800",
        LengthState::OverLimit => "font-semibold text-red-700",
    };
    let ring = move || match state() {
        LengthState::OverLimit => format!("mt-1 {INPUT} ring-2 ring-red-600"),
        LengthState::OverRecommended => format!("mt-1 {INPUT} ring-amber-500"),
        LengthState::Fits => format!("mt-1 {INPUT}"),
    };
    let input = if multiline {
        view! {
            <textarea id=id.clone() name=name rows="4" class=ring aria-describedby=counter_id.clone()
                aria-invalid=move || (state() == LengthState::OverLimit).to_string()
                on:input=move |ev| text.set(event_target_value(&ev))>{value}</textarea>
        }
        .into_any()
    } else {
        view! {
            <input id=id.clone() name=name value=value class=ring aria-describedby=counter_id.clone()
                aria-invalid=move || (state() == LengthState::OverLimit).to_string()
                on:input=move |ev| text.set(event_target_value(&ev)) />
        }
        .into_any()
    };
    view! {
        <div>
            <div class="flex items-baseline justify-between gap-2">
                <label for=id class=LABEL>{label}</label>
                <span id=counter_id class=move || format!("text-xs tabular-nums {}", counter_class())
                    data-testid="counter" data-state=move || state_name(state())>
                    {move || format!("{} / {}", len(), rule.max_len)}
                    <span class="sr-only">{format!(" characters; {limits}")}</span>
                    {move || match state() {
                        LengthState::OverLimit => " · over the limit",
                        LengthState::OverRecommended => " · may be cut off",
                        LengthState::Fits => "",
                    }}
                </span>
            </div>
            {input}
        </div>
    }
}

/// The boxes of one field of the platform's ad.
fn field_boxes(creative: &AdCreative, rule: &'static FieldRule) -> impl IntoView + use<> {
    let platform = creative.platform;
    let values: Vec<String> = creative
        .copy
        .values(rule.field)
        .into_iter()
        .map(str::to_owned)
        .collect();
    let key = rule.field.as_str();
    let prefix = format!("{}-{key}", creative.id);
    let list = matches!(rule.field, CopyField::Headlines | CopyField::Descriptions);
    let multiline = rule.max_len > 255;
    if list {
        let boxes = (values.len() + SPARE_BOXES)
            .min(rule.max_items)
            .max(rule.min_items.max(1));
        (0..boxes)
            .map(|i| {
                let label = if rule.max_items > 1 {
                    format!("{} {}", rule.label, i + 1)
                } else {
                    rule.label.to_owned()
                };
                view! {
                    <CountedBox platform rule name=format!("{key}[{i}]") id=format!("{prefix}-{i}")
                        label=label value=values.get(i).cloned().unwrap_or_default() multiline />
                }
            })
            .collect_view()
            .into_any()
    } else {
        view! {
            <CountedBox platform rule name=key.to_owned() id=prefix label=rule.label.to_owned()
                value=values.first().cloned().unwrap_or_default() multiline />
        }
        .into_any()
    }
}

/// The edit form of one creative.
#[component]
pub fn CopyEditor(creative: AdCreative, save: ServerAction<SaveCreative>) -> impl IntoView {
    let rules = creative.platform.rules();
    let id = creative.id.to_string();
    let ctas = rules.calls_to_action;
    let current_cta = creative.copy.call_to_action.clone().unwrap_or_default();
    let boxes = rules
        .fields
        .iter()
        .map(|rule| field_boxes(&creative, rule))
        .collect_view();
    view! {
        <ActionForm action=save attr:class="space-y-3">
            <input type="hidden" name="id" value=id.clone() />
            <input type="hidden" name="version" value=creative.version.to_string() />
            {boxes}
            {(!ctas.is_empty()).then(|| view! {
                <div>
                    <label for=format!("{id}-cta") class=LABEL>"Call to action"</label>
                    <select id=format!("{id}-cta") name="call_to_action" class=format!("mt-1 {SELECT}")>
                        <option value="" selected=current_cta.is_empty()>"None"</option>
                        {ctas.iter().map(|c| view! {
                            <option value=*c selected=current_cta == *c>{call_to_action_label(c)}</option>
                        }).collect_view()}
                    </select>
                </div>
            })}
            <div>
                <label for=format!("{id}-url") class=LABEL>"Landing page"</label>
                <input id=format!("{id}-url") name="final_url" type="url" placeholder="https://…" value=creative.copy.final_url.clone().unwrap_or_default() class=format!("mt-1 {INPUT}") />
            </div>
            <button type="submit" class=BUTTON_PRIMARY disabled=move || save.pending().get()>"Save copy"</button>
        </ActionForm>
    }
}
