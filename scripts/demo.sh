#!/usr/bin/env bash
# demo.sh - the main job: the batch pipeline of config/config.yaml on the embedded
# default store. It simulates a normal run and three fault runs (48 h each), cleans,
# fills, clips outliers, normalizes with statistics of normal operation, adds features,
# and stores everything in data/tep.db (SQLite), then prints where the data went and
# a quality summary per run.
set -euo pipefail
build=${1:-build}
"$build/tep" run -c config/config.yaml --log-level warn
echo
echo "query it, e.g.: sqlite3 data/tep.db 'select run_id, rows_stored, fault, shutdown_reason from runs'"
