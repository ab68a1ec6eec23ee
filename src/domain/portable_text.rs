//! Markdown as Portable Text (Sanity's rich text): blocks with styles, spans with
//! decorators, links as `markDefs`, lists as flat blocks with `listItem` and `level`, code
//! blocks as `code` objects. Keys are derived from positions, so the same Markdown always
//! gives the same document.

use std::collections::HashMap;

use ::markdown::mdast::Node;
use serde_json::{Value, json};

/// The Portable Text of `markdown` (GFM).
pub fn from_markdown(markdown: &str) -> Vec<Value> {
    let Ok(root) = ::markdown::to_mdast(markdown, &::markdown::ParseOptions::gfm()) else {
        return Vec::new();
    };
    let mut definitions = HashMap::new();
    collect_definitions(&root, &mut definitions);
    let mut out = Writer {
        blocks: Vec::new(),
        definitions,
    };
    if let Some(children) = root.children() {
        for child in children {
            out.flow(child, &Context::default());
        }
    }
    out.blocks
}

fn collect_definitions(node: &Node, into: &mut HashMap<String, String>) {
    if let Node::Definition(d) = node {
        into.insert(d.identifier.to_lowercase(), d.url.clone());
    }
    for child in node.children().into_iter().flatten() {
        collect_definitions(child, into);
    }
}

/// Where a block sits: inside a quote, or a list at some depth.
#[derive(Clone, Default)]
struct Context {
    quote: bool,
    list: Option<(&'static str, u32)>,
    checked: Option<bool>,
}

/// A block being filled with spans.
struct Block {
    children: Vec<Value>,
    mark_defs: Vec<Value>,
    key: String,
}

impl Block {
    fn span(&mut self, text: &str, marks: &[String]) {
        if text.is_empty() {
            return;
        }
        // Adjacent spans with the same marks are one span.
        if let Some(last) = self.children.last_mut()
            && last["marks"] == json!(marks)
            && let Some(t) = last["text"].as_str()
        {
            last["text"] = json!(format!("{t}{text}"));
            return;
        }
        let key = format!("{}s{}", self.key, self.children.len());
        self.children
            .push(json!({"_type": "span", "_key": key, "text": text, "marks": marks}));
    }

    fn link(&mut self, href: &str) -> String {
        let key = format!("{}l{}", self.key, self.mark_defs.len());
        self.mark_defs
            .push(json!({"_type": "link", "_key": key, "href": href}));
        key
    }
}

struct Writer {
    blocks: Vec<Value>,
    definitions: HashMap<String, String>,
}

impl Writer {
    fn next_key(&self) -> String {
        format!("b{}", self.blocks.len())
    }

    fn flow(&mut self, node: &Node, ctx: &Context) {
        match node {
            Node::Heading(h) => {
                let style = format!("h{}", h.depth.clamp(1, 6));
                self.block(&style, &h.children, ctx);
            }
            Node::Paragraph(p) => {
                let style = if ctx.quote { "blockquote" } else { "normal" };
                self.block(style, &p.children, ctx);
            }
            Node::Blockquote(q) => {
                let inner = Context {
                    quote: true,
                    ..ctx.clone()
                };
                for child in &q.children {
                    self.flow(child, &inner);
                }
            }
            Node::List(list) => {
                let kind = if list.ordered { "number" } else { "bullet" };
                let level = ctx.list.map_or(1, |(_, l)| l + 1);
                for item in &list.children {
                    let Node::ListItem(li) = item else { continue };
                    let inner = Context {
                        list: Some((kind, level)),
                        checked: li.checked,
                        ..ctx.clone()
                    };
                    for child in &li.children {
                        self.flow(child, &inner);
                    }
                }
            }
            Node::Code(code) => {
                let key = self.next_key();
                let mut block = json!({"_type": "code", "_key": key, "code": code.value});
                if let Some(lang) = &code.lang {
                    block["language"] = json!(lang);
                }
                self.blocks.push(block);
            }
            Node::Table(table) => {
                // A table becomes one line per row, cells joined by " | ", the header strong.
                for (i, row) in table.children.iter().enumerate() {
                    let Node::TableRow(row) = row else { continue };
                    let mut block = Block {
                        children: Vec::new(),
                        mark_defs: Vec::new(),
                        key: self.next_key(),
                    };
                    let marks: Vec<String> = if i == 0 {
                        vec!["strong".into()]
                    } else {
                        Vec::new()
                    };
                    for (j, cell) in row.children.iter().enumerate() {
                        if j > 0 {
                            block.span(" | ", &marks);
                        }
                        if let Some(children) = cell.children() {
                            self.inline_all(&mut block, children, &marks);
                        }
                    }
                    self.push(block, "normal", &Context::default());
                }
            }
            Node::ThematicBreak(_) => {
                let key = self.next_key();
                self.blocks
                    .push(json!({"_type": "break", "_key": key, "style": "lineBreak"}));
            }
            // Raw HTML is not carried (the HTML body escapes it too); definitions were read.
            Node::Html(_) | Node::Definition(_) => {}
            other => {
                if let Some(children) = other.children() {
                    for child in children {
                        self.flow(child, ctx);
                    }
                }
            }
        }
    }

    fn block(&mut self, style: &str, children: &[Node], ctx: &Context) {
        let mut block = Block {
            children: Vec::new(),
            mark_defs: Vec::new(),
            key: self.next_key(),
        };
        if let Some(checked) = ctx.checked {
            block.span(if checked { "☑ " } else { "☐ " }, &[]);
        }
        self.inline_all(&mut block, children, &[]);
        self.push(block, style, ctx);
    }

    fn push(&mut self, block: Block, style: &str, ctx: &Context) {
        if block.children.is_empty() {
            return;
        }
        let mut value = json!({
            "_type": "block",
            "_key": block.key,
            "style": style,
            "markDefs": block.mark_defs,
            "children": block.children,
        });
        if let Some((kind, level)) = ctx.list {
            value["listItem"] = json!(kind);
            value["level"] = json!(level);
        }
        self.blocks.push(value);
    }

    fn inline_all(&self, block: &mut Block, nodes: &[Node], marks: &[String]) {
        for node in nodes {
            self.inline(block, node, marks);
        }
    }

    fn inline(&self, block: &mut Block, node: &Node, marks: &[String]) {
        let with = |extra: String| {
            let mut m = marks.to_vec();
            if !m.contains(&extra) {
                m.push(extra);
            }
            m
        };
        match node {
            Node::Text(t) => block.span(&t.value, marks),
            Node::Break(_) => block.span("\n", marks),
            Node::InlineCode(c) => block.span(&c.value, &with("code".into())),
            Node::Emphasis(e) => self.inline_all(block, &e.children, &with("em".into())),
            Node::Strong(s) => self.inline_all(block, &s.children, &with("strong".into())),
            Node::Delete(d) => self.inline_all(block, &d.children, &with("strike-through".into())),
            Node::Link(l) => {
                let key = block.link(&l.url);
                self.inline_all(block, &l.children, &with(key));
            }
            Node::LinkReference(r) => match self.definitions.get(&r.identifier.to_lowercase()) {
                Some(url) => {
                    let key = block.link(url);
                    self.inline_all(block, &r.children, &with(key));
                }
                None => self.inline_all(block, &r.children, marks),
            },
            // An image is carried as a link to it, its alt text the words.
            Node::Image(i) => {
                let key = block.link(&i.url);
                let text = if i.alt.is_empty() { &i.url } else { &i.alt };
                block.span(text, &with(key));
            }
            Node::Html(h) => block.span(&h.value, marks),
            other => {
                if let Some(children) = other.children() {
                    self.inline_all(block, children, marks);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_paragraphs_and_decorators() {
        let pt = from_markdown("## Why CAC rose\n\nRead the **report** and *then* `run` ~~it~~.\n");
        assert_eq!(
            pt[0],
            json!({"_type": "block", "_key": "b0", "style": "h2", "markDefs": [],
                   "children": [{"_type": "span", "_key": "b0s0", "text": "Why CAC rose", "marks": []}]})
        );
        let spans = pt[1]["children"].as_array().unwrap();
        let marks: Vec<(&str, Value)> = spans
            .iter()
            .map(|s| (s["text"].as_str().unwrap(), s["marks"].clone()))
            .collect();
        assert_eq!(
            marks,
            [
                ("Read the ", json!([])),
                ("report", json!(["strong"])),
                (" and ", json!([])),
                ("then", json!(["em"])),
                (" ", json!([])),
                ("run", json!(["code"])),
                (" ", json!([])),
                ("it", json!(["strike-through"])),
                (".", json!([])),
            ]
        );
    }

    #[test]
    fn links_live_in_mark_defs_referenced_by_key() {
        let pt = from_markdown(
            "See [the **docs**](https://tenex.example/docs) and [ref][r].\n\n[r]: https://tenex.example/ref\n",
        );
        let b = &pt[0];
        assert_eq!(
            b["markDefs"],
            json!([{"_type": "link", "_key": "b0l0", "href": "https://tenex.example/docs"},
                   {"_type": "link", "_key": "b0l1", "href": "https://tenex.example/ref"}])
        );
        let spans = b["children"].as_array().unwrap();
        assert_eq!(spans[1]["text"], "the ");
        assert_eq!(spans[1]["marks"], json!(["b0l0"]));
        assert_eq!(spans[2]["marks"], json!(["b0l0", "strong"]));
        assert_eq!(spans[4]["marks"], json!(["b0l1"]));
        assert_eq!(pt.len(), 1, "the definition is not a block: {pt:?}");
    }

    #[test]
    fn nested_lists_are_flat_blocks_with_levels() {
        let pt = from_markdown("- one\n  1. inner\n  2. second\n- two\n\n- [x] done\n");
        let shape: Vec<(Value, Value, &str)> = pt
            .iter()
            .map(|b| {
                (
                    b["listItem"].clone(),
                    b["level"].clone(),
                    b["children"][0]["text"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            shape,
            [
                (json!("bullet"), json!(1), "one"),
                (json!("number"), json!(2), "inner"),
                (json!("number"), json!(2), "second"),
                (json!("bullet"), json!(1), "two"),
                (json!("bullet"), json!(1), "☑ done"),
            ]
        );
    }

    #[test]
    fn code_quotes_images_and_tables() {
        let pt = from_markdown(
            "> quoted\n\n```rust\nfn main() {}\n```\n\n![A chart](https://tenex.example/c.png)\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n<script>x</script>\n",
        );
        assert_eq!(pt[0]["style"], "blockquote");
        assert_eq!(
            pt[1],
            json!({"_type": "code", "_key": "b1", "code": "fn main() {}", "language": "rust"})
        );
        assert_eq!(pt[2]["children"][0]["text"], "A chart");
        assert_eq!(pt[2]["markDefs"][0]["href"], "https://tenex.example/c.png");
        assert_eq!(pt[3]["children"][0]["text"], "a | b");
        assert_eq!(pt[3]["children"][0]["marks"], json!(["strong"]));
        assert_eq!(pt[4]["children"][0]["text"], "1 | 2");
        assert_eq!(pt.len(), 5, "raw HTML is not carried: {pt:?}");
    }

    #[test]
    fn the_same_markdown_gives_the_same_document() {
        let md = "# A\n\nB *c* [d](https://e.example)\n";
        assert_eq!(from_markdown(md), from_markdown(md));
    }
}
