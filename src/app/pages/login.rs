//! `/login`.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use leptos::server_fn::error::ServerFnUrlError;

use crate::app::components::ui::{BUTTON_PRIMARY, ErrorNotice, INPUT, LABEL};
use crate::app::error::UiError;
use crate::app::server_fns::session::Login;

/// "90 seconds", "3 minutes".
fn wait(secs: u64) -> String {
    match secs {
        1 => "1 second".to_owned(),
        s if s < 120 => format!("{s} seconds"),
        s => format!("{} minutes", s.div_ceil(60)),
    }
}

/// The login form. Works without JavaScript: the form posts, the server redirects.
#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    // Without JavaScript a failed login comes back with the error in the query string.
    let error = move || {
        login.value().get().and_then(Result::err).or_else(|| {
            query
                .read()
                .get("__err")
                .map(|e| ServerFnUrlError::<UiError>::decode_err(&e))
        })
    };

    view! {
        <Title text="Log in" />
        <main id="main" class="flex min-h-screen items-center justify-center px-4">
            <div class="w-full max-w-sm">
                <div class="mb-6 flex items-center gap-2">
                    <span aria-hidden="true" class="grid h-9 w-9 place-items-center rounded-md bg-indigo-600 font-bold text-white">"T"</span>
                    <h1 class="text-xl font-semibold">"Log in to Tenex Marketing"</h1>
                </div>
                <ActionForm action=login attr:class="space-y-4 rounded-lg bg-white p-6 shadow ring-1 ring-slate-200">
                    <input type="hidden" name="next" value=next />
                    <div>
                        <label for="email" class=LABEL>"Email"</label>
                        <input id="email" name="email" type="email" autocomplete="username" required class=format!("mt-1 {INPUT}") />
                    </div>
                    <div>
                        <label for="password" class=LABEL>"Password"</label>
                        <input id="password" name="password" type="password" autocomplete="current-password" required class=format!("mt-1 {INPUT}") />
                    </div>
                    {move || error().map(|e| match e.retry_after_secs() {
                        Some(secs) => view! {
                            <p role="alert" class="rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-800">
                                {format!("Too many failed logins for this account or from this address. Try again in {}.", wait(secs))}
                            </p>
                        }.into_any(),
                        None => view! { <ErrorNotice error=e /> }.into_any(),
                    })}
                    <button type="submit" class=format!("w-full {BUTTON_PRIMARY}") disabled=move || login.pending().get()>
                        "Log in"
                    </button>
                </ActionForm>
            </div>
        </main>
    }
}
