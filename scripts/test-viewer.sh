#!/usr/bin/env bash
# The viewer's browser tests: Debian's Chromium (installed from apt when missing; no
# browser download), driven by playwright-core (npm ci in viewer/browser, pinned by its
# package-lock.json), over the Valhall job converted with `job --viewer` and opened from
# file://, and as `serve` serves it behind its signed link. Screenshots go to
# target/viewer-test/screenshots. Needs ../shared beside the checkout; builds the release
# CLI if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
step() { printf '\n=== viewer: %s (%ss)\n' "$1" "$(( $(date +%s) - start ))"; }

step "chromium and node"
bash scripts/apt-missing.sh chromium=chromium node=nodejs,npm
(cd viewer/browser && npm ci --no-audit --no-fund --loglevel=error)

step "the Valhall job with --viewer"
cargo build --release -q -p diagram-cli
out="$PWD/target/viewer-test"
rm -rf "$out"
status=0
target/release/diagram-convert job ../shared/fixtures/valhall/requests/all-files.json \
  --files ../shared/fixtures/valhall --out "$out/valhall" --viewer --quiet || status=$?
# all-files names one absent file: the job completes with a per-file error (exit 3).
[ "$status" -eq 3 ]

# A file whose key needs escaping ("multi page #1" becomes multi%20page%20%231): the
# viewer must still find its pages' files.
mkdir -p "$out/odd-files"
cp fixtures/golden/pdf-multipage/input.pdf "$out/odd-files/multi page #1.pdf"
sed 's/"input.pdf"/"multi page #1.pdf"/' fixtures/golden/pdf-multipage/request.json > "$out/odd.json"
target/release/diagram-convert job "$out/odd.json" --files "$out/odd-files" --out "$out/odd" --viewer --quiet

# The A0 sheet at 300 DPI with its deep-zoom tiles: the viewer shows the pyramid.
target/release/diagram-convert job ../shared/fixtures/valhall/requests/PH-25578-P-4110010-001.json \
  --files ../shared/fixtures/valhall --out "$out/a0-tiles" --dpi 300 --format png,svg,dzi --viewer --quiet

step "browser tests (node --test, headless Chromium)"
VIEWER_TEST_JOB="$out/valhall" \
VIEWER_TEST_REQUEST="$PWD/../shared/fixtures/valhall/requests/all-files.json" \
VIEWER_TEST_ARTIFACTS="$out/screenshots" \
VIEWER_TEST_BIN="$PWD/target/release/diagram-convert" \
VIEWER_TEST_FIXTURES="$PWD/../shared/fixtures/valhall" \
VIEWER_TEST_ODD_JOB="$out/odd" \
VIEWER_TEST_TILES_JOB="$out/a0-tiles" \
VIEWER_TEST_TILES_REQUEST="$PWD/../shared/fixtures/valhall/requests/PH-25578-P-4110010-001.json" \
  node --test --test-concurrency=1 viewer/browser/tests/

step "passed; screenshots in $out/screenshots"
