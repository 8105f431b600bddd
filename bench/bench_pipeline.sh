#!/usr/bin/env bash
# bench_pipeline.sh - `tep run` against the design's pandas pipeline on the same CSV.
# Usage: bench/bench_pipeline.sh [BUILD_DIR] [ROWS]   (default build, 1000000)
# Generates a TEP-like CSV of ROWS x 54 columns, runs both pipelines into fresh SQLite
# files, and prints wall time, peak memory (max RSS) and the ratios. Needs Debian's
# python3-pandas for the peer (skipped with a note when missing) and GNU time.
set -euo pipefail
build=${1:-build}
rows=${2:-1000000}
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
. "$src/bench/lib_bench.sh"
cmake --build "$build" --target bench_gen_csv -j 2 >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/raw"
"$build/bench/bench_gen_csv" "$rows" "$tmp/raw/big.csv"
size=$(stat -c %s "$tmp/raw/big.csv")
echo "input: $rows rows x 54 columns, $((size / 1000000)) MB CSV"
{ pipeline_yaml "$tmp"; cat <<YAML; } > "$tmp/bench.yaml"
storage:
  type: sqlite
  connection_string: $tmp/tep.db
YAML
measure() { # label, command... -> prints "label: wall s, max RSS MB"
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$tmp/time.txt" "$@" > "$tmp/out.txt" 2>&1 || { cat "$tmp/out.txt"; return 1; }
  read -r wall rss < "$tmp/time.txt"
  echo "$label: $wall s wall, $((rss / 1024)) MB peak memory"
  echo "$wall" > "$tmp/$label.wall"
}
sync
measure tep "$build/tep" run -c "$tmp/bench.yaml" --quiet --log-level warn
echo "  stored: $(sqlite3 "$tmp/tep.db" 'select rows_stored from runs') rows x $(sqlite3 "$tmp/tep.db" "select count(*) from pragma_table_info('tep_processed')") columns"
if /usr/bin/python3 -c 'import pandas' 2>/dev/null; then
  measure pandas /usr/bin/python3 "$here/bench_pipeline_pandas.py" "$tmp/raw/big.csv" "$tmp/pandas.db"
  sed 's/^/  /' "$tmp/out.txt"
  awk -v a="$(cat "$tmp/pandas.wall")" -v b="$(cat "$tmp/tep.wall")" \
    'BEGIN { printf "ratio pandas / tep (end to end): %.1fx\n", a / b }'
else
  echo "(pandas peer skipped: install python3-pandas)"
fi
if [ -x "$build/bench/bench_csv" ] || cmake --build "$build" --target bench_csv -j 2 >/dev/null 2>&1; then
  "$build/bench/bench_csv" 300 2>/dev/null | sed "s/^/csv: /" || true
fi
