//! `/email/outbox`: what `sandbox` senders delivered, each message whole, so a marketer can
//! see exactly what recipients would have received.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::app::components::pager::{Pager, list_href};
use crate::app::components::ui::{EmptyState, ErrorNotice, Loading, PageHeader};
use crate::app::format::when;
use crate::app::server_fns::runs::list_outbox;

/// The sandbox outbox, newest first, a page at a time; the page position lives in the URL.
#[component]
pub fn OutboxPage() -> impl IntoView {
    let query = use_query_map();
    let get = move |k: &str| query.read().get(k).filter(|v| !v.is_empty());
    let outbox = crate::app::resource::load(
        move || (get("limit"), get("cursor")),
        |(limit, cursor)| list_outbox(limit, cursor),
    );
    view! {
        <Title text="Sandbox outbox" />
        <p class="mb-2 text-sm"><a class="text-indigo-700 hover:underline" href="/email">"← Email sequences"</a></p>
        <PageHeader title="Sandbox outbox" subtitle="Mail sent through sandbox senders stays here, whole, headers and all. Nothing leaves Tenex." />
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match outbox.await {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(page) if page.items.is_empty() => view! {
                        <EmptyState title="The outbox is empty".to_owned()>
                            <p>"Approve a sequence whose sender is a sandbox connector: its emails appear here as they go out."</p>
                        </EmptyState>
                    }.into_any(),
                    Ok(page) => view! {
                        <ul class="space-y-3" aria-label="Outbox">
                            {page.items.into_iter().map(|m| view! {
                                <li class="rounded-lg bg-white shadow-sm ring-1 ring-slate-200" data-message=m.message_id.clone() data-outbox-to=m.to_address.clone() data-step=m.step_index>
                                    <details>
                                        <summary class="flex cursor-pointer flex-wrap items-baseline justify-between gap-2 px-4 py-3 text-sm">
                                            <span><span class="font-medium">{m.subject.clone()}</span>" · to " {m.to_address.clone()}</span>
                                            <span class="text-xs text-slate-500">{format!("email {} · {}", m.step_index + 1, when(&m.created_at))}</span>
                                        </summary>
                                        <pre class="overflow-x-auto whitespace-pre-wrap border-t border-slate-100 px-4 py-3 text-xs">{m.raw.clone()}</pre>
                                    </details>
                                </li>
                            }).collect_view()}
                        </ul>
                        <Pager first=list_href("/email/outbox", &[("limit", get("limit"))]) later=get("cursor").is_some() next_cursor=page.next_cursor />
                    }.into_any(),
                }
            })}
        </Transition>
    }
}
