#!/usr/bin/env bash
# cli_lake.sh - the local Parquet data lake (storage.type: parquet) and Parquet input, end to
# end, with nothing but tep, sqlite3, tep's own Parquet dump (build/tests/test_parquet
# dump) and cc (for the fsync hook, tests/crash_hook.c): it never skips. DuckDB's reading of the same lakes and the S3 lake are in
# cli_lake_duckdb.sh (it needs node and npm packages).
# `tep run` (simulator, 2 runs of 2 h, clean/missing/normalize/features) into a lake folder:
# Hive layout run_fault=<k>/run=<id>/part-NNNN.parquet (one folder per run, k = the run's
# fault) with exact row counts per part, one
# runs.parquet per run, no temporary or work files; a rerun replaces (same files, same
# counts). A files run with run ids that need escaping ("b #2.csv" -> run=b%20%232.csv); a
# files run whose second file is bad fails and leaves the lake byte for byte as it was; so
# does, with storage.sync, each fsync (of a part file or a folder) failing in turn.
# Parquet input: `tep simulate --output x.parquet` files go through the pipeline and give
# exactly the rows the same data give as CSV, with SHA-256 lineage and the fault labels.
. "$(dirname "$0")/lib_cli.sh"
case $TEP in /*) ;; *) TEP=$PWD/$TEP ;; esac # the test works in a scratch folder
src=${TEP_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
build=${TEP_BUILD_DIR:-$src/build}
. "$src/tests/lib_store.sh"
dump=$build/tests/test_parquet
[ -x "$dump" ] || { echo "FAIL: $dump is not built"; exit 1; }
cd "$tmp" || exit 1
rows_in() { # Parquet files... -> total rows (tep's reader)
    local f n=0
    for f in "$@"; do n=$((n + $("$dump" dump "$f" | sed -n 's/^rows //p'))); done
    echo "$n"
}

# --- simulator runs into SQLite and into the lake ------------------------------------------
lake_sim_config "type: sqlite" "connection_string: sim.db" >sqlite.yaml
lake_sim_config "type: parquet" "path: lake" "codec: snappy" "part_max_rows: 25" >lake.yaml
"$TEP" run -c sqlite.yaml --quiet --log-level warn
expect "simulator pipeline into SQLite exits 0" '[ $? -eq 0 ]'
out=$("$TEP" run -c lake.yaml --log-level warn 2>&1)
expect "simulator pipeline into the lake exits 0" '[ $? -eq 0 ]'
expect "summary names the lake" 'echo "$out" | grep -q "80 rows stored in Parquet lake lake"'
r0=lake/tep_processed/run_fault=0/run=sim_idv00_seed4651207995_2h
r1=lake/tep_processed/run_fault=1/run=sim_idv01_seed4651207995_2h
expect "Hive layout run_fault=<k>/run=<id>/part-NNNN.parquet: one folder per run" \
    '[ -f $r0/part-0000.parquet ] && [ -f $r0/part-0001.parquet ] && [ -f $r1/part-0000.parquet ] && [ -f $r1/part-0001.parquet ]'
expect "exactly 4 part files" '[ $(find lake/tep_processed -type f | wc -l) -eq 4 ]'
expect "rows per part (part_max_rows 25): 25 + 15 per run" \
    '[ "$(rows_in $r0/part-0000.parquet) $(rows_in $r0/part-0001.parquet) $(rows_in $r1/part-0000.parquet) $(rows_in $r1/part-0001.parquet)" = "25 15 25 15" ]'
expect "the lake holds SQLite's row count per run and fault" \
    '[ "$(sqlite3 sim.db "select group_concat(n, \" \") from (select count(*) n from tep_processed group by run_id, fault order by run_id, fault)")" = "40 20 20" ]'
expect "runs table: one runs.parquet per run, one row each" \
    '[ $(find lake/runs -name runs.parquet | wc -l) -eq 2 ] && [ "$(rows_in $(find lake/runs -name runs.parquet))" = 2 ]'
expect "no temporary or work files left" '[ -z "$(find lake -name "*.tmp-*")" ] && [ -z "$(ls -A lake/_staging)" ]'

# rerun: the run is replaced, nothing added
find lake/tep_processed -type f | sort >files1.txt
"$TEP" run -c lake.yaml --quiet --log-level warn
expect "rerun exits 0" '[ $? -eq 0 ]'
find lake/tep_processed -type f | sort >files2.txt
expect "rerun replaces: same part files" 'cmp -s files1.txt files2.txt'
expect "rerun replaces: same row count (80)" '[ "$(rows_in $(cat files2.txt))" = 80 ]'
expect "rerun leaves no work files" '[ -z "$(ls -A lake/_staging)" ] && [ -z "$(find lake -name "*.tmp-*")" ]'

# --- files source: run ids that need escaping; a failing run leaves the lake as it was ------
lake_raw_files
lake_files_config "type: parquet" "path: flake" >flake.yaml
"$TEP" run -c flake.yaml --quiet --log-level warn
expect "files pipeline into the lake exits 0" '[ $? -eq 0 ]'
expect "run id escaped in the folder name, under the run's fault (2)" '[ -d "flake/tep_processed/run_fault=2/run=b%20%232.csv" ] && [ -d "flake/runs/run=b%20%232.csv" ]'
expect "files lake: 20 + 20 rows" '[ "$(rows_in $(find flake/tep_processed -name "*.parquet"))" = 40 ]'
tree_sums flake/tep_processed >before.txt
sha256sum "flake/runs/run=b%20%232.csv/runs.parquet" >>before.txt
awk -F, 'NR == 15 { $5 = "abc" } { print }' OFS=, good_b.csv >"raw/b #2.csv"
out=$("$TEP" run -c flake.yaml --quiet 2>&1); rc=$?
expect "bad second file: exit 1 naming file:line:column" '[ $rc -eq 1 ] && echo "$out" | grep -q "b #2.csv:15:5: expected a number"'
tree_sums flake/tep_processed >after.txt
sha256sum "flake/runs/run=b%20%232.csv/runs.parquet" >>after.txt
expect "failed run: lake byte for byte as before ($(wc -l <before.txt) files)" 'cmp -s before.txt after.txt && [ $(wc -l <before.txt) -ge 3 ]'
expect "failed run: no work or temporary files" '[ -z "$(ls -A flake/_staging)" ] && [ -z "$(find flake -name "*.tmp-*")" ]'
cp good_b.csv "raw/b #2.csv"

# --- storage.sync: a failed fsync (EIO, made by tests/crash_hook.c), of a part file or of a
# folder after a rename, fails the run and leaves the lake as it was (folder syncs used to be
# ignored)
. "$src/tests/lib_crash.sh"
crash_hook_build
expect "the fsync hook builds (cc -shared)" '[ -f "$HOOK" ]'
mkdir raw_b # one run (b #2.csv) stored again into a copy of flake (which holds a.csv too)
cp good_b.csv "raw_b/b #2.csv"
lake_files_config "type: parquet" "path: slake" "sync: true" | sed 's|input_dir: raw$|input_dir: raw_b|' >sync.yaml
rm -rf slake && cp -a flake slake
hooked env TEP_CRASH_ON=sync TEP_CRASH_LOG="$tmp/syncs.log" "$TEP" run -c sync.yaml --quiet
expect "sync: true: a run exits 0" '[ $? -eq 0 ]'
nsyncs=$(wc -l <syncs.log)
tree_sums flake >lake_before.txt
bad=""
for k in $(seq 1 "$nsyncs"); do
    rm -rf slake && cp -a flake slake
    out=$(hooked env TEP_CRASH_ON=sync TEP_CRASH_FAIL_AT="$k" "$TEP" run -c sync.yaml --quiet 2>&1)
    rc=$?
    if [ $rc -ne 1 ] || ! echo "$out" | grep -q "Input/output error" ||
        ! tree_sums slake | cmp -s lake_before.txt - || [ -n "$(ls -A slake/_staging)" ]; then
        bad="$bad $k(exit $rc)"
    fi
done
expect "each of the $nsyncs fsyncs failing: exit 1 with the cause, the lake byte for byte as before, no work files${bad:+ - not at:$bad}" \
    '[ "$nsyncs" -ge 6 ] && [ -z "$bad" ]'

# --- Parquet input: tep simulate files = the same data as CSV -------------------------------
mkdir pq csvin
"$TEP" simulate --hours 1 --output pq/a.parquet --quiet
cp raw/a.csv csvin/a.csv
"$TEP" simulate --hours 2 --idv 4 --fault-at 1 --output pq/s.parquet --quiet
expect "tep simulate --output x.parquet exits 0, no temporary left" '[ $? -eq 0 ] && [ -z "$(ls -A pq | grep tmp-)" ]'
"$TEP" simulate --hours 2 --idv 4 --fault-at 1 --output csvin/s.csv --quiet
lake_input_same_as_csv
expect "Parquet input (tep simulate files) = CSV input: both runs exit 0, every stored value identical ($input_cmp_rows rows)" '[ $? -eq 0 ]'
sha=$(sha256sum pq/a.parquet | cut -d" " -f1)
expect "Parquet lineage: kind, SHA-256, size" \
    '[ "$(sqlite3 from_pq.db "select source_kind, sha256, size_bytes from runs where run_id=\"a.parquet\"")" = "parquet|$sha|$(stat -c %s pq/a.parquet)" ]'
expect "fault labels read from the simulate file: 20 rows of IDV 4 after 1 h" \
    '[ "$(sqlite3 from_pq.db "select count(*), min(time_h) > 1 from tep_processed where run_id=\"s.parquet\" and fault = 4")" = "20|1" ]'

finish
