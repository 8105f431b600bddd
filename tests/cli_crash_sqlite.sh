#!/usr/bin/env bash
# cli_crash_sqlite.sh - `kill -9` of `tep run` into SQLite, then the store checked.
#
# Input: 8 simulated runs as Parquet files (lib_crash.sh), a first pass fitting the
# normal-operation model, five preprocessing steps, 8 commits. A clean run into a
# fresh store is the reference. Then, on one store that every kill leaves as it is:
# (1) TEP_CRASH_KILLS (default 24) kills at seeded random moments over the run's
# duration (the seed is printed; the phase each kill landed in is counted: fit pass,
# each run, between runs); (2) kills at every fsync of the first two runs'
# commits and at every deletion of the rollback journal (crash_hook.c), which random
# moments rarely hit. After every kill: PRAGMA integrity_check is ok, every run in
# `runs` is complete with exactly the rows, runs-table fields and quality rows of
# the same run in the reference (a SHA3 of its rows in sample order), no row belongs
# to a run missing from `runs`. Finally a rerun ends equal to the clean store
# (every run, row and quality metric) with no journal left.
set -u
src=${TEP_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
. "$src/tests/lib_cli.sh"
. "$src/tests/lib_crash.sh"
case $TEP in /*) ;; *) TEP=$PWD/$TEP ;; esac
for tool in sqlite3 cc; do
  command -v $tool >/dev/null || { echo "FAIL: $tool is needed (scripts/install-deps.sh installs it)"; exit 1; }
done
cd "$tmp" || exit 1
started=$(date +%s)
crash_seed
crash_hook_build
expect "the kill hook builds (cc -shared)" '[ -f "$HOOK" ]'
crash_inputs in
mkdir ref crash
crash_config ref/run.yaml "type: sqlite" "connection_string: store.db"
cp ref/run.yaml crash/run.yaml # same text: same config hash in the runs rows

# Per run: its runs row (but number and times), its row count, the SHA3 of its rows
# (every column but the id, in sample order) and of its quality rows.
digest() {
  local cols
  cols=$(sqlite3 "$1" "select group_concat('\"' || name || '\"', ',') from pragma_table_info('tep_processed') where name <> 'id'")
  sqlite3 -separator ' | ' "$1" "select run_id, source_kind, source, size_bytes, sha256, rows_read,
      rows_stored, fault, fault_onset_h, seed, hours, shutdown_time_h, shutdown_reason,
      config_sha256, status, quality_json,
      (select count(*) from tep_processed t where t.run_id = r.run_id),
      hex(sha3_query('select $cols from tep_processed where run_id = ' || quote(run_id) || ' order by sample')),
      hex(sha3_query('select * from quality where run_id = ' || quote(run_id) || ' order by column_name, metric'))
    from runs r order by run_id"
}
orphans() { sqlite3 "$1" "select count(*) from tep_processed where run_id not in (select run_id from runs)"; }
tables() { sqlite3 "$1" "select count(*) from sqlite_master where name in ('runs', 'tep_processed', 'quality')"; }

cd ref
"$TEP" run -c run.yaml --quiet --log-level warn
expect "clean reference run exits 0" '[ $? -eq 0 ]'
time_ms "$TEP" run -c run.yaml --quiet --log-level warn # as a rerun: with the model file
duration=$elapsed_ms
digest store.db >../ref.txt
cd ../crash || exit 1
expect "reference: 8 runs of 9600 rows, rows_stored = rows" \
  '[ $(wc -l <../ref.txt) -eq 8 ] && [ $(awk -F" [|] " "\$7 == 9600 && \$17 == 9600" ../ref.txt | wc -l) -eq 8 ]'
echo "a clean rerun takes $duration ms"

# after a kill: the store opens, is intact, and every run in it is a reference run
checked=0
check_store() { # what
  local integrity problems
  integrity=$(sqlite3 store.db "pragma integrity_check" 2>&1)
  case $(tables store.db) in
    0) : >../now.txt ;; # killed before it made its tables: an empty store
    3) digest store.db >../now.txt 2>&1 ;;
    *) echo "some of the tables are missing" >../now.txt ;;
  esac
  problems=$(grep -vxFf ../ref.txt ../now.txt | cut -c1-160)
  if [ "$integrity" = ok ] && [ -z "$problems" ] && [ "$(orphans store.db 2>/dev/null || echo 0)" = 0 ]; then
    checked=$((checked + 1))
  else
    fail "$1: integrity '$integrity', $(orphans store.db) orphan rows, runs unlike the reference: ${problems:-none}"
  fi
}

# (1) random moments over a clean rerun's duration; every third kill into a fresh store,
# every fourth with the model file removed (that run fits it again first, so lasts
# longer); a kill that comes after the end is counted apart
kills=${TEP_CRASH_KILLS:-24}
max_delay=$((duration + 50))
stored_counts=""
interrupted=0
for i in $(seq 1 "$kills"); do
  [ $((i % 3)) = 0 ] && rm -f store.db store.db-journal
  [ $((i % 4)) = 1 ] && rm -rf model
  kill_randomly "$max_delay" ../kill.log "$TEP" run -c run.yaml --log-level info
  [ "$kill_rc" = 137 ] && interrupted=$((interrupted + 1))
  check_store "random kill $i after $kill_delay_ms ms ($kill_phase)"
  stored_counts+="$(grep -c . ../now.txt) "
done
random_kills_verdict

# (2) the commits: every fsync of the first two runs (of a rerun over the 8 stored runs,
# and of a store made anew), the first 4 deletions of the journal
"$TEP" run -c run.yaml --quiet --log-level warn
TEP_CRASH_ON=sync TEP_CRASH_LOG=$PWD/../sync.log hooked "$TEP" run -c run.yaml --quiet --log-level warn
TEP_CRASH_ON=unlink TEP_CRASH_LOG=$PWD/../unlink.log hooked "$TEP" run -c run.yaml --quiet --log-level warn
journal_deletes=$(grep -c 'store.db-journal$' ../unlink.log)
syncs=$(($(wc -l <../sync.log) / 4 + 1))
expect "the hook sees the commits of a rerun of 8 runs ($(wc -l <../sync.log) fsyncs, $journal_deletes journal deletions)" \
  '[ "$journal_deletes" -eq 8 ] && [ "$syncs" -ge 3 ]'
before=$checked
for n in $(seq 1 "$syncs"); do
  TEP_CRASH_ON=sync TEP_CRASH_KILL_AT=$n hooked "$TEP" run -c run.yaml --quiet --log-level warn >/dev/null 2>&1
  rc=$?
  check_store "kill at fsync $n (exit $rc)"
done
# the same into a new file: the store's creation (its tables come in one transaction)
keep=$(mktemp -d)
mv store.db "$keep/"
for n in $(seq 1 "$syncs"); do
  rm -f store.db store.db-journal
  TEP_CRASH_ON=sync TEP_CRASH_KILL_AT=$n hooked "$TEP" run -c run.yaml --quiet --log-level warn >/dev/null 2>&1
  rc=$?
  check_store "kill at fsync $n of a new store (exit $rc, tables: $(tables store.db))"
done
rm -f store.db store.db-journal
mv "$keep/store.db" . && rmdir "$keep"
hot=0
for n in $(grep 'store.db-journal$' ../unlink.log | cut -d' ' -f1 | head -4); do
  TEP_CRASH_ON=unlink TEP_CRASH_KILL_AT=$n hooked "$TEP" run -c run.yaml --quiet --log-level warn >/dev/null 2>&1
  rc=$?
  [ -e store.db-journal ] && hot=$((hot + 1))
  check_store "kill before the journal deletion $n (exit $rc)"
done
expect "kills at $syncs fsyncs (into the store, into a new file) and 4 journal deletions ($hot hot journals left): the store intact after each" \
  '[ $((checked - before)) -eq $((2 * syncs + 4)) ] && [ $hot -eq 4 ]'

# finally a rerun ends equal to the clean store
"$TEP" run -c run.yaml --quiet --log-level warn
expect "rerun after the kills exits 0" '[ $? -eq 0 ]'
digest store.db >../final.txt
expect "rerun = the clean store: every run, row and quality metric" 'cmp -s ../ref.txt ../final.txt'
expect "rerun: integrity ok, no journal left" \
  '[ "$(sqlite3 store.db "pragma integrity_check")" = ok ] && [ ! -e store.db-journal ] && [ ! -e store.db-wal ]'
echo "wall time: $(($(date +%s) - started)) s"
finish
