//! `/crm/segments/:id`: a segment's members; static segments are edited here.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::app::components::pager::Pager;
use crate::app::components::ui::{
    BUTTON_DANGER, BUTTON_PRIMARY, Badge, CARD, EmptyState, ErrorNotice, INPUT, LABEL, Loading,
    TABLE, TABLE_WRAP, TD, TH,
};
use crate::app::error::route_id;
use crate::app::pages::crm_segments::describe;
use crate::app::server_fns::crm::{
    AddSegmentMember, RemoveSegmentMember, get_segment, segment_members,
};

/// The segment page.
#[component]
pub fn SegmentPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let cursor = move || query.read().get("cursor").filter(|c| !c.is_empty());
    let add = ServerAction::<AddSegmentMember>::new();
    let remove = ServerAction::<RemoveSegmentMember>::new();
    let changed = move || (add.version().get(), remove.version().get());
    let segment = crate::app::resource::load(
        move || (id(), changed()),
        |(id, _)| async move { get_segment(route_id(&id, "segment")?).await },
    );
    let members = crate::app::resource::load(
        move || (id(), cursor(), changed()),
        |(id, cursor, _)| async move { segment_members(route_id(&id, "segment")?, cursor).await },
    );

    view! {
        <p class="mb-2 text-sm"><a class="text-indigo-700 hover:underline" href="/crm/segments">"← Segments"</a></p>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match segment.await {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(s) => {
                        let is_static = s.kind == "static";
                        let segment_id = s.id.clone();
                        let add_to = s.id.clone();
                        view! {
                            <Title text=s.name.clone() />
                            <div class="mb-2 flex flex-wrap items-center gap-3">
                                <h1 class="text-2xl font-semibold">{s.name.clone()}</h1>
                                <Badge text=s.kind.clone() tone=if is_static { "slate" } else { "violet" } />
                            </div>
                            <p class="mb-6 text-sm text-slate-600">
                                <span data-testid="segment-members">{s.member_count}</span> {if s.member_count == 1 { " member" } else { " members" }}
                                {s.rule.as_ref().map(|r| format!(" · {}", describe(r)))}
                            </p>
                            {is_static.then(|| view! {
                                <section aria-labelledby="add-member" class=format!("{CARD} mb-6")>
                                    <h2 id="add-member" class="text-lg font-semibold">"Add a member"</h2>
                                    <ActionForm action=add attr:class="mt-3 flex flex-col gap-2 sm:flex-row sm:items-end">
                                        <input type="hidden" name="segment" value=add_to.clone() />
                                        <div class="flex-1">
                                            <label for="member-email" class=LABEL>"Contact email"</label>
                                            <input id="member-email" name="email" type="email" required class=format!("mt-1 {INPUT}") />
                                        </div>
                                        <button type="submit" class=BUTTON_PRIMARY>"Add"</button>
                                    </ActionForm>
                                    {move || add.value().get().and_then(Result::err).map(|e| view! { <div class="mt-3"><ErrorNotice error=e /></div> })}
                                </section>
                            })}
                            <Transition fallback=Loading>
                                {move || {
                                    let segment_id = segment_id.clone();
                                    Suspend::new(async move {
                                        match members.await {
                                            Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                                            Ok(page) if page.items.is_empty() => view! {
                                                <EmptyState title="No members".to_owned()><p>{if is_static { "Add contacts by email above." } else { "No contact matches the rule right now." }}</p></EmptyState>
                                            }.into_any(),
                                            Ok(page) => {
                                                let first = format!("/crm/segments/{segment_id}");
                                                view! {
                                                    <div class=TABLE_WRAP>
                                                        <table class=TABLE>
                                                            <thead class="bg-slate-50"><tr>
                                                                <th scope="col" class=TH>"Email"</th><th scope="col" class=TH>"Name"</th><th scope="col" class=TH>"Company"</th>
                                                                <th scope="col" class=TH><span class="sr-only">"Actions"</span></th>
                                                            </tr></thead>
                                                            <tbody class="divide-y divide-slate-100">
                                                                {page.items.into_iter().map(|c| {
                                                                    let email = c.email.to_string();
                                                                    let seg = segment_id.clone();
                                                                    view! {
                                                                        <tr>
                                                                            <td class=TD><a class="text-indigo-700 hover:underline" href=format!("/crm/contacts/{}", c.id)>{email.clone()}</a></td>
                                                                            <td class=TD>{format!("{} {}", c.first_name, c.last_name)}</td>
                                                                            <td class=TD>{c.company.clone()}</td>
                                                                            <td class=format!("{TD} text-right")>
                                                                                {is_static.then(|| view! {
                                                                                    <ActionForm action=remove>
                                                                                        <input type="hidden" name="segment" value=seg />
                                                                                        <input type="hidden" name="contact" value=c.id.to_string() />
                                                                                        <button type="submit" class=BUTTON_DANGER aria-label=format!("Remove {email}")>"Remove"</button>
                                                                                    </ActionForm>
                                                                                })}
                                                                            </td>
                                                                        </tr>
                                                                    }
                                                                }).collect_view()}
                                                            </tbody>
                                                        </table>
                                                    </div>
                                                    <Pager first=first later=cursor().is_some() next_cursor=page.next_cursor />
                                                }.into_any()
                                            }
                                        }
                                    })
                                }}
                            </Transition>
                        }.into_any()
                    }
                }
            })}
        </Transition>
    }
}
