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
