# lib_store.sh - shared by the storage sinks' CLI tests (sourced after lib_cli.sh or the
# test's own pass/fail/expect; needs $TEP, $src, $PY, sqlite3 and psql in $TEP_PG_BIN).
#
#   store_config NAME LINE...  NAME.yaml: 2 simulated runs (faults $FAULTS, default
#                              "0, 1"; $HOURS h, default 2; chunk_rows $CHUNK) with
#                              missing-ffill and rolling/diff features, then a storage:
#                              section made of the LINEs
#   store_reference            the same runs in SQLite (ref.db), the reference; sets
#                              ref_cols (columns of tep_processed) and cols (its value
#                              columns, quoted, comma-separated)
#   pg_matches_reference ADMIN_DSN TABLE FILE [REF.db]
#                              dumps TABLE's rows (exact doubles) to FILE and compares
#                              them with REF.db (default ref.db) by
#                              tests/compare_store.py; sets cmp_out, returns its status
#                              (0 = every value identical)
#   same_results A.json B.json two analysis JSONs (tep analyze/report --json) equal but
#                              for their "source" strings, with results

store_config() {
  local name=$1; shift
  {
    printf 'data: {source: simulator, output_dir: out-%s, chunk_rows: %s}\n' "$name" "${CHUNK:-8192}"
    printf 'simulator: {faults: [%s], hours: %s, fault_at: 1}\n' "${FAULTS:-0, 1}" "${HOURS:-2}"
    printf 'preprocessing:\n  steps:\n    - missing: {method: ffill}\n'
    printf '    - features: {rolling: [20], stats: [mean, std], diff: [1]}\n'
    printf 'storage:\n'
    for line in "$@"; do printf '  %s\n' "$line"; done
  } > "$name.yaml"
}

store_reference() {
  store_config ref "type: sqlite" "connection_string: ref.db"
  "$TEP" run -c ref.yaml --quiet --log-level warn
  expect "reference run in SQLite (80 rows)" '[ "$(sqlite3 ref.db "select count(*) from tep_processed")" = 80 ]'
  ref_cols=$(sqlite3 ref.db "select count(*) from pragma_table_info('tep_processed')")
  cols=$(sqlite3 ref.db "select group_concat('\"' || name || '\"', ',') from pragma_table_info('tep_processed') where name not in ('id','run_id','sample','time_h','fault')")
}

pg_matches_reference() {
  "$TEP_PG_BIN/psql" -X -q -At -F $'\t' "$1" -c "set extra_float_digits = 3" \
    -c "select run_id, sample, time_h, fault, $cols from $2" > "$3"
  cmp_out=$($PY "$src/tests/compare_store.py" pg "${4:-ref.db}" "$3")
}

same_results() { # two analysis JSONs: equal but for any "source" strings
  $PY - "$1" "$2" <<'PYEOF'
import json, sys
def strip(v):
    if isinstance(v, dict): return {k: strip(x) for k, x in v.items() if k != "source"}
    if isinstance(v, list): return [strip(x) for x in v]
    return v
a, b = (strip(json.load(open(f))) for f in sys.argv[1:3])
sys.exit(0 if a == b and a["results"] else 1)
PYEOF
}

# ---- Parquet lake (cli_lake.sh, cli_lake_duckdb.sh) -----------------------------------------
#   lake_sim_config LINE...    (stdout) simulator config, 2 runs of 2 h (faults 0, 1 at 1 h),
#                              chunk_rows 16, clean/missing/normalize/features, storage LINEs
#   lake_files_config LINE...  (stdout) files source: raw/*.csv, clean step, storage LINEs
#   lake_raw_files             raw/a.csv (1 h) and "raw/b #2.csv" (1 h, seed 7, IDV 2 at
#                              0.5 h) from tep simulate, and a copy good_b.csv of the latter
#   lake_dump_rows DB OUT [EXCLUDED-COLUMN]
#                              tep_processed of a SQLite store, every column through quote(),
#                              in run_id, sample order (the form lake_check.mjs compares)
#   lake_dump_runs DB OUT      the runs table likewise (lineage columns)
#   tree_sums DIR              sha256sum of every file under DIR, sorted
#   lake_input_same_as_csv     the files in csvin/ (CSV) and pq/ (the same data as Parquet,
#                              a.* and s.*) through `tep run` into from_csv.db / from_pq.db:
#                              status 0 when both runs exit 0 and every stored value but the
#                              fault label is identical (60 rows); sets input_cmp_rows
lake_sim_config() {
    cat <<'YAML'
data:
  source: simulator
  output_dir: out
  chunk_rows: 16
simulator:
  faults: [0, 1]
  hours: 2
  fault_at: 1
preprocessing:
  steps:
    - clean: {sort: true, dedupe: true}
    - missing: {method: ffill, max_gap: 10}
    - normalize: {method: zscore, fit_on: normal}
    - features: {rolling: [5], stats: [mean, std], diff: [1]}
storage:
YAML
    printf '  %s\n' "$@"
}
lake_files_config() {
    printf 'data:\n  input_dir: raw\n  file_format: csv\n  output_dir: out_files\n  chunk_rows: 16\n'
    printf 'preprocessing:\n  steps:\n    - clean: {sort: true, dedupe: true}\n'
    printf 'storage:\n'
    printf '  %s\n' "$@"
}
lake_raw_files() {
    mkdir -p raw
    "$TEP" simulate --hours 1 --output raw/a.csv --quiet &&
        "$TEP" simulate --hours 1 --seed 7 --idv 2 --fault-at 0.5 --output "raw/b #2.csv" --quiet &&
        cp "raw/b #2.csv" good_b.csv
}
lake_dump_rows() {
    local cols sel c
    cols=$(sqlite3 "$1" "select name from pragma_table_info('tep_processed') where name not in ('id', '${3:-}') order by cid")
    sel=$(for c in $cols; do printf 'quote("%s") AS "%s",' "$c" "$c"; done)
    sqlite3 -header -separator $'\t' "$1" "select ${sel%,} from tep_processed order by tep_processed.run_id, tep_processed.sample" >"$2"
}
lake_dump_runs() {
    local cols="run_id source_kind source size_bytes sha256 rows_read rows_stored fault fault_onset_h seed hours shutdown_time_h shutdown_reason status quality_json" sel c
    sel=$(for c in $cols; do printf 'quote("%s") AS "%s",' "$c" "$c"; done)
    sqlite3 -header -separator $'\t' "$1" "select ${sel%,} from runs order by runs.run_id" >"$2"
}
tree_sums() { (cd "$1" && find . -type f | LC_ALL=C sort | xargs -r -d '\n' sha256sum); }
lake_input_same_as_csv() {
    printf 'data:\n  input_dir: csvin\n  file_format: csv\n  output_dir: out_csv\npreprocessing:\n  steps:\n    - clean: {sort: true, dedupe: true}\nstorage:\n  type: sqlite\n  connection_string: from_csv.db\n' >in_csv.yaml
    sed 's/csvin/pq/; s/file_format: csv/file_format: parquet/; s/out_csv/out_parquet/; s/from_csv/from_pq/' in_csv.yaml >in_pq.yaml
    "$TEP" run -c in_csv.yaml --quiet --log-level warn && "$TEP" run -c in_pq.yaml --quiet --log-level warn || return 1
    lake_dump_rows from_csv.db from_csv.tsv fault
    lake_dump_rows from_pq.db from_pq.tsv fault
    sed -i "s/'\([as]\)\.csv'/'\1'/" from_csv.tsv
    sed -i "s/'\([as]\)\.parquet'/'\1'/" from_pq.tsv
    input_cmp_rows=$(($(wc -l <from_pq.tsv) - 1))
    cmp -s from_csv.tsv from_pq.tsv && [ "$input_cmp_rows" -eq 60 ]
}
