#!/usr/bin/env bash
# Offline recording test on generated pcap fixtures (issue 6, "Tests with real traffic": lost,
# reordered and duplicated packets and sequence/timestamp wrap-around handled as specified).
# bench/recording/gen_pcap.py writes the fixtures and says what they hold; then for each:
#   floorguard capture --read FIXTURE --data-dir TMP --json
# must record every call and count exactly what was generated (rtp_lost = packets dropped,
# duplicates = packets written twice, no late packets: reordering stays in the jitter
# window), check_recordings.py must find each side's tone on its own channel, and
# `floorguard recording verify` must pass.
#
# usage: tests/sipp/offline_test.sh BUILD_DIR
# Exit 0 pass, 1 fail, 77 skipped (floorguard has no capture). Needs no root and no network.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
gen=$here/../../bench/recording/gen_pcap.py
build=${1:?usage: offline_test.sh BUILD_DIR}
bin=$(cd "$build" && pwd)/src/app/floorguard
[[ -x $bin ]] || { echo "offline_test: no $bin" >&2; exit 1; }
"$bin" capture --help 2>&1 | grep -q -- --read || { echo "offline_test: SKIP: no capture"; exit 77; }
work=$(mktemp -d /tmp/fg-offline.XXXXXX)
trap '[[ -n ${KEEP_WORK:-} ]] && echo "offline_test: kept $work" || rm -rf "$work"' EXIT
failed=0

# name | gen_pcap options | calls | seconds | max loss % in one recording
cases=(
  "clean|--calls 20 --seconds 6|20|6|0"
  "lossy|--calls 20 --seconds 6 --loss 0.01 --reorder 0.01 --seed 7|20|6|5"
  "duplicated|--calls 10 --seconds 6 --duplicate --loss 0.005 --seed 8|10|6|5"
  "wrap|--calls 5 --seconds 8 --seq-start 65400 --ts-start 4294960000 --reorder 0.01|5|8|0"
)
for c in "${cases[@]}"; do
  IFS='|' read -r name opts calls seconds maxloss <<<"$c"
  # shellcheck disable=SC2086  # opts is a list of options
  python3 "$gen" $opts --out "$work/$name.pcap" --json >"$work/$name.gen.json"
  mkdir -p "$work/$name"
  if ! "$bin" capture --read "$work/$name.pcap" --data-dir "$work/$name" --json \
    >"$work/$name.cap.json" 2>"$work/$name.cap.err"; then
    echo "offline_test: FAIL $name: capture exited non-zero: $(tail -3 "$work/$name.cap.err")"
    failed=1
    continue
  fi
  if ! python3 - "$work/$name.gen.json" "$work/$name.cap.json" "$name" <<'EOF'; then failed=1; fi
import json, sys
gen, cap, name = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
want = {"recorded": gen["calls"], "calls": gen["calls"], "rtp_lost": gen["rtp_lost"],
        "duplicates": gen["rtp_duplicates"], "late": 0, "frames": gen["packets"],
        "max_concurrent_calls": gen["calls"]}
bad = [f"{k} {cap.get(k)} != {v}" for k, v in want.items() if cap.get(k) != v]
if bad:
    print(f"offline_test: FAIL {name}: " + "; ".join(bad))
    sys.exit(1)
print(f"offline_test: {name}: counters match ({gen['rtp_lost']} lost, "
      f"{gen['rtp_reordered']} reordered, {gen['rtp_duplicates']} duplicates)")
EOF
  python3 "$here/check_recordings.py" "$work/$name" "$bin" --expect-calls "$calls" \
    --seconds "$seconds" --max-loss-pct "$maxloss" >"$work/$name.check.txt" 2>&1 ||
    { echo "offline_test: FAIL $name:"; cat "$work/$name.check.txt"; failed=1; }
  "$bin" recording verify --data-dir "$work/$name" >/dev/null ||
    { echo "offline_test: FAIL $name: recording verify"; failed=1; }
done
((failed == 0)) && echo "offline_test: PASS"
exit "$failed"
