#!/usr/bin/env bash
# cli_simulate.sh - `tep simulate` and `tep campaign` from the command line:
# output shape and exact values, determinism, parallel campaign = serial runs,
# and clear errors with a non-zero exit for bad arguments.
. "$(dirname "$0")/lib_cli.sh"

# --- listings
n=$("$TEP" simulate --list-faults | tail -n +2 | wc -l)
expect "list-faults lists 20 disturbances" '[ "$n" -eq 20 ]'
n=$("$TEP" simulate --list-variables | tail -n +2 | wc -l)
expect "list-variables lists 53 variables" '[ "$n" -eq 53 ]'
expect "list-variables names xmv_12" '"$TEP" simulate --list-variables | grep -q "^xmv_12 .*Agitator speed"'

# --- a 2-hour run: header, row count, %.17g values
"$TEP" simulate --hours 2 --output "$tmp/run.csv" --quiet
expect "exit 0 for a good run" '[ $? -eq 0 ]'
header=$(head -1 "$tmp/run.csv")
want="sample,time_h$(for i in $(seq 1 41); do printf ',xmeas_%d' $i; done)$(for i in $(seq 1 12); do printf ',xmv_%d' $i; done),fault"
expect "CSV header" '[ "$header" = "$want" ]'
expect "2 h at 180 s = 40 rows" '[ $(($(wc -l < "$tmp/run.csv") - 1)) -eq 40 ]'
expect "56 fields per row" '[ "$(awk -F, "NR>1{print NF}" "$tmp/run.csv" | sort -u)" = "56" ]'
expect "no temporary file left" '[ -z "$(ls -A "$tmp" | grep tmp-)" ]'

# values equal the Fortran reference (first 40 rows; tests/data/tep-model/reference)
test_data tep-model/reference/idv0_seeddefault.csv
ref=$TEP_TEST_DATA/tep-model/reference/idv0_seeddefault.csv
# (a field that is not a plain number - nan, inf, empty - is a mismatch: awk's NaN compares true)
cmp_ref=$(awk -F, 'NR==FNR { nref = NF; if (FNR > 1) for (i = 3; i <= NF; i++) r[FNR, i] = $i + 0; next }
                   FNR > 1 { for (i = 3; i <= nref; i++) { d = $i - r[FNR, i]; if (d < 0) d = -d;
                             s = r[FNR, i] < 0 ? -r[FNR, i] : r[FNR, i];
                             if ($i !~ /^-?[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?$/ || d > 1e-12 * s) n++; m++ } }
                   END { print n + 0, m + 0 }' "$ref" "$tmp/run.csv")
expect "CLI output equals the Fortran reference (mismatches, values: $cmp_ref)" '[ "$cmp_ref" = "0 2120" ]'

# stdout and determinism
"$TEP" simulate --hours 2 --output - --quiet > "$tmp/stdout.csv"
expect "stdout output identical to file output" 'cmp -s "$tmp/run.csv" "$tmp/stdout.csv"'
"$TEP" simulate --hours 1 --interval 60 --seed 12345 --idv 4 --fault-at 0.5 --output "$tmp/a.csv" --quiet
"$TEP" simulate --hours 1 --interval 60 --seed 12345 --idv 4 --fault-at 0.5 --output "$tmp/b.csv" --quiet
expect "same seed, same bytes" 'cmp -s "$tmp/a.csv" "$tmp/b.csv"'
expect "60 s interval: 60 rows" '[ $(($(wc -l < "$tmp/a.csv") - 1)) -eq 60 ]'
"$TEP" simulate --hours 1 --interval 60 --seed 12346 --idv 4 --fault-at 0.5 --output "$tmp/c.csv" --quiet
expect "other seed, other data" '! cmp -s "$tmp/a.csv" "$tmp/c.csv"'

# Braatz layout: 52 fields of 16 characters
"$TEP" simulate --hours 1 --output "$tmp/run.dat" --quiet
expect ".dat lines are 832 characters" '[ "$(awk "{print length(\$0)}" "$tmp/run.dat" | sort -u)" = "832" ]'

# shutdown reported; --stop-at-shutdown stops
msg=$("$TEP" simulate --idv 6 --hours 16 --output "$tmp/s.csv" 2>&1)
expect "IDV 6 shutdown reported" 'echo "$msg" | grep -q "SHUTDOWN at 13.8[0-9]* h: high reactor pressure"'
"$TEP" simulate --idv 6 --hours 16 --stop-at-shutdown --output "$tmp/s2.csv" --quiet
rows=$(($(wc -l < "$tmp/s2.csv") - 1))
expect "stop at shutdown: rows end at 13.8 h (276 rows)" '[ "$rows" -eq 276 ]'

# --- bad arguments: message and exit code
check_error() { # name, expected exit, pattern, args...
  local name=$1 code=$2 pattern=$3; shift 3
  out=$("$TEP" simulate "$@" 2>&1 >/dev/null); rc=$?
  if [ $rc -eq "$code" ] && echo "$out" | grep -q -- "$pattern"; then pass "$name"; else fail "$name (rc=$rc: $out)"; fi
}
check_error "unknown IDV" 2 "unknown disturbance IDV(25)" --idv 25
check_error "IDV list garbage" 2 "item 2" --idv 1,x
check_error "negative hours" 2 "expected a positive number of hours" --hours -3
check_error "hours not a number" 2 "expected a number" --hours abc
check_error "zero interval" 2 "expected 1..86400" --interval 0
check_error "bad seed" 2 "expected a positive integer" --seed 0
check_error "fractional seed" 2 "expected a positive integer" --seed 1.5
check_error "negative fault time" 2 "expected hours >= 0" --fault-at -1
check_error "unwritable path" 1 "cannot create output file" --output /nonexistent-dir/x.csv
check_error "unknown option" 2 "usage" --frobnicate
check_error "bad format" 2 "expected csv or dat" --format xml --output "$tmp/x"
expect "bad format: no output file" '[ ! -e "$tmp/x" ]'
# arguments are checked before the output is opened: a rejected run makes no file
check_error "bad IDV with a writable output" 2 "unknown disturbance" --idv 25 --output "$tmp/new.csv"
expect "rejected arguments: no output file, no temporary" \
  '[ ! -e "$tmp/new.csv" ] && [ -z "$(ls -A "$tmp" | grep tmp-)" ]'
printf 'keep me\n' > "$tmp/keep.csv"
check_error "bad hours over an existing file" 2 "expected a number" --hours abc --output "$tmp/keep.csv"
expect "rejected arguments: the existing file as it was" '[ "$(cat "$tmp/keep.csv")" = "keep me" ]'
# a run that fails once its output is open (a write fails: an 8 KiB file size limit, SIGXFSZ
# ignored so that write() returns EFBIG) leaves neither a new file nor a temporary (hidden:
# .<name>.tmp-XXXXXX), and an existing file as it was
limited_simulate() { ( trap '' XFSZ; ulimit -f 8; exec "$TEP" simulate --hours 48 --quiet "$@" ) 2>&1 >/dev/null; }
out=$(limited_simulate --output "$tmp/big.csv"); rc=$?
expect "failed write: exit 1 naming the file and the cause" \
  '[ $rc -eq 1 ] && echo "$out" | grep -q "big.csv: write failed: File too large"'
expect "failed run leaves no file and no temporary" \
  '[ ! -e "$tmp/big.csv" ] && [ -z "$(ls -A "$tmp" | grep tmp-)" ]'
out=$(limited_simulate --output "$tmp/keep.csv"); rc=$?
expect "failed write over an existing file: exit 1" '[ $rc -eq 1 ] && echo "$out" | grep -q "File too large"'
expect "failed run leaves the existing file as it was, no temporary" \
  '[ "$(cat "$tmp/keep.csv")" = "keep me" ] && [ -z "$(ls -A "$tmp" | grep tmp-)" ]'

# --- campaign: parallel runs equal single runs
"$TEP" campaign --idv 0,1 --seeds 2 --seed 777 --hours 1 --jobs 2 --out-dir "$tmp/camp" --quiet
expect "campaign exit 0" '[ $? -eq 0 ]'
expect "campaign wrote 4 runs + manifest" '[ $(ls "$tmp/camp" | wc -l) -eq 5 ]'
expect "manifest has 4 runs" '[ $(($(wc -l < "$tmp/camp/campaign.csv") - 1)) -eq 4 ]'
"$TEP" simulate --idv 1 --seed 1000780 --hours 1 --output "$tmp/single.csv" --quiet
expect "campaign run = tep simulate run" 'cmp -s "$tmp/camp/idv01_seed1000780.csv" "$tmp/single.csv"'
out=$("$TEP" campaign --idv 0,99 --out-dir "$tmp/c2" 2>&1); rc=$?
expect "campaign rejects IDV 99" '[ $rc -eq 2 ] && echo "$out" | grep -q "expected IDV numbers"'
out=$("$TEP" campaign --idv 1 2>&1); rc=$?
expect "campaign needs --out-dir" '[ $rc -eq 2 ] && echo "$out" | grep -q "out-dir"'
# the options campaign shares with simulate are checked as simulate checks them
for bad in "--fault-at -1:expected hours >= 0, got -1" "--hours -1:expected a positive number of hours, got -1" \
           "--interval 0:expected 1..86400 seconds, got 0"; do
  out=$("$TEP" campaign --idv 1 --out-dir "$tmp/c3" ${bad%%:*} 2>&1); rc=$?
  expect "campaign ${bad%%:*}: exit 2, '${bad#*:}', nothing written" \
    '[ $rc -eq 2 ] && echo "$out" | grep -qF "${bad#*:}" && [ ! -e "$tmp/c3" ]'
  out=$("$TEP" simulate ${bad%%:*} 2>&1); rc=$?
  expect "simulate ${bad%%:*}: the same message" '[ $rc -eq 2 ] && echo "$out" | grep -qF "${bad#*:}"'
done

finish
