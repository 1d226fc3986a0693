#!/usr/bin/env bash
# Mutation testing of the crates with fast tests (not CI: it takes minutes per crate).
#
# Runs cargo-mutants (`cargo install cargo-mutants --locked`; written against version 27)
# on each crate, testing every mutant with that crate's own tests only (cargo-mutants'
# default), and prints caught / viable per crate. A mutant counts as caught when a test
# fails or times out; unviable mutants (that do not build) are left out of the score.
# Mutants that cannot change behaviour (equivalent mutants) are excluded in
# .cargo/mutants.toml, each with the reason beside it.
#
# Usage: scripts/mutants.sh [crate...]   (default: diagram-core diagram-overlay)
#        JOBS=n (default 1), TIMEOUT=s (default 60), SHARD=k/n (a sample), NICE=n (19),
#        COPY_TARGET=false (default true: each copy starts from target/'s builds; false
#        when target/ holds only release builds, which the mutants' dev builds cannot use)
# Results: target/mutants/<crate>/mutants.out (missed.txt lists the survivors).
set -euo pipefail
cd "$(dirname "$0")/.."
crates=("$@")
[ ${#crates[@]} -gt 0 ] || crates=(diagram-core diagram-overlay)
command -v cargo-mutants >/dev/null 2>&1 || {
  echo "cargo-mutants is not installed: cargo install cargo-mutants --locked" >&2
  exit 1
}
# cargo-mutants builds in copies of the tree, each with its own target directory.
unset CARGO_TARGET_DIR
out_root=target/mutants
mkdir -p "$out_root"
# The copies go under $TMPDIR; tests find ../shared/fixtures beside the tree, so give the
# copies a `shared` beside them (outside the tree: target/ is copied into each).
shared=$(cd ../shared && pwd)
export TMPDIR=${TMPDIR:-/tmp}/diagram-convert-mutants
mkdir -p "$TMPDIR"
ln -sfn "$shared" "$TMPDIR/shared"
# No debug info: linking each mutant's test binaries is most of its time.
export CARGO_PROFILE_DEV_DEBUG=0
args=(--timeout "${TIMEOUT:-60}" -j "${JOBS:-1}" --copy-target "${COPY_TARGET:-true}")
# A shard is every n-th mutant (round robin), so that it samples the whole crate.
[ -z "${SHARD:-}" ] || args+=(--shard "$SHARD" --sharding round-robin)
summary=()
for crate in "${crates[@]}"; do
  out="$out_root/$crate"
  rm -rf "$out"
  status=0
  nice -n "${NICE:-19}" cargo mutants -p "$crate" "${args[@]}" --output "$out" || status=$?
  # 0: all caught; 2: some missed; 3: some timed out; others are failures of the run.
  case $status in 0 | 2 | 3) ;; *) echo "cargo mutants failed on $crate ($status)" >&2; exit 1 ;; esac
  json="$out/mutants.out/outcomes.json"
  read -r caught missed timeout unviable < <(jq -r '[.caught, .missed, .timeout, .unviable] | @tsv' "$json")
  viable=$((caught + missed + timeout))
  score=$(awk -v c=$((caught + timeout)) -v v=$viable 'BEGIN { printf "%.1f", v ? 100 * c / v : 100 }')
  summary+=("$(printf '%-20s %4d / %4d caught (%s %%): %d missed, %d timeouts (caught), %d unviable' \
    "$crate" $((caught + timeout)) "$viable" "$score" "$missed" "$timeout" "$unviable")")
  if [ "$missed" -gt 0 ]; then
    echo "survivors in $crate:"
    sed 's/^/  /' "$out/mutants.out/missed.txt"
  fi
done
printf '\n%s\n' "mutation score${SHARD:+ (shard $SHARD, a sample)}:"
printf '%s\n' "${summary[@]}"
