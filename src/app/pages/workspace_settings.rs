//! `/settings/workspace`: what an admin decides for the whole workspace.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::app::components::layout::MemberResource;
use crate::app::components::ui::{
    BUTTON_PRIMARY, CARD, ErrorNotice, INPUT, LABEL, Loading, PageHeader,
};
use crate::app::format::when;
use crate::app::server_fns::settings::{SaveWorkspaceSettings, load_workspace_settings};
use crate::domain::money::format_usd;

/// The settings page; only admins get the form.
#[component]
pub fn WorkspaceSettingsPage() -> impl IntoView {
    let member = expect_context::<MemberResource>();
    let save = ServerAction::<SaveWorkspaceSettings>::new();
    let settings = Resource::new(move || save.version().get(), |_| load_workspace_settings());
    view! {
        <Title text="Workspace settings" />
        <PageHeader title="Workspace" subtitle="Limits that hold for everyone in this workspace, people and API keys alike." />
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                let s = match settings.await {
                    Err(e) => return view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(s) => s,
                };
                let admin = member.await.map(|m| m.scopes.iter().any(|s| s == "admin")).unwrap_or(false);
                let cap = format!("{}.{:02}", s.daily_budget_cap_cents / 100, s.daily_budget_cap_cents % 100);
                view! {
                    <section aria-labelledby="budget-title" class=CARD>
                        <h2 id="budget-title" class="text-lg font-semibold">"Ad spend"</h2>
                        <p class="mt-1 text-sm text-slate-600">"No ad campaign can be launched with a daily budget above the cap, whoever asks."</p>
                        <p class="mt-3 text-2xl font-semibold" data-testid="budget-cap">{format_usd(s.daily_budget_cap_cents)}<span class="text-sm font-normal text-slate-600">" a day per campaign"</span></p>
                        <p class="text-xs text-slate-500">{match s.updated_at { Some(t) => format!("Last changed {}", when(&t)), None => "The default; never changed.".to_owned() }}</p>
                        {if admin {
                            view! {
                                <ActionForm action=save attr:class="mt-4 flex flex-wrap items-end gap-3">
                                    <input type="hidden" name="version" value=s.version.to_string() />
                                    <div>
                                        <label for="budget-cap" class=LABEL>"Daily budget cap (USD)"</label>
                                        <input id="budget-cap" name="daily_budget_cap_usd" inputmode="decimal" required value=cap class=format!("mt-1 {INPUT}") />
                                    </div>
                                    <button type="submit" class=BUTTON_PRIMARY disabled=move || save.pending().get()>"Save"</button>
                                </ActionForm>
                                {move || save.value().get().and_then(Result::err).map(|e| view! { <div class="mt-3"><ErrorNotice error=e /></div> })}
                            }.into_any()
                        } else {
                            view! { <p class="mt-3 text-sm text-slate-600">"Only an admin can change it."</p> }.into_any()
                        }}
                    </section>
                }.into_any()
            })}
        </Transition>
    }
}
