#!/usr/bin/env bash
# API read throughput on loopback with wrk (keep-alive, 2 threads), side by side in one run:
#   reference: GET /healthz          (no authentication, one indexed read)
#   floorguard: GET /api/v1/people/1 (session cookie authenticated, role checked, row read)
# Usage: bench/api_bench.sh [BUILD_DIR] [SECONDS] [CONNECTIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${1:-build}
SECONDS_PER_RUN=${2:-10}
CONNECTIONS=${3:-32}
BIN=$BUILD_DIR/src/app/floorguard
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 2; }

work=$(mktemp -d)
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
password="Bench-$(head -c 12 /dev/urandom | base64 | tr -d '/+=')"
FLOORGUARD_ADMIN_PASSWORD=$password "$BIN" serve --demo --data "$work/data" \
  --listen 127.0.0.1:$port >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done

curl -sf -c "$work/cookies" -H 'Content-Type: application/json' \
  -d "{\"username\":\"admin\",\"password\":\"$password\"}" "http://127.0.0.1:$port/api/v1/session" >/dev/null
session=$(awk '$6 == "fg_session" {print $7}' "$work/cookies")
curl -sf -b "fg_session=$session" "http://127.0.0.1:$port/api/v1/people/1" >/dev/null

run() {
  local name=$1 path=$2
  echo "== $name: GET $path"
  wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency -H "Cookie: fg_session=$session" \
    "http://127.0.0.1:$port$path" | tee "$work/$name.txt" | grep -E 'Requests/sec|99%|Non-2xx|Socket errors' || true
}
run reference /healthz
run floorguard /api/v1/people/1
ref=$(awk '/Requests\/sec/ {print $2}' "$work/reference.txt")
ours=$(awk '/Requests\/sec/ {print $2}' "$work/floorguard.txt")
python3 -c "print(f'ratio floorguard/reference: {float($ours)/float($ref):.2f}')"
