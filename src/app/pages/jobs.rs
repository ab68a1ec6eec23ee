//! `/settings/jobs`: recent background jobs by kind and status, with their errors, and a
//! retry where running one again is safe (admins).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::app::components::pager::{Pager, list_href};
use crate::app::components::ui::{
    BUTTON_SECONDARY, Badge, CARD, EmptyState, ErrorNotice, LABEL, Loading, PageHeader, SELECT,
    TABLE, TABLE_WRAP, TD, TH,
};
use crate::app::format::{when, when_or};
use crate::app::server_fns::jobs::{RetryJob, list_jobs};
use crate::domain::job::{JobKind, JobStatus};

fn tone(status: JobStatus) -> &'static str {
    match status {
        JobStatus::Succeeded => "green",
        JobStatus::Queued | JobStatus::Running => "blue",
        JobStatus::Uncertain => "amber",
        JobStatus::Failed => "red",
        JobStatus::Cancelled => "slate",
    }
}

/// The jobs page.
#[component]
pub fn JobsPage() -> impl IntoView {
    let query = use_query_map();
    let get = move |k: &str| query.read().get(k).filter(|v| !v.is_empty());
    let kind = move || get("kind");
    let status = move || get("status");
    let cursor = move || get("cursor");
    let retry = ServerAction::<RetryJob>::new();
    let list = crate::app::resource::load(
        move || (kind(), status(), cursor(), retry.version().get()),
        |(k, s, c, _)| list_jobs(k, s, c),
    );
    let selected = move |current: Option<String>, value: &str| current.as_deref() == Some(value);
    view! {
        <Title text="Jobs" />
        <PageHeader title="Jobs" subtitle="Background work of this workspace: connector checks and webhook deliveries, with what went wrong. Email sending is on each sequence's run page." />
        <form method="get" action="/settings/jobs" class=format!("{CARD} mb-6 flex flex-wrap items-end gap-4") role="search">
            <div>
                <label for="jobs-kind" class=LABEL>"Kind"</label>
                <select id="jobs-kind" name="kind" class=format!("mt-1 {SELECT}")>
                    <option value="">"Any kind"</option>
                    {JobKind::ALL.iter().filter(|k| **k != JobKind::EmailSend).map(|k| view! {
                        <option value=k.as_str() selected=move || selected(kind(), k.as_str())>{k.label()}</option>
                    }).collect_view()}
                </select>
            </div>
            <div>
                <label for="jobs-status" class=LABEL>"Status"</label>
                <select id="jobs-status" name="status" class=format!("mt-1 {SELECT}")>
                    <option value="">"Any status"</option>
                    {JobStatus::ALL.iter().map(|s| view! {
                        <option value=s.as_str() selected=move || selected(status(), s.as_str())>{s.as_str()}</option>
                    }).collect_view()}
                </select>
            </div>
            <button type="submit" class=BUTTON_SECONDARY>"Show"</button>
        </form>
        {move || retry.value().get().and_then(Result::err).map(|e| view! { <div class="mb-4"><ErrorNotice error=e /></div> })}
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match list.await {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(page) if page.items.is_empty() => view! {
                        <EmptyState title="No jobs".to_owned()><p>"Connector checks and webhook deliveries appear here as they are queued."</p></EmptyState>
                    }.into_any(),
                    Ok(page) => view! {
                        <div class=TABLE_WRAP>
                            <table class=TABLE aria-label="Jobs">
                                <thead class="bg-slate-50"><tr>
                                    <th scope="col" class=TH>"Kind"</th>
                                    <th scope="col" class=TH>"Subject"</th>
                                    <th scope="col" class=TH>"Status"</th>
                                    <th scope="col" class=TH>"Attempts"</th>
                                    <th scope="col" class=TH>"Last error"</th>
                                    <th scope="col" class=TH>"Queued"</th>
                                    <th scope="col" class=TH>"Finished"</th>
                                    <th scope="col" class=TH><span class="sr-only">"Actions"</span></th>
                                </tr></thead>
                                <tbody class="divide-y divide-slate-100">
                                    {page.items.into_iter().map(|job| {
                                        let retryable = job.retry_is_safe();
                                        let id = job.id.to_string();
                                        view! {
                                            <tr>
                                                <td class=TD>{job.kind.label()}</td>
                                                <td class=format!("{TD} font-mono text-xs")>{job.subject_id.clone()}</td>
                                                <td class=TD><Badge text=job.status.as_str().to_owned() tone=tone(job.status) /></td>
                                                <td class=TD>{format!("{} of {}", job.attempts, job.max_attempts)}</td>
                                                <td class=format!("{TD} max-w-md break-words text-slate-700")>{job.last_error.clone().unwrap_or_default()}</td>
                                                <td class=TD>{when(&job.created_at)}</td>
                                                <td class=TD>{when_or(job.finished_at.as_ref(), "—")}</td>
                                                <td class=TD>{retryable.then(|| view! {
                                                    <ActionForm action=retry>
                                                        <input type="hidden" name="id" value=id.clone() />
                                                        <button type="submit" class=BUTTON_SECONDARY aria-label=format!("Retry job {id}")>"Retry"</button>
                                                    </ActionForm>
                                                })}</td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                        <Pager first=list_href("/settings/jobs", &[("kind", kind()), ("status", status())]) later=cursor().is_some() next_cursor=page.next_cursor />
                    }.into_any(),
                }
            })}
        </Transition>
    }
}
