#!/usr/bin/env bash
# The whole test suite, as CI runs it. Installs what it needs on a fresh Debian machine
# (PostgreSQL if none answers on 127.0.0.1:5432, aiosmtpd for the email tests, Chromium for the
# browser tests), then:
# format check, clippy, the suite on SQLite, the same suite on PostgreSQL, the kill test against
# the release binary, the browser tests, and schemathesis against the API.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
SECONDS=0
step() { printf '\n==> [%4ss] %s\n' "$SECONDS" "$*"; }

PG_URL="${TEVREDEN_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/test}"

ensure_postgres() {
  if pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then return 0; fi
  step "starting PostgreSQL"
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    else
      echo "PostgreSQL is not running on 127.0.0.1:5432 and cannot be installed without root" >&2; exit 1
    fi
  fi
  local ver; ver=$(ls /etc/postgresql | sort -V | tail -1)
  local hba="/etc/postgresql/$ver/main/pg_hba.conf"
  # Tests connect over TCP without a password: trust local connections on this test machine.
  if ! grep -q '^host all all 127.0.0.1/32 trust' "$hba"; then
    sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
  fi
  pg_ctlcluster --skip-systemctl-redirect "$ver" main start || pg_ctlcluster --skip-systemctl-redirect "$ver" main restart
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
  psql -h 127.0.0.1 -U postgres -tc "SELECT 1 FROM pg_database WHERE datname = 'test'" | grep -q 1 \
    || psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE test" >/dev/null
}

# The email tests talk to a real SMTP server: aiosmtpd from PyPI, in a venv of our own.
ensure_smtp_server() {
  local venv="$PWD/target/py"
  if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import aiosmtpd' 2>/dev/null; then
    step "installing aiosmtpd (test SMTP server) into target/py"
    python3 -m venv "$venv" || { apt-get install -y -qq python3-venv >/dev/null && python3 -m venv "$venv"; }
    "$venv/bin/pip" install --quiet --disable-pip-version-check 'aiosmtpd>=1.4,<2' 'schemathesis>=4,<5'
  fi
  export TEVREDEN_TEST_PYTHON="$venv/bin/python"
}

ensure_smtp_server

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy --all-targets -- -D warnings"
cargo clippy --workspace --all-targets --quiet -- -D warnings

step "release build (kill test and browser tests run the release binary)"
cargo build --release --quiet -p tevreden
export TEVREDEN_BIN="$PWD/target/release/tevreden"

step "test suite on SQLite"
cargo test --workspace --quiet

ensure_postgres
step "test suite on PostgreSQL ($PG_URL)"
TEVREDEN_TEST_DATABASE_URL="$PG_URL" cargo test --workspace --quiet

step "browser tests (headless Chromium)"
bash e2e/run-e2e.sh

step "schemathesis against the OpenAPI document (no 5xx, answers as documented)"
bash scripts/schemathesis.sh

step "all tests passed in ${SECONDS}s"
