#!/usr/bin/env bash
# DLP redaction throughput (issue 5: `redact` in text mode >= 3 GB/s on one core on typical log
# text with sparse PANs), side by side in one run on the same file:
#   floorguard:  floorguard redact < log > /dev/null                        (best of 3)
#   ripgrep:     rg -j1 -c with a generic PAN candidate regex               (best of 3)
#   read floor:  rg -j1 -c --mmap with a literal that never occurs: the cost of reading the
#                file's bytes once on this machine, which no filter can beat (best of 3)
#   redact-pii:  the npm package (default SyncRedactor) over the first slice of the same file,
#                time spent in redact() only; it is far slower, so it gets a slice; no
#                extrapolation.
# GB/s and MB/s are 10^9 and 10^6 bytes per second of wall time. Every run reads the file from
# the page cache, and how it got there matters on Linux 6.x: a file read from disk (readahead)
# sits in large folios that map with 2 MiB entries, one just written in small pieces (as the
# generator, or a logger appending lines) in 4 KiB pages that cost the kernel ~0.1 s/GiB to map
# and unmap. The table is for the first state: the log is synced, dropped from the cache
# (posix_fadvise) and read once, as for a log redacted after it was rotated. floorguard and the
# read floor are then also timed on a copy written 8 KiB at a time (the second state).
#
# usage: bench/dlp_speed.sh [BUILD_DIR] [SIZE_MIB] [SLICE_MIB]
#   defaults: build-dlpbench, 1024 (1 GiB), 16. The log is written to $TMPDIR (or /tmp) and
#   removed at the end; set KEEP_LOG=path to keep it at that path.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${1:-build-dlpbench}
SIZE_MIB=${2:-1024}
SLICE_MIB=${3:-16}
BIN=$BUILD_DIR/src/app/floorguard
REGEX='\b(?:\d[ -]?){13,19}\b'
[[ -x $BIN ]] || { echo "no $BIN: build floorguard first" >&2; exit 2; }
command -v rg >/dev/null || { echo "ripgrep missing (apt-get install ripgrep)" >&2; exit 2; }
[[ -d bench/dlp/node_modules/redact-pii ]] || { echo "run: npm ci --prefix bench/dlp" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
log=${KEEP_LOG:-$work/typical.log}
if [[ ! -s $log ]]; then
  python3 bench/dlp/gen_log.py "$SIZE_MIB" "$log" >"$work/gen.txt"
  pans=$(awk '$1 == "pans" {print $2}' "$work/gen.txt")
else
  pans=$(grep -c 'note=customer read card' "$log")
fi
bytes=$(stat -c %s "$log")
# FILE: written to disk, dropped from the page cache, read once (readahead's large folios).
cache_as_read() {
  python3 - "$1" <<'EOF'
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
os.fsync(fd)
os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
os.close(fd)
EOF
  cat "$1" >/dev/null
}
cache_as_read "$log"

now() { date +%s.%N; }
best_of_3() {  # CMD... -> prints the best wall time in seconds
  local best="" t0 t1 dt
  for _ in 1 2 3; do
    t0=$(now); "$@" >/dev/null; t1=$(now)
    dt=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.4f", b - a}')
    if [[ -z $best ]] || awk -v d="$dt" -v b="$best" 'BEGIN {exit !(d < b)}'; then best=$dt; fi
  done
  echo "$best"
}
redact_file() { "$BIN" redact <"$log"; }
rg_file() { rg -j1 -c "$REGEX" "$log" || true; }
FLOOR_LITERAL='QQ#never#QQ'
floor_file() { rg -j1 -c --mmap -F "$FLOOR_LITERAL" "$log" || true; }

"$BIN" redact <"$log" >"$work/redacted.log"
fg_lines_out=$(wc -l <"$work/redacted.log")
fg_masks=$(grep -o -E '\[(PAN|TRACK1|TRACK2|CVV|EXP|SSN|IBAN) ' "$work/redacted.log" | sort | uniq -c |
  awk '{printf "%s%s %s", sep, $2, $1; sep = ", "}' | tr -d '[')
rm -f "$work/redacted.log"
lines_in=$(wc -l <"$log")
rg_lines=$(rg_file)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
fg_time=$(best_of_3 redact_file)
rg_time=$(best_of_3 rg_file)
floor_time=$(best_of_3 floor_file)

# The second state: a copy written 8 KiB at a time, timed right away.
written=$work/written.log
python3 -c '
import sys
with open(sys.argv[1], "rb") as src, open(sys.argv[2], "wb", buffering=0) as dst:
    while chunk := src.read(8192):
        dst.write(chunk)
' "$log" "$written"
written_fg_time=$(log=$written best_of_3 redact_file)
written_floor_time=$(log=$written best_of_3 floor_file)
rm -f "$written"

head -c $((SLICE_MIB << 20)) "$log" | sed '$d' >"$work/slice.log"
slice_bytes=$(stat -c %s "$work/slice.log")
node bench/dlp/redact_pii.js <"$work/slice.log" 2>"$work/rp.txt" >"$work/slice.rp"
rp_seconds=$(awk '{print $5}' "$work/rp.txt")
rp_cards=$(grep -o CREDIT_CARD_NUMBER "$work/slice.rp" | wc -l)
slice_pans=$(grep -c 'note=customer read card' "$work/slice.log" || true)

echo "load before the timed runs: $load_before"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "file: $bytes bytes, $lines_in lines, $pans PANs inserted (one per ~100 KiB)"
echo "floorguard: masks ${fg_masks:-none}; $fg_lines_out lines out"
echo "ripgrep: $rg_lines lines match $REGEX"
echo "redact-pii slice: $slice_bytes bytes, $slice_pans PANs inserted, $rp_cards CREDIT_CARD_NUMBER"
echo
awk -v b="$bytes" -v f="$fg_time" -v r="$rg_time" -v sb="$slice_bytes" -v rs="$rp_seconds" -v fl="$floor_time" 'BEGIN {
  fg = b / f / 1e9; rgs = b / r / 1e9; rp = sb / rs / 1e9; fls = b / fl / 1e9
  printf "| tool | input | best time | throughput | floorguard / tool |\n|---|---:|---:|---:|---:|\n"
  printf "| floorguard redact (text mode) | %.2f GB | %.3f s | **%.2f GB/s** | 1 |\n", b / 1e9, f, fg
  printf "| ripgrep `rg -j1 -c` PAN candidate regex | %.2f GB | %.3f s | %.2f GB/s | %.2f |\n", b / 1e9, r, rgs, fg / rgs
  printf "| redact-pii (npm, redact() time only) | %.1f MB | %.3f s | %.2f MB/s | %.0f |\n", sb / 1e6, rs, rp * 1e3, fg / rp
  printf "| read floor: ripgrep, a literal that never occurs (`--mmap`) | %.2f GB | %.3f s | %.2f GB/s | %.2f |\n", b / 1e9, fl, fls, fg / fls
}'
echo
awk -v b="$bytes" -v f="$written_fg_time" -v fl="$written_floor_time" 'BEGIN {
  printf "The same log just written 8 KiB at a time (4 KiB pages in the page cache):\n\n"
  printf "| tool | best time | throughput |\n|---|---:|---:|\n"
  printf "| floorguard redact (text mode) | %.3f s | **%.2f GB/s** |\n", f, b / f / 1e9
  printf "| read floor (ripgrep `--mmap`, a literal that never occurs) | %.3f s | %.2f GB/s |\n", fl, b / fl / 1e9
}'
