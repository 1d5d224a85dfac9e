#!/usr/bin/env bash
# Property-based API test: schemathesis (PyPI) generates requests from our OpenAPI document and
# checks every answer: no 5xx, status codes and bodies as documented, content types as declared.
# Runs against the demo organisation on a throw-away SQLite database. One worker: with two,
# hypothesis parses lambda sources from two threads, which CPython 3.11 can fail with
# "AST constructor recursion depth mismatch" (seen in CI on GET /audit).
#
#   scripts/schemathesis.sh            # uses $TEVREDEN_BIN or target/release/tevreden
#   MAX_EXAMPLES=200 scripts/schemathesis.sh
set -euo pipefail
cd "$(dirname "$0")/.."

BIN="${TEVREDEN_BIN:-$PWD/target/release/tevreden}"
[ -x "$BIN" ] || { echo "no binary at $BIN: cargo build --release first" >&2; exit 1; }
VENV="$PWD/target/py"
if [ ! -x "$VENV/bin/schemathesis" ]; then
  python3 -m venv "$VENV" 2>/dev/null || true
  "$VENV/bin/pip" install --quiet --disable-pip-version-check 'schemathesis>=4,<5'
fi

WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
export TEVREDEN_DATABASE_URL="sqlite://$WORK/schemathesis.db"
PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
BASE="http://127.0.0.1:$PORT"

"$BIN" demo --listen "127.0.0.1:$PORT" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 120); do
  python3 -c "import urllib.request, sys; urllib.request.urlopen(sys.argv[1], timeout=2)" "$BASE/healthz" 2>/dev/null && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log"; exit 1; }
  sleep 0.5
done
TOKEN="$("$BIN" token create --org demo --role admin --name schemathesis)"

set +e
"$VENV/bin/schemathesis" --no-color run "$BASE/api/v1/openapi.json" \
  --url "$BASE/api/v1" \
  --header "Authorization: Bearer $TOKEN" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance \
  --max-examples "${MAX_EXAMPLES:-40}" \
  --workers 1 \
  --seed 20261127 \
  "$@" 2>&1 | tee "$WORK/schemathesis.log"
STATUS=${PIPESTATUS[0]}
set -e
mkdir -p target
cp "$WORK/schemathesis.log" target/schemathesis.log
if grep -q ' 5[0-9][0-9] ' "$WORK/server.log"; then
  echo "server log mentions 5xx answers:"; grep ' 5[0-9][0-9] ' "$WORK/server.log" | head -20
fi
exit "$STATUS"
