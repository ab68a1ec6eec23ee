//! Workspaces, people and how they log in.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use super::{Context, passwords};
use crate::domain::Error;
use crate::domain::actor::{Actor, Role};
use crate::domain::error::Errors;
use crate::domain::ids::{UserId, WorkspaceId};
use crate::domain::user::{Email, Password, User};
use crate::domain::workspace::{self, Membership, Workspace};
use crate::server::db::{users, workspaces};
use crate::server::state::LoginThrottle;

/// A request to add a person to a workspace (creating either when new).
#[derive(Clone)]
pub struct NewMember {
    /// The workspace's name; created when no workspace has it.
    pub workspace: String,
    /// The person's email.
    pub email: String,
    /// Their password (used only when the person is new; otherwise it replaces theirs).
    pub password: String,
    /// Their role in the workspace.
    pub role: String,
    /// How the console names them; defaults to the part of the email before `@`.
    pub display_name: Option<String>,
}

impl std::fmt::Debug for NewMember {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewMember")
            .field("workspace", &self.workspace)
            .field("email", &self.email)
            .field("role", &self.role)
            .field("display_name", &self.display_name)
            .finish_non_exhaustive()
    }
}

/// What [`add_member`] did.
#[derive(Debug, Clone)]
pub struct AddedMember {
    /// The workspace.
    pub workspace: Workspace,
    /// The person.
    pub user: User,
    /// Their role there.
    pub role: Role,
    /// True when the workspace did not exist before.
    pub created_workspace: bool,
}

/// Adds a person to a workspace with a role, creating the workspace and the person when
/// new. Installation-level: run by the operator's command line, not by a workspace member.
pub async fn add_member(ctx: &Context, input: NewMember) -> Result<AddedMember, Error> {
    let mut errors = Errors::new();
    let ws_name = errors.check(workspace::parse_name(&input.workspace));
    let email = errors.check(Email::parse("email", &input.email));
    let password = errors.check(Password::parse(&input.password));
    let role = errors.check(
        input
            .role
            .parse::<Role>()
            .map_err(|m| crate::domain::FieldError::new("role", m)),
    );
    errors.finish()?;
    let (ws_name, email, password, role) = (
        ws_name.expect("checked"),
        email.expect("checked"),
        password.expect("checked"),
        role.expect("checked"),
    );

    let hash = passwords::hash(&password).await?;
    let now = ctx.now();
    let existing_ws = workspaces::find_by_name(&ctx.db, &ws_name).await?;
    let existing_user = users::find_by_email(&ctx.db, &email).await?;

    let mut tx = ctx.db.begin().await?;
    let workspace = match &existing_ws {
        Some(ws) => ws.clone(),
        None => {
            let ws = Workspace {
                id: WorkspaceId::generate(),
                name: ws_name,
            };
            workspaces::insert(&mut tx, &ws, now).await?;
            ws
        }
    };
    let user = match existing_user {
        Some((user, _)) => {
            users::set_password_hash(&mut tx, &user.id, &hash).await?;
            user
        }
        None => {
            let display_name = input
                .display_name
                .map(|n| n.trim().to_owned())
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| {
                    email
                        .as_str()
                        .split('@')
                        .next()
                        .unwrap_or_default()
                        .to_owned()
                });
            let user = User {
                id: UserId::generate(),
                email,
                display_name,
            };
            users::insert(&mut tx, &user, &hash, now).await?;
            user
        }
    };
    workspaces::upsert_membership(&mut tx, &workspace.id, &user.id, role, now).await?;
    tx.commit().await?;
    // The member's keys and sessions act with their role: a changed role applies from the
    // next request.
    ctx.credentials.forget_all();
    ctx.members.forget_all();
    Ok(AddedMember {
        workspace,
        user,
        role,
        created_workspace: existing_ws.is_none(),
    })
}

/// A person who proved their password, with where they may work.
#[derive(Debug, Clone)]
pub struct LoggedIn {
    /// The person.
    pub user: User,
    /// The workspace the session starts in (the first by name).
    pub workspace: Workspace,
}

/// Checks an email and password from `client`. Wrong email and wrong password give the same
/// answer in the same time, so the form cannot be used to find out who has an account.
/// Failures count against the account and the address; while either has failed too often,
/// logins are refused with `RateLimited` before any password is checked.
pub async fn log_in(
    ctx: &Context,
    throttle: &LoginThrottle,
    email: &str,
    password: &str,
    client: Option<IpAddr>,
) -> Result<LoggedIn, Error> {
    throttle.check(email, client)?;
    let user = match proven_user(ctx, email, password).await? {
        Some(user) => user,
        None => {
            throttle.failed(email, client);
            return Err(Error::invalid(
                "password",
                "the email or password is not right",
            ));
        }
    };
    let workspace = workspaces::memberships_of(&ctx.db, &user.id)
        .await?
        .into_iter()
        .next()
        .map(|m| m.workspace)
        .ok_or_else(|| Error::invalid("email", "this account is not a member of any workspace"))?;
    Ok(LoggedIn { user, workspace })
}

/// The person whose password `password` is, if `email` names one.
async fn proven_user(ctx: &Context, email: &str, password: &str) -> Result<Option<User>, Error> {
    let Ok(email) = Email::parse("email", email) else {
        passwords::verify(password, None).await?;
        return Ok(None);
    };
    let (user, hash) = match users::find_by_email(&ctx.db, &email).await? {
        Some((user, hash)) => (Some(user), Some(hash)),
        None => (None, None),
    };
    Ok(passwords::verify(password, hash)
        .await?
        .then_some(user)
        .flatten())
}

/// The actor for a browser session, if the person is still a member of the workspace.
pub async fn session_actor(
    ctx: &Context,
    user: &UserId,
    workspace: &WorkspaceId,
) -> Result<Actor, Error> {
    Ok(session_member(ctx, user, workspace).await?.0)
}

/// The actor for a browser session and who they are (what the console header shows), if
/// the person is still a member of the workspace: one statement, as every page asks, and
/// none when the same person's page or call asked less than a second ago.
pub async fn session_member(
    ctx: &Context,
    user: &UserId,
    workspace: &WorkspaceId,
) -> Result<(Actor, Me), Error> {
    let key = (user.clone(), workspace.clone());
    if let Some(kept) = ctx.members.get(&key) {
        return Ok(kept);
    }
    let before = ctx.members.generation();
    let member = read_member(ctx, user, workspace).await?;
    ctx.members.keep(key, member.clone(), before);
    Ok(member)
}

async fn read_member(
    ctx: &Context,
    user: &UserId,
    workspace: &WorkspaceId,
) -> Result<(Actor, Me), Error> {
    let (person, memberships) = workspaces::person_with_memberships(&ctx.db, user)
        .await?
        .ok_or(Error::Unauthenticated)?;
    let current = memberships
        .iter()
        .find(|m| m.workspace.id == *workspace)
        .ok_or(Error::Unauthenticated)?;
    let me = Me {
        user: person,
        workspace: current.workspace.clone(),
        role: current.role,
        memberships,
    };
    Ok((Actor::user(workspace.clone(), user.clone(), me.role), me))
}

/// Who the actor is, for the console header and `whoami`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    /// The person (for keys: the key's owner).
    pub user: User,
    /// The current workspace.
    pub workspace: Workspace,
    /// Their role there.
    pub role: Role,
    /// Every workspace they belong to.
    pub memberships: Vec<Membership>,
}

/// Describes the actor.
pub async fn me(ctx: &Context, actor: &Actor) -> Result<Me, Error> {
    let (user, memberships) = workspaces::person_with_memberships(&ctx.db, actor.user_id())
        .await?
        .ok_or(Error::Unauthenticated)?;
    // The actor's workspace is one of the person's memberships (a key's, of its owner's)
    // unless they have just lost it, so it is looked up on its own only then.
    let workspace = match memberships
        .iter()
        .find(|m| m.workspace.id == *actor.workspace_id())
    {
        Some(m) => m.workspace.clone(),
        None => workspaces::get(&ctx.db, actor.workspace_id())
            .await?
            .ok_or(Error::Unauthenticated)?,
    };
    Ok(Me {
        user,
        workspace,
        role: actor.role(),
        memberships,
    })
}
