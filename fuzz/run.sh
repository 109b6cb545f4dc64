#!/usr/bin/env bash
# Runs one libFuzzer target for a while: builds it with clang (-fsanitize=fuzzer,address,
# undefined) from the sources it needs, then fuzzes from its corpus. New inputs go to a scratch
# directory, not into the corpus; a crash is written to $OUT/crash-* and the exit code is
# non-zero. To keep a crash as a regression input, copy it into the target's corpus (the
# ordinary test run replays every corpus file).
#
# usage: fuzz/run.sh dlp|sip|rtp [SECONDS] [OUT]
#   defaults: 300 seconds, OUT=$TMPDIR/fg-fuzz-TARGET (or /tmp). Needs clang and
#   libclang-rt-14-dev (Debian 12: apt-get install clang libclang-rt-14-dev).
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: fuzz/run.sh dlp|sip|rtp [SECONDS] [OUT]}
seconds=${2:-300}
out=${3:-${TMPDIR:-/tmp}/fg-fuzz-$target}
command -v clang++ >/dev/null || { echo "clang++ missing (apt-get install clang libclang-rt-14-dev)" >&2; exit 2; }

case $target in
  dlp)
    sources=(fuzz/dlp/dlp_fuzz.cc src/dlp/dlp.cc src/dlp/issuers.cc src/dlp/stream.cc)
    libs=(-lsodium)
    corpus=fuzz/dlp/dlp_fuzz_corpus ;;
  sip)
    sources=(fuzz/voip/sip_fuzz.cc src/voip/packet.cc src/voip/fragments.cc src/voip/sip.cc
             src/voip/sdp.cc src/voip/call_tracker.cc)
    libs=()
    corpus=fuzz/voip/sip_fuzz_corpus ;;
  rtp)
    sources=(fuzz/voip/rtp_fuzz.cc src/voip/rtp.cc src/voip/channel.cc src/voip/codec.cc
             src/voip/dtmf.cc src/voip/sdp.cc src/voip/packet.cc)
    libs=(-lspandsp)
    corpus=fuzz/voip/rtp_fuzz_corpus ;;
  *) echo "unknown target $target (dlp, sip or rtp)" >&2; exit 2 ;;
esac

mkdir -p "$out/new"
clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -Isrc "${sources[@]}" \
  src/core/result.cc "${libs[@]}" -o "$out/$target-fuzz"
"$out/$target-fuzz" -max_total_time="$seconds" -max_len=4096 -artifact_prefix="$out/" \
  -print_final_stats=1 "$out/new" "$corpus"
