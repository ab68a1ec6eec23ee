//! Everything that runs only on the server: startup, configuration, the database, the use
//! cases, authentication, the JSON API and the command line.

pub mod api;
pub mod assets;
pub mod auth;
pub mod cli;
pub mod config;
pub mod connectors;
pub mod db;
pub mod errors;
pub mod generation;
pub mod leptos_config;
pub mod mail;
pub mod mcp;
pub mod secrets;
pub mod services;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod unsubscribe;
pub mod worker;
