#!/usr/bin/env bash
# node-deps.sh - install the npm packages the tests use (DuckDB, an S3 test server) into
# tests/node/node_modules when npm is available; without them those tests skip.
set -u
cd "$(dirname "$0")/.."
command -v npm >/dev/null 2>&1 || { echo "npm not found: the DuckDB cross-checks will skip" >&2; exit 0; }
if [ -d tests/node/node_modules ] && [ tests/node/node_modules -nt tests/node/package.json ]; then exit 0; fi
npm install --prefix tests/node --no-audit --no-fund --loglevel=error >/dev/null 2>&1 \
  || echo "npm install failed: the DuckDB cross-checks will skip" >&2
exit 0
