#!/usr/bin/env bash
# Sends one 20,000-recipient step through the release `tenex worker` to a local SMTP server
# and prints the figures. The worker is the release binary `make run` builds; the benchmark
# driver (setup, the SMTP server, the plain client) reuses the test build.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -x target/release/tenex ]] || cargo leptos build --release
RUSTFLAGS="--cfg erase_components" cargo build --no-default-features --features ssr --example send_bench
TENEX_BIN=target/release/tenex target/debug/examples/send_bench
