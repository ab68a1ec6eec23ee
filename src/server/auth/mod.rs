//! Who is asking: browser sessions, API keys, the cross-site forgery check, and the client's
//! address.

pub mod api_key;
pub mod client;
pub mod csrf;
pub mod session;
