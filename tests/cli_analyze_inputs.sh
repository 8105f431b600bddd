#!/usr/bin/env bash
# cli_analyze_inputs.sh - what `tep analyze` and `tep report` take in:
#  - any number of --test arguments (300 here; beyond 256 they used to be dropped without
#    a word): every one is scored, in the table and in the JSON;
#  - `tep report` on a store of 300 runs tests all 300;
#  - a fault label that is NULL in the SQLite store (a run's, or a row's) is an error
#    naming the run, never read as 0 = normal: a faulty run whose label was lost is not
#    trained on.
. "$(dirname "$0")/lib_cli.sh"
cd "$tmp"
q() { sqlite3 "$1" "$2"; }
"$TEP" simulate --hours 4 --seed 11 --output train.csv --quiet
"$TEP" simulate --hours 1 --seed 12 --idv 1 --fault-at 0.5 --output test.csv --quiet

# --- 300 --test arguments -------------------------------------------------------------------
args=()
for i in $(seq 300); do args+=(test.csv); done
"$TEP" analyze --train train.csv --components 3 --test "${args[@]}" --json many.json >many.txt 2>&1
expect "300 --test arguments: exit 0" '[ $? -eq 0 ]'
expect "... 300 results in the JSON" \
    '[ "$(q :memory: "select json_array_length(readfile(\"many.json\"), \"\$.results\")")" = 300 ]'
expect "... 300 rows in the table" '[ "$(grep -c "^test.csv " many.txt)" = 300 ]'
args=()
for i in $(seq 150); do args+=(--test test.csv); done
"$TEP" analyze --train train.csv --components 3 "${args[@]}" "${args[@]}" --json many2.json >/dev/null 2>&1
expect "300 separate --test options: 300 results" \
    '[ $? -eq 0 ] && [ "$(q :memory: "select json_array_length(readfile(\"many2.json\"), \"\$.results\")")" = 300 ]'

# --- tep report on a store of 300 runs ------------------------------------------------------
mkdir raw
cp train.csv raw/000_train.csv
for i in $(seq -w 1 299); do head -9 test.csv >"raw/r$i.csv"; done
printf 'data: {input_dir: raw, output_dir: out}\npreprocessing: {steps: []}\nstorage: {connection_string: many.db}\n' >many.yaml
"$TEP" run -c many.yaml --quiet --log-level warn
expect "300 runs stored" '[ $? -eq 0 ] && [ "$(q many.db "select count(*) from runs")" = 300 ]'
"$TEP" report --store many.db --components 3 --out many.html --json report.json >/dev/null 2>&1
expect "tep report tests every one of the 300 runs" \
    '[ $? -eq 0 ] && [ "$(q :memory: "select json_array_length(readfile(\"report.json\"), \"\$.results\")")" = 300 ]'

# --- NULL fault labels in the SQLite store ---------------------------------------------------
mkdir runs
cp test.csv runs/a_faulty.csv
cp train.csv runs/b_normal.csv
printf 'data: {input_dir: runs, output_dir: out2}\npreprocessing: {steps: []}\nstorage: {connection_string: null.db}\n' >null.yaml
"$TEP" run -c null.yaml --quiet --log-level warn
expect "2 runs stored: a_faulty.csv fault 1, b_normal.csv fault 0" \
    '[ "$(q null.db "select group_concat(run_id || \":\" || fault, \" \") from runs")" = "a_faulty.csv:1 b_normal.csv:0" ]'
"$TEP" report --store null.db --components 3 --out ok.html --json ok.json >/dev/null 2>&1
expect "report: trains on the normal run" '[ $? -eq 0 ] && grep -q "b_normal.csv" ok.html'
q null.db "update runs set fault = NULL where run_id = 'a_faulty.csv'"
out=$("$TEP" report --store null.db --components 3 --out null.html --json null.json 2>&1)
expect "a run's fault NULL: tep report fails (exit 1), naming the run" \
    '[ $? -eq 1 ] && echo "$out" | grep -q "null.db: run .a_faulty.csv. in table runs has no fault label (NULL): expected 0 (normal) or the IDV number"'
expect "... and writes no report" '[ ! -e null.html ] && [ ! -e null.json ]'
q null.db "update runs set fault = 1 where run_id = 'a_faulty.csv'; update tep_processed set fault = NULL where run_id = 'b_normal.csv' and sample = 7"
out=$("$TEP" analyze --store null.db --train run:b_normal.csv --test run:a_faulty.csv 2>&1)
expect "a row's fault NULL: tep analyze fails (exit 1), naming run and sample" \
    '[ $? -eq 1 ] && echo "$out" | grep -q "run .b_normal.csv., sample 7 in tep_processed has no fault label (NULL)"'
finish
