//! Minting, listing, revoking and checking API keys.

use rand::Rng;
use rand::distributions::Alphanumeric;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::Context;
use super::event_record;
use crate::domain::Error;
use crate::domain::actor::{Actor, Scope};
use crate::domain::api_key::{
    ApiKey, KeyToken, NewApiKey, PREFIX_LEN, SECRET_LEN, check_key_management,
};
use crate::domain::change::{Action, Change};
use crate::domain::ids::ApiKeyId;
use crate::domain::pagination::{Page, PageRequest};
use crate::server::db::{api_keys, users};

/// A freshly minted key: the only time the full token exists outside the client.
#[derive(Clone)]
pub struct MintedKey {
    /// The stored key (no secret).
    pub key: ApiKey,
    /// `tnx_<prefix>_<secret>`, to show once.
    pub token: String,
}

impl std::fmt::Debug for MintedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MintedKey")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

/// Mints a key for the actor, with scopes no wider than the actor's own.
pub async fn mint(ctx: &Context, actor: &Actor, request: NewApiKey) -> Result<MintedKey, Error> {
    check_key_management(actor)?;
    request.check_grantable_by(actor)?;
    let user = users::get(&ctx.db, actor.user_id())
        .await?
        .ok_or(Error::Unauthenticated)?;
    let token = KeyToken {
        prefix: random_text(PREFIX_LEN).to_lowercase(),
        secret: random_text(SECRET_LEN),
    };
    let key = ApiKey {
        id: ApiKeyId::generate(),
        name: request.name,
        prefix: token.prefix.clone(),
        scopes: request.scopes,
        created_by: user.id.clone(),
        created_by_email: user.email.to_string(),
        created_at: ctx.now(),
        last_used_at: None,
        expires_at: request.expires_at,
        revoked_at: None,
    };
    let mut tx = ctx.db.begin().await?;
    api_keys::insert(
        &mut tx,
        actor.workspace_id(),
        &key,
        &secret_hash(&token.secret),
    )
    .await?;
    let change = Change::new(
        Action::ApiKeyMinted,
        key.id.to_string(),
        format!(
            "minted key \"{}\" (tnx_{}) with {}",
            key.name,
            key.prefix,
            key.scopes.to_stored()
        ),
    );
    event_record::record(&mut tx, actor.into(), &change, key.created_at).await?;
    tx.commit().await?;
    Ok(MintedKey {
        token: token.reveal(),
        key,
    })
}

/// Lists keys newest first: an admin sees every key of the workspace, others their own.
pub async fn list(ctx: &Context, actor: &Actor, page: &PageRequest) -> Result<Page<ApiKey>, Error> {
    check_key_management(actor)?;
    let owner = (!actor.can(Scope::Admin)).then(|| actor.user_id());
    let rows = api_keys::list(&ctx.db, actor.workspace_id(), owner, page).await?;
    Ok(Page::from_rows(rows, page))
}

/// One key, if the actor may see it (their own, or any for an admin).
pub async fn get(ctx: &Context, actor: &Actor, id: &ApiKeyId) -> Result<ApiKey, Error> {
    check_key_management(actor)?;
    let key = api_keys::get(&ctx.db, actor.workspace_id(), id)
        .await?
        .ok_or(Error::NotFound("api key"))?;
    if key.check_revocable_by(actor).is_err() {
        // Someone else's key is invisible to a non-admin, exactly like a missing one.
        return Err(Error::NotFound("api key"));
    }
    Ok(key)
}

/// Revokes a key; it stops working on the next request. Revoking twice is a conflict.
pub async fn revoke(ctx: &Context, actor: &Actor, id: &ApiKeyId) -> Result<ApiKey, Error> {
    let key = get(ctx, actor, id).await?;
    let now = ctx.now();
    let mut tx = ctx.db.begin().await?;
    if !api_keys::revoke(&mut tx, actor.workspace_id(), id, now).await? {
        return Err(Error::Conflict("this key is already revoked".into()));
    }
    let change = Change::new(
        Action::ApiKeyRevoked,
        key.id.to_string(),
        format!("revoked key \"{}\" (tnx_{})", key.name, key.prefix),
    );
    event_record::record(&mut tx, actor.into(), &change, now).await?;
    tx.commit().await?;
    ctx.credentials.forget_all();
    Ok(ApiKey {
        revoked_at: Some(now),
        ..key
    })
}

/// Turns a presented bearer token into an actor. Every failure (malformed, unknown,
/// wrong secret, revoked, expired, owner gone) is the same `Unauthenticated`.
pub async fn authenticate(ctx: &Context, presented: &str) -> Result<Actor, Error> {
    let token = KeyToken::parse(presented).ok_or(Error::Unauthenticated)?;
    let found = match ctx.credentials.get(&token.prefix) {
        Some(kept) => Some(kept),
        None => {
            let before = ctx.credentials.generation();
            let found = api_keys::find_credential(&ctx.db, &token.prefix).await?;
            if let Some(credential) = &found {
                ctx.credentials
                    .keep(token.prefix.clone(), credential.clone(), before);
            }
            found
        }
    };
    // Compare against a hash even when the prefix is unknown, so timing says nothing.
    let expected = found
        .as_ref()
        .map_or_else(|| secret_hash(""), |c| c.secret_hash.clone());
    let matches: bool = secret_hash(&token.secret)
        .as_bytes()
        .ct_eq(expected.as_bytes())
        .into();
    let credential = found.filter(|_| matches).ok_or(Error::Unauthenticated)?;
    let now = ctx.now();
    if !credential.key.is_usable(now) {
        return Err(Error::Unauthenticated);
    }
    let role = credential.owner_role.ok_or(Error::Unauthenticated)?;
    if credential.key.use_is_worth_recording(now) {
        api_keys::touch(&ctx.db, &credential.key.id, now).await?;
        ctx.credentials
            .update(&token.prefix, |c| c.key.last_used_at = Some(now));
    }
    Ok(Actor::key(
        credential.workspace_id,
        credential.key.id,
        credential.key.created_by,
        role,
        &credential.key.scopes,
    ))
}

fn random_text(len: usize) -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

/// SHA-256 of the secret, hex. A fast hash is right here: the secret has ~256 bits of
/// entropy, so there is nothing for a slow hash to protect against.
fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}
