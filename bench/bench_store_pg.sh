#!/usr/bin/env bash
# bench_store_pg.sh - loading PostgreSQL: tep's store against pandas + psycopg2.
# Usage: bench/bench_store_pg.sh [BUILD_DIR] [ROWS]   (default build, 1000000)
# Env: BENCH_REPEAT (default 3): every tep figure and the peer's binary load are the best of that many
#      (the machine may be shared); BENCH_PANDAS_MODES: binary, text or both (default;
#      the text COPY peer takes minutes).
# Starts a throwaway PostgreSQL (scripts/services.sh; stopped on exit), generates a
# TEP-like CSV of ROWS x 54 columns, and times the same job both ways:
#   tep run:   CSV -> features (rolling 20 mean/std, diff 1: 212 value columns + time_h)
#              -> storage.type postgresql (binary COPY, one transaction), end to end;
#   tep load:  the store alone (bench_store_pg: synthetic frames of the same shape);
#   pandas:    read_csv -> the same features -> psycopg2 binary COPY (numpy-built rows)
#              and to_csv + text COPY, into a table of the same layout, one transaction.
# Prints seconds and the ratios. Needs Debian's python3-pandas and python3-psycopg2
# (/usr/bin/python3; the peer is skipped with a note when they are missing).
set -euo pipefail
build=${1:-build}
rows=${2:-1000000}
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
. "$src/bench/lib_bench.sh"
cmake --build "$build" --target tep_cli bench_gen_csv bench_store_pg -j 2 >/dev/null
tmp=$(mktemp -d)
unset TEP_SERVICES_DIR
cleanup() {
  [ -n "${TEP_SERVICES_DIR:-}" ] && "$src/scripts/services.sh" stop >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT
eval "$("$src/scripts/services.sh" start pg)"
mkdir -p "$tmp/raw"
"$build/bench/bench_gen_csv" "$rows" "$tmp/raw/big.csv"
echo "input: $rows rows x 54 columns, $(($(stat -c %s "$tmp/raw/big.csv") / 1000000)) MB CSV;" \
  "PostgreSQL $("$TEP_PG_BIN/psql" -X -At "$TEP_PG_ADMIN_DSN" -c 'show server_version')" \
  "on 127.0.0.1, $(nproc) cores"
cat > "$tmp/bench.yaml" <<YAML
data:
  input_dir: $tmp/raw
  file_format: csv
  output_dir: $tmp/out
preprocessing:
  steps:
    - features: {rolling: [20], stats: [mean, std], diff: [1]}
storage:
  type: postgresql
  connection_string: "$TEP_PG_DSN"
  table_prefix: run_
YAML
pq() { "$TEP_PG_BIN/psql" -X -q -At "$TEP_PG_ADMIN_DSN" -c "$1"; }

repeat=${BENCH_REPEAT:-3}
sync
tep_run=
for i in $(seq 1 "$repeat"); do
  t0=$(date +%s.%N)
  "$build/tep" run -c "$tmp/bench.yaml" --quiet --log-level warn
  t1=$(date +%s.%N)
  t=$(secs "$t0" "$t1")
  stored=$(pq "select count(*) from run_tep_processed")
  ncols=$(pq "select count(*) from information_schema.columns where table_name = 'run_tep_processed'")
  echo "  tep run: $t s; stored $stored rows x $ncols columns"
  [ "$stored" = "$rows" ] || { echo "tep run stored $stored rows, expected $rows" >&2; exit 1; }
  tep_run=$(min_of "$tep_run" "$t")
  pq "drop table run_tep_processed, run_runs, run_quality"
  pq "checkpoint"
done
echo "tep run (CSV -> features -> PostgreSQL, end to end; best of $repeat): $tep_run s"
tep_load=
for i in $(seq 1 "$repeat"); do
  load_line=$("$build/bench/bench_store_pg" "$TEP_PG_DSN" "$rows" 212 load_)
  echo "  $load_line"
  t=$(echo "$load_line" | sed -n 's/.* in \([0-9.]*\) s .*/\1/p')
  tep_load=$(min_of "$tep_load" "$t")
  [ "$i" = "$repeat" ] || { pq "drop table load_tep_processed, load_runs, load_quality"; pq "checkpoint"; }
done
echo "tep store, load only (best of $repeat): $tep_load s"

# The server's own share of the load, with no client at all: the rows just loaded,
# dumped to two binary COPY files on the server, loaded back into a fresh table of
# the same layout by one backend, then by two at once. No client can load faster
# than the server alone; the ratios below are bounded by it.
sdir=$TEP_SERVICES_DIR/pg
half=$((rows / 2))
pq "copy (select * from load_tep_processed where sample <= $half) to '$sdir/half0.bin' (format binary)"
pq "copy (select * from load_tep_processed where sample > $half) to '$sdir/half1.bin' (format binary)"
pq "create table bound_shape (like load_tep_processed including defaults)"
pq "drop table load_tep_processed, load_runs, load_quality"
server_copy() { # backends -> seconds (best of $repeat)
  local best= t0 t1 j
  for j in $(seq 1 "$repeat"); do
    pq "create table bound_tep_processed (like bound_shape including defaults, primary key (id))"
    pq "checkpoint"
    t0=$(date +%s.%N)
    if [ "$1" = 1 ]; then
      pq "copy bound_tep_processed from '$sdir/half0.bin' (format binary)"
      pq "copy bound_tep_processed from '$sdir/half1.bin' (format binary)"
    else
      pq "copy bound_tep_processed from '$sdir/half0.bin' (format binary)" &
      pq "copy bound_tep_processed from '$sdir/half1.bin' (format binary)" &
      wait
    fi
    t1=$(date +%s.%N)
    [ "$(pq "select count(*) from bound_tep_processed")" = "$rows" ] || { echo "server bound: row count differs" >&2; exit 1; }
    pq "drop table bound_tep_processed"
    best=$(min_of "$best" "$(secs "$t0" "$t1")")
  done
  echo "$best"
}
bound1=$(server_copy 1)
bound2=$(server_copy 2)
pq "drop table bound_shape"
rm -f "$sdir/half0.bin" "$sdir/half1.bin"
echo "server alone (COPY from files on the server, no client; best of $repeat): 1 backend $bound1 s, 2 backends $bound2 s"

if /usr/bin/python3 -c 'import pandas, psycopg2' 2>/dev/null; then
  /usr/bin/python3 "$here/bench_store_pg_pandas.py" "$tmp/raw/big.csv" "$TEP_PG_DSN" "${BENCH_PANDAS_MODES:-both}" "$repeat" > "$tmp/pandas.txt"
  grep '^pandas:' "$tmp/pandas.txt"
  val() { sed -n "s/^$1=//p" "$tmp/pandas.txt"; }
  bin=$(val pandas_binary_load_seconds)
  txt=$(val pandas_text_load_seconds)
  pre=$(awk -v a="$(val pandas_read_seconds)" -v b="$(val pandas_features_seconds)" 'BEGIN { print a + b }')
  awk -v tl="$tep_load" -v b2="$bound2" -v tr="$tep_run" -v bin="$bin" -v txt="$txt" -v pre="$pre" 'BEGIN {
    if (bin != "") {
      printf "load only:  psycopg2 binary COPY %.2f s / tep store %.2f s = %.2fx\n", bin, tl, bin / tl
      printf "            (psycopg2 binary COPY / server alone with 2 backends = %.2fx: no client can exceed this ratio here)\n", bin / b2
      printf "end to end: pandas (read_csv + features + binary COPY) %.2f s / tep run %.2f s = %.2fx\n", pre + bin, tr, (pre + bin) / tr
    }
    if (txt != "") {
      printf "load only:  to_csv + text COPY %.2f s / tep store %.2f s = %.2fx\n", txt, tl, txt / tl
      printf "end to end: pandas (read_csv + features + text COPY) %.2f s / tep run %.2f s = %.2fx\n", pre + txt, tr, (pre + txt) / tr
    }
  }'
else
  echo "(pandas peer skipped: install python3-pandas and python3-psycopg2)"
fi
