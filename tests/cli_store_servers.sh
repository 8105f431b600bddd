#!/usr/bin/env bash
# cli_store_servers.sh - `tep run` into PostgreSQL and InfluxDB 1.x servers.
# Starts throwaway servers with scripts/services.sh (skips, exit 77, when they cannot
# be provided: not root and the packages missing), stops them on exit. For each sink:
# a full run read back to values identical to the same run stored in SQLite (exact
# doubles), a rerun replacing the run (exact counts), the server killed mid-run (clear
# error, exit 1, after a restart nothing of that run and the earlier runs intact),
# invalid credentials (clear error, no password in any message), unsafe
# schema/prefix/measurement names rejected (exit 2), a run id that needs escaping
# (quote, comma, '=', space) and a row without any value. PostgreSQL: both layouts
# (partitioned: parallel load + partition swap; table: DELETE + COPY), the table of
# an interrupted load dropped by the next load, backoff until a late server answers,
# giving up after storage.retry_seconds, schema + table_prefix; `tep analyze` / `tep
# report` / `tep run` with analysis: on the PostgreSQL store give the results of the
# same runs in SQLite, with no password in any output. InfluxDB: batches, staging
# measurement emptied, time = start_time + time_h in ns, tags.
. "$(dirname "$0")/lib_cli.sh"
case $TEP in /*) ;; *) TEP=$PWD/$TEP ;; esac
src=${TEP_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
. "$src/tests/lib_store.sh"
services=$src/scripts/services.sh
PY=/usr/bin/python3
[ -x $PY ] || PY=$(command -v python3 || true)
unset TEP_SERVICES_DIR
cleanup() {
  [ -n "${tep_pid:-}" ] && kill "$tep_pid" 2>/dev/null
  [ -n "${TEP_SERVICES_DIR:-}" ] && "$services" stop >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT
cd "$tmp"
if [ -z "$PY" ] || ! $PY -c 'import sqlite3, json' 2>/dev/null; then
  skip "python3 (with sqlite3, json) is needed to compare values"
fi
if ! env_lines=$("$services" start 2>services.log); then
  sed 's/^/  /' services.log
  eval "$(echo "$env_lines" | grep TEP_SERVICES_DIR)"
  skip "cannot start PostgreSQL and InfluxDB for this test (scripts/services.sh install provides them)"
fi
eval "$env_lines"
pq() { "$TEP_PG_BIN/psql" -X -q -At "$TEP_PG_ADMIN_DSN" -c "$1" 2>&1; }
iq() { # InfluxQL through HTTP; extra curl args may follow
  local q=$1; shift
  curl -s -u "tep:$TEP_INFLUX_PASSWORD" "$TEP_INFLUX_URL/query" --data-urlencode "db=tep" \
    --data-urlencode "q=$q" "$@"
}
icount() { # points of a measurement (optionally WHERE ...), 0 when none
  iq "SELECT count(sample) FROM \"$1\" ${2:-}" |
    $PY -c 'import json,sys; j=json.load(sys.stdin); s=j["results"][0].get("series"); print(s[0]["values"][0][1] if s else 0)'
}
no_secret() { # output must not hold any password
  ! grep -q -e "$TEP_PG_PASSWORD" -e "$TEP_INFLUX_PASSWORD" -e WrongSecret42 <<< "$1"
}

run_ids="sim_idv00_seed4651207995_2h sim_idv01_seed4651207995_2h"

# --- reference: the same runs in SQLite ------------------------------------------------
store_reference

# ===================================== PostgreSQL =========================================
pg_dsn=$TEP_PG_DSN
port=${pg_dsn#*port=}; port=${port%% *}

pg_suite() { # layout, table prefix: full run, exact values, rerun, server killed mid-run
  local layout=$1 P=$2 L="pg/$1"
  store_config "pg_$layout" "type: postgresql" "connection_string: \"$pg_dsn\"" "layout: $layout" "table_prefix: $P"
  out=$("$TEP" run -c "pg_$layout.yaml" 2>&1); rc=$?
  expect "$L: run exits 0" '[ $rc -eq 0 ]'
  expect "$L: summary masks the password" 'echo "$out" | grep -q "password=\*\*\*" && no_secret "$out"'
  expect "$L: 2 complete runs" '[ "$(pq "select count(*) from ${P}runs where status = '"'complete'"'")" = 2 ]'
  expect "$L: 80 rows" '[ "$(pq "select count(*) from ${P}tep_processed")" = 80 ]'
  expect "$L: columns = SQLite's + ts" '[ "$(pq "select count(*) from information_schema.columns where table_name = '"'${P}tep_processed'"'")" = $((ref_cols + 1)) ]'
  expect "$L: value columns are double precision" '[ "$(pq "select data_type from information_schema.columns where table_name = '"'${P}tep_processed'"' and column_name = '"'xmeas_9__roll20_std'"'")" = "double precision" ]'
  local parts=0; [ "$layout" = partitioned ] && parts=2
  expect "$L: $parts partitions" '[ "$(pq "select count(*) from pg_inherits where inhparent = '"'${P}tep_processed'"'::regclass")" = $parts ]'
  expect "$L: quality rows as in SQLite" '[ "$(pq "select count(*) from ${P}quality")" = "$(sqlite3 ref.db "select count(*) from quality")" ]'
  expect "$L: lineage (seed) recorded" '[ "$(pq "select seed from ${P}runs where run_id = '"'sim_idv01_seed4651207995_2h'"'")" = 4651207995 ]'
  expect "$L: ts = run start + time_h" '[ "$(pq "select count(*) from ${P}tep_processed p join ${P}runs r using (run_id) where abs(extract(epoch from p.ts - r.started_at) - p.time_h * 3600) > 0.001")" = 0 ]'
  pg_matches_reference "$TEP_PG_ADMIN_DSN" "${P}tep_processed" pg_rows.tsv; rc=$?
  echo "  $cmp_out" | tail -1
  expect "$L: every value identical to SQLite (exact doubles)" '[ $rc -eq 0 ]'

  # rerun: the run's rows are replaced, not added (a changed value comes back)
  pq "update ${P}tep_processed set xmeas_9 = -999 where sample <= 3" >/dev/null
  ids_before=$(pq "select min(id) || ' ' || max(id) from ${P}tep_processed")
  "$TEP" run -c "pg_$layout.yaml" --quiet --log-level warn
  expect "$L: rerun exits 0" '[ $? -eq 0 ]'
  expect "$L: rerun keeps exactly 80 rows, 2 runs" '[ "$(pq "select count(*) from ${P}tep_processed")" = 80 ] && [ "$(pq "select count(*) from ${P}runs")" = 2 ]'
  expect "$L: rerun replaced the rows" '[ "$(pq "select count(*) from ${P}tep_processed where xmeas_9 = -999")" = 0 ]'
  expect "$L: rerun keeps the run numbers (id range)" '[ "$(pq "select min(id) || '"' '"' || max(id) from ${P}tep_processed")" = "$ids_before" ]'
  expect "$L: quality rows replaced" '[ "$(pq "select count(*) from ${P}quality")" = "$(sqlite3 ref.db "select count(*) from quality")" ]'

  # a longer run (160 rows): blocks without NULLs take the encoder's fixed-stride path,
  # the first block (rolling features still empty) the row-by-row one
  HOURS=8 FAULTS=4 store_config ref8 "type: sqlite" "connection_string: ref8.db"
  HOURS=8 FAULTS=4 store_config "pg8_$layout" "type: postgresql" "connection_string: \"$pg_dsn\"" "layout: $layout" "table_prefix: ${P}h8_"
  "$TEP" run -c ref8.yaml --quiet --log-level warn && "$TEP" run -c "pg8_$layout.yaml" --quiet --log-level warn
  expect "$L: 8 h run stored (160 rows)" '[ "$(pq "select count(*) from ${P}h8_tep_processed")" = 160 ]'
  pg_matches_reference "$TEP_PG_ADMIN_DSN" "${P}h8_tep_processed" pg_rows8.tsv ref8.db; rc=$?
  echo "  $cmp_out" | tail -1
  expect "$L: 8 h run: every value identical to SQLite (exact doubles)" '[ $rc -eq 0 ]'

  # server killed mid-run: exit 1, a clear message, nothing of that run, earlier runs intact
  before=$(pq "select count(*) || ' ' || sum(xmeas_9) from ${P}tep_processed")
  HOURS=400 FAULTS=0 CHUNK=50 store_config pglong "type: postgresql" "connection_string: \"$pg_dsn\"" "retry_seconds: 1" "table_prefix: $P"
  "$TEP" run -c pglong.yaml --quiet > long.out 2>&1 &
  tep_pid=$!
  for i in $(seq 1 100); do # wait until the COPY streams
    [ "$(pq "select count(*) from pg_stat_activity where query like 'COPY%'")" -ge 1 ] && break
    sleep 0.1
  done
  sleep 0.5
  "$services" kill pg
  wait $tep_pid; rc=$?; tep_pid=
  out=$(cat long.out)
  echo "  $out" | grep error | head -2
  expect "$L: killed mid-run: exit 1" '[ $rc -eq 1 ]'
  expect "$L: killed mid-run: message says the connection was lost and nothing is stored" 'echo "$out" | grep -q "connection to the server was lost.*nothing of this run is stored"'
  "$services" start pg > /dev/null 2>>services.log
  expect "$L: killed mid-run: no row of that run after restart" '[ "$(pq "select count(*) from ${P}tep_processed where run_id = '"'sim_idv00_seed4651207995_400h'"'")" = 0 ] && [ "$(pq "select count(*) from ${P}runs where run_id = '"'sim_idv00_seed4651207995_400h'"'")" = 0 ]'
  expect "$L: killed mid-run: earlier runs intact" '[ "$(pq "select count(*) || '"' '"' || sum(xmeas_9) from ${P}tep_processed")" = "$before" ]'
  expect "$L: killed mid-run: earlier runs' every value identical to SQLite" 'pg_matches_reference "$TEP_PG_ADMIN_DSN" "${P}tep_processed" pg_rows_after_kill.tsv'
  if [ "$layout" = partitioned ]; then
    "$TEP" run -c "pg_$layout.yaml" --quiet --log-level warn
    expect "$L: the next load drops the interrupted load's table" '[ $? -eq 0 ] && [ "$(pq "select count(*) from pg_class where relname like '"'${P}tep_processed_r%_load'"'")" = 0 ]'
  fi
}
pg_suite partitioned ""
pg_suite table t_

# schema + table prefix
store_config pgs "type: postgresql" "connection_string: \"$pg_dsn\"" "schema: tep_s" "table_prefix: p_"
"$TEP" run -c pgs.yaml --quiet --log-level warn
expect "pg: schema and table_prefix" '[ $? -eq 0 ] && [ "$(pq "select count(*) from tep_s.p_tep_processed")" = 80 ] && [ "$(pq "select count(*) from tep_s.p_runs")" = 2 ]'

# analysis and reports read the PostgreSQL store: results identical to the same runs in SQLite
pg_uri="postgresql://tep:$TEP_PG_PASSWORD@127.0.0.1:$port/tep"
"$TEP" report --store ref.db --out ref_report.html --json ref_report.json > ref_report.out 2>&1
expect "report on ref.db (reference) exits 0" '[ $? -eq 0 ] && [ -s ref_report.json ]'
for store in "partitioned|$pg_uri" "table|pg:$pg_dsn|--table-prefix t_" "schema + prefix|$pg_uri|--schema tep_s --table-prefix p_"; do
  IFS='|' read -r what spec opts <<< "$store"
  out=$("$TEP" report --store "$spec" $opts --out pg_report.html --json pg_report.json 2>&1); rc=$?
  expect "pg/$what: report on PostgreSQL exits 0" '[ $rc -eq 0 ]'
  expect "pg/$what: same results as on ref.db (FDR, FAR, delays, limits)" 'same_results ref_report.json pg_report.json && [ "$(echo "$out" | grep -v "written to")" = "$(grep -v "written to" ref_report.out)" ]'
  expect "pg/$what: report shows the masked conninfo, no password" 'grep -q "store [^<]*\*\*\*[^<]*, run sim_idv01" pg_report.html && no_secret "$out" && no_secret "$(cat pg_report.html pg_report.json)"'
  expect "pg/$what: HTML report identical to ref.db's but for the store named (quality, charts)" '[ "$(sed "s/store [^,]*, run/store, run/g" pg_report.html)" = "$(sed "s/store [^,]*, run/store, run/g" ref_report.html)" ]'
done
"$TEP" analyze --store ref.db --train sim_idv00_seed4651207995_2h --test run:sim_idv01_seed4651207995_2h --method dpca --json ref_an.json > /dev/null 2>&1
out=$("$TEP" analyze --store "$pg_uri" --train sim_idv00_seed4651207995_2h --test run:sim_idv01_seed4651207995_2h --method dpca --json pg_an.json 2>&1); rc=$?
expect "pg: analyze --method dpca: same JSON as on ref.db" '[ $rc -eq 0 ] && cmp -s ref_an.json pg_an.json'
out=$("$TEP" analyze --store "$pg_uri" --train run:nosuch --test run:nosuch 2>&1); rc=$?
expect "pg: missing run: exit 2 (as with SQLite), names the run and the masked server" '[ $rc -eq 2 ] && echo "$out" | grep -q "no run .nosuch. in the store postgresql://tep:\*\*\*@" && no_secret "$out"'
out=$("$TEP" report --store "$pg_uri" --table-prefix nosuch_ 2>&1); rc=$?
expect "pg: missing tables: exit 1, names the table" '[ $rc -eq 1 ] && echo "$out" | grep -q "\"nosuch_runs\"" && no_secret "$out"'
out=$("$TEP" report --store "postgresql://tep:WrongSecret42@127.0.0.1:$port/tep" 2>&1); rc=$?
echo "  $out" | head -1
expect "pg: report with a bad password: exit 1, clear message, masked" '[ $rc -eq 1 ] && echo "$out" | grep -q "password authentication failed" && echo "$out" | grep -q "tep:\*\*\*@" && no_secret "$out"'
out=$("$TEP" report --store "pg:${pg_dsn/password=$TEP_PG_PASSWORD/password=WrongSecret42}" 2>&1); rc=$?
expect "pg: report with a bad password (conninfo): exit 1, masked" '[ $rc -eq 1 ] && echo "$out" | grep -q "password=\*\*\*" && no_secret "$out"'
out=$("$TEP" analyze --store ref.db --schema tep_s --train a --test b 2>&1); rc=$?
expect "--schema with a SQLite store: exit 2" '[ $rc -eq 2 ] && echo "$out" | grep -q -- "--schema applies to a PostgreSQL store"'
out=$("$TEP" report --store "$pg_uri" --table-prefix 'a"b' 2>&1); rc=$?
expect "pg: unsafe --table-prefix: exit 2" '[ $rc -eq 2 ] && echo "$out" | grep -q "not a safe SQL identifier"'
# tep run with an analysis: section into PostgreSQL: the report and the JSON from the server
store_config pgan "type: postgresql" "connection_string: \"$pg_dsn\"" "schema: tep_an" "table_prefix: an_"
printf 'analysis: {report: pgan.html, json: pgan.json}\n' >> pgan.yaml
out=$("$TEP" run -c pgan.yaml 2>&1); rc=$?
expect "pg: tep run with analysis: exit 0, report and JSON written" '[ $rc -eq 0 ] && [ -s pgan.html ] && [ -s pgan.json ] && ! echo "$out" | grep -q skipped'
expect "pg: tep run with analysis: same results as on ref.db" 'same_results ref_report.json pgan.json'
expect "pg: tep run with analysis: no password in output, report or JSON" 'no_secret "$out" && no_secret "$(cat pgan.html pgan.json)" && grep -q "password=\*\*\*" pgan.html'

# unsafe names are rejected before anything runs
for bad in 'schema: "x; DROP TABLE runs"' 'table_prefix: "a\"b"' 'schema: "public\" CASCADE --"'; do
  store_config pgbad "type: postgresql" "connection_string: \"$pg_dsn\"" "$bad"
  out=$("$TEP" run -c pgbad.yaml --quiet 2>&1); rc=$?
  expect "pg: unsafe name rejected ($bad)" '[ $rc -eq 2 ] && echo "$out" | grep -q "not a safe SQL identifier"'
done
expect "pg: runs table still there" '[ "$(pq "select count(*) from runs")" = 2 ]'

# invalid credentials: refused at once, clear message, no password anywhere
store_config pgpw "type: postgresql" "connection_string: \"${pg_dsn/password=$TEP_PG_PASSWORD/password=WrongSecret42}\""
t0=$(date +%s)
out=$("$TEP" run -c pgpw.yaml --quiet 2>&1); rc=$?
echo "  $out" | head -2
expect "pg: bad password: exit 1, 'password authentication failed'" '[ $rc -eq 1 ] && echo "$out" | grep -q "password authentication failed"'
expect "pg: bad password: no retry loop" '[ $(( $(date +%s) - t0 )) -lt 5 ]'
expect "pg: bad password: no password in the message" 'no_secret "$out" && echo "$out" | grep -q "password=\*\*\*"'
store_config pguri "type: postgresql" "connection_string: \"postgresql://tep:WrongSecret42@127.0.0.1:$port/tep\""
out=$("$TEP" run -c pguri.yaml --quiet 2>&1); rc=$?
expect "pg: bad password in a URI: masked" '[ $rc -eq 1 ] && no_secret "$out" && echo "$out" | grep -q "password authentication failed"'

# server down: give up after storage.retry_seconds with a clear message
"$services" kill pg
store_config pgdown "type: postgresql" "connection_string: \"$pg_dsn\"" "retry_seconds: 1.5"
t0=$(date +%s.%N)
out=$("$TEP" run -c pgdown.yaml --quiet 2>&1); rc=$?
t1=$(date +%s.%N)
echo "  $out" | grep error | head -1
expect "pg: server down: exit 1 after retrying" '[ $rc -eq 1 ] && echo "$out" | grep -q "cannot connect after [0-9]* attempts"'
expect "pg: server down: gave up after ~retry_seconds" 'awk -v a=$t0 -v b=$t1 "BEGIN { exit !(b - a >= 1.4 && b - a < 6) }"'
# ... and a server that comes up during the backoff is used
store_config pglate "type: postgresql" "connection_string: \"$pg_dsn\"" "retry_seconds: 30"
"$TEP" run -c pglate.yaml --quiet > late.out 2>&1 &
tep_pid=$!
for i in $(seq 1 100); do grep -q "retrying for up to" late.out && break; sleep 0.1; done
sleep 0.5
"$services" start pg > /dev/null 2>>services.log
wait $tep_pid; rc=$?; tep_pid=
grep -E "error|connected" late.out | sed 's/^/  /'
expect "pg: late server: connected after backoff, run stored" '[ $rc -eq 0 ] && [ "$(pq "select count(*) from tep_processed")" = 80 ] && grep -q "connected to .* after [0-9]* attempts" late.out'

# ===================================== InfluxDB ===========================================
iurl="http://tep:$TEP_INFLUX_PASSWORD@${TEP_INFLUX_URL#http://}"
store_config influx "type: influxdb" "connection_string: \"$iurl\"" "batch_rows: 7" "start_time: 2024-01-01T00:00:00Z"
out=$("$TEP" run -c influx.yaml 2>&1); rc=$?
expect "influx: run exits 0" '[ $rc -eq 0 ]'
expect "influx: summary masks the password" 'echo "$out" | grep -q "tep:\*\*\*@" && no_secret "$out"'
expect "influx: 80 points" '[ "$(icount tep_processed)" = 80 ]'
for r in $run_ids; do
  expect "influx: 40 points of $r" '[ "$(icount tep_processed "WHERE run_id = '"'$r'"'")" = 40 ]'
done
expect "influx: nothing left in staging" '[ "$(icount tep_processed_staging)" = 0 ]'
expect "influx: 2 complete runs" '[ "$(iq "SELECT count(rows_stored) FROM tep_processed_runs WHERE status = '"'complete'"'" | grep -o "\[\"1970-01-01T00:00:00Z\",2\]")" != "" ]'
iq "SELECT * FROM tep_processed" --data-urlencode "epoch=ns" > influx_rows.json
cmp_out=$($PY "$src/tests/compare_store.py" influx ref.db influx_rows.json); rc=$?
echo "  $cmp_out" | tail -1
expect "influx: every value identical to SQLite (full precision)" '[ $rc -eq 0 ]'
bad_ts=$($PY -c '
import json, sys
n = 0
for s in json.load(open("influx_rows.json"))["results"][0]["series"]:
    c = s["columns"]
    for v in s["values"]:
        d = dict(zip(c, v))
        if d["time"] != 1704067200 * 10**9 + round(d["time_h"] * 3600e9): n += 1
print(n)')
expect "influx: time = start_time + time_h (ns)" '[ "$bad_ts" = 0 ]'
expect "influx: run id and fault are tags" 'iq "SHOW TAG KEYS FROM tep_processed" | grep -q "\"fault\"\],\[\"run_id\"\]"'

# rerun replaces: a stray point of the run disappears, exact counts
printf 'tep_processed,run_id=sim_idv00_seed4651207995_2h,fault=0 sample=999i,xmeas_1=1 1000\n' |
  curl -s -u "tep:$TEP_INFLUX_PASSWORD" "$TEP_INFLUX_URL/write?db=tep" --data-binary @- >/dev/null
expect "influx: stray point written" '[ "$(icount tep_processed)" = 81 ]'
"$TEP" run -c influx.yaml --quiet
expect "influx: rerun exits 0" '[ $? -eq 0 ]'
expect "influx: rerun leaves exactly 80 points (replaced)" '[ "$(icount tep_processed)" = 80 ]'
expect "influx: rerun: one runs point per run" '[ "$(iq "SELECT count(rows_stored) FROM tep_processed_runs" | grep -o ",2\]")" = ",2]" ]'

# without staging: straight into the measurement, rerun still replaces
store_config idirect "type: influxdb" "connection_string: \"$iurl\"" "measurement: direct" "staging: false" "start_time: 2024-01-01T00:00:00Z"
"$TEP" run -c idirect.yaml --quiet --log-level warn && "$TEP" run -c idirect.yaml --quiet --log-level warn
expect "influx: staging false: run + rerun = 80 points" '[ $? -eq 0 ] && [ "$(icount direct)" = 80 ] && [ "$(icount direct_staging)" = 0 ]'

# a file whose name needs escaping (tag value, InfluxQL literal), a row without any value
mkdir -p odd
printf 'time_h,xmeas_1,xmeas_2\n0.05,1.5,2.5\n0.10,,\n0.15,3.25,\n' > "odd/it's a,b=c d.csv"
odd_cfg() { # type, extra storage lines...
  local type=$1; shift
  { printf 'data: {input_dir: odd, file_format: csv, output_dir: out-odd}\nstorage:\n  type: %s\n' "$type"
    for line in "$@"; do printf '  %s\n' "$line"; done; } > odd.yaml
}
odd_cfg influxdb "connection_string: \"$iurl\"" "measurement: odd" "start_time: 2024-01-01T00:00:00+02:00"
out=$("$TEP" run -c odd.yaml 2>&1); rc=$?
expect "influx: odd run id stored (exit 0)" '[ $rc -eq 0 ]'
expect "influx: row without values skipped and counted" 'echo "$out" | grep -q "1 rows without any value were skipped" && [ "$(icount odd)" = 2 ]'
expect "influx: runs point counts the skipped row" 'iq "SELECT rows_skipped, rows_stored FROM odd_runs" | grep -q ",1,2\]"'
odd_q="SELECT xmeas_1 FROM odd WHERE run_id = 'it\\'s a,b=c d.csv'"
odd_rows=$(iq "$odd_q" --data-urlencode "epoch=ns")
expect "influx: escaped tag value reads back (time = start_time + time_h)" 'echo "$odd_rows" | grep -qF "[[1704060180000000000,1.5],[1704060540000000000,3.25]]"'
expect "influx: NaN field left out" '[ "$(iq "SELECT count(xmeas_2) FROM odd" | grep -o ",1\]")" = ",1]" ]'
"$TEP" run -c odd.yaml --quiet --log-level warn
expect "influx: rerun of the odd run id replaces it" '[ $? -eq 0 ] && [ "$(icount odd)" = 2 ]'
odd_cfg postgresql "connection_string: \"$pg_dsn\"" "table_prefix: odd_"
"$TEP" run -c odd.yaml --quiet --log-level warn && "$TEP" run -c odd.yaml --quiet --log-level warn
expect "pg: odd run id stored twice = once, NULLs kept" '[ "$(pq "select count(*), count(xmeas_2), min(run_id) from odd_tep_processed")" = "3|1|it'"'"'s a,b=c d.csv" ]'

# unsafe names
for bad in 'measurement: "x; DROP TABLE runs"' "measurement: \"m' OR 1=1\"" 'database: "tep\" ; DROP DATABASE tep"'; do
  store_config ibad "type: influxdb" "connection_string: \"$iurl\"" "$bad"
  out=$("$TEP" run -c ibad.yaml --quiet 2>&1); rc=$?
  expect "influx: unsafe name rejected ($bad)" '[ $rc -eq 2 ] && echo "$out" | grep -q "is not a safe name"'
done

# invalid credentials
store_config ipw "type: influxdb" "connection_string: \"$TEP_INFLUX_URL\"" "username: tep" "password: WrongSecret42"
out=$("$TEP" run -c ipw.yaml --quiet 2>&1); rc=$?
echo "  $out" | head -1
expect "influx: bad password: exit 1, HTTP 401 and the server's message" '[ $rc -eq 1 ] && echo "$out" | grep -q "HTTP 401: authorization failed"'
expect "influx: bad password: not in the message" 'no_secret "$out"'
store_config ipw2 "type: influxdb" "connection_string: \"http://tep:WrongSecret42@${TEP_INFLUX_URL#http://}\""
out=$("$TEP" run -c ipw2.yaml --quiet 2>&1); rc=$?
expect "influx: bad password in the URL: masked" '[ $rc -eq 1 ] && no_secret "$out" && echo "$out" | grep -q "tep:\*\*\*@"'

# server killed mid-run
HOURS=400 FAULTS=0 CHUNK=50 store_config ilong "type: influxdb" "connection_string: \"$iurl\"" "batch_rows: 50" "retry_seconds: 1"
"$TEP" run -c ilong.yaml --quiet > ilong.out 2>&1 &
tep_pid=$!
for i in $(seq 1 100); do # wait until points stream into staging
  [ "$(icount tep_processed_staging)" != 0 ] && break
  sleep 0.1
done
sleep 0.5
"$services" kill influx
wait $tep_pid; rc=$?; tep_pid=
out=$(cat ilong.out)
echo "  $out" | head -1
expect "influx: killed mid-run: exit 1" '[ $rc -eq 1 ]'
expect "influx: killed mid-run: clear message" 'echo "$out" | grep -q "InfluxDB (http://tep:\*\*\*@.*): cannot write points: .*after [0-9]* attempt"'
"$services" start influx > /dev/null 2>>services.log
expect "influx: killed mid-run: no point of that run after restart" '[ "$(icount tep_processed "WHERE run_id = '"'sim_idv00_seed4651207995_400h'"'")" = 0 ]'
expect "influx: killed mid-run: earlier runs intact (80 points)" '[ "$(icount tep_processed)" = 80 ]'
iq "SELECT * FROM tep_processed" --data-urlencode "epoch=ns" > influx_rows_after_kill.json
expect "influx: killed mid-run: earlier runs' every value identical to SQLite" \
  '$PY "$src/tests/compare_store.py" influx ref.db influx_rows_after_kill.json'

finish
