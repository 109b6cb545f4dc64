#!/usr/bin/env bash
# DLP detector quality (issue 5): recall per brand, format and length, and the false-positive
# rate per hard-negative kind, for `floorguard redact` and, side by side on the same corpus,
# the npm package redact-pii (default SyncRedactor) as the accuracy reference.
#
# usage: bench/dlp_quality.sh [BUILD_DIR] [OUT_DIR]
#   BUILD_DIR defaults to build-dlpbench; OUT_DIR (default: a temporary directory, removed)
#   keeps corpus.jsonl, the outputs and details.txt (every miss and false positive).
# Needs: python3, node, and redact-pii installed with `npm ci --prefix bench/dlp`.
#
# The corpus is bench/dlp/gen_corpus.py with its fixed seed; each sample's text is one line
# of the input, fed to both tools as a line filter. Scoring rules: bench/dlp/score.py.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${1:-build-dlpbench}
BIN=$BUILD_DIR/src/app/floorguard
[[ -x $BIN ]] || { echo "no $BIN: build floorguard first" >&2; exit 2; }
[[ -d bench/dlp/node_modules/redact-pii ]] || { echo "run: npm ci --prefix bench/dlp" >&2; exit 2; }

if [[ -n ${2:-} ]]; then
  work=$2; mkdir -p "$work"
else
  work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
fi
python3 bench/dlp/gen_corpus.py "$work/corpus.jsonl"
python3 -c '
import json, sys
with open(sys.argv[2], "w", encoding="utf-8", newline="\n") as out:
    for line in open(sys.argv[1], encoding="utf-8"):
        out.write(json.loads(line)["text"] + "\n")
' "$work/corpus.jsonl" "$work/corpus.txt"

"$BIN" redact <"$work/corpus.txt" >"$work/floorguard.out"
node bench/dlp/redact_pii.js <"$work/corpus.txt" >"$work/redact_pii.out" 2>/dev/null
python3 bench/dlp/score.py "$work/corpus.jsonl" "$work/floorguard.out" "$work/redact_pii.out" \
  "$work/details.txt"
