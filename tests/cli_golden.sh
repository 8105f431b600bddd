#!/usr/bin/env bash
# cli_golden.sh - golden outputs: what tep writes for a configuration that uses every step and
# every store is byte for byte what it wrote when the files in tests/data/golden were recorded
# (issue 10: a restructuring must not change any output).
#
#   tests/cli_golden.sh                       compare (ctest runs it as cli_golden)
#   TEP_GOLDEN_UPDATE=1 tests/cli_golden.sh   record the outputs again, deliberately, into
#                                             tests/data/golden/*.zst (+ SHA256SUMS); review
#                                             the change with `git diff --stat` and the diff
#                                             this test printed before, then commit it
#
# What runs (in a scratch folder, with relative paths in every command and config):
# - sim: the simulator (faults 0, 1, 6, seed 7, 7 h at 20-min samples, IDV 6 stopped at its
#   shutdown), chunk_rows 16, every step with options off their defaults (clean with a reorder
#   window, missing linear, outliers zscore + median, normalize zscore fitted on normal rows,
#   features lags/diff/rolling mean+std/EWMA), DPCA analysis; once per store: SQLite,
#   PostgreSQL (scripts/services.sh; the connection comes from the PG* variables, so the config
#   text and its hash never change), InfluxDB 1.x (services.sh, through a recording proxy,
#   tests/golden/influx_capture.py), and the local Parquet lake (2 parts per run).
# - files: two CSV files made from `tep simulate` output, one of them messy (rows out of order,
#   a duplicate, a row arriving late, gaps, an out-of-range value, a spike), through clean
#   (repair), hampel (set_missing), ffill, mad (clip), minmax on a reference run, features;
#   SQLite; PCA analysis on a named training run.
# - tep analyze --model-out/--json/--report on those files and scoring with the saved model;
#   tep simulate --output CSV, .dat and Parquet.
# What is compared, byte for byte with the recorded copy: the SQLite `.dump`; the PostgreSQL
# schema (pg_dump --schema-only) and every table's rows (ordered COPY, extra_float_digits 3);
# every request tep sent to InfluxDB (line-protocol bodies of /write, the InfluxQL of /query);
# the lake's file list and every part file; each runs.parquet as DuckDB reads it
# (tests/golden/lake_runs_dump.mjs); scaler.json, report.html, analysis.json, the analyze
# model/JSON/HTML, the simulate files, and what each command printed (stdout, then stderr at
# log level warn).
# Normalised, and only these (each replaced only when it is what it should be, so a wrong value
# still shows up as a difference):
# - wall-clock times: runs.started_at/finished_at (SQLite, PostgreSQL, runs.parquet) and the
#   InfluxDB runs point's started_unix/finished_unix, when within this test's run -> a marker;
# - "in 0.12 s" durations in printed summaries -> "in <seconds> s";
# - InfluxDB: the proxy's port (in the URL tep prints) -> <port>, and config_sha256, when it is
#   the SHA-256 of the config file (which holds the port and the generated password) -> a
#   marker. Data points carry storage.start_time, so their times are fixed.
# - files: the absolute paths of the input files (runs.source, the report) -> <scratch>/...;
# - pg_dump's \restrict line (a random key it prints since PostgreSQL 15.14) is left out.
# Fixed instead of normalised: PostgreSQL's ts and InfluxDB's point times (storage.start_time),
# and the CPU-dependent last bits of libm and OpenBLAS (pinned below: the recorded files hold
# on any x86-64 CPU; another architecture would need its own recording).
# On a difference the test names the file and prints the first differing lines
# (tests/golden/show_diff.py; Parquet parts: the DuckDB dumps of both files).
. "$(dirname "$0")/lib_cli.sh"
case $TEP in /*) ;; *) TEP=$PWD/$TEP ;; esac
src=${TEP_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
here=$src/tests/golden
recorded=$TEP_TEST_DATA/golden  # the plain recorded files (the build unpacks them)
recorded_zst=$src/tests/data/golden
update=${TEP_GOLDEN_UPDATE:-0}
services=$src/scripts/services.sh
PY=$(command -v python3 || true)
NODE=$(command -v node || true)
unset TEP_SERVICES_DIR
proxy_pid=
cleanup() {
  [ -n "$proxy_pid" ] && kill "$proxy_pid" 2>/dev/null
  [ -n "${TEP_SERVICES_DIR:-}" ] && "$services" stop >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT
cd "$tmp" || exit 1
started=$(date +%s)

[ -n "$PY" ] || skip "python3 is needed (InfluxDB capture proxy, diffs)"
[ -n "$NODE" ] && [ -d "$src/tests/node/node_modules/@duckdb/node-api" ] ||
  skip "node and tests/node/node_modules (scripts/node-deps.sh) are needed to read runs.parquet with DuckDB"
command -v sqlite3 >/dev/null || skip "the sqlite3 shell is needed for the SQLite dump"
if [ "$update" = 1 ]; then
  command -v zstd >/dev/null || { echo "FAIL: TEP_GOLDEN_UPDATE=1 needs the zstd command"; exit 1; }
else
  [ -d "$recorded" ] || { echo "FAIL: $recorded is missing: the build unpacks tests/data/golden there (cmake --build, target test_data)"; exit 1; }
fi
# Plain PostgreSQL (no TimescaleDB: storage.layout auto then means partitioned). A server that
# fails to start (a port taken in between by a parallel test) gets a second try.
start_services() {
  unset TEP_SERVICES_DIR
  env_lines=$(TEP_PG_TIMESCALEDB=0 "$services" start pg influx 2>services.log) && return 0
  sed 's/^/  /' services.log
  eval "$(echo "$env_lines" | grep TEP_SERVICES_DIR)"
  [ -n "${TEP_SERVICES_DIR:-}" ] && "$services" stop >/dev/null 2>&1
  return 1
}
if ! start_services && ! start_services; then
  skip "cannot start PostgreSQL and InfluxDB (scripts/services.sh install provides them)"
fi
eval "$env_lines"
[ -x "$TEP_PG_BIN/pg_dump" ] || skip "pg_dump not found in $TEP_PG_BIN"
# The same bits on any x86-64 CPU: glibc picks exp/log/pow variants by CPU (with FMA their
# last bits differ: the simulator's values change), and OpenBLAS picks its kernels by CPU (the
# PCA limits change). So glibc's generic variants, one OpenBLAS kernel every x86-64 CPU runs
# (SSE3), one thread. Exported after the servers started: only what the test runs gets them.
export GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX2,-FMA,-FMA4 OPENBLAS_CORETYPE=Prescott OPENBLAS_NUM_THREADS=1
time_from=$(date -u +%Y-%m-%dT%H:%M:%SZ)
unix_from=$(date +%s)

# ---- recording and comparing -----------------------------------------------------------------
produced=()      # names of the golden files this run produced
mkdir -p new     # update mode: the files to record
# golden NAME FILE: FILE is the output recorded as tests/data/golden/NAME(.zst)
golden() {
  local name=$1 file=$2
  produced+=("$name")
  if [ ! -e "$file" ]; then
    fail "$name: $file was not written"
    return
  elif [ ! -f "$file" ]; then # a pipe (<(...)): read it once, into a file
    cat "$file" > "output.${#produced[@]}"
    file=output.${#produced[@]}
  fi
  if [ "$update" = 1 ]; then
    if [ -e "new/$name" ]; then
      if cmp -s "new/$name" "$file"; then pass "recorded $name (again, identical)"
      else fail "$name: two outputs that must be identical differ ($file)"; fi
      return
    fi
    mkdir -p "$(dirname "new/$name")" && cp "$file" "new/$name"
    pass "recorded $name ($(wc -c < "$file") bytes)"
    return
  fi
  if [ ! -f "$recorded/$name" ]; then
    fail "$name: no recorded file $recorded/$name (record with TEP_GOLDEN_UPDATE=1)"
  elif cmp -s "$recorded/$name" "$file"; then
    pass "$name identical to the recorded output ($(wc -c < "$file") bytes)"
  else
    fail "$name differs from the recorded output (recorded: -, now: +):"
    case $name in
      *.parquet)
        # copies with plain names: DuckDB would add the columns of a Hive path (run=...)
        cp "$recorded/$name" recorded.parquet && cp "$file" now.parquet
        "$NODE" "$src/tests/node/duckdb_dump.mjs" recorded.parquet > diff_recorded.txt 2>&1
        "$NODE" "$src/tests/node/duckdb_dump.mjs" now.parquet > diff_now.txt 2>&1
        if cmp -s diff_recorded.txt diff_now.txt; then
          echo "    same rows, schema and statistics as DuckDB reads them; the bytes differ at: $(cmp "$recorded/$name" "$file" 2>&1 | head -1)"
        else
          "$PY" "$here/show_diff.py" diff_recorded.txt diff_now.txt
        fi
        ;;
      *) "$PY" "$here/show_diff.py" "$recorded/$name" "$file" ;;
    esac
  fi
}

# console OUT ERR: what a command printed (stdout, then stderr), durations normalised
console() {
  { cat "$1"; echo "--- stderr"; cat "$2"; } |
    sed -E 's/ in [0-9]+\.[0-9]+ s([;,)]|$)/ in <seconds> s\1/'
}

# ---- the runs -----------------------------------------------------------------------------------
sim_config() { # the pipeline of "sim"; the storage: section is $1
  cat <<'YAML'
data: {source: simulator, output_dir: out, chunk_rows: 16}
simulator: {faults: [0, 1, 6], seeds: [7], hours: 7, fault_at: 0.5, interval: 1200, stop_at_shutdown: true}
preprocessing:
  steps:
    - clean: {sort: true, reorder_window: 4, dedupe: true, non_monotonic: repair, range_action: set_missing}
    - missing: {method: linear, max_gap: 4}
    - outliers: {method: zscore, threshold: 3, action: median}
    - normalize: {method: zscore, fit_on: normal}
    - features: {columns: [xmeas_7, xmeas_9, xmv_10], rolling: [4], stats: [mean, std], diff: [1], lags: [2], ewma: [0.3], min_periods: 2}
YAML
  echo "storage: $1"
  cat <<'YAML'
analysis: {method: dpca, components: 4, lags: 1, consecutive: 2}
logging: {level: warn}
YAML
}

# run_tep DIR ENV...: `tep run -c config.yaml` in DIR with ENV (NAME=VALUE...); sets rc
run_tep() {
  local dir=$1; shift
  (cd "$dir" && env "$@" "$TEP" run -c config.yaml > stdout.txt 2> stderr.txt); rc=$?
  expect "$dir: tep run exits 0" '[ $rc -eq 0 ]'
  [ $rc -eq 0 ] || sed 's/^/    /' "$dir/stderr.txt" | head -20
}

# sqlite_dump DB OUT: `.dump` of a copy whose wall-clock times are masked
sqlite_dump() {
  local to; to=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  sqlite3 "$1" ".backup dump.db" || return 1
  sqlite3 dump.db "UPDATE runs SET
      started_at = CASE WHEN started_at BETWEEN '$time_from' AND '$to' THEN '<wall-clock time>' ELSE started_at END,
      finished_at = CASE WHEN finished_at BETWEEN '$time_from' AND '$to' THEN '<wall-clock time>' ELSE finished_at END" &&
    { sqlite3 "$1" "PRAGMA user_version; PRAGMA application_id; PRAGMA journal_mode;" | sed 's/^/-- pragma: /'
      sqlite3 dump.db .dump; } > "$2"
  rm -f dump.db
}

# -- sim, SQLite
mkdir sqlite && sim_config '{type: sqlite, connection_string: tep.db}' > sqlite/config.yaml
run_tep sqlite
sqlite_dump sqlite/tep.db sqlite.sql
expect "sim/sqlite: 3 runs, 60 rows, IDV 6 shut down" '[ "$(sqlite3 sqlite/tep.db "select count(*), sum(shutdown_time_h is not null) from runs; select count(*) from tep_processed" | tr "\n" " ")" = "3|1 60 " ]'
golden sim/sqlite/console.txt <(console sqlite/stdout.txt sqlite/stderr.txt)
golden sim/sqlite/dump.sql sqlite.sql
golden sim/scaler.json sqlite/out/scaler.json
golden sim/sqlite/report.html sqlite/out/report.html
golden sim/analysis.json sqlite/out/analysis.json

# -- sim, PostgreSQL: the PG* variables, an empty connection_string
pg_env=()
for kv in $TEP_PG_DSN; do
  case $kv in
    host=*) pg_env+=("PGHOST=${kv#host=}") ;;
    port=*) pg_env+=("PGPORT=${kv#port=}") ;;
    user=*) pg_env+=("PGUSER=${kv#user=}") ;;
    dbname=*) pg_env+=("PGDATABASE=${kv#dbname=}") ;;
  esac
done
pg_env+=("PGPASSWORD=$TEP_PG_PASSWORD")
mkdir postgresql && sim_config '{type: postgresql, connection_string: "", start_time: "2024-01-01T00:00:00Z"}' > postgresql/config.yaml
run_tep postgresql "${pg_env[@]}"
pg_to=$(date -u +%Y-%m-%dT%H:%M:%SZ)
"$TEP_PG_BIN/pg_dump" --schema-only --no-owner --no-privileges -d "$TEP_PG_ADMIN_DSN" |
  grep -v -e '^--' -e '^\\restrict ' -e '^\\unrestrict ' | cat -s > pg_schema.sql
"$TEP_PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -d "$TEP_PG_ADMIN_DSN" > pg_data.tsv <<SQL
SET extra_float_digits = 3;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
CREATE TEMP TABLE runs_masked AS SELECT * FROM runs;
UPDATE runs_masked SET started_at = 'epoch' WHERE started_at BETWEEN '$time_from' AND '$pg_to';
UPDATE runs_masked SET finished_at = 'epoch' WHERE finished_at BETWEEN '$time_from' AND '$pg_to';
\echo '-- runs (started_at/finished_at of this test: 1970-01-01 00:00:00+00)'
COPY (SELECT * FROM runs_masked ORDER BY run_number) TO STDOUT WITH (HEADER);
\echo '-- tep_processed'
COPY (SELECT * FROM tep_processed ORDER BY id) TO STDOUT WITH (HEADER);
\echo '-- quality'
COPY (SELECT * FROM quality ORDER BY run_id, column_name, metric) TO STDOUT WITH (HEADER);
SQL
expect "sim/postgresql: dumped 60 rows" '[ $? -eq 0 ] && [ "$(sed -n "/^-- tep_processed/,/^-- quality/p" pg_data.tsv | wc -l)" -eq 63 ]'
golden sim/postgresql/console.txt <(console postgresql/stdout.txt postgresql/stderr.txt)
golden sim/postgresql/schema.sql pg_schema.sql
golden sim/postgresql/data.tsv pg_data.tsv
golden sim/scaler.json postgresql/out/scaler.json
golden sim/postgresql/report.html postgresql/out/report.html
golden sim/analysis.json postgresql/out/analysis.json

# -- sim, InfluxDB through the recording proxy
"$PY" "$here/influx_capture.py" "$TEP_INFLUX_URL" influx_requests.log influx_port &
proxy_pid=$!
for _ in $(seq 1 100); do [ -s influx_port ] && break; sleep 0.05; done
proxy_port=$(cat influx_port 2>/dev/null)
expect "InfluxDB capture proxy listens (port ${proxy_port:-none})" '[ -n "$proxy_port" ]'
mkdir influxdb && sim_config "{type: influxdb, connection_string: \"http://127.0.0.1:$proxy_port\", username: tep, password: \"$TEP_INFLUX_PASSWORD\", batch_rows: 20, start_time: \"2024-01-01T00:00:00Z\"}" > influxdb/config.yaml
run_tep influxdb
kill "$proxy_pid" 2>/dev/null; wait "$proxy_pid" 2>/dev/null; proxy_pid=
influx_to=$(date +%s)
config_sha=$(sha256sum influxdb/config.yaml | cut -d' ' -f1)
# started_unix/finished_unix: tep_format_double of whole seconds since 1970
"$PY" - influx_requests.log influx.txt "$unix_from" "$influx_to" "$config_sha" <<'PYEOF'
import re, sys
src, dst, lo, hi, sha = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
def wall(m):
    return f"{m.group(1)}=<wall-clock time>" if lo <= float(m.group(2)) <= hi else m.group(0)
text = open(src, encoding="utf-8").read()
text = re.sub(r"\b(started_unix|finished_unix)=([0-9.e+]+)", wall, text)
text = text.replace(f'config_sha256="{sha}"', 'config_sha256="<sha256 of the config file>"')
open(dst, "w", encoding="utf-8").write(text)
PYEOF
expect "sim/influxdb: 60 points written, 3 runs points, wall-clock times masked" \
  '[ "$(grep -c "^tep_processed_staging," influx.txt)" -eq 60 ] && [ "$(grep -c "^tep_processed_runs,.*started_unix=<wall-clock time>,finished_unix=<wall-clock time>,.*config_sha256=\"<sha256 of the config file>\"" influx.txt)" -eq 3 ]'
golden sim/influxdb/console.txt <(console influxdb/stdout.txt influxdb/stderr.txt | sed "s|127\.0\.0\.1:$proxy_port|127.0.0.1:<port>|g")
golden sim/influxdb/requests.txt influx.txt
golden sim/scaler.json influxdb/out/scaler.json

# -- sim, Parquet lake
mkdir lake && sim_config '{type: parquet, path: lake, part_max_rows: 16}' > lake/config.yaml
run_tep lake
lake_to=$(date -u +%Y-%m-%dT%H:%M:%SZ)
(cd lake/lake && find . | LC_ALL=C sort) > lake_tree.txt
expect "sim/lake: 6 part files, 3 runs.parquet" '[ "$(grep -c "/part-[0-9]*\.parquet$" lake_tree.txt)" -eq 6 ] && [ "$(grep -c "/runs\.parquet$" lake_tree.txt)" -eq 3 ]'
golden sim/lake/console.txt <(console lake/stdout.txt lake/stderr.txt)
golden sim/lake/tree.txt lake_tree.txt
golden sim/scaler.json lake/out/scaler.json
for f in $(grep '\.parquet$' lake_tree.txt); do
  f=${f#./}
  name=sim/lake/$(echo "$f" | sed 's|/|_|g; s|=|-|g')
  case $f in
    */runs.parquet)
      "$NODE" "$here/lake_runs_dump.mjs" "lake/lake/$f" "$time_from" "$lake_to" > runs_dump.txt
      expect "$f read by DuckDB" '[ $? -eq 0 ] && grep -q "^started_at=\"<wall-clock time>\"" runs_dump.txt'
      golden "${name%.parquet}.txt" runs_dump.txt ;;
    *) golden "$name" "lake/lake/$f" ;;
  esac
done

# -- files: messy CSV through every step, SQLite
mkdir -p files/raw
"$TEP" simulate --hours 2 --interval 360 --seed 11 --output clean_a.csv --quiet &&
  "$TEP" simulate --hours 2 --interval 360 --seed 12 --idv 2 --fault-at 1 --output files/raw/b.csv --quiet
expect "input files simulated" '[ $? -eq 0 ]'
# a.csv: samples renumbered 1..21 in arrival order; times 0.3/0.4 swapped, 0.6 twice (a
# duplicate), 1.5 arriving after 1.9 (beyond the chunk of 16: non-monotonic), xmeas_1 empty
# at 0.8 and 0.9, xmeas_9 x1.5 at 1.1 (a spike), xmeas_7 = -5 at 1.3 (out of range)
awk -F, -v OFS=, 'NR == 1 { print; next }
  { s = $1 }
  s == 8 || s == 9 { $3 = "" }
  s == 11 { $11 = $11 * 1.5 }
  s == 13 { $9 = -5 }
  { row[s] = $0 }
  END {
    n = split("1 2 4 3 5 6 6 7 8 9 10 11 12 13 14 16 17 18 19 15 20", order, " ")
    for (i = 1; i <= n; i++) { $0 = row[order[i]]; $1 = i; print }
  }' clean_a.csv > files/raw/a.csv
cat > files/config.yaml <<'YAML'
data: {source: files, input_dir: raw, file_format: csv, output_dir: out, chunk_rows: 16}
preprocessing:
  steps:
    - clean: {sort: true, dedupe: true, non_monotonic: repair, range_action: set_missing}
    - outliers: {method: hampel, window: 3, threshold: 4, action: set_missing, columns: [xmeas_9, xmeas_21]}
    - missing: {method: ffill, max_gap: 2}
    - outliers: {method: mad, threshold: 5, action: clip}
    - normalize: {method: minmax, fit_on: run, reference_run: a.csv}
    - features: {columns: [xmeas_1, xmv_10], rolling: [3], stats: [std], ewma: [0.5, 0.1]}
storage: {type: sqlite, connection_string: tep.db}
analysis: {method: pca, components: 3, alpha: 0.05, train: a.csv}
logging: {level: warn}
YAML
run_tep files
sqlite_dump files/tep.db files.sql.raw
# the files' lineage holds their absolute paths, in this test's scratch folder
scratch() { sed "s|$(pwd -P)/|<scratch>/|g" "$1"; }
scratch files.sql.raw > files.sql
expect "files: a.csv 21 -> 19 rows (a duplicate, a late row), 2 reordered, 2 out of range" \
  '[ "$(sqlite3 files/tep.db "select metric, value from quality where run_id = '"'a.csv'"' and column_name = '"'*'"' and metric in ('"'rows_in'"', '"'rows_out'"', '"'duplicates_dropped'"', '"'non_monotonic_time'"', '"'rows_reordered'"', '"'range_violations'"') order by metric" | tr "\n" " ")" = "duplicates_dropped|1 non_monotonic_time|1 range_violations|2 rows_in|21 rows_out|19 rows_reordered|2 " ]'
golden files/console.txt <(console files/stdout.txt files/stderr.txt)
golden files/dump.sql files.sql
golden files/scaler.json files/out/scaler.json
golden files/report.html <(scratch files/out/report.html)
golden files/analysis.json files/out/analysis.json

# -- tep analyze: train on a file, save the model, score with it
(cd files && "$TEP" analyze --train raw/b.csv --test raw/a.csv raw/b.csv --method pca --components 5 \
  --alpha 0.02 --consecutive 2 --model-out ../model.json --json ../analyze.json --report ../analyze.html \
  > ../analyze.out 2> ../analyze.err); rc=$?
expect "tep analyze --model-out --json --report exits 0" '[ $rc -eq 0 ]'
(cd files && "$TEP" analyze --model ../model.json --test raw/a.csv raw/b.csv --json ../score.json \
  > ../score.out 2> ../score.err); rc=$?
expect "tep analyze --model exits 0" '[ $rc -eq 0 ]'
golden analyze/console.txt <(console analyze.out analyze.err; console score.out score.err)
golden analyze/model.json model.json
golden analyze/analysis.json analyze.json
golden analyze/report.html analyze.html
golden analyze/score.json score.json

# -- tep simulate: CSV, .dat and Parquet (IDV 6 until its shutdown)
for ext in csv dat parquet; do
  "$TEP" simulate --idv 6 --fault-at 0.5 --hours 8 --interval 1800 --seed 3 --stop-at-shutdown \
    --output "idv6.$ext" > "simulate_$ext.out" 2> "simulate_$ext.err"
  expect "tep simulate --output idv6.$ext exits 0" '[ $? -eq 0 ]'
  golden "simulate/idv6.$ext" "idv6.$ext"
done
golden simulate/console.txt <(for ext in csv dat parquet; do console "simulate_$ext.out" "simulate_$ext.err"; done)

# ---- every recorded file was produced; update mode writes them -------------------------------
listed=$(cd "$recorded_zst" 2>/dev/null && find . -name '*.zst' | sed 's|^\./||; s|\.zst$||' | LC_ALL=C sort)
made=$(printf '%s\n' "${produced[@]}" | LC_ALL=C sort -u)
if [ "$update" = 1 ]; then
  if [ "$fails" -gt 0 ]; then
    echo "FAIL: not recording: $fails check(s) failed"
  else
    rm -rf "$recorded_zst" "$recorded" && mkdir -p "$recorded_zst" "$recorded"
    sums=$src/tests/data/SHA256SUMS
    grep -v '  golden/' "$sums" > sums.new
    for name in $made; do
      mkdir -p "$(dirname "$recorded_zst/$name")" "$(dirname "$recorded/$name")"
      zstd -19 -q -f "new/$name" -o "$recorded_zst/$name.zst" && cp "new/$name" "$recorded/$name"
      (cd new && sha256sum "$name") | sed 's|  |  golden/|' >> sums.new
    done
    cp sums.new "$sums" && cp sums.new "$TEP_TEST_DATA/SHA256SUMS"
    expect "recorded $(echo "$made" | wc -l) files into tests/data/golden ($(du -sb "$recorded_zst" | cut -f1) bytes compressed)" \
      '[ "$(find "$recorded_zst" -name "*.zst" | wc -l)" -eq "$(echo "$made" | wc -l)" ]'
  fi
else
  expect "every file in tests/data/golden was produced and compared ($(echo "$made" | wc -l) files)" \
    '[ "$listed" = "$made" ]'
  [ "$listed" = "$made" ] || diff <(echo "$listed") <(echo "$made") | sed 's/^</    recorded, not produced:/; s/^>/    produced, not recorded:/' | grep -v '^---\|^[0-9]'
fi
echo "($(($(date +%s) - started)) s)"
finish
