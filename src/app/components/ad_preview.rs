//! Ad copy drawn the way each platform shows it: a search result on Google, a sponsored
//! feed post on LinkedIn and Meta, with the brand's name. A picture stands in for the
//! image, which is chosen at launch.

use leptos::prelude::*;

use crate::domain::ad_platform::{AdCopy, AdPlatform};

/// `LEARN_MORE` as the button reads: "Learn more".
pub fn call_to_action_label(code: &str) -> String {
    let lower = code.replace('_', " ").to_lowercase();
    let mut chars = lower.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The host of a landing page, as an ad shows it (`https://www.acme.example/x` → `acme.example`).
pub fn display_host(url: Option<&str>) -> String {
    let Some(url) = url else {
        return "your-site.example".to_owned();
    };
    let rest = url
        .trim()
        .trim_start_matches("https://")
        .trim_start_matches("http://");
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    host.trim_start_matches("www.").to_lowercase()
}

fn initial(name: &str) -> String {
    name.chars()
        .next()
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_else(|| "?".to_owned())
}

/// The copy as its platform would show it.
#[component]
pub fn AdPreview(platform: AdPlatform, copy: AdCopy, brand_name: String) -> impl IntoView {
    match platform {
        AdPlatform::Google => view! { <GoogleResult copy=copy /> }.into_any(),
        AdPlatform::Linkedin | AdPlatform::Meta => {
            view! { <FeedPost platform=platform copy=copy brand_name=brand_name /> }.into_any()
        }
    }
}

/// A responsive search ad as a result: Google shows up to three headlines joined by a bar
/// and up to two descriptions.
#[component]
fn GoogleResult(copy: AdCopy) -> impl IntoView {
    let host = display_host(copy.final_url.as_deref());
    let path: String = [copy.path1.as_deref(), copy.path2.as_deref()]
        .into_iter()
        .flatten()
        .map(|p| format!(" › {p}"))
        .collect();
    let title = copy
        .headlines
        .iter()
        .take(3)
        .cloned()
        .collect::<Vec<_>>()
        .join(" | ");
    let text = copy
        .descriptions
        .iter()
        .take(2)
        .cloned()
        .collect::<Vec<_>>()
        .join(" ");
    view! {
        <figure class="rounded-lg bg-white p-4 font-sans ring-1 ring-slate-200" data-testid="preview-google">
            <figcaption class="sr-only">"Preview: Google search result"</figcaption>
            <p class="text-xs text-slate-800"><span class="font-semibold">"Sponsored"</span></p>
            <p class="mt-1 truncate text-xs text-slate-700">{host}{path}</p>
            <p class="mt-1 text-lg leading-snug text-[#1a0dab]" data-testid="preview-title">{title}</p>
            <p class="mt-1 text-sm leading-5 text-slate-700">{text}</p>
        </figure>
    }
}

/// A sponsored post in a LinkedIn or Meta feed.
#[component]
fn FeedPost(platform: AdPlatform, copy: AdCopy, brand_name: String) -> impl IntoView {
    let host = display_host(copy.final_url.as_deref());
    let headline = copy.headlines.first().cloned().unwrap_or_default();
    let description = copy.descriptions.first().cloned();
    let cta = copy.call_to_action.as_deref().map(call_to_action_label);
    let (label, sponsored) = match platform {
        AdPlatform::Linkedin => ("Preview: LinkedIn feed post", "Promoted"),
        _ => ("Preview: Facebook feed post", "Sponsored"),
    };
    let linkedin = platform == AdPlatform::Linkedin;
    view! {
        <figure class="overflow-hidden rounded-lg bg-white font-sans ring-1 ring-slate-200" data-testid=format!("preview-{platform}")>
            <figcaption class="sr-only">{label}</figcaption>
            <div class="flex items-center gap-2 px-3 pt-3">
                <span aria-hidden="true" class=format!("flex h-9 w-9 items-center justify-center {} bg-slate-700 text-sm font-semibold text-white", if linkedin { "rounded" } else { "rounded-full" })>{initial(&brand_name)}</span>
                <span>
                    <span class="block text-sm font-semibold text-slate-900" data-testid="preview-brand">{brand_name.clone()}</span>
                    <span class="block text-xs text-slate-600">{sponsored}</span>
                </span>
            </div>
            <p class="whitespace-pre-line px-3 py-2 text-sm text-slate-900">{copy.primary_text.clone().unwrap_or_default()}</p>
            <div aria-hidden="true" class="flex aspect-[1.91/1] items-center justify-center bg-gradient-to-br from-slate-200 to-slate-300 text-xs text-slate-600">"Image chosen at launch"</div>
            <div class=format!("flex items-center justify-between gap-3 px-3 py-2 {}", if linkedin { "bg-white" } else { "bg-slate-100" })>
                <div class="min-w-0">
                    {(!linkedin).then(|| view! { <p class="truncate text-xs uppercase text-slate-600">{host.clone()}</p> })}
                    <p class="text-sm font-semibold text-slate-900" data-testid="preview-headline">{headline}</p>
                    {description.map(|d| view! { <p class="truncate text-xs text-slate-600">{d}</p> })}
                    {linkedin.then(|| view! { <p class="truncate text-xs text-slate-600">{host.clone()}</p> })}
                </div>
                {cta.map(|c| view! {
                    <span class=format!("shrink-0 px-3 py-1.5 text-sm font-semibold {}", if linkedin { "rounded-full ring-1 ring-[#0a66c2] text-[#0a66c2]" } else { "rounded-md bg-slate-200 text-slate-900" })>{c}</span>
                })}
            </div>
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_hosts_read_as_the_platforms_print_them() {
        assert_eq!(call_to_action_label("REQUEST_DEMO"), "Request demo");
        assert_eq!(
            display_host(Some("https://www.Tenex.example/demo?x=1")),
            "tenex.example"
        );
        assert_eq!(display_host(None), "your-site.example");
    }
}
