#!/usr/bin/env bash
# Property-based tests of `diagram-convert serve` against its own OpenAPI document
# (crates/server/openapi.json) with schemathesis (not CI: it takes a minute and its
# generator is random). Starts the release binary on a fresh store and runs the coverage
# and fuzzing phases; any 5xx, a response that does not match the document, or an answer
# the document does not allow is reported.
# Two ST202 reports ("schema-valid request rejected") are expected, for rules JSON Schema
# cannot say: a request that names one file twice, and a page number written as a float
# (145.0; the engine wants a JSON integer). Anything else is a bug, in the server or in
# the document.
# Usage: bash scripts/schemathesis.sh [MAX_EXAMPLES=300] [SEED]
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/venv-schemathesis
[ -x "$venv/bin/schemathesis" ] || {
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check schemathesis==4.32.5
}
cargo build --release -q -p diagram-cli --bin diagram-convert
tmp=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$tmp"' EXIT
echo "schemathesis-token" > "$tmp/token"
port=$(( 20000 + RANDOM % 20000 ))
target/release/diagram-convert serve --files fixtures/golden/pdf-multipage --store "$tmp/store" \
  --token-file "$tmp/token" --listen "127.0.0.1:$port" --quiet --queue 100000 &
pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
"$venv/bin/schemathesis" run crates/server/openapi.json --url "http://127.0.0.1:$port" \
  -H "Authorization: Bearer schemathesis-token" --phases coverage,fuzzing \
  --max-examples "${1:-300}" ${2:+--seed "$2"}
