//! Workspaces and memberships.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Db, Tx, get_opt_parsed, get_parsed, is_unique_violation};
use crate::domain::Error;
use crate::domain::actor::Role;
use crate::domain::ids::{UserId, WorkspaceId};
use crate::domain::time::Timestamp;
use crate::domain::user::User;
use crate::domain::workspace::{Membership, Workspace};

fn workspace(row: &AnyRow) -> Result<Workspace, Error> {
    Ok(Workspace {
        id: get_parsed(row, "id")?,
        name: row.try_get("name")?,
    })
}

/// Stores a new workspace; a taken name is a field error.
pub async fn insert(tx: &mut Tx, ws: &Workspace, at: Timestamp) -> Result<(), Error> {
    sqlx::query("insert into workspaces (id, name, name_key, created_at) values ($1, $2, $3, $4)")
        .bind(ws.id.as_str())
        .bind(&ws.name)
        .bind(ws.name.to_lowercase())
        .bind(at.to_string())
        .execute(&mut **tx)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                Error::invalid("workspace", "a workspace with this name already exists")
            } else {
                e.into()
            }
        })?;
    Ok(())
}

/// The workspace with this name, compared case-insensitively.
pub async fn find_by_name(db: &Db, name: &str) -> Result<Option<Workspace>, Error> {
    let row = sqlx::query("select id, name from workspaces where name_key = $1")
        .bind(name.trim().to_lowercase())
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(workspace).transpose()
}

/// The workspace with this id.
pub async fn get(db: &Db, id: &WorkspaceId) -> Result<Option<Workspace>, Error> {
    let row = sqlx::query("select id, name from workspaces where id = $1")
        .bind(id.as_str())
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(workspace).transpose()
}

/// How many workspaces exist (zero on a fresh installation).
pub async fn count(db: &Db) -> Result<i64, Error> {
    Ok(sqlx::query("select count(*) as n from workspaces")
        .fetch_one(db.pool())
        .await?
        .try_get("n")?)
}

/// Gives `user` `role` in `workspace`, replacing any role they had there.
pub async fn upsert_membership(
    tx: &mut Tx,
    workspace: &WorkspaceId,
    user: &UserId,
    role: Role,
    at: Timestamp,
) -> Result<(), Error> {
    sqlx::query(
        "insert into memberships (workspace_id, user_id, role, created_at) values ($1, $2, $3, $4) \
         on conflict (workspace_id, user_id) do update set role = excluded.role",
    )
    .bind(workspace.as_str())
    .bind(user.as_str())
    .bind(role.as_str())
    .bind(at.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The user's role in the workspace, if they are a member.
pub async fn role_of(
    db: &Db,
    workspace: &WorkspaceId,
    user: &UserId,
) -> Result<Option<Role>, Error> {
    let row = sqlx::query("select role from memberships where workspace_id = $1 and user_id = $2")
        .bind(workspace.as_str())
        .bind(user.as_str())
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(|r| get_parsed(r, "role")).transpose()
}

/// Every workspace the user belongs to, by name.
pub async fn memberships_of(db: &Db, user: &UserId) -> Result<Vec<Membership>, Error> {
    let rows = sqlx::query(
        "select w.id, w.name, m.role from memberships m join workspaces w on w.id = m.workspace_id \
         where m.user_id = $1 order by w.name_key, w.id",
    )
    .bind(user.as_str())
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Membership {
                workspace: workspace(r)?,
                role: get_parsed(r, "role")?,
            })
        })
        .collect()
}

/// A person and every workspace they belong to (by name), in one statement: what a
/// console page needs to know who is asking. `None` when there is no such person.
pub async fn person_with_memberships(
    db: &Db,
    user: &UserId,
) -> Result<Option<(User, Vec<Membership>)>, Error> {
    let rows = sqlx::query(
        "select u.id, u.email, u.display_name, w.id as workspace_id, w.name as workspace_name, m.role \
         from users u left join memberships m on m.user_id = u.id \
         left join workspaces w on w.id = m.workspace_id \
         where u.id = $1 order by w.name_key, w.id",
    )
    .bind(user.as_str())
    .fetch_all(db.pool())
    .await?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let person = super::users::user(first)?;
    let mut memberships = Vec::with_capacity(rows.len());
    for r in &rows {
        // The one row of a person without memberships has no workspace.
        let Some(id) = get_opt_parsed(r, "workspace_id")? else {
            continue;
        };
        memberships.push(Membership {
            workspace: Workspace {
                id,
                name: r.try_get("workspace_name")?,
            },
            role: get_parsed(r, "role")?,
        });
    }
    Ok(Some((person, memberships)))
}

/// The people who may decide approvals here (approvers and admins): "Name <email>".
pub async fn deciders(db: &Db, workspace: &WorkspaceId) -> Result<Vec<String>, Error> {
    let rows = sqlx::query(
        "select u.display_name, u.email from memberships m join users u on u.id = m.user_id \
         where m.workspace_id = $1 and m.role in ('approver', 'admin') order by u.email",
    )
    .bind(workspace.as_str())
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            let name: String = r.try_get("display_name")?;
            let email: String = r.try_get("email")?;
            Ok(format!("{name} <{email}>"))
        })
        .collect()
}
