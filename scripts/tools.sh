#!/usr/bin/env bash
# Installs what the build or the browser tests need, skipping whatever is already present.
#   scripts/tools.sh build     wasm32 target, cargo-leptos, wasm-bindgen-cli, npm packages
#   scripts/tools.sh browser   Debian's chromium for Playwright (browsers cannot be downloaded)
set -euo pipefail
cd "$(dirname "$0")/.."

# cargo-leptos 0.3.11 needs rustc >= 1.96; 0.3.10 builds on 1.95.
CARGO_LEPTOS_VERSION=0.3.10

say() { printf '\033[1m[tools]\033[0m %s\n' "$*"; }

build_tools() {
  if ! rustup target list --installed | grep -q '^wasm32-unknown-unknown$'; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi

  if [[ "$(cargo leptos --version 2>/dev/null || true)" != *"$CARGO_LEPTOS_VERSION"* ]]; then
    say "installing cargo-leptos $CARGO_LEPTOS_VERSION (takes ~15 minutes on 2 cores)"
    cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked
  fi

  # wasm-bindgen-cli must be exactly the wasm-bindgen version in Cargo.lock.
  local want
  want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
  if [[ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $want" ]]; then
    say "installing wasm-bindgen-cli $want"
    # Not --locked: the locked webpki-roots of that release is not on this registry.
    cargo install wasm-bindgen-cli --version "$want" --force
  fi

  # Tailwind, wasm-opt (npm binaryen: Debian's breaks hydration), Playwright, Swagger UI.
  if [[ ! -d node_modules ]] || ! cmp -s package-lock.json node_modules/.package-lock.json; then
    say "installing npm packages from package-lock.json"
    npm ci --no-audit --no-fund
  fi

  # The API reference page serves Swagger UI from our own site, never from a CDN.
  local vendor=public/vendor/swagger-ui
  if [[ ! -f $vendor/swagger-ui-bundle.js ]] || ! cmp -s node_modules/swagger-ui-dist/swagger-ui-bundle.js $vendor/swagger-ui-bundle.js; then
    mkdir -p $vendor
    cp node_modules/swagger-ui-dist/{swagger-ui-bundle.js,swagger-ui.css} $vendor/
  fi
}

browser_tools() {
  if [[ ! -x /usr/bin/chromium ]]; then
    say "installing Debian's chromium for the browser tests"
    local sudo=""
    [[ $(id -u) -eq 0 ]] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium
  fi
}

case "${1:-build}" in
  build) build_tools ;;
  browser) browser_tools ;;
  *) echo "usage: $0 build|browser" >&2; exit 2 ;;
esac
