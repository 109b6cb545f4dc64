#!/usr/bin/env bash
# pam_floorguard.so through libpam (pam_start_confdir: /etc/pam.d is never touched).
#
#   pam_live_test.sh --offline MODULE DRIVER          no server: fail-closed and config checks
#   pam_live_test.sh MODULE DRIVER FLOORGUARD         also against a real floorguard server
#
# The live part starts `floorguard serve` on 127.0.0.1 (port 0), bootstraps a station, a person,
# an account and a workstation token through the API with curl, then drives the module: a
# temporary password gives PAM_NEW_AUTHTOK_REQD, the right password a session visible on the
# floor, a wrong one PAM_AUTH_ERR, a TOTP account is asked for its code, a bad token, TLS to a
# plain server and a stopped server PAM_AUTHINFO_UNAVAIL; no password appears in the server's
# output, the audit trail or the driver's output. Needs root (the module wants root-owned
# files): exits 77 (skipped) otherwise. Ends with "N passed, N failed".
set -uo pipefail

offline=0
if [[ ${1:-} == --offline ]]; then
  offline=1
  shift
fi
if [[ $# -lt 2 || ($offline == 0 && $# -lt 3) ]]; then
  echo "usage: $0 [--offline] MODULE DRIVER [FLOORGUARD]" >&2
  exit 2
fi
module=$(realpath "$1")
driver=$(realpath "$2")
floorguard=${3:+$(realpath "$3")}

if [[ $(id -u) != 0 ]]; then
  echo "skipped: the module only accepts root-owned config and token files; run as root"
  exit 77
fi

work=$(mktemp -d /tmp/fg-pam-live-XXXXXX)
chmod 0700 "$work"
server_pid=""
helper_pid=""
cleanup() {
  [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  [[ -n $helper_pid ]] && kill "$helper_pid" 2>/dev/null && wait "$helper_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

passed=0
failed=0
ok() {
  echo "ok   - $1"
  passed=$((passed + 1))
}
bad() {
  echo "FAIL - $1"
  failed=$((failed + 1))
}
# expect NAME FILE PATTERN: the driver output FILE has a line matching PATTERN.
expect() {
  if grep -qE "$3" "$2"; then ok "$1"; else
    bad "$1 (wanted /$3/)"
    sed 's/^/       | /' "$2"
  fi
}
finish() {
  echo "$passed passed, $failed failed"
  [[ $failed == 0 ]]
  exit $?
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# service NAME CONFIG [extra auth args]: a PAM service file in the private confdir.
confdir=$work/pam.d
mkdir -p "$confdir"
service() {
  cat >"$confdir/$1" <<EOF
auth     required $module config=$2 ${3:-}
account  required $module
session  required $module
EOF
}
# conf NAME URL TOKEN [MODE] [EXTRA LINE]: a config file and its token file, root-owned.
conf() {
  printf '%s\n' "$3" >"$work/$1.token"
  chmod "${4:-0600}" "$work/$1.token"
  printf 'url = %s\ntoken_file = %s\ntimeout_ms = 3000\n%s\n' "$2" "$work/$1.token" "${5:-}" \
    >"$work/$1.conf"
  chmod 0644 "$work/$1.conf"
}
# drive OUT SERVICE USER PASSWORD [STEPS] [TOTP]
drive() {
  FG_PAM_PASSWORD=$4 FG_PAM_TOTP=${6:-} "$driver" "$confdir" "$2" "$3" "${5:-auth,acct,open,close}" \
    >"$1" 2>&1
}

# --- Without a server --------------------------------------------------------------------------
closed=$(free_port)
conf closed "http://127.0.0.1:$closed" fgd_offlineTokenValue0123456789
service closed "$work/closed.conf"
drive "$work/out.closed" closed agent 'Offline-Password-77'
expect "unreachable server fails closed: PAM_AUTHINFO_UNAVAIL" "$work/out.closed" \
  '^authenticate: PAM_AUTHINFO_UNAVAIL'
expect "unreachable server: the user is told" "$work/out.closed" '^error: The logon server cannot'
if grep -q '^acct_mgmt\|^open_session' "$work/out.closed"; then
  bad "steps after a failed authenticate still ran"
else ok "nothing runs after a failed authenticate"; fi

drive "$work/out.acct" closed agent x acct
expect "account without a floorguard allow on the handle: PAM_PERM_DENIED" "$work/out.acct" \
  '^acct_mgmt: PAM_PERM_DENIED'
drive "$work/out.open" closed agent x open
expect "session without a floorguard logon: PAM_SESSION_ERR" "$work/out.open" \
  '^open_session: PAM_SESSION_ERR'

# A server that accepts the connection and never answers: the timeout fails closed.
hang_port=$(free_port)
python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8); time.sleep(60)' "$hang_port" &
helper_pid=$!
for _ in $(seq 50); do python3 -c "import socket; socket.create_connection(('127.0.0.1',$hang_port)).close()" 2>/dev/null && break; sleep 0.1; done
conf hang "http://127.0.0.1:$hang_port" fgd_offlineTokenValue0123456789 0600
sed -i 's/timeout_ms = 3000/timeout_ms = 500/' "$work/hang.conf"
service hang "$work/hang.conf"
drive "$work/out.hang" hang agent 'Offline-Password-77' auth
expect "a server that never answers times out: PAM_AUTHINFO_UNAVAIL" "$work/out.hang" \
  '^authenticate: PAM_AUTHINFO_UNAVAIL'
kill "$helper_pid" 2>/dev/null; wait "$helper_pid" 2>/dev/null; helper_pid=""

conf loose "http://127.0.0.1:$closed" fgd_offlineTokenValue0123456789 0644
service loose "$work/loose.conf"
drive "$work/out.loose" loose agent x auth
expect "token file readable by others is refused: PAM_SERVICE_ERR" "$work/out.loose" \
  '^authenticate: PAM_SERVICE_ERR'

conf unknown "http://127.0.0.1:$closed" fgd_offlineTokenValue0123456789 0600 'verify = no'
service unknown "$work/unknown.conf"
drive "$work/out.unknown" unknown agent x auth
expect "unknown config key is refused: PAM_SERVICE_ERR" "$work/out.unknown" \
  '^authenticate: PAM_SERVICE_ERR'

conf plain "http://192.0.2.10:8080" fgd_offlineTokenValue0123456789
service plain "$work/plain.conf"
drive "$work/out.plain" plain agent x auth
expect "plain http to a non-loopback host is refused: PAM_SERVICE_ERR" "$work/out.plain" \
  '^authenticate: PAM_SERVICE_ERR'

service badarg "$work/closed.conf" "nonsense"
drive "$work/out.badarg" badarg agent x auth
expect "unknown module argument is refused: PAM_SERVICE_ERR" "$work/out.badarg" \
  '^authenticate: PAM_SERVICE_ERR'

if grep -q 'Offline-Password-77' "$work"/out.*; then bad "a password reached the driver output"
else ok "no password in the driver output (offline)"; fi

if [[ $offline == 1 ]]; then finish; fi

# --- Against a real floorguard ----------------------------------------------------------------
admin_initial='Copper-Meadow-Initial-4471'
admin_password='Violet-Canyon-Chosen-9218'
temporary='Amber-Kettle-Window-305'
agent_password='Quiet-Harbour-Lantern-58'
wrong_password='Not-The-Password-123'
cat >"$work/floorguard.toml" <<EOF
[server]
listen = "127.0.0.1:0"

[data]
dir = "$work/data"

[database]
durability = "normal"
EOF
FLOORGUARD_ADMIN_PASSWORD=$admin_initial "$floorguard" serve --config "$work/floorguard.toml" \
  >"$work/server.log" 2>&1 &
server_pid=$!
port=""
for _ in $(seq 200); do
  port=$(sed -nE 's|.*serving .* on http://127\.0\.0\.1:([0-9]+)/.*|\1|p' "$work/server.log")
  [[ -n $port ]] && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
if [[ -z $port ]]; then
  bad "floorguard did not start"
  sed 's/^/       | /' "$work/server.log"
  finish
fi
ok "floorguard serving on 127.0.0.1:$port"
base="http://127.0.0.1:$port"

jar=$work/cookies
# api METHOD PATH [BODY] [AUTH]: prints the body; the status goes to $work/status.
api() {
  local args=(-sS -o "$work/body" -w '%{http_code}' -X "$1" "$base$2" -H 'Content-Type: application/json')
  [[ -n ${3:-} ]] && args+=(--data-binary "$3")
  if [[ -n ${4:-} ]]; then
    args+=(-H "Authorization: Bearer $4")
  else
    args+=(-b "$jar" -c "$jar")
    local csrf
    csrf=$(awk '$6 == "csrf" {print $7}' "$jar" 2>/dev/null | tail -1)
    [[ -n $csrf ]] && args+=(-H "X-CSRF-Token: $csrf")
  fi
  curl "${args[@]}" >"$work/status"
  cat "$work/body"
}
status() { cat "$work/status"; }
# field JSON PYTHON-EXPRESSION-ON-d
field() { python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2"; }

api POST /api/v1/session "{\"username\":\"admin\",\"password\":\"$admin_initial\"}" >/dev/null
[[ $(status) == 200 ]] || { bad "admin login: $(status) $(cat "$work/body")"; finish; }
api POST /api/v1/session/password \
  "{\"current_password\":\"$admin_initial\",\"new_password\":\"$admin_password\"}" >/dev/null
[[ $(status) == 204 ]] || { bad "admin password change: $(status) $(cat "$work/body")"; finish; }
rm -f "$jar"
api POST /api/v1/session "{\"username\":\"admin\",\"password\":\"$admin_password\"}" >/dev/null
[[ $(status) == 200 ]] || { bad "admin login after change: $(status)"; finish; }

# create VAR PATH BODY: POST, want 201, set VAR to the new id (no subshell, so a failure stops).
create() {
  api POST "$2" "$3" >/dev/null
  if [[ $(status) != 201 ]]; then
    bad "POST $2: $(status) $(cat "$work/body")"
    finish
  fi
  printf -v "$1" '%s' "$(field "$(cat "$work/body")" 'd["id"]')"
}
create site /api/v1/sites '{"name":"PAM HQ","timezone":"UTC"}'
create zone /api/v1/zones "{\"site_id\":$site,\"name\":\"Floor P\",\"classification\":\"staff\"}"
create station /api/v1/stations "{\"workstation_id\":\"WS-PAM1\",\"zone_id\":$zone}"
create person /api/v1/people '{"kind":"employee","employee_number":"E9001","name":"Pam Tester"}'
create account /api/v1/accounts \
  "{\"person_id\":$person,\"username\":\"pamuser\",\"password\":\"$temporary\"}"
create person2 /api/v1/people '{"kind":"employee","employee_number":"E9002","name":"Tess Otp"}'
create account2 /api/v1/accounts \
  "{\"person_id\":$person2,\"username\":\"totpuser\",\"password\":\"$temporary\"}"
create token_id /api/v1/tokens "{\"name\":\"ws-pam1\",\"role\":\"workstation\",\"station_id\":$station}"
token=$(field "$(cat "$work/body")" 'd["token"]')
ok "bootstrapped station WS-PAM1, accounts pamuser and totpuser, a workstation token"

conf live "$base" "$token"
service live "$work/live.conf"

# session_of USER: the session shown for WS-PAM1 on the floor ("state user" or "none").
session_of() {
  local floor
  floor=$(api GET /api/v1/floor)
  field "$floor" '" ".join(next((s["session"]["state"]+" "+s["session"]["username"]) if s["session"] else "none" for z in d["zones"] for s in z["stations"] if s["workstation_id"]=="WS-PAM1").split())'
}

# 1. The temporary password: authenticate succeeds, account asks for a new password; the
#    session no PAM session took over is logged off at pam_end.
drive "$work/out.temp" live pamuser "$temporary" auth,acct
expect "temporary password: authenticate PAM_SUCCESS" "$work/out.temp" '^authenticate: PAM_SUCCESS'
expect "temporary password: acct_mgmt PAM_NEW_AUTHTOK_REQD" "$work/out.temp" \
  '^acct_mgmt: PAM_NEW_AUTHTOK_REQD'
drive "$work/out.authonly" live pamuser "$temporary" "auth,hold=$work/hold.authonly" &
driver_pid=$!
for _ in $(seq 100); do grep -q '^hold: waiting' "$work/out.authonly" 2>/dev/null && break; sleep 0.1; done
before_end=$(session_of)
touch "$work/hold.authonly"
wait "$driver_pid"
if [[ $before_end == "active pamuser" && $(session_of) == none ]]; then
  ok "a session no PAM session took over is on the floor until pam_end, then logged off"
else
  bad "auth-only session: before pam_end '$before_end', after '$(session_of)'"
fi

# Change it the way a workstation agent would (the module has no chauthtok yet).
change_password() { # USER
  local answer sid
  answer=$(api POST /api/v1/logon "{\"username\":\"$1\",\"password\":\"$temporary\"}" "$token")
  sid=$(field "$answer" 'd.get("session_id", 0)')
  api POST /api/v1/logon/password "{\"session_id\":$sid,\"current_password\":\"$temporary\",\"new_password\":\"$agent_password\"}" "$token" >/dev/null
  [[ $(status) == 204 ]] || bad "password change of $1: $(status) $(cat "$work/body")"
  api POST /api/v1/logoff "{\"session_id\":$sid}" "$token" >/dev/null
}
change_password pamuser

# 2. The right password: a session on the floor while open, gone after close.
hold=$work/hold
drive "$work/out.right" live pamuser "$agent_password" "auth,acct,open,hold=$hold,close" &
driver_pid=$!
for _ in $(seq 100); do grep -q '^hold: waiting' "$work/out.right" 2>/dev/null && break; sleep 0.1; done
on_floor=$(session_of)
touch "$hold"
wait "$driver_pid"
expect "right password: authenticate PAM_SUCCESS" "$work/out.right" '^authenticate: PAM_SUCCESS'
expect "right password: the session id is in the PAM environment" "$work/out.right" \
  '^env: FLOORGUARD_SESSION_ID=[1-9][0-9]*$'
expect "right password: acct_mgmt PAM_SUCCESS" "$work/out.right" '^acct_mgmt: PAM_SUCCESS'
expect "right password: open_session PAM_SUCCESS" "$work/out.right" '^open_session: PAM_SUCCESS'
expect "right password: close_session PAM_SUCCESS" "$work/out.right" '^close_session: PAM_SUCCESS'
[[ $on_floor == "active pamuser" ]] && ok "GET /api/v1/floor shows pamuser active at WS-PAM1" ||
  bad "floor while the session was open: '$on_floor'"
[[ $(session_of) == none ]] && ok "after close_session the floor shows WS-PAM1 free" ||
  bad "floor after close: $(session_of)"

# 3. A wrong password.
drive "$work/out.wrong" live pamuser "$wrong_password"
expect "wrong password: PAM_AUTH_ERR" "$work/out.wrong" '^authenticate: PAM_AUTH_ERR'
expect "wrong password: the server's message is shown" "$work/out.wrong" '^error: .+'

# 4. An account with TOTP: the module asks for the code (a recovery code here) and retries.
change_password totpuser
enrol=$(api POST "/api/v1/accounts/$account2/totp/enrol" '{}')
secret=$(field "$enrol" 'd["secret"]')
code=$(python3 - "$secret" <<'EOF'
import base64, hashlib, hmac, struct, sys, time
key = base64.b32decode(sys.argv[1].upper() + "=" * (-len(sys.argv[1]) % 8))
digest = hmac.new(key, struct.pack(">Q", int(time.time()) // 30), hashlib.sha1).digest()
offset = digest[-1] & 15
print("%06d" % ((struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7fffffff) % 1000000))
EOF
)
confirm=$(api POST "/api/v1/accounts/$account2/totp/confirm" "{\"code\":\"$code\"}")
if [[ $(status) == 200 ]]; then
  recovery=$(field "$confirm" 'd["recovery_codes"][0]')
  drive "$work/out.totp" live totpuser "$agent_password" auth,acct,open,close "$recovery"
  expect "TOTP account: asked for the verification code" "$work/out.totp" \
    '^prompt: Verification code: '
  expect "TOTP account: right code, PAM_SUCCESS" "$work/out.totp" '^close_session: PAM_SUCCESS'
  drive "$work/out.badtotp" live totpuser "$agent_password" auth "000000"
  expect "TOTP account: wrong code, PAM_AUTH_ERR" "$work/out.badtotp" '^authenticate: PAM_AUTH_ERR'
else
  bad "TOTP confirm: $(status) $confirm"
fi

# 5. A token floorguard does not know, and TLS to a plain-HTTP server: fail closed.
conf badtoken "$base" fgd_NotARealTokenAtAll0123456789
service badtoken "$work/badtoken.conf"
drive "$work/out.badtoken" badtoken pamuser "$agent_password" auth
expect "unknown token: PAM_AUTHINFO_UNAVAIL" "$work/out.badtoken" '^authenticate: PAM_AUTHINFO_UNAVAIL'
conf tls "https://127.0.0.1:$port" "$token"
service tls "$work/tls.conf"
drive "$work/out.tls" tls pamuser "$agent_password" auth
expect "TLS failure (https to a plain server): PAM_AUTHINFO_UNAVAIL" "$work/out.tls" \
  '^authenticate: PAM_AUTHINFO_UNAVAIL'

# 6. The audit trail has the logons and no password.
audit=$(api GET '/api/v1/audit?limit=500')
[[ $(status) == 200 ]] || bad "GET /api/v1/audit: $(status)"
printf '%s' "$audit" >"$work/audit.json"
[[ $(field "$audit" 'sum(1 for e in d["items"] if "logon" in e["action"])') -gt 0 ]] &&
  ok "the audit trail records the logons" || bad "no logon entries in the audit trail"

# 7. The server stopped: fail closed.
kill -TERM "$server_pid"
wait "$server_pid" 2>/dev/null
server_pid=""
drive "$work/out.stopped" live pamuser "$agent_password"
expect "server stopped: PAM_AUTHINFO_UNAVAIL" "$work/out.stopped" '^authenticate: PAM_AUTHINFO_UNAVAIL'

leaks=0
for secret_text in "$temporary" "$agent_password" "$wrong_password" "$admin_password"; do
  for file in "$work/server.log" "$work/audit.json" "$work"/out.*; do
    if grep -qF -- "$secret_text" "$file"; then
      bad "a password appears in $(basename "$file")"
      leaks=1
    fi
  done
done
[[ $leaks == 0 ]] && ok "no password in the server's output, the audit trail or the driver output"
grep -qF -- "$token" "$work/server.log" "$work/audit.json" "$work"/out.* &&
  bad "the station token appears in an output" || ok "the station token appears in no output"

finish
