#!/usr/bin/env bash
# bench_parquet.sh - tep's Parquet writer/reader against DuckDB's, same data, same codec.
#
# For each codec (snappy, zstd): tep writes ROWS rows x (4 key + 213 DOUBLE)
# columns of TEP-like values (bench/bench_parquet.c) and reads them back into
# frames; DuckDB (tests/node/duckdb_bench.mjs) reads tep's file into a table
# (COPY ... FROM), writes that table with the same codec and row group size
# (COPY ... TO) and reads its own file into a table; tep then reads DuckDB's
# file too. Prints seconds, file sizes and ratios (> 1 means tep is faster /
# smaller). Checksums prove both readers saw the same values.
# Usage: bench/bench_parquet.sh [BUILD_DIR]
#   env: BENCH_ROWS (1000000), BENCH_ROW_GROUP (122880), BENCH_DUCKDB_THREADS
#        (2; DuckDB runs multi-threaded, tep on one thread), BENCH_DIR (scratch).
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
. "$src/bench/lib_bench.sh"
build=${1:-${TEP_BUILD_DIR:-$src/build}}
rows=${BENCH_ROWS:-1000000}
row_group=${BENCH_ROW_GROUP:-122880}
threads=${BENCH_DUCKDB_THREADS:-2}
work=${BENCH_DIR:-$build/tmp/bench_parquet}
node_dir=$src/tests/node

cmake --build "$build" --target bench_parquet -j1 >/dev/null
bin=$build/bench/bench_parquet
mkdir -p "$work"

duckdb_check

echo "Parquet benchmark: $rows rows x 217 columns (run_id, sample, time_h, fault + 213 DOUBLE)," \
    "row groups of $row_group rows; tep single-threaded, DuckDB threads=$threads"
for codec in snappy zstd; do
    ours=$work/tep_$codec.parquet
    theirs=$work/duckdb_$codec.parquet
    "$bin" write "$ours" "$codec" "$rows" "$row_group" >"$work/w.txt"
    "$bin" read "$ours" >"$work/r.txt"
    tw=$(value write_seconds "$work/w.txt")
    tr=$(value read_seconds "$work/r.txt")
    tb=$(value bytes "$work/w.txt")
    echo
    echo "== $codec"
    if [ "$have_duckdb" = 1 ]; then
        node "$node_dir/duckdb_bench.mjs" "$ours" "$theirs" "$codec" "$threads" >"$work/d.txt"
        "$bin" read "$theirs" >"$work/rd.txt"
        dw=$(value duckdb_write_seconds "$work/d.txt")
        dr_own=$(value duckdb_read_own_seconds "$work/d.txt")
        dr_tep=$(value duckdb_read_tep_seconds "$work/d.txt")
        db=$(value duckdb_bytes "$work/d.txt")
        tr_duck=$(value read_seconds "$work/rd.txt")
        printf "%-34s tep %8.2f s   DuckDB %8.2f s   DuckDB/tep %sx\n" "write (COPY TO)" "$tw" "$dw" "$(ratio "$dw" "$tw")"
        printf "%-34s tep %8.2f s   DuckDB %8.2f s   DuckDB/tep %sx\n" "read own file (COPY FROM)" "$tr" "$dr_own" "$(ratio "$dr_own" "$tr")"
        printf "%-34s tep %8.2f s   DuckDB %8.2f s   DuckDB/tep %sx\n" "read the other's file" "$tr_duck" "$dr_tep" "$(ratio "$dr_tep" "$tr_duck")"
        printf "%-34s tep %10s   DuckDB %10s   tep/DuckDB %s\n" "file size" "$(mb "$tb")" "$(mb "$db")" "$(ratio "$tb" "$db" 4)"
        if [ "$(value checksum "$work/r.txt")" != "$(value checksum "$work/rd.txt")" ] ||
            [ "$(value duckdb_rows "$work/d.txt")" != "$rows" ]; then
            echo "ERROR: tep's and DuckDB's files hold different values"
            exit 1
        fi
        echo "values: identical checksums for both files ($(value checksum "$work/r.txt"))"
    else
        printf "%-34s tep %8.2f s\n%-34s tep %8.2f s\n%-34s tep %10s\n" "write" "$tw" "read" "$tr" \
            "file size" "$(mb "$tb")"
    fi
    rm -f "$ours" "$theirs"
done
rm -f "$work"/*.txt
