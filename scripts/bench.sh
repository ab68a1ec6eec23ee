#!/usr/bin/env bash
# `make bench` (not part of `make test`): builds the release server and the bench drivers,
# installs the load generator, and prints every figure BENCHMARKS.md records, on SQLite and
# PostgreSQL side by side. Takes 20–40 minutes on 2 cores; the machine should be otherwise
# idle. Sizes and durations can be lowered for a quick look:
#   BENCH_AUDIENCES=5000,20000 BENCH_SCHEDULE=50000 BENCH_SECONDS=3 SEND_RECIPIENTS=2000 make bench
set -euo pipefail
cd "$(dirname "$0")/.."

OHA_VERSION=1.16.0
if [[ "$(oha --version 2>/dev/null || true)" != *"$OHA_VERSION"* ]]; then
  echo "[bench] installing oha $OHA_VERSION (the HTTP load generator)"
  cargo install oha --version "$OHA_VERSION" --locked
fi

cargo leptos build --release --split
node scripts/precompress.mjs target/site
scripts/postgres.sh
# The same cfg as the release server, so its dependencies are shared.
RUSTFLAGS="--cfg erase_components" cargo build --release --no-default-features --features ssr \
  --example bench_suite --example send_bench

echo "== machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
echo "== the campaigns list, the console page, paging, previews, approvals, scheduling"
TENEX_BIN=target/release/tenex target/release/examples/bench_suite

echo
echo "== sending: the worker against a plain pooled SMTP client, into the same local sink"
TENEX_BIN=target/release/tenex target/release/examples/send_bench

echo
echo "== on the wire: keep-alive stalls, compressed assets, and the wasm before a page is interactive"
scripts/bench-wire.sh
