//! Leaving by link: a signed unsubscribe token, no login. The contact is suppressed across
//! the workspace and every running enrollment ends, so no later step reaches them.

use super::Context;
use crate::domain::Error;
use crate::server::db::{contacts, sequences, workspaces};

/// What the confirmation page shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leaving {
    /// The address, partly hidden (the link may be forwarded).
    pub masked_email: String,
    /// Who is writing to them.
    pub workspace_name: String,
    /// Whether they had already left.
    pub already: bool,
}

fn mask(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}•••@{domain}")
        }
        None => "•••".to_owned(),
    }
}

fn invalid() -> Error {
    Error::NotFound("unsubscribe link")
}

async fn target(
    ctx: &Context,
    token: &str,
) -> Result<
    (
        crate::domain::ids::WorkspaceId,
        crate::domain::contact::Contact,
        String,
        crate::domain::ids::SequenceId,
    ),
    Error,
> {
    let link = ctx
        .secrets
        .unsubscribe_key()
        .check(token)
        .ok_or_else(invalid)?;
    let workspace = contacts::workspace_of(&ctx.db, &link.contact_id)
        .await?
        .ok_or_else(invalid)?;
    // The sequence named must be of the same workspace, or the token is not one we made.
    sequences::get(&ctx.db, &workspace, &link.sequence_id)
        .await?
        .ok_or_else(invalid)?;
    let contact = contacts::get(&ctx.db, &workspace, &link.contact_id)
        .await?
        .ok_or_else(invalid)?;
    let name = workspaces::get(&ctx.db, &workspace)
        .await?
        .map(|w| w.name)
        .unwrap_or_default();
    Ok((workspace, contact, name, link.sequence_id))
}

/// Who a link would unsubscribe (for the confirmation page); a link we did not sign is
/// `NotFound`.
pub async fn look_up(ctx: &Context, token: &str) -> Result<Leaving, Error> {
    let (_, contact, workspace_name, _) = target(ctx, token).await?;
    Ok(Leaving {
        masked_email: mask(contact.email.as_str()),
        workspace_name,
        already: contact.unsubscribed_at.is_some(),
    })
}

/// Unsubscribes the link's contact (RFC 8058 one-click or the page's button). Repeating it
/// is harmless.
pub async fn confirm(ctx: &Context, token: &str) -> Result<Leaving, Error> {
    let (workspace, contact, workspace_name, sequence) = target(ctx, token).await?;
    let now = ctx.now();
    let first_time = contact.unsubscribed_at.is_none();
    let mut tx = ctx.db.begin().await?;
    super::events::unsubscribed_by_link_in(&mut tx, &workspace, &contact.id, &sequence, now)
        .await?;
    tx.commit().await?;
    tracing::info!(contact = %contact.id, first_time, "unsubscribed by link");
    Ok(Leaving {
        masked_email: mask(contact.email.as_str()),
        workspace_name,
        already: !first_time,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn addresses_are_partly_hidden() {
        assert_eq!(super::mask("bo@north.test"), "b•••@north.test");
        assert_eq!(super::mask("nope"), "•••");
    }
}
