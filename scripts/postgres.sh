#!/usr/bin/env bash
# Makes sure the local PostgreSQL that the tests use is up. Starts an installed cluster that
# is down; if PostgreSQL is not installed at all, says so loudly (the PostgreSQL half of the
# API tests then reports itself skipped, and fails instead when CI=true).
set -uo pipefail

url=${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
banner() { printf '\n\033[1;33m%s\033[0m\n\n' "$*"; }

if pg_isready -q -d "$url" 2>/dev/null; then
  exit 0
fi
if command -v pg_lsclusters >/dev/null 2>&1 && [[ -n "$(pg_lsclusters -h 2>/dev/null)" ]]; then
  read -r version cluster _ < <(pg_lsclusters -h | head -1)
  echo "[postgres] starting cluster $version/$cluster"
  pg_ctlcluster --skip-systemctl-redirect "$version" "$cluster" start || true
  for _ in $(seq 1 30); do
    pg_isready -q -d "$url" 2>/dev/null && exit 0
    sleep 1
  done
  banner "PostgreSQL did not come up at $url"
  exit 1
fi
if [[ -n "${CI:-}" ]]; then
  banner "PostgreSQL is not installed here, and CI must run the PostgreSQL tests"
  exit 1
fi
banner "PostgreSQL is not installed here: the PostgreSQL API tests will be SKIPPED (set TEST_POSTGRES_URL to run them)"
exit 0
