//! `/approvals`: everything waiting for an approver, newest first; `/approvals/decided`:
//! what was approved or rejected.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::app::components::pager::{Pager, list_href};
use crate::app::components::ui::{
    Badge, EmptyState, ErrorNotice, Loading, PageHeader, TABLE, TABLE_WRAP, TD, TH, Tabs,
};
use crate::app::format::when;
use crate::app::server_fns::approvals::approval_inbox;
use crate::domain::actor::Principal;
use crate::domain::approval::ApprovalStatus;

fn tone(status: ApprovalStatus) -> &'static str {
    match status {
        ApprovalStatus::Pending => "amber",
        ApprovalStatus::Approved => "green",
        ApprovalStatus::Rejected => "red",
        ApprovalStatus::Cancelled => "slate",
    }
}

/// The Approvals inbox; `decided` shows the second tab. The page position lives in the URL.
#[component]
pub fn ApprovalsPage(decided: bool) -> impl IntoView {
    let query = use_query_map();
    let get = move |k: &str| query.read().get(k).filter(|v| !v.is_empty());
    let tab = if decided { "decided" } else { "pending" };
    let path = if decided {
        "/approvals/decided"
    } else {
        "/approvals"
    };
    let rows = crate::app::resource::load(
        move || (get("limit"), get("cursor")),
        move |(limit, cursor)| approval_inbox(tab.to_owned(), limit, cursor),
    );
    view! {
        <Title text="Approvals" />
        <PageHeader title="Approvals" subtitle="Nothing irreversible happens until someone here signs off: emails to people, ad spend, public posts." />
        <Tabs label="Approvals" tabs=vec![("/approvals", "Waiting"), ("/approvals/decided", "Decided")] />
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match rows.await {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(page) if page.items.is_empty() => view! {
                        <EmptyState title=if decided { "Nothing decided yet".to_owned() } else { "Nothing is waiting for approval".to_owned() }>
                            <p>"Previews of email sequences, ad launches, creatives and blog publishes appear here when they need a decision."</p>
                        </EmptyState>
                    }.into_any(),
                    Ok(page) => view! {
                        <div class=TABLE_WRAP>
                            <table class=TABLE data-testid="approvals-table">
                                <thead class="bg-slate-50"><tr>
                                    <th scope="col" class=TH>"What"</th>
                                    <th scope="col" class=TH>"Requested by"</th>
                                    <th scope="col" class=TH>{if decided { "Decision" } else { "Waiting" }}</th>
                                    {decided.then(|| view! { <th scope="col" class=TH>"Note"</th> })}
                                </tr></thead>
                                <tbody class="divide-y divide-slate-100">
                                    {page.items.into_iter().map(|row| {
                                        let a = row.approval;
                                        let via_key = matches!(a.requested_by, Principal::Key { .. });
                                        view! {
                                            <tr data-approval-id=a.id.to_string()>
                                                <td class=TD>
                                                    <p class="text-xs uppercase tracking-wide text-slate-500">{a.subject_type.label()}</p>
                                                    <a class="font-medium text-indigo-700 hover:underline" href=a.console_page()>{a.subject_name.clone()}</a>
                                                    {row.post.map(|p| view! {
                                                        <details class="mt-2" data-testid="post-preview">
                                                            <summary class="cursor-pointer text-sm text-indigo-700">{format!("Preview version {} as it will be published", p.version)}</summary>
                                                            <div class="mt-2 max-w-2xl rounded-md bg-white p-4 ring-1 ring-slate-200">
                                                                <p class="text-xl font-semibold text-slate-900">{p.title}</p>
                                                                <p class="mt-1 text-sm text-slate-600">{p.excerpt}</p>
                                                                <article class="post-body mt-3" inner_html=p.body_html></article>
                                                            </div>
                                                        </details>
                                                    })}
                                                </td>
                                                <td class=TD>
                                                    {a.requested_by_email.clone()}
                                                    {via_key.then(|| view! { <span class="ml-1 text-xs text-slate-500">"(API key)"</span> })}
                                                </td>
                                                <td class=format!("{TD} whitespace-nowrap")>
                                                    {if decided {
                                                        view! {
                                                            <Badge text=a.status.as_str().to_owned() tone=tone(a.status) />
                                                            <p class="mt-1 text-xs text-slate-600">{format!("{} · {}", a.decided_by_email.clone().unwrap_or_default(), a.decided_at.as_ref().map(when).unwrap_or_default())}</p>
                                                        }.into_any()
                                                    } else {
                                                        view! { <span title=when(&a.created_at)>{row.age.clone()}</span> }.into_any()
                                                    }}
                                                </td>
                                                {decided.then(|| view! { <td class=format!("{TD} text-slate-700")>{a.note.clone().unwrap_or_default()}</td> })}
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                        <Pager first=list_href(path, &[("limit", get("limit"))]) later=get("cursor").is_some() next_cursor=page.next_cursor />
                    }.into_any(),
                }
            })}
        </Transition>
    }
}
