//! What every request handler can reach.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::FromRef;
use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use leptos::config::LeptosOptions;

use super::config::Settings;
use super::services::Context;
use crate::domain::Error;

/// Shared state of the web server.
#[derive(Clone, FromRef)]
pub struct AppState {
    /// The use cases' context (database, clock).
    pub ctx: Context,
    /// Settings read at start.
    pub settings: Arc<Settings>,
    /// Requests per minute per API key.
    pub key_limiter: Arc<KeyLimiter>,
    /// Leptos runtime options.
    pub leptos_options: LeptosOptions,
}

/// A per-key request budget (GCRA: a steady refill, bursts up to the per-minute quota).
pub struct KeyLimiter {
    limiter: DefaultKeyedRateLimiter<String>,
    clock: DefaultClock,
}

impl KeyLimiter {
    /// Allows `per_minute` requests per minute for each key.
    pub fn per_minute(per_minute: u32) -> Self {
        let n = NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN);
        Self {
            limiter: RateLimiter::keyed(Quota::per_minute(n)),
            clock: DefaultClock::default(),
        }
    }

    /// Takes one request from `key`'s budget, or says how long to wait.
    pub fn check(&self, key: &str) -> Result<(), Error> {
        self.limiter
            .check_key(&key.to_owned())
            .map_err(|not_until| {
                let wait: Duration = not_until.wait_time_from(self.clock.now());
                Error::RateLimited {
                    retry_after_secs: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
                }
            })
    }

    /// Forgets keys whose budget is full again, so memory stays bounded.
    pub fn prune(&self) {
        self.limiter.retain_recent();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_over_its_budget_is_told_when_to_retry_and_others_are_unaffected() {
        let limiter = KeyLimiter::per_minute(2);
        assert!(limiter.check("a").is_ok());
        assert!(limiter.check("a").is_ok());
        match limiter.check("a") {
            Err(Error::RateLimited { retry_after_secs }) => {
                assert!((1..=60).contains(&retry_after_secs))
            }
            other => panic!("expected rate limited, got {other:?}"),
        }
        assert!(limiter.check("b").is_ok());
    }
}
