//! `/settings/connectors`: accounts at outside providers, their health, and a test button.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::app::components::pager::{Pager, list_href};
use crate::app::components::ui::{
    BUTTON_DANGER, BUTTON_PRIMARY, BUTTON_SECONDARY, Badge, CARD, EmptyState, ErrorNotice, INPUT,
    LABEL, Loading, PageHeader, SELECT, TABLE, TABLE_WRAP, TD, TH,
};
use crate::app::format::{when, when_or};
use crate::app::server_fns::connectors::{
    CreateConnector, DeleteConnector, TestConnector, UpdateConnector, list_connectors,
};
use crate::domain::connector::{Connector, ConnectorKind, ConnectorRole, Health, Spec, ValueKind};

/// The kind, and for a sandbox the channel it stands in for.
fn kind_label(c: &Connector) -> String {
    if c.kind != ConnectorKind::Sandbox {
        return c.kind.as_str().to_owned();
    }
    let roles = c.roles();
    if roles.len() > 1 {
        return "sandbox (every channel)".to_owned();
    }
    let channel = roles.iter().map(|r| match r {
        ConnectorRole::EmailSender => "mail",
        ConnectorRole::AdAccount => "ads",
        ConnectorRole::Cms => "CMS",
    });
    format!("sandbox ({})", channel.collect::<Vec<_>>().join(", "))
}

/// A setting's input: a list for a setting that takes one of a few words, else a text box.
fn setting_input(spec: &Spec, id: String, name: String, current: String) -> AnyView {
    match spec.kind {
        ValueKind::OneOf(words) => {
            let blank = (!spec.required).then(|| view! { <option value="" selected=current.is_empty()>"—"</option> });
            view! {
                <select id=id name=name class=format!("mt-1 {SELECT}")>
                    {blank}
                    {words.iter().map(|w| view! { <option value=*w selected=current == *w>{*w}</option> }).collect_view()}
                </select>
            }
            .into_any()
        }
        _ => view! { <input id=id name=name value=current required=spec.required class=format!("mt-1 {INPUT}") /> }.into_any(),
    }
}

fn health_tone(h: Health) -> &'static str {
    match h {
        Health::Healthy => "green",
        Health::Failing => "red",
        Health::Unknown => "slate",
    }
}

/// The connectors page; the page position lives in the URL.
#[component]
pub fn ConnectorsPage() -> impl IntoView {
    let query = use_query_map();
    let get = move |k: &str| query.read().get(k).filter(|v| !v.is_empty());
    let create = ServerAction::<CreateConnector>::new();
    let test = ServerAction::<TestConnector>::new();
    let delete = ServerAction::<DeleteConnector>::new();
    let update = ServerAction::<UpdateConnector>::new();
    let connectors = crate::app::resource::load(
        move || {
            (
                update.version().get(),
                create.version().get(),
                test.version().get(),
                delete.version().get(),
                get("limit"),
                get("cursor"),
            )
        },
        |(.., limit, cursor)| list_connectors(limit, cursor),
    );
    let kind = RwSignal::new(ConnectorKind::Sandbox);
    let create_error = move || create.value().get().and_then(Result::err);

    view! {
        <Title text="Connectors" />
        <PageHeader title="Connectors" subtitle="Accounts at mail, ad and CMS providers. Secrets are stored encrypted and never shown again." />
        {move || test.value().get().and_then(Result::err).map(|e| view! { <div class="mb-4"><ErrorNotice error=e /></div> })}
        {move || delete.value().get().and_then(Result::err).map(|e| view! { <div class="mb-4"><ErrorNotice error=e /></div> })}
        {move || update.value().get().and_then(Result::err).map(|e| view! { <div class="mb-4"><ErrorNotice error=e /></div> })}
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match connectors.await {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(page) if page.items.is_empty() => view! {
                        <EmptyState title="No connectors yet".to_owned()><p>"Add a sandbox connector to try every flow without an outside account."</p></EmptyState>
                    }.into_any(),
                    Ok(page) => {
                        let editable = page.items.clone();
                        view! {
                        <div class=TABLE_WRAP>
                            <table class=TABLE>
                                <thead class="bg-slate-50"><tr>
                                    <th scope="col" class=TH>"Name"</th><th scope="col" class=TH>"Kind"</th><th scope="col" class=TH>"Health"</th>
                                    <th scope="col" class=TH>"Last check"</th><th scope="col" class=TH><span class="sr-only">"Actions"</span></th>
                                </tr></thead>
                                <tbody class="divide-y divide-slate-100">
                                    {page.items.into_iter().map(|c| {
                                        let id = c.id.to_string();
                                        let id2 = id.clone();
                                        let name = c.name.clone();
                                        let name2 = c.name.clone();
                                        view! {
                                            <tr data-connector=c.name.clone() data-connector-id=c.id.to_string()>
                                                <td class=format!("{TD} font-medium")>{c.name.clone()}</td>
                                                <td class=TD>{kind_label(&c)}</td>
                                                <td class=TD>
                                                    <Badge text=c.health.as_str().to_owned() tone=health_tone(c.health) />
                                                    {c.health_detail.clone().map(|d| view! { <p class="mt-1 max-w-xs break-words text-xs text-slate-600">{d}</p> })}
                                                    {c.failing_since.map(|since| view! {
                                                        <p class="mt-1 max-w-xs text-xs font-medium text-red-800" data-testid="connector-held">
                                                            {format!("Sending held since {}: {} run(s) wait. A passing test lets them go on.", when(&since), c.held_runs)}
                                                        </p>
                                                    })}
                                                </td>
                                                <td class=format!("{TD} whitespace-nowrap")>{when_or(c.last_checked_at.as_ref(), "never")}</td>
                                                <td class=format!("{TD} whitespace-nowrap text-right")>
                                                    <div class="flex justify-end gap-2">
                                                        <ActionForm action=test>
                                                            <input type="hidden" name="id" value=id />
                                                            <button type="submit" class=BUTTON_SECONDARY aria-label=format!("Test connection {name}")>"Test connection"</button>
                                                        </ActionForm>
                                                        <ActionForm action=delete>
                                                            <input type="hidden" name="id" value=id2 />
                                                            <button type="submit" class=BUTTON_DANGER aria-label=format!("Delete connector {name2}")>"Delete"</button>
                                                        </ActionForm>
                                                    </div>
                                                </td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                        <ul class="mt-3 space-y-2">
                            {editable.into_iter().map(|c| view! { <li><EditConnector connector=c update /></li> }).collect_view()}
                        </ul>
                        <Pager first=list_href("/settings/connectors", &[("limit", get("limit"))]) later=get("cursor").is_some() next_cursor=page.next_cursor />
                    }.into_any()
                    }
                }
            })}
        </Transition>
        <section aria-labelledby="add-connector" class=format!("mt-6 {CARD}")>
            <h2 id="add-connector" class="text-lg font-semibold">"Add a connector"</h2>
            <ActionForm action=create attr:class="mt-4 grid gap-4 sm:grid-cols-2">
                <div>
                    <label for="connector-kind" class=LABEL>"Kind"</label>
                    <select id="connector-kind" name="kind" class=format!("mt-1 {SELECT}") on:change=move |ev| {
                        if let Ok(k) = event_target_value(&ev).parse() { kind.set(k) }
                    }>
                        {ConnectorKind::ALL.iter().map(|k| view! { <option value=k.as_str() selected=*k == ConnectorKind::Sandbox>{k.as_str()}</option> }).collect_view()}
                    </select>
                </div>
                <div>
                    <label for="connector-name" class=LABEL>"Name"</label>
                    <input id="connector-name" name="name" required maxlength="100" class=format!("mt-1 {INPUT}") />
                </div>
                {move || {
                    let k = kind.get();
                    k.settings().iter().map(|s| ("settings", s)).chain(k.secrets().iter().map(|s| ("secrets", s))).map(|(group, spec)| {
                        let id = format!("{group}-{}", spec.name);
                        let label_for = id.clone();
                        let name = format!("{group}[{}]", spec.name);
                        let field = format!("{group}.{}", spec.name);
                        let secret = group == "secrets";
                        let input = if let ValueKind::OneOf(_) = spec.kind {
                            setting_input(spec, id, name, String::new())
                        } else {
                            view! { <input id=id name=name type=if secret { "password" } else { "text" } autocomplete="off" required=spec.required class=format!("mt-1 {INPUT}") /> }.into_any()
                        };
                        view! {
                            <div>
                                <label for=label_for class=LABEL>{spec.label}{(!spec.required).then_some(" (optional)")}</label>
                                {input}
                                <p class="mt-1 text-sm text-red-700">{move || create_error().and_then(|e| e.field(&field))}</p>
                            </div>
                        }
                    }).collect_view()
                }}
                <div class="sm:col-span-2 flex items-center gap-3">
                    <button type="submit" class=BUTTON_PRIMARY>"Add connector"</button>
                    {move || create_error().filter(|e| e.field("name").is_none()).map(|e| view! { <ErrorNotice error=e /> })}
                </div>
            </ActionForm>
        </section>
    }
}

/// The edit form of one connector: settings prefilled, secrets blank (typing one replaces it).
#[component]
fn EditConnector(connector: Connector, update: ServerAction<UpdateConnector>) -> impl IntoView {
    let prefix = connector.id.to_string();
    let kind = connector.kind;
    view! {
        <details class=CARD>
            <summary class="cursor-pointer text-sm font-medium text-indigo-700">{format!("Edit {}", connector.name)}</summary>
            <ActionForm action=update attr:class="mt-4 grid gap-4 sm:grid-cols-2">
                <input type="hidden" name="id" value=connector.id.to_string() />
                <input type="hidden" name="version" value=connector.version.to_string() />
                <div>
                    <label for=format!("{prefix}-name") class=LABEL>"Name"</label>
                    <input id=format!("{prefix}-name") name="name" value=connector.name.clone() required class=format!("mt-1 {INPUT}") />
                </div>
                {kind.settings().iter().map(|spec| {
                    let id = format!("{prefix}-settings-{}", spec.name);
                    let label_for = id.clone();
                    let current = connector.settings.get(spec.name).cloned().unwrap_or_default();
                    view! {
                        <div>
                            <label for=label_for class=LABEL>{spec.label}</label>
                            {setting_input(spec, id, format!("settings[{}]", spec.name), current)}
                        </div>
                    }
                }).collect_view()}
                {kind.secrets().iter().map(|spec| {
                    let id = format!("{prefix}-secrets-{}", spec.name);
                    let label_for = id.clone();
                    let set = connector.secrets_set.iter().any(|n| n == spec.name);
                    view! {
                        <div>
                            <label for=label_for class=LABEL>{spec.label}</label>
                            <input id=id name=format!("secrets[{}]", spec.name) type="password" autocomplete="off"
                                placeholder=if set { "set; type to replace" } else { "not set" } class=format!("mt-1 {INPUT}") />
                        </div>
                    }
                }).collect_view()}
                <div class="sm:col-span-2"><button type="submit" class=BUTTON_PRIMARY>"Save connector"</button></div>
            </ActionForm>
        </details>
    }
}
