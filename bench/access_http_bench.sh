#!/usr/bin/env bash
# Door decisions over HTTP (POST /api/v1/access/decide with a door-controller token, wrk,
# keep-alive), side by side in one run with the platform's plain read:
#   reference:   GET /api/v1/people/1 with a session cookie (the platform's API read figure)
#   decide:      a badge read at a door: parse, decide on the snapshot, passage + audit entry
#                written durably (group commit, synchronous=FULL) before the answer
# Usage: bench/access_http_bench.sh [BUILD_DIR] [SECONDS] [CONNECTIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${1:-build-bench}
SECONDS_PER_RUN=${2:-10}
CONNECTIONS=${3:-32}
BIN=$BUILD_DIR/src/app/floorguard
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 2; }

SERVE_ARGS="--demo" source bench/lib/server.sh

site=$(admin POST /api/v1/sites '{"name":"Bench site","timezone":"UTC"}' | id)
lobby=$(admin POST /api/v1/zones "{\"site_id\":$site,\"name\":\"Bench lobby\",\"classification\":\"public\"}" | id)
floor=$(admin POST /api/v1/zones "{\"site_id\":$site,\"name\":\"Bench floor\",\"classification\":\"staff\"}" | id)
admin POST /api/v1/access/doors "{\"name\":\"Bench door\",\"from_zone_id\":$lobby,\"to_zone_id\":$floor,\"entry_reader_id\":\"R-BENCH\"}" >/dev/null
person=$(admin POST /api/v1/people '{"kind":"employee","employee_number":"E9201","name":"Bench Agent"}' | id)
admin POST /api/v1/access/badges "{\"credential\":\"raw:0a0b0c0d0e\",\"person_id\":$person}" >/dev/null
token=$(admin POST /api/v1/tokens '{"name":"door-bench","role":"door-controller"}' | id token)
curl -sf -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d '{"reader_id":"R-BENCH","credential":"raw:0a0b0c0d0e"}' "$base/api/v1/access/decide" | grep -q '"grant"' \
  || { echo "the bench badge is not granted"; exit 1; }

cat >"$work/decide.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $token"
wrk.body = '{"reader_id":"R-BENCH","credential":"raw:0a0b0c0d0e"}'
LUA
echo "== reference: GET /api/v1/people/1"
wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency -H "Cookie: fg_session=$session" \
  "$base/api/v1/people/1" | tee "$work/reference.txt" | grep -E 'Requests/sec|99%|Non-2xx|Socket errors' || true
echo "== decide: POST /api/v1/access/decide"
wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency -s "$work/decide.lua" \
  "$base/api/v1/access/decide" | tee "$work/decide.txt" | grep -E 'Requests/sec|99%|Non-2xx|Socket errors' || true
ref=$(awk '/Requests\/sec/ {print $2}' "$work/reference.txt")
ours=$(awk '/Requests\/sec/ {print $2}' "$work/decide.txt")
python3 -c "print(f'ratio decide/reference: {float($ours)/float($ref):.2f}')"
