#!/usr/bin/env bash
# Unit tests and the API tests on SQLite and PostgreSQL (one integration-test binary).
set -euo pipefail
cd "$(dirname "$0")/.."
export TEST_POSTGRES_URL=${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
cargo test "$@"
