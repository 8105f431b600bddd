#!/usr/bin/env bash
# bench_lake.sh - the Parquet lake store and Parquet reading against DuckDB on the
# pipeline's real output.
#
# 1. `tep run` turns a generated 1M-row TEP CSV (bench_gen_csv) into the pipeline's
#    output (clean, missing, outliers, normalize, features: 4 keys + 212 value columns)
#    stored in a lake folder (storage.type parquet) - end-to-end time shown for scale.
# 2. tep: the lake store alone writes those rows again (bench_lake write: one
#    process() per 8192-row chunk = one row group each, then publish), and reads them
#    back two ways: the file reader tep_reader_* (53 catalogue columns, as `tep run`
#    reads Parquet input) and tep_pq_read_frame (all columns).
# 3. DuckDB (tests/node/duckdb_lake_bench.mjs): reads tep's file into a table (all
#    columns; keys + 53 catalogue columns), writes the table with COPY TO with the same
#    codec and row group size, reads its own file, and scans tep's file summing every
#    column; tep then reads DuckDB's file and the checksums must agree (exact, order-
#    independent). Prints seconds, file sizes and ratios (> 1: tep faster/smaller).
#    "read" = into memory (tep: frames; DuckDB: CREATE TABLE AS), outside any pipeline.
# Usage: bench/bench_lake.sh [BUILD_DIR]
#   env: BENCH_ROWS (1000000), BENCH_CODEC (zstd; snappy, none), BENCH_DUCKDB_THREADS (1,
#        as tep: single-threaded), BENCH_DIR (scratch folder, removed at the end).
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
. "$src/bench/lib_bench.sh"
build=${1:-${TEP_BUILD_DIR:-$src/build}}
rows=${BENCH_ROWS:-1000000}
codec=${BENCH_CODEC:-zstd}
threads=${BENCH_DUCKDB_THREADS:-1}
work=${BENCH_DIR:-$build/tmp/bench_lake}
node_dir=$src/tests/node
duck_codec=$codec
[ "$codec" = none ] && duck_codec=uncompressed

cmake --build "$build" --target tep_cli bench_gen_csv bench_lake -j1 >/dev/null
rm -rf "$work" && mkdir -p "$work/raw"
[ -n "${BENCH_KEEP:-}" ] || trap 'rm -rf "$work"' EXIT

duckdb_check

"$build/bench/bench_gen_csv" "$rows" "$work/raw/big.csv"
{ pipeline_yaml "$work"; cat <<YAML; } >"$work/bench.yaml"
storage:
  type: parquet
  path: $work/lake
  codec: $codec
  part_max_rows: 100000000
YAML
t0=$(date +%s.%N)
"$build/tep" run -c "$work/bench.yaml" --quiet --log-level warn
t1=$(date +%s.%N)
part=$(find "$work/lake/tep_processed" -name 'part-*.parquet' | head -1)
nparts=$(find "$work/lake/tep_processed" -name 'part-*.parquet' | wc -l)
[ "$nparts" = 1 ] || { echo "expected one part file, found $nparts"; exit 1; }

"$build/bench/bench_lake" write "$part" "$work/lake2" "$codec" >"$work/w.txt"
part2=$(find "$work/lake2/tep_processed" -name 'part-*.parquet' | head -1)
"$build/bench/bench_lake" read-reader "$part" >"$work/rr.txt"
"$build/bench/bench_lake" read-frames "$part" >"$work/rf.txt"
"$build/bench/bench_lake" read-frames "$part2" >"$work/rf2.txt"
stored=$(value rows "$work/w.txt")
cols=$(value columns "$work/w.txt")
groups=$(value row_groups "$work/w.txt")
tb=$(stat -c %s "$part2")
echo "Lake benchmark: $stored rows x $cols columns (the pipeline's output of a $rows-row CSV)," \
    "$groups row groups of <= 8192 rows, codec $codec; tep single-threaded, DuckDB threads=$threads"
printf "%-44s %8.2f s\n" "tep run end to end (CSV -> prep -> lake)" "$(secs "$t0" "$t1")"
[ "$(value checksum "$work/rf.txt")" = "$(value checksum "$work/rf2.txt")" ] ||
    { echo "ERROR: the lake store's rewrite holds other values"; exit 1; }
if [ "$have_duckdb" = 1 ]; then
    node "$node_dir/duckdb_lake_bench.mjs" "$part" "$work/duckdb.parquet" "$duck_codec" 8192 "$threads" >"$work/d.txt"
    "$build/bench/bench_lake" read-frames "$work/duckdb.parquet" >"$work/rd.txt"
    "$build/bench/bench_lake" read-reader "$work/duckdb.parquet" >"$work/rrd.txt"
    tw=$(value write_seconds "$work/w.txt"); dw=$(value duckdb_write_seconds "$work/d.txt")
    tr=$(value read_seconds "$work/rf.txt"); dr=$(value duckdb_read_own_seconds "$work/d.txt")
    trr=$(value read_seconds "$work/rr.txt"); drc=$(value duckdb_read_tep_catalogue_seconds "$work/d.txt")
    dra=$(value duckdb_read_tep_seconds "$work/d.txt"); trd=$(value read_seconds "$work/rd.txt")
    db=$(value duckdb_bytes "$work/d.txt")
    printf "%-44s tep %7.2f s   DuckDB %7.2f s   DuckDB/tep %sx\n" "write: lake store vs COPY TO" "$tw" "$dw" "$(ratio "$dw" "$tw")"
    printf "%-44s tep %7.2f s   DuckDB %7.2f s   DuckDB/tep %sx\n" "read own file, all columns" "$tr" "$dr" "$(ratio "$dr" "$tr")"
    printf "%-44s tep %7.2f s   DuckDB %7.2f s   DuckDB/tep %sx\n" "read tep's file, all columns" "$tr" "$dra" "$(ratio "$dra" "$tr")"
    printf "%-44s tep %7.2f s   DuckDB %7.2f s   DuckDB/tep %sx\n" "read tep's file, keys + 53 (tep_reader)" "$trr" "$drc" "$(ratio "$drc" "$trr")"
    printf "%-44s tep %7.2f s   DuckDB %7.2f s   DuckDB/tep %sx\n" "scan tep's file, all columns (DuckDB: sums)" "$tr" "$(value duckdb_scan_tep_seconds "$work/d.txt")" "$(ratio "$(value duckdb_scan_tep_seconds "$work/d.txt")" "$tr")"
    printf "%-44s tep %7.2f s\n" "tep reads DuckDB's file, all columns" "$trd"
    printf "%-44s tep %10s   DuckDB %10s   tep/DuckDB %s\n" "file size" "$(mb "$tb")" "$(mb "$db")" "$(ratio "$tb" "$db" 3)"
    if [ "$(value checksum "$work/rf.txt")" != "$(value checksum "$work/rd.txt")" ] ||
        [ "$(value checksum "$work/rr.txt")" != "$(value checksum "$work/rrd.txt")" ] ||
        [ "$(value duckdb_rows "$work/d.txt")" != "$stored" ]; then
        echo "ERROR: tep's and DuckDB's files hold different values"
        exit 1
    fi
    echo "values: identical checksums for both files ($(value checksum "$work/rf.txt"))"
else
    printf "%-44s tep %7.2f s\n%-44s tep %7.2f s\n%-44s tep %7.2f s\n%-44s tep %10s\n" \
        "write: lake store" "$(value write_seconds "$work/w.txt")" \
        "read all columns (tep_pq_read_frame)" "$(value read_seconds "$work/rf.txt")" \
        "read keys + 53 (tep_reader)" "$(value read_seconds "$work/rr.txt")" "file size" "$(mb "$tb")"
fi
