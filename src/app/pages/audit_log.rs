//! `/settings/audit-log`.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::app::components::ui::{BUTTON_SECONDARY, EmptyState, ErrorNotice, Loading, PageHeader};
use crate::app::format::when;
use crate::app::server_fns::audit_log::list_audit_log;

/// Every change in the workspace, newest first (admins only).
#[component]
pub fn AuditLogPage() -> impl IntoView {
    let cursor = RwSignal::new(None::<String>);
    let entries = Resource::new(move || cursor.get(), list_audit_log);
    view! {
        <Title text="Audit log" />
        <PageHeader title="Audit log" subtitle="Who changed what, and when. Visible to admins." />
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match entries.await {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(page) if page.items.is_empty() => view! {
                        <EmptyState title="Nothing recorded yet".to_owned()><p>"Changes appear here as they happen."</p></EmptyState>
                    }.into_any(),
                    Ok(page) => {
                        let next = page.next_cursor.clone();
                        view! {
                            <div class="relative overflow-x-auto rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
                                <table class="min-w-full divide-y divide-slate-200 text-sm">
                                    <thead class="bg-slate-50 text-left text-slate-600">
                                        <tr>
                                            <th scope="col" class="px-3 py-2 font-medium">"When"</th>
                                            <th scope="col" class="px-3 py-2 font-medium">"Who"</th>
                                            <th scope="col" class="px-3 py-2 font-medium">"Action"</th>
                                            <th scope="col" class="px-3 py-2 font-medium">"Summary"</th>
                                        </tr>
                                    </thead>
                                    <tbody class="divide-y divide-slate-100">
                                        {page.items.into_iter().map(|e| {
                                            let via_key = matches!(e.actor, crate::domain::actor::Principal::Key { .. });
                                            view! {
                                                <tr>
                                                    <td class="px-3 py-2 whitespace-nowrap">{when(&e.created_at)}</td>
                                                    <td class="px-3 py-2">{e.actor_email.clone()}{via_key.then_some(" (API key)")}</td>
                                                    <td class="px-3 py-2"><code>{e.action.clone()}</code></td>
                                                    <td class="px-3 py-2">{e.summary.clone()}</td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                            <div class="mt-3 flex gap-2">
                                {move || cursor.get().is_some().then(|| view! {
                                    <button type="button" class=BUTTON_SECONDARY on:click=move |_| cursor.set(None)>"First page"</button>
                                })}
                                {next.map(|n| view! {
                                    <button type="button" class=BUTTON_SECONDARY on:click=move |_| cursor.set(Some(n.clone()))>"Next page"</button>
                                })}
                            </div>
                        }.into_any()
                    }
                }
            })}
        </Transition>
    }
}
