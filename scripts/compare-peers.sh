#!/usr/bin/env bash
# Compares diagram-convert with pdftoppm (poppler), mutool (MuPDF) and pdfium (through
# pypdfium2) on the ten one-page Valhall P&IDs of ../shared/fixtures/valhall, at 150 DPI in
# 8-bit gray (the requests' default), two pages at a time: the peers through `xargs -P2`,
# one process per file; ours as one job with --threads 2. Ours runs twice: PNG only, then
# PNG + SVG with all the requests' annotations.
#
# Prints one Markdown table: wall time, peak memory (max RSS of the largest process, from
# /usr/bin/time), output bytes, and each tool's time as a ratio to ours (PNG only) from
# the same run. Each command runs RUNS times (default 3); the table shows the median wall time and the highest peak RSS.
#
# Then one A0 sheet (PH-25578-P-4110010-001), PNG only: ours with 1 and 2 threads
# against `mutool draw -B 256 -T 2` (banded, two threads) at 150 DPI, and ours against
# `mutool draw -r 600 -B 512 -T 2` at 600 DPI, with the same columns and ratios to mutool.
#
# Usage: scripts/compare-peers.sh            (from the repository root)
#        RUNS=1 KEEP=1 scripts/compare-peers.sh   (one run each; keep the outputs)
# Installs what is missing: poppler-utils, mupdf-tools, time (apt-get), pypdfium2 (pip).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
fixtures=${FIXTURES:-$root/../shared/fixtures}
valhall=$fixtures/valhall
runs=${RUNS:-3}
dpi=150
work=$(mktemp -d "${TMPDIR:-/tmp}/compare-peers.XXXXXX")
[ -n "${KEEP:-}" ] || trap 'rm -rf "$work"' EXIT

say() { printf '%s\n' "$*" >&2; }

# ---- tools ----
bash scripts/apt-missing.sh pdftoppm=poppler-utils mutool=mupdf-tools /usr/bin/time=time
if ! python3 -c 'import pypdfium2, PIL' >/dev/null 2>&1; then
  say "installing pypdfium2==5.15.2 and pillow"
  python3 -m pip install -q --disable-pip-version-check pypdfium2==5.15.2 pillow
fi
say "building diagram-convert (release)"
cargo build --release -q -p diagram-cli
ours=$root/target/release/diagram-convert

# ---- inputs: the ten one-page PDFs and one request with all their annotations ----
files=()
for f in "$valhall"/PH-*.pdf; do files+=("$f"); done
[ ${#files[@]} -eq 10 ] || { say "expected 10 Valhall PDFs in $valhall, found ${#files[@]}"; exit 1; }
request=$work/ten-files.json
python3 - "$valhall/requests" "$request" "${files[@]}" <<'PY'
import json, os, sys
req_dir, out, files = sys.argv[1], sys.argv[2], sys.argv[3:]
items = []
for f in files:
    name = os.path.basename(f)
    r = json.load(open(os.path.join(req_dir, os.path.splitext(name)[0] + ".json")))
    items += [i for i in r["items"] if i.get("fileExternalId") == name]
assert len(items) == len(files), (len(items), len(files))
json.dump({"items": items, "grayscale": True}, open(out, "w"))
PY
annotations=$(python3 -c 'import json,sys; print(sum(len(i["annotations"]) for i in json.load(open(sys.argv[1]))["items"]))' "$request")

# ---- measuring ----
# measure NAME CMD...: runs CMD $runs times in a fresh output folder $work/out/NAME and
# records the median wall time, the highest peak RSS and the output bytes.
declare -A wall rss bytes
order=()
measure() {
  local name=$1; shift
  local times=() peak=0 t m
  for ((r = 1; r <= runs; r++)); do
    rm -rf "$work/out/$name"; mkdir -p "$work/out/$name"
    OUT=$work/out/$name /usr/bin/time -f '%e %M' -o "$work/time" "$@" >/dev/null
    read -r t m <"$work/time"
    times+=("$t")
    [ "$m" -gt "$peak" ] && peak=$m
  done
  # The median wall time (the machines are shared and noisy) and the highest peak RSS.
  wall[$name]=$(printf '%s\n' "${times[@]}" | sort -g | awk '{v[NR]=$1} END{print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}')
  rss[$name]=$peak
  bytes[$name]=$(find "$work/out/$name" -type f \( -name '*.png' -o -name '*.svg' \) -printf '%s\n' | awk '{s+=$1} END{print s+0}')
  order+=("$name")
  say "$(printf '%-34s %7.2f s  %7d KB' "$name" "${wall[$name]}" "$peak")"
}
export dpi
# Peers: one process per file, two at a time.
measure "pdftoppm -r 150 -gray" bash -c \
  'printf "%s\0" "$@" | xargs -0 -P2 -I{} sh -c '\''pdftoppm -r "$dpi" -gray -png "$1" "$OUT/$(basename "$1" .pdf)"'\'' _ {}' _ "${files[@]}"
measure "mutool draw -r 150 -c gray" bash -c \
  'printf "%s\0" "$@" | xargs -0 -P2 -I{} sh -c '\''mutool draw -q -r "$dpi" -c gray -o "$OUT/$(basename "$1" .pdf)-%d.png" "$1" 2>/dev/null'\'' _ {}' _ "${files[@]}"
measure "pdfium (pypdfium2)" bash -c \
  'printf "%s\0" "$@" | xargs -0 -P2 -n1 python3 "'"$root"'/scripts/pdfium_render.py" --dpi "$dpi" "$OUT"' _ "${files[@]}"
# Ours: one job, two worker threads.
measure "diagram-convert PNG" bash -c \
  '"$0" job "$1" --files "$2" --out "$OUT" --threads 2 --dpi "$dpi" --format png --quiet' \
  "$ours" "$request" "$valhall"
measure "diagram-convert PNG+SVG" bash -c \
  '"$0" job "$1" --files "$2" --out "$OUT" --threads 2 --dpi "$dpi" --format png,svg --quiet' \
  "$ours" "$request" "$valhall"

# ---- the table ----
base=${wall["diagram-convert PNG"]}
echo
echo "Ten Valhall pages at ${dpi} DPI, gray, two at a time; ${annotations} annotations in the SVGs;"
echo "median of ${runs} run(s); $(nproc) cores; $(date -u +%Y-%m-%d)."
echo
echo "| tool | wall time | time / ours (PNG) | peak RSS (largest process) | output |"
echo "|---|---:|---:|---:|---:|"
for name in "${order[@]}"; do
  awk -v n="$name" -v t="${wall[$name]}" -v b="$base" -v m="${rss[$name]}" -v o="${bytes[$name]}" \
    'BEGIN{printf "| %s | %.2f s | %.2fx | %.0f MB | %.1f MB |\n", n, t, t/b, m/1024, o/1e6}'
done
fastest=""; fastest_name=""
for name in "pdftoppm -r 150 -gray" "mutool draw -r 150 -c gray" "pdfium (pypdfium2)"; do
  if [ -z "$fastest" ] || awk "BEGIN{exit !(${wall[$name]} < $fastest)}"; then
    fastest=${wall[$name]}; fastest_name=$name
  fi
done
echo
awk -v p="${wall["diagram-convert PNG"]}" -v s="${wall["diagram-convert PNG+SVG"]}" -v f="$fastest" -v fn="$fastest_name" 'BEGIN{
  printf "Fastest peer: %s, %.2f s.\n", fn, f
  printf "- PNG only: %.2fx the fastest peer (target <= 0.5x): %s\n", p/f, (p <= 0.5*f ? "met" : "not met")
  printf "- PNG+SVG: %.2fx the fastest peer producing PNG alone (target <= 0.7x): %s\n", s/f, (s <= 0.7*f ? "met" : "not met")
}'

# ---- one A0 sheet: ours on 1 and 2 threads against MuPDF's banded renderer ----
a0=$valhall/PH-25578-P-4110010-001.pdf
a0_rows=()
measure "A0 mutool -r 150 -B 256 -T 2" \
  mutool draw -q -r 150 -c gray -B 256 -T 2 -o "$work/a0-mutool-150.png" "$a0"
a0_rows+=("A0 mutool -r 150 -B 256 -T 2")
for threads in 1 2; do
  measure "A0 diagram-convert 150 DPI, ${threads} thread(s)" bash -c \
    '"$0" render "$1" --out "$OUT" --threads "$2" --dpi 150 --format png --quiet' "$ours" "$a0" "$threads"
  a0_rows+=("A0 diagram-convert 150 DPI, ${threads} thread(s)")
done
measure "A0 mutool -r 600 -B 512 -T 2" \
  mutool draw -q -r 600 -c gray -B 512 -T 2 -o "$work/a0-mutool-600.png" "$a0"
a0_rows+=("A0 mutool -r 600 -B 512 -T 2")
measure "A0 diagram-convert 600 DPI, 2 threads" bash -c \
  '"$0" render "$1" --out "$OUT" --threads 2 --dpi 600 --format png --quiet' "$ours" "$a0"
a0_rows+=("A0 diagram-convert 600 DPI, 2 threads")
a0_size=$(python3 -c 'import sys,glob,struct; f=open(glob.glob(sys.argv[1]+"/**/*.png",recursive=True)[0],"rb").read(24); print("%dx%d" % struct.unpack(">II", f[16:24]))' "$work/out/A0 diagram-convert 600 DPI, 2 threads")

echo
echo "One A0 sheet (PH-25578-P-4110010-001), gray, PNG only; median of ${runs} run(s)."
echo "Ours at 600 DPI is ${a0_size} px (mutool's is the exact 28127x19859)."
echo
echo "| tool | wall time | time / mutool banded at the same DPI | peak RSS (largest process) |"
echo "|---|---:|---:|---:|"
for name in "${a0_rows[@]}"; do
  case $name in *600*) ref=${wall["A0 mutool -r 600 -B 512 -T 2"]} ;; *) ref=${wall["A0 mutool -r 150 -B 256 -T 2"]} ;; esac
  awk -v n="$name" -v t="${wall[$name]}" -v b="$ref" -v m="${rss[$name]}" \
    'BEGIN{printf "| %s | %.2f s | %.2fx | %.0f MB |\n", n, t, t/b, m/1024}'
done
one=${wall["A0 diagram-convert 150 DPI, 1 thread(s)"]}; two=${wall["A0 diagram-convert 150 DPI, 2 thread(s)"]}
awk -v a="$one" -v b="$two" 'BEGIN{printf "\n- A0 on 2 threads is %.2fx faster than on 1 (target >= 1.6x): %s\n", a/b, (a/b >= 1.6 ? "met" : "not met")}'
