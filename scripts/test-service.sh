#!/usr/bin/env bash
# The HTTP service end to end with the real cognite-sdk as its client
# (crates/server/tests/sdk): builds the release binary, then runs pytest from target/venv
# (made by scripts/venv.sh) against a server on loopback. The Rust side of the service's
# tests (auth, limits, signed URLs, the queue, kill -9, SIGTERM) is crates/cli/tests/serve.rs,
# run by `cargo test`. Needs ../shared beside the checkout, and pdfinfo (poppler-utils) for
# check-job.py.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x target/venv/bin/python ] || bash scripts/venv.sh
cargo build --release -q -p diagram-cli --bin diagram-convert
DIAGRAM_CONVERT_BIN="$PWD/target/release/diagram-convert" \
  target/venv/bin/python -m pytest -q -p no:cacheprovider crates/server/tests/sdk "$@"
