#!/usr/bin/env bash
# demo.sh - the main job: the batch pipeline of config/config.yaml on the embedded
# default store. It simulates a normal run and three fault runs (48 h each), cleans,
# fills, removes spikes, normalizes with statistics of normal operation, adds features,
# stores everything in data/tep.db (SQLite), prints where the data went and a quality
# summary per run, then monitors the runs with PCA and writes an HTML report.
set -euo pipefail
build=${1:-build}
"$build/tep" run -c config/config.yaml --log-level warn
echo
echo "report: data/processed/report.html (open it in a browser)"
echo "query the store, e.g.: sqlite3 data/tep.db 'select run_id, rows_stored, fault, shutdown_reason from runs'"
