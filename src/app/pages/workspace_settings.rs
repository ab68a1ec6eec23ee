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
use crate::domain::workspace::{MAX_ATTRIBUTION_WINDOW_DAYS, WorkspaceSettings};

/// The settings page; only admins get the form.
#[component]
pub fn WorkspaceSettingsPage() -> impl IntoView {
    let member = expect_context::<MemberResource>();
    let save = ServerAction::<SaveWorkspaceSettings>::new();
    let settings =
        crate::app::resource::load(move || save.version().get(), |_| load_workspace_settings());
    view! {
        <Title text="Workspace settings" />
        <PageHeader title="Workspace" subtitle="Limits and conventions that hold for everyone in this workspace, people and API keys alike." />
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                let s = match settings.await {
                    Err(e) => return view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(s) => s,
                };
                let admin = member.await.map(|m| m.scopes.iter().any(|s| s == "admin")).unwrap_or(false);
                view! {
                    <Summary s=s.clone() />
                    {if admin {
                        view! { <SettingsForm s save /> }.into_any()
                    } else {
                        view! { <p class="mt-4 text-sm text-slate-600">"Only an admin can change it."</p> }.into_any()
                    }}
                }.into_any()
            })}
        </Transition>
    }
}

/// What holds now, for every member.
#[component]
fn Summary(s: WorkspaceSettings) -> impl IntoView {
    view! {
        <div class="grid gap-4 lg:grid-cols-3">
            <section aria-labelledby="budget-title" class=CARD>
                <h2 id="budget-title" class="text-lg font-semibold">"Ad spend"</h2>
                <p class="mt-1 text-sm text-slate-600">"No ad campaign can be launched with a daily budget above the cap, whoever asks."</p>
                <p class="mt-3 text-2xl font-semibold" data-testid="budget-cap">{format_usd(s.daily_budget_cap_cents)}<span class="text-sm font-normal text-slate-600">" a day per campaign"</span></p>
            </section>
            <section aria-labelledby="days-title" class=CARD>
                <h2 id="days-title" class="text-lg font-semibold">"Days and attribution"</h2>
                <p class="mt-1 text-sm text-slate-600">"Rollups and the dashboard count days in this time zone. A conversion that names no campaign counts for the contact's last campaign touch within the window."</p>
                <p class="mt-3 font-semibold" data-testid="time-zone">{s.time_zone.clone()}</p>
                <p class="text-sm" data-testid="attribution-window">{format!("{}-day attribution window", s.attribution_window_days)}</p>
            </section>
            <section aria-labelledby="targets-title" class=CARD>
                <h2 id="targets-title" class="text-lg font-semibold">"Webhook targets"</h2>
                <p class="mt-1 text-sm text-slate-600">"Webhooks go to public https addresses only, unless private receivers (on-premise) are allowed."</p>
                <p class="mt-3 font-semibold" data-testid="private-targets">{if s.private_webhook_targets { "Private addresses allowed" } else { "Public https only" }}</p>
            </section>
        </div>
        <p class="mt-2 text-xs text-slate-600">{match s.updated_at { Some(t) => format!("Last changed {}", when(&t)), None => "The defaults; never changed.".to_owned() }}</p>
    }
}

/// The admin's form: every setting at the version shown.
#[component]
fn SettingsForm(s: WorkspaceSettings, save: ServerAction<SaveWorkspaceSettings>) -> impl IntoView {
    let cap = format!(
        "{}.{:02}",
        s.daily_budget_cap_cents / 100,
        s.daily_budget_cap_cents % 100
    );
    view! {
        <section aria-labelledby="edit-title" class=format!("{CARD} mt-6")>
            <h2 id="edit-title" class="text-lg font-semibold">"Change settings"</h2>
            <ActionForm action=save attr:class="mt-4 grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
                <input type="hidden" name="version" value=s.version.to_string() />
                <div>
                    <label for="budget-cap" class=LABEL>"Daily budget cap (USD)"</label>
                    <input id="budget-cap" name="daily_budget_cap_usd" inputmode="decimal" required value=cap class=format!("mt-1 {INPUT}") />
                </div>
                <div>
                    <label for="time-zone" class=LABEL>"Time zone"</label>
                    <input id="time-zone" name="time_zone" required value=s.time_zone.clone() list="time-zones" class=format!("mt-1 {INPUT}")
                        aria-describedby="time-zone-help" />
                    <datalist id="time-zones">
                        {["UTC", "Europe/London", "Europe/Berlin", "America/New_York", "America/Chicago", "America/Los_Angeles", "Asia/Kolkata", "Asia/Tokyo", "Australia/Sydney"]
                            .into_iter().map(|z| view! { <option value=z></option> }).collect_view()}
                    </datalist>
                    <p id="time-zone-help" class="mt-1 text-xs text-slate-600">"An IANA name. Changing it counts every stored day again."</p>
                </div>
                <div>
                    <label for="attribution-window" class=LABEL>"Attribution window (days)"</label>
                    <input id="attribution-window" name="attribution_window_days" type="number" min="1" max=MAX_ATTRIBUTION_WINDOW_DAYS.to_string() required
                        value=s.attribution_window_days.to_string() class=format!("mt-1 {INPUT}") />
                </div>
                <div class="flex items-start gap-2 pt-6">
                    <input id="private-targets" name="private_webhook_targets" type="checkbox" value="on" checked=s.private_webhook_targets
                        class="mt-0.5 h-4 w-4 rounded border-slate-300 text-indigo-600 focus:ring-indigo-600" />
                    <label for="private-targets" class="text-sm text-slate-700">"Allow webhooks to private addresses (plain http allowed there)"</label>
                </div>
                <div class="sm:col-span-2 lg:col-span-4">
                    <button type="submit" class=BUTTON_PRIMARY disabled=move || save.pending().get()>"Save"</button>
                </div>
            </ActionForm>
            {move || save.value().get().and_then(Result::err).map(|e| view! { <div class="mt-3"><ErrorNotice error=e /></div> })}
        </section>
    }
}
