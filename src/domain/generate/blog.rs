//! Generated blog posts: what a post generator is asked for, the offline `builtin` writer,
//! and the checks every generator's post must pass before it becomes a draft.

use serde::{Deserialize, Serialize};

use super::super::blog::{
    MAX_BODY, MAX_EXCERPT, MAX_SEO_DESCRIPTION, MAX_SEO_TITLE, MAX_TAG, MAX_TAGS, MAX_TITLE,
};
use super::super::brand::Brand;
use super::{Tone, first_sentence, fnv};

/// What a blog post generator is asked to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostBrief<'a> {
    /// Whose voice, facts and forbidden phrases.
    pub brand: &'a Brand,
    /// What the post is about.
    pub topic: &'a str,
    /// Words the post should be found by.
    pub keywords: &'a [String],
}

/// A generated post, before it is stored as a draft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostDraft {
    /// Title.
    pub title: String,
    /// A sentence or two for listings.
    pub excerpt: String,
    /// Tags.
    pub tags: Vec<String>,
    /// Title for search results.
    pub seo_title: String,
    /// Description for search results.
    pub seo_description: String,
    /// The body, Markdown.
    pub body_markdown: String,
}

/// Why a generator's post cannot be used.
pub fn check_post(brief: &PostBrief<'_>, post: &PostDraft) -> Result<(), String> {
    let line = |name: &str, text: &str, max: usize, required: bool| {
        if required && text.trim().is_empty() {
            return Err(format!("the {name} is empty"));
        }
        if text.chars().count() > max {
            return Err(format!("the {name} is longer than {max} characters"));
        }
        if text.contains(['\r', '\n']) {
            return Err(format!("the {name} has several lines"));
        }
        Ok(())
    };
    line("title", &post.title, MAX_TITLE, true)?;
    line("SEO title", &post.seo_title, MAX_SEO_TITLE, false)?;
    line(
        "SEO description",
        &post.seo_description,
        MAX_SEO_DESCRIPTION,
        false,
    )?;
    if post.excerpt.chars().count() > MAX_EXCERPT {
        return Err(format!(
            "the excerpt is longer than {MAX_EXCERPT} characters"
        ));
    }
    if post.tags.len() > MAX_TAGS {
        return Err(format!("there are more than {MAX_TAGS} tags"));
    }
    for tag in &post.tags {
        line("tag", tag, MAX_TAG, true)?;
    }
    if post.body_markdown.trim().is_empty() {
        return Err("the body is empty".into());
    }
    if post.body_markdown.chars().count() > MAX_BODY {
        return Err(format!("the body is longer than {MAX_BODY} characters"));
    }
    let everything = format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        post.title,
        post.excerpt,
        post.tags.join("\n"),
        post.seo_title,
        post.seo_description,
        post.body_markdown
    );
    let hits = brief.brand.forbidden_phrases_in(&everything);
    if !hits.is_empty() {
        return Err(format!(
            "the post uses words the brand never says: {}",
            hits.join(", ")
        ));
    }
    Ok(())
}

/// `text` cut at a word boundary to at most `max` characters.
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out = String::new();
    for word in text.split_whitespace() {
        let next = if out.is_empty() {
            word.to_owned()
        } else {
            format!("{out} {word}")
        };
        if next.chars().count() > max.saturating_sub(1) {
            break;
        }
        out = next;
    }
    format!("{}…", out.trim_end_matches([',', ';', ':']))
}

fn capitalised(text: &str) -> String {
    let mut chars = text.trim().chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The offline, deterministic writer: a structured post on the topic in the brand's voice,
/// built from its overview, USPs and markets, with a section per keyword. Any sentence
/// that would carry a `do_not_say` phrase is left out.
pub fn builtin_post(brief: &PostBrief<'_>) -> PostDraft {
    let brand = brief.brand;
    let tone = Tone::of(&brand.brand_voice);
    let seed = fnv(&format!("{}|{}", brand.name, brief.topic));
    let topic = brief.topic.trim().trim_end_matches(['.', '!', '?']);
    let clean = |s: String| brand.forbidden_phrases_in(&s).is_empty().then_some(s);
    let keywords: Vec<String> = brief
        .keywords
        .iter()
        .map(|k| k.trim().to_owned())
        .filter(|k| !k.is_empty())
        .filter_map(clean)
        .collect();
    let titles = [
        format!("{}: a practical guide", capitalised(topic)),
        format!("What we learned about {topic}"),
        format!("{}, step by step", capitalised(topic)),
    ];
    let title = titles
        .iter()
        .skip((seed % 3) as usize)
        .chain(titles.iter())
        .find_map(|t| clean(cut(t, MAX_TITLE)))
        .unwrap_or_else(|| cut(&capitalised(topic), MAX_TITLE));
    let market = brand
        .icp_market_segments
        .iter()
        .find_map(|m| clean(m.clone()))
        .unwrap_or_else(|| "teams like yours".into());
    let overview = clean(first_sentence(&brand.company_overview)).filter(|s| !s.is_empty());
    let usps: Vec<String> = brand
        .usps
        .iter()
        .filter_map(|u| clean(u.trim_end_matches('.').to_owned()))
        .collect();

    let mut body: Vec<String> = Vec::new();
    let mut say = |line: String| {
        if brand.forbidden_phrases_in(&line).is_empty() {
            body.push(line);
        }
    };
    say(match tone {
        Tone::Formal => format!(
            "For {market}, {topic} is no longer optional. This article sets out what matters and how to act on it."
        ),
        Tone::Warm => format!(
            "Let's talk about {topic}! If you work with {market}, you have probably wondered where to start. Here is how we think about it."
        ),
        Tone::Plain => format!(
            "If you work with {market}, {topic} is worth getting right. Here is what matters and what to do about it."
        ),
    });
    say(String::new());
    say(format!("## Why {topic} matters"));
    say(String::new());
    say(format!(
        "Most teams start with good intentions and a spreadsheet. The trouble starts when {topic} has to work every week, not once."
    ));
    for keyword in &keywords {
        say(String::new());
        say(format!("## {}", capitalised(keyword)));
        say(String::new());
        say(format!(
            "**{}** is where {topic} is won or lost: decide what good looks like, measure it, and review it on a fixed rhythm.",
            capitalised(keyword)
        ));
    }
    if !usps.is_empty() {
        say(String::new());
        say(format!("## How {} helps", brand.name));
        say(String::new());
        if let Some(o) = &overview {
            say(o.clone());
            say(String::new());
        }
        for u in &usps {
            say(format!("- {}", capitalised(u)));
        }
    }
    say(String::new());
    say("## Next steps".into());
    say(String::new());
    say(format!("- [ ] Write down how {topic} works for you today"));
    say("- [ ] Pick one measure to improve this quarter".into());
    say("- [ ] Review it with your team in a month".into());
    say(String::new());
    say(match tone {
        Tone::Formal => "We would be glad to discuss how this applies to your organisation.".into(),
        Tone::Warm => "Questions? We'd love to hear how it goes!".into(),
        Tone::Plain => "Questions? Reply and tell us how it goes.".into(),
    });
    let body_markdown = body.join("\n") + "\n";

    let excerpt = clean(cut(
        &format!("What {market} should know about {topic}, and three steps to act on it."),
        MAX_EXCERPT,
    ))
    .unwrap_or_default();
    let mut tags: Vec<String> = Vec::new();
    for k in keywords.iter().map(|k| cut(&k.to_lowercase(), MAX_TAG)) {
        if !tags.contains(&k) && tags.len() < MAX_TAGS {
            tags.push(k);
        }
    }
    PostDraft {
        seo_title: cut(&title, MAX_SEO_TITLE),
        seo_description: cut(&excerpt, MAX_SEO_DESCRIPTION),
        title,
        excerpt,
        tags,
        body_markdown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::BrandId;
    use crate::domain::time::Timestamp;

    fn brand(voice: &str, do_not_say: &[&str]) -> Brand {
        Brand {
            id: BrandId::generate(),
            name: "Acme".into(),
            company_overview: "Acme runs marketing operations for B2B teams. It is fast.".into(),
            usps: vec![
                "one inbox for approvals".into(),
                "cheap and cheerful".into(),
            ],
            icp_market_segments: vec!["B2B SaaS marketers".into()],
            brand_voice: voice.into(),
            do_not_say: do_not_say.iter().map(|s| (*s).to_owned()).collect(),
            is_default: true,
            version: 1,
            created_at: Timestamp::from_unix_seconds(0).unwrap(),
            updated_at: Timestamp::from_unix_seconds(0).unwrap(),
        }
    }

    #[test]
    fn the_builtin_post_covers_the_topic_keywords_and_brand_and_passes_the_checks() {
        let b = brand("friendly", &[]);
        let keywords = vec!["attribution".to_owned(), "CAC".to_owned()];
        let brief = PostBrief {
            brand: &b,
            topic: "cutting customer acquisition cost",
            keywords: &keywords,
        };
        let post = builtin_post(&brief);
        check_post(&brief, &post).unwrap();
        assert!(
            post.title.contains("ustomer acquisition cost"),
            "{}",
            post.title
        );
        assert!(post.body_markdown.contains("## Attribution"));
        assert!(post.body_markdown.contains("## CAC"));
        assert!(post.body_markdown.contains("- One inbox for approvals"));
        assert!(post.body_markdown.contains("- [ ] "), "a task list");
        assert!(
            post.body_markdown.contains("Let's talk about"),
            "warm voice"
        );
        assert_eq!(post.tags, vec!["attribution", "cac"]);
        assert!(post.seo_title.chars().count() <= MAX_SEO_TITLE);
        assert_eq!(builtin_post(&brief), post, "deterministic");
    }

    #[test]
    fn forbidden_phrases_never_reach_the_post() {
        let b = brand("formal", &["cheap", "spreadsheet", "B2B SaaS"]);
        let keywords = vec!["cheap wins".to_owned()];
        let brief = PostBrief {
            brand: &b,
            topic: "pipeline reviews",
            keywords: &keywords,
        };
        let post = builtin_post(&brief);
        check_post(&brief, &post).unwrap();
        let all = serde_json::to_string(&post).unwrap().to_lowercase();
        for word in ["cheap", "spreadsheet", "b2b saas"] {
            assert!(!all.contains(word), "{word} in {all}");
        }
        assert!(
            post.body_markdown.contains("This article sets out"),
            "formal voice"
        );
    }

    #[test]
    fn the_checks_name_what_is_wrong() {
        let b = brand("plain", &["synergy"]);
        let brief = PostBrief {
            brand: &b,
            topic: "x",
            keywords: &[],
        };
        let good = builtin_post(&brief);
        let bad = |f: &dyn Fn(&mut PostDraft)| {
            let mut p = good.clone();
            f(&mut p);
            check_post(&brief, &p).unwrap_err()
        };
        assert!(bad(&|p| p.title = String::new()).contains("title"));
        assert!(bad(&|p| p.title = "a\nb".into()).contains("several lines"));
        assert!(bad(&|p| p.seo_title = "x".repeat(71)).contains("SEO title"));
        assert!(bad(&|p| p.body_markdown = " ".into()).contains("body"));
        assert!(bad(&|p| p.tags = vec!["t".into(); 11]).contains("tags"));
        assert!(bad(&|p| p.excerpt = "Pure synergy.".into()).contains("synergy"));
    }
}
