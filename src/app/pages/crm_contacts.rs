//! `/crm`: contacts, searchable, with a quick add form.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

use crate::app::components::crm_tabs::CrmTabs;
use crate::app::components::pager::{Pager, list_href};
use crate::app::components::ui::{
    BUTTON_DANGER, BUTTON_PRIMARY, BUTTON_SECONDARY, CARD, EmptyState, ErrorNotice, INPUT, LABEL,
    Loading, PageHeader, TABLE, TABLE_WRAP, TD, TH,
};
use crate::app::format::when;
use crate::app::server_fns::crm::{CreateContact, DeleteContact, list_contacts};

/// The contacts page. Search and page position live in the URL.
#[component]
pub fn ContactsPage() -> impl IntoView {
    let query = use_query_map();
    let q = move || query.read().get("q").filter(|s| !s.is_empty());
    let cursor = move || query.read().get("cursor").filter(|s| !s.is_empty());
    let create = ServerAction::<CreateContact>::new();
    let delete = ServerAction::<DeleteContact>::new();
    let contacts = crate::app::resource::load(
        move || {
            (
                q(),
                cursor(),
                create.version().get(),
                delete.version().get(),
            )
        },
        |(q, cursor, _, _)| list_contacts(q, cursor),
    );
    let created_error = move || create.value().get().and_then(Result::err);

    view! {
        <Title text="Contacts" />
        <PageHeader title="CRM" subtitle="The people campaigns are aimed at." />
        <CrmTabs />
        <div class="grid gap-6 lg:grid-cols-3">
            <section aria-labelledby="contacts-title" class="lg:col-span-2">
                <h2 id="contacts-title" class="sr-only">"Contacts"</h2>
                <Form method="GET" action="" attr:class="mb-4 flex gap-2" attr:role="search">
                    <label for="contact-search" class="sr-only">"Search contacts"</label>
                    <input id="contact-search" type="search" name="q" placeholder="Search by email, name or company" prop:value=move || q().unwrap_or_default() class=INPUT />
                    <button type="submit" class=BUTTON_SECONDARY>"Search"</button>
                </Form>
                <Transition fallback=Loading>
                    {move || Suspend::new(async move {
                        match contacts.await {
                            Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                            Ok(page) if page.items.is_empty() => view! {
                                <EmptyState title="No contacts found".to_owned()>
                                    <p>"Add one here, or " <a class="underline" href="/crm/import">"import a CSV file"</a> "."</p>
                                </EmptyState>
                            }.into_any(),
                            Ok(page) => {
                                view! {
                                    <div class=TABLE_WRAP>
                                        <table class=TABLE>
                                            <thead class="bg-slate-50"><tr>
                                                <th scope="col" class=TH>"Email"</th>
                                                <th scope="col" class=TH>"Name"</th>
                                                <th scope="col" class=TH>"Company"</th>
                                                <th scope="col" class=TH>"Stage"</th>
                                                <th scope="col" class=TH>"Added"</th>
                                                <th scope="col" class=TH><span class="sr-only">"Actions"</span></th>
                                            </tr></thead>
                                            <tbody class="divide-y divide-slate-100">
                                                {page.items.into_iter().map(|c| {
                                                    let id = c.id.to_string();
                                                    let email = c.email.to_string();
                                                    view! {
                                                        <tr>
                                                            <td class=TD><a class="text-indigo-700 hover:underline" href=format!("/crm/contacts/{id}")>{email.clone()}</a></td>
                                                            <td class=TD>{format!("{} {}", c.first_name, c.last_name)}</td>
                                                            <td class=TD>{c.company.clone()}</td>
                                                            <td class=TD>{c.lifecycle_stage.to_string()}</td>
                                                            <td class=format!("{TD} whitespace-nowrap")>{when(&c.created_at)}</td>
                                                            <td class=format!("{TD} text-right")>
                                                                <ActionForm action=delete>
                                                                    <input type="hidden" name="id" value=id />
                                                                    <button type="submit" class=BUTTON_DANGER aria-label=format!("Delete {email}")>"Delete"</button>
                                                                </ActionForm>
                                                            </td>
                                                        </tr>
                                                    }
                                                }).collect_view()}
                                            </tbody>
                                        </table>
                                    </div>
                                    <Pager first=list_href("/crm", &[("q", q())]) later=cursor().is_some() next_cursor=page.next_cursor />
                                }.into_any()
                            }
                        }
                    })}
                </Transition>
            </section>
            <section aria-labelledby="add-contact-title" class=CARD>
                <h2 id="add-contact-title" class="text-lg font-semibold">"Add a contact"</h2>
                <ActionForm action=create attr:class="mt-4 space-y-3">
                    {[("email", "Email", "email"), ("first_name", "First name", "text"), ("last_name", "Last name", "text"), ("company", "Company", "text"), ("title", "Title", "text")]
                        .into_iter()
                        .map(|(name, label, kind)| {
                            let id = format!("contact-{name}");
                            let label_for = id.clone();
                            view! {
                                <div>
                                    <label for=label_for class=LABEL>{label}</label>
                                    <input id=id name=name type=kind required=name == "email" class=format!("mt-1 {INPUT}") />
                                    <p class="mt-1 text-sm text-red-700">{move || created_error().and_then(|e| e.field(name))}</p>
                                </div>
                            }
                        })
                        .collect_view()}
                    <button type="submit" class=BUTTON_PRIMARY>"Add contact"</button>
                </ActionForm>
            </section>
        </div>
    }
}
