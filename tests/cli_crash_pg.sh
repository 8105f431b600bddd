#!/usr/bin/env bash
# cli_crash_pg.sh - `kill -9` of `tep run` into PostgreSQL (partitioned layout: parallel
# load into a hidden table, then one swap transaction), then the store checked.
#
# A throwaway server from scripts/services.sh (exit 77 with its message when none can
# be started). The input and preprocessing of lib_crash.sh; the same configuration text
# stores the clean reference into database tepref and the crash runs into database tep
# (the PG* variables choose it), so the runs rows are comparable field by field.
# TEP_CRASH_KILLS (default 24) kills at seeded random moments over the run's duration
# (seed printed; every third kill into an emptied store, every fourth with the model
# file removed). After each: the server answers, every run in `runs` is complete with
# exactly the rows (MD5 of its rows in sample order), runs-table fields and quality rows
# of the same run in the reference, and no row belongs to a run missing from `runs`.
# Finally a rerun ends equal to the clean store, with no half-loaded table left.
set -u
src=${TEP_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
. "$src/tests/lib_cli.sh"
. "$src/tests/lib_crash.sh"
case $TEP in /*) ;; *) TEP=$PWD/$TEP ;; esac
services=$src/scripts/services.sh
unset TEP_SERVICES_DIR
trap '[ -n "${TEP_SERVICES_DIR:-}" ] && "$services" stop >/dev/null 2>&1; rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
if ! env_lines=$("$services" start pg 2>services.log); then
  sed 's/^/  /' services.log
  eval "$(echo "$env_lines" | grep TEP_SERVICES_DIR)"
  skip "cannot start PostgreSQL for this test (services.log above)"
fi
eval "$env_lines"
started=$(date +%s)
psql_in() { # database sql
  "$TEP_PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 "${TEP_PG_ADMIN_DSN/dbname=tep/dbname=$1}" -c "$2"
}
psql_in tep "create database tepref owner tep"
# the role and server of TEP_PG_DSN, the database from PGDATABASE
for kv in $TEP_PG_DSN; do
  case $kv in
    host=*) export PGHOST=${kv#host=} ;;
    port=*) export PGPORT=${kv#port=} ;;
    user=*) export PGUSER=${kv#user=} ;;
    password=*) export PGPASSWORD=${kv#password=} ;;
  esac
done
crash_seed
crash_inputs in
mkdir ref crash
crash_config ref/run.yaml "type: postgresql" 'connection_string: ""'
cp ref/run.yaml crash/run.yaml

# Per run: its runs row (but number and times), its row count, the MD5 of its rows
# (every column but id and the wall-clock-based ts, in sample order), of its quality rows.
digest() { # database
  local cols
  cols=$(psql_in "$1" "select string_agg(quote_ident(column_name), ',' order by ordinal_position)
    from information_schema.columns where table_name = 'tep_processed' and column_name not in ('id', 'ts')")
  local fields="r.run_id source_kind source size_bytes sha256 rows_read rows_stored fault fault_onset_h
    seed hours shutdown_time_h shutdown_reason config_sha256 status quality_json" f list=""
  for f in $fields; do list+="coalesce($f::text, 'NULL'), "; done
  # one scan of each table (a per-run subquery would scan every partition per run)
  psql_in "$1" "with d as (select run_id, count(*) as n,
        md5(string_agg(x::text, E'\n' order by x.sample)) as h
        from (select $cols from tep_processed) x group by run_id),
      q as (select run_id, md5(string_agg(q::text, ',' order by column_name, metric)) as h
        from quality q group by run_id)
    select concat_ws(' | ', $list coalesce(d.n, 0), d.h, q.h)
    from runs r left join d on d.run_id = r.run_id left join q on q.run_id = r.run_id
    order by r.run_id"
}
tables() { psql_in tep "select count(*) from pg_tables where tablename in ('runs', 'tep_processed', 'quality')"; }
orphans() { psql_in tep "select count(*) from tep_processed where run_id not in (select run_id from runs)"; }
load_tables() { psql_in tep "select count(*) from pg_tables where tablename like '%\_load'"; }

cd ref || exit 1
PGDATABASE=tepref "$TEP" run -c run.yaml --quiet --log-level warn
expect "clean reference store exits 0" '[ $? -eq 0 ]'
PGDATABASE=tepref time_ms "$TEP" run -c run.yaml --quiet --log-level warn
duration=$elapsed_ms
digest tepref >../ref.txt
cd ../crash || exit 1
expect "reference: 8 runs of 9600 rows, rows_stored = rows" \
  '[ $(wc -l <../ref.txt) -eq 8 ] && [ $(awk -F" [|] " "\$7 == 9600 && \$17 == 9600" ../ref.txt | wc -l) -eq 8 ]'
echo "a clean rerun takes $duration ms"
export PGDATABASE=tep

kills=${TEP_CRASH_KILLS:-24}
max_delay=$((duration + 50))
checked=0
interrupted=0
stored_counts=""
for i in $(seq 1 "$kills"); do
  [ $((i % 3)) = 0 ] && psql_in tep "set client_min_messages = warning; drop schema public cascade; create schema public authorization tep"
  [ $((i % 4)) = 1 ] && rm -rf model
  kill_randomly "$max_delay" ../kill.log "$TEP" run -c run.yaml --log-level info
  [ "$kill_rc" = 137 ] && interrupted=$((interrupted + 1))
  case $(tables) in
    0) : >../now.txt ;; # killed before it made its tables: an empty store
    3) digest tep >../now.txt 2>&1 ;;
    *) echo "some of the tables are missing" >../now.txt ;;
  esac
  problems=$(grep -vxFf ../ref.txt ../now.txt | cut -c1-160)
  n_orphans=$([ "$(tables)" = 3 ] && orphans || echo 0)
  if [ -z "$problems" ] && [ "$n_orphans" = 0 ]; then
    checked=$((checked + 1))
  else
    fail "kill $i after $kill_delay_ms ms ($kill_phase): $n_orphans orphan rows, runs unlike the reference: $problems"
  fi
  stored_counts+="$(grep -c . ../now.txt) "
done
random_kills_verdict

"$TEP" run -c run.yaml --quiet --log-level warn
expect "rerun after the kills exits 0" '[ $? -eq 0 ]'
digest tep >../final.txt
expect "rerun = the clean store: every run, row and quality metric" 'cmp -s ../ref.txt ../final.txt'
expect "no half-loaded table left after the rerun" '[ "$(load_tables)" = 0 ]'
echo "wall time: $(($(date +%s) - started)) s"
finish
