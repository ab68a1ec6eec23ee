//! argon2id password hashing, off the async threads (it is deliberately slow), a few at a
//! time: a flood of logins waits its turn instead of taking every core and the blocking pool.

use std::sync::LazyLock;
use std::time::Duration;

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use tokio::sync::Semaphore;

use crate::domain::Error;
use crate::domain::user::Password;

/// One hash at a time per core, process-wide.
static HASHERS: LazyLock<Semaphore> = LazyLock::new(|| {
    Semaphore::new(std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get))
});

/// How long a hash may wait for its turn before the caller is told to come back later.
const QUEUE_WAIT: Duration = Duration::from_secs(10);

/// Runs `work` on the blocking pool once a hasher is free.
async fn hashing<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, Error> {
    let _turn = tokio::time::timeout(QUEUE_WAIT, HASHERS.acquire())
        .await
        .map_err(|_| Error::RateLimited {
            retry_after_secs: QUEUE_WAIT.as_secs(),
        })?
        .map_err(Error::internal)?;
    tokio::task::spawn_blocking(move || {
        #[cfg(test)]
        let _running = tests::Running::start();
        work()
    })
    .await
    .map_err(Error::internal)
}

/// Hashes a password with argon2id and a fresh salt (PHC string).
pub async fn hash(password: &Password) -> Result<String, Error> {
    let clear = password.expose().to_owned();
    hashing(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(clear.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| Error::internal(std::io::Error::other(e.to_string())))
    })
    .await?
}

/// True when `clear` matches the stored PHC hash. With no stored hash it still does the
/// work of one verification, so a login for an unknown email takes as long as a wrong one.
pub async fn verify(clear: &str, stored: Option<String>) -> Result<bool, Error> {
    let clear = clear.to_owned();
    hashing(move || {
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
}

// The hash of a random password nobody knows, with the default parameters.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0tVi1dR0tqDqiLzE1hD4cOqHf6Lc6G2lP8Ryc8x1cCk";

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    static RUNNING: AtomicUsize = AtomicUsize::new(0);
    static MOST: AtomicUsize = AtomicUsize::new(0);

    /// Counts the hashes running at once, for as long as it lives.
    pub(super) struct Running;

    impl Running {
        pub(super) fn start() -> Self {
            let now = RUNNING.fetch_add(1, Ordering::SeqCst) + 1;
            MOST.fetch_max(now, Ordering::SeqCst);
            Self
        }
    }

    impl Drop for Running {
        fn drop(&mut self) {
            RUNNING.fetch_sub(1, Ordering::SeqCst);
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_flood_of_logins_computes_no_more_hashes_at_once_than_there_are_cores() {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        let flood: Vec<_> = (0..cores * 4 + 4)
            .map(|_| tokio::spawn(verify("guess", None)))
            .collect();
        for login in flood {
            assert!(!login.await.unwrap().unwrap());
        }
        let most = MOST.load(Ordering::SeqCst);
        assert!(
            (1..=cores).contains(&most),
            "{most} at once on {cores} cores"
        );
    }

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
