#!/usr/bin/env bash
# cli_analyze.sh - `tep analyze` and `tep report`: the literature benchmark on the Braatz
# files (PCA, 52 variables, 9 components, 99 % limits against Xiao, Kordon & Sen 2023),
# the JSON output, a saved model giving identical results, analysis of runs in the store,
# the HTML report, and clear errors.
. "$(dirname "$0")/lib_cli.sh"
SHARED=${TEP_SHARED_DIR:-../shared}
js() { sqlite3 :memory: "select json_extract(readfile('$1'), '$2')"; }

B="$SHARED/data/braatz"
if [ -f "$B/d00.dat" ]; then
  tests=$(for i in $(seq -w 1 21); do printf '%s ' "$B/d${i}_te.dat"; done)
  "$TEP" analyze --train "$B/d00.dat" --test $tests --components 9 \
    --published "$SHARED/data/published/pca_xiao_kordon_sen_2023.csv" \
    --json "$tmp/braatz.json" --model-out "$tmp/model.json" > "$tmp/table.txt"
  expect "analyze exits 0" '[ $? -eq 0 ]'
  expect "21 results" '[ "$(js "$tmp/braatz.json" "\$.results")" != "" ] && [ "$(sqlite3 :memory: "select json_array_length(readfile(\"$tmp/braatz.json\"), \"\$.results\")")" = 21 ]'
  expect "9 components, 52 variables" '[ "$(js "$tmp/braatz.json" "\$.model.components")" = 9 ] && [ "$(sqlite3 :memory: "select json_array_length(readfile(\"$tmp/braatz.json\"), \"\$.model.variables\")")" = 52 ]'
  # limits as numpy/scipy compute them for this data (9 components, n = 500, 99 %)
  t2=$(js "$tmp/braatz.json" '$.model.t2_limit'); ql=$(js "$tmp/braatz.json" '$.model.q_limit')
  expect "T2 limit 22.3948" 'awk -v v="$t2" "BEGIN{exit !(v > 22.3947 && v < 22.3949)}"'
  expect "Q limit 46.3067" 'awk -v v="$ql" "BEGIN{exit !(v > 46.3066 && v < 46.3068)}"'
  # fault 1: 794 of 800 faulty samples over the T2 limit, 2 of 160 normal ones
  expect "fault 1 FDR T2 = 794/800" '[ "$(js "$tmp/braatz.json" "\$.results[0].fdr_t2")" = "$(awk "BEGIN{printf \"%.17g\", 794/800}")" ] || awk -v v="$(js "$tmp/braatz.json" "\$.results[0].fdr_t2")" "BEGIN{exit !(v == 0.9925)}"'
  expect "fault 1 FAR T2 = 2/160" 'awk -v v="$(js "$tmp/braatz.json" "\$.results[0].far_t2")" "BEGIN{exit !(v == 0.0125)}"'
  expect "fault 6 detected at once by Q" '[ "$(js "$tmp/braatz.json" "\$.results[5].delay_q")" = 0 ]'
  # agreement with the published table: FDR within 5 points on at least 16 of 21 faults
  agree=$(awk 'NR > 2 && $1 ~ /_te/ { gsub("%","",$4); gsub("%","",$5);
               if (($4 - $(NF-3)) ^ 2 <= 25) t++; if (($5 - $(NF-2)) ^ 2 <= 25) q++ }
               END { print t + 0, q + 0 }' "$tmp/table.txt")
  expect "T2 FDR within 5 points of Xiao et al. on >= 16 faults ($agree)" '[ ${agree% *} -ge 16 ]'
  expect "Q FDR within 5 points of Xiao et al. on >= 16 faults ($agree)" '[ ${agree#* } -ge 16 ]'
  # the saved model gives identical results
  "$TEP" analyze --model "$tmp/model.json" --test $tests --json "$tmp/again.json" > /dev/null
  expect "saved model: identical results" '[ "$(js "$tmp/braatz.json" "\$.results")" = "$(js "$tmp/again.json" "\$.results")" ]'
  "$TEP" analyze --train "$B/d00.dat" --test "$B/d01_te.dat" --method dpca --lags 2 --components 9 \
    --json "$tmp/dpca.json" > /dev/null
  expect "dynamic PCA: 2 lags, 156 augmented variables scored" '[ "$(js "$tmp/dpca.json" "\$.model.lags")" = 2 ] && [ "$(js "$tmp/dpca.json" "\$.model.method")" = dpca ]'
else
  echo "skip: the Braatz files are not under $SHARED (present in CI)"
fi

# --- runs of the store, and the report
cd "$tmp"
cat > sim.yaml <<'EOF'
data: {source: simulator, output_dir: out}
simulator: {faults: [0, 1, 4], hours: 6, fault_at: 2}
storage: {connection_string: tep.db}
EOF
"$TEP" run -c sim.yaml --quiet 2> /dev/null
"$TEP" analyze --store tep.db --train sim_idv00_seed4651207995_6h --test run:sim_idv01_seed4651207995_6h \
  sim_idv04_seed4651207995_6h --json store.json > /dev/null
expect "analyze runs of the store" '[ $? -eq 0 ] && [ "$(sqlite3 :memory: "select json_array_length(readfile(\"store.json\"), \"\$.results\")")" = 2 ]'
expect "IDV 1 detected in the store run" 'awk -v v="$(js store.json "\$.results[0].fdr_q")" "BEGIN{exit !(v > 0.9)}"'
expect "the 52 classic variables by default (XMV 12 is not one)" '[ "$(sqlite3 :memory: "select json_array_length(readfile(\"store.json\"), \"\$.model.variables\")")" = 52 ]'
"$TEP" report --store tep.db --out report.html 2> /dev/null > /dev/null
expect "tep report writes HTML" '[ $? -eq 0 ] && [ -s report.html ]'
expect "report has charts" '[ $(grep -o "<svg" report.html | wc -l) -ge 6 ]'
expect "report has quality metrics from the store" 'grep -q "rows_in" report.html'
expect "report is self-contained" '! grep -qE "https?://[a-z]|<script|src=" report.html'

# --- errors
out=$("$TEP" analyze --test x.csv 2>&1); rc=$?
expect "missing --train: exit 2" '[ $rc -eq 2 ] && echo "$out" | grep -q -- "--train"'
out=$("$TEP" analyze --store tep.db --train nosuch --test nosuch2 2>&1); rc=$?
expect "unknown run named" '[ $rc -ne 0 ] && echo "$out" | grep -q "no run .nosuch. in the store"'
out=$("$TEP" analyze --train a --test b --alpha 2 2>&1); rc=$?
expect "bad alpha" '[ $rc -eq 2 ] && echo "$out" | grep -q "alpha"'
printf 'sample,time_h,xmeas_1\n1,0.05,1\n2,0.10,1\n' > const.csv
out=$("$TEP" analyze --train const.csv --test const.csv 2>&1); rc=$?
expect "constant training data refused" '[ $rc -ne 0 ] && echo "$out" | grep -q "fewer than 2 varying"'

finish
