//! Use cases: one function per thing a person or client can do. The only code that touches
//! the database; every door (JSON API, server functions, CLI, workers) calls these.

pub mod accounts;
pub mod api_keys;
pub mod audit_log;
pub mod demo;
mod passwords;

use std::sync::Arc;

use super::db::Db;
use crate::domain::time::{Clock, Timestamp};

/// What every use case needs: the database and the clock.
#[derive(Clone)]
pub struct Context {
    /// The database.
    pub db: Db,
    /// Where "now" comes from.
    pub clock: Arc<dyn Clock>,
}

impl Context {
    /// A context over `db` with `clock`.
    pub fn new(db: Db, clock: Arc<dyn Clock>) -> Self {
        Self { db, clock }
    }

    /// The current instant.
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }
}
