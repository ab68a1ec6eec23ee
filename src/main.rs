//! The `tenex` binary: `serve` (default), `migrate`, `admin …`, `demo`.

// glibc's allocator took a fifth of a console page's time under load (its locks and
// consolidation across the runtime's and SQLite's threads); mimalloc's thread-local heaps
// do not.
#[cfg(feature = "ssr")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(feature = "ssr")]
#[tokio::main]
async fn main() -> std::process::ExitCode {
    tenex::server::cli::run().await
}

#[cfg(not(feature = "ssr"))]
fn main() {}
