#!/usr/bin/env bash
# cli_run.sh - `tep run`: the batch pipeline end to end on the embedded SQLite store.
# Checks exact row counts, exact round trips of values, rerun = replace, the normal-
# operation model reused by later runs, config errors (file:line:column, key, expected
# form, exit 2), and that a failing run leaves earlier stored runs exactly as they were.
. "$(dirname "$0")/lib_cli.sh"
cd "$tmp"
q() { sqlite3 "$1" "$2"; }

# --- 1. simulator source, full preprocessing chain -----------------------------------
cat > sim.yaml <<'EOF'
data:
  source: simulator
  output_dir: out
simulator:
  faults: [0, 1]
  hours: 4
  fault_at: 2
preprocessing:
  steps:
    - clean: {sort: true, dedupe: true}
    - missing: {method: ffill, max_gap: 10}
    - outliers: {method: mad, threshold: 6, action: clip}
    - normalize: {method: zscore, fit_on: normal}
    - features: {rolling: [20], stats: [mean, std], diff: [1]}
storage:
  type: sqlite
  connection_string: store/tep.db
EOF
mkdir -p store
"$TEP" run -c sim.yaml --quiet
expect "simulator pipeline exits 0" '[ $? -eq 0 ]'
expect "2 runs stored" '[ "$(q store/tep.db "select count(*) from runs where status=\"complete\"")" = 2 ]'
expect "2 x 80 rows stored" '[ "$(q store/tep.db "select count(*) from tep_processed")" = 160 ]'
ncols=$(q store/tep.db "select count(*) from pragma_table_info('tep_processed')")
expect "5 key + 53 x 4 value columns" '[ "$ncols" = $((5 + 53 * 4)) ]'
expect "model saved" '[ -s out/scaler.json ]'
# normal rows of the training data are z-scored: the mean of xmeas_9 over normal rows ~ 0
m=$(q store/tep.db "select abs(avg(xmeas_9)) < 0.2 from tep_processed where fault = 0")
expect "normalized on normal rows" '[ "$m" = 1 ]'
expect "rolling mean empty for the first 19 rows" '[ "$(q store/tep.db "select count(*) from tep_processed where run_id=\"sim_idv00_seed4651207995_4h\" and xmeas_9__roll20_mean is null")" = 19 ]'
expect "lineage: seed and fault recorded" '[ "$(q store/tep.db "select fault, seed from runs where run_id=\"sim_idv01_seed4651207995_4h\"")" = "1|4651207995.0" ]'
expect "quality counters stored" '[ "$(q store/tep.db "select count(*) from quality where metric=\"rows_in\"")" = 2 ]'

# rerun: rows replaced, not duplicated; the model file is reused
out=$("$TEP" run -c sim.yaml --log-level info 2>&1)
expect "rerun exits 0" '[ $? -eq 0 ]'
expect "rerun replaces rows" '[ "$(q store/tep.db "select count(*) from tep_processed")" = 160 ]'
expect "rerun reuses the model" 'echo "$out" | grep -q "using the normal-operation model out/scaler.json"'

# analysis after storage: the report and the JSON results land in output_dir
cat > sim_an.yaml <<'EOF2'
data: {source: simulator, output_dir: out_an}
simulator: {faults: [0, 1], hours: 4, fault_at: 2}
storage: {connection_string: an.db}
analysis: {components: 5, consecutive: 2}
EOF2
"$TEP" run -c sim_an.yaml --quiet > an.txt 2>&1
expect "pipeline with analysis exits 0" '[ $? -eq 0 ]'
expect "analysis JSON: 2 results, 5 components, k = 2" '[ "$(sqlite3 :memory: "select json_array_length(readfile(\"out_an/analysis.json\"), \"\$.results\") || json_extract(readfile(\"out_an/analysis.json\"), \"\$.model.components\") || json_extract(readfile(\"out_an/analysis.json\"), \"\$.model.consecutive\")")" = 252 ]'
expect "analysis report written" '[ $(grep -o "<svg" out_an/report.html | wc -l) -ge 4 ]'

# --- 2. files source: CSV round trip is exact ------------------------------------------
mkdir -p raw
"$TEP" simulate --hours 2 --idv 4 --fault-at 1 --output raw/a.csv --quiet
"$TEP" simulate --hours 1 --seed 99 --output raw/b.csv --quiet
cat > files.yaml <<'EOF'
data:
  input_dir: raw
  file_format: csv
  output_dir: out2
storage:
  connection_string: files.db
EOF
"$TEP" run -c files.yaml --quiet
expect "files pipeline exits 0" '[ $? -eq 0 ]'
expect "one run per file" '[ "$(q files.db "select group_concat(run_id) from runs")" = "a.csv,b.csv" ]'
expect "rows = file rows" '[ "$(q files.db "select rows_stored from runs where run_id=\"a.csv\"")" = 40 ]'
sha=$(sha256sum raw/a.csv | cut -d" " -f1)
expect "lineage sha256 of the file" '[ "$(q files.db "select sha256 from runs where run_id=\"a.csv\"")" = "$sha" ]'
# exact values: every cell of a.csv equals the stored double
q files.db "select quote(xmeas_7) from tep_processed where run_id='a.csv' order by sample" > stored.txt
awk -F, 'NR > 1 { print $9 }' raw/a.csv > file.txt
bad=$(paste -d' ' stored.txt file.txt | awk '{ if ($1 + 0 != $2 + 0) n++ } END { print n + 0 }')
expect "xmeas_7 round-trips exactly (40 rows)" '[ "$bad" -eq 0 ] && [ $(wc -l < stored.txt) -eq 40 ]'

# --- 3. a failing run leaves the store as it was ------------------------------------------
cp files.db before.db
printf 'sample,time_h,xmeas_1\n1,0.05,0.25\n2,0.10,abc\n' > raw/c.csv
out=$("$TEP" run -c files.yaml --quiet 2>&1); rc=$?
expect "bad file: exit 1" '[ $rc -eq 1 ]'
expect "bad file: message names file, line, column" 'echo "$out" | grep -q "c.csv:3:3:"'
expect "bad run not stored" '[ "$(q files.db "select count(*) from runs where run_id=\"c.csv\"")" = 0 ]'
# every table's rows, values quoted exactly (doubles as SQLite prints them back: 17 digits);
# the runs a.csv and b.csv are stored again before c.csv fails, so their wall-clock
# started_at/finished_at may differ: every other column must not
dump_store() {
  local t runs_cols
  runs_cols=$(sqlite3 "$1" "select group_concat(name) from pragma_table_info('runs') where name not in ('started_at', 'finished_at')")
  sqlite3 -cmd ".mode quote" "$1" "select $runs_cols from runs order by 1, 2, 3"
  for t in tep_processed quality; do sqlite3 -cmd ".mode quote" "$1" "select * from $t order by 1, 2, 3"; done
}
dump_store before.db > before.txt
dump_store files.db > after.txt
expect "earlier runs intact: every row of runs, tep_processed and quality as before ($(wc -l < before.txt) rows)" \
  'cmp -s before.txt after.txt && [ "$(grep -c ",'"'a.csv'"'," before.txt)" -ge 41 ]'
rm raw/c.csv

# --- 4. configuration errors: file:line:column, key, expected form, exit 2 -------------
check_config() { # name, pattern, yaml
  printf '%s\n' "$3" > bad.yaml
  out=$("$TEP" run -c bad.yaml --quiet 2>&1); rc=$?
  if [ $rc -eq 2 ] && echo "$out" | grep -q -- "$2"; then pass "$1"; else fail "$1 (rc=$rc: $out)"; fi
}
check_config "unknown section" "bad.yaml:1:1: unknown section 'dat'" 'dat: {}'
check_config "unknown key" "bad.yaml:2:3: data: unknown key 'input_dirr'" $'data:\n  input_dirr: x'
check_config "wrong type" "bad.yaml:3:10: simulator.hours: expected a number, got 'long'" $'data: {source: simulator}\nsimulator:\n  hours: long'
check_config "out of range" "simulator.faults\[0\]: value 25 is out of range" $'simulator:\n  faults: [25]'
check_config "bad enum" "expected one of sqlite|postgresql|influxdb|parquet" $'storage:\n  type: oracle'
check_config "unknown step" "unknown step 'smooth'" $'preprocessing:\n  steps:\n    - smooth: {}'
check_config "bad step option" "bad.yaml:3:25: preprocessing.steps\[0\]" $'preprocessing:\n  steps:\n    - missing: {method: magic}'
check_config "invalid YAML" "bad.yaml:[0-9]*:[0-9]*: invalid YAML" $'data:\n  - [unclosed'
out=$("$TEP" run -c missing.yaml --quiet 2>&1); rc=$?
expect "missing config file" '[ $rc -eq 2 ] && echo "$out" | grep -q "missing.yaml: cannot open configuration"'
printf 'data:\n  input_dir: nowhere\n' > nodir.yaml
out=$("$TEP" run -c nodir.yaml --quiet 2>&1); rc=$?
expect "missing input dir" '[ $rc -ne 0 ] && echo "$out" | grep -q "nowhere: data.input_dir: cannot open the folder"'
printf 'data: {source: simulator}\nsimulator: {faults: [0], hours: 0.5}\nstorage: {connection_string: /nonexistent-dir/x.db}\n' > nostore.yaml
out=$("$TEP" run -c nostore.yaml --quiet 2>&1); rc=$?
expect "unwritable store" '[ $rc -ne 0 ] && echo "$out" | grep -q "/nonexistent-dir/x.db: SQLite: cannot open the database"'
expect "--help-config documents keys" '"$TEP" run --help-config | grep -q "preprocessing.steps"'

finish
