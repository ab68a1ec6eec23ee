//! One file per console page.

pub mod api_keys;
pub mod audit_log;
pub mod home;
pub mod login;
pub mod not_found;
pub mod section;
pub mod settings;
