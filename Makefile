# Tenex Marketing — the two commands:
#   make run    build (release) and serve on http://127.0.0.1:3000 with a demo workspace
#   make test   every test: unit, API on SQLite and PostgreSQL, end-to-end in Chromium, and
#               schemathesis against the OpenAPI document
#   make bench  the benchmark suite (BENCHMARKS.md); not part of make test
# Each installs the tools it is missing first (see scripts/tools.sh) and skips those present.

SHELL := /bin/bash
CARGO_TEST_FLAGS := --no-default-features --features ssr
# Type-erased views, as in the release build (Cargo.toml: always-erase-components), so tests
# and lints check what ships.
ERASED := RUSTFLAGS="--cfg erase_components"

.PHONY: run test bench tools browser-tools fuzz-tools build-release unit-and-api end2end api-fuzz lint fmt db-up clean-data

run: tools build-release
	@mkdir -p data
	./target/release/tenex serve --demo

test: tools browser-tools fuzz-tools db-up lint unit-and-api build-release end2end api-fuzz
	@echo "make test: all suites passed"

tools:
	@scripts/tools.sh build

browser-tools:
	@scripts/tools.sh browser

fuzz-tools:
	@scripts/tools.sh fuzz

db-up:
	@scripts/postgres.sh

build-release:
	cargo leptos build --release --split
	node scripts/precompress.mjs target/site

unit-and-api:
	$(ERASED) scripts/test-rust.sh $(CARGO_TEST_FLAGS)

end2end:
	scripts/end2end.sh

# Schemathesis over every operation of the OpenAPI document, against the release server.
api-fuzz:
	scripts/api-fuzz.sh

# The benchmark suite: figures for BENCHMARKS.md (installs oha; 20–40 minutes).
bench: tools db-up
	scripts/bench.sh

lint:
	cargo fmt --all -- --check
	$(ERASED) cargo clippy $(CARGO_TEST_FLAGS) --all-targets -- -D warnings
	$(ERASED) cargo clippy --lib --target wasm32-unknown-unknown --no-default-features --features hydrate -- -D warnings

fmt:
	cargo fmt --all

clean-data:
	rm -rf data
