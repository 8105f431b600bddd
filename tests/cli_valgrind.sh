#!/usr/bin/env bash
# cli_valgrind.sh - the main paths under valgrind: no memory errors and no leaks in
# `tep simulate`, `tep run` (simulator -> every preprocessing step -> SQLite -> analysis and
# report), `tep analyze` on Braatz files, and `tep run` into the other stores: a local
# Parquet lake, and PostgreSQL (loader threads) and InfluxDB on throwaway servers
# (scripts/services.sh; when they cannot be started the test ends as skipped after the
# other checks). Skipped when valgrind is missing (scripts/install-deps.sh test installs it)
# and for sanitizer builds (ASan and valgrind do not mix; CMake does not register it there).
. "$(dirname "$0")/lib_cli.sh"
command -v valgrind >/dev/null 2>&1 || skip "valgrind not installed (Debian package valgrind)"
if ldd "$TEP" 2>/dev/null | grep -q asan; then skip "sanitizer build: valgrind cannot run ASan binaries"; fi
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
test_data braatz/d00.dat braatz/d01_te.dat
B=$TEP_TEST_DATA/braatz
vg "$TEP" analyze --train "$B/d00.dat" --test "$B/d01_te.dat" --json a.json > /dev/null 2>&1
expect "analyze: no errors, no leaks" '[ $? -eq 0 ] && [ -s a.json ]'

# the other stores, each with the same small run
store_run() { # name, storage lines...: tep run under valgrind into that store
  local name=$1; shift
  { printf 'data: {source: simulator, output_dir: out-%s}\n' "$name"
    printf 'simulator: {faults: [0, 4], hours: 1, fault_at: 0.5}\n'
    printf 'preprocessing: {steps: [{features: {rolling: [5], stats: [mean], diff: [1]}}]}\n'
    printf 'storage:\n'; for line in "$@"; do printf '  %s\n' "$line"; done; } > "$name.yaml"
  vg "$TEP" run -c "$name.yaml" --quiet > "$name.out" 2>&1
}
store_run lake "type: parquet" "path: lake"
expect "run into a Parquet lake: no errors, no leaks" '[ $? -eq 0 ] && [ -d lake/tep_processed ]'
src=${TEP_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
unset TEP_SERVICES_DIR
if env_lines=$("$src/scripts/services.sh" start 2>services.log); then
  eval "$env_lines"
  trap '"$src/scripts/services.sh" stop >/dev/null 2>&1; rm -rf "$tmp"' EXIT
  store_run pg "type: postgresql" "connection_string: \"$TEP_PG_DSN\"" "connections: 2"
  expect "run into PostgreSQL (2 loader threads): no errors, no leaks" '[ $? -eq 0 ]'
  store_run influx "type: influxdb" "connection_string: $TEP_INFLUX_URL" "username: tep" \
    "password: $TEP_INFLUX_PASSWORD"
  expect "run into InfluxDB: no errors, no leaks" '[ $? -eq 0 ]'
else
  sed 's/^/  /' services.log
  skip "PostgreSQL/InfluxDB could not be started (scripts/services.sh install); the other" \
    "valgrind runs passed, those into PostgreSQL and InfluxDB did not run"
fi
finish
