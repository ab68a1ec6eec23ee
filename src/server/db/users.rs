//! People who can log in.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Db, Tx, get_parsed, is_unique_violation};
use crate::domain::Error;
use crate::domain::ids::UserId;
use crate::domain::time::Timestamp;
use crate::domain::user::{Email, User};

pub(super) fn user(row: &AnyRow) -> Result<User, Error> {
    let email: String = row.try_get("email")?;
    Ok(User {
        id: get_parsed(row, "id")?,
        email: Email::parse("email", &email)
            .map_err(|_| Error::internal(std::io::Error::other("stored email unreadable")))?,
        display_name: row.try_get("display_name")?,
    })
}

/// Stores a new user; a taken email is a field error.
pub async fn insert(
    tx: &mut Tx,
    user: &User,
    password_hash: &str,
    at: Timestamp,
) -> Result<(), Error> {
    sqlx::query(
        "insert into users (id, email, display_name, password_hash, created_at) values ($1, $2, $3, $4, $5)",
    )
    .bind(user.id.as_str())
    .bind(user.email.as_str())
    .bind(&user.display_name)
    .bind(password_hash)
    .bind(at.to_string())
    .execute(&mut **tx)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            Error::invalid("email", "a user with this email already exists")
        } else {
            e.into()
        }
    })?;
    Ok(())
}

/// Replaces a user's password hash.
pub async fn set_password_hash(tx: &mut Tx, user: &UserId, hash: &str) -> Result<(), Error> {
    sqlx::query("update users set password_hash = $1 where id = $2")
        .bind(hash)
        .bind(user.as_str())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The user with this email, with their password hash, for logging in.
pub async fn find_by_email(db: &Db, email: &Email) -> Result<Option<(User, String)>, Error> {
    let row =
        sqlx::query("select id, email, display_name, password_hash from users where email = $1")
            .bind(email.as_str())
            .fetch_optional(db.pool())
            .await?;
    row.map(|r| Ok((user(&r)?, r.try_get("password_hash")?)))
        .transpose()
}

/// The user with this id.
pub async fn get(db: &Db, id: &UserId) -> Result<Option<User>, Error> {
    let row = sqlx::query("select id, email, display_name from users where id = $1")
        .bind(id.as_str())
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(user).transpose()
}
