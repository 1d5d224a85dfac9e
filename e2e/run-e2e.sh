#!/usr/bin/env bash
# Browser tests of the respondent pages: node:test + playwright-core driving Debian's Chromium.
#
#   bash e2e/run-e2e.sh            # from the repository root (or anywhere)
#
# Needs Node 20+ and a built binary: TEVREDEN_BIN (absolute, or relative to the repository
# root), else target/release/tevreden, else target/debug/tevreden. Installs Chromium with
# apt-get when /usr/bin/chromium is missing and we are root (never a Playwright browser
# download). Screenshots of every step land in target/e2e/. Exits non-zero on failure.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
cd "$root"

if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "run-e2e: installing chromium (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium chromium-driver >/dev/null
  else
    echo "run-e2e: /usr/bin/chromium is missing; install it: sudo apt-get install -y chromium chromium-driver" >&2
    exit 1
  fi
fi

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "run-e2e: node and npm are needed (Node 20 or newer)" >&2
  exit 1
fi
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" -lt 20 ]; then
  echo "run-e2e: Node $(node --version) is too old; Node 20 or newer is needed" >&2
  exit 1
fi

if [ -n "${TEVREDEN_BIN:-}" ]; then
  case "$TEVREDEN_BIN" in /*) bin="$TEVREDEN_BIN" ;; *) bin="$root/$TEVREDEN_BIN" ;; esac
elif [ -x target/release/tevreden ]; then
  bin="$root/target/release/tevreden"
else
  bin="$root/target/debug/tevreden"
fi
if [ ! -x "$bin" ]; then
  echo "run-e2e: no tevreden binary at $bin: run 'cargo build -p tevreden' (or --release) first, or set TEVREDEN_BIN" >&2
  exit 1
fi
echo "run-e2e: testing $bin with $(/usr/bin/chromium --version 2>/dev/null || echo chromium)"

# Screenshots of this run only.
rm -rf "$root/target/e2e" && mkdir -p "$root/target/e2e"
cd "$here"
# Playwright must never download a browser of its own here.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
npm ci --no-audit --no-fund --loglevel=error
TEVREDEN_BIN="$bin" npm test
