//! argon2id password hashing, off the async threads (it is deliberately slow).

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use crate::domain::Error;
use crate::domain::user::Password;

/// Hashes a password with argon2id and a fresh salt (PHC string).
pub async fn hash(password: &Password) -> Result<String, Error> {
    let clear = password.expose().to_owned();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(clear.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| Error::internal(std::io::Error::other(e.to_string())))
    })
    .await
    .map_err(Error::internal)?
}

/// True when `clear` matches the stored PHC hash. With no stored hash it still does the
/// work of one verification, so a login for an unknown email takes as long as a wrong one.
pub async fn verify(clear: &str, stored: Option<String>) -> Result<bool, Error> {
    let clear = clear.to_owned();
    tokio::task::spawn_blocking(move || {
        let stored = stored.unwrap_or_else(|| DUMMY_HASH.to_owned());
        let Ok(parsed) = PasswordHash::new(&stored) else {
            return false;
        };
        Argon2::default()
            .verify_password(clear.as_bytes(), &parsed)
            .is_ok()
            && stored != DUMMY_HASH
    })
    .await
    .map_err(Error::internal)
}

// The hash of a random password nobody knows, with the default parameters.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0tVi1dR0tqDqiLzE1hD4cOqHf6Lc6G2lP8Ryc8x1cCk";

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let p = Password::parse("correct horse battery").unwrap();
        let h = hash(&p).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(
            verify("correct horse battery", Some(h.clone()))
                .await
                .unwrap()
        );
        assert!(!verify("wrong horse battery", Some(h)).await.unwrap());
        assert!(!verify("anything", None).await.unwrap());
    }
}
