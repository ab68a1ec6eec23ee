//! The console frame: navigation, workspace name, user menu, and the page in `<main>`.

use leptos::prelude::*;
use leptos_router::components::{A, Outlet};

use super::ui::ErrorNotice;
use crate::app::error::UiError;
use crate::app::server_fns::session::{MemberView, current_member};

/// The logged-in member, shared with every page of the console.
pub type MemberResource = crate::app::resource::Loaded<Result<MemberView, UiError>>;

const NAV: [(&str, &str); 8] = [
    ("/", "Dashboard"),
    ("/campaigns", "Campaigns"),
    ("/approvals", "Approvals"),
    ("/email", "Email"),
    ("/ads", "Ads"),
    ("/blog", "Blog"),
    ("/crm", "CRM"),
    ("/settings", "Settings"),
];

/// The frame around every console page.
#[component]
pub fn ConsoleLayout() -> impl IntoView {
    let member: MemberResource = crate::app::resource::load(|| (), |_| current_member());
    provide_context(member);

    view! {
        <a href="#main" class="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2 focus:shadow">
            "Skip to content"
        </a>
        <div class="min-h-screen md:flex">
            <aside class="border-b border-slate-200 bg-slate-900 text-slate-100 md:w-56 md:shrink-0 md:border-b-0 md:border-r">
                <div class="flex items-center gap-2 px-4 py-4">
                    <span aria-hidden="true" class="grid h-8 w-8 place-items-center rounded-md bg-indigo-500 font-bold">"T"</span>
                    <span class="text-lg font-semibold tracking-tight">"Tenex"</span>
                </div>
                <nav aria-label="Main" class="overflow-x-auto px-2 pb-3 md:pb-0">
                    <ul class="flex gap-1 md:flex-col">
                        {NAV
                            .into_iter()
                            .map(|(href, label)| {
                                view! {
                                    <li>
                                        <A
                                            href=href
                                            exact=href == "/"
                                            attr:class="block whitespace-nowrap rounded-md px-3 py-2 text-sm font-medium text-slate-300 hover:bg-slate-800 hover:text-white focus-visible:outline focus-visible:outline-2 focus-visible:outline-indigo-400 aria-[current=page]:bg-slate-800 aria-[current=page]:text-white"
                                        >
                                            {label}
                                        </A>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                </nav>
            </aside>
            <div class="flex min-w-0 flex-1 flex-col">
                <header class="flex items-center justify-between gap-4 border-b border-slate-200 bg-white px-4 py-3 sm:px-6">
                    <Suspense fallback=|| view! { <span class="text-sm text-slate-500">"…"</span> }>
                        {move || Suspend::new(async move {
                            match member.await {
                                Ok(m) => view! { <MemberBar member=m /> }.into_any(),
                                Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                            }
                        })}
                    </Suspense>
                </header>
                <main id="main" tabindex="-1" class="mx-auto w-full max-w-6xl flex-1 px-4 py-6 sm:px-6">
                    <Outlet />
                </main>
            </div>
        </div>
    }
}

/// Workspace name and the user menu. Switching workspace and logging out are plain form
/// posts, so the browser loads a fresh page and nothing of the old session stays on screen.
#[component]
fn MemberBar(member: MemberView) -> impl IntoView {
    let current = member.workspace_id.clone();
    let others: Vec<(String, String)> = member
        .workspaces
        .iter()
        .filter(|(id, _)| *id != current)
        .cloned()
        .collect();
    view! {
        <div class="min-w-0">
            <p class="text-xs uppercase tracking-wide text-slate-500">"Workspace"</p>
            <p class="truncate font-semibold text-slate-900" data-testid="workspace-name">
                {member.workspace_name.clone()}
            </p>
        </div>
        <details class="relative">
            <summary class="flex cursor-pointer list-none items-center gap-2 rounded-md px-2 py-1 text-sm hover:bg-slate-100 focus-visible:outline focus-visible:outline-2 focus-visible:outline-indigo-600">
                <span
                    class="grid h-8 w-8 place-items-center rounded-full bg-indigo-100 font-semibold text-indigo-700"
                    aria-hidden="true"
                >
                    {member.display_name.chars().next().unwrap_or('?').to_string()}
                </span>
                <span class="hidden sm:inline">{member.display_name.clone()}</span>
                <span class="sr-only">"Open the user menu"</span>
            </summary>
            <div class="absolute right-0 z-10 mt-2 w-64 rounded-md border border-slate-200 bg-white p-3 text-sm shadow-lg">
                <p class="font-medium text-slate-900">{member.display_name.clone()}</p>
                <p class="truncate text-slate-600">{member.email.clone()}</p>
                <p class="mt-1 text-slate-600">
                    "Role: " <span class="font-medium" data-testid="member-role">{member.role.clone()}</span>
                </p>
                {(!others.is_empty())
                    .then(|| {
                        view! {
                            <div class="mt-3 border-t border-slate-100 pt-2">
                                <p class="text-xs uppercase tracking-wide text-slate-500">"Switch workspace"</p>
                                {others
                                    .into_iter()
                                    .map(|(id, name)| {
                                        view! {
                                            <form method="post" action="/rpc/switch_workspace">
                                                <input type="hidden" name="workspace_id" value=id />
                                                <button type="submit" class="mt-1 w-full rounded px-2 py-1 text-left hover:bg-slate-100">
                                                    {name}
                                                </button>
                                            </form>
                                        }
                                    })
                                    .collect_view()}
                            </div>
                        }
                    })}
                <form method="post" action="/rpc/logout" class="mt-3 border-t border-slate-100 pt-2">
                    <button type="submit" class="w-full rounded px-2 py-1 text-left font-medium text-slate-700 hover:bg-slate-100">
                        "Log out"
                    </button>
                </form>
            </div>
        </details>
    }
}
