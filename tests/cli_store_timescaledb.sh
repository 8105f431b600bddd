#!/usr/bin/env bash
# cli_store_timescaledb.sh - `tep run` into PostgreSQL with TimescaleDB (storage.timescaledb).
# Starts two throwaway servers with scripts/services.sh: one preloading TimescaleDB
# (TEP_PG_TIMESCALEDB=1) and one without it; stops both on exit. Skips (exit 77) when
# the timescaledb extension is not installed for the server (Debian does not package it;
# `make test` installs ../shared/vendor/timescaledb-* through scripts/services.sh install
# when that folder exists) or the servers cannot be provided.
# With TimescaleDB preloaded: timescaledb: auto creates the extension (the `tep` role
# owns its database; the extension is trusted) and makes a new tep_processed a
# hypertable on ts with primary key (id, ts); every value reads back identical to the
# same runs stored in SQLite (exact doubles); a rerun replaces the run's rows (exact
# counts, same ids, changed values restored); a run spanning several chunks
# (start_time given, ts = start_time + time_h) is replaced whole; timescaledb: off on a
# fresh prefix gives a plain partitioned table. Without the preload (the extension
# installed on disk, where CREATE EXTENSION would end the session with FATAL):
# timescaledb: on fails (exit 1) with a clear message and creates nothing; auto (the
# default) falls back to the partitioned layout and stores the runs, also when a
# timescaledb.* setting is left in postgresql.conf.
. "$(dirname "$0")/lib_cli.sh"
case $TEP in /*) ;; *) TEP=$PWD/$TEP ;; esac
src=${TEP_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
. "$src/tests/lib_store.sh"
services=$src/scripts/services.sh
PY=/usr/bin/python3
[ -x $PY ] || PY=$(command -v python3 || true)
unset TEP_SERVICES_DIR TEP_PG_TIMESCALEDB
dir_ts='' dir_plain=''
cleanup() {
  [ -n "$dir_ts" ] && TEP_SERVICES_DIR=$dir_ts "$services" stop >/dev/null 2>&1
  [ -n "$dir_plain" ] && TEP_SERVICES_DIR=$dir_plain "$services" stop >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT
cd "$tmp"
if [ -z "$PY" ] || ! $PY -c 'import sqlite3' 2>/dev/null; then
  skip "python3 (with sqlite3) is needed to compare values"
fi
start_pg() { # name, TEP_PG_TIMESCALEDB: a new server; its export lines in name.env
  env -u TEP_SERVICES_DIR TEP_PG_TIMESCALEDB=$2 "$services" start pg > "$1.env" 2>>services.log
}
env_of() { sed -n "s/^export $2='\(.*\)'$/\1/p" "$1.env"; }
start_pg ts 1; rc=$?
dir_ts=$(env_of ts TEP_SERVICES_DIR)
if [ $rc -ne 0 ]; then
  sed 's/^/  /' services.log
  skip "cannot start PostgreSQL for this test (scripts/services.sh install provides it)"
fi
eval "$(cat ts.env)"
if [ "$TEP_PG_TIMESCALEDB" != 1 ]; then
  skip "the timescaledb extension is not installed for PostgreSQL in $TEP_PG_BIN (Debian" \
    "does not package it: scripts/services.sh install installs the build in" \
    "../shared/vendor/timescaledb-2.28.3-pg15-amd64 when present, or build a release for this" \
    "PostgreSQL from https://github.com/timescale/timescaledb and make install)"
fi
ts_dsn=$TEP_PG_DSN ts_admin=$TEP_PG_ADMIN_DSN
start_pg plain 0; rc=$?
dir_plain=$(env_of plain TEP_SERVICES_DIR)
if [ $rc -ne 0 ]; then
  echo "FAIL cannot start the second PostgreSQL server:"; sed 's/^/  /' services.log; exit 1
fi
plain_dsn=$(env_of plain TEP_PG_DSN) plain_admin=$(env_of plain TEP_PG_ADMIN_DSN)
pq() { "$TEP_PG_BIN/psql" -X -q -At "$ts_admin" -c "$1" 2>&1; }
pq0() { "$TEP_PG_BIN/psql" -X -q -At "$plain_admin" -c "$1" 2>&1; }
echo "  $(pq "select 'PostgreSQL ' || current_setting('server_version') || ', TimescaleDB ' || default_version from pg_available_extensions where name = 'timescaledb'")"

is_hypertable() { # server query function, table: prints the hypertable's time column, or nothing
  $1 "select column_name from timescaledb_information.dimensions where hypertable_schema = 'public' and hypertable_name = '$2'"
}

# --- reference: the same runs in SQLite ------------------------------------------------
store_reference

# --- timescaledb: auto on the server that preloads TimescaleDB -------------------------
P=ts_
store_config auto "type: postgresql" "connection_string: \"$ts_dsn\"" "timescaledb: auto" "table_prefix: $P"
expect "auto: extension not yet created in the database" '[ -z "$(pq "select extname from pg_extension where extname = '"'timescaledb'"'")" ]'
out=$("$TEP" run -c auto.yaml 2>&1); rc=$?
echo "$out" | grep -i -e error -e warn | sed 's/^/  /'
expect "auto: run exits 0" '[ $rc -eq 0 ]'
expect "auto: tep created the timescaledb extension" '[ -n "$(pq "select extversion from pg_extension where extname = '"'timescaledb'"'")" ]'
expect "auto: ${P}tep_processed is a hypertable on ts" '[ "$(is_hypertable pq ${P}tep_processed)" = ts ]'
expect "auto: listed in timescaledb_information.hypertables" '[ "$(pq "select count(*) from timescaledb_information.hypertables where hypertable_name = '"'${P}tep_processed'"'")" = 1 ]'
expect "auto: primary key (id, ts)" '[ "$(pq "select string_agg(a.attname, '"','"' order by k.i) from pg_index x cross join unnest(x.indkey) with ordinality k(n, i) join pg_attribute a on a.attrelid = x.indrelid and a.attnum = k.n where x.indrelid = '"'${P}tep_processed'"'::regclass and x.indisprimary")" = id,ts ]'
expect "auto: 2 complete runs" '[ "$(pq "select count(*) from ${P}runs where status = '"'complete'"'")" = 2 ]'
expect "auto: exactly 80 rows" '[ "$(pq "select count(*) from ${P}tep_processed")" = 80 ]'
expect "auto: columns = SQLite's + ts" '[ "$(pq "select count(*) from information_schema.columns where table_name = '"'${P}tep_processed'"'")" = $((ref_cols + 1)) ]'
expect "auto: the rows are in chunks (none in the root table)" '[ "$(pq "select count(*) from only ${P}tep_processed")" = 0 ] && [ "$(pq "select count(*) from show_chunks('"'${P}tep_processed'"')")" -ge 1 ]'
expect "auto: quality rows as in SQLite" '[ "$(pq "select count(*) from ${P}quality")" = "$(sqlite3 ref.db "select count(*) from quality")" ]'
expect "auto: ts = run start + time_h" '[ "$(pq "select count(*) from ${P}tep_processed p join ${P}runs r using (run_id) where abs(extract(epoch from p.ts - r.started_at) - p.time_h * 3600) > 0.001")" = 0 ]'
pg_matches_reference "$ts_admin" "${P}tep_processed" pg_rows.tsv; rc=$?
echo "  $cmp_out" | tail -3
expect "auto: every value identical to SQLite (exact doubles)" '[ $rc -eq 0 ]'

# rerun: the run's rows are replaced, not added (a changed value comes back)
pq "update ${P}tep_processed set xmeas_9 = -999 where sample <= 3" >/dev/null
ids_before=$(pq "select count(*) || ' ' || min(id) || ' ' || max(id) from ${P}tep_processed")
"$TEP" run -c auto.yaml --quiet --log-level warn
expect "rerun: exits 0" '[ $? -eq 0 ]'
expect "rerun: exactly 80 rows and 2 runs (not doubled)" '[ "$(pq "select count(*) from ${P}tep_processed")" = 80 ] && [ "$(pq "select count(*) from ${P}runs")" = 2 ]'
expect "rerun: same ids (run numbers kept)" '[ "$(pq "select count(*) || '"' '"' || min(id) || '"' '"' || max(id) from ${P}tep_processed")" = "$ids_before" ]'
expect "rerun: changed values replaced" '[ "$(pq "select count(*) from ${P}tep_processed where xmeas_9 = -999")" = 0 ]'
expect "rerun: still the one hypertable" '[ "$(is_hypertable pq ${P}tep_processed)" = ts ] && [ "$(pq "select count(*) from timescaledb_information.hypertables")" = 1 ]'
expect "rerun: quality rows replaced" '[ "$(pq "select count(*) from ${P}quality")" = "$(sqlite3 ref.db "select count(*) from quality")" ]'
expect "rerun: every value identical to SQLite" 'pg_matches_reference "$ts_admin" "${P}tep_processed" pg_rows2.tsv'

# analysis reads the hypertable: the results of the same runs in SQLite
"$TEP" report --store ref.db --out ref_report.html --json ref_report.json > /dev/null 2>&1
out=$("$TEP" report --store "pg:$ts_dsn" --table-prefix "$P" --out ts_report.html --json ts_report.json 2>&1); rc=$?
expect "report on the hypertable: exit 0, results identical to SQLite's" '[ $rc -eq 0 ] && same_results ref_report.json ts_report.json'

# a run over several chunks (default chunk interval 7 days), fixed time base
HOURS=200 FAULTS=0 store_config long "type: postgresql" "connection_string: \"$ts_dsn\"" "table_prefix: long_" "start_time: 2024-01-01T00:00:00Z"
"$TEP" run -c long.yaml --quiet --log-level warn
expect "long run: exits 0, 4000 rows" '[ $? -eq 0 ] && [ "$(pq "select count(*) from long_tep_processed")" = 4000 ]'
expect "long run: hypertable with 2 or more chunks" '[ "$(is_hypertable pq long_tep_processed)" = ts ] && [ "$(pq "select count(*) from show_chunks('"'long_tep_processed'"')")" -ge 2 ]'
expect "long run: ts = start_time + time_h" '[ "$(pq "select count(*) from long_tep_processed where abs(extract(epoch from ts - '"'2024-01-01T00:00:00Z'"'::timestamptz) - time_h * 3600) > 0.001")" = 0 ]'
pq "update long_tep_processed set xmeas_9 = -999" >/dev/null
"$TEP" run -c long.yaml --quiet --log-level warn
expect "long run: rerun replaces it in every chunk (4000 rows, none stale)" '[ $? -eq 0 ] && [ "$(pq "select count(*), count(*) filter (where xmeas_9 = -999) from long_tep_processed")" = "4000|0" ]'

# --- timescaledb: off on a fresh prefix ------------------------------------------------
store_config off "type: postgresql" "connection_string: \"$ts_dsn\"" "timescaledb: off" "table_prefix: off_"
"$TEP" run -c off.yaml --quiet --log-level warn
expect "off: exits 0, 80 rows" '[ $? -eq 0 ] && [ "$(pq "select count(*) from off_tep_processed")" = 80 ]'
expect "off: not a hypertable" '[ -z "$(is_hypertable pq off_tep_processed)" ] && [ "$(pq "select count(*) from timescaledb_information.hypertables where hypertable_name = '"'off_tep_processed'"'")" = 0 ]'
expect "off: the partitioned layout (a partition per run)" '[ "$(pq "select relkind from pg_class where oid = '"'off_tep_processed'"'::regclass")" = p ] && [ "$(pq "select count(*) from pg_inherits where inhparent = '"'off_tep_processed'"'::regclass")" = 2 ]'

# --- a server without TimescaleDB preloaded (the extension is installed on disk) -------
store_config on0 "type: postgresql" "connection_string: \"$plain_dsn\"" "timescaledb: on"
out=$("$TEP" run -c on0.yaml --quiet 2>&1); rc=$?
echo "$out" | grep error | sed 's/^/  /'
expect "on without preload: exit 1" '[ $rc -eq 1 ]'
expect "on without preload: the message names storage.timescaledb and the missing preload" 'echo "$out" | grep -q "storage.timescaledb is on but .*shared_preload_libraries"'
expect "on without preload: nothing created" '[ "$(pq0 "select count(*) from pg_class where relname in ('"'tep_processed'"', '"'runs'"')")" = 0 ]'
store_config auto0 "type: postgresql" "connection_string: \"$plain_dsn\""
out=$("$TEP" run -c auto0.yaml --quiet --log-level warn 2>&1); rc=$?
echo "$out" | grep error | sed 's/^/  /'
expect "auto (default) without preload: exits 0, partitioned, 80 rows" '[ $rc -eq 0 ] && [ "$(pq0 "select relkind from pg_class where relname = '"'tep_processed'"'")" = p ] && [ "$(pq0 "select count(*) from tep_processed")" = 80 ]'
# a timescaledb.* line left in postgresql.conf (as timescaledb-tune writes) without the
# preload: a placeholder setting that current_setting() shows, but nothing is loaded
echo "timescaledb.max_background_workers = 8" >> "$dir_plain/pg/data/postgresql.conf"
TEP_SERVICES_DIR=$dir_plain "$services" kill pg
TEP_SERVICES_DIR=$dir_plain "$services" start pg >/dev/null 2>>services.log
store_config tuned0 "type: postgresql" "connection_string: \"$plain_dsn\"" "table_prefix: tuned_"
out=$("$TEP" run -c tuned0.yaml --quiet --log-level warn 2>&1); rc=$?
echo "$out" | grep error | sed 's/^/  /'
expect "auto, timescaledb.* setting but no preload: exits 0, partitioned" '[ $rc -eq 0 ] && [ "$(pq0 "select relkind from pg_class where relname = '"'tuned_tep_processed'"'")" = p ] && [ "$(pq0 "select count(*) from tuned_tep_processed")" = 80 ]'

# --- options that exclude each other --------------------------------------------------
store_config both "type: postgresql" "connection_string: \"$ts_dsn\"" "timescaledb: on" "layout: partitioned"
out=$("$TEP" run -c both.yaml --quiet 2>&1); rc=$?
expect "layout partitioned + timescaledb on: config error (exit 2)" '[ $rc -eq 2 ] && echo "$out" | grep -q "exclude each other"'

finish
