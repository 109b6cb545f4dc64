#!/usr/bin/env bash
# Workstation logon decisions through the API (POST /api/v1/logon with a workstation token,
# wrk, keep-alive), side by side in one run:
#   reference:          GET /healthz (no authentication, no write)
#   logon_locked:       a locked account: every check up to the lockout runs, the attempt and
#                       its audit entry are written durably; no Argon2id (the credential check
#                       is excluded, as it would be for any cached or refused credential)
#   logon_full:         the right password: every check, Argon2id at the production
#                       parameters (m=19 MiB, t=2), a new station session, all durable
# and the cost of one Argon2id verification from bench/password_bench.cc.
# Usage: bench/logon_bench.sh [BUILD_DIR] [SECONDS] [CONNECTIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${1:-build-bench}
SECONDS_PER_RUN=${2:-10}
CONNECTIONS=${3:-16}
BIN=$BUILD_DIR/src/app/floorguard
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 2; }

source bench/lib/server.sh

site=$(admin POST /api/v1/sites '{"name":"Bench site","timezone":"UTC"}' | id)
zone=$(admin POST /api/v1/zones "{\"site_id\":$site,\"name\":\"Bench floor\",\"classification\":\"staff\"}" | id)
station=$(admin POST /api/v1/stations "{\"workstation_id\":\"WS-BENCH\",\"zone_id\":$zone}" | id)
token=$(admin POST /api/v1/tokens "{\"name\":\"ws-bench\",\"role\":\"workstation\",\"station_id\":$station}" | id token)
device() {  # PATH JSON
  curl -s -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d "$2" "$base$1"
}
agent_password="Lantern-Harbour-Quiet-77"
make_account() {  # EMPLOYEE_NUMBER USERNAME -> account ready to log on with $agent_password
  local person temporary session_id
  person=$(admin POST /api/v1/people "{\"kind\":\"employee\",\"employee_number\":\"$1\",\"name\":\"Bench $2\"}" | id)
  temporary=$(admin POST /api/v1/accounts "{\"person_id\":$person,\"username\":\"$2\"}" | id password)
  session_id=$(device /api/v1/logon "{\"username\":\"$2\",\"password\":\"$temporary\"}" | id session_id)
  device /api/v1/logon/password "{\"session_id\":$session_id,\"current_password\":\"$temporary\",\"new_password\":\"$agent_password\"}" >/dev/null
  device /api/v1/logoff "{\"session_id\":$session_id}" >/dev/null
}
make_account E9101 bench.full
make_account E9102 bench.locked
# Six wrong passwords: the account brute-force detector locks bench.locked for 30 minutes.
for _ in 1 2 3 4 5 6; do
  device /api/v1/logon '{"username":"bench.locked","password":"Wrong-Password-000"}' >/dev/null
done
device /api/v1/logon "{\"username\":\"bench.locked\",\"password\":\"$agent_password\"}" | grep -q account_locked \
  || { echo "bench.locked did not lock"; exit 1; }

cat >"$work/logon.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $token"
wrk.body = os.getenv("FG_BODY")
LUA
run() {  # NAME PATH [BODY]
  local name=$1 path=$2 body=${3:-}
  echo "== $name"
  if [[ -n $body ]]; then
    FG_BODY=$body wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency -s "$work/logon.lua" \
      "$base$path" | tee "$work/$name.txt" | grep -E 'Requests/sec|99%|Non-2xx|Socket errors' || true
  else
    wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency "$base$path" \
      | tee "$work/$name.txt" | grep -E 'Requests/sec|99%|Non-2xx|Socket errors' || true
  fi
}
run reference /healthz
run logon_locked /api/v1/logon "{\"username\":\"bench.locked\",\"password\":\"$agent_password\"}"
run logon_full /api/v1/logon "{\"username\":\"bench.full\",\"password\":\"$agent_password\"}"
rate() { awk '/Requests\/sec/ {print $2}' "$work/$1.txt"; }
python3 - "$(rate reference)" "$(rate logon_locked)" "$(rate logon_full)" <<'PY'
import sys
ref, locked, full = map(float, sys.argv[1:])
print(f"decisions/s without Argon2id (locked account): {locked:,.0f}  ({locked/ref:.2f}x /healthz)")
print(f"decisions/s with Argon2id (right password):    {full:,.0f}  ({full/ref:.4f}x /healthz)")
PY
if [[ -x $BUILD_DIR/bench/password_bench ]]; then
  "$BUILD_DIR/bench/password_bench" --benchmark_filter=Production --benchmark_counters_tabular=true \
    2>/dev/null | grep -E "Argon2id"
fi
