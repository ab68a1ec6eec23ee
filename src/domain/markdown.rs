//! Blog bodies: Markdown (CommonMark + GFM: tables, task lists, strikethrough, autolinks)
//! rendered to HTML and sanitised, by one function on the server: the editor's preview is
//! asked of it (`render_markdown`), so the preview is byte for byte what publishes, and the
//! parser and sanitiser stay out of the browser's download.

use std::collections::HashSet;
use std::sync::LazyLock;

/// The sanitiser's policy: the elements Markdown produces and nothing else; links only to
/// `http`, `https` and `mailto`, opened without handing the page over.
static POLICY: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let tags: HashSet<&str> = [
        "a",
        "blockquote",
        "br",
        "code",
        "del",
        "em",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "img",
        "input",
        "li",
        "ol",
        "p",
        "pre",
        "strong",
        "table",
        "tbody",
        "td",
        "th",
        "thead",
        "tr",
        "ul",
    ]
    .into_iter()
    .collect();
    let mut builder = ammonia::Builder::default();
    builder
        .tags(tags)
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .link_rel(Some("noopener noreferrer nofollow"))
        .tag_attributes(
            [
                ("a", ["href", "title"].into_iter().collect()),
                ("img", ["src", "alt", "title"].into_iter().collect()),
                (
                    "input",
                    ["type", "checked", "disabled", "aria-label"]
                        .into_iter()
                        .collect(),
                ),
                ("td", ["align"].into_iter().collect()),
                ("th", ["align"].into_iter().collect()),
                ("ol", ["start"].into_iter().collect()),
            ]
            .into_iter()
            .collect(),
        )
        // `class` is allowed on `code` only with these values (ammonia's own check).
        .allowed_classes(
            [("code", CODE_LANGUAGES.iter().copied().collect())]
                .into_iter()
                .collect(),
        )
        .set_tag_attribute_value("input", "disabled", "");
    builder
});

/// The `language-…` classes a code block keeps (for highlighting); any other class goes.
const CODE_LANGUAGES: &[&str] = &[
    "language-bash",
    "language-css",
    "language-html",
    "language-javascript",
    "language-js",
    "language-json",
    "language-python",
    "language-rust",
    "language-sh",
    "language-sql",
    "language-text",
    "language-toml",
    "language-ts",
    "language-typescript",
    "language-yaml",
];

/// Task list boxes with an accessible name saying what they show (the renderer writes them
/// bare; raw HTML in the source never reaches here as a tag, it is escaped).
fn named_checkboxes(html: &str) -> String {
    html.replace(
        r#"<input type="checkbox" disabled="" checked="" />"#,
        r#"<input type="checkbox" disabled="" checked="" aria-label="done" />"#,
    )
    .replace(
        r#"<input type="checkbox" disabled="" />"#,
        r#"<input type="checkbox" disabled="" aria-label="to do" />"#,
    )
}

/// The Markdown as safe HTML: raw HTML in the source is shown as text, never run, and the
/// result passes the sanitiser (no scripts, event handlers, `javascript:` or `data:` URLs,
/// iframes, styles).
pub fn to_html(markdown: &str) -> String {
    let options = ::markdown::Options::gfm();
    // GFM parsing cannot fail; only MDX constructs (off here) can.
    let html = ::markdown::to_html_with_options(markdown, &options)
        .unwrap_or_else(|_| ::markdown::to_html(markdown));
    POLICY.clean(&named_checkboxes(&html)).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gfm_renders_tables_task_lists_strikethrough_and_autolinks() {
        let html = to_html(
            "# Title\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] done\n- [ ] todo\n\n~~old~~ see https://tenex.example/docs\n",
        );
        assert!(html.contains("<h1>Title</h1>"), "{html}");
        assert!(
            html.contains("<table>") && html.contains("<td>1</td>"),
            "{html}"
        );
        // Each task box says what it shows (form controls need a name to be accessible).
        assert!(html.contains(r#"checked="" aria-label="done""#), "{html}");
        assert!(html.contains(r#"disabled="" aria-label="to do""#), "{html}");
        assert_eq!(html.matches("<input").count(), 2, "{html}");
        assert!(html.contains("<del>old</del>"), "{html}");
        assert!(
            html.contains(
                r#"<a href="https://tenex.example/docs" rel="noopener noreferrer nofollow">"#
            ),
            "{html}"
        );
    }

    #[test]
    fn a_hostile_body_renders_harmless() {
        let corpus = [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "[click](javascript:alert(1))",
            "[click](JaVaScRiPt:alert(1))",
            "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
            "![x](data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=)",
            "<iframe src=https://evil.example></iframe>",
            "<a href=\"https://ok.example\" onclick=\"steal()\">hi</a>",
            "<div style=\"position:fixed\">overlay</div>",
            "<svg><script>alert(1)</script></svg>",
            "<object data=evil.swf></object><embed src=evil.swf>",
            "<form action=https://evil.example><input name=pw></form>",
            "[x](vbscript:msgbox(1))",
            "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
            "```html\n<script>alert(1)</script>\n```",
            "<a href=\"&#106;avascript:alert(1)\">x</a>",
            "[x](  javascript:alert(1)  )",
        ];
        for body in corpus {
            // Escaped source text is harmless; what matters is the markup: every `<…>`.
            let html = to_html(body).to_lowercase();
            let markup: String = html
                .split('<')
                .skip(1)
                .filter_map(|part| part.split_once('>').map(|(tag, _)| format!("<{tag}>")))
                .collect();
            for bad in [
                "<script",
                "onerror",
                "onclick",
                "javascript:",
                "vbscript:",
                "data:",
                "<iframe",
                "<object",
                "<embed",
                "<form",
                "style=",
                "<svg",
                "<style",
            ] {
                assert!(!markup.contains(bad), "{body:?} rendered {bad}: {html}");
            }
        }
    }

    #[test]
    fn code_keeps_its_language_and_nothing_else() {
        let html = to_html("```rust\nfn main() {}\n```\n");
        assert!(html.contains(r#"<code class="language-rust">"#), "{html}");
        let odd = to_html("```evil onload=x\nhi\n```\n");
        assert!(!odd.contains("onload"), "{odd}");
    }
}
