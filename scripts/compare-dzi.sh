#!/usr/bin/env bash
# Tile pyramid of the A0 sheet at 300 DPI: our CLI (`render --format dzi`) against
# `vips dzsave` of our own PNG of the same page (PNG tiles, `--suffix .png`, and vips's
# default JPEG tiles). Prints, for each, the median wall time of RUNS runs (default 3),
# the peak RSS (`/usr/bin/time -f "%e %M"`, the largest process of the tree) and the
# total bytes of its files, then the ratios to ours.
#
#   bash scripts/compare-dzi.sh            # RUNS=5 DPI=150 PAGE=... COLOR=1 (RGB) to change
#
# Needs libvips-tools (`vips`) and a release build (`cargo build --release --bin
# diagram-convert`; the script builds it when missing). The runs alternate between the
# tools, so a busy machine slows them alike.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
DPI=${DPI:-300}
PAGE=${PAGE:-../shared/fixtures/valhall/PH-25578-P-4110010-001.pdf}
BIN=${CARGO_TARGET_DIR:-target}/release/diagram-convert
command -v vips >/dev/null || { echo "vips not found: apt-get install libvips-tools" >&2; exit 1; }
[ -x "$BIN" ] || cargo build --release --bin diagram-convert
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
key=$(basename "$PAGE" .pdf)

# Our PNG of the page, the input of vips.
"$BIN" render "$PAGE" --out "$WORK/png" --dpi "$DPI" ${COLOR:+--color} --format png --quiet
PNG="$WORK/png/$key/page-1.png"
echo "page: $PAGE at $DPI DPI, $(vipsheader "$PNG" | sed 's/^[^:]*: //')"

# One timed run: prints "seconds kilobytes".
timed() { /usr/bin/time -f "%e %M" -o "$WORK/time" "$@" >/dev/null 2>&1; cat "$WORK/time"; }
declare -A T M B
names=(ours ours-in-process vips-png vips-jpeg)
for ((i = 0; i < RUNS; i++)); do
    for name in "${names[@]}"; do
        out="$WORK/$name"
        rm -rf "$out" && mkdir -p "$out"
        case $name in
            ours) r=$(timed "$BIN" render "$PAGE" --out "$out" --dpi "$DPI" ${COLOR:+--color} --format dzi --quiet) ;;
            ours-in-process) r=$(timed "$BIN" render "$PAGE" --out "$out" --dpi "$DPI" ${COLOR:+--color} --format dzi --quiet --isolation in-process) ;;
            vips-png) r=$(timed vips dzsave "$PNG" "$out/page-1" --suffix .png) ;;
            vips-jpeg) r=$(timed vips dzsave "$PNG" "$out/page-1") ;;
        esac
        T[$name]+="${r% *} "
        M[$name]=$(( $(echo "${M[$name]:-0} ${r#* }" | tr ' ' '\n' | sort -n | tail -1) ))
        B[$name]=$(find "$out" -type f -printf '%s\n' | awk '{s += $1} END {print s}')
    done
done
median() { echo "$@" | tr ' ' '\n' | grep . | sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
printf '%-16s %10s %12s %14s %10s %10s %10s\n' tool "time s" "peak MB" bytes "time/ours" "RSS/ours" "bytes/ours"
t0=$(median ${T[ours]})
for name in "${names[@]}"; do
    t=$(median ${T[$name]})
    awk -v n="$name" -v t="$t" -v m="${M[$name]}" -v b="${B[$name]}" -v t0="$t0" -v m0="${M[ours]}" -v b0="${B[ours]}" \
        'BEGIN {printf "%-16s %10.2f %12.1f %14d %10.2f %10.2f %10.2f\n", n, t, m / 1024, b, t / t0, m / m0, b / b0}'
done
echo "times: median of $RUNS; ours includes rendering the page (vips starts from our PNG, rendered once above)"
