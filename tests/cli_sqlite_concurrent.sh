#!/usr/bin/env bash
# cli_sqlite_concurrent.sh - two `tep run` into the same SQLite file at once.
#
# Command A stores 3 runs (Parquet files of simulated faults 0-2) with rolling-10
# features, B 3 others (faults 3-5) with rolling-20 features (so both add columns to tep_processed), started together,
# six rounds: three into a new file (both create the tables), three into the file of
# the round before (both replace their runs), and two rounds where A and A' (same run
# ids) replace the same runs at once. Each command must exit 0, or 1 with a message
# naming the file and the lock; afterwards PRAGMA integrity_check is ok, every run in
# `runs` has exactly its rows, no row lacks its run, and every run of a command that
# succeeded equals the same run stored alone (a SHA3 of its rows). Finally a writer
# that keeps the file locked longer than the store's 10 s busy timeout: `tep run` fails
# cleanly (exit 1, "database is locked" naming the file) and the file is byte for byte
# as before.
set -u
src=${TEP_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
. "$src/tests/lib_cli.sh"
case $TEP in /*) ;; *) TEP=$PWD/$TEP ;; esac
command -v sqlite3 >/dev/null || { echo "FAIL: sqlite3 is needed (scripts/install-deps.sh)"; exit 1; }
cd "$tmp" || exit 1
mkdir in_a in_b
for idv in 0 1 2 3 4 5; do
  "$TEP" simulate --idv $idv --output "$([ $idv -lt 3 ] && echo in_a || echo in_b)/sim_idv0${idv}_48h.parquet" --quiet
done
config() { # name input-folder rolling db
  cat >"$1.yaml" <<EOF
data: {input_dir: $2, file_format: parquet, output_dir: model_$1, chunk_rows: 256}
preprocessing:
  steps:
    - missing: {method: ffill}
    - features: {rolling: [$3], stats: [mean], diff: [1]}
storage: {type: sqlite, connection_string: $4}
EOF
}
# per run of $2 (a store holding only that command's runs): its row count and the SHA3
# of its rows over that store's columns in name order, as found in store $1
digest() { # db ref-db
  local cols
  cols=$(sqlite3 "$2" "select group_concat('\"' || name || '\"', ',') from (select name from pragma_table_info('tep_processed') where name <> 'id' order by name)")
  sqlite3 "$1" "select run_id, rows_stored, (select count(*) from tep_processed t where t.run_id = r.run_id),
      hex(sha3_query('select $cols from tep_processed where run_id = ' || quote(run_id) || ' order by sample'))
    from runs r order by run_id" | grep -Ff <(sqlite3 "$2" "select run_id || '|' from runs")
}
config a in_a 10 ref_a.db
config b in_b 20 ref_b.db
"$TEP" run -c a.yaml --quiet --log-level warn && "$TEP" run -c b.yaml --quiet --log-level warn
expect "each command alone (the reference)" '[ $? -eq 0 ]'
digest ref_a.db ref_a.db >ref_a.txt
digest ref_b.db ref_b.db >ref_b.txt
expect "references: 3 runs of 960 rows each" \
  '[ "$(awk -F"|" "\$2 == 960 && \$3 == 960" ref_a.txt ref_b.txt | wc -l)" = 6 ]'
config a in_a 10 shared.db
config b in_b 20 shared.db
config a2 in_a 10 shared.db

# both at once; sets rc_1 rc_2 and out_1 out_2
together() { # config1 config2
  "$TEP" run -c "$1.yaml" --quiet --log-level warn >out_1.txt 2>&1 &
  local p1=$!
  "$TEP" run -c "$2.yaml" --quiet --log-level warn >out_2.txt 2>&1 &
  local p2=$!
  wait $p1
  rc_1=$?
  wait $p2
  rc_2=$?
}
consistent() { # what: integrity, every run with its rows, no orphan rows
  [ "$(sqlite3 shared.db "pragma integrity_check")" = ok ] &&
    [ -z "$(sqlite3 shared.db "select run_id from runs r where rows_stored <> (select count(*) from tep_processed t where t.run_id = r.run_id) or status <> 'complete'")" ] &&
    [ "$(sqlite3 shared.db "select count(*) from tep_processed where run_id not in (select run_id from runs)")" = 0 ]
}
clean_exit() { # rc output-file: 0, or 1 with a message naming the file and the lock
  [ "$1" = 0 ] || { [ "$1" = 1 ] && grep -q "shared.db: .*database is locked" "$2"; }
}
outcomes=""
for round in 1 2 3 4 5 6 7 8; do
  case $round in
    1 | 2 | 3) rm -f shared.db; pair="a b"; what="new file" ;;
    4 | 5 | 6) pair="a b"; what="existing file" ;;
    *) pair="a a2"; what="same runs" ;;
  esac
  together $pair
  outcomes+="$rc_1/$rc_2 "
  ok=1
  clean_exit $rc_1 out_1.txt && clean_exit $rc_2 out_2.txt || ok=0
  consistent || ok=0
  [ $rc_1 = 0 ] && ! digest shared.db ref_a.db | cmp -s - ref_a.txt && ok=0
  second=$([ "$pair" = "a b" ] && echo b || echo a)
  [ $rc_2 = 0 ] && ! digest shared.db "ref_$second.db" | cmp -s - "ref_$second.txt" && ok=0
  if [ $ok = 1 ]; then
    pass "round $round ($what): exits $rc_1 and $rc_2, store consistent, each successful command's runs = stored alone"
  else
    fail "round $round ($what): exits $rc_1 ($(tail -1 out_1.txt)) and $rc_2 ($(tail -1 out_2.txt)), store $(consistent && echo consistent || echo INCONSISTENT)"
  fi
done
echo "exit statuses per round: $outcomes"

# a writer holding the file locked longer than the busy timeout: a clean failure
sha=$(sha256sum <shared.db)
(echo "BEGIN IMMEDIATE; DELETE FROM quality WHERE 0;"; sleep 12; echo "COMMIT;") | sqlite3 shared.db &
holder=$!
sleep 0.5
"$TEP" run -c a.yaml --quiet >out_1.txt 2>&1
rc=$?
wait $holder
expect "a lock held past the busy timeout: exit 1, 'database is locked' naming the file ($(tail -1 out_1.txt))" \
  '[ $rc -eq 1 ] && grep -Eq "^tep run: error: shared.db: (run sim_idv00_48h.parquet: )?SQLite: database is locked" out_1.txt'
expect "the file byte for byte as before, no journal left" \
  '[ "$(sha256sum <shared.db)" = "$sha" ] && [ ! -e shared.db-journal ] && consistent'
finish
