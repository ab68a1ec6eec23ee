//! `/`: where a member lands after logging in.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::app::components::layout::MemberResource;
use crate::app::components::ui::PageHeader;

/// The home page: what the console can do, and where to start.
#[component]
pub fn HomePage() -> impl IntoView {
    let member = expect_context::<MemberResource>();
    let greeting = move || {
        member
            .get()
            .and_then(Result::ok)
            .map(|m| format!("Welcome, {}", m.display_name))
            .unwrap_or_else(|| "Welcome".into())
    };
    let cards: [(&str, &str, &str); 6] = [
        (
            "/campaigns",
            "Campaigns",
            "Every email sequence, ad campaign and blog post, with its status and results.",
        ),
        (
            "/approvals",
            "Approvals",
            "What waits for a human decision before anything irreversible happens.",
        ),
        (
            "/email",
            "Email sequences",
            "Preview multi-step sequences for a segment; nothing sends until approved.",
        ),
        (
            "/ads",
            "Ads",
            "Ad creatives and campaigns on Google, LinkedIn and Meta.",
        ),
        (
            "/blog",
            "Blog",
            "Drafts in Markdown, published to your CMS after approval.",
        ),
        (
            "/settings/api-keys",
            "API keys",
            "Keys for agents and integrations, with exactly the scopes they need.",
        ),
    ];
    view! {
        <Title text="Home" />
        <Transition fallback=|| ()>
            <h1 class="text-2xl font-semibold tracking-tight">{greeting}</h1>
        </Transition>
        <p class="mt-1 text-sm text-slate-600">"Nothing reaches a person, an ad platform or your blog until an approver signs off on exactly what will go out."</p>
        <div class="mt-6">
            <PageHeader title="Where to start" />
        </div>
        <ul class="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
            {cards.into_iter().map(|(href, title, text)| view! {
                <li>
                    <a href=href class="block h-full rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200 hover:ring-indigo-300 focus-visible:outline focus-visible:outline-2 focus-visible:outline-indigo-600">
                        <h2 class="font-semibold text-slate-900">{title}</h2>
                        <p class="mt-1 text-sm text-slate-600">{text}</p>
                    </a>
                </li>
            }).collect_view()}
        </ul>
        <p class="mt-8 text-sm text-slate-600">
            "Building an integration? Read the " <a class="font-medium text-indigo-700 underline" href="/api/docs" rel="external">"API reference"</a> "."
        </p>
    }
}
