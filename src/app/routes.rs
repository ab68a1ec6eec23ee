//! The console's rarely opened pages, loaded when first needed. The release build (`cargo
//! leptos build --split`) moves the code that only an area's pages use into that area's wasm
//! chunks, fetched the first time one of its pages is shown; the first download keeps the
//! runtime, the layout, the login page and the dashboard. The server names the chunks a page
//! needs in its `<head>` (`rel="preload"`), so hydrating it does not wait on another round trip.
//!
//! An area is one split point (one `#[lazy]` function choosing among its pages), not one per
//! page: every split point multiplies the chunks code shared between them is cut into, and a
//! page per split point made a page fetch 150–360 files.

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

/// The pages of the campaign list and pages, the approvals inbox.
#[derive(Clone, Copy)]
pub enum CampaignsArea {
    /// `/campaigns`
    Campaigns,
    /// `/campaigns/:id`
    Campaign,
    /// `/approvals`
    PendingApprovals,
    /// `/approvals/decided`
    DecidedApprovals,
}

#[lazy]
fn campaigns_page(page: CampaignsArea) -> AnyView {
    match page {
        CampaignsArea::Campaigns => view! { <CampaignsPage /> }.into_any(),
        CampaignsArea::Campaign => view! { <CampaignPage /> }.into_any(),
        CampaignsArea::PendingApprovals => view! { <ApprovalsPage decided=false /> }.into_any(),
        CampaignsArea::DecidedApprovals => view! { <ApprovalsPage decided=true /> }.into_any(),
    }
}

/// The pages of email sequences and the outbox.
#[derive(Clone, Copy)]
pub enum EmailArea {
    /// `/email`
    EmailSequences,
    /// `/email/new`
    NewSequence,
    /// `/email/outbox`
    Outbox,
    /// `/email/sequences/:id`
    EmailSequence,
}

#[lazy]
fn email_page(page: EmailArea) -> AnyView {
    match page {
        EmailArea::EmailSequences => view! { <EmailSequencesPage /> }.into_any(),
        EmailArea::NewSequence => view! { <NewSequencePage /> }.into_any(),
        EmailArea::Outbox => view! { <OutboxPage /> }.into_any(),
        EmailArea::EmailSequence => view! { <EmailSequencePage /> }.into_any(),
    }
}

/// The pages of ad creatives and ad campaigns.
#[derive(Clone, Copy)]
pub enum AdsArea {
    /// `/ads` and `/ads/creatives`
    AdCreatives,
    /// `/ads/creatives/:id`
    AdCreative,
    /// `/ads/campaigns`
    AdCampaigns,
    /// `/ads/campaigns/new`
    NewAdCampaign,
    /// `/ads/campaigns/:id`
    AdCampaign,
}

#[lazy]
fn ads_page(page: AdsArea) -> AnyView {
    match page {
        AdsArea::AdCreatives => view! { <AdCreativesPage /> }.into_any(),
        AdsArea::AdCreative => view! { <AdCreativePage /> }.into_any(),
        AdsArea::AdCampaigns => view! { <AdCampaignsPage /> }.into_any(),
        AdsArea::NewAdCampaign => view! { <NewAdCampaignPage /> }.into_any(),
        AdsArea::AdCampaign => view! { <AdCampaignPage /> }.into_any(),
    }
}

/// The pages of blog drafts, the editor and publish jobs.
#[derive(Clone, Copy)]
pub enum BlogArea {
    /// `/blog`
    Blog,
    /// `/blog/publish-jobs`
    PublishJobs,
    /// `/blog/drafts/:id`
    BlogDraft,
}

#[lazy]
fn blog_page(page: BlogArea) -> AnyView {
    match page {
        BlogArea::Blog => view! { <BlogPage /> }.into_any(),
        BlogArea::PublishJobs => view! { <PublishJobsPage /> }.into_any(),
        BlogArea::BlogDraft => view! { <BlogDraftPage /> }.into_any(),
    }
}

/// The pages of contacts, import and segments.
#[derive(Clone, Copy)]
pub enum CrmArea {
    /// `/crm`
    Contacts,
    /// `/crm/contacts/:id`
    Contact,
    /// `/crm/import`
    Import,
    /// `/crm/segments`
    Segments,
    /// `/crm/segments/new`
    SegmentBuilder,
    /// `/crm/segments/:id`
    Segment,
}

#[lazy]
fn crm_page(page: CrmArea) -> AnyView {
    match page {
        CrmArea::Contacts => view! { <ContactsPage /> }.into_any(),
        CrmArea::Contact => view! { <ContactPage /> }.into_any(),
        CrmArea::Import => view! { <ImportPage /> }.into_any(),
        CrmArea::Segments => view! { <SegmentsPage /> }.into_any(),
        CrmArea::SegmentBuilder => view! { <SegmentBuilderPage /> }.into_any(),
        CrmArea::Segment => view! { <SegmentPage /> }.into_any(),
    }
}

/// The pages of workspace settings, keys, connectors, webhooks, jobs and the audit log.
#[derive(Clone, Copy)]
pub enum SettingsArea {
    /// `/settings`
    Settings,
    /// `/settings/api-keys`
    ApiKeys,
    /// `/settings/audit-log`
    AuditLog,
    /// `/settings/brands`
    Brands,
    /// `/settings/connectors`
    Connectors,
    /// `/settings/jobs`
    Jobs,
    /// `/settings/suppressions`
    Suppressions,
    /// `/settings/workspace`
    WorkspaceSettings,
    /// `/settings/webhooks`
    Webhooks,
    /// `/settings/webhooks/:id`
    Webhook,
}

#[lazy]
fn settings_page(page: SettingsArea) -> AnyView {
    match page {
        SettingsArea::Settings => view! { <SettingsPage /> }.into_any(),
        SettingsArea::ApiKeys => view! { <ApiKeysPage /> }.into_any(),
        SettingsArea::AuditLog => view! { <AuditLogPage /> }.into_any(),
        SettingsArea::Brands => view! { <BrandsPage /> }.into_any(),
        SettingsArea::Connectors => view! { <ConnectorsPage /> }.into_any(),
        SettingsArea::Jobs => view! { <JobsPage /> }.into_any(),
        SettingsArea::Suppressions => view! { <SuppressionsPage /> }.into_any(),
        SettingsArea::WorkspaceSettings => view! { <WorkspaceSettingsPage /> }.into_any(),
        SettingsArea::Webhooks => view! { <WebhooksPage /> }.into_any(),
        SettingsArea::Webhook => view! { <WebhookPage /> }.into_any(),
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

/// A route struct per page (what `<Route view=…>` names) whose view is its area's lazily
/// loaded function, and whose preload fetches the area's chunks ahead of a navigation.
macro_rules! lazy_routes {
    ($($route:ident => $area:ident, $preload:ident, $page:expr;)*) => {$(
        #[doc = concat!("The lazily loaded route of `", stringify!($page), "`.")]
        pub struct $route;

        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            async fn view(_this: Self) -> AnyView {
                let page = $area($page).await;
                view! { <LazyPage>{page}</LazyPage> }.into_any()
            }

            async fn preload() {
                #[cfg(feature = "hydrate")]
                $preload().await;
            }
        }
    )*};
}

lazy_routes! {
    CampaignsRoute => campaigns_page, __preload_campaigns_page, CampaignsArea::Campaigns;
    CampaignRoute => campaigns_page, __preload_campaigns_page, CampaignsArea::Campaign;
    PendingApprovalsRoute => campaigns_page, __preload_campaigns_page, CampaignsArea::PendingApprovals;
    DecidedApprovalsRoute => campaigns_page, __preload_campaigns_page, CampaignsArea::DecidedApprovals;
    EmailSequencesRoute => email_page, __preload_email_page, EmailArea::EmailSequences;
    NewSequenceRoute => email_page, __preload_email_page, EmailArea::NewSequence;
    OutboxRoute => email_page, __preload_email_page, EmailArea::Outbox;
    EmailSequenceRoute => email_page, __preload_email_page, EmailArea::EmailSequence;
    AdCreativesRoute => ads_page, __preload_ads_page, AdsArea::AdCreatives;
    AdCreativeRoute => ads_page, __preload_ads_page, AdsArea::AdCreative;
    AdCampaignsRoute => ads_page, __preload_ads_page, AdsArea::AdCampaigns;
    NewAdCampaignRoute => ads_page, __preload_ads_page, AdsArea::NewAdCampaign;
    AdCampaignRoute => ads_page, __preload_ads_page, AdsArea::AdCampaign;
    BlogRoute => blog_page, __preload_blog_page, BlogArea::Blog;
    PublishJobsRoute => blog_page, __preload_blog_page, BlogArea::PublishJobs;
    BlogDraftRoute => blog_page, __preload_blog_page, BlogArea::BlogDraft;
    ContactsRoute => crm_page, __preload_crm_page, CrmArea::Contacts;
    ContactRoute => crm_page, __preload_crm_page, CrmArea::Contact;
    ImportRoute => crm_page, __preload_crm_page, CrmArea::Import;
    SegmentsRoute => crm_page, __preload_crm_page, CrmArea::Segments;
    SegmentBuilderRoute => crm_page, __preload_crm_page, CrmArea::SegmentBuilder;
    SegmentRoute => crm_page, __preload_crm_page, CrmArea::Segment;
    SettingsRoute => settings_page, __preload_settings_page, SettingsArea::Settings;
    ApiKeysRoute => settings_page, __preload_settings_page, SettingsArea::ApiKeys;
    AuditLogRoute => settings_page, __preload_settings_page, SettingsArea::AuditLog;
    BrandsRoute => settings_page, __preload_settings_page, SettingsArea::Brands;
    ConnectorsRoute => settings_page, __preload_settings_page, SettingsArea::Connectors;
    JobsRoute => settings_page, __preload_settings_page, SettingsArea::Jobs;
    SuppressionsRoute => settings_page, __preload_settings_page, SettingsArea::Suppressions;
    WorkspaceSettingsRoute => settings_page, __preload_settings_page, SettingsArea::WorkspaceSettings;
    WebhooksRoute => settings_page, __preload_settings_page, SettingsArea::Webhooks;
    WebhookRoute => settings_page, __preload_settings_page, SettingsArea::Webhook;
}
