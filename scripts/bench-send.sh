#!/usr/bin/env bash
# Builds the release binary and the send benchmark, then sends one 20,000-recipient step
# through a real `tenex worker` to a local SMTP server and prints the figures.
set -euo pipefail
cd "$(dirname "$0")/.."
export RUSTFLAGS="--cfg erase_components"
cargo build --release --no-default-features --features ssr --bin tenex --example send_bench
TENEX_BIN=target/release/tenex target/release/examples/send_bench
