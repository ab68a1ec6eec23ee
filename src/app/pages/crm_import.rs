//! `/crm/import`: upload a CSV file and read the report.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::app::components::crm_tabs::CrmTabs;
use crate::app::components::ui::{
    BUTTON_PRIMARY, CARD, ErrorNotice, LABEL, PageHeader, TABLE, TABLE_WRAP, TD, TH,
};
use crate::app::server_fns::crm::import_contacts;

/// The import page. The file goes up as multipart form data and is read on the server row
/// by row; the report says what was created, updated, and which lines were refused and why.
#[component]
pub fn ImportPage() -> impl IntoView {
    #[cfg(feature = "hydrate")]
    let import = Action::new_local(|data: &web_sys::FormData| import_contacts(data.clone().into()));
    #[cfg(not(feature = "hydrate"))]
    let import = Action::new_local(|_: &()| async {
        Err::<crate::app::server_fns::crm::ImportSummary, _>(crate::app::error::UiError::Transport(
            "not in a browser".into(),
        ))
    });
    let _ = import_contacts;
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            if let Some(form) = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok())
                && let Ok(data) = web_sys::FormData::new_with_form(&form)
            {
                import.dispatch_local(data);
            }
        }
    };

    view! {
        <Title text="Import contacts" />
        <PageHeader title="CRM" subtitle="The people campaigns are aimed at." />
        <CrmTabs />
        <section aria-labelledby="import-title" class=CARD>
            <h2 id="import-title" class="text-lg font-semibold">"Import contacts from a CSV file"</h2>
            <p class="mt-1 max-w-prose text-sm text-slate-600">
                "The first line names the columns. " <code>"email"</code> " is required; " <code>"first_name"</code> ", " <code>"last_name"</code> ", "
                <code>"company"</code> ", " <code>"domain"</code> ", " <code>"title"</code> " and " <code>"lifecycle_stage"</code>
                " map to fields, and any other column becomes a custom field. A known email is updated, not duplicated; bad rows are skipped and listed."
            </p>
            <form class="mt-4 flex flex-col gap-3 sm:flex-row sm:items-end" on:submit=on_submit>
                <div>
                    <label for="import-file" class=LABEL>"CSV file"</label>
                    <input id="import-file" name="file" type="file" accept=".csv,text/csv" required class="mt-1 block text-sm" />
                </div>
                <button type="submit" class=BUTTON_PRIMARY disabled=move || !hydrated.get() || import.pending().get()>
                    {move || if import.pending().get() { "Importing…" } else { "Import" }}
                </button>
            </form>
        </section>
        {move || import.value().get().map(|result| match result {
            Err(e) => view! { <div class="mt-6"><ErrorNotice error=e /></div> }.into_any(),
            Ok(report) => view! {
                <section aria-labelledby="report-title" class="mt-6" data-testid="import-report">
                    <h2 id="report-title" class="text-lg font-semibold">"Import report"</h2>
                    <p class="mt-1 text-sm" role="status">
                        {format!("{} created, {} updated, {} rows refused.", report.created, report.updated, report.error_count)}
                    </p>
                    {(!report.errors.is_empty()).then(|| view! {
                        <div class=format!("mt-3 {TABLE_WRAP}")>
                            <table class=TABLE>
                                <thead class="bg-slate-50"><tr><th scope="col" class=TH>"Line"</th><th scope="col" class=TH>"Problem"</th></tr></thead>
                                <tbody class="divide-y divide-slate-100">
                                    {report.errors.iter().map(|(line, message)| view! {
                                        <tr><td class=TD>{*line}</td><td class=TD>{message.clone()}</td></tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    })}
                </section>
            }.into_any(),
        })}
    }
}
