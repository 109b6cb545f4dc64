#!/usr/bin/env bash
# Makes the audio the sipp calls play (issue 6, "Tests with real traffic").
#
# usage: tests/sipp/make_audio.sh OUTDIR [SECONDS] [DIGITS]
#
# Every file is 8 kHz mono G.711 µ-law in a WAV container: SIPp 3.6's
# <exec rtp_stream="FILE,LOOPS,0"/> skips the WAV header and sends the data chunk as PCMU
# (payload type 0, 160 bytes = 20 ms per packet). Written to OUTDIR:
#   speech_pcmu.wav         a spoken sentence (espeak-ng), for listening in the console
#   tone1000_pcmu.wav       1 s of 1000 Hz (the caller's tone; loop it S times for S seconds)
#   tone600_pcmu.wav        1 s of 600 Hz (the callee's tone)
#   caller_inband_pcmu.wav  SECONDS (default 10) of 1000 Hz with the keypad DIGITS (default
#                           4111) as in-band DTMF (100 ms tone, 100 ms gap each) replacing the
#                           tone from the middle of the call: what a phone without RFC 4733
#                           sends. The digits start at SECONDS/2 (rounded down to 20 ms).
# and, made from those by rtp_pcap.py, the RTP pcaps the scenarios play with
# <exec play_pcap_audio=.../> (SIPp 3.6.1's rtp_stream sends every call from one port pair,
# so a recorder could not tell concurrent calls apart; pcap play uses [auto_media_port]):
#   caller.pcap             SECONDS of 1000 Hz
#   caller_dtmf.pcap        the same with RFC 4733 events for DIGITS from SECONDS/2 under their
#                           own SSRC while the tone goes on (as SIPp's dtmf_2833_*.pcap)
#   caller_dtmf_same.pcap   RFC 4733 events in the audio's SSRC, audio muted during digits
#   caller_inband.pcap      caller_inband_pcmu.wav as RTP
#   callee.pcap             SECONDS + 30 of 600 Hz (the UAS stops it at the BYE)
#   speech.pcap             the sentence
#   pcap/dtmf_2833_*.pcap   SIPp's RFC 4733 event captures (one digit each, 140 ms)
#   pcap/g711a.pcap         SIPp's A-law sample
# Tone amplitude is 0.5 of full scale so µ-law stays far from clipping.
set -euo pipefail
out=${1:?usage: make_audio.sh OUTDIR [SECONDS] [DIGITS]}
seconds=${2:-10}
digits=${3:-4111}
command -v sox >/dev/null || { echo "make_audio: sox missing (apt-get install sox)" >&2; exit 2; }
mkdir -p "$out/pcap"
ulaw=(-r 8000 -c 1 -e u-law -b 8)

sox -r 8000 -c 1 -n "${ulaw[@]}" "$out/tone1000_pcmu.wav" synth 1 sine 1000 vol 0.5
sox -r 8000 -c 1 -n "${ulaw[@]}" "$out/tone600_pcmu.wav" synth 1 sine 600 vol 0.5

if command -v espeak-ng >/dev/null; then
  espeak-ng -s 150 -w "$out/speech_raw.wav" \
    "Thank you for calling. This call is recorded for quality and training purposes."
  sox "$out/speech_raw.wav" "${ulaw[@]}" "$out/speech_pcmu.wav" norm -3
  rm -f "$out/speech_raw.wav"
else
  echo "make_audio: espeak-ng missing, no speech_pcmu.wav" >&2
fi

# In-band DTMF: low and high frequency of each key (ITU-T Q.23), each at 0.25 so the pair
# peaks at 0.5 like the tones (sox -m halves each input).
dtmf_pair() {
  case $1 in
    1) echo "697 1209" ;; 2) echo "697 1336" ;; 3) echo "697 1477" ;; A) echo "697 1633" ;;
    4) echo "770 1209" ;; 5) echo "770 1336" ;; 6) echo "770 1477" ;; B) echo "770 1633" ;;
    7) echo "852 1209" ;; 8) echo "852 1336" ;; 9) echo "852 1477" ;; C) echo "852 1633" ;;
    '*') echo "941 1209" ;; 0) echo "941 1336" ;; '#') echo "941 1477" ;; D) echo "941 1633" ;;
    *) echo "make_audio: bad DTMF digit '$1'" >&2; exit 2 ;;
  esac
}
parts=()
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# All durations in samples so the pieces butt together exactly.
total=$((seconds * 8000))
lead=$((total / 2 / 160 * 160))
sox -r 8000 -c 1 -n -r 8000 -c 1 -b 16 "$tmp/lead.wav" synth "${lead}s" sine 1000 vol 0.5
parts+=("$tmp/lead.wav")
used=$lead
for ((i = 0; i < ${#digits}; i++)); do
  d=${digits:i:1}
  read -r low high < <(dtmf_pair "$d")
  sox -r 8000 -c 1 -n -r 8000 -c 1 -b 16 "$tmp/lo$i.wav" synth 800s sine "$low" vol 0.5
  sox -r 8000 -c 1 -n -r 8000 -c 1 -b 16 "$tmp/hi$i.wav" synth 800s sine "$high" vol 0.5
  sox -m "$tmp/lo$i.wav" "$tmp/hi$i.wav" "$tmp/d$i.wav"  # -m scales each input by 1/2
  sox -r 8000 -c 1 -n -r 8000 -c 1 -b 16 "$tmp/g$i.wav" trim 0 800s
  parts+=("$tmp/d$i.wav" "$tmp/g$i.wav")
  used=$((used + 1600))
done
rest=$((total - used))
((rest > 0)) || { echo "make_audio: $seconds s is too short for digits $digits" >&2; exit 2; }
sox -r 8000 -c 1 -n -r 8000 -c 1 -b 16 "$tmp/tail.wav" synth "${rest}s" sine 1000 vol 0.5
parts+=("$tmp/tail.wav")
sox "${parts[@]}" "${ulaw[@]}" "$out/caller_inband_pcmu.wav"

here=$(dirname "$0")
rtp() { python3 "$here/rtp_pcap.py" "$@" >/dev/null; }
rtp "$out/tone1000_pcmu.wav" "$out/caller.pcap" --seconds "$seconds" --seed 1
rtp "$out/tone1000_pcmu.wav" "$out/caller_dtmf.pcap" --seconds "$seconds" --seed 2 \
  --dtmf "$digits" --dtmf-at "$(awk -v s="$seconds" 'BEGIN {print s / 2}')" --dtmf-ssrc own
rtp "$out/tone1000_pcmu.wav" "$out/caller_dtmf_same.pcap" --seconds "$seconds" --seed 3 \
  --dtmf "$digits" --dtmf-at "$(awk -v s="$seconds" 'BEGIN {print s / 2}')" --dtmf-ssrc same
rtp "$out/caller_inband_pcmu.wav" "$out/caller_inband.pcap" --seed 4
rtp "$out/tone600_pcmu.wav" "$out/callee.pcap" --seconds $((seconds + 30)) --seed 5
[[ -s $out/speech_pcmu.wav ]] && rtp "$out/speech_pcmu.wav" "$out/speech.pcap" --seed 6

shopt -s nullglob
for f in /usr/share/sip-tester/*.pcap; do cp -f "$f" "$out/pcap/"; done
[[ -s $out/pcap/dtmf_2833_1.pcap ]] || echo "make_audio: no SIPp DTMF pcaps in /usr/share/sip-tester" >&2
echo "make_audio: wrote $(ls "$out" | tr '\n' ' ')(inband digits at ${lead} samples)"
