#!/usr/bin/env bash
# Offline recording throughput (issue 6, "Performance"): one generated pcap of CALLS
# concurrent G.711 calls (both directions, 50 packets/s each way, SECONDS long), read in the
# same run by
#   floorguard:  floorguard capture --read FILE --data-dir TMP --json   (pinned to one core)
#   tcpdump -r:  tcpdump -r FILE -w /dev/null    (the floor: reading the packets at all)
#   tcpdump -nr: tcpdump -nr FILE > /dev/null    (reading and printing one line per packet)
#   tshark:      tshark -r FILE -q -z rtp,streams (full dissector with RTP stream analysis)
# and prints a Markdown table: wall seconds, real-time factor (the file's span from first to
# last packet / wall time; the issue asks >= 10 on one core) and each tool's time relative to
# floorguard. Also: calls lost (generated - recorded), RTP loss and duplicates as floorguard
# counted them, and memory per active call = (peak RSS - peak RSS of a one-call file) / max
# concurrent calls. Peak RSS comes from /usr/bin/time -v when installed, else the JSON.
# The file is read once before timing so every tool reads it from the page cache.
#
# usage: bench/recording_capture.sh BUILD_DIR [CALLS] [SECONDS]
#   defaults: 1000 calls, 60 s (a 1.4 GB pcap of 6 million RTP packets in $TMPDIR or /tmp,
#   removed at the end; KEEP_PCAP=path keeps it there and reuses it when present).
#   SKIP_TSHARK=1 leaves tshark out (it needs about 0.55 GB of memory per million packets).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:?usage: bench/recording_capture.sh BUILD_DIR [CALLS] [SECONDS]}
calls=${2:-1000}
seconds=${3:-60}
bin=$build/src/app/floorguard
[[ -x $bin ]] || { echo "no $bin: build floorguard first" >&2; exit 2; }
"$bin" capture --help 2>&1 | grep -q -- --read || { echo "$bin has no capture --read" >&2; exit 2; }
for t in tcpdump python3; do command -v $t >/dev/null || { echo "$t missing" >&2; exit 2; }; done

work=$(mktemp -d "${TMPDIR:-/tmp}/fg-recbench.XXXXXX")
trap 'rm -rf "$work"' EXIT
pcap=${KEEP_PCAP:-$work/calls.pcap}
gen_json=$work/gen.json
if [[ -s $pcap && -s $pcap.json ]]; then
  cp "$pcap.json" "$gen_json"
else
  python3 bench/recording/gen_pcap.py --calls "$calls" --seconds "$seconds" --out "$pcap" \
    --json >"$gen_json"
  [[ -n ${KEEP_PCAP:-} ]] && cp "$gen_json" "$pcap.json"
fi
python3 bench/recording/gen_pcap.py --calls 1 --seconds 1 --out "$work/one.pcap" --json \
  >/dev/null
cat "$pcap" >/dev/null

pin=()
command -v taskset >/dev/null && pin=(taskset -c "$(($(nproc) - 1))")
timev=()
[[ -x /usr/bin/time ]] && timev=(/usr/bin/time -v -o)
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN {printf "%.3f", b - a}'; }

run_fg() {  # PCAP DATA_DIR JSON_OUT TIME_OUT
  mkdir -p "$2"
  if ((${#timev[@]})); then
    "${timev[@]}" "$4" "${pin[@]}" "$bin" capture --read "$1" --data-dir "$2" --json >"$3"
  else
    "${pin[@]}" "$bin" capture --read "$1" --data-dir "$2" --json >"$3"
  fi
}
rss_of() {  # TIME_OUT JSON -> peak RSS in KiB
  if [[ -s $1 ]]; then
    awk -F': ' '/Maximum resident set size/ {print $2}' "$1"
  else
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("peak_rss_kib", 0))' "$2"
  fi
}

run_fg "$work/one.pcap" "$work/data1" "$work/fg1.json" "$work/fg1.time"
base_rss=$(rss_of "$work/fg1.time" "$work/fg1.json")
rm -rf "$work/data1"

t0=$(now)
run_fg "$pcap" "$work/data" "$work/fg.json" "$work/fg.time"
fg_s=$(since "$t0")
fg_rss=$(rss_of "$work/fg.time" "$work/fg.json")
rm -rf "$work/data"

t0=$(now); tcpdump -r "$pcap" -w /dev/null 2>/dev/null; tcpdump_s=$(since "$t0")
t0=$(now); tcpdump -nr "$pcap" >/dev/null 2>&1; tcpdump_n_s=$(since "$t0")
tshark_s=""
if [[ -z ${SKIP_TSHARK:-} ]] && command -v tshark >/dev/null; then
  t0=$(now); tshark -r "$pcap" -q -z rtp,streams >"$work/tshark.txt" 2>/dev/null
  tshark_s=$(since "$t0")
fi

python3 - "$gen_json" "$work/fg.json" "$fg_s" "$fg_rss" "$base_rss" "$tcpdump_s" \
  "$tcpdump_n_s" "${tshark_s:-}" "$work/tshark.txt" "${pin[*]:-}" <<'EOF'
import json, sys
gen = json.load(open(sys.argv[1]))
fg = json.load(open(sys.argv[2]))
fg_s, fg_rss, base_rss = float(sys.argv[3]), int(sys.argv[4] or 0), int(sys.argv[5] or 0)
tcpdump_s, tcpdump_n_s = float(sys.argv[6]), float(sys.argv[7])
tshark_s = float(sys.argv[8]) if sys.argv[8] else None
pin = sys.argv[10]
span = gen["capture_span_s"]
streams = None
if tshark_s is not None:
    streams = sum(1 for line in open(sys.argv[9]) if "g711U" in line)
lost = gen["calls"] - int(fg.get("recorded", 0))
conc = int(fg.get("max_concurrent_calls") or 0)
per_call = (fg_rss - base_rss) / conc if conc else float("nan")
print(f"## Offline capture: {gen['calls']} concurrent G.711 calls x {gen['seconds']:g} s\n")
print(f"pcap: {gen['packets']:,} packets ({gen['rtp_packets']:,} RTP), "
      f"{gen['bytes'] / 1e9:.2f} GB, spanning {span:.1f} s; floorguard "
      f"{'pinned with ' + pin if pin else 'not pinned'}\n")
print("| reader | wall s | x real time | relative to floorguard |")
print("|---|---:|---:|---:|")
rows = [("floorguard capture --read", fg_s), ("tcpdump -r -w /dev/null", tcpdump_s),
        ("tcpdump -nr > /dev/null", tcpdump_n_s)]
if tshark_s is not None:
    rows.append(("tshark -q -z rtp,streams", tshark_s))
for name, s in rows:
    print(f"| {name} | {s:.2f} | {span / s:.1f} | {s / fg_s:.2f} |")
print()
print(f"- calls generated {gen['calls']}, recorded {fg.get('recorded')}, "
      f"lost {lost}{' (PASS)' if lost == 0 else ' (FAIL)'}; "
      f"real-time factor {span / fg_s:.1f}{' (PASS >= 10)' if span / fg_s >= 10 else ' (FAIL < 10)'}")
print(f"- floorguard counted: frames {fg.get('frames')}, calls {fg.get('calls')}, "
      f"rtp_packets {fg.get('rtp_packets')}, rtp_lost {fg.get('rtp_lost')}, "
      f"duplicates {fg.get('duplicates')}, late {fg.get('late')}, "
      f"media_seconds {fg.get('media_seconds')}, its own elapsed_s {fg.get('elapsed_s')}, "
      f"cpu_s {fg.get('cpu_s')}, kernel_dropped {fg.get('kernel_dropped')}, "
      f"rtp_unmatched {fg.get('rtp_unmatched')}, write_failures {fg.get('write_failures')}")
print(f"- memory: peak RSS {fg_rss / 1024:.1f} MiB, one-call baseline {base_rss / 1024:.1f} MiB, "
      f"max concurrent calls {conc}: {per_call:.1f} KiB per active call")
if streams is not None:
    print(f"- tshark found {streams} G.711 RTP streams (expected {2 * gen['calls']})")
print(f"\ncommand: bench/recording_capture.sh BUILD_DIR {gen['calls']} {gen['seconds']:g}")
EOF
