//! Who is asking: browser sessions, API keys, and the cross-site forgery check.

pub mod api_key;
pub mod csrf;
pub mod session;
