//! The `openai` provider: any OpenAI-compatible `chat/completions` server, asked for JSON
//! that matches a schema, and checked before anything is kept.

use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::domain::Error;
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

    async fn ask(&self, messages: &[Value]) -> Result<String, String> {
        let body = json!({
            "model": self.model,
            "temperature": 0.7,
            "messages": messages,
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "email_sequence", "strict": true, "schema": schema()}
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

    /// Asks for the steps; a failed or unusable answer is retried once, with the reason.
    pub async fn email_steps(&self, brief: &SequenceBrief<'_>) -> Result<Vec<StepDraft>, Error> {
        let mut messages = vec![
            json!({"role": "system", "content": "You write concise, honest B2B email copy. You answer only with JSON."}),
            json!({"role": "user", "content": instructions(brief)}),
        ];
        let mut reason = String::new();
        for attempt in 0..2 {
            match self.ask(&messages).await {
                Ok(content) => match usable(brief, &content) {
                    Ok(drafts) => return Ok(drafts),
                    Err(why) => {
                        reason = why;
                        messages.push(json!({"role": "assistant", "content": content}));
                        messages.push(json!({"role": "user", "content": format!(
                            "That answer cannot be used: {reason}. Answer again with the JSON asked for.")}));
                    }
                },
                Err(why) => reason = why,
            }
            tracing::warn!(attempt, %reason, "generator answer refused");
        }
        Err(Error::Upstream(format!(
            "generation failed twice; last reason: {reason}"
        )))
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
}
