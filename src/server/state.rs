//! What every request handler can reach.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

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
    /// Failed logins per account and per client address.
    pub logins: Arc<LoginThrottle>,
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
            .map_err(|not_until| rate_limited(not_until.wait_time_from(self.clock.now())))
    }

    /// Forgets keys whose budget is full again, so memory stays bounded.
    pub fn prune(&self) {
        self.limiter.retain_recent();
    }
}

fn rate_limited(wait: Duration) -> Error {
    Error::RateLimited {
        retry_after_secs: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
    }
}

/// The window the login failure budgets refill over.
const LOGIN_WINDOW: Duration = Duration::from_secs(15 * 60);

/// Failed logins per account and per client address. Each has a budget of failures per 15
/// minutes (GCRA: a burst, then a steady refill); once a failure finds it spent, every login
/// for that account or from that address is refused, without checking the password, until
/// the next failure would fit again.
pub struct LoginThrottle {
    accounts: FailureBudget<String>,
    addresses: FailureBudget<IpAddr>,
}

impl LoginThrottle {
    /// Allows `per_account` failures per account and `per_address` per client address in
    /// every 15 minutes.
    pub fn new(per_account: u32, per_address: u32) -> Self {
        Self {
            accounts: FailureBudget::per_window(per_account),
            addresses: FailureBudget::per_window(per_address),
        }
    }

    /// Whether a login for `account` (the email as typed) from `client` may be tried now.
    pub fn check(&self, account: &str, client: Option<IpAddr>) -> Result<(), Error> {
        self.accounts.check(&account_key(account))?;
        client.map_or(Ok(()), |ip| self.addresses.check(&ip))
    }

    /// Records a failed login for `account` from `client`.
    pub fn failed(&self, account: &str, client: Option<IpAddr>) {
        self.accounts.failed(account_key(account));
        if let Some(ip) = client {
            self.addresses.failed(ip);
        }
    }

    /// Forgets accounts and addresses whose budget is full again, so memory stays bounded.
    pub fn prune(&self) {
        self.accounts.prune();
        self.addresses.prune();
    }
}

fn account_key(email: &str) -> String {
    email.trim().to_lowercase()
}

struct FailureBudget<K: Hash + Eq + Clone> {
    limiter: DefaultKeyedRateLimiter<K>,
    clock: DefaultClock,
    refused_until: Mutex<HashMap<K, Instant>>,
}

impl<K: Hash + Eq + Clone> FailureBudget<K> {
    fn per_window(failures: u32) -> Self {
        let burst = NonZeroU32::new(failures).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::with_period(LOGIN_WINDOW / burst.get())
            .expect("a non-zero period")
            .allow_burst(burst);
        Self {
            limiter: RateLimiter::keyed(quota),
            clock: DefaultClock::default(),
            refused_until: Mutex::new(HashMap::new()),
        }
    }

    fn check(&self, key: &K) -> Result<(), Error> {
        let refused = self.refused_until.lock().expect("not poisoned");
        match refused.get(key) {
            Some(until) if *until > Instant::now() => {
                Err(rate_limited(until.duration_since(Instant::now())))
            }
            _ => Ok(()),
        }
    }

    fn failed(&self, key: K) {
        if let Err(not_until) = self.limiter.check_key(&key) {
            let wait = not_until.wait_time_from(self.clock.now());
            self.refused_until
                .lock()
                .expect("not poisoned")
                .insert(key, Instant::now() + wait);
        }
    }

    fn prune(&self) {
        self.limiter.retain_recent();
        let now = Instant::now();
        self.refused_until
            .lock()
            .expect("not poisoned")
            .retain(|_, until| *until > now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_logins_close_an_account_and_an_address_separately() {
        let throttle = LoginThrottle::new(3, 5);
        let here: IpAddr = [10, 0, 0, 1].into();
        for _ in 0..4 {
            assert!(throttle.check("Ana@Acme.test", Some(here)).is_ok());
            throttle.failed("Ana@Acme.test", Some(here));
        }
        match throttle.check(" ana@acme.test", None) {
            Err(Error::RateLimited { retry_after_secs }) => {
                assert!((1..=300).contains(&retry_after_secs), "{retry_after_secs}")
            }
            other => panic!("expected rate limited, got {other:?}"),
        }
        assert!(throttle.check("bo@acme.test", Some(here)).is_ok());
        for n in 0..2 {
            throttle.failed(&format!("guess{n}@acme.test"), Some(here));
        }
        assert!(throttle.check("bo@acme.test", Some(here)).is_err());
        assert!(throttle.check("bo@acme.test", None).is_ok());
        assert!(
            throttle
                .check("bo@acme.test", Some([10, 0, 0, 2].into()))
                .is_ok()
        );
    }

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
