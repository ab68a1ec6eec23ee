//! `/email/sequences/:id`: the preview page. Every step as the recipient would read it, a
//! recipient switcher, the warnings, editing while pending, and the approval panel.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::campaigns::PausedReasonNote;
use super::email_sequences::{status_text, status_tone};
use super::sequence_run::SequenceRun;
use crate::app::components::layout::MemberResource;
use crate::app::components::ui::{
    BUTTON_DANGER, BUTTON_PRIMARY, BUTTON_SECONDARY, Badge, CARD, ErrorNotice, INPUT, LABEL,
    Loading, SELECT,
};
use crate::app::error::{UiError, route_id};
use crate::app::format::when;
use crate::app::server_fns::runs::{RecordReply, SettleMessage, SteerSequence};
use crate::app::server_fns::sequences::{
    ApproveSequence, RefreshSequencePreview, RejectSequence, SaveSequenceCadence, SaveSequenceStep,
    get_sequence_page, render_sequence,
};
use crate::domain::approval::{Approval, ApprovalStatus};
use crate::domain::campaign::PausedReason;
use crate::domain::sequence::{Sample, SequenceStatus, Step, Warning};

fn is_conflict(e: &UiError) -> bool {
    matches!(e, UiError::Failed { code, .. } if code == "conflict")
}

/// The warnings, each with what it concerns.
#[component]
fn WarningList(warnings: Vec<Warning>, #[prop(into)] label: String) -> impl IntoView {
    if warnings.is_empty() {
        return view! { <p class="text-sm text-emerald-700">"No warnings."</p> }.into_any();
    }
    view! {
        <ul class="space-y-2" aria-label=label>
            {warnings.into_iter().map(|w| view! {
                <li class="rounded-md bg-amber-50 p-2 text-sm text-amber-900 ring-1 ring-amber-200" data-warning=w.kind.as_str()>
                    <span class="font-medium">{w.kind.as_str().replace('_', " ")}</span>": "{w.message}
                </li>
            }).collect_view()}
        </ul>
    }
    .into_any()
}

/// One step as an email client shows it.
#[component]
fn RenderedEmail(sample: Sample, from: String, threaded: bool) -> impl IntoView {
    view! {
        <ol class="space-y-4">
            {sample.steps.into_iter().map(|step| {
                let reply = threaded && step.index > 0;
                view! {
                    <li class="overflow-hidden rounded-lg ring-1 ring-slate-200" data-testid=format!("rendered-step-{}", step.index)>
                        <div class="flex flex-wrap items-baseline justify-between gap-2 bg-slate-50 px-4 py-2 text-xs text-slate-600">
                            <span class="font-semibold text-slate-800">{format!("Email {}", step.index + 1)}</span>
                            <span>{if step.day_offset == 0 { "Sent on approval day".to_owned() } else { format!("Day {}", step.day_offset) }}
                                {reply.then_some(" · reply in the same thread")}</span>
                        </div>
                        <dl class="grid grid-cols-[4rem_1fr] gap-x-2 gap-y-1 border-b border-slate-100 px-4 py-2 text-sm">
                            <dt class="text-slate-500">"From"</dt><dd>{from.clone()}</dd>
                            <dt class="text-slate-500">"To"</dt><dd>{format!("{} <{}>", sample.name, sample.email)}</dd>
                            <dt class="text-slate-500">"Subject"</dt><dd class="font-medium" data-testid="rendered-subject">{if reply { format!("Re: {}", step.subject) } else { step.subject.clone() }}</dd>
                        </dl>
                        <div class="whitespace-pre-wrap px-4 py-3 text-sm leading-6" data-testid="rendered-body">{step.body}</div>
                    </li>
                }
            }).collect_view()}
        </ol>
    }
}

/// The form that edits one step's templates at the page's version.
#[component]
fn StepEditor(
    id: String,
    version: i64,
    step: Step,
    save: ServerAction<SaveSequenceStep>,
) -> impl IntoView {
    let n = step.index;
    view! {
        <details class="rounded-md ring-1 ring-slate-200">
            <summary class="cursor-pointer px-3 py-2 text-sm font-medium">{format!("Edit email {}", n + 1)}</summary>
            <ActionForm action=save attr:class="space-y-3 px-3 pb-3">
                <input type="hidden" name="id" value=id />
                <input type="hidden" name="version" value=version.to_string() />
                <input type="hidden" name="index" value=n.to_string() />
                <div>
                    <label for=format!("step-{n}-subject") class=LABEL>"Subject"</label>
                    <input id=format!("step-{n}-subject") name="subject" value=step.subject.clone() maxlength="300" class=format!("mt-1 {INPUT} font-mono") />
                </div>
                <div>
                    <label for=format!("step-{n}-body") class=LABEL>"Body"</label>
                    <textarea id=format!("step-{n}-body") name="body" rows="10" class=format!("mt-1 {INPUT} font-mono")>{step.body.clone()}</textarea>
                </div>
                <p class="text-xs text-slate-500">"Variables: " <code>"{{ first_name }}"</code>", " <code>"{{ company }}"</code>", " <code>"{{ sender_name }}"</code>
                    ", custom fields by name; give a fallback with " <code>"{{ first_name | default(\"there\") }}"</code>"."</p>
                <button type="submit" class=BUTTON_PRIMARY>{format!("Save email {}", n + 1)}</button>
            </ActionForm>
        </details>
    }
}

/// Approve and Reject for those who may decide; the state and who can decide for others.
#[component]
fn ApprovalPanel(
    id: String,
    version: i64,
    status: SequenceStatus,
    pending: Option<Approval>,
    latest: Option<Approval>,
    deciders: Vec<String>,
    can_decide: bool,
    can_edit: bool,
    /// Missing-variable and do-not-say warnings the approver must acknowledge.
    to_acknowledge: usize,
    /// When the audience changed since the request: (recipients shown then, now).
    audience_changed: Option<(i64, i64)>,
    approve: ServerAction<ApproveSequence>,
    reject: ServerAction<RejectSequence>,
    refresh: ServerAction<RefreshSequencePreview>,
) -> impl IntoView {
    let error = move || {
        approve
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| reject.value().get().and_then(Result::err))
            .or_else(|| refresh.value().get().and_then(Result::err))
    };
    let approve_id = id.clone();
    let changed = audience_changed
        .filter(|_| status == SequenceStatus::PendingApproval)
        .map(|(then, now)| {
            let refresh_id = id.clone();
            view! {
                <div role="alert" class="mb-4 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900" data-testid="audience-changed">
                    <p class="font-medium">"The audience changed since this preview"</p>
                    <p class="mt-1">{format!("The approval request showed {then} recipients; {now} would be enrolled now. Refresh the preview and review it before approving.")}</p>
                    {can_edit.then(|| view! {
                        <ActionForm action=refresh attr:class="mt-2">
                            <input type="hidden" name="id" value=refresh_id />
                            <input type="hidden" name="version" value=version.to_string() />
                            <button type="submit" class=BUTTON_SECONDARY disabled=move || refresh.pending().get()>"Refresh preview"</button>
                        </ActionForm>
                    })}
                </div>
            }
        });
    let acknowledge = (to_acknowledge > 0).then(|| view! {
        <div class="flex items-start gap-2 rounded-md bg-amber-50 p-2 text-sm text-amber-900 ring-1 ring-amber-200">
            <input id="acknowledge-warnings" type="checkbox" name="acknowledge_warnings" value="true" required class="mt-1" />
            <label for="acknowledge-warnings">{format!(
                "I have read the {to_acknowledge} {} (missing variables, words the brand never says) and approve anyway",
                if to_acknowledge == 1 { "warning" } else { "warnings" }
            )}</label>
        </div>
    });
    let body = match (status, pending) {
        (SequenceStatus::PendingApproval, Some(_)) if can_decide && audience_changed.is_some() => view! {
            <p class="text-sm text-slate-700">"Approval waits for a fresh preview of the audience as it is now."</p>
        }.into_any(),
        (SequenceStatus::PendingApproval, Some(p)) if can_decide => view! {
            <p class="text-sm text-slate-700">"You approve exactly the content shown: every email, the cadence, the audience and the sender."</p>
            <p class="mt-1 text-xs text-slate-500">"Requested by " {p.requested_by_email.clone()} " · " {when(&p.created_at)}</p>
            <ActionForm action=approve attr:class="mt-3 space-y-2">
                <input type="hidden" name="id" value=approve_id />
                <input type="hidden" name="version" value=version.to_string() />
                <label for="approve-note" class=LABEL>"Note " <span class="font-normal text-slate-500">"(optional)"</span></label>
                <input id="approve-note" name="note" maxlength="2000" class=INPUT />
                {acknowledge}
                <button type="submit" class=format!("{BUTTON_PRIMARY} w-full") disabled=move || approve.pending().get()>"Approve"</button>
            </ActionForm>
            <ActionForm action=reject attr:class="mt-4 space-y-2 border-t border-slate-100 pt-4">
                <input type="hidden" name="id" value=id.clone() />
                <input type="hidden" name="version" value=version.to_string() />
                <label for="reject-note" class=LABEL>"Why reject? " <span class="font-normal text-slate-500">"(required)"</span></label>
                <textarea id="reject-note" name="note" required rows="2" maxlength="2000" class=INPUT></textarea>
                <button type="submit" class=format!("{BUTTON_DANGER} w-full") disabled=move || reject.pending().get()>"Reject"</button>
            </ActionForm>
        }.into_any(),
        (SequenceStatus::PendingApproval, _) => view! {
            <p class="text-base font-semibold text-amber-800" data-testid="approval-state">"Waiting for approval"</p>
            <p class="mt-2 text-sm text-slate-700">"Only an approver or an admin can approve or reject it. In this workspace:"</p>
            <ul class="mt-1 list-inside list-disc text-sm text-slate-700">
                {deciders.into_iter().map(|d| view! { <li>{d}</li> }).collect_view()}
            </ul>
        }.into_any(),
        (status, _) => {
            let decided = latest.filter(|a| a.status != ApprovalStatus::Pending);
            view! {
                <p class="text-base font-semibold" data-testid="approval-state">{match status {
                    SequenceStatus::Rejected => "Rejected",
                    _ => "Approved",
                }}</p>
                {decided.map(|a| view! {
                    <p class="mt-1 text-sm text-slate-700">
                        {format!("by {} · {}", a.decided_by_email.clone().unwrap_or_default(), a.decided_at.as_ref().map(when).unwrap_or_default())}
                    </p>
                    {a.note.clone().map(|n| view! { <blockquote class="mt-2 border-l-2 border-slate-300 pl-2 text-sm text-slate-700">{n}</blockquote> })}
                })}
            }.into_any()
        }
    };
    view! {
        <section aria-labelledby="approval-title" class=CARD>
            <h2 id="approval-title" class="text-lg font-semibold">"Approval"</h2>
            <div class="mt-3">{changed}{body}</div>
            {move || error().map(|e| view! { <div class="mt-3"><ErrorNotice error=e /></div> })}
        </section>
    }
}

/// The preview page.
#[component]
pub fn EmailSequencePage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let member = expect_context::<MemberResource>();
    let save_step = ServerAction::<SaveSequenceStep>::new();
    let save_cadence = ServerAction::<SaveSequenceCadence>::new();
    let approve = ServerAction::<ApproveSequence>::new();
    let reject = ServerAction::<RejectSequence>::new();
    let refresh = ServerAction::<RefreshSequencePreview>::new();
    let steer = ServerAction::<SteerSequence>::new();
    let settle = ServerAction::<SettleMessage>::new();
    let reply = ServerAction::<RecordReply>::new();
    let changes = move || {
        (
            save_step.version().get(),
            save_cadence.version().get(),
            approve.version().get(),
            reject.version().get(),
            refresh.version().get(),
            steer.version().get(),
            settle.version().get(),
            reply.version().get(),
        )
    };
    let page = crate::app::resource::load(
        move || (id(), changes()),
        |(id, _)| async move { get_sequence_page(route_id(&id, "email sequence")?).await },
    );
    let selected = RwSignal::new(None::<String>);
    let rendered = crate::app::resource::load(
        move || (id(), selected.get(), changes()),
        |(id, contact, _)| async move {
            match contact {
                Some(c) => {
                    render_sequence(route_id(&id, "email sequence")?, route_id(&c, "contact")?)
                        .await
                        .map(Some)
                }
                None => Ok(None),
            }
        },
    );
    let edit_error = move || {
        save_step
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| save_cadence.value().get().and_then(Result::err))
    };
    let saved = move || {
        save_step
            .value()
            .get()
            .and_then(Result::ok)
            .or_else(|| save_cadence.value().get().and_then(Result::ok))
    };

    view! {
        <p class="mb-2 text-sm"><a class="text-indigo-700 hover:underline" href="/email">"← Email sequences"</a></p>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                let p = match page.await {
                    Err(e) => return view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(p) => p,
                };
                // Awaited here, not read, so the server renders the right panel for the role.
                let scopes = member.await.map(|m| m.scopes).unwrap_or_default();
                let can_decide = scopes.iter().any(|s| s == "marketing:approve");
                let can_edit = scopes.iter().any(|s| s == "marketing:write");
                let seq = p.view.sequence.clone();
                let id = seq.id.to_string();
                let pending_now = seq.status == SequenceStatus::PendingApproval;
                let from = format!("{} <{}>", p.sender.from_name, p.sender.from_address);
                let to_acknowledge = p.preview.warnings.iter()
                    .filter(|w| w.kind.needs_acknowledgement())
                    .count();
                let audience_changed = p.previewed_recipients.map(|then| (then, p.preview.recipients));
                let first = p.preview.samples.first().cloned();
                let switcher: Vec<(String, String)> = p.preview.samples.iter().map(|s| {
                    let flag = if s.warnings.is_empty() { "" } else { " — missing variables" };
                    (s.contact_id.to_string(), format!("{} <{}>{flag}", s.name, s.email))
                }).collect();
                let pending_approval = p.approvals.iter().find(|a| a.status == ApprovalStatus::Pending).cloned();
                let latest = p.approvals.first().cloned();
                let threaded = seq.thread_replies;
                let from_for_render = from.clone();
                view! {
                    <Title text=seq.name.clone() />
                    <div class="mb-6 flex flex-wrap items-center gap-3">
                        <h1 class="text-2xl font-semibold">{seq.name.clone()}</h1>
                        <Badge text=status_text(seq.status) tone=status_tone(seq.status) />
                        <PausedReasonNote reason=seq.paused_reason />
                        <span class="text-sm text-slate-500" data-testid="sequence-version">{format!("version {}", seq.version)}</span>
                    </div>
                    {(seq.paused_reason == Some(PausedReason::SenderFailing)).then(|| {
                        let (since, reason) = p.sender_failing.clone()
                            .map(|(since, reason)| (when(&since), reason))
                            .unwrap_or_else(|| ("a moment ago".to_owned(), "no reason recorded".to_owned()));
                        view! {
                            <div role="alert" data-testid="sender-held" class="mb-6 rounded-md bg-amber-50 p-4 text-sm text-amber-900 ring-1 ring-amber-200">
                                <p class="font-semibold">{format!("Held: its sender \"{}\" is failing (since {since})", p.sender_name)}</p>
                                <p class="mt-1 break-words">{reason}</p>
                                <p class="mt-1">"No more attempts are made against it; messages it refused were given back as they were. The run goes on by itself once an admin's "
                                    <a class="font-medium underline" href="/settings/connectors">"Test connection"</a>" passes."</p>
                            </div>
                        }
                    })}
                    <p class="-mt-4 mb-6 text-sm text-slate-600">
                        {format!("Objective: {} · Segment: {} · Brand: {} · Sender: {}", seq.objective, p.segment_name, p.brand_name, p.sender_name)}
                        " · " <a class="text-indigo-700 underline" href=format!("/campaigns/{}", seq.campaign_id)>"Campaign"</a>
                    </p>
                    <div class="grid gap-6 lg:grid-cols-3">
                        <div class="space-y-6 lg:col-span-2">
                            {(!pending_now && seq.status != SequenceStatus::Rejected).then(|| view! {
                                <SequenceRun id=id.clone() status=seq.status stats=p.view.stats can_steer=can_edit steer=steer settle=settle reply=reply />
                            })}
                            <section aria-labelledby="emails-title" class=CARD>
                                <div class="flex flex-wrap items-end justify-between gap-3">
                                    <h2 id="emails-title" class="text-lg font-semibold">"The emails"</h2>
                                    {(!switcher.is_empty()).then(|| view! {
                                        <div>
                                            <label for="recipient" class=LABEL>"Show for"</label>
                                            <select id="recipient" class=format!("mt-1 {SELECT}") on:change=move |ev| selected.set(Some(event_target_value(&ev)))>
                                                {switcher.clone().into_iter().map(|(cid, label)| view! { <option value=cid.clone() selected=move || selected.get().as_deref() == Some(cid.as_str())>{label}</option> }).collect_view()}
                                            </select>
                                        </div>
                                    })}
                                </div>
                                <div class="mt-4" aria-live="polite">
                                    <Transition fallback=Loading>
                                        {
                                            let first = first.clone();
                                            let from = from_for_render.clone();
                                            move || {
                                                let first = first.clone();
                                                let from = from.clone();
                                                Suspend::new(async move {
                                                    let sample = match rendered.await {
                                                        Err(e) => return view! { <ErrorNotice error=e /> }.into_any(),
                                                        Ok(Some(s)) => Some(s),
                                                        Ok(None) => first,
                                                    };
                                                    match sample {
                                                        None => view! { <p class="text-sm text-slate-600">"Nobody in the segment can be mailed, so there is no one to show these emails for."</p> }.into_any(),
                                                        Some(s) => view! {
                                                            <div class="mb-4"><WarningList warnings=s.warnings.clone() label="Warnings for this recipient" /></div>
                                                            <RenderedEmail sample=s from=from threaded=threaded />
                                                        }.into_any(),
                                                    }
                                                })
                                            }
                                        }
                                    </Transition>
                                </div>
                            </section>
                            {(pending_now && can_edit).then({
                                let id = id.clone();
                                let seq = seq.clone();
                                move || {
                                let cadence = seq.cadence_days().iter().map(u32::to_string).collect::<Vec<_>>().join(", ");
                                view! {
                                    <section aria-labelledby="edit-title" class=CARD>
                                        <h2 id="edit-title" class="text-lg font-semibold">"Edit"</h2>
                                        <p class="mt-1 text-sm text-slate-600">"Saving cancels the open approval request and asks again for the new content."</p>
                                        {move || edit_error().map(|e| {
                                            let text = if is_conflict(&e) {
                                                "Not saved: someone saved a newer version first. The newest text is shown now; make your change again on it.".to_owned()
                                            } else {
                                                e.to_string()
                                            };
                                            view! { <div role="alert" class="mt-3 rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-800" data-testid="edit-error">{text}</div> }
                                        })}
                                        {move || saved().map(|v| view! { <p role="status" class="mt-3 text-sm text-emerald-700">{format!("Saved as version {}.", v.sequence.version)}</p> })}
                                        <div class="mt-4 space-y-3">
                                            {seq.steps.clone().into_iter().map(|step| view! { <StepEditor id=id.clone() version=seq.version step=step save=save_step /> }).collect_view()}
                                        </div>
                                        <ActionForm action=save_cadence attr:class="mt-4 flex flex-wrap items-end gap-2">
                                            <input type="hidden" name="id" value=id.clone() />
                                            <input type="hidden" name="version" value=seq.version.to_string() />
                                            <div>
                                                <label for="cadence" class=LABEL>"Cadence (day of each email)"</label>
                                                <input id="cadence" name="cadence_days" value=cadence class=format!("mt-1 {INPUT}") />
                                            </div>
                                            <button type="submit" class=BUTTON_SECONDARY>"Save cadence"</button>
                                        </ActionForm>
                                    </section>
                                }
                            }})}
                        </div>
                        <div class="space-y-6">
                            <ApprovalPanel id=id.clone() version=seq.version status=seq.status pending=pending_approval latest=latest deciders=p.deciders.clone()
                                can_decide=can_decide can_edit=can_edit to_acknowledge=to_acknowledge audience_changed=audience_changed
                                approve=approve reject=reject refresh=refresh />
                            <section aria-labelledby="audience-title" class=CARD>
                                <h2 id="audience-title" class="text-lg font-semibold">{if pending_now { "Would be enrolled" } else { "Enrolled" }}</h2>
                                <p class="mt-2 text-3xl font-semibold" data-testid="recipient-count">{if pending_now { p.preview.recipients } else { p.view.stats.enrolled }}</p>
                                <p class="text-sm text-slate-600">"contacts (unsubscribed, bounced, suppressed and repeated addresses left out)"</p>
                            </section>
                            <section aria-labelledby="warnings-title" class=CARD>
                                <h2 id="warnings-title" class="text-lg font-semibold">"Warnings"</h2>
                                <div class="mt-3"><WarningList warnings=p.preview.warnings.clone() label="Warnings for the whole audience" /></div>
                            </section>
                            <section aria-labelledby="history-title" class=CARD>
                                <h2 id="history-title" class="text-lg font-semibold">"Approval history"</h2>
                                <ol class="mt-3 space-y-2 text-sm">
                                    {p.approvals.iter().map(|a| view! {
                                        <li>
                                            <span class="font-medium">{a.status.as_str()}</span>
                                            {format!(" · requested by {} {}", a.requested_by_email, when(&a.created_at))}
                                            {a.decided_by_email.clone().map(|d| format!(" · {} by {d}", if a.status == ApprovalStatus::Cancelled { "replaced" } else { "decided" }))}
                                        </li>
                                    }).collect_view()}
                                </ol>
                            </section>
                        </div>
                    </div>
                }.into_any()
            })}
        </Transition>
    }
}
