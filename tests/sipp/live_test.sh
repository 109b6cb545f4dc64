#!/usr/bin/env bash
# The live recording test (issue 6, "Tests with real traffic"): SIPp places real calls with
# RTP and RFC 4733 DTMF on loopback while `floorguard capture` records them from lo; then
# every call must have a recording holding the tones that were sent, with the digits masked,
# and `floorguard recording verify` must pass.
#
# usage: tests/sipp/live_test.sh BUILD_DIR [CALLS] [SECONDS] [--inband-dtmf|--dtmf-same-ssrc]
#   defaults: 5 calls of 8 s, 5 calls/s, RFC 4733 digits 4111 in the middle of each call.
# The capture is stopped with SIGINT once the calls are over; STOP_WITH=duration instead gives
# it --duration long enough for the calls and waits for it to stop by itself.
# Exit 0 pass, 1 fail, 77 skipped (not root, or sipp/python3 missing, or floorguard has no
# `capture`). KEEP_WORK=1 keeps the data directory and logs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: live_test.sh BUILD_DIR [CALLS] [SECONDS] [--inband-dtmf|--dtmf-same-ssrc]}
calls=${2:-5}
seconds=${3:-8}
dtmf_flag=--dtmf
case ${4:-} in
  --inband-dtmf) dtmf_flag=--inband-dtmf ;;
  --dtmf-same-ssrc) dtmf_flag="--dtmf --dtmf-same-ssrc" ;;  # events in the audio's SSRC
esac
bin=$(cd "$build" && pwd)/src/app/floorguard

skip() { echo "live_test: SKIP: $*"; exit 77; }
((EUID == 0)) || skip "needs root (libpcap on lo, SIPp's raw socket)"
command -v sipp >/dev/null || skip "sipp missing (apt-get install sip-tester)"
command -v python3 >/dev/null || skip "python3 missing"
[[ -x $bin ]] || { echo "live_test: no $bin" >&2; exit 1; }
"$bin" capture --help 2>&1 | grep -q -- --read || skip "$bin has no capture command (yet)"

# A job started with & in a script ignores SIGINT (bash does that without job control), and
# a program may keep an inherited SIG_IGN: start the capture with SIGINT back at default.
sigint_default() {
  exec python3 -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execvp(sys.argv[1], sys.argv[1:])' "$@"
}
# SIGINT, then SIGTERM after 15 s, then SIGKILL; returns the capture's exit status.
stop_capture() {
  local pid=$1 rc=0
  kill -INT "$pid" 2>/dev/null || true
  for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    echo "capture ignored SIGINT for 15 s: SIGTERM" >&2
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && { echo "capture ignored SIGTERM: SIGKILL" >&2; kill -KILL "$pid"; }
  fi
  wait "$pid" || rc=$?
  return "$rc"
}

work=$(mktemp -d /tmp/fg-live.XXXXXX)
cap_pid=""
cleanup() {
  if [[ -n $cap_pid ]] && kill -0 "$cap_pid" 2>/dev/null; then
    stop_capture "$cap_pid" 2>/dev/null || true
  fi
  if [[ -n ${KEEP_WORK:-} ]]; then echo "live_test: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
fail() { echo "live_test: FAIL: $*" >&2; exit 1; }

data=$work/data
mkdir -p "$data"
duration=()
t_start=$(date +%s)
# warm-up 2 s, calls start over calls/5 s, each lasts seconds + 0.3 s, then 3 s to settle
budget=$((2 + (calls + 4) / 5 + seconds + 4))
[[ ${STOP_WITH:-} == duration ]] && duration=(--duration "$budget")
sigint_default "$bin" capture --interface lo --filter 'udp' --data-dir "$data" --json \
  "${duration[@]}" >"$work/capture.json" 2>"$work/capture.err" &
cap_pid=$!
# Capturing once the process is alive and has opened lo: wait for a line on stderr or 2 s.
for _ in $(seq 20); do
  kill -0 "$cap_pid" 2>/dev/null || { cat "$work/capture.err" >&2; fail "capture exited early"; }
  [[ -s $work/capture.err ]] && break
  sleep 0.1
done
sleep 1

echo "live_test: $calls calls of $seconds s ($dtmf_flag) while floorguard captures lo"
if ! "$here/run_calls.sh" --calls "$calls" --rate 5 --seconds "$seconds" $dtmf_flag \
  --work "$work/sipp"; then
  fail "sipp calls failed (see above)"
fi
sleep 1  # let the last BYE's 200 and trailing RTP reach the capture

cap_rc=0
if ((${#duration[@]})); then
  echo "live_test: waiting for --duration $budget to run out ($(($(date +%s) - t_start)) s gone)"
  wait "$cap_pid" || cap_rc=$?
else
  stop_capture "$cap_pid" || cap_rc=$?
fi
cap_pid=""
((cap_rc == 0)) || { cat "$work/capture.err" >&2; fail "capture exited $cap_rc"; }
echo "live_test: capture summary: $(cat "$work/capture.json")"
python3 - "$work/capture.json" "$calls" <<'EOF' || fail "capture summary"
import json, sys
s = json.load(open(sys.argv[1]))
calls = int(sys.argv[2])
bad = []
if s.get("recorded", 0) < calls:
    bad.append(f"recorded {s.get('recorded')} of {calls} calls")
if s.get("rtp_lost", 0) > 0:
    bad.append(f"{s['rtp_lost']} RTP packets lost")
for b in bad:
    print("live_test: FAIL:", b, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF

# the digits (4111: 4 x 100 ms, 100 ms apart) start S/2 after the caller's first packet
check_flags=(--dtmf --dtmf-at "$(awk -v s="$seconds" 'BEGIN {print s / 2}')" --dtmf-len 0.7)
python3 "$here/check_recordings.py" "$data" "$bin" --expect-calls "$calls" --caller-hz 1000 \
  --callee-hz 600 --seconds "$seconds" "${check_flags[@]}" \
  ${KEEP_WORK:+--keep-wav "$work/wav"} || fail "recordings do not hold what was sent"
"$bin" recording verify --data-dir "$data" || fail "recording verify"
echo "live_test: PASS ($calls calls recorded, audio and masking checked, vault verified)"
