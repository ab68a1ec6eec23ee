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
# What each page makes the browser download before it is interactive: the main wasm and the
# chunks of lazily loaded code the server names in the page's <head> (`rel="preload"`).
import urllib.parse
login = urllib.parse.urlencode({"email": "admin@demo.tenex.test", "password": "tenex-demo-2026"})
conn.request("POST", "/rpc/login", body=login, headers={
    "Content-Type": "application/x-www-form-urlencoded", "Origin": f"http://127.0.0.1:{port}"})
r = conn.getresponse(); r.read()
cookie = next((c.split(";")[0] for c in r.headers.get_all("Set-Cookie") or [] if c.startswith("tenex_session=")), None)
if not cookie:
    sys.exit(f"login refused: {r.status}")

def html_of(path):
    conn.request("GET", path, headers={"Cookie": cookie, "Accept-Encoding": "identity"})
    r = conn.getresponse()
    return r.read().decode()

brotli = {}
def br_size(path):
    if path not in brotli:
        brotli[path] = len(get(path, "br")[2])
    return brotli[path]

pages = ["/login", "/", "/campaigns", "/approvals", "/email", "/email/new", "/ads/creatives",
         "/ads/campaigns/new", "/blog", "/crm", "/crm/segments/new", "/settings", "/settings/connectors",
         "/settings/webhooks"]
for listing, pattern in [("/email", r'/email/sequences/seq_[a-z0-9]{26}'),
                         ("/blog", r'/blog/drafts/drf_[a-z0-9]{26}'),
                         ("/ads/creatives", r'/ads/creatives/cre_[a-z0-9]{26}'),
                         ("/campaigns", r'/campaigns/cmp_[a-z0-9]{26}')]:
    found = re.findall(pattern, html_of(listing))
    if found:
        pages.append(found[0])

print("\nwasm before each page is interactive (brotli; the main file + the chunks of the page's area):")
worst = (0, "")
for path in pages:
    # leptos 0.8 leaves the chunks' preload links out of some renders of a lazily loaded page
    # (the browser then fetches them when hydration reaches the route): ask a few times.
    wasm = []
    for _ in range(8):
        html = html_of(path) if path != "/login" else get("/login")[2].decode()
        wasm = max(wasm, list(dict.fromkeys(re.findall(r'/pkg/[A-Za-z0-9_.\-]+\.wasm', html))), key=len)
        if len(wasm) > 1:
            break
    sizes = [br_size(w) for w in wasm]
    total = sum(sizes)
    worst = max(worst, (total, path))
    print(f"  {path}: {total:,} B in {len(wasm)} file(s) (main {sizes[0]:,} + chunks {total - sizes[0]:,})")
print(f"  largest: {worst[1]} {worst[0]:,} B brotli")
PY
