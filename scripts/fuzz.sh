#!/usr/bin/env bash
# Fuzzing diagram-convert with libFuzzer on the stable toolchain (no cargo-fuzz needed).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]   build, then run each target for SECONDS
#                                           (default 60), one after another
#   scripts/fuzz.sh --replay [TARGET...]    build, then run every committed input once:
#                                           fuzz/corpus/<t>/ and fuzz/regressions/<t>/ (CI)
#   scripts/fuzz.sh --merge [TARGET...]     minimise fuzz/corpus/<t>/ together with the
#                                           inputs found by runs and the generated seeds
#   scripts/fuzz.sh --build                 build the targets only
#
# Targets: request, request_model, pdf, image (all by default). Runs print, per target,
# the executions, executions per second, coverage and findings; a finding (crash, abort,
# out of memory, timeout) is saved under target/fuzz/artifacts/<t>/ and fails the run.
#
# The build is the one cargo-fuzz makes with `--sanitizer none` (sanitizers need nightly):
# coverage instrumentation through RUSTFLAGS, debug assertions and overflow checks on,
# for an explicit --target, so that it lives in target/<triple>/ apart from the normal
# build and the build scripts and proc macros are not instrumented.
#
# Memory: the targets' allocator refuses to hold more than 1 GiB (ALLOC_LIMIT in
# fuzz/src/lib.rs), which aborts the run, so an excessive allocation is a finding even
# where the kernel would overcommit. libFuzzer's own -rss_limit_mb backs it up; its
# -malloc_limit_mb is passed too but only acts under a sanitizer's malloc hooks.
#
# Environment: CARGO_TARGET_DIR (default: target/ of the repository), FUZZ_NICE (default
# 19), FUZZ_ARGS (more libFuzzer flags, e.g. -jobs=2 -workers=2), FUZZ_FIXTURES (the
# shared fixtures, default ../shared/fixtures; the seeds take the heads of a few files).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

all_targets=(request request_model pdf image)
mode=run
seconds=60
case "${1:-}" in
  --replay) mode=replay; shift ;;
  --merge) mode=merge; shift ;;
  --build) mode=build; shift ;;
  '' | *[!0-9]*) ;;
  *) seconds=$1; shift ;;
esac
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")
for t in "${targets[@]}"; do
  [[ " ${all_targets[*]} " == *" $t "* ]] || { echo "fuzz.sh: no target $t (${all_targets[*]})" >&2; exit 2; }
done

export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}
nice_level=${FUZZ_NICE:-19}
triple=$(rustc -vV | sed -n 's/^host: //p')
bin_dir=$CARGO_TARGET_DIR/$triple/release
work=$CARGO_TARGET_DIR/fuzz

# The flags of `cargo fuzz build --sanitizer none` (cargo-fuzz 0.13), on stable.
sancov="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares -Cllvm-args=-sanitizer-coverage-stack-depth \
-Cllvm-args=-simplifycfg-branch-fold-threshold=0 --cfg fuzzing -Cdebug-assertions"

build() {
  local bins=()
  for t in "${targets[@]}"; do bins+=(--bin "$t"); done
  RUSTFLAGS="$sancov ${RUSTFLAGS:-}" nice -n 10 cargo build --release --locked -q \
    --manifest-path fuzz/Cargo.toml -p diagram-convert-fuzz --target "$triple" "${bins[@]}"
}

seeds() {
  # Not instrumented, not for the target triple: the generator is not under test.
  rm -rf "$work/seeds"
  nice -n 10 cargo run --release --locked -q --manifest-path fuzz/Cargo.toml \
    -p diagram-convert-fuzz-seeds -- "$work/seeds" "${FUZZ_FIXTURES:-../shared/fixtures}"
  mkdir -p "$work/seeds/request"
  for f in fixtures/golden/*/request.json; do
    cp "$f" "$work/seeds/request/golden-$(basename "$(dirname "$f")").json"
  done
}

# Per target: the longest input and the per-input time limit (seconds) libFuzzer takes.
max_len() { case $1 in request | request_model) echo 16384 ;; *) echo 65536 ;; esac; }
limits=(-rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout=30)

# One line of figures from the log of a fork-mode run ("#RUNS: cov: C ft: F corp: N ...
# time: Ts" every job).
report() {
  local t=$1 log=$2 found=$3 last execs secs
  last=$(grep -E '^#[0-9]+: cov:' "$log" | tail -1)
  execs=$(sed -E 's/^#([0-9]+):.*/\1/' <<<"$last")
  secs=$(sed -nE 's/.* time: ([0-9]+)s.*/\1/p' <<<"$last")
  printf '%-14s executions %-9s in %5ss = exec/s %-6s cov %-6s ft %-7s corpus %-6s findings %s\n' \
    "$t" "${execs:-0}" "${secs:-?}" "$(( ${execs:-0} / (${secs:-1} > 0 ? ${secs:-1} : 1) ))" \
    "$(grep -oE 'cov: [0-9]+' <<<"$last" | cut -d' ' -f2)" \
    "$(grep -oE 'ft: [0-9]+' <<<"$last" | cut -d' ' -f2)" \
    "$(grep -oE 'corp: [0-9]+' <<<"$last" | cut -d' ' -f2)" "$found"
}

# What a saved input does when run once: its first line of panic or abort.
why() {
  mkdir -p "$work/why"
  "$bin_dir/$1" "${limits[@]}" -artifact_prefix="$work/why/" "$2" 2>&1 | grep -m1 -E 'panicked at|memory allocation of|ERROR: libFuzzer' || true
}

build
[ "$mode" = build ] && exit 0

status=0
case $mode in
  run)
    seeds
    for t in "${targets[@]}"; do
      rm -rf "$work/artifacts/$t"
      mkdir -p "$work/corpus/$t" "$work/artifacts/$t" fuzz/corpus/"$t"
      log=$work/$t.log
      # Fork mode with the ignore flags: a finding is saved and the run goes on, so one
      # run reports every finding and its executions in full. New inputs go to the first
      # folder (outside the repository); the committed corpus and the seeds are only read.
      set +e
      nice -n "$nice_level" "$bin_dir/$t" "$work/corpus/$t" "fuzz/corpus/$t" "$work/seeds/$t" \
        -fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1 \
        -max_total_time="$seconds" -max_len="$(max_len "$t")" "${limits[@]}" \
        -artifact_prefix="$work/artifacts/$t/" ${FUZZ_ARGS:-} >"$log" 2>&1
      rc=$?
      set -e
      # libFuzzer also saves inputs that ran longer than -report_slow_units (10 s): not
      # failures (a timeout is one, at -timeout), but listed with their time when replayed,
      # since on a loaded machine a nice'd run makes quick inputs slow.
      found=$(find "$work/artifacts/$t" -type f ! -name 'slow-unit-*' | wc -l)
      report "$t" "$log" "$found"
      for f in "$work/artifacts/$t"/slow-unit-*; do
        [ -e "$f" ] || continue
        ms=$("$bin_dir/$t" "${limits[@]}" "$f" 2>&1 | sed -nE 's/^Executed .* in ([0-9]+) ms$/\1/p')
        echo "  slow unit $(basename "$f") ($(wc -c <"$f") bytes): ${ms:-?} ms when replayed alone"
      done
      [ "$rc" -eq 0 ] || { status=1; echo "  libFuzzer exited with $rc (log: $log)"; }
      if [ "$found" -ne 0 ]; then
        status=1
        for f in "$work/artifacts/$t"/*; do
          case $(basename "$f") in slow-unit-*) continue ;; esac
          echo "  $(basename "$f") ($(wc -c <"$f") bytes): $(why "$t" "$f")"
        done
      fi
    done
    ;;
  replay)
    for t in "${targets[@]}"; do
      dirs=()
      for d in fuzz/corpus/$t fuzz/regressions/$t; do
        [ -d "$d" ] && [ -n "$(ls -A "$d")" ] && dirs+=("$d")
      done
      if [ ${#dirs[@]} -eq 0 ]; then echo "$t: nothing to replay"; continue; fi
      n=$(find "${dirs[@]}" -type f | wc -l)
      log=$work/$t.replay.log
      mkdir -p "$work/replayed/$t"
      # -runs=0: load (run) every input once, then stop; a crash fails the target. A
      # crashing input is copied to target/fuzz/replayed/<t>/ (not into the repository).
      if nice -n "$nice_level" "$bin_dir/$t" -runs=0 "${limits[@]}" \
        -artifact_prefix="$work/replayed/$t/" "${dirs[@]}" 2>"$log"; then
        echo "$t: replayed $n inputs, no crash"
      else
        status=1
        echo "$t: FAILED replaying $n inputs (log: $log)"
        grep -E -A3 'panicked at|memory allocation of|ERROR: libFuzzer' "$log" | head -12 || true
        grep -E '^(Running|INFO: Running with)|crash-|Test unit written' "$log" | tail -3 || true
      fi
    done
    ;;
  merge)
    seeds
    for t in "${targets[@]}"; do
      mkdir -p "$work/corpus/$t" fuzz/corpus/"$t"
      fresh=$work/merged/$t
      rm -rf "$fresh" && mkdir -p "$fresh"
      # The committed corpus stays small (a few hundred KiB): inputs above 8 KiB are left
      # out, and the merge keeps a small set of inputs that reach every edge (-use_counters=0:
      # edges, not hit counts; with counts it kept 2.4 times as many).
      pool=$work/pool/$t
      rm -rf "$pool" && mkdir -p "$pool"
      find fuzz/corpus/"$t" "$work/corpus/$t" "$work/seeds/$t" -type f -size -9k \
        -exec cp -t "$pool" {} + 2>/dev/null || true
      nice -n "$nice_level" "$bin_dir/$t" -merge=1 -use_counters=0 "$fresh" "$pool" \
        -max_len="$(max_len "$t")" \
        "${limits[@]}" 2>"$work/$t.merge.log" || { status=1; tail -20 "$work/$t.merge.log"; continue; }
      rm -rf fuzz/corpus/"$t" && mkdir -p fuzz/corpus/"$t" && cp "$fresh"/* fuzz/corpus/"$t"/
      echo "$t: $(find fuzz/corpus/"$t" -type f | wc -l) inputs," \
        "$(du -sk --apparent-size fuzz/corpus/"$t" | cut -f1) KiB," \
        "$(grep -oE '[0-9]+ new coverage edges' "$work/$t.merge.log" | tail -1)"
    done
    ;;
esac
exit $status
