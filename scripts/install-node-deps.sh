#!/usr/bin/env bash
# Installs the npm packages of the interop tests and the DuckDB benchmark peer (@duckdb/node-api,
# hyparquet, hyparquet-compressors) into node_modules/ at the repo root, exactly as pinned in the
# committed package-lock.json. Skips the install when node_modules/ is newer than the lock file
# (a stamp file records the last successful install).
set -euo pipefail

cd "$(dirname "$0")/.."

for tool in node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "install-node-deps: '$tool' not found on PATH; install Node.js 20+ (e.g. 'make deps' or apt-get install nodejs npm)" >&2
    exit 1
  fi
done

node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" -lt 18 ]; then
  echo "install-node-deps: Node.js 18+ needed (20 is what the tests run on), found $(node --version)" >&2
  exit 1
fi

if [ ! -f package-lock.json ]; then
  echo "install-node-deps: package-lock.json missing at $(pwd); it is committed with package.json" >&2
  exit 1
fi

stamp=node_modules/.fl-install-stamp
if [ -f "$stamp" ] && [ ! package-lock.json -nt "$stamp" ] && [ ! package.json -nt "$stamp" ]; then
  exit 0
fi

echo "install-node-deps: npm ci at $(pwd)"
npm ci --no-audit --no-fund
touch "$stamp"
