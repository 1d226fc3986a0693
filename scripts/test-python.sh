#!/usr/bin/env bash
# Builds the Python package's wheel with maturin, installs it (the wheel, not the source
# tree) into the venv target/venv, and runs its pytest suite against it. Each step prints
# its time. Run from anywhere; paths are relative to the repository root.
#
#   scripts/test-python.sh [pytest arguments...]
#
# DIAGRAM_CONVERT_CLI names the CLI binary the suite compares job.json with (default:
# target/release/diagram-convert, built here if missing or stale).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
venv=target/venv

step() {
    local name=$1
    shift
    local start=$SECONDS
    echo "== $name"
    "$@"
    echo "== $name: $((SECONDS - start)) s"
}

# The pinned packages, one list for the whole suite: scripts/requirements-test.txt.
make_venv() {
    bash scripts/venv.sh
}

build_cli() {
    if [ -n "${DIAGRAM_CONVERT_CLI:-}" ]; then
        echo "using DIAGRAM_CONVERT_CLI=$DIAGRAM_CONVERT_CLI"
    else
        nice -n 10 cargo build --release --quiet -p diagram-cli
        export DIAGRAM_CONVERT_CLI="$CARGO_TARGET_DIR/release/diagram-convert"
    fi
}

build_wheel() {
    rm -f target/wheels/diagram_convert-*.whl
    nice -n 10 "$venv/bin/maturin" build --release --quiet -m python/Cargo.toml \
        -i "$venv/bin/python" --out target/wheels
}

install_wheel() {
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps \
        target/wheels/diagram_convert-*.whl
}

run_tests() {
    # -p no:cacheprovider: nothing is written into the source tree.
    "$venv/bin/python" -m pytest python/tests -q -p no:cacheprovider "$@"
}

total=$SECONDS
step "venv and test packages" make_venv
step "CLI build (for the job.json comparison)" build_cli
step "wheel build (maturin --release)" build_wheel
step "wheel install" install_wheel
step "pytest" run_tests "$@"
echo "== test-python.sh: $((SECONDS - total)) s in all"
