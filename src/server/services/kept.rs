//! What was read from the database a moment ago, kept so a burst of requests costs one
//! lookup instead of one per request: API key credentials, a session's person and
//! memberships, session records. A change in this process forgets what it touches at once
//! (a lookup that raced with the change is not kept); a change made by another process is
//! seen within [`KEPT_FOR`].

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::domain::actor::Actor;
use crate::domain::ids::{UserId, WorkspaceId};
use crate::server::db::api_keys::Credential;

use super::accounts::Me;

/// How long a value read from the database is trusted.
pub const KEPT_FOR: Duration = Duration::from_secs(1);

/// Values kept at most; past this the lapsed ones go, and if that is not enough, all.
const AT_MOST: usize = 10_000;

/// API key credentials by their public prefix.
pub type Credentials = Kept<String, Credential>;

/// A session's actor and who they are, by person and workspace.
pub type Members = Kept<(UserId, WorkspaceId), (Actor, Me)>;

/// Values read less than [`KEPT_FOR`] ago, by key.
pub struct Kept<K, V> {
    inner: Mutex<Inner<K, V>>,
}

struct Inner<K, V> {
    /// Moves on at every change that makes kept values stale.
    generation: u64,
    by_key: HashMap<K, (Instant, V)>,
}

impl<K, V> Default for Kept<K, V> {
    fn default() -> Self {
        Self {
            inner: Mutex::new(Inner {
                generation: 0,
                by_key: HashMap::new(),
            }),
        }
    }
}

impl<K, V> std::fmt::Debug for Kept<K, V> {
    // What is kept is credentials and sessions: never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kept").finish_non_exhaustive()
    }
}

/// Where the kept values stood before a lookup: what it finds is kept only if nothing
/// changed meanwhile.
#[derive(Debug, Clone, Copy)]
pub struct Generation(u64);

impl<K: Eq + Hash, V: Clone> Kept<K, V> {
    fn inner(&self) -> std::sync::MutexGuard<'_, Inner<K, V>> {
        self.inner
            .lock()
            .expect("the kept values' lock is never poisoned")
    }

    /// The value of `key` if it was read less than [`KEPT_FOR`] ago.
    pub fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        self.inner()
            .by_key
            .get(key)
            .filter(|(read, _)| read.elapsed() < KEPT_FOR)
            .map(|(_, value)| value.clone())
    }

    /// Call before reading a value from the database.
    pub fn generation(&self) -> Generation {
        Generation(self.inner().generation)
    }

    /// Keeps what a lookup that started at `before` found, unless something changed since.
    pub fn keep(&self, key: K, value: V, before: Generation) {
        let mut inner = self.inner();
        if inner.generation != before.0 {
            return;
        }
        if inner.by_key.len() >= AT_MOST {
            inner
                .by_key
                .retain(|_, (read, _)| read.elapsed() < KEPT_FOR);
            if inner.by_key.len() >= AT_MOST {
                inner.by_key.clear();
            }
        }
        inner.by_key.insert(key, (Instant::now(), value));
    }

    /// Changes the kept value of `key`, if there is one, the way the database was changed.
    pub fn update<Q>(&self, key: &Q, change: impl FnOnce(&mut V))
    where
        K: std::borrow::Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        if let Some((_, value)) = self.inner().by_key.get_mut(key) {
            change(value);
        }
    }

    /// Forgets the value of `key` (and keeps nothing a lookup under way finds).
    pub fn forget<Q>(&self, key: &Q)
    where
        K: std::borrow::Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        let mut inner = self.inner();
        inner.generation += 1;
        inner.by_key.remove(key);
    }

    /// Forgets every kept value (a key was revoked, a membership changed).
    pub fn forget_all(&self) {
        let mut inner = self.inner();
        inner.generation += 1;
        inner.by_key.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lookup_that_raced_with_a_change_is_not_kept() {
        let kept: Kept<String, u32> = Kept::default();
        let before = kept.generation();
        kept.forget_all();
        kept.keep("abcd".into(), 1, before);
        assert_eq!(kept.get("abcd"), None);

        kept.keep("abcd".into(), 1, kept.generation());
        assert_eq!(kept.get("abcd"), Some(1));
        kept.forget_all();
        assert_eq!(kept.get("abcd"), None, "forgotten at once");
    }

    #[test]
    fn a_forgotten_key_is_gone_and_a_racing_lookup_of_it_is_not_kept() {
        let kept: Kept<String, u32> = Kept::default();
        kept.keep("a".into(), 1, kept.generation());
        kept.keep("b".into(), 2, kept.generation());
        let before = kept.generation();
        kept.forget("a");
        assert_eq!(kept.get("a"), None);
        assert_eq!(kept.get("b"), Some(2), "the others stay");
        kept.keep("a".into(), 1, before);
        assert_eq!(kept.get("a"), None, "read before it was forgotten");
    }

    #[test]
    fn an_update_changes_only_a_kept_value() {
        let kept: Kept<String, u32> = Kept::default();
        kept.update("a", |v| *v = 5);
        assert_eq!(kept.get("a"), None);
        kept.keep("a".into(), 1, kept.generation());
        kept.update("a", |v| *v += 1);
        assert_eq!(kept.get("a"), Some(2));
    }
}
