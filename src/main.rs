//! The `tenex` binary: `serve` (default), `migrate`, `admin …`, `demo`.

#[cfg(feature = "ssr")]
#[tokio::main]
async fn main() -> std::process::ExitCode {
    tenex::server::cli::run().await
}

#[cfg(not(feature = "ssr"))]
fn main() {}
