#!/usr/bin/env bash
# Installs what the build or the browser tests need, skipping whatever is already present.
#   scripts/tools.sh build     wasm32 target, cargo-leptos, wasm-bindgen-cli, npm packages
#   scripts/tools.sh browser   Debian's chromium for Playwright (browsers cannot be downloaded)
#   scripts/tools.sh fuzz      schemathesis in .tools/venv, for the API contract run
set -euo pipefail
cd "$(dirname "$0")/.."

# cargo-leptos 0.3.11 needs rustc >= 1.96; 0.3.10 builds on 1.95.
CARGO_LEPTOS_VERSION=0.3.10

say() { printf '\033[1m[tools]\033[0m %s\n' "$*"; }

need() {
  command -v "$1" >/dev/null 2>&1 || { echo "[tools] $1 is required but not installed: $2" >&2; exit 1; }
}

apt_install() {
  local sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@"
}

build_tools() {
  need cargo "install Rust with rustup"
  need node "install Node.js 20 or newer"
  need npm "install npm (it comes with Node.js)"
  local missing=()
  rustup component list --installed | grep -q '^rustfmt' || missing+=(rustfmt)
  rustup component list --installed | grep -q '^clippy' || missing+=(clippy)
  if [[ ${#missing[@]} -gt 0 ]]; then
    say "adding rustup components: ${missing[*]}"
    rustup component add "${missing[@]}"
  fi
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
  local lock_sum stamp=node_modules/.tenex-lock.sha256
  lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
  if [[ ! -f $stamp || "$(cat $stamp)" != "$lock_sum" ]]; then
    say "installing npm packages from package-lock.json"
    npm ci --no-audit --no-fund --loglevel=error
    echo "$lock_sum" > $stamp
  fi

  # The API reference page serves Swagger UI from our own site, never from a CDN.
  local vendor=public/vendor/swagger-ui
  if [[ ! -f $vendor/swagger-ui-bundle.js ]] || ! cmp -s node_modules/swagger-ui-dist/swagger-ui-bundle.js $vendor/swagger-ui-bundle.js; then
    mkdir -p $vendor
    cp node_modules/swagger-ui-dist/{swagger-ui-bundle.js,swagger-ui.css} $vendor/
  fi
}

browser_tools() {
  local packages=()
  [[ -x /usr/bin/chromium ]] || packages+=(chromium)
  command -v curl >/dev/null 2>&1 || packages+=(curl)
  if [[ ${#packages[@]} -gt 0 ]]; then
    say "installing from Debian for the browser tests: ${packages[*]}"
    apt_install "${packages[@]}"
  fi
}

# Schemathesis, pinned, in the project's own virtual environment (from PyPI).
SCHEMATHESIS_VERSION=4.32.5

fuzz_tools() {
  need python3 "install Python 3.9 or newer"
  local venv=.tools/venv
  if [[ "$($venv/bin/st --version 2>/dev/null || true)" != *"$SCHEMATHESIS_VERSION"* ]]; then
    say "installing schemathesis $SCHEMATHESIS_VERSION into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
  fi
}

case "${1:-build}" in
  build) build_tools ;;
  browser) browser_tools ;;
  fuzz) fuzz_tools ;;
  *) echo "usage: $0 build|browser|fuzz" >&2; exit 2 ;;
esac
