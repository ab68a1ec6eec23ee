#!/usr/bin/env bash
# Unit tests and the API tests on SQLite and PostgreSQL (one integration-test binary).
set -euo pipefail
cd "$(dirname "$0")/.."
export TEST_POSTGRES_URL=${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}

# Each PostgreSQL test creates its own database there; say up front if that cannot work,
# because a skipped test's own message is hidden by the test runner.
if ! psql "$TEST_POSTGRES_URL" -qtAc 'select 1' >/dev/null 2>&1; then
  if [[ -n "${CI:-}" ]]; then
    echo "PostgreSQL at $TEST_POSTGRES_URL is unreachable, and CI must run the PostgreSQL tests" >&2
    exit 1
  fi
  printf '\n\033[1;33m%s\033[0m\n\n' "PostgreSQL at $TEST_POSTGRES_URL is unreachable: every PostgreSQL test below is SKIPPED"
fi
cargo test "$@"
