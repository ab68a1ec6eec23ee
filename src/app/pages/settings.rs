//! `/settings`: the index of workspace settings.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::app::components::layout::MemberResource;
use crate::app::components::ui::PageHeader;

/// Links to each settings page the member may use.
#[component]
pub fn SettingsPage() -> impl IntoView {
    let member = expect_context::<MemberResource>();
    let is_admin = move || {
        member
            .get()
            .and_then(Result::ok)
            .is_some_and(|m| m.scopes.iter().any(|s| s == "admin"))
    };
    view! {
        <Title text="Settings" />
        <PageHeader title="Settings" subtitle="Keys, people and records of this workspace." />
        <ul class="grid gap-4 sm:grid-cols-2">
            <li>
                <a href="/settings/api-keys" class="block rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200 hover:ring-indigo-300">
                    <h2 class="font-semibold">"API keys"</h2>
                    <p class="mt-1 text-sm text-slate-600">"Mint keys for agents and integrations; revoke them at once."</p>
                </a>
            </li>
            <li>
                <a href="/settings/workspace" class="block rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200 hover:ring-indigo-300">
                    <h2 class="font-semibold">"Workspace"</h2>
                    <p class="mt-1 text-sm text-slate-600">"The daily budget cap, the time zone days start in, and how conversions are attributed."</p>
                </a>
            </li>
            <li>
                <a href="/settings/brands" class="block rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200 hover:ring-indigo-300">
                    <h2 class="font-semibold">"Brands"</h2>
                    <p class="mt-1 text-sm text-slate-600">"Overview, selling points, voice and the phrases never to use."</p>
                </a>
            </li>
            <li>
                <a href="/settings/connectors" class="block rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200 hover:ring-indigo-300">
                    <h2 class="font-semibold">"Connectors"</h2>
                    <p class="mt-1 text-sm text-slate-600">"Mail senders, ad accounts and CMSs, with a connection test."</p>
                </a>
            </li>
            <li>
                <a href="/settings/suppressions" class="block rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200 hover:ring-indigo-300">
                    <h2 class="font-semibold">"Suppression list"</h2>
                    <p class="mt-1 text-sm text-slate-600">"Addresses never to mail: unsubscribes, bounces and complaints."</p>
                </a>
            </li>
            <Transition fallback=|| ()>
                {move || is_admin().then(|| view! {
                    <li>
                        <a href="/settings/audit-log" class="block rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200 hover:ring-indigo-300">
                            <h2 class="font-semibold">"Audit log"</h2>
                            <p class="mt-1 text-sm text-slate-600">"Every change: who, what, when."</p>
                        </a>
                    </li>
                    <li>
                        <a href="/settings/webhooks" class="block rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200 hover:ring-indigo-300">
                            <h2 class="font-semibold">"Webhooks"</h2>
                            <p class="mt-1 text-sm text-slate-600">"Signed event deliveries to other systems, with a delivery log."</p>
                        </a>
                    </li>
                    <li>
                        <a href="/settings/jobs" class="block rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200 hover:ring-indigo-300">
                            <h2 class="font-semibold">"Jobs"</h2>
                            <p class="mt-1 text-sm text-slate-600">"Background work, its errors, and a retry where that is safe."</p>
                        </a>
                    </li>
                })}
            </Transition>
        </ul>
    }
}
