//! The tools, by channel. Each calls the same services as the JSON routes and answers with
//! the same JSON.

mod ads;
mod blog;
mod email;
mod workspace;
