#!/usr/bin/env bash
# Browser end-to-end test of the console against a real server.
#
#   tests/e2e/run.sh BUILD_DIR
#
# Starts BUILD_DIR/src/app/floorguard in demo mode on a free loopback port with a fresh
# data directory and a random admin password, waits for /healthz, runs the node tests in
# headless Debian chromium (playwright-core, no browser download), stops the server and
# exits with the tests' status. On failure the temp dir (server log, screenshots) is kept.
# Env: CHROMIUM (default /usr/bin/chromium), E2E_KEEP=1 keeps the temp dir anyway,
# E2E_TESTS="a.test.mjs b.test.mjs" runs only those files.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [[ $# -ne 1 ]]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
build="$(cd "$1" && pwd)"
server="$build/src/app/floorguard"
if [[ ! -x "$server" ]]; then
  echo "e2e: no server binary at $server" >&2
  exit 2
fi
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
if [[ ! -x "$CHROMIUM" ]]; then
  echo "e2e: no chromium at $CHROMIUM (apt-get install chromium)" >&2
  exit 2
fi
command -v node >/dev/null || { echo "e2e: node is missing (apt-get install nodejs npm)" >&2; exit 2; }

cd "$here"
if [[ ! -d node_modules/playwright-core ]]; then
  npm ci --no-audit --no-fund
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/floorguard-e2e.XXXXXX")"
mkdir -p "$work/data"
server_pid=""
status=1

cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    for _ in $(seq 50); do
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [[ $status -ne 0 || "${E2E_KEEP:-0}" == 1 ]]; then
    echo "e2e: server log and screenshots kept in $work" >&2
    if [[ -f "$work/server.log" ]]; then
      echo "---- last lines of the server log ----" >&2
      tail -n 40 "$work/server.log" >&2 || true
    fi
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A free loopback port (the kernel picks one; the tiny race until the server binds it is
# acceptable on a test machine).
port="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();});')"
# Letters, digits and symbols whatever the random part is.
FLOORGUARD_ADMIN_PASSWORD="Fg-e2e-7$(node -e 'console.log(require("crypto").randomBytes(24).toString("base64url"))')"
export FLOORGUARD_ADMIN_PASSWORD
export FLOORGUARD_URL="http://127.0.0.1:$port"
export E2E_ARTIFACTS="$work"
# recording.test.mjs records calls with `floorguard capture` into the server's data directory.
export FLOORGUARD_BIN="$server"
export FLOORGUARD_DATA="$work/data"

"$server" serve --demo --data "$work/data" --listen "127.0.0.1:$port" >"$work/server.log" 2>&1 &
server_pid=$!

healthy=0
for _ in $(seq 150); do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "e2e: the server exited before it was healthy" >&2
    exit 1
  fi
  if node -e 'fetch(process.argv[1]).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))' \
       "$FLOORGUARD_URL/healthz" 2>/dev/null; then
    healthy=1
    break
  fi
  sleep 0.2
done
if [[ $healthy -ne 1 ]]; then
  echo "e2e: the server did not answer /healthz within 30 s" >&2
  exit 1
fi

set +e
# E2E_TESTS="recording.test.mjs" runs only those files.
# shellcheck disable=SC2086
node --test --test-concurrency=1 ${E2E_TESTS:-console.test.mjs floor.test.mjs access.test.mjs recording.test.mjs}
status=$?
set -e
exit $status
