#!/usr/bin/env bash
# What a browser pays on the wire, measured against the release server (`make run`'s
# build): ten static requests on one keep-alive connection, the first-load assets' sizes by
# encoding with their cache headers, and a page compressed or not. Prints figures; fails
# on nothing.
#   scripts/bench-wire.sh            (after `cargo leptos build --release` + precompress)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/serve-release.sh
source scripts/serve-release.sh

port=${BENCH_PORT:-3126}
work=$(mktemp -d)
trap 'kill "${server:-}" 2>/dev/null || true; wait "${server:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
export DATABASE_URL="sqlite://$work/bench.db" LEPTOS_SITE_ADDR="127.0.0.1:$port" \
  TENEX_PUBLIC_URL="http://127.0.0.1:$port" RUST_LOG=${RUST_LOG:-error}
serve_release "$port" "$work/server.log" serve --demo

python3 - "$port" <<'PY'
import http.client, re, sys, time

port = int(sys.argv[1])
conn = http.client.HTTPConnection("127.0.0.1", port)

def get(path, encoding=None):
    headers = {"Accept-Encoding": encoding} if encoding else {}
    start = time.perf_counter()
    conn.request("GET", path, headers=headers)
    r = conn.getresponse()
    body = r.read()
    return (time.perf_counter() - start) * 1000, r, body

_, r, page = get("/login")
html = page.decode()
assets = sorted(set(re.findall(r'/pkg/[A-Za-z0-9_.\-]+\.(?:css|js|wasm)', html)))
print(f"first-load assets named by /login: {', '.join(assets)}")

print("\n10 requests on one keep-alive connection (ms):")
for path in [a for a in assets if a.endswith(".css")][:1] + ["/healthz"]:
    times = [get(path, "br")[0] for _ in range(10)]
    print(f"  {path}: " + " ".join(f"{t:.1f}" for t in times) + f"  (max {max(times):.1f})")

print("\nbytes on the wire by Accept-Encoding:")
for path in assets:
    row = []
    for enc in [None, "gzip", "br"]:
        _, r, body = get(path, enc)
        row.append(f"{enc or 'identity'} {len(body):,}")
        cache, vary = r.getheader("Cache-Control"), r.getheader("Vary")
    print(f"  {path}: " + ", ".join(row) + f"  [Cache-Control: {cache}; Vary: {vary}]")
for path in ["/login", "/api/v1/openapi.json"]:
    plain = len(get(path)[2])
    _, r, body = get(path, "br, gzip")
    print(f"  {path}: identity {plain:,}, {r.getheader('Content-Encoding')} {len(body):,}  [Cache-Control: {r.getheader('Cache-Control')}]")
PY
