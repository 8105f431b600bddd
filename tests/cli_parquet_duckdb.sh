#!/usr/bin/env bash
# cli_parquet_duckdb.sh - DuckDB as an independent Parquet reader and writer for tep's.
#
# (1) tep writes sample files (PLAIN and dictionary, UNCOMPRESSED/SNAPPY/ZSTD,
#     nulls, strings, several row groups, an empty row group, small pages, a
#     frame file); (2) DuckDB writes files (SNAPPY/ZSTD/UNCOMPRESSED, V1 and
#     V2 pages, nulls, dictionary-encoded strings, several row groups). Every
#     file is dumped by `test_parquet dump` and by tests/node/duckdb_dump.mjs
#     in the same canonical form (row counts, schema, statistics, aggregates,
#     every value with doubles as bit patterns); the dumps must be identical.
# Needs node and @duckdb/node-api (scripts/node-deps.sh, run by `make test`, installs it into
# tests/node); exits 77 with a SKIP message when they are missing (the test installs nothing).
set -u

src=${TEP_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
build=${TEP_BUILD_DIR:-$src/build}
bin=$build/tests/test_parquet
node_dir=$src/tests/node

if [ ! -x "$bin" ]; then
    echo "FAIL: $bin is not built"
    exit 1
fi
if ! command -v node >/dev/null 2>&1; then
    echo "SKIP: node is not installed (Debian packages nodejs npm); DuckDB cross-check not run"
    exit 77
fi
if [ ! -d "$node_dir/node_modules/@duckdb/node-api" ]; then
    echo "SKIP: @duckdb/node-api is not installed in $node_dir (run scripts/node-deps.sh)"
    exit 77
fi

tmp=$build/tmp/cli_parquet_duckdb
rm -rf "$tmp" && mkdir -p "$tmp" || exit 1

if ! "$bin" write-samples "$tmp"; then
    echo "FAIL: test_parquet write-samples"
    exit 1
fi
if ! node "$node_dir/duckdb_write.mjs" cross "$tmp"; then
    echo "FAIL: DuckDB could not write its files"
    exit 1
fi

files=("$tmp"/c_*.parquet "$tmp"/d_*.parquet)
# one node process dumps every file (DuckDB's start-up dominates otherwise)
if ! node "$node_dir/duckdb_dump.mjs" --suffix .duckdb.txt "${files[@]}"; then
    echo "FAIL: DuckDB could not read the files (message above)"
    exit 1
fi
passed=0
failed=0
for f in "${files[@]}"; do
    name=$(basename "$f")
    if ! "$bin" dump "$f" >"$f.tep.txt" 2>"$f.tep.err"; then
        echo "FAIL: $name: tep cannot read it: $(cat "$f.tep.err")"
        failed=$((failed + 1))
        continue
    fi
    rows=$(sed -n 's/^rows //p' "$f.tep.txt")
    row_lines=$(grep -c '^row ' "$f.tep.txt")
    if ! cmp -s "$f.tep.txt" "$f.duckdb.txt"; then
        echo "FAIL: $name: tep and DuckDB disagree (< tep, > DuckDB):"
        diff "$f.tep.txt" "$f.duckdb.txt" | head -20
        failed=$((failed + 1))
    elif [ -z "$rows" ] || [ "$rows" -eq 0 ] || [ "$row_lines" -ne "$rows" ]; then
        echo "FAIL: $name: dump has $row_lines row lines for '$rows' rows"
        failed=$((failed + 1))
    else
        groups=$(sed -n 's/^row_groups //p' "$f.tep.txt")
        echo "ok: $name: $rows rows in $groups row groups identical in tep and DuckDB"
        passed=$((passed + 1))
    fi
done
echo "parquet-duckdb: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -ge 11 ]
