//! The API and console tests: the real router and a fresh database per test, on SQLite and
//! on PostgreSQL. One binary, because linking is the slow part.

#![cfg(feature = "ssr")]

mod support;

mod ad_campaigns;
mod ad_creatives;
mod ad_platforms;
mod api_keys;
mod approved;
mod blog_drafts;
mod brands;
mod campaigns;
mod cli;
mod cms;
mod connectors;
mod console;
mod conventions;
mod crash;
mod crm;
mod fake_smtp;
mod faulty_http;
mod follow_ups;
mod generation;
mod holds;
mod jobs;
mod login;
mod mcp;
mod paging;
mod publishing;
mod redaction;
mod rollups;
mod sending;
mod sequences;
mod settings;
mod smtp_sink;
mod templates;
mod uncertain;
mod webhooks;
mod world;
