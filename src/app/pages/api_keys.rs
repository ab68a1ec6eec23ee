//! `/settings/api-keys`: mint a key (shown once), list keys, revoke.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::app::components::layout::MemberResource;
use crate::app::components::pager::{Pager, list_href};
use crate::app::components::ui::{
    BUTTON_DANGER, BUTTON_PRIMARY, BUTTON_SECONDARY, EmptyState, ErrorNotice, INPUT, LABEL,
    Loading, PageHeader,
};
use crate::app::format::{when, when_or};
use crate::app::server_fns::api_keys::{
    CreateApiKey, CreatedKey, KeyRow, RevokeApiKey, list_api_keys,
};
use crate::domain::actor::Scope;
use crate::domain::api_key::KeyState;

/// The API keys page; the list's page position lives in the URL.
#[component]
pub fn ApiKeysPage() -> impl IntoView {
    let query = use_query_map();
    let get = move |k: &str| query.read().get(k).filter(|v| !v.is_empty());
    let create = ServerAction::<CreateApiKey>::new();
    let revoke = ServerAction::<RevokeApiKey>::new();
    let keys = crate::app::resource::load(
        move || {
            (
                create.version().get(),
                revoke.version().get(),
                get("limit"),
                get("cursor"),
            )
        },
        |(_, _, limit, cursor)| list_api_keys(limit, cursor),
    );

    view! {
        <Title text="API keys" />
        <PageHeader title="API keys" subtitle="Keys let agents and integrations use the API and MCP endpoint as you, within the scopes you give them." />
        <CreateKeyForm create />
        <section aria-labelledby="keys-title" class="mt-8">
            <h2 id="keys-title" class="mb-3 text-lg font-semibold">"Keys"</h2>
            {move || revoke.value().get().and_then(Result::err).map(|e| view! { <ErrorNotice error=e /> })}
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match keys.await {
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                        Ok(page) if page.items.is_empty() && get("cursor").is_none() => view! {
                            <EmptyState title="No keys yet".to_owned()>
                                <p>"Create one above. Its secret is shown once, when it is made."</p>
                            </EmptyState>
                        }.into_any(),
                        Ok(page) => view! {
                            <KeyTable keys=page.items revoke />
                            <Pager first=list_href("/settings/api-keys", &[("limit", get("limit"))]) later=get("cursor").is_some() next_cursor=page.next_cursor />
                        }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// The mint form, and the new key, shown once.
#[component]
fn CreateKeyForm(create: ServerAction<CreateApiKey>) -> impl IntoView {
    let member = expect_context::<MemberResource>();
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let result = move || create.value().get();
    let field_error =
        move |name: &'static str| result().and_then(Result::err).and_then(|e| e.field(name));

    view! {
        <section aria-labelledby="create-title" class="rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200 sm:p-6">
            <h2 id="create-title" class="text-lg font-semibold">"Create a key"</h2>
            <ActionForm action=create attr:class="mt-4 space-y-4">
                <div class="max-w-md">
                    <label for="key-name" class=LABEL>"Name"</label>
                    <input id="key-name" name="name" type="text" maxlength="100" required placeholder="CRM sync agent" class=format!("mt-1 {INPUT}")
                        aria-describedby="key-name-error" />
                    <p id="key-name-error" class="mt-1 text-sm text-red-700">{move || field_error("name")}</p>
                </div>
                <fieldset>
                    <legend class=LABEL>"Scopes"</legend>
                    <p class="text-sm text-slate-600">"You can grant only what your own role allows."</p>
                    <Transition fallback=Loading>
                        {move || Suspend::new(async move {
                            let held: Vec<String> = member.await.map(|m| m.scopes).unwrap_or_default();
                            view! {
                                <div class="mt-2 grid gap-2 sm:grid-cols-2">
                                    {Scope::ALL.iter().enumerate().filter(|(_, s)| held.iter().any(|h| h == s.as_str())).map(|(i, scope)| {
                                        let id = format!("scope-{}", scope.as_str().replace(':', "-"));
                                        let checked = Scope::DEFAULT_FOR_KEYS.contains(scope);
                                        let label_for = id.clone();
                                        view! {
                                            <label for=label_for class="flex items-center gap-2 text-sm">
                                                <input id=id type="checkbox" name=format!("scopes[{i}]") value=scope.as_str() checked=checked
                                                    class="h-4 w-4 rounded border-slate-300 text-indigo-600 focus:ring-indigo-600" />
                                                <code>{scope.as_str()}</code>
                                            </label>
                                        }
                                    }).collect_view()}
                                </div>
                            }
                        })}
                    </Transition>
                    <p class="mt-1 text-sm text-red-700">{move || field_error("scopes")}</p>
                </fieldset>
                <div class="max-w-xs">
                    <label for="key-expiry" class=LABEL>"Expires on (optional)"</label>
                    <input id="key-expiry" name="expires_on" type="date" class=format!("mt-1 {INPUT}") />
                    <p class="mt-1 text-sm text-red-700">{move || field_error("expires_at")}</p>
                </div>
                // The new secret is shown by the page itself; a plain form post would mint a
                // key and lose it, so the button waits for the page to hydrate.
                <button type="submit" class=BUTTON_PRIMARY disabled=move || !hydrated.get() || create.pending().get()>
                    "Create key"
                </button>
            </ActionForm>
            {move || match result() {
                Some(Ok(created)) => view! { <NewKeyPanel created /> }.into_any(),
                Some(Err(e)) if e.field("name").is_none() && e.field("scopes").is_none() && e.field("expires_at").is_none() => {
                    view! { <div class="mt-4"><ErrorNotice error=e /></div> }.into_any()
                }
                _ => ().into_any(),
            }}
        </section>
    }
}

/// The new key, once, with a copy button.
#[component]
fn NewKeyPanel(created: CreatedKey) -> impl IntoView {
    let copied = RwSignal::new(false);
    let token = created.token.clone();
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        {
            if let Some(window) = web_sys::window() {
                let _ = window.navigator().clipboard().write_text(&token);
                copied.set(true);
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &token;
    };
    view! {
        <div role="status" class="mt-4 rounded-md border border-emerald-200 bg-emerald-50 p-4" data-testid="new-key">
            <p class="font-medium text-emerald-900">"Key \"" {created.key.name.clone()} "\" created. Copy it now: it will not be shown again."</p>
            <div class="mt-2 flex flex-col gap-2 sm:flex-row">
                <label for="new-key-value" class="sr-only">"New API key"</label>
                <input id="new-key-value" readonly value=created.token.clone() class=format!("font-mono {INPUT}") on:focus=move |ev| {
                    #[cfg(feature = "hydrate")]
                    {
                        use wasm_bindgen::JsCast;
                        if let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
                            input.select();
                        }
                    }
                    #[cfg(not(feature = "hydrate"))]
                    let _ = ev;
                } />
                <button type="button" class=BUTTON_SECONDARY on:click=copy>
                    {move || if copied.get() { "Copied" } else { "Copy" }}
                </button>
            </div>
        </div>
    }
}

fn badge(state: KeyState) -> (&'static str, &'static str) {
    match state {
        KeyState::Active => ("Active", "bg-emerald-100 text-emerald-800"),
        KeyState::Expired => ("Expired", "bg-amber-100 text-amber-800"),
        KeyState::Revoked => ("Revoked", "bg-slate-100 text-slate-700"),
    }
}

/// The list of keys.
#[component]
fn KeyTable(keys: Vec<KeyRow>, revoke: ServerAction<RevokeApiKey>) -> impl IntoView {
    view! {
        <div class="relative overflow-x-auto rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
            <table class="min-w-full divide-y divide-slate-200 text-sm">
                <thead class="bg-slate-50 text-left text-slate-600">
                    <tr>
                        <th scope="col" class="px-3 py-2 font-medium">"Name"</th>
                        <th scope="col" class="px-3 py-2 font-medium">"Key"</th>
                        <th scope="col" class="px-3 py-2 font-medium">"Scopes"</th>
                        <th scope="col" class="px-3 py-2 font-medium">"Created"</th>
                        <th scope="col" class="px-3 py-2 font-medium">"Last used"</th>
                        <th scope="col" class="px-3 py-2 font-medium">"Status"</th>
                        <th scope="col" class="px-3 py-2 font-medium"><span class="sr-only">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-100">
                    {keys.into_iter().map(|row| {
                        let (label, badge) = badge(row.state);
                        let key = row.key;
                        let revocable = key.revoked_at.is_none();
                        let id = key.id.to_string();
                        let row_id = id.clone();
                        let name = key.name.clone();
                        view! {
                            <tr data-key-id=row_id>
                                <td class="px-3 py-2 font-medium text-slate-900">{key.name.clone()}</td>
                                <td class="px-3 py-2 font-mono text-xs">{format!("tnx_{}_…", key.prefix)}</td>
                                <td class="px-3 py-2 text-xs">{key.scopes.to_stored()}</td>
                                <td class="px-3 py-2 whitespace-nowrap">{when(&key.created_at)}<br/><span class="text-xs text-slate-500">{key.created_by_email.clone()}</span></td>
                                <td class="px-3 py-2 whitespace-nowrap">{when_or(key.last_used_at.as_ref(), "never")}</td>
                                <td class="px-3 py-2"><span class=format!("rounded-full px-2 py-0.5 text-xs font-medium {badge}")>{label}</span></td>
                                <td class="px-3 py-2 text-right">
                                    {revocable.then(|| view! {
                                        <ActionForm action=revoke>
                                            <input type="hidden" name="id" value=id />
                                            <button type="submit" class=BUTTON_DANGER aria-label=format!("Revoke key {name}")>"Revoke"</button>
                                        </ActionForm>
                                    })}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
