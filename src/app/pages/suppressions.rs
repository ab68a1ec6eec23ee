//! `/settings/suppressions`: addresses that are never mailed, with search; admins may take
//! one off the list.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::app::components::layout::MemberResource;
use crate::app::components::pager::{Pager, list_href};
use crate::app::components::ui::{
    BUTTON_DANGER, BUTTON_PRIMARY, BUTTON_SECONDARY, CARD, EmptyState, ErrorNotice, INPUT, LABEL,
    Loading, PageHeader, SELECT, TABLE, TABLE_WRAP, TD, TH,
};
use crate::app::format::when;
use crate::app::server_fns::suppressions::{AddSuppression, RemoveSuppression, list_suppressions};
use crate::domain::suppression::SuppressionReason;

/// The suppression list page.
#[component]
pub fn SuppressionsPage() -> impl IntoView {
    let query = use_query_map();
    let get = move |k: &str| query.read().get(k).filter(|v| !v.is_empty());
    let q = move || get("q");
    let cursor = move || get("cursor");
    let member = expect_context::<MemberResource>();
    let add = ServerAction::<AddSuppression>::new();
    let remove = ServerAction::<RemoveSuppression>::new();
    let list = crate::app::resource::load(
        move || (q(), cursor(), add.version().get(), remove.version().get()),
        |(q, c, _, _)| list_suppressions(q, c),
    );
    let error = move || {
        add.value()
            .get()
            .and_then(Result::err)
            .or_else(|| remove.value().get().and_then(Result::err))
    };
    view! {
        <Title text="Suppression list" />
        <PageHeader title="Suppression list" subtitle="Addresses that are never mailed: unsubscribes, hard bounces and complaints. Deleting or re-importing a contact does not take an address off this list." />
        <div class="mb-6 grid gap-4 lg:grid-cols-2">
            <form method="get" action="/settings/suppressions" class=format!("{CARD} flex flex-wrap items-end gap-2") role="search">
                <div class="grow">
                    <label for="suppression-q" class=LABEL>"Search addresses"</label>
                    <input id="suppression-q" name="q" type="search" value=q class=format!("mt-1 {INPUT}") />
                </div>
                <button type="submit" class=BUTTON_SECONDARY>"Search"</button>
            </form>
            <ActionForm action=add attr:class=format!("{CARD} grid gap-2 sm:grid-cols-3 sm:items-end")>
                <div class="sm:col-span-2">
                    <label for="suppress-email" class=LABEL>"Suppress an address"</label>
                    <input id="suppress-email" name="email" type="email" required class=format!("mt-1 {INPUT}") />
                </div>
                <div>
                    <label for="suppress-reason" class=LABEL>"Reason"</label>
                    <select id="suppress-reason" name="reason" class=format!("mt-1 {SELECT}")>
                        {SuppressionReason::ALL.iter().rev().map(|r| view! { <option value=r.as_str()>{r.as_str().replace('_', " ")}</option> }).collect_view()}
                    </select>
                </div>
                <div class="sm:col-span-2">
                    <label for="suppress-note" class=LABEL>"Note " <span class="font-normal text-slate-500">"(optional)"</span></label>
                    <input id="suppress-note" name="note" maxlength="500" class=format!("mt-1 {INPUT}") />
                </div>
                <button type="submit" class=BUTTON_PRIMARY>"Suppress"</button>
            </ActionForm>
        </div>
        {move || error().map(|e| view! { <div class="mb-4"><ErrorNotice error=e /></div> })}
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                let is_admin = member.await.map(|m| m.scopes.iter().any(|s| s == "admin")).unwrap_or(false);
                match list.await {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(page) if page.items.is_empty() => view! {
                        <EmptyState title="No suppressed addresses".to_owned()><p>"Unsubscribes, hard bounces and complaints appear here."</p></EmptyState>
                    }.into_any(),
                    Ok(page) => {
                        view! {
                            <div class=TABLE_WRAP>
                                <table class=TABLE aria-label="Suppressed addresses">
                                    <thead class="bg-slate-50"><tr>
                                        <th scope="col" class=TH>"Address"</th>
                                        <th scope="col" class=TH>"Reason"</th>
                                        <th scope="col" class=TH>"Note"</th>
                                        <th scope="col" class=TH>"Since"</th>
                                        <th scope="col" class=TH><span class="sr-only">"Actions"</span></th>
                                    </tr></thead>
                                    <tbody class="divide-y divide-slate-100">
                                        {page.items.into_iter().map(|s| view! {
                                            <tr>
                                                <td class=TD>{s.email.clone()}</td>
                                                <td class=TD>{s.reason.as_str().replace('_', " ")}</td>
                                                <td class=TD>{s.note.clone()}{s.created_by_email.clone().map(|b| format!(" (by {b})"))}</td>
                                                <td class=TD>{when(&s.created_at)}</td>
                                                <td class=TD>{is_admin.then(|| view! {
                                                    <ActionForm action=remove>
                                                        <input type="hidden" name="email" value=s.email.clone() />
                                                        <button type="submit" class=BUTTON_DANGER aria-label=format!("Remove {} from the list", s.email)>"Remove"</button>
                                                    </ActionForm>
                                                })}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                            <Pager first=list_href("/settings/suppressions", &[("q", q())]) later=cursor().is_some() next_cursor=page.next_cursor />
                        }.into_any()
                    }
                }
            })}
        </Transition>
    }
}
