#!/usr/bin/env bash
# Places real calls with RTP on loopback with SIPp (issue 6, "Tests with real traffic").
#
# usage: tests/sipp/run_calls.sh --calls N --rate R --seconds S [--dtmf] [--inband-dtmf]
#          [--dtmf-same-ssrc] [--digits 4111] [--limit L] [--work DIR]
#          [--uas-ip 127.0.0.2] [--uac-ip 127.0.0.1] [--port 5060]
#
# Starts the UAS (uas.xml on UAS_IP:PORT, media from 127.0.0.2:30000 + 4 per call), then the
# UAC (uac.xml from UAC_IP, media from port 20000 + 4 per call) for N calls at R calls/s,
# at most L at once (default N), each S seconds of audio: 1000 Hz from the caller, 600 Hz
# from the callee. --dtmf adds the RFC 4733 digits (own SSRC, audio going on underneath;
# with --dtmf-same-ssrc in the audio's SSRC with the audio muted); --inband-dtmf plays them
# as tones in the caller's audio instead. The digits start S/2 seconds into the call.
# Waits for every call to end, prints SIPp's counts ("calls placed N successful X failed Y"
# and the UAS's), and exits 0 only if every call succeeded on both sides.
# Needs root: SIPp plays pcaps through a raw socket. Calls stay on 127.0.0.0/8.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
calls=1 rate=1 seconds=10 dtmf=none digits=4111 limit="" work="" same_ssrc=0
uas_ip=127.0.0.2 uac_ip=127.0.0.1 port=5060
while (($#)); do
  case $1 in
    --calls) calls=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --dtmf) dtmf=rfc4733; shift ;;
    --inband-dtmf) dtmf=inband; shift ;;
    --dtmf-same-ssrc) same_ssrc=1; shift ;;
    --digits) digits=$2; shift 2 ;;
    --limit) limit=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --uas-ip) uas_ip=$2; shift 2 ;;
    --uac-ip) uac_ip=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    -h | --help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "run_calls: unknown argument $1" >&2; exit 2 ;;
  esac
done
limit=${limit:-$calls}
command -v sipp >/dev/null || { echo "run_calls: sipp missing (apt-get install sip-tester)" >&2; exit 2; }
for ip in "$uas_ip" "$uac_ip"; do
  [[ $ip == 127.* ]] || { echo "run_calls: $ip is not a loopback address" >&2; exit 2; }
done

if [[ -z $work ]]; then
  work=$(mktemp -d /tmp/fg-sipp.XXXXXX)
  [[ -n ${KEEP_WORK:-} ]] || trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work"
"$here/make_audio.sh" "$work" "$seconds" "$digits" >/dev/null
cp "$here/uac.xml" "$here/uas.xml" "$work/"
case $dtmf in
  rfc4733) if ((same_ssrc)); then cp "$work/caller_dtmf_same.pcap" "$work/caller.pcap"
           else cp "$work/caller_dtmf.pcap" "$work/caller.pcap"; fi ;;
  inband) cp "$work/caller_inband.pcap" "$work/caller.pcap" ;;
esac

uas_pid=""
stop_uas() {
  if [[ -n $uas_pid ]] && kill -0 "$uas_pid" 2>/dev/null; then
    kill -USR1 "$uas_pid" 2>/dev/null || true  # SIPp's "q": stop and write the screen log
    for _ in $(seq 50); do kill -0 "$uas_pid" 2>/dev/null || break; sleep 0.1; done
    kill "$uas_pid" 2>/dev/null || true
    wait "$uas_pid" 2>/dev/null || true
  fi
  uas_pid=""
}
trap 'stop_uas; [[ -n ${KEEP_WORK:-} ]] || rm -rf "$work"' EXIT

# A UAS of an earlier run may still hold the port for a moment.
for _ in $(seq 50); do
  ss -Huln "sport = :$port" | grep -q "$uas_ip:$port" || break
  sleep 0.1
done
cd "$work"
sipp -sf uas.xml -i "$uas_ip" -p "$port" -mi "$uas_ip" -mp 30000 -nostdin -trace_screen \
  -trace_err >uas.out 2>&1 &
uas_pid=$!
for _ in $(seq 50); do
  ss -Huln "sport = :$port" | grep -q "$uas_ip:$port" && break
  kill -0 "$uas_pid" 2>/dev/null || { cat uas.out >&2; echo "run_calls: UAS failed" >&2; exit 1; }
  sleep 0.1
done

# The call lasts the caller's audio plus 300 ms so its last packet leaves before the BYE.
pause_ms=$((seconds * 1000 + 300))
timeout_s=$((seconds + calls / rate + 60))
set +e
sipp "$uas_ip:$port" -sf uac.xml -i "$uac_ip" -mi "$uac_ip" -mp 20000 -m "$calls" -r "$rate" \
  -l "$limit" -d "$pause_ms" -s 7000 -timeout "${timeout_s}s" -timeout_error -nostdin \
  -trace_screen -trace_err >uac.out 2>&1
uac_rc=$?
set -e
sleep 0.5
stop_uas

count() {  # FILE LABEL -> cumulative value of the last "LABEL | periodic | cumulative" row
  awk -F'|' -v label="$2" '$1 ~ label {v = $3} END {gsub(/ /, "", v); print (v == "" ? 0 : v)}' \
    "$1" 2>/dev/null || echo 0
}
uac_screen=$(ls -t uac_*_screen.log 2>/dev/null | head -1)
uas_screen=$(ls -t uas_*_screen.log 2>/dev/null | head -1)
ok=$(count "${uac_screen:-/dev/null}" "Successful call")
failed=$(count "${uac_screen:-/dev/null}" "Failed call")
uas_ok=$(count "${uas_screen:-/dev/null}" "Successful call")
uas_failed=$(count "${uas_screen:-/dev/null}" "Failed call")
echo "run_calls: calls placed $calls successful $ok failed $failed (uac exit $uac_rc)"
echo "run_calls: uas successful $uas_ok failed $uas_failed"
if ((uac_rc != 0 || ok != calls || failed != 0 || uas_ok != calls)); then
  for f in uac_*_errors.log uas_*_errors.log; do
    [[ -s $f ]] && { echo "--- $f" >&2; head -20 "$f" >&2; }
  done
  tail -5 uac.out >&2 || true
  exit 1
fi
