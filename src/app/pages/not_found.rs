//! Any path the console does not know.

use leptos::prelude::*;
use leptos_meta::Title;

/// "Page not found", with a way home.
#[component]
pub fn NotFoundPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found" />
        <main id="main" class="mx-auto max-w-lg px-4 py-16 text-center">
            <h1 class="text-2xl font-semibold">"Page not found"</h1>
            <p class="mt-2 text-slate-600">"There is nothing at this address."</p>
            <a href="/" class="mt-4 inline-block font-medium text-indigo-700 underline">"Back to the console"</a>
        </main>
    }
}
