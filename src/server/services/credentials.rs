//! API key credentials, kept for a moment after they are read, so a client's burst of
//! requests costs one lookup instead of one per request. Revoking a key or changing a
//! membership in this process forgets them all at once (a lookup that raced with the change
//! is not kept); a change made by another process is seen within [`KEPT_FOR`].

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::domain::time::Timestamp;
use crate::server::db::api_keys::Credential;

/// How long a credential read from the database is trusted.
pub const KEPT_FOR: Duration = Duration::from_secs(1);

/// Keys kept at most; past this the lapsed ones go, and if that is not enough, all.
const AT_MOST: usize = 10_000;

/// The credentials of keys in use, by their public prefix.
#[derive(Default)]
pub struct Credentials {
    kept: Mutex<Kept>,
}

#[derive(Default)]
struct Kept {
    /// Moves on at every change that makes kept credentials stale.
    generation: u64,
    by_prefix: HashMap<String, (Instant, Credential)>,
}

/// Where the credentials stood before a lookup: what it finds is kept only if nothing
/// changed meanwhile.
#[derive(Debug, Clone, Copy)]
pub struct Generation(u64);

impl Credentials {
    fn kept(&self) -> std::sync::MutexGuard<'_, Kept> {
        self.kept
            .lock()
            .expect("the credential lock is never poisoned")
    }

    /// The credential of `prefix` if it was read less than [`KEPT_FOR`] ago.
    pub fn get(&self, prefix: &str) -> Option<Credential> {
        self.kept()
            .by_prefix
            .get(prefix)
            .filter(|(read, _)| read.elapsed() < KEPT_FOR)
            .map(|(_, credential)| credential.clone())
    }

    /// Call before reading a credential from the database.
    pub fn generation(&self) -> Generation {
        Generation(self.kept().generation)
    }

    /// Keeps what a lookup that started at `before` found, unless something changed since.
    pub fn keep(&self, prefix: &str, credential: Credential, before: Generation) {
        let mut kept = self.kept();
        if kept.generation != before.0 {
            return;
        }
        if kept.by_prefix.len() >= AT_MOST {
            kept.by_prefix
                .retain(|_, (read, _)| read.elapsed() < KEPT_FOR);
            if kept.by_prefix.len() >= AT_MOST {
                kept.by_prefix.clear();
            }
        }
        kept.by_prefix
            .insert(prefix.to_owned(), (Instant::now(), credential));
    }

    /// The key of `prefix` was recorded as used at `at`.
    pub fn used(&self, prefix: &str, at: Timestamp) {
        if let Some((_, credential)) = self.kept().by_prefix.get_mut(prefix) {
            credential.key.last_used_at = Some(at);
        }
    }

    /// Forgets every kept credential (a key was revoked, a membership changed).
    pub fn forget_all(&self) {
        let mut kept = self.kept();
        kept.generation += 1;
        kept.by_prefix.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::actor::{Role, ScopeSet};
    use crate::domain::api_key::ApiKey;
    use crate::domain::ids::{ApiKeyId, UserId, WorkspaceId};

    fn credential() -> Credential {
        let now = Timestamp::from_datetime(time::OffsetDateTime::UNIX_EPOCH);
        Credential {
            key: ApiKey {
                id: ApiKeyId::generate(),
                name: "agent".into(),
                prefix: "abcd".into(),
                scopes: ScopeSet::default(),
                created_by: UserId::generate(),
                created_by_email: "ada@example.test".into(),
                created_at: now,
                last_used_at: None,
                expires_at: None,
                revoked_at: None,
            },
            workspace_id: WorkspaceId::generate(),
            secret_hash: "00".into(),
            owner_role: Some(Role::Marketer),
        }
    }

    #[test]
    fn a_lookup_that_raced_with_a_change_is_not_kept() {
        let credentials = Credentials::default();
        let before = credentials.generation();
        credentials.forget_all();
        credentials.keep("abcd", credential(), before);
        assert!(credentials.get("abcd").is_none());

        credentials.keep("abcd", credential(), credentials.generation());
        assert!(credentials.get("abcd").is_some());
        credentials.forget_all();
        assert!(credentials.get("abcd").is_none(), "forgotten at once");
    }
}
