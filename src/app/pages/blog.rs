//! `/blog`: the drafts, filtered by status a page at a time, with "New draft" and "Generate
//! draft"; `/blog/publish-jobs`: every approved publish, its attempts, the live post or the
//! error, and a retry for failed ones.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::app::components::layout::MemberResource;
use crate::app::components::pager::{Pager, list_href};
use crate::app::components::ui::{
    BUTTON_PRIMARY, BUTTON_SECONDARY, Badge, CARD, EmptyState, ErrorNotice, INPUT, LABEL, Loading,
    PageHeader, SELECT, TABLE, TABLE_WRAP, TD, TH, Tabs,
};
use crate::app::format::when;
use crate::app::server_fns::blog::{
    GenerateBlogDraft, NewBlogDraft, RetryPublishJob, blog_choices, list_blog_drafts,
    list_publish_jobs,
};
use crate::domain::blog::{BlogDraft, DraftStatus};
use crate::domain::publish::{PublishJob, PublishStatus};

/// The Blog section's tabs.
pub fn blog_tabs() -> Vec<(&'static str, &'static str)> {
    vec![("/blog", "Drafts"), ("/blog/publish-jobs", "Publish jobs")]
}

/// The badge tone of a draft's status.
pub fn draft_tone(status: DraftStatus) -> &'static str {
    match status {
        DraftStatus::Draft => "slate",
        DraftStatus::PendingApproval => "amber",
        DraftStatus::Published => "green",
    }
}

/// The badge tone of a publish job's status.
pub fn job_tone(status: PublishStatus) -> &'static str {
    match status {
        PublishStatus::Queued | PublishStatus::Running => "blue",
        PublishStatus::Succeeded => "green",
        PublishStatus::Failed => "red",
    }
}

/// The drafts list.
#[component]
pub fn BlogPage() -> impl IntoView {
    let query = use_query_map();
    let get = move |k: &str| query.read().get(k).filter(|v| !v.is_empty());
    let list = crate::app::resource::load(
        move || (get("status"), get("limit"), get("cursor")),
        |(status, limit, cursor)| list_blog_drafts(status, limit, cursor),
    );
    let member = expect_context::<MemberResource>();
    view! {
        <Title text="Blog" />
        <PageHeader title="Blog" subtitle="Drafts written or generated in the brand's voice, published to Webflow or Sanity once an approver signs off on that exact version." />
        <Tabs label="Blog" tabs=blog_tabs() />
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let scopes = member.await.map(|m| m.scopes).unwrap_or_default();
                scopes.iter().any(|s| s == "marketing:write").then(|| view! { <NewDraftForms /> })
            })}
        </Transition>
        <form method="get" action="/blog" class="mb-4 flex flex-wrap items-end gap-3" role="search">
            <div>
                <label for="drafts-status" class=LABEL>"Status"</label>
                <select id="drafts-status" name="status" class=format!("mt-1 {SELECT}")>
                    <option value="">"Any"</option>
                    {DraftStatus::ALL.iter().map(|s| {
                        let selected = get("status").as_deref() == Some(s.as_str());
                        view! { <option value=s.as_str() selected=selected>{s.as_str().replace('_', " ")}</option> }
                    }).collect_view()}
                </select>
            </div>
            <button type="submit" class=BUTTON_SECONDARY>"Filter"</button>
        </form>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match list.await {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(page) if page.items.is_empty() => view! {
                        <EmptyState title="No drafts here".to_owned()>
                            <p>"Write a draft or generate one from a brand and a topic; it is published only after an approver approves it."</p>
                        </EmptyState>
                    }.into_any(),
                    Ok(page) => view! {
                        <div class=TABLE_WRAP>
                            <table class=TABLE aria-label="Drafts">
                                <thead class="bg-slate-50"><tr>
                                    <th scope="col" class=TH>"Title"</th><th scope="col" class=TH>"Status"</th>
                                    <th scope="col" class=TH>"Words"</th><th scope="col" class=TH>"Version"</th>
                                    <th scope="col" class=TH>"Last edited"</th>
                                </tr></thead>
                                <tbody class="divide-y divide-slate-100">
                                    {page.items.into_iter().map(|v| {
                                        let d = v.draft;
                                        let version = match d.published_version {
                                            Some(p) if p < d.version => format!("{} (version {p} is live)", d.version),
                                            _ => d.version.to_string(),
                                        };
                                        view! {
                                            <tr data-draft-id=d.id.to_string()>
                                                <td class=format!("{TD} font-medium")>
                                                    <a class="text-indigo-700 hover:underline" href=BlogDraft::console_page(&d.id)>{d.title.clone()}</a>
                                                    <p class="font-mono text-xs font-normal text-slate-500">{format!("/{}", d.slug)}</p>
                                                </td>
                                                <td class=TD><Badge text=d.status.as_str().replace('_', " ") tone=draft_tone(d.status) /></td>
                                                <td class=TD>{v.word_count}</td>
                                                <td class=TD>{version}</td>
                                                <td class=format!("{TD} whitespace-nowrap text-slate-600")>{when(&d.updated_at)}</td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                        <Pager first=list_href("/blog", &[("status", get("status")), ("limit", get("limit"))])
                            later=get("cursor").is_some() next_cursor=page.next_cursor />
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

/// "New draft" (a title; the rest in the editor) and "Generate draft" (brand, topic,
/// keywords); each opens the editor on the new draft.
#[component]
fn NewDraftForms() -> impl IntoView {
    let create = ServerAction::<NewBlogDraft>::new();
    let generate = ServerAction::<GenerateBlogDraft>::new();
    let choices = crate::app::resource::load(|| (), |_| blog_choices());
    let navigate = use_navigate();
    Effect::new(move |_| {
        let made = create
            .value()
            .get()
            .and_then(Result::ok)
            .or_else(|| generate.value().get().and_then(Result::ok));
        if let Some(id) = made {
            navigate(&format!("/blog/drafts/{id}"), Default::default());
        }
    });
    let error_of = |e: Option<crate::app::error::UiError>| {
        e.map(|e| view! { <div class="mt-3"><ErrorNotice error=e /></div> })
    };
    view! {
        <div class="mb-6 grid gap-4 lg:grid-cols-2">
            <ActionForm action=create attr:class=CARD>
                <h2 class="text-base font-semibold text-slate-900">"New draft"</h2>
                <label for="new-draft-title" class=format!("mt-3 {LABEL}")>"Title"</label>
                <input id="new-draft-title" name="title" required maxlength="200" class=format!("mt-1 {INPUT}") />
                <button type="submit" class=format!("mt-3 {BUTTON_PRIMARY}") disabled=move || create.pending().get()>"New draft"</button>
                {move || error_of(create.value().get().and_then(Result::err))}
            </ActionForm>
            <ActionForm action=generate attr:class=CARD>
                <h2 class="text-base font-semibold text-slate-900">"Generate a draft"</h2>
                <div class="mt-3 grid gap-3 sm:grid-cols-2">
                    <div>
                        <label for="gen-brand" class=LABEL>"Brand"</label>
                        <select id="gen-brand" name="brand_id" class=format!("mt-1 {SELECT}")>
                            <Suspense fallback=|| ()>
                                {move || Suspend::new(async move {
                                    choices.await.map(|c| c.brands.into_iter().map(|(id, name)| view! { <option value=id>{name}</option> }).collect_view()).ok()
                                })}
                            </Suspense>
                        </select>
                    </div>
                    <div>
                        <label for="gen-keywords" class=LABEL>"Keywords " <span class="font-normal text-slate-500">"(comma-separated)"</span></label>
                        <input id="gen-keywords" name="keywords" class=format!("mt-1 {INPUT}") />
                    </div>
                    <div class="sm:col-span-2">
                        <label for="gen-topic" class=LABEL>"Topic"</label>
                        <input id="gen-topic" name="topic" required maxlength="300" class=format!("mt-1 {INPUT}") />
                    </div>
                </div>
                <button type="submit" class=format!("mt-3 {BUTTON_PRIMARY}") disabled=move || generate.pending().get()>
                    {move || if generate.pending().get() { "Generating…" } else { "Generate draft" }}
                </button>
                {move || error_of(generate.value().get().and_then(Result::err))}
            </ActionForm>
        </div>
    }
}

/// The publish jobs list.
#[component]
pub fn PublishJobsPage() -> impl IntoView {
    let query = use_query_map();
    let get = move |k: &str| query.read().get(k).filter(|v| !v.is_empty());
    let retry = ServerAction::<RetryPublishJob>::new();
    let list = crate::app::resource::load(
        move || {
            (
                get("status"),
                get("limit"),
                get("cursor"),
                retry.version().get(),
            )
        },
        |(status, limit, cursor, _)| list_publish_jobs(status, limit, cursor),
    );
    let member = expect_context::<MemberResource>();
    view! {
        <Title text="Publish jobs" />
        <PageHeader title="Blog" subtitle="Every approved publish: the version sent, the CMS, attempts, and the live post or what went wrong." />
        <Tabs label="Blog" tabs=blog_tabs() />
        <form method="get" action="/blog/publish-jobs" class="mb-4 flex flex-wrap items-end gap-3" role="search">
            <div>
                <label for="pub-status" class=LABEL>"Status"</label>
                <select id="pub-status" name="status" class=format!("mt-1 {SELECT}")>
                    <option value="">"Any"</option>
                    {PublishStatus::ALL.iter().map(|s| {
                        let selected = get("status").as_deref() == Some(s.as_str());
                        view! { <option value=s.as_str() selected=selected>{s.as_str()}</option> }
                    }).collect_view()}
                </select>
            </div>
            <button type="submit" class=BUTTON_SECONDARY>"Filter"</button>
        </form>
        {move || retry.value().get().and_then(Result::err).map(|e| view! { <div class="mb-4"><ErrorNotice error=e /></div> })}
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                let can_retry = member.await.map(|m| m.scopes.iter().any(|s| s == "marketing:write")).unwrap_or(false);
                match list.await {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(page) if page.items.is_empty() => view! {
                        <EmptyState title="No publish jobs".to_owned()>
                            <p>"A publish job runs when an approver approves publishing a draft."</p>
                        </EmptyState>
                    }.into_any(),
                    Ok(page) => view! {
                        <div class=TABLE_WRAP>
                            <table class=TABLE aria-label="Publish jobs">
                                <thead class="bg-slate-50"><tr>
                                    <th scope="col" class=TH>"Post"</th><th scope="col" class=TH>"CMS"</th>
                                    <th scope="col" class=TH>"Status"</th><th scope="col" class=TH>"Attempts"</th>
                                    <th scope="col" class=TH>"Live post or error"</th><th scope="col" class=TH>"Queued"</th>
                                    <th scope="col" class=TH><span class="sr-only">"Actions"</span></th>
                                </tr></thead>
                                <tbody class="divide-y divide-slate-100">
                                    {page.items.into_iter().map(|j| view! { <PublishJobRow job=j can_retry=can_retry retry=retry /> }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                        <Pager first=list_href("/blog/publish-jobs", &[("status", get("status")), ("limit", get("limit"))])
                            later=get("cursor").is_some() next_cursor=page.next_cursor />
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn PublishJobRow(
    job: PublishJob,
    can_retry: bool,
    retry: ServerAction<RetryPublishJob>,
) -> impl IntoView {
    let id = job.id.to_string();
    let outcome = match (&job.external_url, &job.error) {
        (Some(url), _) if job.status == PublishStatus::Succeeded => view! {
            <a class="break-all text-indigo-700 hover:underline" href=url.clone() rel="noopener noreferrer" target="_blank">{url.clone()}</a>
        }.into_any(),
        (_, Some(error)) => view! { <span class="text-red-800">{error.clone()}</span> }.into_any(),
        _ if job.status == PublishStatus::Succeeded => view! { <span class="text-slate-600">"Published (the connector has no post address)"</span> }.into_any(),
        _ => ().into_any(),
    };
    let row_id = id.clone();
    view! {
        <tr data-publish-job-id=row_id>
            <td class=TD>
                <a class="font-medium text-indigo-700 hover:underline" href=BlogDraft::console_page(&job.draft_id)>{job.post.title.clone()}</a>
                <p class="text-xs text-slate-500">{format!("version {}", job.post.version)}</p>
            </td>
            <td class=TD>{job.connector_name.clone()}</td>
            <td class=TD><Badge text=job.status.as_str().to_owned() tone=job_tone(job.status) /></td>
            <td class=TD>{job.attempts}</td>
            <td class=format!("{TD} max-w-md")>{outcome}</td>
            <td class=format!("{TD} whitespace-nowrap text-slate-600")>{when(&job.created_at)}</td>
            <td class=TD>{(can_retry && job.retryable()).then(move || view! {
                <ActionForm action=retry>
                    <input type="hidden" name="id" value=id.clone() />
                    <button type="submit" class=BUTTON_SECONDARY aria-label=format!("Retry publishing {}", job.post.title)>"Retry"</button>
                </ActionForm>
            })}</td>
        </tr>
    }
}
