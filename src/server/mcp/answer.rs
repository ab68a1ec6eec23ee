//! What a tool answers: compact JSON an agent can act on with a one-line summary before it,
//! or the API's problem document as a tool error (same `code`, same message).

use rmcp::model::{CallToolResult, ContentBlock};
use serde::Serialize;

use crate::domain::Error;
use crate::server::errors::problem_for;

/// A tool's successful answer.
#[derive(Debug)]
pub struct Answer {
    summary: String,
    body: serde_json::Value,
}

impl Answer {
    /// `body` as the structured result, `summary` as the first text an agent reads.
    pub fn new(summary: impl Into<String>, body: impl Serialize) -> Result<Self, Error> {
        Ok(Self {
            summary: summary.into(),
            body: serde_json::to_value(body).map_err(Error::internal)?,
        })
    }
}

/// The tool result for `outcome`. An approval the caller may not give names the full
/// console address where a person approves, so the agent can hand it on.
pub fn reply(outcome: Result<Answer, Error>, console_url: &str) -> CallToolResult {
    match outcome {
        Ok(answer) => {
            let mut result = CallToolResult::structured(answer.body);
            result.content.insert(0, ContentBlock::text(answer.summary));
            result
        }
        Err(error) => {
            let page = match &error {
                Error::ApprovalRequired { page } => Some(format!("{console_url}{page}")),
                _ => None,
            };
            let problem = problem_for(error);
            let mut summary = format!("{}: {}", problem.code, problem.detail);
            let mut body = serde_json::to_value(&problem).unwrap_or_default();
            if let Some(url) = page {
                summary.push_str(&format!(
                    ". Nothing was approved. Ask a person with approval rights to review it at {url}"
                ));
                body["console_url"] = url.into();
            }
            let mut result = CallToolResult::structured_error(body);
            result.content.insert(0, ContentBlock::text(summary));
            result
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(result: &CallToolResult, i: usize) -> String {
        result.content[i]
            .as_text()
            .map(|t| t.text.clone())
            .unwrap_or_default()
    }

    #[test]
    fn errors_carry_the_api_code_and_name_the_field() {
        let result = reply(
            Err(Error::invalid(
                "segment_id",
                "no such segment in this workspace",
            )),
            "https://tenex.example",
        );
        assert_eq!(result.is_error, Some(true));
        let body = result.structured_content.clone().unwrap();
        assert_eq!(body["code"], "validation_failed");
        assert_eq!(body["errors"][0]["field"], "segment_id");
        let summary = text(&result, 0);
        assert!(summary.starts_with("validation_failed: "), "{summary}");
        assert!(summary.contains("segment_id"), "{summary}");
    }

    #[test]
    fn a_refused_approval_names_the_console_page() {
        let result = reply(
            Err(Error::ApprovalRequired {
                page: "/email/seq_1".into(),
            }),
            "https://tenex.example",
        );
        let body = result.structured_content.clone().unwrap();
        assert_eq!(body["code"], "approval_required");
        assert_eq!(body["console_url"], "https://tenex.example/email/seq_1");
        assert!(text(&result, 0).contains("https://tenex.example/email/seq_1"));
    }

    #[test]
    fn internal_errors_keep_their_cause_on_the_server() {
        let result = reply(
            Err(Error::internal(std::io::Error::other("password=hunter2"))),
            "",
        );
        assert!(!format!("{result:?}").contains("hunter2"));
        assert!(result.structured_content.unwrap()["error_id"].is_string());
    }

    #[test]
    fn answers_lead_with_the_summary_then_the_json() {
        let result = reply(
            Answer::new("1 campaign", serde_json::json!({"items": []})),
            "",
        );
        assert_eq!(result.is_error, Some(false));
        assert_eq!(text(&result, 0), "1 campaign");
        assert_eq!(text(&result, 1), r#"{"items":[]}"#);
    }
}
