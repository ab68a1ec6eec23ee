#!/usr/bin/env bash
# Schemathesis against the release server: every operation of the OpenAPI document, with an
# admin key of the demo workspace and one of a second workspace, checking that nothing is a
# server error and that every status, content type and body is the one documented.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/serve-release.sh
source scripts/serve-release.sh

port=${FUZZ_PORT:-3124}
st=${SCHEMATHESIS:-.tools/venv/bin/st}
work=$(mktemp -d)
trap 'kill "${server:-}" 2>/dev/null || true; wait "${server:-}" 2>/dev/null || true; rm -rf "$work"' EXIT

export DATABASE_URL="sqlite://$work/fuzz.db" LEPTOS_SITE_ADDR="127.0.0.1:$port" \
  TENEX_PUBLIC_URL="http://127.0.0.1:$port" TENEX_RATE_LIMIT_PER_MINUTE=1000000 \
  TENEX_WORKER_IN_SERVE=false RUST_LOG=${RUST_LOG:-error}
bin=./target/release/tenex
scopes=admin,marketing:read,marketing:write,marketing:approve,crm:read,crm:write

$bin demo >/dev/null
$bin admin create-user --workspace "Second Workspace" --email owner@second.test \
  --password 'second-workspace-pw' --role admin >/dev/null
demo_key=$($bin admin create-key --workspace "Tenex Demo" --user admin@demo.tenex.test --name fuzz --scopes $scopes)
second_key=$($bin admin create-key --workspace "Second Workspace" --user owner@second.test --name fuzz --scopes $scopes)

serve_release "$port" "$work/server.log" serve

status=0
for key in "$demo_key" "$second_key"; do
  "$st" --no-color run "http://127.0.0.1:$port/api/v1/openapi.json" \
    --header "Authorization: Bearer $key" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --phases examples,coverage,fuzzing \
    --max-examples "${FUZZ_EXAMPLES:-25}" \
    --seed 20261201 \
    --workers 1 \
    --generation-database none || status=$?
done
if [[ $status -ne 0 ]]; then
  echo "---- server log ----"; tail -50 "$work/server.log"
fi
exit $status
