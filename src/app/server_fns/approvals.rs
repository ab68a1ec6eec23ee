//! The Approvals inbox.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::app::error::UiError;
use crate::domain::approval::Approval;
use crate::domain::pagination::Page;

/// A row of the inbox: the request and how long ago it was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxRow {
    /// The request.
    pub approval: Approval,
    /// "5 min ago", "3 days ago".
    pub age: String,
    /// For a pending blog publish: the post as it would go out.
    pub post: Option<PostPreview>,
}

/// A post waiting to be published, as the approver will see it live.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostPreview {
    /// The draft's version the request is for.
    pub version: i64,
    /// Title.
    pub title: String,
    /// Excerpt.
    pub excerpt: String,
    /// The body, rendered and sanitised: what publishes.
    pub body_html: String,
}

#[cfg(feature = "ssr")]
fn age(seconds: i64) -> String {
    match seconds.max(0) {
        s if s < 60 => "just now".to_owned(),
        s if s < 3600 => format!("{} min ago", s / 60),
        s if s < 86_400 => format!("{} h ago", s / 3600),
        s => match s / 86_400 {
            1 => "1 day ago".to_owned(),
            d => format!("{d} days ago"),
        },
    }
}

/// One page of pending requests (`tab = "pending"`) or decided ones (`"decided"`), newest
/// first.
#[server(prefix = "/rpc", endpoint = "approval_inbox")]
pub async fn approval_inbox(
    tab: String,
    limit: Option<String>,
    cursor: Option<String>,
) -> Result<Page<InboxRow>, UiError> {
    use crate::domain::approval::{ApprovalFilter, ApprovalStatus};
    use crate::domain::pagination::PageRequest;
    use crate::server::services::{approvals, publishing};
    let (state, actor) = super::ssr::actor().await?;
    let filter = if tab == "decided" {
        ApprovalFilter {
            decided: true,
            ..Default::default()
        }
    } else {
        ApprovalFilter {
            status: Some(ApprovalStatus::Pending),
            ..Default::default()
        }
    };
    let page = PageRequest::parse(limit.as_deref(), cursor.as_deref())?;
    let now = state.ctx.now().unix_seconds();
    let listed = approvals::list(&state.ctx, &actor, &filter, &page).await?;
    let mut rows = Vec::with_capacity(listed.items.len());
    for a in listed.items {
        let post = publishing::pending_post(&state.ctx, &actor, &a)
            .await
            .map(|p| PostPreview {
                version: p.version,
                body_html: p.body_html(),
                title: p.title,
                excerpt: p.excerpt,
            });
        rows.push(InboxRow {
            age: age(now - a.created_at.unix_seconds()),
            approval: a,
            post,
        });
    }
    Ok(Page {
        items: rows,
        next_cursor: listed.next_cursor,
    })
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    #[test]
    fn ages_read_like_a_person_would_say_them() {
        assert_eq!(super::age(5), "just now");
        assert_eq!(super::age(125), "2 min ago");
        assert_eq!(super::age(7200), "2 h ago");
        assert_eq!(super::age(86_400), "1 day ago");
        assert_eq!(super::age(3 * 86_400 + 5), "3 days ago");
    }
}
