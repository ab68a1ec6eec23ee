//! API keys as stored: the public prefix in clear, the secret only as a hash.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Db, Tx, bind_page, get_opt_time, get_parsed, get_time, page_clause};
use crate::domain::Error;
use crate::domain::actor::{Role, ScopeSet};
use crate::domain::api_key::ApiKey;
use crate::domain::ids::{ApiKeyId, UserId, WorkspaceId};
use crate::domain::pagination::PageRequest;
use crate::domain::time::Timestamp;

/// What authentication needs to know about a presented key.
#[derive(Debug, Clone)]
pub struct Credential {
    /// The key.
    pub key: ApiKey,
    /// Its workspace.
    pub workspace_id: WorkspaceId,
    /// Hash of the secret, hex.
    pub secret_hash: String,
    /// The owner's current role there; `None` if they are no longer a member.
    pub owner_role: Option<Role>,
}

const COLUMNS: &str = "k.id, k.name, k.prefix, k.scopes, k.created_by, u.email as created_by_email, \
                       k.created_at, k.last_used_at, k.expires_at, k.revoked_at";

fn api_key(row: &AnyRow) -> Result<ApiKey, Error> {
    let scopes: String = row.try_get("scopes")?;
    Ok(ApiKey {
        id: get_parsed(row, "id")?,
        name: row.try_get("name")?,
        prefix: row.try_get("prefix")?,
        scopes: ScopeSet::from_stored(&scopes),
        created_by: get_parsed(row, "created_by")?,
        created_by_email: row.try_get("created_by_email")?,
        created_at: get_time(row, "created_at")?,
        last_used_at: get_opt_time(row, "last_used_at")?,
        expires_at: get_opt_time(row, "expires_at")?,
        revoked_at: get_opt_time(row, "revoked_at")?,
    })
}

/// Stores a newly minted key.
pub async fn insert(
    tx: &mut Tx,
    workspace: &WorkspaceId,
    key: &ApiKey,
    secret_hash: &str,
) -> Result<(), Error> {
    sqlx::query(
        "insert into api_keys (id, workspace_id, created_by, name, prefix, secret_hash, scopes, created_at, expires_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(key.id.as_str())
    .bind(workspace.as_str())
    .bind(key.created_by.as_str())
    .bind(&key.name)
    .bind(&key.prefix)
    .bind(secret_hash)
    .bind(key.scopes.to_stored())
    .bind(key.created_at.to_string())
    .bind(key.expires_at.map(|t| t.to_string()))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The key with this public prefix, in any workspace, with what authentication needs.
pub async fn find_credential(db: &Db, prefix: &str) -> Result<Option<Credential>, Error> {
    let sql = format!(
        "select {COLUMNS}, k.workspace_id, k.secret_hash, m.role as owner_role from api_keys k \
         join users u on u.id = k.created_by \
         left join memberships m on m.workspace_id = k.workspace_id and m.user_id = k.created_by \
         where k.prefix = $1"
    );
    let row = sqlx::query(&sql)
        .bind(prefix)
        .fetch_optional(db.pool())
        .await?;
    row.map(|r| {
        let role: Option<String> = r.try_get("owner_role")?;
        Ok(Credential {
            key: api_key(&r)?,
            workspace_id: get_parsed(&r, "workspace_id")?,
            secret_hash: r.try_get("secret_hash")?,
            owner_role: role.and_then(|r| r.parse().ok()),
        })
    })
    .transpose()
}

/// One page of the workspace's keys, newest first; `owner` narrows to one member's keys.
pub async fn list(
    db: &Db,
    workspace: &WorkspaceId,
    owner: Option<&UserId>,
    page: &PageRequest,
) -> Result<Vec<ApiKey>, Error> {
    let sql = format!(
        "select {COLUMNS} from api_keys k join users u on u.id = k.created_by \
         where k.workspace_id = $1 and ($2 = '' or k.created_by = $2) {}",
        page_clause("k", 3, page)
    );
    let query = sqlx::query(&sql)
        .bind(workspace.as_str())
        .bind(owner.map_or("", UserId::as_str));
    let rows = bind_page(query, page).fetch_all(db.pool()).await?;
    rows.iter().map(api_key).collect()
}

/// The key with this id in this workspace.
pub async fn get(db: &Db, workspace: &WorkspaceId, id: &ApiKeyId) -> Result<Option<ApiKey>, Error> {
    let sql = format!(
        "select {COLUMNS} from api_keys k join users u on u.id = k.created_by \
         where k.workspace_id = $1 and k.id = $2"
    );
    let row = sqlx::query(&sql)
        .bind(workspace.as_str())
        .bind(id.as_str())
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(api_key).transpose()
}

/// Marks the key revoked; `false` if it was already revoked.
pub async fn revoke(
    tx: &mut Tx,
    workspace: &WorkspaceId,
    id: &ApiKeyId,
    at: Timestamp,
) -> Result<bool, Error> {
    let done = sqlx::query(
        "update api_keys set revoked_at = $1 where workspace_id = $2 and id = $3 and revoked_at is null",
    )
    .bind(at.to_string())
    .bind(workspace.as_str())
    .bind(id.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records use of the key, at most once a minute so busy keys do not write on every call.
pub async fn touch(db: &Db, id: &ApiKeyId, at: Timestamp) -> Result<(), Error> {
    let stale_before = at.plus(time::Duration::minutes(-1));
    sqlx::query("update api_keys set last_used_at = $1 where id = $2 and (last_used_at is null or last_used_at < $3)")
        .bind(at.to_string())
        .bind(id.as_str())
        .bind(stale_before.to_string())
        .execute(db.pool())
        .await?;
    Ok(())
}
