#!/usr/bin/env bash
# Installs the npm packages the interop tests use (DuckDB and hyparquet as independent readers)
# into tests/interop/node_modules, from the committed package-lock.json. Skips when up to date.
set -euo pipefail
cd "$(dirname "$0")/../tests/interop"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.fl-stamp ]; then
  npm ci --no-audit --no-fund --loglevel=error
  touch node_modules/.fl-stamp
fi
