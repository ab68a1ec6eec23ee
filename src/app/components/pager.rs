//! Paging a console list the way the API pages it: the page position is the API's cursor,
//! held in the URL (`?cursor=`), so every page is a link, and back, forward and reload show
//! the same rows.

use leptos::prelude::*;

use super::ui::BUTTON_SECONDARY;
use crate::app::format::query_value;

/// The address of a list with its filters, `path?key=value&…`; unset values are left out.
pub fn list_href(path: &str, params: &[(&str, Option<String>)]) -> String {
    let query: Vec<String> = params
        .iter()
        .filter_map(|(k, v)| {
            v.as_deref()
                .filter(|v| !v.is_empty())
                .map(|v| format!("{k}={}", query_value(v)))
        })
        .collect();
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", query.join("&"))
    }
}

/// The page after `first` (a [`list_href`]) that starts at `cursor`.
pub fn next_href(first: &str, cursor: &str) -> String {
    let joiner = if first.contains('?') { '&' } else { '?' };
    format!("{first}{joiner}cursor={}", query_value(cursor))
}

/// "First page" (on a later page) and "Next page" (unless this is the last) under a list.
#[component]
pub fn Pager(
    /// The list's first page, with the filters shown (see [`list_href`]).
    first: String,
    /// Whether the page shown is past the first.
    later: bool,
    /// The shown page's `next_cursor`; `None` on the last page.
    next_cursor: Option<String>,
    /// Keep the scroll position, for a list further down a page.
    #[prop(optional)]
    keep_scroll: bool,
) -> impl IntoView {
    let next = next_cursor.map(|c| next_href(&first, &c));
    // The router reads `data-noscroll` on a link when it handles the click.
    let noscroll = keep_scroll.then_some("");
    view! {
        <nav aria-label="Pages" class="mt-3 flex gap-2">
            {later.then(|| view! { <a class=BUTTON_SECONDARY href=first data-noscroll=noscroll>"First page"</a> })}
            {next.map(|href| view! { <a class=BUTTON_SECONDARY href=href data-noscroll=noscroll>"Next page"</a> })}
        </nav>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_addresses_keep_set_filters_and_add_the_cursor() {
        assert_eq!(list_href("/email", &[("limit", None)]), "/email");
        let first = list_href(
            "/email/sequences/seq_1",
            &[
                ("status", Some("sent".into())),
                ("limit", Some(String::new())),
            ],
        );
        assert_eq!(first, "/email/sequences/seq_1?status=sent");
        assert_eq!(
            next_href(&first, "MjAyNi0w"),
            "/email/sequences/seq_1?status=sent&cursor=MjAyNi0w"
        );
        assert_eq!(
            next_href("/email/outbox", "a-b_c"),
            "/email/outbox?cursor=a-b_c"
        );
    }
}
