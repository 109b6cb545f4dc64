# Sourced by the HTTP benchmarks: starts `floorguard serve` on a free loopback port over a
# temporary data directory, logs in as admin, and offers `admin METHOD PATH JSON` (a console
# call with session and CSRF) and `id [FIELD]` (a field of the JSON on stdin).
# Needs BIN; honours SERVE_ARGS (e.g. --demo) and FG_CONFIG (a --config file).
work=$(mktemp -d)
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base=http://127.0.0.1:$port
password="Bench-$(head -c 12 /dev/urandom | base64 | tr -d '/+=')"
# shellcheck disable=SC2086
FLOORGUARD_ADMIN_PASSWORD=$password "$BIN" serve ${SERVE_ARGS:-} --data "$work/data" \
  ${FG_CONFIG:+--config "$FG_CONFIG"} --listen 127.0.0.1:$port >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 50); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.2; done

curl -sf -c "$work/cookies" -H 'Content-Type: application/json' \
  -d "{\"username\":\"admin\",\"password\":\"$password\"}" "$base/api/v1/session" >/dev/null
session=$(awk '$6 == "fg_session" {print $7}' "$work/cookies")
csrf=$(awk '$6 == "csrf" {print $7}' "$work/cookies")
admin() {  # METHOD PATH JSON -> body
  curl -sf -X "$1" -b "fg_session=$session; csrf=$csrf" -H "X-CSRF-Token: $csrf" \
    -H 'Content-Type: application/json' -d "$3" "$base$2"
}
id() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "${1:-id}"; }
