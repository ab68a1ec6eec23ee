//! Small building blocks every page uses, so pages look and read alike.

use leptos::prelude::*;

use crate::app::error::UiError;

/// The heading block of a page.
#[component]
pub fn PageHeader(
    title: &'static str,
    #[prop(optional)] subtitle: Option<&'static str>,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    view! {
        <div class="mb-6 flex flex-wrap items-end justify-between gap-4">
            <div>
                <h1 class="text-2xl font-semibold tracking-tight text-slate-900">{title}</h1>
                {subtitle.map(|s| view! { <p class="mt-1 text-sm text-slate-600">{s}</p> })}
            </div>
            {children.map(|c| c())}
        </div>
    }
}

/// An honest "nothing here" panel.
#[component]
pub fn EmptyState(title: String, children: Children) -> impl IntoView {
    view! {
        <div class="rounded-lg border border-dashed border-slate-300 bg-white p-8 text-center">
            <h2 class="text-base font-semibold text-slate-800">{title}</h2>
            <div class="mx-auto mt-2 max-w-prose text-sm text-slate-600">{children()}</div>
        </div>
    }
}

/// A failed call, said plainly, with a way back in when the session ended.
#[component]
pub fn ErrorNotice(error: UiError) -> impl IntoView {
    let login = error.is_unauthenticated();
    view! {
        <div role="alert" class="rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-800">
            {if login {
                view! { <span>"Your session has ended. " <a class="font-medium underline" href="/login">"Log in again"</a></span> }.into_any()
            } else {
                view! { <span>{error.to_string()}</span> }.into_any()
            }}
        </div>
    }
}

/// A loading line for `Suspense` fallbacks.
#[component]
pub fn Loading() -> impl IntoView {
    view! { <p class="text-sm text-slate-500" aria-live="polite">"Loading…"</p> }
}

/// Classes of the main action button.
pub const BUTTON_PRIMARY: &str = "inline-flex items-center justify-center rounded-md bg-indigo-600 px-3 py-2 text-sm font-semibold text-white shadow-sm hover:bg-indigo-500 focus-visible:outline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:cursor-not-allowed disabled:opacity-50";
/// Classes of a secondary button.
pub const BUTTON_SECONDARY: &str = "inline-flex items-center justify-center rounded-md bg-white px-3 py-2 text-sm font-medium text-slate-700 ring-1 ring-inset ring-slate-300 hover:bg-slate-50 focus-visible:outline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:opacity-50";
/// Classes of a destructive button.
pub const BUTTON_DANGER: &str = "inline-flex items-center justify-center rounded-md bg-white px-2.5 py-1.5 text-sm font-medium text-red-700 ring-1 ring-inset ring-red-200 hover:bg-red-50 focus-visible:outline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-red-600 disabled:opacity-50";
/// Classes of a text input.
pub const INPUT: &str = "block w-full rounded-md border-0 px-3 py-2 text-slate-900 shadow-sm ring-1 ring-inset ring-slate-300 placeholder:text-slate-400 focus:ring-2 focus:ring-inset focus:ring-indigo-600 sm:text-sm";
/// Classes of a form label.
pub const LABEL: &str = "block text-sm font-medium text-slate-700";

/// A coloured status word.
#[component]
pub fn Badge(text: String, tone: &'static str) -> impl IntoView {
    let colours = match tone {
        "green" => "bg-emerald-100 text-emerald-800",
        "amber" => "bg-amber-100 text-amber-800",
        "red" => "bg-red-100 text-red-800",
        "blue" => "bg-sky-100 text-sky-800",
        "violet" => "bg-violet-100 text-violet-800",
        _ => "bg-slate-100 text-slate-700",
    };
    view! { <span class=format!("inline-block whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-medium {colours}")>{text}</span> }
}

/// Tabs under a page title, as links (the current one is marked for screen readers too).
#[component]
pub fn Tabs(label: &'static str, tabs: Vec<(&'static str, &'static str)>) -> impl IntoView {
    view! {
        <nav aria-label=label class="mb-6 border-b border-slate-200">
            <ul class="-mb-px flex gap-4 overflow-x-auto">
                {tabs.into_iter().map(|(href, text)| view! {
                    <li>
                        <leptos_router::components::A href=href exact=true attr:class="inline-block whitespace-nowrap border-b-2 border-transparent px-1 pb-2 text-sm font-medium text-slate-600 hover:text-slate-900 aria-[current=page]:border-indigo-600 aria-[current=page]:text-indigo-700">
                            {text}
                        </leptos_router::components::A>
                    </li>
                }).collect_view()}
            </ul>
        </nav>
    }
}

/// Classes of a select box.
pub const SELECT: &str = "block w-full rounded-md border-0 py-2 pl-3 pr-8 text-slate-900 ring-1 ring-inset ring-slate-300 focus:ring-2 focus:ring-indigo-600 sm:text-sm";
/// Classes of a card.
pub const CARD: &str = "rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200 sm:p-6";
/// Classes of a table wrapper (relative, so screen-reader-only text cannot widen the page).
pub const TABLE_WRAP: &str =
    "relative overflow-x-auto rounded-lg bg-white shadow-sm ring-1 ring-slate-200";
/// Classes of a table.
pub const TABLE: &str = "min-w-full divide-y divide-slate-200 text-sm";
/// Classes of a header cell.
pub const TH: &str = "px-3 py-2 text-left font-medium text-slate-600";
/// Classes of a body cell.
pub const TD: &str = "px-3 py-2 align-top";
