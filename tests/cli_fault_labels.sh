#!/usr/bin/env bash
# cli_fault_labels.sh - fault labels survive a trip through files: `tep simulate` (CSV and
# Parquet) and `tep campaign` (CSV) write each row's label (column fault: 0 before the
# onset, then the lowest active IDV), `tep run` reads it back per row, labels the run,
# and fits the normal-operation model (normalize, fit_on: normal) on the fault-0 rows
# only: its scaler.json is byte for byte the one fitted on a file cut after the last
# normal row. A control: the same data without the fault column give another model. A run
# whose rows carry several disturbances is labelled (and filed in the lake) by the first.
. "$(dirname "$0")/lib_cli.sh"
cd "$tmp"
q() { sqlite3 "$1" "$2"; }
labels() { # file: "count:label ..." of the last CSV column, in row order
    awk -F, 'NR > 1 { print $NF }' "$1" | uniq -c | awk '{ printf "%s:%s ", $1, $2 }'
}
config() { # name input_dir file_format
    printf 'data:\n  input_dir: %s\n  file_format: %s\n  output_dir: out_%s\n' "$2" "$3" "$1"
    printf 'preprocessing:\n  steps:\n    - normalize: {method: zscore, fit_on: normal}\n'
    printf 'storage:\n  connection_string: %s.db\n' "$1"
}

# --- the files ----------------------------------------------------------------------------
mkdir csv pq head nolabel
"$TEP" simulate --idv 1 --fault-at 2 --hours 4 --output csv/x.csv --quiet
"$TEP" simulate --idv 1 --fault-at 2 --hours 4 --output pq/x.parquet --quiet
expect "CSV header ends with the fault column" 'head -1 csv/x.csv | grep -q ",xmv_12,fault$"'
expect "CSV: fault 0 for samples 1..40 (up to 2 h), 1 for samples 41..80" \
    '[ "$(labels csv/x.csv)" = "40:0 40:1 " ]'
expect "CSV: the first faulty sample is at 2.05 h" \
    '[ "$(awk -F, "NR > 1 && \$NF == 1 { print \$1, \$2; exit }" csv/x.csv)" = "41 2.0499999999999998" ]'
"$TEP" simulate --idv 4@1,1@2 --hours 4 --output two.csv --quiet
expect "two IDVs: 0, then 4 from 1 h, then 1 (the lowest active) from 2 h" \
    '[ "$(labels two.csv)" = "20:0 20:4 40:1 " ]'
"$TEP" simulate --idv 1@1,4@2 --hours 4 --output two_b.csv --quiet
expect "two IDVs the other way: 0, then 1 from 1 h on (still the lowest)" \
    '[ "$(labels two_b.csv)" = "20:0 60:1 " ]'
"$TEP" campaign --idv 0,1 --hours 4 --fault-at 2 --out-dir camp --jobs 2 --quiet
expect "campaign CSV files carry the labels too" \
    '[ "$(labels camp/$(ls camp | grep -i "idv0*1" | grep csv | head -1))" = "40:0 40:1 " ] && [ "$(labels camp/$(ls camp | grep -i "idv0*0[^0-9]" | grep csv | head -1))" = "80:0 " ]'
head -41 csv/x.csv >head/x.csv            # the 40 normal rows only
cut -d, -f1-55 csv/x.csv >nolabel/x.csv   # the same data as written before: no fault column

# --- tep run: labels per row, the run's fault, the model ---------------------------------
for kind in csv:csv pq:parquet head:csv nolabel:csv; do
    config "${kind%%:*}" "${kind%%:*}" "${kind#*:}" >"${kind%%:*}.yaml"
    "$TEP" run -c "${kind%%:*}.yaml" --quiet --log-level warn
    expect "tep run on ${kind%%:*}/ exits 0" '[ $? -eq 0 ]'
done
for db in csv pq; do
    expect "$db: stored labels 0 up to 2 h (40 rows), 1 after (40 rows)" \
        '[ "$(q $db.db "select group_concat(fault || \":\" || n || \":\" || lo || \"-\" || hi, \" \") from (select fault, count(*) n, min(time_h) lo, max(time_h) hi from tep_processed group by fault order by fault)")" = "0:40:0.05-2.0 1:40:2.05-4.0" ]'
    expect "$db: the run is labelled fault 1 from 2.05 h" \
        '[ "$(q $db.db "select fault, fault_onset_h from runs")" = "1|2.05" ]'
    expect "$db: scaler.json fitted on the 40 normal rows only" \
        'grep -q "\"rows_used\": 40," out_$db/scaler.json'
    expect "$db: scaler.json = the one fitted on the file cut after the last normal row" \
        'cmp -s out_$db/scaler.json out_head/scaler.json'
done
expect "control: without the labels the model is fitted on all 80 rows, and differs" \
    'grep -q "\"rows_used\": 80," out_nolabel/scaler.json && ! cmp -s out_nolabel/scaler.json out_head/scaler.json'
expect "normal rows z-scored with the normal model: mean of xmeas_1 over them is 0" \
    '[ "$(q csv.db "select abs(avg(xmeas_1)) < 1e-12 from tep_processed where fault = 0")" = 1 ]'

# --- a file holding several runs: each run labelled from its own rows ---------------------
mkdir multi
{
    printf 'run_id,sample,xmeas_1,fault\n'
    printf 'a,1,0.25,0\na,2,0.26,0\na,3,0.27,0\n'     # normal throughout
    printf 'b,1,0.25,0\nb,2,0.26,3\nb,3,0.27,3\n'     # IDV 3 from sample 2
    printf 'c,1,0.25,0\nc,2,0.26,0\nc,3,0.27,0\n'
} >multi/m.csv
printf 'data:\n  input_dir: multi\n  output_dir: out_multi\npreprocessing:\n  steps: []\nstorage:\n  connection_string: multi.db\n' >multi.yaml
"$TEP" run -c multi.yaml --quiet --log-level warn
expect "multi-run file: a normal, b IDV 3 from 0.1 h, c normal (not the next run's fault)" \
    '[ $? -eq 0 ] && [ "$(q multi.db "select group_concat(run_id || \":\" || fault || \":\" || ifnull(fault_onset_h, \"-\"), \" \") from (select * from runs order by run_id)")" = "m.csv#a:0:- m.csv#b:3:0.1 m.csv#c:0:-" ]'

# --- a run with several disturbances: its fault is the first (rows keep their own) --------
mkdir several
cp two.csv several/two.csv # 0, then IDV 4 from 1 h, then 1 from 2 h
printf 'data:\n  input_dir: several\n  output_dir: out_several\npreprocessing:\n  steps: []\nstorage:\n  connection_string: several.db\n' >several.yaml
"$TEP" run -c several.yaml --quiet --log-level warn
expect "rows of IDV 4 then 1: the run's fault is 4, its onset 1.05 h; rows keep 0, 4 and 1" \
    '[ $? -eq 0 ] && [ "$(q several.db "select fault, fault_onset_h from runs")" = "4|1.05" ] && [ "$(q several.db "select group_concat(fault || \":\" || n, \" \") from (select fault, count(*) n from tep_processed group by fault order by fault)")" = "0:20 1:40 4:20" ]'
sed 's/connection_string: several.db/type: parquet\n  path: several_lake/' several.yaml >several_lake.yaml
"$TEP" run -c several_lake.yaml --quiet --log-level warn
expect "... in the lake the run lies under run_fault=4, the only folder" \
    '[ $? -eq 0 ] && [ "$(ls several_lake/tep_processed)" = run_fault=4 ] && [ -d several_lake/tep_processed/run_fault=4/run=two.csv ]'
finish
