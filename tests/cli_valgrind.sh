#!/usr/bin/env bash
# cli_valgrind.sh - the main paths under valgrind: no memory errors and no leaks in
# `tep simulate`, `tep run` (simulator -> every preprocessing step -> SQLite -> analysis and
# report) and `tep analyze` on Braatz files. Skipped for sanitizer builds (ASan and valgrind
# do not mix) and when valgrind is missing.
. "$(dirname "$0")/lib_cli.sh"
command -v valgrind >/dev/null 2>&1 || { echo "SKIP: valgrind not installed"; exit 77; }
if ldd "$TEP" 2>/dev/null | grep -q asan; then echo "SKIP: sanitizer build"; exit 77; fi
vg() { valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite,indirect \
  --error-exitcode=3 "$@"; }
cd "$tmp"
vg "$TEP" simulate --hours 0.5 --idv 1@0.2 --output sim.csv --quiet
expect "simulate: no errors, no leaks" '[ $? -eq 0 ]'
cat > c.yaml <<'YAML'
data: {source: simulator, output_dir: out}
simulator: {faults: [0, 1], hours: 1, fault_at: 0.5}
storage: {connection_string: t.db}
analysis: {components: 5}
preprocessing:
  steps:
    - clean: {}
    - missing: {method: linear}
    - outliers: {method: mad}
    - normalize: {method: zscore}
    - features: {rolling: [5], stats: [mean, std], diff: [1], lags: [1]}
YAML
vg "$TEP" run -c c.yaml --quiet > /dev/null 2>&1
expect "run + analysis + report: no errors, no leaks" '[ $? -eq 0 ] && [ -s out/report.html ]'
B="${TEP_SHARED_DIR:-../shared}/data/braatz"
if [ -f "$B/d00.dat" ]; then
  vg "$TEP" analyze --train "$B/d00.dat" --test "$B/d01_te.dat" --json a.json > /dev/null 2>&1
  expect "analyze: no errors, no leaks" '[ $? -eq 0 ] && [ -s a.json ]'
fi
finish
