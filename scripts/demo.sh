#!/usr/bin/env bash
# demo.sh - the main job: a 48 h closed-loop simulation with a disturbance (IDV 1 from
# 8 h), written to demo-out/idv1_48h.csv, with a one-line summary.
set -euo pipefail
build=${1:-build}
mkdir -p demo-out
"$build/tep" simulate --idv 1 --fault-at 8 --hours 48 --output demo-out/idv1_48h.csv
rows=$(($(wc -l < demo-out/idv1_48h.csv) - 1))
echo "demo: wrote $rows samples x 53 variables to demo-out/idv1_48h.csv"
