//! The workspace suppression list: who may never be mailed, by address.

use super::Context;
use super::event_record;
use crate::domain::Error;
use crate::domain::actor::{Actor, Scope};
use crate::domain::change::{Action, Change};
use crate::domain::pagination::{Page, PageRequest};
use crate::domain::suppression::{Suppression, SuppressionFilter, SuppressionInput};
use crate::domain::user::Email;
use crate::server::db::{contacts, suppressions};

/// Suppressed addresses matching `filter`, newest first.
pub async fn list(
    ctx: &Context,
    actor: &Actor,
    filter: &SuppressionFilter,
    page: &PageRequest,
) -> Result<Page<Suppression>, Error> {
    actor.require(Scope::MarketingRead)?;
    let rows = suppressions::list(&ctx.db, actor.workspace_id(), filter, page).await?;
    Ok(Page::from_rows(rows, page))
}

/// Puts an address on the list (a complaint reported elsewhere, a request by phone). Safe
/// for any writer: it can only stop mail. Adding one already there is not an error; the
/// answer says it was there (`false`).
pub async fn add(
    ctx: &Context,
    actor: &Actor,
    input: &SuppressionInput,
) -> Result<(Suppression, bool), Error> {
    actor.require(Scope::MarketingWrite)?;
    actor.require(Scope::MarketingRead)?;
    let new = input.parse()?;
    let now = ctx.now();
    let mut tx = ctx.db.begin().await?;
    let added = suppressions::add(
        &mut tx,
        actor,
        new.email.as_str(),
        new.reason,
        &new.note,
        now,
    )
    .await?;
    if added {
        event_record::record(
            &mut tx,
            actor.into(),
            &Change::new(
                Action::SuppressionAdded,
                new.email.to_string(),
                format!("suppressed {} ({})", new.email, new.reason),
            ),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    let stored = suppressions::get(&ctx.db, actor.workspace_id(), new.email.as_str())
        .await?
        .ok_or(Error::NotFound("suppression"))?;
    Ok((stored, added))
}

/// Takes an address off the list so it may be mailed again (admins only, audited). The
/// contact with that address, if any, is no longer marked unsubscribed or bounced either:
/// the list is where that decision lives.
pub async fn remove(ctx: &Context, actor: &Actor, email: &str) -> Result<Suppression, Error> {
    actor.require(Scope::Admin)?;
    let email = Email::parse("email", email).map_err(|_| Error::NotFound("suppression"))?;
    let ws = actor.workspace_id();
    let existing = suppressions::get(&ctx.db, ws, email.as_str())
        .await?
        .ok_or(Error::NotFound("suppression"))?;
    let now = ctx.now();
    let mut tx = ctx.db.begin().await?;
    if !suppressions::remove(&mut tx, ws, email.as_str()).await? {
        return Err(Error::NotFound("suppression"));
    }
    contacts::clear_suppression(&mut tx, ws, &email, now).await?;
    event_record::record(
        &mut tx,
        actor.into(),
        &Change::new(
            Action::SuppressionRemoved,
            email.to_string(),
            format!(
                "removed {email} from the suppression list (it was there for {})",
                existing.reason
            ),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(existing)
}
