//! The `openai` provider: any OpenAI-compatible `chat/completions` server, asked for JSON
//! that matches a schema, and checked before anything is kept.

use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::domain::Error;
use crate::domain::ad_platform::{AdCopy, AdPlatform};
use crate::domain::blog;
use crate::domain::generate::ads::CreativeBrief;
use crate::domain::generate::blog::{PostBrief, PostDraft, check_post};
use crate::domain::generate::{SequenceBrief, StepDraft, check_drafts};
use crate::domain::sequence::Step;
use crate::domain::template::{STANDARD_VARIABLES, StepTemplates};

/// A chat-completions client.
#[derive(Clone)]
pub struct OpenAi {
    http: reqwest::Client,
    url: String,
    model: String,
    api_key: Option<String>,
    timeout: Duration,
}

impl std::fmt::Debug for OpenAi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key.
        f.debug_struct("OpenAi")
            .field("url", &self.url)
            .field("model", &self.model)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct Completion {
    choices: Vec<Choice>,
}

#[derive(Deserialize)]
struct Choice {
    message: Message,
}

#[derive(Deserialize)]
struct Message {
    content: Option<String>,
}

#[derive(Deserialize)]
struct Emails {
    emails: Vec<StepDraft>,
}

#[derive(Deserialize)]
struct Variants {
    variants: Vec<Variant>,
}

#[derive(Deserialize)]
struct Variant {
    headlines: Vec<String>,
    descriptions: Vec<String>,
    primary_text: Option<String>,
    path1: Option<String>,
    path2: Option<String>,
    call_to_action: Option<String>,
}

fn ad_schema() -> Value {
    let text = json!({"type": ["string", "null"]});
    let list = json!({"type": "array", "items": {"type": "string"}});
    json!({
        "type": "object",
        "properties": {
            "variants": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "headlines": list, "descriptions": list, "primary_text": text,
                        "path1": text, "path2": text, "call_to_action": text
                    },
                    "required": ["headlines", "descriptions", "primary_text", "path1", "path2", "call_to_action"],
                    "additionalProperties": false
                }
            }
        },
        "required": ["variants"],
        "additionalProperties": false
    })
}

/// What the platform's ad holds, in words for the prompt, from the one rules table.
fn ad_format(platform: AdPlatform) -> String {
    let rules = platform.rules();
    let mut parts: Vec<String> = rules
        .fields
        .iter()
        .map(|r| {
            let count = if r.min_items == r.max_items {
                format!("exactly {}", r.min_items)
            } else {
                format!("{} to {}", r.min_items, r.max_items)
            };
            let len = match r.recommended_len {
                Some(rec) => format!("at most {} characters, ideally {rec}", r.max_len),
                None => format!("at most {} characters", r.max_len),
            };
            format!("{} ({}): {count}, each {len}", r.field.as_str(), r.label)
        })
        .collect();
    if rules.calls_to_action.is_empty() {
        parts.push("call_to_action: null".into());
    } else {
        parts.push(format!(
            "call_to_action: one of {}",
            rules.calls_to_action.join(", ")
        ));
    }
    parts.push("every other field: empty list or null".into());
    parts.join("; ")
}

fn ad_instructions(brief: &CreativeBrief<'_>) -> String {
    let b = brief.brand;
    format!(
        "Write {n} different variants of a {format} for {name} on {platform}.\n\
         Objective: {objective}\n\
         Company overview: {overview}\n\
         Unique selling points: {usps}\n\
         Ideal customers: {icp}\n\
         Brand voice: {voice}\n\
         Never use these words or phrases: {never}\n\
         Each variant has: {fields}.\n\
         Plain text only, no template syntax.{avoid} Answer with JSON: {{\"variants\": [...]}}, exactly {n} variants.",
        n = brief.count,
        format = brief.platform.rules().format,
        name = b.name,
        platform = brief.platform,
        objective = brief.objective,
        overview = b.company_overview,
        usps = b.usps.join("; "),
        icp = b.icp_market_segments.join("; "),
        voice = b.brand_voice,
        never = if b.do_not_say.is_empty() {
            "(none)".to_owned()
        } else {
            b.do_not_say.join(", ")
        },
        fields = ad_format(brief.platform),
        avoid = if brief.avoid.is_empty() {
            String::new()
        } else {
            format!(
                " Write new angles: these variants exist already and must not be repeated: {}.",
                brief
                    .avoid
                    .iter()
                    .map(|c| format!("\"{}\"", c.headlines.join(" | ")))
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        },
    )
}

/// The variants of an answer, each cut back to the platform's limits and checked like any
/// other copy; the reason when there are too few usable ones.
fn usable_ads(brief: &CreativeBrief<'_>, content: &str) -> Result<Vec<AdCopy>, String> {
    let parsed: Variants = serde_json::from_str(content)
        .map_err(|e| format!("the answer is not the expected JSON ({e})"))?;
    let mut kept = Vec::new();
    let mut refused = Vec::new();
    for (i, v) in parsed.variants.into_iter().enumerate() {
        let copy = AdCopy {
            headlines: v.headlines,
            descriptions: v.descriptions,
            primary_text: v.primary_text,
            path1: v.path1,
            path2: v.path2,
            call_to_action: v.call_to_action,
            final_url: brief.final_url.map(str::to_owned),
        }
        .tidy()
        .repaired(brief.platform);
        match copy.check_draft(brief.platform, &brief.brand.do_not_say) {
            Ok(_) => kept.push(copy),
            Err(e) => refused.push(format!("variant {}: {e}", i + 1)),
        }
    }
    if kept.len() < brief.count {
        return Err(format!(
            "expected {} usable variants, got {} ({})",
            brief.count,
            kept.len(),
            refused.join("; ")
        ));
    }
    kept.truncate(brief.count);
    Ok(kept)
}

fn post_schema() -> Value {
    let text = json!({"type": "string"});
    json!({
        "type": "object",
        "properties": {
            "title": text, "excerpt": text, "seo_title": text, "seo_description": text,
            "tags": {"type": "array", "items": {"type": "string"}},
            "body_markdown": text
        },
        "required": ["title", "excerpt", "seo_title", "seo_description", "tags", "body_markdown"],
        "additionalProperties": false
    })
}

fn post_instructions(brief: &PostBrief<'_>) -> String {
    let b = brief.brand;
    format!(
        "Write a blog post for {name} about: {topic}\n\
         Keywords to be found by (use them naturally): {keywords}\n\
         Company: {overview}\n\
         Selling points: {usps}\n\
         Readers: {markets}\n\
         Voice: {voice}\n\
         Never use these words or phrases anywhere: {forbidden}\n\
         The body is Markdown (CommonMark with GFM tables and task lists allowed), 500 to 1,200 words, \
         with ## section headings and no top-level # heading (the title is separate); no HTML, no images. \
         Title at most {title} characters; excerpt one or two sentences, at most {excerpt}; \
         seo_title at most {seo_title}; seo_description at most {seo_description}; \
         up to {tags} short lower-case tags.",
        name = b.name,
        topic = brief.topic,
        keywords = if brief.keywords.is_empty() {
            "(none)".to_owned()
        } else {
            brief.keywords.join(", ")
        },
        overview = b.company_overview,
        usps = b.usps.join("; "),
        markets = b.icp_market_segments.join("; "),
        voice = b.brand_voice,
        forbidden = if b.do_not_say.is_empty() {
            "(none)".to_owned()
        } else {
            b.do_not_say.join(", ")
        },
        title = blog::MAX_TITLE,
        excerpt = blog::MAX_EXCERPT,
        seo_title = blog::MAX_SEO_TITLE,
        seo_description = blog::MAX_SEO_DESCRIPTION,
        tags = blog::MAX_TAGS,
    )
}

/// The post of an answer, checked like any other.
fn usable_post(brief: &PostBrief<'_>, content: &str) -> Result<PostDraft, String> {
    let post: PostDraft = serde_json::from_str(content)
        .map_err(|e| format!("the answer is not the expected JSON ({e})"))?;
    let post = PostDraft {
        title: post.title.trim().to_owned(),
        excerpt: post.excerpt.trim().to_owned(),
        seo_title: post.seo_title.trim().to_owned(),
        seo_description: post.seo_description.trim().to_owned(),
        tags: post
            .tags
            .iter()
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
            .collect(),
        body_markdown: post.body_markdown,
    };
    check_post(brief, &post)?;
    Ok(post)
}

fn schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "emails": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "subject": {"type": "string"},
                        "body": {"type": "string"}
                    },
                    "required": ["subject", "body"],
                    "additionalProperties": false
                }
            }
        },
        "required": ["emails"],
        "additionalProperties": false
    })
}

fn instructions(brief: &SequenceBrief<'_>) -> String {
    let b = brief.brand;
    format!(
        "Write a cold email sequence of {n} plain-text emails for {name}.\n\
         Objective: {objective}\n\
         Company overview: {overview}\n\
         Unique selling points: {usps}\n\
         Ideal customers: {icp}\n\
         Brand voice: {voice}\n\
         Never use these words or phrases: {never}\n\
         Emails are sent on days {days:?}; emails after the first are replies in the same thread.\n\
         Personalise with Jinja variables, e.g. {{{{ first_name | default(\"there\") }}}} and {{{{ company | default(\"your team\") }}}}; \
         available variables: {vars}. Give every variable except sender_name a default. Sign with {{{{ sender_name }}}}. \
         Use no other template syntax than {{{{ … }}}} with filters and {{% if %}}…{{% endif %}}.\n\
         Answer with JSON: {{\"emails\": [{{\"subject\": \"...\", \"body\": \"...\"}}]}}, exactly {n} emails, \
         subjects on one line.",
        n = brief.cadence_days.len(),
        name = b.name,
        objective = brief.objective,
        overview = b.company_overview,
        usps = b.usps.join("; "),
        icp = b.icp_market_segments.join("; "),
        voice = b.brand_voice,
        never = if b.do_not_say.is_empty() {
            "(none)".to_owned()
        } else {
            b.do_not_say.join(", ")
        },
        days = brief.cadence_days,
        vars = STANDARD_VARIABLES.join(", "),
    )
}

/// Why an answer cannot be used, checked the same way as any other copy: the shape, the
/// count, the brand's forbidden words, and that each template compiles.
fn usable(brief: &SequenceBrief<'_>, content: &str) -> Result<Vec<StepDraft>, String> {
    let parsed: Emails = serde_json::from_str(content)
        .map_err(|e| format!("the answer is not the expected JSON ({e})"))?;
    check_drafts(brief, &parsed.emails)?;
    let steps: Vec<Step> = parsed
        .emails
        .iter()
        .zip(brief.cadence_days)
        .enumerate()
        .map(|(i, (d, day))| Step {
            index: i as u32,
            day_offset: *day,
            subject: d.subject.clone(),
            body: d.body.clone(),
        })
        .collect();
    StepTemplates::compile(&steps).map_err(|e| format!("the templates do not compile: {e}"))?;
    Ok(parsed.emails)
}

impl OpenAi {
    /// A client for `<base_url>/chat/completions`.
    pub fn new(
        http: reqwest::Client,
        base_url: &str,
        model: &str,
        api_key: Option<String>,
        timeout: Duration,
    ) -> Self {
        Self {
            http,
            url: format!("{}/chat/completions", base_url.trim_end_matches('/')),
            model: model.to_owned(),
            api_key,
            timeout,
        }
    }

    async fn ask(&self, messages: &[Value], name: &str, schema: Value) -> Result<String, String> {
        let body = json!({
            "model": self.model,
            "temperature": 0.7,
            "messages": messages,
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": name, "strict": true, "schema": schema}
            }
        });
        let mut request = self.http.post(&self.url).timeout(self.timeout).json(&body);
        if let Some(key) = &self.api_key {
            request = request.bearer_auth(key);
        }
        let response = request.send().await.map_err(|e| {
            if e.is_timeout() {
                "the generator did not answer in time".to_owned()
            } else {
                "the generator could not be reached".to_owned()
            }
        })?;
        let status = response.status();
        if !status.is_success() {
            let text = response.text().await.unwrap_or_default();
            let detail = serde_json::from_str::<Value>(&text)
                .ok()
                .and_then(|v| v["error"]["message"].as_str().map(str::to_owned))
                .unwrap_or_default();
            // The provider's own words may quote the key: they stay in the log.
            let detail: String = detail.chars().take(300).collect();
            tracing::warn!(status = status.as_u16(), %detail, "generator refused the request");
            return Err(format!("the generator answered HTTP {}", status.as_u16()));
        }
        let completion: Completion = response
            .json()
            .await
            .map_err(|_| "the generator's answer is not a chat completion".to_owned())?;
        completion
            .choices
            .into_iter()
            .next()
            .and_then(|c| c.message.content)
            .ok_or_else(|| "the generator's answer has no content".to_owned())
    }

    /// Asks with `system` and `prompt` for JSON matching `schema`, and returns what `usable`
    /// makes of the answer. A failed or unusable answer is asked once more, with the reason;
    /// a second failure is `Upstream`.
    async fn ask_until_usable<T>(
        &self,
        system: &str,
        prompt: String,
        name: &str,
        schema: fn() -> Value,
        usable: impl Fn(&str) -> Result<T, String>,
    ) -> Result<T, Error> {
        let mut messages = vec![
            json!({"role": "system", "content": system}),
            json!({"role": "user", "content": prompt}),
        ];
        let mut reason = String::new();
        for attempt in 0..2 {
            match self.ask(&messages, name, schema()).await {
                Ok(content) => match usable(&content) {
                    Ok(value) => return Ok(value),
                    Err(why) => {
                        reason = why;
                        messages.push(json!({"role": "assistant", "content": content}));
                        messages.push(json!({"role": "user", "content": format!(
                            "That answer cannot be used: {reason}. Answer again with the JSON asked for.")}));
                    }
                },
                Err(why) => reason = why,
            }
            tracing::warn!(attempt, %reason, name, "generator answer refused");
        }
        Err(Error::Upstream(format!(
            "generation failed twice; last reason: {reason}"
        )))
    }

    /// The steps of an email sequence.
    pub async fn email_steps(&self, brief: &SequenceBrief<'_>) -> Result<Vec<StepDraft>, Error> {
        self.ask_until_usable(
            "You write concise, honest B2B email copy. You answer only with JSON.",
            instructions(brief),
            "email_sequence",
            schema,
            |content| usable(brief, content),
        )
        .await
    }

    /// A blog post.
    pub async fn blog_post(&self, brief: &PostBrief<'_>) -> Result<PostDraft, Error> {
        self.ask_until_usable(
            "You write clear, honest B2B blog posts in Markdown. You answer only with JSON.",
            post_instructions(brief),
            "blog_post",
            post_schema,
            |content| usable_post(brief, content),
        )
        .await
    }

    /// Variants of ad copy.
    pub async fn ad_variants(&self, brief: &CreativeBrief<'_>) -> Result<Vec<AdCopy>, Error> {
        self.ask_until_usable(
            "You write concise, honest B2B ad copy within each platform's limits. You answer only with JSON.",
            ad_instructions(brief),
            "ad_variants",
            ad_schema,
            |content| usable_ads(brief, content),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::brand::Brand;

    fn brand() -> Brand {
        let now = crate::domain::time::Timestamp::from_unix_seconds(1_800_000_000).unwrap();
        Brand {
            id: "brd_01jd0000000000000000000000".parse().unwrap(),
            name: "Acme".into(),
            company_overview: "Acme makes anvils.".into(),
            usps: vec!["Heavy".into()],
            icp_market_segments: vec![],
            brand_voice: "dry".into(),
            do_not_say: vec!["cheap".into()],
            is_default: true,
            version: 1,
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn answers_are_checked_for_shape_count_words_and_syntax() {
        let b = brand();
        let brief = SequenceBrief {
            brand: &b,
            objective: "book a demo",
            cadence_days: &[0, 3],
        };
        assert!(
            usable(&brief, "not json")
                .unwrap_err()
                .contains("not the expected JSON")
        );
        assert!(
            usable(&brief, r#"{"emails":[{"subject":"a","body":"b"}]}"#)
                .unwrap_err()
                .contains("expected 2")
        );
        let cheap = r#"{"emails":[{"subject":"a","body":"b"},{"subject":"Cheap!","body":"b"}]}"#;
        assert!(usable(&brief, cheap).unwrap_err().contains("cheap"));
        let broken = r#"{"emails":[{"subject":"a","body":"b"},{"subject":"{{ x","body":"b"}]}"#;
        assert!(usable(&brief, broken).unwrap_err().contains("compile"));
        let good = r#"{"emails":[{"subject":"Hi {{ first_name | default('there') }}","body":"b"},{"subject":"Re","body":"c"}]}"#;
        assert_eq!(usable(&brief, good).unwrap().len(), 2);
    }

    #[test]
    fn the_prompt_carries_the_brand_and_the_forbidden_words() {
        let b = brand();
        let text = instructions(&SequenceBrief {
            brand: &b,
            objective: "book a demo",
            cadence_days: &[0, 3],
        });
        assert!(text.contains("Acme makes anvils."));
        assert!(text.contains("Never use these words or phrases: cheap"));
        assert!(text.contains("{{ first_name | default(\"there\") }}"));
    }

    #[test]
    fn ad_answers_are_cut_to_the_limits_and_checked_against_the_brand() {
        let b = brand();
        let brief = CreativeBrief {
            brand: &b,
            platform: AdPlatform::Google,
            objective: "book a demo",
            final_url: Some("https://acme.example"),
            count: 1,
            avoid: &[],
        };
        let long = r#"{"variants":[{"headlines":["Anvils that last a lifetime and more","Heavy","Acme"],
            "descriptions":["Anvils.","Heavy ones."],"primary_text":null,"path1":null,"path2":null,
            "call_to_action":"LEARN_MORE"}]}"#;
        let kept = usable_ads(&brief, long).unwrap();
        assert_eq!(kept[0].headlines[0], "Anvils that last a lifetime");
        assert_eq!(kept[0].call_to_action, None, "Google ads have none");
        assert_eq!(kept[0].final_url.as_deref(), Some("https://acme.example"));
        let cheap = long.replace("Heavy ones.", "Cheap ones.");
        assert!(usable_ads(&brief, &cheap).unwrap_err().contains("cheap"));
        let short = r#"{"variants":[{"headlines":["One"],"descriptions":[],"primary_text":null,
            "path1":null,"path2":null,"call_to_action":null}]}"#;
        assert!(usable_ads(&brief, short).unwrap_err().contains("headlines"));
    }

    #[test]
    fn the_ad_prompt_names_the_platforms_limits_from_the_table() {
        let b = brand();
        let text = ad_instructions(&CreativeBrief {
            brand: &b,
            platform: AdPlatform::Linkedin,
            objective: "book a demo",
            final_url: None,
            count: 3,
            avoid: &[],
        });
        assert!(text.contains(
            "primary_text (Introductory text): exactly 1, each at most 600 characters, ideally 150"
        ));
        assert!(text.contains("REQUEST_DEMO"));
        assert!(text.contains("Never use these words or phrases: cheap"));
    }
}
