//! `/blog/drafts/{id}`: the draft editor. Markdown on one side and the preview on the
//! other, rendered a moment after typing pauses by the server's renderer and sanitiser (the
//! ones it publishes with); autosave a moment after typing stops, with its state shown;
//! when someone else saved first, both versions side by side to keep yours, take theirs or
//! merge by hand. Beside it: publishing (request, decision, the latest publish job).

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::blog::{draft_tone, job_tone};
use crate::app::components::layout::MemberResource;
use crate::app::components::ui::{
    BUTTON_PRIMARY, BUTTON_SECONDARY, Badge, CARD, ErrorNotice, INPUT, LABEL, Loading, SELECT,
};
use crate::app::error::{UiError, route_id};
use crate::app::format::when;
use crate::app::server_fns::blog::{
    DecideBlogPublish, EditorPage, RequestBlogPublish, Saved, blog_editor, blog_publish_state,
    render_markdown, save_blog_draft,
};
use crate::domain::approval::ApprovalStatus;
use crate::domain::blog::{
    DraftStatus, DraftView, MAX_EXCERPT, MAX_SEO_DESCRIPTION, MAX_SEO_TITLE, MAX_TITLE,
    reading_minutes, word_count,
};
use crate::domain::ids::DraftId;
use crate::domain::publish::PublishStatus;

/// How long after the last keystroke the draft is saved.
const AUTOSAVE_MS: u64 = 1200;
/// How long after the last change to the body the preview is rendered again.
const PREVIEW_MS: u64 = 250;
/// How often a save that could not reach the server is tried again.
const OFFLINE_RETRY_MS: u64 = 5000;

/// Where the editor's text stands against the server.
#[derive(Debug, Clone, PartialEq, Eq)]
enum SaveState {
    /// Everything typed is saved.
    Saved,
    /// Typed, not saved yet.
    Unsaved,
    /// A save is on its way.
    Saving,
    /// The server could not be reached; the text is kept here and saved when it can be.
    Offline,
    /// The server refused the text (a field is invalid); nothing was saved.
    Refused(String),
    /// Someone else saved first: their draft.
    Conflict(Box<DraftView>),
}

/// The editor's fields.
#[derive(Clone, Copy)]
struct Fields {
    title: RwSignal<String>,
    slug: RwSignal<String>,
    excerpt: RwSignal<String>,
    tags: RwSignal<String>,
    seo_title: RwSignal<String>,
    seo_description: RwSignal<String>,
    body: RwSignal<String>,
}

impl Fields {
    fn of(d: &DraftView) -> Self {
        let d = &d.draft;
        Self {
            title: RwSignal::new(d.title.clone()),
            slug: RwSignal::new(d.slug.clone()),
            excerpt: RwSignal::new(d.excerpt.clone()),
            tags: RwSignal::new(d.tags.join(", ")),
            seo_title: RwSignal::new(d.seo_title.clone()),
            seo_description: RwSignal::new(d.seo_description.clone()),
            body: RwSignal::new(d.body_markdown.clone()),
        }
    }

    /// What is typed now; `None` once the editor is gone.
    fn typed(&self) -> Option<Typed> {
        Some(Typed {
            title: self.title.try_get_untracked()?,
            slug: self.slug.try_get_untracked()?,
            excerpt: self.excerpt.try_get_untracked()?,
            tags: self.tags.try_get_untracked()?,
            seo_title: self.seo_title.try_get_untracked()?,
            seo_description: self.seo_description.try_get_untracked()?,
            body: self.body.try_get_untracked()?,
        })
    }

    fn take(&self, d: &DraftView) {
        let d = &d.draft;
        self.title.set(d.title.clone());
        self.slug.set(d.slug.clone());
        self.excerpt.set(d.excerpt.clone());
        self.tags.set(d.tags.join(", "));
        self.seo_title.set(d.seo_title.clone());
        self.seo_description.set(d.seo_description.clone());
        self.body.set(d.body_markdown.clone());
    }
}

/// The editor's text at one moment, as a save sends it.
#[derive(Clone)]
struct Typed {
    title: String,
    slug: String,
    excerpt: String,
    tags: String,
    seo_title: String,
    seo_description: String,
    body: String,
}

impl Typed {
    async fn save(self, id: DraftId, version: i64) -> Result<Saved, UiError> {
        save_blog_draft(
            id,
            version,
            self.title,
            self.slug,
            self.excerpt,
            self.tags,
            self.seo_title,
            self.seo_description,
            self.body,
        )
        .await
    }
}

/// The editor page.
#[component]
pub fn BlogDraftPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let member = expect_context::<MemberResource>();
    let page = crate::app::resource::load(id, |id| async move {
        blog_editor(route_id(&id, "blog draft")?).await
    });
    view! {
        <Title text="Draft editor" />
        <p class="mb-2 text-sm"><a class="text-indigo-700 hover:underline" href="/blog">"← Drafts"</a></p>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match page.await {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(p) => {
                        let scopes = member.await.map(|m| m.scopes).unwrap_or_default();
                        let can_write = scopes.iter().any(|s| s == "marketing:write");
                        let can_decide = scopes.iter().any(|s| s == "marketing:approve");
                        view! { <Editor page=p can_write=can_write can_decide=can_decide /> }.into_any()
                    }
                }
            })}
        </Transition>
    }
}

#[component]
fn Editor(page: EditorPage, can_write: bool, can_decide: bool) -> impl IntoView {
    let id: DraftId = page.draft.draft.id.clone();
    let fields = Fields::of(&page.draft);
    let version = RwSignal::new(page.draft.draft.version);
    let status = RwSignal::new(page.draft.draft.status);
    let state = RwSignal::new(SaveState::Saved);
    // Bumped on every keystroke: a save started at one count is current only if no key
    // was pressed since.
    let typed = RwSignal::new(0u64);

    // Every read and write after a wait is a `try_`: the editor may be gone by then (the
    // person went elsewhere in the console), and a gone editor must not take the app down.
    let save = {
        let id = id.clone();
        move || {
            let (Some(current), Some(at), Some(seen)) = (
                state.try_get_untracked(),
                typed.try_get_untracked(),
                version.try_get_untracked(),
            ) else {
                return;
            };
            if matches!(current, SaveState::Saving | SaveState::Conflict(_)) {
                return;
            }
            let Some(text) = fields.typed() else {
                return;
            };
            state.set(SaveState::Saving);
            let id = id.clone();
            spawn_local(async move {
                match text.save(id, seen).await {
                    Ok(Saved::Saved(d)) => {
                        version.try_set(d.draft.version);
                        status.try_set(d.draft.status);
                        if typed.try_get_untracked() == Some(at) {
                            // The server may have tidied a field (trimmed, deduplicated).
                            fields.slug.try_set(d.draft.slug.clone());
                            state.try_set(SaveState::Saved);
                        } else {
                            state.try_set(SaveState::Unsaved);
                        }
                    }
                    Ok(Saved::Conflict(theirs)) => {
                        state.try_set(SaveState::Conflict(Box::new(theirs)));
                    }
                    Err(UiError::Transport(_)) => {
                        state.try_set(SaveState::Offline);
                    }
                    Err(e) => {
                        state.try_set(SaveState::Refused(e.to_string()));
                    }
                }
            });
        }
    };
    let schedule = {
        let save = save.clone();
        move || {
            typed.update(|n| *n += 1);
            if !matches!(
                state.get_untracked(),
                SaveState::Conflict(_) | SaveState::Saving
            ) {
                state.set(SaveState::Unsaved);
            }
            let at = typed.get_untracked();
            let save = save.clone();
            set_timeout(
                move || {
                    if typed.try_get_untracked() == Some(at) {
                        save();
                    }
                },
                std::time::Duration::from_millis(AUTOSAVE_MS),
            );
        }
    };
    // A save that ended while typing went on is followed by another; one that could not
    // reach the server is tried again every few seconds (and at once when the browser says
    // it is back online).
    Effect::new({
        let save = save.clone();
        move |_| {
            let (again, wait) = match state.get() {
                SaveState::Unsaved if typed.get_untracked() > 0 => {
                    (SaveState::Unsaved, AUTOSAVE_MS)
                }
                SaveState::Offline => (SaveState::Offline, OFFLINE_RETRY_MS),
                _ => return,
            };
            let at = typed.get_untracked();
            let save = save.clone();
            set_timeout(
                move || {
                    if typed.try_get_untracked() == Some(at)
                        && state.try_get_untracked() == Some(again)
                    {
                        save();
                    }
                },
                std::time::Duration::from_millis(wait),
            );
        }
    });
    let online = {
        let save = save.clone();
        window_event_listener(leptos::ev::online, move |_| {
            if state.try_get_untracked() == Some(SaveState::Offline) {
                state.set(SaveState::Unsaved);
                save();
            }
        })
    };
    let leaving = window_event_listener(leptos::ev::beforeunload, move |ev| {
        if !matches!(state.try_get_untracked(), Some(SaveState::Saved) | None) {
            ev.prevent_default();
            ev.set_return_value("You have changes that are not saved yet.");
        }
    });
    // Leaving for another page of the console with text not saved yet: it is saved on the
    // way out (a conflict stays for the person to resolve when they come back).
    on_cleanup({
        let id = id.clone();
        move || {
            online.remove();
            leaving.remove();
            let pending = matches!(
                state.try_get_untracked(),
                Some(SaveState::Unsaved | SaveState::Offline | SaveState::Saving)
            );
            if let (true, Some(text), Some(seen)) =
                (pending, fields.typed(), version.try_get_untracked())
            {
                spawn_local(async move {
                    let _ = text.save(id, seen).await;
                });
            }
        }
    });

    // Nothing is typed into the fields while two versions are being reconciled.
    let locked = move || !can_write || matches!(state.get(), SaveState::Conflict(_));
    let text_input = |label: &'static str,
                      name: &'static str,
                      signal: RwSignal<String>,
                      max: Option<usize>| {
        let schedule = schedule.clone();
        let id = format!("draft-{name}");
        let help = format!("{id}-count");
        view! {
            <div>
                <label for=id.clone() class=LABEL>{label}</label>
                <input id=id name=name class=format!("mt-1 {INPUT}") readonly=locked
                    aria-describedby=max.map(|_| help.clone())
                    prop:value=move || signal.get()
                    on:input=move |ev| { signal.set(event_target_value(&ev)); schedule(); } />
                {max.map(|max| view! {
                    <p id=help class=move || { if signal.get().chars().count() > max { "mt-1 text-xs text-red-700" } else { "mt-1 text-xs text-slate-500" } }>
                        {move || format!("{} / {max}", signal.get().chars().count())}
                    </p>
                })}
            </div>
        }
    };

    // The preview follows the body a moment after it stops changing (typed, or taken from
    // the other version in a conflict); an answer for text that has changed since is dropped.
    let preview = RwSignal::new(page.draft.body_html.clone());
    let previewed = StoredValue::new(page.draft.draft.body_markdown.clone());
    let rendering = RwSignal::new(false);
    let preview_error = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        let body = fields.body.get();
        if previewed.try_with_value(|p| *p == body).unwrap_or(true) {
            return;
        }
        rendering.set(true);
        set_timeout(
            move || {
                if fields.body.try_get_untracked().as_ref() != Some(&body) {
                    return;
                }
                spawn_local(async move {
                    let html = render_markdown(body.clone()).await;
                    if fields.body.try_get_untracked().as_ref() != Some(&body) {
                        return;
                    }
                    match html {
                        Ok(html) => {
                            previewed.try_set_value(body);
                            preview.try_set(html);
                            preview_error.try_set(None);
                        }
                        Err(e) => {
                            preview_error.try_set(Some(e.to_string()));
                        }
                    }
                    rendering.try_set(false);
                });
            },
            std::time::Duration::from_millis(PREVIEW_MS),
        );
    });
    let words = Memo::new(move |_| word_count(&fields.body.get()));

    view! {
        <div class="mb-4 flex flex-wrap items-center justify-between gap-3">
            <h1 class="text-2xl font-semibold text-slate-900">{move || { let t = fields.title.get(); if t.trim().is_empty() { "Untitled draft".to_owned() } else { t } }}</h1>
            <div class="flex items-center gap-3 text-sm">
                {move || view! { <Badge text=status.get().as_str().replace('_', " ") tone=draft_tone(status.get()) /> }}
                <span class="text-slate-600" data-testid="draft-version">{move || format!("version {}", version.get())}</span>
                <SaveBadge state=state />
            </div>
        </div>
        {move || match state.get() {
            SaveState::Refused(message) => Some(view! {
                <div role="alert" class="mb-4 rounded-md bg-red-50 p-3 text-sm text-red-800 ring-1 ring-red-200">{format!("Not saved: {message}")}</div>
            }.into_any()),
            SaveState::Conflict(theirs) => Some(view! {
                <ConflictView mine=fields theirs=*theirs version=version state=state save=save.clone() />
            }.into_any()),
            _ => None,
        }}
        <div class="grid gap-6 xl:grid-cols-3">
            <div class="space-y-6 xl:col-span-2">
                <div class=format!("{CARD} grid gap-4 sm:grid-cols-2")>
                    {text_input("Title", "title", fields.title, Some(MAX_TITLE))}
                    {text_input("Slug", "slug", fields.slug, None)}
                    <div class="sm:col-span-2">
                        <label for="draft-excerpt" class=LABEL>"Excerpt"</label>
                        <textarea id="draft-excerpt" rows="2" class=format!("mt-1 {INPUT}") readonly=locked
                            aria-describedby="draft-excerpt-count"
                            prop:value=move || fields.excerpt.get()
                            on:input={ let schedule = schedule.clone(); move |ev| { fields.excerpt.set(event_target_value(&ev)); schedule(); } }></textarea>
                        <p id="draft-excerpt-count" class="mt-1 text-xs text-slate-500">{move || format!("{} / {MAX_EXCERPT}", fields.excerpt.get().chars().count())}</p>
                    </div>
                    {text_input("Tags (comma-separated)", "tags", fields.tags, None)}
                    {text_input("SEO title", "seo_title", fields.seo_title, Some(MAX_SEO_TITLE))}
                    <div class="sm:col-span-2">{text_input("SEO description", "seo_description", fields.seo_description, Some(MAX_SEO_DESCRIPTION))}</div>
                </div>
                <div class="grid gap-4 lg:grid-cols-2">
                    <div class=CARD>
                        <label for="draft-body" class=LABEL>"Markdown"</label>
                        <textarea id="draft-body" rows="24" spellcheck="true" readonly=locked
                            class=format!("mt-1 font-mono {INPUT}") aria-describedby="draft-stats"
                            prop:value=move || fields.body.get()
                            on:input={ let schedule = schedule.clone(); move |ev| { fields.body.set(event_target_value(&ev)); schedule(); } }></textarea>
                        <p id="draft-stats" class="mt-2 text-xs text-slate-600" data-testid="draft-stats">
                            {move || { let w = words.get(); format!("{w} words · {} min read", reading_minutes(w)) }}
                        </p>
                    </div>
                    <section class=CARD aria-labelledby="preview-heading">
                        <h2 id="preview-heading" class="text-sm font-medium text-slate-700">"Preview " <span class="font-normal text-slate-500">"(what publishes)"</span></h2>
                        {move || preview_error.get().map(|e| view! { <p role="status" class="mt-2 text-xs text-amber-800">{format!("The preview is not up to date: {e}")}</p> })}
                        <article class="post-body mt-3" data-testid="draft-preview" aria-busy=move || rendering.get().to_string() inner_html=move || preview.get()></article>
                    </section>
                </div>
            </div>
            <PublishPanel id=id cms=page.choices.cms version=version status=status state=state can_write=can_write can_decide=can_decide />
        </div>
    }
}

#[component]
fn SaveBadge(state: RwSignal<SaveState>) -> impl IntoView {
    let text = move || match state.get() {
        SaveState::Saved => ("Saved", "text-emerald-700"),
        SaveState::Unsaved => ("Unsaved changes", "text-slate-600"),
        SaveState::Saving => ("Saving…", "text-slate-600"),
        SaveState::Offline => ("Offline — kept here, saved when back", "text-amber-800"),
        SaveState::Refused(_) => ("Not saved", "text-red-700"),
        SaveState::Conflict(_) => ("Conflict — someone else saved", "text-red-700"),
    };
    view! {
        <span role="status" aria-live="polite" data-testid="save-state" class=move || format!("font-medium {}", text().1)>{move || text().0}</span>
    }
}

/// Yours and theirs side by side: keep yours (saved over theirs), take theirs, or merge by
/// hand in a box that starts with your text.
#[component]
fn ConflictView(
    mine: Fields,
    theirs: DraftView,
    version: RwSignal<i64>,
    state: RwSignal<SaveState>,
    save: impl Fn() + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let merged = RwSignal::new(mine.body.get_untracked());
    let merging = RwSignal::new(false);
    let their_version = theirs.draft.version;
    let their_body = theirs.draft.body_markdown.clone();
    let keep = {
        let save = save.clone();
        move |_| {
            version.set(their_version);
            state.set(SaveState::Unsaved);
            save();
        }
    };
    let take = {
        let theirs = theirs.clone();
        move |_| {
            mine.take(&theirs);
            version.set(their_version);
            state.set(SaveState::Saved);
        }
    };
    let save_merged = move || {
        mine.body.set(merged.get_untracked());
        version.set(their_version);
        state.set(SaveState::Unsaved);
        save();
    };
    view! {
        <section aria-labelledby="conflict-heading" class="mb-6 rounded-lg bg-red-50 p-4 ring-1 ring-red-200" data-testid="conflict">
            <h2 id="conflict-heading" class="text-base font-semibold text-red-900">
                {format!("Someone else saved this draft (now version {their_version}) while you were editing")}
            </h2>
            <p class="mt-1 text-sm text-red-900">"Nothing has been overwritten. Keep yours (saved over theirs), take theirs (yours is discarded), or merge the two texts by hand (your title and other fields are kept)."</p>
            <div class="mt-3 grid gap-4 lg:grid-cols-2">
                <div>
                    <h3 class="text-sm font-medium text-slate-800">"Yours"</h3>
                    <pre tabindex="0" aria-label="Your text" class="mt-1 max-h-80 overflow-auto whitespace-pre-wrap rounded bg-white p-3 text-sm ring-1 ring-slate-200" data-testid="conflict-mine">{move || mine.body.get()}</pre>
                </div>
                <div>
                    <h3 class="text-sm font-medium text-slate-800">{format!("Theirs (version {their_version}): {}", theirs.draft.title)}</h3>
                    <pre tabindex="0" aria-label="Their text" class="mt-1 max-h-80 overflow-auto whitespace-pre-wrap rounded bg-white p-3 text-sm ring-1 ring-slate-200" data-testid="conflict-theirs">{their_body}</pre>
                </div>
            </div>
            {move || merging.get().then(|| { let save_merged = save_merged.clone(); view! {
                <div class="mt-3">
                    <label for="conflict-merge" class=LABEL>"Merged text"</label>
                    <textarea id="conflict-merge" rows="10" class=format!("mt-1 font-mono {INPUT}")
                        prop:value=move || merged.get() on:input=move |ev| merged.set(event_target_value(&ev))></textarea>
                    <button type="button" class=format!("mt-2 {BUTTON_PRIMARY}") on:click=move |_| save_merged()>"Save merged text"</button>
                </div>
            } })}
            <div class="mt-3 flex flex-wrap gap-2">
                <button type="button" class=BUTTON_PRIMARY on:click=keep>"Keep mine"</button>
                <button type="button" class=BUTTON_SECONDARY on:click=take>"Take theirs, discard mine"</button>
                <button type="button" class=BUTTON_SECONDARY on:click=move |_| merging.set(true)>"Merge by hand"</button>
            </div>
        </section>
    }
}

/// Publishing, refreshed on its own (after every save, request and decision) so the
/// editor beside it is never rebuilt under the person typing.
#[component]
fn PublishPanel(
    id: DraftId,
    cms: Vec<(String, String, String)>,
    version: RwSignal<i64>,
    status: RwSignal<DraftStatus>,
    state: RwSignal<SaveState>,
    can_write: bool,
    can_decide: bool,
) -> impl IntoView {
    let request = ServerAction::<RequestBlogPublish>::new();
    let decide = ServerAction::<DecideBlogPublish>::new();
    let publishing = crate::app::resource::load(
        move || {
            (
                version.get(),
                request.version().get(),
                decide.version().get(),
            )
        },
        {
            let id = id.clone();
            move |_| blog_publish_state(id.clone())
        },
    );
    let error = move || {
        request
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| decide.value().get().and_then(Result::err))
    };
    let saved = move || matches!(state.get(), SaveState::Saved);
    view! {
        <aside class="space-y-4" aria-label="Publishing">
            <Transition fallback=Loading>
                {move || {
                    let cms = cms.clone();
                    let id = id.clone();
                    Suspend::new(async move {
                        let p = match publishing.await {
                            Err(e) => return view! { <ErrorNotice error=e /> }.into_any(),
                            Ok(p) => p,
                        };
                        status.try_set(p.draft.status);
                        let draft_id = id.to_string();
                        let pending = p.approvals.iter().find(|a| a.status == ApprovalStatus::Pending).cloned();
                        let target = p.draft.publish_connector_id.as_ref().map(|c| {
                            cms.iter()
                                .find(|(cid, _, _)| cid == c.as_str())
                                .map(|(_, name, kind)| format!("{name} ({kind})"))
                                .unwrap_or_else(|| "a CMS".to_owned())
                        });
                        let has_cms = !cms.is_empty();
                        view! {
                            <div class=CARD>
                                <h2 class="text-base font-semibold text-slate-900">"Publishing"</h2>
                                <p class="mt-1 text-sm text-slate-600">
                                    {match p.draft.published_version {
                                        Some(v) => format!("Version {v} is live."),
                                        None => "Not published yet.".to_owned(),
                                    }}
                                </p>
                                {move || error().map(|e| view! { <div class="mt-3"><ErrorNotice error=e /></div> })}
                                {match pending {
                                    Some(a) => view! {
                                        <div class="mt-3 rounded-md bg-amber-50 p-3 text-sm text-amber-900 ring-1 ring-amber-200" data-testid="publish-pending">
                                            <p class="font-medium">{format!("Waiting for an approver: version {} to {}", p.draft.version, target.unwrap_or_default())}</p>
                                            <p class="mt-1">{format!("Requested by {} · {}", a.requested_by_email, when(&a.created_at))}</p>
                                            {can_write.then(|| view! { <p class="mt-1">"Editing withdraws the request; you can ask again after."</p> })}
                                        </div>
                                        {can_decide.then(|| view! {
                                            <ActionForm action=decide attr:class="mt-3 space-y-2">
                                                <input type="hidden" name="id" value=draft_id.clone() />
                                                <input type="hidden" name="version" value=p.draft.version />
                                                <p class="text-sm text-slate-700">{format!("You are deciding version {} exactly as the preview shows it.", p.draft.version)}</p>
                                                <label for="publish-note" class=LABEL>"Note " <span class="font-normal text-slate-500">"(required to reject)"</span></label>
                                                <textarea id="publish-note" name="note" rows="2" class=INPUT></textarea>
                                                <div class="flex gap-2">
                                                    <button type="submit" name="decision" value="approve" class=BUTTON_PRIMARY disabled=move || !saved() || decide.pending().get()>"Approve and publish"</button>
                                                    <button type="submit" name="decision" value="reject" class=BUTTON_SECONDARY disabled=move || !saved() || decide.pending().get()>"Reject"</button>
                                                </div>
                                            </ActionForm>
                                        })}
                                    }.into_any(),
                                    None if can_write && has_cms => view! {
                                        <ActionForm action=request attr:class="mt-3 space-y-2">
                                            <input type="hidden" name="id" value=draft_id.clone() />
                                            <input type="hidden" name="version" value=move || version.get().to_string() />
                                            <label for="publish-connector" class=LABEL>"Publish to"</label>
                                            <select id="publish-connector" name="connector_id" class=SELECT>
                                                {cms.iter().map(|(cid, name, kind)| view! { <option value=cid.clone()>{format!("{name} ({kind})")}</option> }).collect_view()}
                                            </select>
                                            <button type="submit" class=BUTTON_PRIMARY disabled=move || !saved() || request.pending().get()>
                                                "Request publish"
                                            </button>
                                            {move || (!saved()).then(|| view! {
                                                <p class="text-xs text-slate-600">"Saving first: the request is for the saved version."</p>
                                            })}
                                        </ActionForm>
                                    }.into_any(),
                                    None if can_write => view! {
                                        <p class="mt-3 text-sm text-slate-600">"Publishing needs a Webflow, Sanity or sandbox connector (Settings → Connectors)."</p>
                                    }.into_any(),
                                    None => ().into_any(),
                                }}
                            </div>
                            {p.latest_job.map(|j| {
                                let live = (j.status == PublishStatus::Succeeded).then(|| j.external_url.clone()).flatten();
                                view! {
                                    <div class=CARD data-testid="latest-publish-job">
                                        <h2 class="text-base font-semibold text-slate-900">"Latest publish job"</h2>
                                        <p class="mt-2 flex items-center gap-2 text-sm">
                                            <Badge text=j.status.as_str().to_owned() tone=job_tone(j.status) />
                                            {format!("version {} to {} · {} attempt(s)", j.post.version, j.connector_name, j.attempts)}
                                        </p>
                                        {live.map(|url| view! { <p class="mt-2 text-sm"><a class="break-all text-indigo-700 hover:underline" href=url.clone() target="_blank" rel="noopener noreferrer">{format!("Live post: {url}")}</a></p> })}
                                        {j.error.clone().map(|e| view! { <p class="mt-2 text-sm text-red-800">{e}</p> })}
                                        <p class="mt-2 text-sm"><a class="text-indigo-700 hover:underline" href="/blog/publish-jobs">"All publish jobs"</a></p>
                                    </div>
                                }
                            })}
                        }.into_any()
                    })
                }}
            </Transition>
            {(!can_write).then(|| view! {
                <p class="text-sm text-slate-600">"You can read this draft; editing needs the marketing:write scope."</p>
            })}
        </aside>
    }
}
