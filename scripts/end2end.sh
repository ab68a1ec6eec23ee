#!/usr/bin/env bash
# Runs the Playwright tests in Debian's Chromium against the release build that `make run`
# serves, on its own port and a fresh database, and stops the server afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

port=${E2E_PORT:-3123}
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$work"' EXIT

DATABASE_URL="sqlite://$work/e2e.db" LEPTOS_SITE_ADDR="127.0.0.1:$port" TENEX_PUBLIC_URL="http://127.0.0.1:$port" \
  RUST_LOG=${RUST_LOG:-warn} ./target/release/tenex serve --demo > "$work/server.log" 2>&1 &
server=$!

up=""
for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && { up=1; break; }
  kill -0 "$server" 2>/dev/null || { cat "$work/server.log"; echo "the server exited" >&2; exit 1; }
  sleep 0.5
done
[[ -n $up ]] || { cat "$work/server.log"; echo "the server did not answer on :$port within 60 s" >&2; exit 1; }

status=0
BASE_URL="http://127.0.0.1:$port" npx playwright test --config end2end/playwright.config.ts || status=$?
if [[ $status -ne 0 ]]; then
  echo "---- server log ----"; tail -100 "$work/server.log"
fi
exit $status
