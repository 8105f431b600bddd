#!/usr/bin/env bash
# cli_analyze.sh - `tep analyze` and `tep report`: the literature benchmark on the Braatz
# files (PCA, 52 variables, 9 components, 99 % limits against Xiao, Kordon & Sen 2023),
# the JSON output, a saved model giving identical results, analysis of runs in the store,
# the HTML report, and clear errors.
. "$(dirname "$0")/lib_cli.sh"
js() { sqlite3 :memory: "select json_extract(readfile('$1'), '$2')"; }

# the Braatz files and the published table ship in tests/data (never skipped)
B=$TEP_TEST_DATA/braatz
test_data braatz/d00.dat published/pca_xiao_kordon_sen_2023.csv \
  $(for i in $(seq -w 1 21); do printf 'braatz/d%s_te.dat ' "$i"; done)
tests=$(for i in $(seq -w 1 21); do printf '%s ' "$B/d${i}_te.dat"; done)
"$TEP" analyze --train "$B/d00.dat" --test $tests --components 9 \
  --published "$TEP_TEST_DATA/published/pca_xiao_kordon_sen_2023.csv" \
  --json "$tmp/braatz.json" --model-out "$tmp/model.json" > "$tmp/table.txt"
expect "analyze exits 0" '[ $? -eq 0 ]'
expect "21 results" '[ "$(js "$tmp/braatz.json" "\$.results")" != "" ] && [ "$(sqlite3 :memory: "select json_array_length(readfile(\"$tmp/braatz.json\"), \"\$.results\")")" = 21 ]'
expect "9 components, 52 variables" '[ "$(js "$tmp/braatz.json" "\$.model.components")" = 9 ] && [ "$(sqlite3 :memory: "select json_array_length(readfile(\"$tmp/braatz.json\"), \"\$.model.variables\")")" = 52 ]'
# limits: T2 = 9 * 499 * 501 / (500 * 491) * F_0.99(9, 491) = 22.394775 (F quantile from
# mpmath, see test_pca.c); Q as numpy/scipy compute it for this data (Jackson-Mudholkar)
t2=$(js "$tmp/braatz.json" '$.model.t2_limit'); ql=$(js "$tmp/braatz.json" '$.model.q_limit')
expect "T2 limit 22.394775 ($t2)" 'awk -v v="$t2" "BEGIN{exit !(v > 22.3947745 && v < 22.3947755)}"'
expect "Q limit 46.3067 ($ql)" 'awk -v v="$ql" "BEGIN{exit !(v > 46.3066 && v < 46.3068)}"'
# fault 1: 794 of 800 faulty samples over the T2 limit, 2 of 160 normal ones
expect "fault 1 FDR T2 = 794/800" 'awk -v v="$(js "$tmp/braatz.json" "\$.results[0].fdr_t2")" "BEGIN{exit !(v == 794 / 800)}"'
expect "fault 1 FAR T2 = 2/160" 'awk -v v="$(js "$tmp/braatz.json" "\$.results[0].far_t2")" "BEGIN{exit !(v == 2 / 160)}"'
expect "fault 6 detected at once by Q" '[ "$(js "$tmp/braatz.json" "\$.results[5].delay_q")" = 0 ]'
# agreement with the published table: FDR within 5 points on at least 16 of 21 faults
agree=$(awk 'NR > 2 && $1 ~ /_te/ { gsub("%","",$4); gsub("%","",$5);
             if (($4 - $(NF-3)) ^ 2 <= 25) t++; if (($5 - $(NF-2)) ^ 2 <= 25) q++; rows++ }
             END { print t + 0, q + 0, rows + 0 }' "$tmp/table.txt")
expect "the table compares 21 faults with Xiao et al. ($agree)" '[ "${agree##* }" -eq 21 ]'
agree=${agree% *}
expect "T2 FDR within 5 points of Xiao et al. on >= 16 faults ($agree)" '[ ${agree% *} -ge 16 ]'
expect "Q FDR within 5 points of Xiao et al. on >= 16 faults ($agree)" '[ ${agree#* } -ge 16 ]'
# the saved model gives identical results
"$TEP" analyze --model "$tmp/model.json" --test $tests --json "$tmp/again.json" > /dev/null
expect "saved model: exit 0, identical results" '[ $? -eq 0 ] && [ "$(js "$tmp/braatz.json" "\$.results")" = "$(js "$tmp/again.json" "\$.results")" ]'
"$TEP" analyze --train "$B/d00.dat" --test "$B/d01_te.dat" --method dpca --lags 2 --components 9 \
  --json "$tmp/dpca.json" > /dev/null
expect "dynamic PCA exits 0" '[ $? -eq 0 ]'
# 2 lags: 498 augmented training rows, 158 + 800 test rows scored; T2 limit
# 9 * 497 * 499 / (498 * 489) * F_0.99(9, 489) = 22.397789 (F quantile from mpmath); the Q limit
# 143.864903447 and the alarm counts (T2: 1 of 158 normal, 794 of 800 faulty; Q: 16 and 798)
# as tests/tools/dpca_reference.py computes them independently (pure Python, Jacobi).
dp() { js "$tmp/dpca.json" "$1"; }
expect "dynamic PCA: 498 training rows, 158 normal + 800 faulty scored" \
  '[ "$(dp "\$.model.n_train")/$(dp "\$.results[0].n_normal")/$(dp "\$.results[0].n_faulty")" = 498/158/800 ]'
expect "dynamic PCA: T2 limit of 9 components on 498 rows ($(dp '$.model.t2_limit'))" \
  'awk -v v="$(dp "\$.model.t2_limit")" "BEGIN{exit !(v > 22.3977886 && v < 22.3977896)}"'
expect "dynamic PCA: Q limit 143.864903 of the lagged residual ($(dp '$.model.q_limit'))" \
  'awk -v v="$(dp "\$.model.q_limit")" "BEGIN{exit !(v > 143.864903 && v < 143.864904)}"'
expect "dynamic PCA: FAR 1/158 and 16/158, FDR 794/800 and 798/800 (T2, Q)" \
  'awk -v a="$(dp "\$.results[0].far_t2")" -v b="$(dp "\$.results[0].far_q")" -v c="$(dp "\$.results[0].fdr_t2")" -v d="$(dp "\$.results[0].fdr_q")" \
     "function near(x, y) { return x - y < 1e-12 && y - x < 1e-12 }
      BEGIN{exit !(near(a, 1 / 158) && near(b, 16 / 158) && near(c, 794 / 800) && near(d, 798 / 800))}"'

# --- runs of the store, and the report
cd "$tmp"
cat > sim.yaml <<'EOF'
data: {source: simulator, output_dir: out}
simulator: {faults: [0, 1, 4], hours: 6, fault_at: 2}
storage: {connection_string: tep.db}
EOF
"$TEP" run -c sim.yaml --quiet 2> /dev/null
expect "tep run exits 0, 3 runs stored" '[ $? -eq 0 ] && [ "$(sqlite3 tep.db "select count(*) from runs where status = '"'complete'"'")" = 3 ]'
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
