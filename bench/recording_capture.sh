#!/usr/bin/env bash
# Offline recording throughput (issue 6, "Performance"): one generated pcap of CALLS
# concurrent G.711 calls (both directions, 50 packets/s each way, SECONDS long), read in the
# same run by
#   floorguard:  floorguard capture --read FILE --data-dir TMP --json, twice: pinned to one
#                core with taskset (the issue's condition; one encoder thread), then on every
#                core (recording.encoder_threads 0 = one encoder thread per core)
#   tcpdump -r:  tcpdump -r FILE -w /dev/null    (the floor: reading the packets at all)
#   tcpdump -nr: tcpdump -nr FILE > /dev/null    (reading and printing one line per packet)
#   tshark:      tshark -r FILE -q -z rtp,streams (full dissector with RTP stream analysis)
# and prints a Markdown table: wall and CPU seconds, real-time factor (the file's span from
# first to last packet / wall time; the issue asks >= 10 on one core) and each tool's wall
# time relative to floorguard on one core. Also: calls lost (generated - recorded), the CPU of
# the capture thread alone (polled from /proc: reading, decoding, call assembly, placement,
# masking; not encoding), RTP loss and duplicates as floorguard counted them, and memory per
# active call = (peak RSS - peak RSS of a one-call file) / max concurrent calls, from
# /usr/bin/time -v. The file is read once before timing so every tool reads it from the
# page cache. Needs /usr/bin/time and taskset.
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

ncpu=$(nproc)
ticks=$(getconf CLK_TCK)
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN {printf "%.3f", b - a}'; }

# Runs floorguard (pinned to CPUS when given, e.g. "1") under /usr/bin/time -v and polls
# the capture thread's CPU (the main thread: it reads the file and calls OnFrame; encoders
# and the database writer are other threads) from /proc every 0.1 s. The last poll may
# miss up to 0.1 s before the process exits (the capture has then finished its drain).
# Encoder threads are set explicitly (one per CPU the run may use) so the figures do not
# depend on the configured default; OPUS_COMPLEXITY (default 0, the configured default) too.
run_fg() {  # PCAP DATA_DIR JSON_OUT TIME_OUT CPUS THREADS
  mkdir -p "$2"
  local pin=() tpid fpid="" cap=0 v
  [[ -n $5 ]] && pin=(taskset -c "$5")
  printf '[recording]\nencoder_threads = %d\nopus_complexity = %d\n' "$6" \
    "${OPUS_COMPLEXITY:-0}" >"$4.toml"
  "${pin[@]}" /usr/bin/time -v -o "$4" "$bin" capture --config "$4.toml" --read "$1" \
    --data-dir "$2" --json >"$3" &
  tpid=$!
  while kill -0 "$tpid" 2>/dev/null; do
    [[ -z $fpid ]] && fpid=$(awk '{print $1}' "/proc/$tpid/task/$tpid/children" 2>/dev/null)
    if [[ -n $fpid ]] && v=$(awk '{print $14 + $15}' "/proc/$fpid/task/$fpid/stat" 2>/dev/null)
    then
      cap=$v
    fi
    sleep 0.1
  done
  wait "$tpid"
  echo "$cap" >"$4.capture_ticks"
}
# "wall cpu rss capture_cpu" of a finished run
summary_of() {  # TIME_OUT
  awk -F': ' -v cap="$(cat "$1.capture_ticks")" -v hz="$ticks" '
    /Elapsed \(wall clock\)/ {n = split($2, p, ":"); w = 0; for (i = 1; i <= n; ++i) w = w * 60 + p[i]}
    /User time/ {u = $2} /System time/ {s = $2} /Maximum resident set size/ {r = $2}
    END {printf "%.2f %.2f %d %.2f\n", w, u + s, r, cap / hz}' "$1"
}

run_fg "$work/one.pcap" "$work/data1" "$work/fg1.json" "$work/fg1.time" "" 1
read -r _ _ base_rss base_cap < <(summary_of "$work/fg1.time")
rm -rf "$work/data1"

# The issue's condition (one core: one encoder thread beside the capture thread), then
# every core the machine has (encoder threads default to one per core).
fg_runs=()
for cpus in "$((ncpu - 1))" ""; do
  [[ -z $cpus && $ncpu -eq 1 ]] && continue
  tag=${cpus:-all}
  t0=$(now)
  run_fg "$pcap" "$work/data" "$work/fg-$tag.json" "$work/fg-$tag.time" "$cpus" \
    "$([[ -n $cpus ]] && echo 1 || echo "$ncpu")"
  wall=$(since "$t0")
  fg_runs+=("$tag $wall $(summary_of "$work/fg-$tag.time") $work/fg-$tag.json")
  rm -rf "$work/data"
done

t0=$(now); tcpdump -r "$pcap" -w /dev/null 2>/dev/null; tcpdump_s=$(since "$t0")
t0=$(now); tcpdump -nr "$pcap" >/dev/null 2>&1; tcpdump_n_s=$(since "$t0")
tshark_s=""
if [[ -z ${SKIP_TSHARK:-} ]] && command -v tshark >/dev/null; then
  t0=$(now); tshark -r "$pcap" -q -z rtp,streams >"$work/tshark.txt" 2>/dev/null
  tshark_s=$(since "$t0")
fi

python3 - "$gen_json" "$base_rss" "$base_cap" "$tcpdump_s" "$tcpdump_n_s" "${tshark_s:-}" \
  "$work/tshark.txt" "$ncpu" "$(cut -d" " -f1-3 /proc/loadavg)" "${fg_runs[@]}" <<'EOF'
import json, sys
gen = json.load(open(sys.argv[1]))
base_rss, base_cap = int(sys.argv[2] or 0), float(sys.argv[3] or 0)
tcpdump_s, tcpdump_n_s = float(sys.argv[4]), float(sys.argv[5])
tshark_s = float(sys.argv[6]) if sys.argv[6] else None
ncpu, loadavg = int(sys.argv[8]), sys.argv[9]
runs = []
for arg in sys.argv[10:]:
    tag, wall, _, cpu, rss, cap, path = arg.split()
    runs.append(dict(tag=tag, wall=float(wall), cpu=float(cpu), rss=int(rss),
                     cap=max(0.0, float(cap) - base_cap), fg=json.load(open(path))))
span = gen["capture_span_s"]
streams = None
if tshark_s is not None:
    streams = sum(1 for line in open(sys.argv[7]) if "g711U" in line)
ref = runs[0]["wall"]
print(f"## Offline capture: {gen['calls']} concurrent G.711 calls x {gen['seconds']:g} s\n")
print(f"pcap: {gen['packets']:,} packets ({gen['rtp_packets']:,} RTP), "
      f"{gen['bytes'] / 1e9:.2f} GB, spanning {span:.1f} s; {ncpu} CPUs; "
      f"load average at the end: {loadavg}\n")
print("| reader | wall s | CPU s | x real time | wall / floorguard on 1 core |")
print("|---|---:|---:|---:|---:|")
for r in runs:
    name = ("floorguard capture, 1 core (taskset)" if r["tag"] != "all"
            else f"floorguard capture, {ncpu} cores")
    print(f"| {name} | {r['wall']:.2f} | {r['cpu']:.2f} | {span / r['wall']:.2f} | "
          f"{r['wall'] / ref:.2f} |")
others = [("tcpdump -r -w /dev/null", tcpdump_s), ("tcpdump -nr > /dev/null", tcpdump_n_s)]
if tshark_s is not None:
    others.append(("tshark -q -z rtp,streams", tshark_s))
for name, s in others:
    print(f"| {name} | {s:.2f} | | {span / s:.1f} | {s / ref:.3f} |")
print()
for r in runs:
    fg = r["fg"]
    lost = gen["calls"] - int(fg.get("recorded", 0))
    conc = int(fg.get("max_concurrent_calls") or 0)
    per_call = (r["rss"] - base_rss) / conc if conc else float("nan")
    media = float(fg.get("media_seconds") or 0)
    print(f"- floorguard ({r['tag']}): calls generated {gen['calls']}, recorded "
          f"{fg.get('recorded')}, lost {lost}{' (PASS)' if lost == 0 else ' (FAIL)'}; "
          f"real-time factor {span / r['wall']:.2f}"
          f"{' (PASS >= 10)' if span / r['wall'] >= 10 else ' (FAIL < 10)'}; "
          f"CPU {r['cpu']:.1f} s = {media / r['cpu'] if r['cpu'] else 0:.0f} call-seconds "
          f"per CPU-second")
    print(f"  - capture thread alone (read, decode, calls, placement, masking, hand-off): "
          f"{r['cap']:.2f} CPU s = {span / r['cap'] if r['cap'] else float('inf'):.1f} x real "
          f"time; the rest ({r['cpu'] - r['cap']:.1f} s) is encoding and the vault")
    print(f"  - memory: peak RSS {r['rss'] / 1024:.1f} MiB, one-call baseline "
          f"{base_rss / 1024:.1f} MiB, max concurrent calls {conc}: {per_call:.1f} KiB per "
          f"active call")
    print(f"  - counted: frames {fg.get('frames')}, calls {fg.get('calls')}, rtp_packets "
          f"{fg.get('rtp_packets')}, rtp_lost {fg.get('rtp_lost')}, duplicates "
          f"{fg.get('duplicates')}, late {fg.get('late')}, media_seconds {media:.0f}, "
          f"rtp_unmatched {fg.get('rtp_unmatched')}, write_failures {fg.get('write_failures')}")
if streams is not None:
    print(f"- tshark found {streams} G.711 RTP streams (expected {2 * gen['calls']})")
print(f"\ncommand: bench/recording_capture.sh BUILD_DIR {gen['calls']} {gen['seconds']:g}")
EOF
