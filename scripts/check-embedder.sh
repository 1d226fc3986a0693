#!/usr/bin/env bash
# Checks that a crate OUTSIDE this workspace (examples/embedder, depending on
# diagram-convert by path with default features off) gets what the workspace gets:
#   (a) the vendored, patched hayro, hayro-interpret, hayro-syntax, hayro-font and vello_cpu (path
#       dependencies, no [patch]),
#       and no pdfium-render;
#   (b) pdfium-render once it turns the `pdfium` feature on;
#   (c) a release build, sharing the workspace's target/, that converts a repo fixture.
# Runs from any directory. Used by .ci/run.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
manifest="$root/examples/embedder/Cargo.toml"
fixture="$root/fixtures/golden/pdf-multipage"

fail() { printf 'FAIL: %s\n' "$1" >&2; exit 1; }
ok() { printf 'ok: %s\n' "$1"; }

# --locked: the embedder's committed Cargo.lock must already pin everything.
tree() { cargo tree --locked --manifest-path "$manifest" -e normal "$@"; }

echo "== (a) dependency tree without features: $manifest"
plain="$(tree)"
grep -qF "hayro v0.9.0 ($root/crates/raster/vendor/hayro)" <<<"$plain" \
  || fail "hayro does not come from crates/raster/vendor/hayro:
$(grep -E '^[^a-z]*hayro v' <<<"$plain" || true)"
ok "hayro v0.9.0 is the vendored crates/raster/vendor/hayro"
grep -qF "hayro-interpret v0.9.0 ($root/crates/raster/vendor/hayro-interpret)" <<<"$plain" \
  || fail "hayro-interpret does not come from crates/raster/vendor/hayro-interpret:
$(grep -E 'hayro-interpret v' <<<"$plain" || true)"
ok "hayro-interpret v0.9.0 is the vendored crates/raster/vendor/hayro-interpret"
for crate in hayro-syntax:0.9.0 hayro-font:0.5.0 vello_cpu:0.3.0; do
  name="${crate%%:*}" version="${crate##*:}"
  grep -qF "$name v$version ($root/crates/raster/vendor/$name)" <<<"$plain" \
    || fail "$name does not come from crates/raster/vendor/$name:
$(grep -E "$name v" <<<"$plain" || true)"
  ok "$name v$version is the vendored crates/raster/vendor/$name"
done
others="$(grep -E '(^| )(hayro(-interpret|-syntax|-font)?|vello_cpu) v' <<<"$plain" | grep -vF "$root/crates/raster/vendor/" || true)"
[ -z "$others" ] || fail "another copy of hayro, hayro-interpret, hayro-syntax, hayro-font or vello_cpu is in the tree:
$others"
ok "no registry copy of hayro, hayro-interpret, hayro-syntax, hayro-font or vello_cpu"
if grep -qF "pdfium-render" <<<"$plain"; then
  fail "pdfium-render is built although the embedder leaves the pdfium feature off"
fi
ok "no pdfium-render with default features off"

echo "== (b) dependency tree with --features pdfium"
tree --features pdfium | grep -qE 'pdfium-render v' \
  || fail "pdfium-render is missing with --features pdfium"
ok "pdfium-render is there with --features pdfium"

echo "== (c) release build in $root/target, then a job on ${fixture#"$root"/}"
[ -f "$fixture/request.json" ] || fail "fixture $fixture/request.json is missing"
CARGO_TARGET_DIR="$root/target" cargo build --locked --release -q --manifest-path "$manifest"
status=0
# The job goes to stdout (dropped here); its one-line summary to stderr (shown).
said="$("$root/target/release/embedder" "$fixture/request.json" "$fixture" 2>&1 >/dev/null)" \
  || status=$?
printf '   %s\n' "$said"
[ "$status" -eq 0 ] || fail "the embedder exited with $status"
ok "the embedder converted ${fixture#"$root"/} and exited 0"
