//! `/settings/brands`: what generators know about each brand.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::app::components::pager::{Pager, list_href};
use crate::app::components::ui::{
    BUTTON_PRIMARY, Badge, CARD, EmptyState, ErrorNotice, INPUT, LABEL, Loading, PageHeader,
};
use crate::app::server_fns::brands::{SaveBrand, list_brands};
use crate::domain::brand::Brand;

/// Brands: a card per brand with its edit form, and a form for a new one. The page position
/// lives in the URL.
#[component]
pub fn BrandsPage() -> impl IntoView {
    let query = use_query_map();
    let get = move |k: &str| query.read().get(k).filter(|v| !v.is_empty());
    let save = ServerAction::<SaveBrand>::new();
    let brands = crate::app::resource::load(
        move || (save.version().get(), get("limit"), get("cursor")),
        |(_, limit, cursor)| list_brands(limit, cursor),
    );
    view! {
        <Title text="Brands" />
        <PageHeader title="Brands" subtitle="Who you are and how you sound. Generated copy never uses a do-not-say phrase." />
        {move || save.value().get().and_then(Result::err).map(|e| view! { <div class="mb-4"><ErrorNotice error=e /></div> })}
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match brands.await {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(page) if page.items.is_empty() => view! {
                        <EmptyState title="No brands yet".to_owned()><p>"Describe your first brand below."</p></EmptyState>
                    }.into_any(),
                    Ok(page) => view! {
                        <ul class="space-y-4">
                            {page.items.into_iter().map(|b| { let id = b.id.to_string(); view! { <li data-brand-id=id><BrandCard brand=b save /></li> } }).collect_view()}
                        </ul>
                        <Pager first=list_href("/settings/brands", &[("limit", get("limit"))]) later=get("cursor").is_some() next_cursor=page.next_cursor />
                    }.into_any(),
                }
            })}
        </Transition>
        <section aria-labelledby="new-brand" class=format!("mt-6 {CARD}")>
            <h2 id="new-brand" class="text-lg font-semibold">"New brand"</h2>
            <BrandForm brand=None save />
        </section>
    }
}

#[component]
fn BrandCard(brand: Brand, save: ServerAction<SaveBrand>) -> impl IntoView {
    let title = brand.name.clone();
    view! {
        <article class=CARD>
            <div class="flex flex-wrap items-center gap-2">
                <h2 class="text-lg font-semibold">{title}</h2>
                {brand.is_default.then(|| view! { <Badge text="default".to_owned() tone="blue" /> })}
            </div>
            <p class="mt-1 max-w-prose text-sm text-slate-600">{brand.company_overview.clone()}</p>
            {(!brand.do_not_say.is_empty()).then(|| view! { <p class="mt-2 text-xs text-slate-500">"Never says: " {brand.do_not_say.join(", ")}</p> })}
            <details class="mt-3">
                <summary class="cursor-pointer text-sm font-medium text-indigo-700">"Edit"</summary>
                <BrandForm brand=Some(brand) save />
            </details>
        </article>
    }
}

#[component]
fn BrandForm(brand: Option<Brand>, save: ServerAction<SaveBrand>) -> impl IntoView {
    let prefix = brand
        .as_ref()
        .map_or_else(|| "new".to_owned(), |b| b.id.to_string());
    let field = move |name: &str| format!("{prefix}-{name}");
    let b = brand.clone();
    let value = move |f: fn(&Brand) -> String| b.as_ref().map(f).unwrap_or_default();
    let text_input = |id: String, name: &'static str, label: &'static str, current: String| {
        let label_for = id.clone();
        view! {
            <div>
                <label for=label_for class=LABEL>{label}</label>
                <input id=id name=name value=current class=format!("mt-1 {INPUT}") />
            </div>
        }
    };
    let area = |id: String,
                name: &'static str,
                label: &'static str,
                current: String,
                hint: &'static str| {
        let label_for = id.clone();
        view! {
            <div>
                <label for=label_for class=LABEL>{label}</label>
                <textarea id=id name=name rows="3" class=format!("mt-1 {INPUT}")>{current}</textarea>
                <p class="mt-1 text-xs text-slate-500">{hint}</p>
            </div>
        }
    };
    view! {
        <ActionForm action=save attr:class="mt-4 grid gap-4 sm:grid-cols-2">
            {brand.as_ref().map(|b| view! { <input type="hidden" name="id" value=b.id.to_string() /> })}
            {brand.as_ref().map(|b| view! { <input type="hidden" name="version" value=b.version.to_string() /> })}
            {text_input(field("name"), "name", "Name", value(|b| b.name.clone()))}
            {text_input(field("voice"), "brand_voice", "Voice", value(|b| b.brand_voice.clone()))}
            <div class="sm:col-span-2">{area(field("overview"), "company_overview", "Company overview", value(|b| b.company_overview.clone()), "What the company does, in a paragraph or two.")}</div>
            {area(field("usps"), "usps", "Unique selling points", value(|b| b.usps.join("\n")), "One per line.")}
            {area(field("icp"), "icp_market_segments", "Markets and ideal customers", value(|b| b.icp_market_segments.join("\n")), "One per line.")}
            {area(field("dns"), "do_not_say", "Do not say", value(|b| b.do_not_say.join("\n")), "Words or phrases generated copy must never contain, one per line.")}
            <div class="flex items-center gap-2 self-start">
                <input id=field("default") type="checkbox" name="is_default" value="on" checked=brand.as_ref().is_some_and(|b| b.is_default) class="h-4 w-4 rounded border-slate-300" />
                <label for=field("default") class="text-sm">"Default brand"</label>
            </div>
            <div class="sm:col-span-2"><button type="submit" class=BUTTON_PRIMARY>{if brand.is_some() { "Save brand" } else { "Create brand" }}</button></div>
        </ActionForm>
    }
}
