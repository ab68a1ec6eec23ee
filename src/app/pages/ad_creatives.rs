//! `/ads/creatives`: the variant picker. Choose a platform, brand and objective, generate
//! variants, see each as the platform shows it, edit with live counters, pick, and send for
//! approval (or decide, for approvers). `/ads/creatives/:id` shows one variant with its
//! approval history.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::app::components::ad_preview::AdPreview;
use crate::app::components::copy_editor::CopyEditor;
use crate::app::components::layout::MemberResource;
use crate::app::components::ui::{
    BUTTON_DANGER, BUTTON_PRIMARY, BUTTON_SECONDARY, Badge, CARD, EmptyState, ErrorNotice, INPUT,
    LABEL, Loading, PageHeader, SELECT, Tabs,
};
use crate::app::error::route_id;
use crate::app::format::{variant_set_page, when};
use crate::app::server_fns::ad_creatives::{
    DecideCreative, GenerateCreatives, PickCreative, RequestCreativeApproval, SaveCreative,
    creative_detail, creative_picker,
};
use crate::domain::ad_creative::{CreativeStatus, CreativeView, DEFAULT_VARIANTS, MAX_VARIANTS};
use crate::domain::ad_platform::AdPlatform;
use crate::domain::approval::ApprovalStatus;

/// Bumped whenever a card's action succeeds, so the page reads the variants again.
#[derive(Clone, Copy)]
struct Changed(RwSignal<u32>);

fn status_tone(status: CreativeStatus) -> &'static str {
    match status {
        CreativeStatus::Draft => "slate",
        CreativeStatus::Approved => "green",
        CreativeStatus::Rejected => "red",
        CreativeStatus::Archived => "slate",
    }
}

/// The Ads section's tabs.
pub fn ads_tabs() -> Vec<(&'static str, &'static str)> {
    vec![
        ("/ads/creatives", "Variant picker"),
        ("/ads/campaigns", "Campaigns"),
    ]
}

/// What the signed-in member may do here.
#[derive(Debug, Clone, Copy, Default)]
struct Powers {
    edit: bool,
    decide: bool,
}

impl Powers {
    fn of(scopes: &[String]) -> Self {
        Self {
            edit: scopes.iter().any(|s| s == "marketing:write"),
            decide: scopes.iter().any(|s| s == "marketing:approve"),
        }
    }
}

/// One variant: its preview, warnings, and the actions the member may take.
#[component]
fn CreativeCard(
    view: CreativeView,
    brand_name: String,
    number: usize,
    powers: Powers,
) -> impl IntoView {
    let changed = expect_context::<Changed>();
    let save = ServerAction::<SaveCreative>::new();
    let pick = ServerAction::<PickCreative>::new();
    let request = ServerAction::<RequestCreativeApproval>::new();
    let decide = ServerAction::<DecideCreative>::new();
    Effect::new(move |_| {
        let ok = matches!(save.value().get(), Some(Ok(_)))
            || matches!(pick.value().get(), Some(Ok(_)))
            || matches!(request.value().get(), Some(Ok(_)))
            || matches!(decide.value().get(), Some(Ok(_)));
        if ok {
            changed.0.update(|n| *n += 1);
        }
    });
    let error = move || {
        save.value()
            .get()
            .and_then(Result::err)
            .or_else(|| pick.value().get().and_then(Result::err))
            .or_else(|| request.value().get().and_then(Result::err))
            .or_else(|| decide.value().get().and_then(Result::err))
    };
    let c = view.creative.clone();
    // Copy handles: every form's children closure takes its own.
    let id = StoredValue::new(c.id.to_string());
    let version = c.version;
    let draft = c.status == CreativeStatus::Draft;
    let waiting = view.pending_approval.is_some();
    let heading_id = format!("{}-title", id.get_value());
    view! {
        <article aria-labelledby=format!("{}-title", id.get_value()) class=format!("{CARD} flex flex-col gap-4 {}", if c.picked { "ring-2 ring-indigo-500" } else { "" })
            data-testid="variant" data-creative=id.get_value() data-status=c.status.as_str()>
            <header class="flex flex-wrap items-center gap-2">
                <h2 id=heading_id class="text-base font-semibold">
                    <a class="hover:underline" href=format!("/ads/creatives/{}", id.get_value())>{format!("Variant {number}")}</a>
                </h2>
                <Badge text=c.status.as_str().to_owned() tone=status_tone(c.status) />
                {c.picked.then(|| view! { <Badge text="picked".to_owned() tone="violet" /> })}
                {waiting.then(|| view! { <Badge text="awaiting approval".to_owned() tone="amber" /> })}
                <span class="ml-auto text-xs text-slate-500">{format!("version {}", c.version)}</span>
            </header>
            <AdPreview platform=c.platform copy=c.copy.clone() brand_name=brand_name />
            {if !c.warnings.is_empty() { Some(view! {
                <ul class="space-y-1 text-sm text-amber-900" aria-label="Recommended lengths exceeded">
                    {c.warnings.iter().map(|w| view! { <li class="rounded bg-amber-50 px-2 py-1 ring-1 ring-amber-200">{format!("{}: {}", w.field, w.message)}</li> }).collect_view()}
                </ul>
            }) } else { None }}
            {move || error().map(|e| view! { <ErrorNotice error=e /> })}
            {if c.status != CreativeStatus::Archived && powers.edit { Some(view! {
                <div class="flex flex-wrap gap-2">
                    <ActionForm action=pick>
                        <input type="hidden" name="id" value=id.get_value() />
                        <input type="hidden" name="version" value=version.to_string() />
                        <input type="hidden" name="picked" value=(!c.picked).to_string() />
                        <button type="submit" class=BUTTON_SECONDARY aria-pressed=c.picked.to_string()>{if c.picked { "Unpick" } else { "Pick" }}</button>
                    </ActionForm>
                    {(draft && !waiting).then(|| view! {
                        <ActionForm action=request>
                            <input type="hidden" name="id" value=id.get_value() />
                            <input type="hidden" name="version" value=version.to_string() />
                            <button type="submit" class=BUTTON_SECONDARY>"Request approval"</button>
                        </ActionForm>
                    })}
                </div>
            }) } else { None }}
            {if draft && powers.decide { Some(view! {
                <div class="space-y-2 border-t border-slate-100 pt-3">
                    <ActionForm action=decide>
                        <input type="hidden" name="id" value=id.get_value() />
                        <input type="hidden" name="version" value=version.to_string() />
                        <input type="hidden" name="decision" value="approve" />
                        <button type="submit" class=format!("{BUTTON_PRIMARY} w-full") disabled=move || decide.pending().get()>"Approve"</button>
                    </ActionForm>
                    <details>
                        <summary class="cursor-pointer text-sm text-slate-700">"Reject…"</summary>
                        <ActionForm action=decide attr:class="mt-2 space-y-2">
                            <input type="hidden" name="id" value=id.get_value() />
                            <input type="hidden" name="version" value=version.to_string() />
                            <input type="hidden" name="decision" value="reject" />
                            <label for=format!("{}-note", id.get_value()) class=LABEL>"Why reject? " <span class="font-normal text-slate-500">"(required)"</span></label>
                            <textarea id=format!("{}-note", id.get_value()) name="note" required rows="2" maxlength="2000" class=INPUT></textarea>
                            <button type="submit" class=BUTTON_DANGER>"Reject"</button>
                        </ActionForm>
                    </details>
                </div>
            }) } else { None }}
            {if c.status != CreativeStatus::Archived && powers.edit { Some(view! {
                <details class="rounded-md ring-1 ring-slate-200">
                    <summary class="cursor-pointer px-3 py-2 text-sm font-medium">"Edit copy"</summary>
                    <div class="px-3 pb-3">
                        {(c.status == CreativeStatus::Approved).then(|| view! {
                            <p class="mb-2 text-xs text-slate-600">"Changing the copy makes this variant a draft that needs approving again."</p>
                        })}
                        <CopyEditor creative=c.clone() save=save />
                    </div>
                </details>
            }) } else { None }}
        </article>
    }
}

/// The generate form, filled with the set being shown.
#[component]
fn GenerateForm(
    brands: Vec<(String, String)>,
    platform: Option<String>,
    brand: Option<String>,
    objective: Option<String>,
    generate: ServerAction<GenerateCreatives>,
) -> impl IntoView {
    let platform = platform.unwrap_or_else(|| "google".to_owned());
    view! {
        <section aria-labelledby="generate-title" class=CARD>
            <h2 id="generate-title" class="text-lg font-semibold">"Generate variants"</h2>
            <ActionForm action=generate attr:class="mt-3 grid gap-3 md:grid-cols-6 md:items-end">
                <div class="md:col-span-1">
                    <label for="gen-platform" class=LABEL>"Platform"</label>
                    <select id="gen-platform" name="platform" class=format!("mt-1 {SELECT}")>
                        {AdPlatform::ALL.iter().map(|p| view! {
                            <option value=p.as_str() selected=platform == p.as_str()>{p.name()}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="md:col-span-1">
                    <label for="gen-brand" class=LABEL>"Brand"</label>
                    <select id="gen-brand" name="brand_id" class=format!("mt-1 {SELECT}")>
                        {brands.into_iter().map(|(id, name)| {
                            let selected = brand.as_deref() == Some(id.as_str());
                            view! { <option value=id selected=selected>{name}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <div class="md:col-span-2">
                    <label for="gen-objective" class=LABEL>"Objective"</label>
                    <input id="gen-objective" name="objective" required maxlength="300" placeholder="Book a demo" value=objective.unwrap_or_default() class=format!("mt-1 {INPUT}") />
                </div>
                <div class="md:col-span-1">
                    <label for="gen-count" class=LABEL>"Variants"</label>
                    <input id="gen-count" name="count" type="number" min="1" max=MAX_VARIANTS.to_string() value=DEFAULT_VARIANTS.to_string() class=format!("mt-1 {INPUT}") />
                </div>
                <div class="md:col-span-1">
                    <button type="submit" class=format!("{BUTTON_PRIMARY} w-full") disabled=move || generate.pending().get()>
                        {move || if generate.pending().get() { "Writing…" } else { "Generate" }}
                    </button>
                </div>
                <div class="md:col-span-4">
                    <label for="gen-url" class=LABEL>"Landing page " <span class="font-normal text-slate-500">"(optional now, needed before approval)"</span></label>
                    <input id="gen-url" name="final_url" type="url" placeholder="https://…" class=format!("mt-1 {INPUT}") />
                </div>
            </ActionForm>
            {move || generate.value().get().and_then(Result::err).map(|e| view! { <div class="mt-3"><ErrorNotice error=e /></div> })}
        </section>
    }
}

/// The variant picker.
#[component]
pub fn AdCreativesPage() -> impl IntoView {
    let query = use_query_map();
    let get = move |k: &str| query.read().get(k).filter(|v| !v.is_empty());
    let member = expect_context::<MemberResource>();
    let changed = Changed(RwSignal::new(0));
    provide_context(changed);
    let generate = ServerAction::<GenerateCreatives>::new();
    let picker = crate::app::resource::load(
        move || {
            (
                get("platform"),
                get("brand"),
                get("objective"),
                changed.0.get(),
                generate.version().get(),
            )
        },
        |(platform, brand, objective, _, _)| creative_picker(platform, brand, objective),
    );
    view! {
        <Title text="Variant picker" />
        <PageHeader title="Ads" subtitle="Ad copy for each platform within its limits, approved by a person before any campaign carries it." />
        <Tabs label="Ads" tabs=ads_tabs() />
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                let page = match picker.await {
                    Err(e) => return view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(p) => p,
                };
                let scopes = member.await.map(|m| m.scopes).unwrap_or_default();
                let powers = Powers::of(&scopes);
                let (platform, brand, objective) = (get("platform"), get("brand"), get("objective"));
                let whole_set = platform.is_some() && brand.is_some() && objective.is_some();
                let set = (platform.clone().unwrap_or_default(), brand.clone().unwrap_or_default(), objective.clone().unwrap_or_default());
                let regenerate = (whole_set && powers.edit && !page.creatives.is_empty()).then(move || view! {
                    <ActionForm action=generate attr:class="flex items-center gap-3">
                        <input type="hidden" name="platform" value=set.0 />
                        <input type="hidden" name="brand_id" value=set.1 />
                        <input type="hidden" name="objective" value=set.2 />
                        <input type="hidden" name="regenerate" value="true" />
                        <button type="submit" class=BUTTON_SECONDARY disabled=move || generate.pending().get()>"Regenerate unpicked"</button>
                        <span class="text-sm text-slate-600">"Picked and approved variants stay."</span>
                    </ActionForm>
                });
                let cards = page.creatives.iter().enumerate().map(|(i, v)| {
                    let name = page.brand_name(v.creative.brand_id.as_str());
                    view! { <CreativeCard view=v.clone() brand_name=name number=i + 1 powers=powers /> }
                }).collect_view();
                let empty = page.creatives.is_empty();
                view! {
                    {powers.edit.then(|| view! {
                        <GenerateForm brands=page.brands.clone() platform=platform.clone() brand=brand.clone() objective=objective.clone() generate=generate />
                    })}
                    <section aria-labelledby="variants-title" class="mt-6">
                        <div class="mb-3 flex flex-wrap items-center justify-between gap-3">
                            <h2 id="variants-title" class="text-lg font-semibold">
                                {match (&objective, platform.as_deref().and_then(|p| p.parse::<AdPlatform>().ok())) {
                                    (Some(o), Some(p)) => format!("{} variants for “{o}”", p.name()),
                                    _ => "Latest variants".to_owned(),
                                }}
                            </h2>
                            {regenerate}
                        </div>
                        {if empty {
                            view! {
                                <EmptyState title="No variants yet".to_owned()>
                                    <p>"Choose a platform, a brand and what the ads should achieve, then generate. Nothing runs until an approver approves a variant and a campaign is launched with it."</p>
                                </EmptyState>
                            }.into_any()
                        } else {
                            view! { <div class="grid gap-4 md:grid-cols-2 xl:grid-cols-3">{cards}</div> }.into_any()
                        }}
                    </section>
                }.into_any()
            })}
        </Transition>
    }
}

/// One variant with its approval history.
#[component]
pub fn AdCreativePage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let member = expect_context::<MemberResource>();
    let changed = Changed(RwSignal::new(0));
    provide_context(changed);
    let detail = crate::app::resource::load(
        move || (id(), changed.0.get()),
        |(id, _)| async move { creative_detail(route_id(&id, "ad creative")?).await },
    );
    view! {
        <Title text="Ad creative" />
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                let d = match detail.await {
                    Err(e) => return view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(d) => d,
                };
                let scopes = member.await.map(|m| m.scopes).unwrap_or_default();
                let powers = Powers::of(&scopes);
                let c = &d.view.creative;
                let set = variant_set_page(c);
                view! {
                    <p class="mb-2 text-sm"><a class="text-indigo-700 hover:underline" href=set>"← All variants of this set"</a></p>
                    <h1 class="mb-4 text-2xl font-semibold">{format!("{} ad for “{}”", c.platform.name(), c.objective)}</h1>
                    <div class="grid gap-6 lg:grid-cols-3">
                        <div class="lg:col-span-2">
                            <CreativeCard view=d.view.clone() brand_name=d.brand_name.clone() number=1 powers=powers />
                        </div>
                        <section aria-labelledby="history-title" class=CARD>
                            <h2 id="history-title" class="text-lg font-semibold">"Approval history"</h2>
                            {if d.approvals.is_empty() {
                                view! { <p class="mt-2 text-sm text-slate-600">"No approval has been requested yet."</p> }.into_any()
                            } else {
                                view! {
                                    <ol class="mt-3 space-y-2 text-sm">
                                        {d.approvals.iter().map(|a| view! {
                                            <li>
                                                <span class="font-medium">{a.status.as_str()}</span>
                                                {format!(" · requested by {} {}", a.requested_by_email, when(&a.created_at))}
                                                {a.decided_by_email.clone().map(|by| format!(" · {} by {by}", if a.status == ApprovalStatus::Cancelled { "replaced" } else { "decided" }))}
                                                {a.note.clone().map(|n| view! { <blockquote class="mt-1 border-l-2 border-slate-300 pl-2 text-slate-700">{n}</blockquote> })}
                                            </li>
                                        }).collect_view()}
                                    </ol>
                                }.into_any()
                            }}
                        </section>
                    </div>
                }.into_any()
            })}
        </Transition>
    }
}
