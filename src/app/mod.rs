//! The console: server-rendered Leptos pages that hydrate in the browser.

pub mod components;
pub mod error;
pub mod format;
pub mod pages;
pub mod resource;
pub mod server_fns;

use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags, Title, provide_meta_context};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{SsrMode, path};

use components::layout::ConsoleLayout;
use pages::ad_creatives::{AdCreativePage, AdCreativesPage};
use pages::api_keys::ApiKeysPage;
use pages::approvals::ApprovalsPage;
use pages::audit_log::AuditLogPage;
use pages::brands::BrandsPage;
use pages::campaigns::{CampaignPage, CampaignsPage};
use pages::connectors::ConnectorsPage;
use pages::crm_contact::ContactPage;
use pages::crm_contacts::ContactsPage;
use pages::crm_import::ImportPage;
use pages::crm_segment::SegmentPage;
use pages::crm_segments::{SegmentBuilderPage, SegmentsPage};
use pages::dashboard::DashboardPage;
use pages::email_sequence::EmailSequencePage;
use pages::email_sequences::{EmailSequencesPage, NewSequencePage};
use pages::login::LoginPage;
use pages::not_found::NotFoundPage;
use pages::settings::SettingsPage;

/// The HTML document around the app (server only).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en" class="h-full bg-slate-50">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light" />
                <AutoReload options=options.clone() />
                <HashedStylesheet options=options.clone() id="leptos" />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body class="h-full text-slate-900 antialiased">
                <App />
            </body>
        </html>
    }
}

/// The console's routes.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Effects run only in the browser, after hydration: tests wait for this marker.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));

    view! {
        <Title formatter=|page: String| if page.is_empty() { "Tenex Marketing".to_owned() } else { format!("{page} · Tenex Marketing") } />
        <Router>
            <div id="app" class="min-h-full" data-hydrated=move || hydrated.get().to_string()>
                <Routes fallback=NotFoundPage>
                    <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async />
                    <ParentRoute path=path!("") view=ConsoleLayout ssr=SsrMode::Async>
                        <Route path=path!("") view=DashboardPage />
                        <Route path=path!("campaigns") view=CampaignsPage />
                        <Route path=path!("campaigns/:id") view=CampaignPage />
                        <Route path=path!("approvals") view=|| view! { <ApprovalsPage decided=false /> } />
                        <Route path=path!("approvals/decided") view=|| view! { <ApprovalsPage decided=true /> } />
                        <Route path=path!("email") view=EmailSequencesPage />
                        <Route path=path!("email/new") view=NewSequencePage />
                        <Route path=path!("email/outbox") view=pages::outbox::OutboxPage />
                        <Route path=path!("email/sequences/:id") view=EmailSequencePage />
                        <Route path=path!("ads") view=AdCreativesPage />
                        <Route path=path!("ads/creatives") view=AdCreativesPage />
                        <Route path=path!("ads/creatives/:id") view=AdCreativePage />
                        <Route path=path!("ads/campaigns") view=pages::ad_campaigns::AdCampaignsPage />
                        <Route path=path!("ads/campaigns/new") view=pages::ad_campaigns::NewAdCampaignPage />
                        <Route path=path!("ads/campaigns/:id") view=pages::ad_campaign::AdCampaignPage />
                        <Route path=path!("blog") view=pages::blog::BlogPage />
                        <Route path=path!("blog/publish-jobs") view=pages::blog::PublishJobsPage />
                        <Route path=path!("blog/drafts/:id") view=pages::blog_draft::BlogDraftPage />
                        <Route path=path!("crm") view=ContactsPage />
                        <Route path=path!("crm/contacts/:id") view=ContactPage />
                        <Route path=path!("crm/import") view=ImportPage />
                        <Route path=path!("crm/segments") view=SegmentsPage />
                        <Route path=path!("crm/segments/new") view=SegmentBuilderPage />
                        <Route path=path!("crm/segments/:id") view=SegmentPage />
                        <Route path=path!("settings") view=SettingsPage />
                        <Route path=path!("settings/api-keys") view=ApiKeysPage />
                        <Route path=path!("settings/audit-log") view=AuditLogPage />
                        <Route path=path!("settings/brands") view=BrandsPage />
                        <Route path=path!("settings/connectors") view=ConnectorsPage />
                        <Route path=path!("settings/jobs") view=pages::jobs::JobsPage />
                        <Route path=path!("settings/suppressions") view=pages::suppressions::SuppressionsPage />
                        <Route path=path!("settings/workspace") view=pages::workspace_settings::WorkspaceSettingsPage />
                        <Route path=path!("settings/webhooks") view=pages::webhooks::WebhooksPage />
                        <Route path=path!("settings/webhooks/:id") view=pages::webhooks::WebhookPage />
                    </ParentRoute>
                </Routes>
            </div>
        </Router>
    }
}
