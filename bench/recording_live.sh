#!/usr/bin/env bash
# Live recording capacity on loopback (issue 6, "Performance"): `floorguard capture` records
# lo while SIPp holds C concurrent calls with RTP both ways (tests/sipp/run_calls.sh), for
# C = 50, 100, 200, 400, ... until the capture loses something (its JSON shows rtp_lost > 0,
# or recorded < placed) or SIPp itself can no longer place the calls. Reports the largest C
# recorded without loss and the capture's CPU from /proc/PID/stat (utime + stime): CPU
# seconds per 100 calls, and the share of one core per 100 concurrent calls.
#
# usage: bench/recording_live.sh BUILD_DIR [STEPS] [SECONDS]
#   STEPS default "50 100 200 400 800 1600"; SECONDS (each call's length) default 20.
#   Calls start over 5 s (rate C/5), so all C overlap for SECONDS - 5 s. The capture gets
#   --duration (SECONDS + 12) as a backstop and SIGINT once the calls are over.
# Needs root (libpcap on lo, SIPp's raw sockets). Traffic stays on 127.0.0.0/8.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:?usage: bench/recording_live.sh BUILD_DIR [STEPS] [SECONDS]}
steps=${2:-50 100 200 400 800 1600}
seconds=${3:-20}
bin=$(cd "$build" && pwd)/src/app/floorguard
((EUID == 0)) || { echo "recording_live: needs root" >&2; exit 77; }
command -v sipp >/dev/null || { echo "recording_live: sipp missing" >&2; exit 77; }
[[ -x $bin ]] || { echo "no $bin: build floorguard first" >&2; exit 2; }
"$bin" capture --help 2>&1 | grep -q -- --interface || { echo "$bin has no capture" >&2; exit 2; }

# A job started with & in a script ignores SIGINT (bash does that without job control), and
# a program may keep an inherited SIG_IGN: start the capture with SIGINT back at default.
sigint_default() {
  exec python3 -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execvp(sys.argv[1], sys.argv[1:])' "$@"
}
# SIGINT, then up to WAIT_S seconds for it to finish (it also has --duration), then SIGTERM
# and SIGKILL; returns the capture's exit status.
stop_capture() {
  local pid=$1 wait_s=${2:-15} rc=0
  kill -INT "$pid" 2>/dev/null || true
  for _ in $(seq $((wait_s * 10))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    echo "capture still running $wait_s s after SIGINT: SIGTERM" >&2
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && { echo "capture ignored SIGTERM: SIGKILL" >&2; kill -KILL "$pid"; }
  fi
  wait "$pid" || rc=$?
  return "$rc"
}

work=$(mktemp -d "${TMPDIR:-/tmp}/fg-reclive.XXXXXX")
cap_pid=""
cleanup() {
  if [[ -n $cap_pid ]] && kill -0 "$cap_pid" 2>/dev/null; then
    stop_capture "$cap_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
ticks=$(getconf CLK_TCK)
load_before=$(cut -d" " -f1-3 /proc/loadavg)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }  # utime + stime
now() { date +%s.%N; }

# One encoder thread per core unless ENCODER_THREADS says otherwise (explicit, so the
# figure does not depend on the configured default).
threads=${ENCODER_THREADS:-$(nproc)}
printf '[recording]\nencoder_threads = %d\n' "$threads" >"$work/capture.toml"

best=0
rows=()
for c in $steps; do
  data=$work/data-$c
  mkdir -p "$data"
  # --duration as a backstop: warm-up, 5 s of call starts, the calls, 5 s to settle.
  budget=$((2 + 5 + seconds + 5))
  cap_t0=$(date +%s)
  sigint_default "$bin" capture --config "$work/capture.toml" --interface lo --filter udp \
    --data-dir "$data" --json \
    --duration "$budget" >"$work/cap-$c.json" 2>"$work/cap-$c.err" &
  cap_pid=$!
  sleep 1.5
  kill -0 "$cap_pid" 2>/dev/null || { cat "$work/cap-$c.err" >&2; echo "capture died" >&2; exit 1; }
  cpu0=$(cpu_ticks "$cap_pid")
  t0=$(now)
  rate=$(((c + 4) / 5))
  sipp_ok=1
  KEEP_WORK=1 tests/sipp/run_calls.sh --calls "$c" --rate "$rate" --seconds "$seconds" \
    --limit "$c" --work "$work/sipp-$c" >"$work/sipp-$c.txt" 2>&1 || sipp_ok=0
  cat "$work/sipp-$c"/*_errors.log 2>/dev/null | grep -c -i "sendto\|send_packets" \
    >"$work/sipp-send-errors-$c" || true
  rm -rf "$work/sipp-$c"
  sleep 1
  cpu1=$(cpu_ticks "$cap_pid")
  wall=$(awk -v a="$t0" -v b="$(now)" 'BEGIN {printf "%.2f", b - a}')
  left=$((budget - ($(date +%s) - cap_t0) + 5))
  stop_capture "$cap_pid" $((left > 5 ? left : 5)) || echo "recording_live: capture exited non-zero" >&2
  cap_pid=""
  rm -rf "$data"
  read -r recorded lost rtp max_conc kdrop < <(python3 -c '
import json, sys
try:
    s = json.load(open(sys.argv[1]))
except Exception:
    s = {}
print(s.get("recorded", 0), s.get("rtp_lost", 0), s.get("rtp_packets", 0),
      s.get("max_concurrent_calls", 0), s.get("kernel_dropped", "-"))' "$work/cap-$c.json")
  # What SIPp could not send is not the capture's loss: count its send errors.
  send_err=$(cat "$work"/sipp-send-errors-"$c" 2>/dev/null || echo "-")
  placed=$(awk '/calls placed/ {print $6}' "$work/sipp-$c.txt")
  placed=${placed:-0}
  cpu_s=$(awk -v a="$cpu0" -v b="$cpu1" -v t="$ticks" 'BEGIN {printf "%.2f", (b - a) / t}')
  per100=$(awk -v s="$cpu_s" -v c="$c" 'BEGIN {printf "%.2f", s * 100 / c}')
  core100=$(awk -v s="$cpu_s" -v w="$wall" -v c="$c" 'BEGIN {printf "%.1f", 100 * s / w * 100 / c}')
  verdict=ok
  if ((sipp_ok == 0)); then verdict="sipp failed ($(tail -1 "$work/sipp-$c.txt"))"
  elif ((recorded < c || lost > 0)); then verdict="LOSS"; fi
  rows+=("| $c | $placed | $recorded | $max_conc | $rtp | $lost | $kdrop | $send_err | $cpu_s | $per100 | $core100 | $verdict |")
  echo "recording_live: $c calls: $verdict (recorded $recorded, rtp_lost $lost, cpu ${cpu_s}s)" >&2
  [[ $verdict == ok ]] || break
  best=$c
done

echo "## Live capture on lo: SIPp calls of ${seconds} s, both directions 50 packets/s"
echo
echo "$(nproc) CPUs, $threads encoder threads; load average before: $load_before"
echo
echo "| concurrent calls | placed OK | recorded | max concurrent seen | RTP packets | RTP lost | kernel dropped | SIPp send errors | capture CPU s | CPU s per 100 calls | % of a core per 100 concurrent calls | result |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
printf '%s\n' "${rows[@]}"
echo
echo "Largest number of concurrent calls recorded without loss: $best"
echo "(kernel dropped: packets libpcap reports the socket dropped, i.e. the capture fell behind;"
echo " SIPp send errors: lines in SIPp's error logs about sending media, i.e. the load generator"
echo " fell behind. The machine's cores are shared by SIPp's play threads and the capture.)"
echo "command: bench/recording_live.sh BUILD_DIR \"$steps\" $seconds"
