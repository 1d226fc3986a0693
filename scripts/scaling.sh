#!/usr/bin/env bash
# Scaling of diagram-convert with threads, and its peak memory on long files.
#
# Builds from ../shared/fixtures/valhall (with pdfunite, poppler-utils):
#   - mixed-50.pdf: the ten one-page Valhall PDFs five times over, 50 pages of A4 to A0,
#     vector and scanned, rotated and not;
#   - a0-50.pdf: the vector A0 sheet PH-25578-P-4110010-001 fifty times;
#   - a 50-file request: five copies of each of the ten PDFs under distinct names, each
#     with its drawing's real annotations;
# then times `diagram-convert job` (150 DPI, gray, PNG + SVG) on each with --threads 1 and
# --threads 2, with peak memory (max RSS from /usr/bin/time), and prints one table.
# The peak memory is compared with one A0 page buffer at 150 DPI: 7032 x 4965 gray bytes.
#
# Usage: scripts/scaling.sh   (from anywhere; RUNS=n repeats each run, fastest kept; KEEP=1
#        keeps the work folder)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
valhall=${FIXTURES:-$root/../shared/fixtures}/valhall
runs=${RUNS:-1}
formats=${FORMATS:-png,svg}
work=$(mktemp -d "${TMPDIR:-/tmp}/scaling.XXXXXX")
[ -n "${KEEP:-}" ] || trap 'rm -rf "$work"' EXIT
say() { printf '%s\n' "$*" >&2; }

bash scripts/apt-missing.sh pdfunite=poppler-utils /usr/bin/time=time
say "building diagram-convert (release)"
cargo build --release -q -p diagram-cli
ours=$root/target/release/diagram-convert

files=("$valhall"/PH-*.pdf)
[ ${#files[@]} -eq 10 ] || { say "expected 10 Valhall PDFs, found ${#files[@]}"; exit 1; }
mkdir -p "$work/in"
pdfunite "${files[@]}" "${files[@]}" "${files[@]}" "${files[@]}" "${files[@]}" "$work/in/mixed-50.pdf"
a0=()
for _ in $(seq 50); do a0+=("$valhall/PH-25578-P-4110010-001.pdf"); done
pdfunite "${a0[@]}" "$work/in/a0-50.pdf"
for f in mixed-50 a0-50; do
  printf '{"items": [{"fileExternalId": "%s.pdf", "annotations": []}]}\n' "$f" >"$work/$f.json"
done
python3 - "$valhall" "$work/in" "$work/files-50.json" "${files[@]}" <<'PY'
import json, os, shutil, sys
valhall, dest, out, files = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
items = []
for copy in range(1, 6):
    for f in files:
        name = os.path.basename(f)
        new = f"copy{copy}-{name}"
        shutil.copyfile(f, os.path.join(dest, new))
        r = json.load(open(os.path.join(valhall, "requests", os.path.splitext(name)[0] + ".json")))
        anns = [i for i in r["items"] if i.get("fileExternalId") == name][0]["annotations"]
        items.append({"fileExternalId": new, "annotations": anns})
json.dump({"items": items, "grayscale": True}, open(out, "w"))
PY

declare -A wall rss
run() { # run NAME THREADS REQUEST
  local best="" best_rss=""
  for ((r = 1; r <= runs; r++)); do
    rm -rf "$work/out"
    /usr/bin/time -f '%e %M' -o "$work/time" "$ours" job "$3" --files "$work/in" \
      --out "$work/out" --threads "$2" --format "$formats" --quiet
    read -r t m <"$work/time"
    if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; best_rss=$m; fi
  done
  local pages
  pages=$(find "$work/out" -name 'page-*.png' | wc -l)
  wall[$1,$2]=$best; rss[$1,$2]=$best_rss
  say "$(printf '%-10s threads %s: %7.2f s %7d KB, %d pages' "$1" "$2" "$best" "$best_rss" "$pages")"
}
for case in mixed-50 files-50 a0-50; do
  for t in 1 2; do run "$case" "$t" "$work/$case.json"; done
done

buffer=$((7032 * 4965))
echo
echo "diagram-convert, 150 DPI, gray, formats ${formats}; fastest of ${runs} run(s); $(nproc) cores."
echo "Page buffer: one A0 page at 150 DPI, 7032 x 4965 gray = $(awk -v b=$buffer 'BEGIN{printf "%.1f", b/1e6}') MB."
echo
echo "| input | 1 thread | 2 threads | speed-up | peak RSS 1 thread | peak RSS 2 threads | RSS / A0 page buffer (2 threads) |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for case in mixed-50 files-50 a0-50; do
  awk -v n="$case" -v t1="${wall[$case,1]}" -v t2="${wall[$case,2]}" -v m1="${rss[$case,1]}" \
    -v m2="${rss[$case,2]}" -v b="$buffer" \
    'BEGIN{printf "| %s | %.2f s | %.2f s | %.2fx | %.0f MB | %.0f MB | %.2f |\n", n, t1, t2, t1/t2, m1/1024, m2/1024, m2*1024/b}'
done
