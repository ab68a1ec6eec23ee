//! `/crm/contacts/:id`: one contact, editable.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::app::components::ui::{
    BUTTON_PRIMARY, CARD, ErrorNotice, INPUT, LABEL, Loading, SELECT,
};
use crate::app::error::route_id;
use crate::app::format::when_or;
use crate::app::server_fns::crm::{UpdateContact, get_contact};
use crate::domain::contact::LifecycleStage;

/// The contact page.
#[component]
pub fn ContactPage() -> impl IntoView {
    let params = use_params_map();
    let save = ServerAction::<UpdateContact>::new();
    let contact = crate::app::resource::load(
        move || {
            (
                params.read().get("id").unwrap_or_default(),
                save.version().get(),
            )
        },
        |(id, _)| async move { get_contact(route_id(&id, "contact")?).await },
    );
    let error = move || save.value().get().and_then(Result::err);
    view! {
        <p class="mb-2 text-sm"><a class="text-indigo-700 hover:underline" href="/crm">"← Contacts"</a></p>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match contact.await {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(c) => {
                        let fields = [
                            ("email", "Email", c.email.to_string()),
                            ("first_name", "First name", c.first_name.clone()),
                            ("last_name", "Last name", c.last_name.clone()),
                            ("company", "Company", c.company.clone()),
                            ("domain", "Domain", c.domain.clone()),
                            ("title", "Title", c.title.clone()),
                        ];
                        view! {
                            <Title text=c.email.to_string() />
                            <h1 class="mb-6 text-2xl font-semibold">{format!("{} {}", c.first_name, c.last_name).trim().to_owned()} " " <span class="text-slate-500">{c.email.to_string()}</span></h1>
                            <div class="grid gap-6 lg:grid-cols-3">
                                <section aria-labelledby="edit-contact" class=format!("{CARD} lg:col-span-2")>
                                    <h2 id="edit-contact" class="text-lg font-semibold">"Details"</h2>
                                    <ActionForm action=save attr:class="mt-4 grid gap-4 sm:grid-cols-2">
                                        <input type="hidden" name="id" value=c.id.to_string() />
                                        <input type="hidden" name="version" value=c.version.to_string() />
                                        {fields.into_iter().map(|(name, label, value)| {
                                            let id = format!("contact-{name}");
                                            let label_for = id.clone();
                                            view! {
                                                <div>
                                                    <label for=label_for class=LABEL>{label}</label>
                                                    <input id=id name=name value=value class=format!("mt-1 {INPUT}") />
                                                    <p class="mt-1 text-sm text-red-700">{move || error().and_then(|e| e.field(name))}</p>
                                                </div>
                                            }
                                        }).collect_view()}
                                        <div>
                                            <label for="contact-stage" class=LABEL>"Lifecycle stage"</label>
                                            <select id="contact-stage" name="lifecycle_stage" class=format!("mt-1 {SELECT}")>
                                                {LifecycleStage::ALL.into_iter().map(|s| view! { <option value=s.as_str() selected=s == c.lifecycle_stage>{s.as_str()}</option> }).collect_view()}
                                            </select>
                                        </div>
                                        <div class="sm:col-span-2 flex items-center gap-3">
                                            <button type="submit" class=BUTTON_PRIMARY>"Save contact"</button>
                                            {move || save.value().get().and_then(Result::ok).map(|_| view! { <p role="status" class="text-sm text-emerald-700">"Saved."</p> })}
                                        </div>
                                    </ActionForm>
                                </section>
                                <section aria-labelledby="contact-more" class=CARD>
                                    <h2 id="contact-more" class="text-lg font-semibold">"More"</h2>
                                    <dl class="mt-3 space-y-2 text-sm">
                                        {c.custom_fields.iter().map(|(k, v)| view! { <div><dt class="text-slate-500">{k.clone()}</dt><dd>{v.clone()}</dd></div> }).collect_view()}
                                        <div><dt class="text-slate-500">"Unsubscribed"</dt><dd>{when_or(c.unsubscribed_at.as_ref(), "no")}</dd></div>
                                        <div><dt class="text-slate-500">"Bounced"</dt><dd>{when_or(c.bounced_at.as_ref(), "no")}</dd></div>
                                        <div><dt class="text-slate-500">"Last activity"</dt><dd>{when_or(c.last_activity_at.as_ref(), "none yet")}</dd></div>
                                    </dl>
                                </section>
                            </div>
                        }.into_any()
                    }
                }
            })}
        </Transition>
    }
}
