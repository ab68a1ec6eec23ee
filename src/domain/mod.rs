//! The product's pure core: parsing, rules and state, with no I/O.
//!
//! Nothing here knows about HTTP, SQL, Leptos or tokio; it compiles for the browser too,
//! so the same `parse` that guards the API gives instant feedback in a form.

pub mod actor;
pub mod ad_campaign;
pub mod ad_creative;
pub mod ad_platform;
pub mod api_key;
pub mod approval;
pub mod audit;
pub mod blog;
pub mod brand;
pub mod campaign;
pub mod change;
pub mod connector;
pub mod contact;
pub mod delivery;
pub mod enrollment;
pub mod error;
pub mod event;
pub mod form;
pub mod generate;
pub mod ids;
pub mod inbound;
pub mod job;
#[cfg(feature = "ssr")]
pub mod markdown;
pub mod message;
pub mod money;
pub mod outbox;
pub mod pagination;
#[cfg(feature = "ssr")]
pub mod portable_text;
pub mod publish;
pub mod rollup;
#[cfg(feature = "ssr")]
pub mod schedule;
pub mod secret;
pub mod segment;
pub mod sequence;
pub mod suppression;
#[cfg(feature = "ssr")]
pub mod template;
pub mod text;
pub mod time;
pub mod user;
pub mod webhook;
pub mod wire;
pub mod workspace;

pub use error::{Error, FieldError};
