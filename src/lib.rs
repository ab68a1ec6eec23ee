//! Tenex Marketing: the marketing module of a go-to-market platform, as one program.
//!
//! `domain` is the pure core, `app` the Leptos console (server-rendered, hydrated in the
//! browser), `server` everything that runs only on the server.

// The console's larger pages have deeply nested view types.
#![recursion_limit = "256"]

pub mod app;
pub mod domain;
#[cfg(feature = "ssr")]
pub mod server;

/// The browser entry point: hydrates the server-rendered console once the chunks of the
/// page it shows are loaded (`app::routes`).
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_lazy(app::App);
}
