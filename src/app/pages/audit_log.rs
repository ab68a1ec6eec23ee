//! `/settings/audit-log`.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::app::components::pager::{Pager, list_href};
use crate::app::components::ui::{EmptyState, ErrorNotice, Loading, PageHeader};
use crate::app::format::when;
use crate::app::server_fns::audit_log::list_audit_log;

/// Every change in the workspace, newest first (admins only). The page position lives in
/// the URL.
#[component]
pub fn AuditLogPage() -> impl IntoView {
    let query = use_query_map();
    let get = move |k: &str| query.read().get(k).filter(|v| !v.is_empty());
    let entries = crate::app::resource::load(
        move || (get("limit"), get("cursor")),
        |(limit, cursor)| list_audit_log(limit, cursor),
    );
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
                    Ok(page) => view! {
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
                                            <tr data-audit-id=e.id.to_string()>
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
                        <Pager first=list_href("/settings/audit-log", &[("limit", get("limit"))]) later=get("cursor").is_some() next_cursor=page.next_cursor />
                    }.into_any(),
                }
            })}
        </Transition>
    }
}
