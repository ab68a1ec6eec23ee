//! `/settings/webhooks` and `/settings/webhooks/:id`: outgoing-webhook endpoints (the
//! secret shown once), and each endpoint's delivery log with "Send test event" and
//! "Redeliver".

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::app::components::pager::{Pager, list_href};
use crate::app::components::ui::{
    BUTTON_DANGER, BUTTON_PRIMARY, BUTTON_SECONDARY, Badge, CARD, EmptyState, ErrorNotice, INPUT,
    LABEL, Loading, PageHeader, TABLE, TABLE_WRAP, TD, TH,
};
use crate::app::error::route_id;
use crate::app::format::{when, when_or};
use crate::app::server_fns::webhooks::{
    CreateWebhook, CreatedEndpoint, DeleteWebhook, RedeliverWebhook, SendTestWebhook,
    SwitchWebhook, get_webhook, list_webhooks,
};
use crate::domain::change::WebhookEvent;
use crate::domain::webhook::{Delivery, DeliveryStatus, WebhookEndpoint};

fn event_help(e: WebhookEvent) -> &'static str {
    match e {
        WebhookEvent::EmailSent => "a sequence message was accepted by its sender",
        WebhookEvent::EmailReplied => "a recipient replied",
        WebhookEvent::EmailBounced => "a message bounced",
        WebhookEvent::ApprovalRequested => "someone asked for an approval",
        WebhookEvent::ApprovalDecided => "an approver approved or rejected",
        WebhookEvent::AdCampaignStatusChanged => "an ad platform confirmed a new status",
        WebhookEvent::PublishJobFinished => "a blog post went live, or its publish gave up",
        WebhookEvent::ConversionRecorded => "a conversion was recorded",
        WebhookEvent::ConnectorFailing => "a sender cannot work and its runs are held",
        WebhookEvent::ConnectorRecovered => "a failing sender passed a test and its runs go on",
    }
}

fn state_badge(e: &WebhookEndpoint) -> impl IntoView + use<> {
    if e.enabled {
        view! { <Badge text="On".to_owned() tone="green" /> }
    } else {
        view! { <Badge text="Off".to_owned() tone="red" /> }
    }
}

/// The endpoint list and the form to add one.
#[component]
pub fn WebhooksPage() -> impl IntoView {
    let query = use_query_map();
    let get = move |k: &str| query.read().get(k).filter(|v| !v.is_empty());
    let create = ServerAction::<CreateWebhook>::new();
    let endpoints = crate::app::resource::load(
        move || (create.version().get(), get("cursor")),
        |(_, cursor)| list_webhooks(None, cursor),
    );
    view! {
        <Title text="Webhooks" />
        <PageHeader title="Webhooks" subtitle="Tell other systems what happened: each event is posted, signed, to the endpoints that want it." />
        <CreateForm create />
        <section aria-labelledby="endpoints-title" class="mt-8">
            <h2 id="endpoints-title" class="mb-3 text-lg font-semibold">"Endpoints"</h2>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match endpoints.await {
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                        Ok(page) if page.items.is_empty() && get("cursor").is_none() => view! {
                            <EmptyState title="No endpoints yet".to_owned()>
                                <p>"Add one above. Its signing secret is shown once, when it is made."</p>
                            </EmptyState>
                        }.into_any(),
                        Ok(page) => view! {
                            <div class=TABLE_WRAP>
                                <table class=TABLE>
                                    <thead class="bg-slate-50"><tr>
                                        <th scope="col" class=TH>"Endpoint"</th><th scope="col" class=TH>"Events"</th>
                                        <th scope="col" class=TH>"State"</th><th scope="col" class=TH>"Added"</th>
                                    </tr></thead>
                                    <tbody class="divide-y divide-slate-100 bg-white">
                                        {page.items.into_iter().map(|e| view! {
                                            <tr>
                                                <td class=TD>
                                                    <a class="font-medium text-indigo-700 hover:underline break-all" href=format!("/settings/webhooks/{}", e.id)>{e.url.clone()}</a>
                                                    {(!e.description.is_empty()).then(|| view! { <span class="block text-xs text-slate-600">{e.description.clone()}</span> })}
                                                </td>
                                                <td class=TD><span class="text-xs">{e.events.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")}</span></td>
                                                <td class=TD>{state_badge(&e)}{e.disabled_reason.clone().map(|r| view! { <span class="block text-xs text-red-700">{r}</span> })}</td>
                                                <td class=format!("{TD} whitespace-nowrap")>{when(&e.created_at)}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                            <Pager first=list_href("/settings/webhooks", &[]) later=get("cursor").is_some() next_cursor=page.next_cursor />
                        }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn CreateForm(create: ServerAction<CreateWebhook>) -> impl IntoView {
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let result = move || create.value().get();
    let field_error =
        move |name: &'static str| result().and_then(Result::err).and_then(|e| e.field(name));
    view! {
        <section aria-labelledby="add-title" class=CARD>
            <h2 id="add-title" class="text-lg font-semibold">"Add an endpoint"</h2>
            <p class="mt-1 text-sm text-slate-600">
                "It must be https and reach a public address; an admin can allow private addresses (an on-premise receiver) in "
                <a class="font-medium text-indigo-700 underline" href="/settings/workspace">"Workspace settings"</a>"."
            </p>
            <ActionForm action=create attr:class="mt-4 space-y-4">
                <div class="max-w-xl">
                    <label for="hook-url" class=LABEL>"URL"</label>
                    <input id="hook-url" name="url" type="url" required placeholder="https://hooks.example.com/tenex" class=format!("mt-1 {INPUT}")
                        aria-describedby="hook-url-error" />
                    <p id="hook-url-error" class="mt-1 text-sm text-red-700">{move || field_error("url")}</p>
                </div>
                <div class="max-w-xl">
                    <label for="hook-description" class=LABEL>"Description (optional)"</label>
                    <input id="hook-description" name="description" type="text" maxlength="200" placeholder="CRM sync" class=format!("mt-1 {INPUT}") />
                </div>
                <fieldset>
                    <legend class=LABEL>"Events"</legend>
                    <div class="mt-2 grid gap-2 sm:grid-cols-2">
                        {WebhookEvent::ALL.iter().enumerate().map(|(i, e)| {
                            let id = format!("event-{}", e.as_str().replace('.', "-"));
                            let label_for = id.clone();
                            view! {
                                <label for=label_for class="flex items-start gap-2 text-sm">
                                    <input id=id type="checkbox" name=format!("events[{i}]") value=e.as_str()
                                        class="mt-0.5 h-4 w-4 rounded border-slate-300 text-indigo-600 focus:ring-indigo-600" />
                                    <span><code>{e.as_str()}</code><span class="block text-xs text-slate-600">{event_help(*e)}</span></span>
                                </label>
                            }
                        }).collect_view()}
                    </div>
                    <p class="mt-1 text-sm text-red-700">{move || field_error("events")}</p>
                </fieldset>
                // The secret is shown by the page itself; a plain form post would lose it.
                <button type="submit" class=BUTTON_PRIMARY disabled=move || !hydrated.get() || create.pending().get()>"Add endpoint"</button>
            </ActionForm>
            {move || match result() {
                Some(Ok(created)) => view! { <NewSecret created /> }.into_any(),
                Some(Err(e)) if e.field("url").is_none() && e.field("events").is_none() => {
                    view! { <div class="mt-4"><ErrorNotice error=e /></div> }.into_any()
                }
                _ => ().into_any(),
            }}
        </section>
    }
}

#[component]
fn NewSecret(created: CreatedEndpoint) -> impl IntoView {
    view! {
        <div class="mt-4 rounded-md border border-amber-300 bg-amber-50 p-4" data-testid="new-secret">
            <p class="text-sm font-semibold text-amber-900">"Copy the signing secret now: it will not be shown again."</p>
            <label for="new-secret" class="mt-2 block text-sm text-amber-900">"Signing secret"</label>
            <input id="new-secret" readonly value=created.secret.clone() class=format!("mt-1 font-mono {INPUT}") />
            <p class="mt-2 text-sm text-amber-900">
                "Verify each delivery's Tenex-Signature header with it (the README shows how). "
                <a class="font-medium underline" href=format!("/settings/webhooks/{}", created.endpoint.id)>"Open the endpoint"</a>
            </p>
        </div>
    }
}

fn delivery_tone(s: DeliveryStatus) -> &'static str {
    match s {
        DeliveryStatus::Succeeded => "green",
        DeliveryStatus::Pending => "amber",
        DeliveryStatus::Failed => "red",
    }
}

/// One endpoint: its state, "Send test event", switch on or off, delete, and the log.
#[component]
pub fn WebhookPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let test = ServerAction::<SendTestWebhook>::new();
    let redeliver = ServerAction::<RedeliverWebhook>::new();
    let switch = ServerAction::<SwitchWebhook>::new();
    let delete = ServerAction::<DeleteWebhook>::new();
    let tick = RwSignal::new(0u32);
    let detail = crate::app::resource::load(
        move || {
            (
                params.read().get("id").unwrap_or_default(),
                query.read().get("cursor"),
                test.version().get(),
                redeliver.version().get(),
                switch.version().get(),
                tick.get(),
            )
        },
        |(id, cursor, ..)| async move { get_webhook(route_id(&id, "webhook endpoint")?, cursor).await },
    );
    // While a delivery is still pending, look again every few seconds: the runner sends it.
    Effect::new(move |_| {
        let pending = detail.get().and_then(Result::ok).is_some_and(|d| {
            d.deliveries
                .items
                .iter()
                .any(|x| x.status == DeliveryStatus::Pending)
        });
        if pending {
            set_timeout(
                move || {
                    let _ = tick.try_update(|n| *n += 1);
                },
                std::time::Duration::from_secs(2),
            );
        }
    });
    let failed = move || {
        [test.value().get(), redeliver.value().get()]
            .into_iter()
            .flatten()
            .find_map(Result::err)
            .or_else(|| switch.value().get().and_then(Result::err))
            .or_else(|| delete.value().get().and_then(Result::err))
    };
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                let d = match detail.await {
                    Err(e) => return view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(d) => d,
                };
                let e = d.endpoint.clone();
                let id = e.id.to_string();
                let (id_test, id_switch, id_delete) = (id.clone(), id.clone(), id.clone());
                let log_first = format!("/settings/webhooks/{id}");
                view! {
                    <Title text="Webhook endpoint" />
                    <p class="mb-2 text-sm"><a class="text-indigo-700 hover:underline" href="/settings/webhooks">"← Webhooks"</a></p>
                    <div class="mb-4 flex flex-wrap items-center gap-3">
                        <h1 class="break-all text-2xl font-semibold">{e.url.clone()}</h1>
                        {state_badge(&e)}
                    </div>
                    {e.disabled_reason.clone().map(|r| view! {
                        <p role="status" class="mb-4 rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-800" data-testid="disabled-reason">{r}</p>
                    })}
                    <dl class="mb-4 grid gap-4 sm:grid-cols-3">
                        <div class=CARD><dt class="text-xs uppercase tracking-wide text-slate-600">"Events"</dt>
                            <dd class="mt-1 text-sm">{e.events.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")}</dd></div>
                        <div class=CARD><dt class="text-xs uppercase tracking-wide text-slate-600">"Secret"</dt>
                            <dd class="mt-1 font-mono text-sm">{format!("whsec_…{}", e.secret_hint)}</dd></div>
                        <div class=CARD><dt class="text-xs uppercase tracking-wide text-slate-600">"Description"</dt>
                            <dd class="mt-1 text-sm">{if e.description.is_empty() { "—".to_owned() } else { e.description.clone() }}</dd></div>
                    </dl>
                    <div class="mb-6 flex flex-wrap gap-3">
                        <ActionForm action=test>
                            <input type="hidden" name="id" value=id_test />
                            <button type="submit" class=BUTTON_PRIMARY disabled=move || test.pending().get()>"Send test event"</button>
                        </ActionForm>
                        <ActionForm action=switch>
                            <input type="hidden" name="id" value=id_switch />
                            <input type="hidden" name="version" value=e.version.to_string() />
                            <input type="hidden" name="enabled" value=(!e.enabled).to_string() />
                            <button type="submit" class=BUTTON_SECONDARY>{if e.enabled { "Switch off" } else { "Switch on" }}</button>
                        </ActionForm>
                        <ActionForm action=delete>
                            <input type="hidden" name="id" value=id_delete />
                            <button type="submit" class=BUTTON_DANGER>"Delete endpoint"</button>
                        </ActionForm>
                    </div>
                    {move || failed().map(|e| view! { <div class="mb-4"><ErrorNotice error=e /></div> })}
                    <section aria-labelledby="log-title">
                        <h2 id="log-title" class="mb-3 text-lg font-semibold">"Delivery log"</h2>
                        {if d.deliveries.items.is_empty() {
                            view! { <p class="text-sm text-slate-600">"Nothing delivered yet. Send a test event to try the endpoint."</p> }.into_any()
                        } else {
                            view! {
                                <ol class="space-y-3" data-testid="delivery-log">
                                    {d.deliveries.items.clone().into_iter().map(|x| view! { <DeliveryRow delivery=x redeliver /> }).collect_view()}
                                </ol>
                                <Pager first=log_first later=query.read_untracked().get("cursor").is_some() next_cursor=d.deliveries.next_cursor.clone() />
                            }.into_any()
                        }}
                    </section>
                }.into_any()
            })}
        </Transition>
    }
}

#[component]
fn DeliveryRow(delivery: Delivery, redeliver: ServerAction<RedeliverWebhook>) -> impl IntoView {
    let x = delivery;
    let last = x.attempt_log.last().cloned();
    let (id, id_form) = (x.id.to_string(), x.id.to_string());
    let redeliver_label = format!("Redeliver {} {}", x.event_type, x.event_id);
    view! {
        <li class=CARD data-delivery=id data-cause=x.cause.as_str()>
            <div class="flex flex-wrap items-center gap-3">
                <code class="text-sm font-medium">{x.event_type.clone()}</code>
                <Badge text=x.status.as_str().to_owned() tone=delivery_tone(x.status) />
                <span class="text-xs text-slate-600">{format!("{} · {} attempt(s) · queued {}", x.cause.as_str(), x.attempts, when(&x.created_at))}</span>
                <span class="text-xs text-slate-600" data-testid="response">
                    {x.response_status.map_or_else(|| "no answer yet".to_owned(), |s| format!("answered {s}"))}
                    {x.duration_ms.map(|ms| format!(" in {ms} ms"))}
                </span>
                <ActionForm action=redeliver attr:class="ml-auto">
                    <input type="hidden" name="id" value=id_form />
                    <button type="submit" class=BUTTON_SECONDARY aria-label=redeliver_label>"Redeliver"</button>
                </ActionForm>
            </div>
            {x.error.clone().map(|e| view! { <p class="mt-2 text-sm text-red-700">{e}</p> })}
            <details class="mt-2 text-sm">
                <summary class="cursor-pointer text-indigo-700">"Request and response"</summary>
                <p class="mt-2 text-xs text-slate-600">{format!("Event {} · delivered {}", x.event_id, when_or(x.delivered_at.as_ref(), "not yet"))}</p>
                <pre class="mt-2 overflow-x-auto rounded bg-slate-50 p-2 text-xs" tabindex="0">{x.body.clone()}</pre>
                {last.map(|a| view! {
                    <pre class="mt-2 overflow-x-auto rounded bg-slate-50 p-2 text-xs" tabindex="0">{a.request_headers.iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join("\n")}</pre>
                    <pre class="mt-2 overflow-x-auto rounded bg-slate-50 p-2 text-xs" tabindex="0">{a.response_body.clone().unwrap_or_default()}</pre>
                })}
                <ol class="mt-2 space-y-1 text-xs text-slate-600">
                    {x.attempt_log.iter().map(|a| view! {
                        <li>{format!("#{} {} — {} in {} ms{}", a.attempt, when(&a.started_at),
                            a.response_status.map_or_else(|| "no answer".to_owned(), |s| s.to_string()), a.duration_ms,
                            a.error.as_deref().map(|e| format!(": {e}")).unwrap_or_default())}</li>
                    }).collect_view()}
                </ol>
            </details>
        </li>
    }
}
