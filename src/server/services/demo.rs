//! The demo workspace: people in every role, so a new user can try each flow at once.
//! Built through the same use cases as real data.

use super::Context;
use super::accounts::{self, NewMember};
use crate::domain::Error;
use crate::server::db::workspaces;

/// The demo workspace's name.
pub const WORKSPACE: &str = "Tenex Demo";
/// The password every demo person shares. Printed at start; never use it for real data.
pub const PASSWORD: &str = "tenex-demo-2026";
/// The demo people: (email, display name, role).
pub const PEOPLE: [(&str, &str, &str); 4] = [
    ("admin@demo.tenex.test", "Ada Admin", "admin"),
    ("approver@demo.tenex.test", "Avery Approver", "approver"),
    ("marketer@demo.tenex.test", "Morgan Marketer", "marketer"),
    ("viewer@demo.tenex.test", "Vic Viewer", "viewer"),
];

/// Whether [`load`] created the workspace or found it already there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loaded {
    /// Created now.
    Created,
    /// It existed; nothing was changed.
    AlreadyThere,
}

/// Creates the demo workspace unless it exists.
pub async fn load(ctx: &Context) -> Result<Loaded, Error> {
    if workspaces::find_by_name(&ctx.db, WORKSPACE)
        .await?
        .is_some()
    {
        return Ok(Loaded::AlreadyThere);
    }
    for (email, name, role) in PEOPLE {
        accounts::add_member(
            ctx,
            NewMember {
                workspace: WORKSPACE.into(),
                email: email.into(),
                password: PASSWORD.into(),
                role: role.into(),
                display_name: Some(name.into()),
            },
        )
        .await?;
    }
    Ok(Loaded::Created)
}
