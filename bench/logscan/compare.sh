#!/usr/bin/env bash
# logscan against fail2ban-regex (Debian package fail2ban, sshd filter, mode normal) on the
# same generated auth.log, in one run. Both must find the same number of sshd failed attempts;
# prints both times and the ratio.
#
# usage: bench/logscan/compare.sh BUILD_DIR [LINES]     (LINES defaults to 1,000,000)
#
# logscan is run as `floorguard logscan --format jsonl --count-failures FILE`; its last line
# is `failures <N>`, N being the sshd failed attempts it found. fail2ban's figure is the sum of
# the hits of its failure regexes (those not marked <F-NOFAIL> and not "Accepted"'s
# <F-MLFGAINED>), read from fail2ban-regex's report.
set -euo pipefail

build=${1:?usage: compare.sh BUILD_DIR [LINES]}
lines=${2:-1000000}
here=$(cd "$(dirname "$0")" && pwd)
floorguard=$build/src/app/floorguard
filter=/etc/fail2ban/filter.d/sshd.conf
[[ -x $floorguard ]] || { echo "no $floorguard: build the app first" >&2; exit 2; }
command -v fail2ban-regex >/dev/null || { echo "fail2ban-regex missing (apt-get install fail2ban)" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
log=$work/auth.log

python3 "$here/gen_auth_log.py" "$lines" "$log" >"$work/expected"
expected=$(awk '$1 == "sshd_failures" {print $2}' "$work/expected")
actual_lines=$(awk '$1 == "lines" {print $2}' "$work/expected")

now() { date +%s.%N; }

t0=$(now)
"$floorguard" logscan --format jsonl --count-failures "$log" >"$work/logscan.out"
t1=$(now)
fail2ban-regex --print-no-missed --print-no-ignored "$log" "$filter" >"$work/f2b.out" 2>&1
t2=$(now)

ours=$(tail -n 1 "$work/logscan.out" | awk '$1 == "failures" {print $2}')
theirs=$(awk '
  /^\|[ ]+[0-9]+\) \[[0-9]+\] / {
    hits = $3; gsub(/[\[\]]/, "", hits)
    regex = $0; sub(/^\|[ ]+[0-9]+\) \[[0-9]+\] /, "", regex)
    if (regex ~ /^\^<F-NOFAIL>/ || regex ~ /MLFGAINED/) next
    total += hits
  }
  END { print total + 0 }' "$work/f2b.out")

calc() { awk "BEGIN { print $1 }"; }
ours_s=$(calc "$t1 - $t0")
theirs_s=$(calc "$t2 - $t1")
ratio=$(calc "$theirs_s / $ours_s")

printf 'lines            %d\n' "$actual_lines"
printf 'expected         %d sshd failed attempts (generator)\n' "$expected"
printf 'logscan          %d failures in %.3f s (%.0f lines/s)\n' "${ours:-0}" "$ours_s" \
  "$(calc "$actual_lines / $ours_s")"
printf 'fail2ban-regex   %d failures in %.3f s (%.0f lines/s)\n' "$theirs" "$theirs_s" \
  "$(calc "$actual_lines / $theirs_s")"
printf 'ratio            %.1fx\n' "$ratio"

status=0
if [[ "${ours:-}" != "$theirs" || "$theirs" != "$expected" ]]; then
  echo "MISMATCH: logscan ${ours:-?}, fail2ban $theirs, generator $expected" >&2
  status=1
fi
if [[ $(calc "($ratio < 50) ? 1 : 0") == 1 ]]; then
  echo "TOO SLOW: logscan must be at least 50x faster than fail2ban-regex" >&2
  status=1
fi
exit $status
