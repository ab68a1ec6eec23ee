//! Use cases: one function per thing a person or client can do. The only code that touches
//! the database; every door (JSON API, server functions, CLI, workers) calls these.

pub mod accounts;
pub mod ad_campaigns;
pub mod ad_creatives;
mod ad_jobs;
pub mod api_keys;
pub mod approvals;
pub mod audit_log;
pub mod blog_drafts;
pub mod brands;
pub mod campaigns;
pub mod connectors;
pub mod contacts;
pub mod decisions;
pub mod demo;
pub mod event_record;
pub mod events;
pub mod gate;
pub mod holds;
pub mod jobs;
pub mod kept;
mod passwords;
pub mod publishing;
pub mod rollups;
pub mod runs;
pub mod segments;
pub mod sending;
pub mod sequences;
pub mod settings;
pub mod suppressions;
pub mod unsubscribes;
pub mod webhook_deliveries;
pub mod webhooks;

use std::sync::Arc;

use super::db::Db;
use super::generation::Generator;
use super::secrets::SecretBox;
use crate::domain::time::{Clock, Timestamp};

/// What every use case needs: the database, the clock, the key for connector secrets, the
/// HTTP client for providers and the generator.
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
    /// Who writes generated copy.
    pub generator: Generator,
    /// API key credentials read a moment ago.
    pub credentials: Arc<kept::Credentials>,
    /// Sessions' people and memberships read a moment ago.
    pub members: Arc<kept::Members>,
}

impl Context {
    /// A context over `db` with `clock` and the secrets key.
    pub fn new(db: Db, clock: Arc<dyn Clock>, secrets: SecretBox) -> Self {
        Self {
            db,
            clock,
            secrets,
            http: super::connectors::http_client(),
            generator: Generator::Builtin,
            credentials: Arc::default(),
            members: Arc::default(),
        }
    }

    /// The same context with copy written by `generator`.
    pub fn with_generator(mut self, generator: Generator) -> Self {
        self.generator = generator;
        self
    }

    /// The current instant.
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }
}
