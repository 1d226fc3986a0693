#!/usr/bin/env bash
# What worker processes cost: the Valhall all-files job (ten real drawings, 150 DPI, gray,
# PNG + SVG) run with --isolation workers and --isolation in-process, alternately, RUNS
# times each (default 7), with wall time, CPU time and peak memory of each run from
# /usr/bin/time (max RSS: the largest process, CLI or worker); prints each mode's medians
# and their ratio. Also checks that both modes wrote the same bytes.
#
# Usage: scripts/isolation-cost.sh   (RUNS=n, THREADS=n (default 2), REQUEST=name of a
#        request in ../shared/fixtures/valhall/requests (default all-files))
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-7}
threads=${THREADS:-2}
request=${REQUEST:-all-files}
valhall=../shared/fixtures/valhall
cargo build --release -q --bin diagram-convert
bin=target/release/diagram-convert
work=$(mktemp -d "${TMPDIR:-/tmp}/isolation.XXXXXX")
trap 'rm -rf "$work"' EXIT
for i in $(seq "$runs"); do
  for mode in workers in-process; do
    rm -rf "$work/$mode"
    /usr/bin/time -f "%e %U %S %M" -o "$work/time" "$bin" job "$valhall/requests/$request.json" \
      --files "$valhall" --out "$work/$mode" --threads "$threads" --isolation "$mode" --quiet || true
    # The last line: GNU time first notes a non-zero exit status (all-files exits 3).
    echo "$mode $(tail -n 1 "$work/time")" >> "$work/runs"
  done
done
for f in $(cd "$work/workers" && find . -name '*.png' -o -name '*.svg' | sort); do
  cmp -s "$work/workers/$f" "$work/in-process/$f" || { echo "outputs differ: $f" >&2; exit 1; }
done
python3 - "$work/runs" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
med = {}
for mode in ("workers", "in-process"):
    r = [(float(x[1]), float(x[2]) + float(x[3]), int(x[4])) for x in rows if x[0] == mode]
    wall = statistics.median(x[0] for x in r)
    cpu = statistics.median(x[1] for x in r)
    rss = statistics.median(x[2] for x in r)
    med[mode] = (wall, cpu, rss)
    print(f"{mode:10}  runs {len(r)}  wall {wall:.2f} s  cpu {cpu:.2f} s  peak {rss/1024:.0f} MiB")
w, p = med["workers"], med["in-process"]
print(f"workers / in-process: wall {w[0]/p[0]:.3f}x  cpu {w[1]/p[1]:.3f}x  peak {w[2]/p[2]:.3f}x")
PY
