//! The run panel of the sequence page: counters, per-step progress, the next sends, pause /
//! resume / cancel, and the messages table with what a person can do about each message.

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::app::components::pager::{Pager, list_href};
use crate::app::components::ui::{
    BUTTON_DANGER, BUTTON_SECONDARY, Badge, CARD, ErrorNotice, LABEL, Loading, SELECT, TABLE,
    TABLE_WRAP, TD, TH,
};
use crate::app::error::route_id;
use crate::app::format::{when, when_or};
use crate::app::server_fns::runs::{RecordReply, SettleMessage, SteerSequence, get_sequence_run};
use crate::domain::message::{LedgerMessage, MessageStatus};
use crate::domain::sequence::{SequenceStats, SequenceStatus};

fn message_tone(status: MessageStatus) -> &'static str {
    match status {
        MessageStatus::Sent => "green",
        MessageStatus::Scheduled | MessageStatus::Sending => "blue",
        MessageStatus::Failed => "red",
        MessageStatus::Uncertain => "amber",
        MessageStatus::Skipped => "slate",
    }
}

/// The counters, one tile each.
#[component]
fn Tiles(stats: SequenceStats) -> impl IntoView {
    let tiles = [
        ("Enrolled", stats.enrolled, "enrolled"),
        ("Sent", stats.sent, "sent"),
        ("Replied", stats.replied, "replied"),
        ("Unsubscribed", stats.unsubscribed, "unsubscribed"),
        ("Bounced", stats.bounced, "bounced"),
        ("Failed", stats.failed, "failed"),
        ("Uncertain", stats.uncertain, "uncertain"),
        ("To send", stats.scheduled, "scheduled"),
    ];
    view! {
        <dl class="grid grid-cols-2 gap-3 sm:grid-cols-4">
            {tiles.into_iter().map(|(label, n, key)| view! {
                <div class="rounded-md bg-slate-50 p-3 ring-1 ring-slate-200">
                    <dt class="text-xs font-medium text-slate-500">{label}</dt>
                    <dd class="mt-1 text-2xl font-semibold" data-stat=key>{n}</dd>
                </div>
            }).collect_view()}
        </dl>
    }
}

/// What can be done about one message.
#[component]
fn MessageActions(
    id: String,
    message: LedgerMessage,
    active: bool,
    settle: ServerAction<SettleMessage>,
    reply: ServerAction<RecordReply>,
) -> impl IntoView {
    let (id2, mid, mid2) = (
        id.clone(),
        message.message_id.clone(),
        message.message_id.clone(),
    );
    let contact = message.contact_id.to_string();
    match message.status {
        MessageStatus::Uncertain => view! {
            <div class="flex flex-wrap gap-2">
                <ActionForm action=settle>
                    <input type="hidden" name="id" value=id />
                    <input type="hidden" name="message_id" value=mid />
                    <input type="hidden" name="action" value="mark_sent" />
                    <button type="submit" class=BUTTON_SECONDARY title="It is in the sender's Sent folder">"Mark sent"</button>
                </ActionForm>
                <ActionForm action=settle>
                    <input type="hidden" name="id" value=id2 />
                    <input type="hidden" name="message_id" value=mid2 />
                    <input type="hidden" name="action" value="send_again" />
                    <button type="submit" class=BUTTON_SECONDARY title="It never left: queue it again">"Send again"</button>
                </ActionForm>
            </div>
        }
        .into_any(),
        MessageStatus::Sent if active => view! {
            <ActionForm action=reply>
                <input type="hidden" name="id" value=id2 />
                <input type="hidden" name="contact_id" value=contact />
                <button type="submit" class=BUTTON_SECONDARY title="They answered: stop their later emails">"Record reply"</button>
            </ActionForm>
        }
        .into_any(),
        _ => ().into_any(),
    }
}

/// The run of an approved sequence.
#[component]
pub fn SequenceRun(
    id: String,
    status: SequenceStatus,
    stats: SequenceStats,
    can_steer: bool,
    steer: ServerAction<SteerSequence>,
    settle: ServerAction<SettleMessage>,
    reply: ServerAction<RecordReply>,
) -> impl IntoView {
    // The filter and page position live in the URL, so a page of messages is a link.
    let query = use_query_map();
    let get = move |k: &str| query.read().get(k).filter(|v| !v.is_empty());
    let path = format!("/email/sequences/{id}");
    let first_page = move |status: Option<String>| {
        list_href(&path, &[("status", status), ("limit", get("limit"))])
    };
    let navigate = use_navigate();
    let show = {
        let first_page = first_page.clone();
        move |status: String| {
            navigate(
                &first_page(Some(status)),
                NavigateOptions {
                    scroll: false,
                    ..Default::default()
                },
            );
        }
    };
    let run_id = id.clone();
    let run = crate::app::resource::load(
        move || {
            (
                run_id.clone(),
                get("status"),
                get("limit"),
                get("cursor"),
                steer.version().get(),
                settle.version().get(),
                reply.version().get(),
            )
        },
        |(id, status, limit, cursor, ..)| async move {
            get_sequence_run(route_id(&id, "email sequence")?, status, limit, cursor).await
        },
    );
    let error = move || {
        steer
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| settle.value().get().and_then(Result::err))
            .or_else(|| reply.value().get().and_then(Result::err))
    };
    let running = matches!(status, SequenceStatus::Active | SequenceStatus::Paused);
    let active = running;
    let control = |action: &'static str, label: &'static str, class: &'static str, id: String| {
        view! {
            <ActionForm action=steer>
                <input type="hidden" name="id" value=id />
                <input type="hidden" name="action" value=action />
                <button type="submit" class=class disabled=move || steer.pending().get()>{label}</button>
            </ActionForm>
        }
    };
    view! {
        <section aria-labelledby="run-title" class=CARD>
            <div class="flex flex-wrap items-center justify-between gap-3">
                <h2 id="run-title" class="text-lg font-semibold">"Sending"</h2>
                {(can_steer && running).then(|| view! {
                    <div class="flex flex-wrap gap-2">
                        {match status {
                            SequenceStatus::Active => control("pause", "Pause", BUTTON_SECONDARY, id.clone()).into_any(),
                            _ => control("resume", "Resume", BUTTON_SECONDARY, id.clone()).into_any(),
                        }}
                        {control("cancel", "Cancel sequence", BUTTON_DANGER, id.clone())}
                    </div>
                })}
            </div>
            <p class="mt-1 text-sm text-slate-600">{match status {
                SequenceStatus::Active => "Sending: each email goes out when it is due. Replies, unsubscribes and bounces stop a contact's later emails.",
                SequenceStatus::Paused => "Paused: nothing goes out until you resume. Emails that fall due meanwhile go out on resume.",
                SequenceStatus::Completed => "Completed: every enrollment has finished.",
                SequenceStatus::Cancelled => "Cancelled: emails not sent by then will never go out.",
                _ => "",
            }}</p>
            {move || error().map(|e| view! { <div class="mt-3"><ErrorNotice error=e /></div> })}
            <div class="mt-4"><Tiles stats=stats /></div>
            <Transition fallback=Loading>
                {
                    let id = id.clone();
                    move || {
                        let id = id.clone();
                        let (first_page, show) = (first_page.clone(), show.clone());
                        Suspend::new(async move {
                            let r = match run.await {
                                Err(e) => return view! { <ErrorNotice error=e /> }.into_any(),
                                Ok(r) => r,
                            };
                            view! {
                                <div class="mt-6 grid gap-6 md:grid-cols-2">
                                    <div>
                                        <h3 class="text-sm font-semibold">"By email"</h3>
                                        // Scrolls sideways in a narrow column: reachable by keyboard.
                                        <div class=format!("mt-2 {TABLE_WRAP}") tabindex="0" role="region" aria-label="Progress by email, scrollable">
                                            <table class=TABLE aria-label="Progress by email">
                                                <thead><tr><th scope="col" class=TH>"Email"</th><th scope="col" class=TH>"Sent"</th><th scope="col" class=TH>"To send"</th>
                                                    <th scope="col" class=TH>"Skipped"</th><th scope="col" class=TH>"Failed"</th><th scope="col" class=TH>"Uncertain"</th></tr></thead>
                                                <tbody class="divide-y divide-slate-100">
                                                    {r.progress.steps.iter().map(|s| view! {
                                                        <tr data-step=s.step_index>
                                                            <td class=TD>{format!("Email {}", s.step_index + 1)}</td>
                                                            <td class=TD data-col="sent">{s.sent}</td>
                                                            <td class=TD data-col="scheduled">{s.scheduled}</td>
                                                            <td class=TD data-col="skipped">{s.skipped}</td>
                                                            <td class=TD data-col="failed">{s.failed}</td>
                                                            <td class=TD data-col="uncertain">{s.uncertain}</td>
                                                        </tr>
                                                    }).collect_view()}
                                                </tbody>
                                            </table>
                                        </div>
                                    </div>
                                    <div>
                                        <h3 class="text-sm font-semibold">"Next sends"</h3>
                                        {if r.progress.next_sends.is_empty() {
                                            view! { <p class="mt-2 text-sm text-slate-600">"Nothing is waiting."</p> }.into_any()
                                        } else {
                                            view! {
                                                <ul class="mt-2 space-y-1 text-sm" data-testid="next-sends">
                                                    {r.progress.next_sends.iter().map(|n| view! {
                                                        <li>{format!("Email {} to {} contact(s) · {}", n.step_index + 1, n.messages, when(&n.at))}</li>
                                                    }).collect_view()}
                                                </ul>
                                            }.into_any()
                                        }}
                                    </div>
                                </div>
                                <div class="mt-6 flex flex-wrap items-end justify-between gap-3">
                                    <h3 class="text-sm font-semibold">"Messages"</h3>
                                    <div>
                                        <label for="message-status" class=LABEL>"Show"</label>
                                        <select id="message-status" class=format!("mt-1 {SELECT}") on:change=move |ev| show(event_target_value(&ev))>
                                            <option value="" selected=move || get("status").is_none()>"All"</option>
                                            {MessageStatus::ALL.iter().map(|s| {
                                                let v = s.as_str();
                                                view! { <option value=v selected=move || get("status").as_deref() == Some(v)>{v}</option> }
                                            }).collect_view()}
                                        </select>
                                    </div>
                                </div>
                                <div class=format!("mt-2 {TABLE_WRAP}") tabindex="0" role="region" aria-label="Messages, scrollable">
                                    <table class=TABLE aria-label="Messages">
                                        <thead><tr><th scope="col" class=TH>"To"</th><th scope="col" class=TH>"Email"</th><th scope="col" class=TH>"Status"</th>
                                            <th scope="col" class=TH>"Due"</th><th scope="col" class=TH>"Sent"</th><th scope="col" class=TH>"Note"</th><th scope="col" class=TH><span class="sr-only">"Actions"</span></th></tr></thead>
                                        <tbody class="divide-y divide-slate-100">
                                            {r.messages.items.into_iter().map(|m| {
                                                let id = id.clone();
                                                let acted = m.clone();
                                                view! {
                                                    <tr data-message=m.message_id.clone() data-email=m.email.clone() data-step=m.step_index>
                                                        <td class=TD>{m.email.clone()}</td>
                                                        <td class=TD>{format!("{}", m.step_index + 1)}</td>
                                                        <td class=TD><Badge text=m.status.as_str().to_owned() tone=message_tone(m.status) /></td>
                                                        <td class=TD>{when(&m.scheduled_for)}</td>
                                                        <td class=TD>{when_or(m.sent_at.as_ref(), "—")}</td>
                                                        <td class="px-3 py-2 align-top text-xs text-slate-600">{m.error.clone().unwrap_or_default()}</td>
                                                        <td class=TD>{can_steer.then(|| view! { <MessageActions id=id message=acted active=active settle=settle reply=reply /> })}</td>
                                                    </tr>
                                                }
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                </div>
                                <Pager first=first_page(get("status")) later=get("cursor").is_some() next_cursor=r.messages.next_cursor keep_scroll=true />
                            }.into_any()
                        })
                    }
                }
            </Transition>
        </section>
    }
}
