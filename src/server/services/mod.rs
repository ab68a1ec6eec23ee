//! Use cases: one function per thing a person or client can do. The only code that touches
//! the database; every door (JSON API, server functions, CLI, workers) calls these.

pub mod accounts;
pub mod api_keys;
pub mod audit_log;
pub mod brands;
pub mod campaigns;
pub mod connectors;
pub mod contacts;
pub mod demo;
mod passwords;
pub mod segments;

use std::sync::Arc;

use super::db::Db;
use super::secrets::SecretBox;
use crate::domain::time::{Clock, Timestamp};

/// What every use case needs: the database, the clock, the key for connector secrets and
/// the HTTP client for providers.
#[derive(Clone)]
pub struct Context {
    /// The database.
    pub db: Db,
    /// Where "now" comes from.
    pub clock: Arc<dyn Clock>,
    /// Seals and opens connector secrets.
    pub secrets: SecretBox,
    /// Shared, pooled HTTP client with timeouts, for provider calls.
    pub http: reqwest::Client,
}

impl Context {
    /// A context over `db` with `clock` and the secrets key.
    pub fn new(db: Db, clock: Arc<dyn Clock>, secrets: SecretBox) -> Self {
        Self {
            db,
            clock,
            secrets,
            http: super::connectors::http_client(),
        }
    }

    /// The current instant.
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }
}
