//! The console's rarely opened pages, loaded when first needed. The release build (`cargo
//! leptos build --split`) moves the code that only an area's pages use into that area's wasm
//! chunks, fetched the first time one of its pages is shown; the first download keeps the
//! runtime, the layout, the login page and the dashboard. The server names the chunks a page
//! needs in its `<head>` (`rel="preload"`), so hydrating it does not wait on another round trip.
//!
//! An area is one split point (one `#[lazy]` function choosing among its pages), not one per
//! page: every split point multiplies the chunks code shared between them is cut into, and a
//! page per split point made a page fetch up to 362 files. Each area is written once, as a
//! table of its pages, and `lazy_area!` makes the rest.

use leptos::prelude::*;
use leptos_router::LazyRoute;

use crate::app::pages::ad_campaign::AdCampaignPage;
use crate::app::pages::ad_campaigns::{AdCampaignsPage, NewAdCampaignPage};
use crate::app::pages::ad_creatives::{AdCreativePage, AdCreativesPage};
use crate::app::pages::api_keys::ApiKeysPage;
use crate::app::pages::approvals::ApprovalsPage;
use crate::app::pages::audit_log::AuditLogPage;
use crate::app::pages::blog::{BlogPage, PublishJobsPage};
use crate::app::pages::blog_draft::BlogDraftPage;
use crate::app::pages::brands::BrandsPage;
use crate::app::pages::campaigns::{CampaignPage, CampaignsPage};
use crate::app::pages::connectors::ConnectorsPage;
use crate::app::pages::crm_contact::ContactPage;
use crate::app::pages::crm_contacts::ContactsPage;
use crate::app::pages::crm_import::ImportPage;
use crate::app::pages::crm_segment::SegmentPage;
use crate::app::pages::crm_segments::{SegmentBuilderPage, SegmentsPage};
use crate::app::pages::email_sequence::EmailSequencePage;
use crate::app::pages::email_sequences::{EmailSequencesPage, NewSequencePage};
use crate::app::pages::jobs::JobsPage;
use crate::app::pages::outbox::OutboxPage;
use crate::app::pages::settings::SettingsPage;
use crate::app::pages::suppressions::SuppressionsPage;
use crate::app::pages::webhooks::{WebhookPage, WebhooksPage};
use crate::app::pages::workspace_settings::WorkspaceSettingsPage;

/// An area: the enum of its pages, the lazily loaded function that renders one (the split
/// point), and per page a route struct (what `<Route view=…>` names) whose view awaits the
/// area and whose preload fetches the area's chunks ahead of a navigation.
macro_rules! lazy_area {
    (
        $(#[$doc:meta])*
        $area:ident($render:ident, $preload:ident) {
            $($(#[$page_doc:meta])* $page:ident => $route:ident => $view:expr,)*
        }
    ) => {
        $(#[$doc])*
        #[derive(Clone, Copy)]
        pub enum $area {
            $($(#[$page_doc])* $page,)*
        }

        #[lazy]
        fn $render(page: $area) -> AnyView {
            match page {
                $($area::$page => $view.into_any(),)*
            }
        }

        $(
            $(#[$page_doc])*
            pub struct $route;

            impl LazyRoute for $route {
                fn data() -> Self {
                    Self
                }

                async fn view(_this: Self) -> AnyView {
                    let page = $render($area::$page).await;
                    view! { <LazyPage>{page}</LazyPage> }.into_any()
                }

                async fn preload() {
                    #[cfg(feature = "hydrate")]
                    $preload().await;
                }
            }
        )*
    };
}

lazy_area! {
    /// The pages of the campaign list and pages, the approvals inbox.
    CampaignsArea(campaigns_page, __preload_campaigns_page) {
        /// `/campaigns`
        Campaigns => CampaignsRoute => view! { <CampaignsPage /> },
        /// `/campaigns/:id`
        Campaign => CampaignRoute => view! { <CampaignPage /> },
        /// `/approvals`
        PendingApprovals => PendingApprovalsRoute => view! { <ApprovalsPage decided=false /> },
        /// `/approvals/decided`
        DecidedApprovals => DecidedApprovalsRoute => view! { <ApprovalsPage decided=true /> },
    }
}

lazy_area! {
    /// The pages of email sequences and the outbox.
    EmailArea(email_page, __preload_email_page) {
        /// `/email`
        EmailSequences => EmailSequencesRoute => view! { <EmailSequencesPage /> },
        /// `/email/new`
        NewSequence => NewSequenceRoute => view! { <NewSequencePage /> },
        /// `/email/outbox`
        Outbox => OutboxRoute => view! { <OutboxPage /> },
        /// `/email/sequences/:id`
        EmailSequence => EmailSequenceRoute => view! { <EmailSequencePage /> },
    }
}

lazy_area! {
    /// The pages of ad creatives and ad campaigns.
    AdsArea(ads_page, __preload_ads_page) {
        /// `/ads` and `/ads/creatives`
        AdCreatives => AdCreativesRoute => view! { <AdCreativesPage /> },
        /// `/ads/creatives/:id`
        AdCreative => AdCreativeRoute => view! { <AdCreativePage /> },
        /// `/ads/campaigns`
        AdCampaigns => AdCampaignsRoute => view! { <AdCampaignsPage /> },
        /// `/ads/campaigns/new`
        NewAdCampaign => NewAdCampaignRoute => view! { <NewAdCampaignPage /> },
        /// `/ads/campaigns/:id`
        AdCampaign => AdCampaignRoute => view! { <AdCampaignPage /> },
    }
}

lazy_area! {
    /// The pages of blog drafts, the editor and publish jobs.
    BlogArea(blog_page, __preload_blog_page) {
        /// `/blog`
        Blog => BlogRoute => view! { <BlogPage /> },
        /// `/blog/publish-jobs`
        PublishJobs => PublishJobsRoute => view! { <PublishJobsPage /> },
        /// `/blog/drafts/:id`
        BlogDraft => BlogDraftRoute => view! { <BlogDraftPage /> },
    }
}

lazy_area! {
    /// The pages of contacts, import and segments.
    CrmArea(crm_page, __preload_crm_page) {
        /// `/crm`
        Contacts => ContactsRoute => view! { <ContactsPage /> },
        /// `/crm/contacts/:id`
        Contact => ContactRoute => view! { <ContactPage /> },
        /// `/crm/import`
        Import => ImportRoute => view! { <ImportPage /> },
        /// `/crm/segments`
        Segments => SegmentsRoute => view! { <SegmentsPage /> },
        /// `/crm/segments/new`
        SegmentBuilder => SegmentBuilderRoute => view! { <SegmentBuilderPage /> },
        /// `/crm/segments/:id`
        Segment => SegmentRoute => view! { <SegmentPage /> },
    }
}

lazy_area! {
    /// The pages of workspace settings, keys, connectors, webhooks, jobs and the audit log.
    SettingsArea(settings_page, __preload_settings_page) {
        /// `/settings`
        Settings => SettingsRoute => view! { <SettingsPage /> },
        /// `/settings/api-keys`
        ApiKeys => ApiKeysRoute => view! { <ApiKeysPage /> },
        /// `/settings/audit-log`
        AuditLog => AuditLogRoute => view! { <AuditLogPage /> },
        /// `/settings/brands`
        Brands => BrandsRoute => view! { <BrandsPage /> },
        /// `/settings/connectors`
        Connectors => ConnectorsRoute => view! { <ConnectorsPage /> },
        /// `/settings/jobs`
        Jobs => JobsRoute => view! { <JobsPage /> },
        /// `/settings/suppressions`
        Suppressions => SuppressionsRoute => view! { <SuppressionsPage /> },
        /// `/settings/workspace`
        WorkspaceSettings => WorkspaceSettingsRoute => view! { <WorkspaceSettingsPage /> },
        /// `/settings/webhooks`
        Webhooks => WebhooksRoute => view! { <WebhooksPage /> },
        /// `/settings/webhooks/:id`
        Webhook => WebhookRoute => view! { <WebhookPage /> },
    }
}

/// A lazily loaded page, marked `data-hydrated="true"` once its own code has hydrated it:
/// the app's marker turns before an area's chunks have arrived, so a browser test waits for
/// both (and a person's click before then would land on inert markup).
#[component]
fn LazyPage(children: Children) -> impl IntoView {
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    view! {
        <div class="contents" data-lazy-page="" data-hydrated=move || hydrated.get().to_string()>
            {children()}
        </div>
    }
}
