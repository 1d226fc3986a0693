#!/usr/bin/env bash
# Creates (or brings up to date) the test suite's Python environment, target/venv, with
# the pinned packages of scripts/requirements-test.txt. Idempotent and quick when nothing
# changed. Usage: bash scripts/venv.sh
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/venv
if [ ! -x "$venv/bin/python" ]; then
  mkdir -p target
  python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install -q --disable-pip-version-check -r scripts/requirements-test.txt
