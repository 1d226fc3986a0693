#!/usr/bin/env bash
# The whole test suite, on a fresh machine (the README's second command): installs what it
# needs (poppler-utils and mupdf-tools from apt when missing, the pinned Python packages
# into target/venv), then runs the Rust tests, the service with the real cognite-sdk, the
# viewer in headless Chromium (Debian's chromium, from apt when missing), and the Python
# package's tests when the package is there. Prints each step's time.
# Needs ../shared beside the checkout (the real diagrams).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
step() { printf '\n=== test: %s (%ss)\n' "$1" "$(( $(date +%s) - start ))"; }

step "system packages"
bash scripts/apt-missing.sh pdftoppm=poppler-utils mutool=mupdf-tools

step "python environment (target/venv)"
bash scripts/venv.sh
# The venv's python3 first on PATH: the pdfium tests find pypdfium2's library through it.
export PATH="$PWD/target/venv/bin:$PATH"

step "rust: cargo test --workspace --release"
cargo test --workspace --release

step "service: the real cognite-sdk against diagram-convert serve"
bash scripts/test-service.sh

step "viewer: browser tests in headless Chromium"
bash scripts/test-viewer.sh

if [ -f scripts/test-python.sh ]; then
  step "python package"
  bash scripts/test-python.sh
fi

step "all tests passed"
