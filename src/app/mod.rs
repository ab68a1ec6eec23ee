//! The console: server-rendered Leptos pages that hydrate in the browser.

pub mod components;
pub mod error;
pub mod format;
pub mod pages;
pub mod resource;
pub mod routes;
pub mod server_fns;

use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags, Title, provide_meta_context};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{Lazy, SsrMode, path};

use components::layout::ConsoleLayout;
use pages::dashboard::DashboardPage;
use pages::login::LoginPage;
use pages::not_found::NotFoundPage;
use routes::*;

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
                        <Route path=path!("campaigns") view={Lazy::<CampaignsRoute>::new()} />
                        <Route path=path!("campaigns/:id") view={Lazy::<CampaignRoute>::new()} />
                        <Route path=path!("approvals") view={Lazy::<PendingApprovalsRoute>::new()} />
                        <Route path=path!("approvals/decided") view={Lazy::<DecidedApprovalsRoute>::new()} />
                        <Route path=path!("email") view={Lazy::<EmailSequencesRoute>::new()} />
                        <Route path=path!("email/new") view={Lazy::<NewSequenceRoute>::new()} />
                        <Route path=path!("email/outbox") view={Lazy::<OutboxRoute>::new()} />
                        <Route path=path!("email/sequences/:id") view={Lazy::<EmailSequenceRoute>::new()} />
                        <Route path=path!("ads") view={Lazy::<AdCreativesRoute>::new()} />
                        <Route path=path!("ads/creatives") view={Lazy::<AdCreativesRoute>::new()} />
                        <Route path=path!("ads/creatives/:id") view={Lazy::<AdCreativeRoute>::new()} />
                        <Route path=path!("ads/campaigns") view={Lazy::<AdCampaignsRoute>::new()} />
                        <Route path=path!("ads/campaigns/new") view={Lazy::<NewAdCampaignRoute>::new()} />
                        <Route path=path!("ads/campaigns/:id") view={Lazy::<AdCampaignRoute>::new()} />
                        <Route path=path!("blog") view={Lazy::<BlogRoute>::new()} />
                        <Route path=path!("blog/publish-jobs") view={Lazy::<PublishJobsRoute>::new()} />
                        <Route path=path!("blog/drafts/:id") view={Lazy::<BlogDraftRoute>::new()} />
                        <Route path=path!("crm") view={Lazy::<ContactsRoute>::new()} />
                        <Route path=path!("crm/contacts/:id") view={Lazy::<ContactRoute>::new()} />
                        <Route path=path!("crm/import") view={Lazy::<ImportRoute>::new()} />
                        <Route path=path!("crm/segments") view={Lazy::<SegmentsRoute>::new()} />
                        <Route path=path!("crm/segments/new") view={Lazy::<SegmentBuilderRoute>::new()} />
                        <Route path=path!("crm/segments/:id") view={Lazy::<SegmentRoute>::new()} />
                        <Route path=path!("settings") view={Lazy::<SettingsRoute>::new()} />
                        <Route path=path!("settings/api-keys") view={Lazy::<ApiKeysRoute>::new()} />
                        <Route path=path!("settings/audit-log") view={Lazy::<AuditLogRoute>::new()} />
                        <Route path=path!("settings/brands") view={Lazy::<BrandsRoute>::new()} />
                        <Route path=path!("settings/connectors") view={Lazy::<ConnectorsRoute>::new()} />
                        <Route path=path!("settings/jobs") view={Lazy::<JobsRoute>::new()} />
                        <Route path=path!("settings/suppressions") view={Lazy::<SuppressionsRoute>::new()} />
                        <Route path=path!("settings/workspace") view={Lazy::<WorkspaceSettingsRoute>::new()} />
                        <Route path=path!("settings/webhooks") view={Lazy::<WebhooksRoute>::new()} />
                        <Route path=path!("settings/webhooks/:id") view={Lazy::<WebhookRoute>::new()} />
                    </ParentRoute>
                </Routes>
            </div>
        </Router>
    }
}
