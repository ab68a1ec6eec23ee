#!/usr/bin/env bash
# Runs the Playwright tests in Debian's Chromium against the release build that `make run`
# serves, on its own port and a fresh database, and stops the server afterwards. Arguments
# go to Playwright (e.g. one spec file: scripts/end2end.sh end2end/tests/holds.spec.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/serve-release.sh
source scripts/serve-release.sh

port=${E2E_PORT:-3123}
work=$(mktemp -d)
trap 'kill "${server:-}" 2>/dev/null || true; wait "${server:-}" 2>/dev/null || true; rm -rf "$work"' EXIT

export DATABASE_URL="sqlite://$work/e2e.db" LEPTOS_SITE_ADDR="127.0.0.1:$port" \
  TENEX_PUBLIC_URL="http://127.0.0.1:$port" RUST_LOG=${RUST_LOG:-warn}
serve_release "$port" "$work/server.log" serve --demo

status=0
BASE_URL="http://127.0.0.1:$port" npx playwright test --config end2end/playwright.config.ts "$@" || status=$?
if [[ $status -ne 0 ]]; then
  echo "---- server log ----"; tail -100 "$work/server.log"
fi
exit $status
