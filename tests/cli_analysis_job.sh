#!/usr/bin/env bash
# cli_analysis_job.sh - one analysis job behind `tep analyze`, `tep report` and `tep run`'s
# analysis: section (src/pipeline/analysis_job.c): the section, now a job built from the
# configuration, writes the same report and JSON, byte for byte, as `tep report` with the
# same options on the same store, and prints the same table; and `tep analyze --model` with
# --report (no training data given) writes a report instead of crashing.
. "$(dirname "$0")/lib_cli.sh"
cd "$tmp" || exit 1
B=$TEP_TEST_DATA/braatz
test_data braatz/d00.dat braatz/d01_te.dat braatz/d06_te.dat

# --- tep run's analysis: section = tep report with the same options
cat > an.yaml <<'EOY'
data: {source: simulator, output_dir: out}
simulator: {faults: [0, 6, 1], hours: 5, fault_at: 1}
storage: {connection_string: an.db}
analysis: {method: dpca, lags: 3, components: 7, alpha: 0.05, consecutive: 2,
           train: sim_idv00_seed4651207995_5h}
EOY
"$TEP" run -c an.yaml --quiet > run.out 2> run.err
expect "tep run with a dpca analysis: exit 0" '[ $? -eq 0 ] && [ -s out/report.html ] && [ -s out/analysis.json ]'
expect "... says where the report went, as tep report does" \
  'grep -qx "tep report: report written to out/report.html" run.err'
"$TEP" report --store an.db --train sim_idv00_seed4651207995_5h --method dpca --lags 3 \
  --components 7 --alpha 0.05 --consecutive 2 --out report.html --json analysis.json \
  > report.out 2> /dev/null
expect "tep report with the same options: exit 0" '[ $? -eq 0 ]'
expect "the same report, byte for byte" 'cmp -s out/report.html report.html'
expect "the same JSON results, byte for byte" 'cmp -s out/analysis.json analysis.json'
expect "the same table" '[ -s report.out ] && cmp -s run.out report.out'
expect "the table: dpca, 3 lags, 7 components, 95 % limits, 3 runs" \
  'grep -q "^model: dpca, 52 variables, 3 lags, 7 components, 95 % limits" run.out && [ $(grep -c "^sim_idv" run.out) -eq 3 ]'
# an alpha the configuration allows but the analysis does not (0.5): a usage error, exit 2
sed 's/alpha: 0.05/alpha: 0.5/' an.yaml > half.yaml
"$TEP" run -c half.yaml --quiet > /dev/null 2> half.err
expect "alpha 0.5: exit 2, named" '[ $? -eq 2 ] && grep -q "alpha 0.5: expected a probability in (0, 0.5)" half.err'

# --- a saved model and --report, without training data
"$TEP" analyze --train "$B/d00.dat" --test "$B/d01_te.dat" --model-out m.json --json a.json \
  > /dev/null 2>&1
expect "a model saved" '[ $? -eq 0 ] && [ -s m.json ]'
"$TEP" analyze --model m.json --test "$B/d01_te.dat" "$B/d06_te.dat" --report saved.html \
  --json b.json > saved.out 2> saved.err
expect "--model with --report: exit 0, a report" '[ $? -eq 0 ] && [ -s saved.html ]'
expect "... naming the saved model as the training data" \
  'grep -q "the saved model m.json, fitted on 500 samples" saved.html'
expect "... with two control charts per test" '[ $(grep -o "<svg" saved.html | wc -l) -ge 4 ]'
expect "... results of d01 equal to those of the fitted model" \
  '[ "$(sqlite3 :memory: "select json_extract(readfile(\"a.json\"), \"\$.results[0]\")")" = "$(sqlite3 :memory: "select json_extract(readfile(\"b.json\"), \"\$.results[0]\")")" ]'
finish
