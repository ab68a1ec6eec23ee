//! The API and console tests: the real router and a fresh database per test, on SQLite and
//! on PostgreSQL. One binary, because linking is the slow part.

#![cfg(feature = "ssr")]

mod support;

mod api_keys;
mod cli;
mod console;
mod conventions;
