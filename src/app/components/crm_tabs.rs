//! The CRM section's tabs.

use leptos::prelude::*;

use super::ui::Tabs;

/// Contacts · Import · Segments.
#[component]
pub fn CrmTabs() -> impl IntoView {
    view! { <Tabs label="CRM" tabs=vec![("/crm", "Contacts"), ("/crm/import", "Import CSV"), ("/crm/segments", "Segments")] /> }
}
