#!/usr/bin/env bash
# cli_crash_lake.sh - crashes of `tep run` into the local Parquet lake: a run appears to
# readers whole or not at all (issue 9, bug 2: a kill between two partition renames
# left half a run visible).
#
# (a) Kills at EVERY rename (tests/crash_hook.c) of: the publish of d01_te.dat (rows of
#     fault 0, then 1) into a new lake; its re-publish with changed features (other
#     columns); the re-publish of a CSV run whose run fault changes (3 -> 5) beside a run
#     that stays. After each kill DuckDB (tests/node/crash_check.mjs) reads the lake as
#     one Hive-partitioned glob: every visible run is exactly the old or the new version,
#     never a mix, and the runs table names no run whose rows are absent nor a version
#     other than the visible one; then a rerun ends equal to a clean store of the new
#     version (no old rows beside new ones) with no work folder left. A rename that
#     fails (EIO) instead: exit 1 naming the file, the lake byte for byte as before.
# (c) Two writers publish the same run at once (one paused by the hook just before its
#     last rename): publishes take turns, the run ends whole with its own runs row.
# (b) TEP_CRASH_KILLS (default 24) kills at seeded random moments (seed printed) over
#     runs of 8 Parquet inputs with five preprocessing steps; after each the same
#     checks against a clean store, and tep's own Parquet reader reads every visible
#     part file (as many rows as DuckDB sees); finally a rerun equals the clean store.
# Needs node with @duckdb/node-api (tests/node); exits 77 with a message without them.
set -u
src=${TEP_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
. "$src/tests/lib_cli.sh"
. "$src/tests/lib_crash.sh"
case $TEP in /*) ;; *) TEP=$PWD/$TEP ;; esac
node_dir=$src/tests/node
if ! command -v node >/dev/null 2>&1 || [ ! -d "$node_dir/node_modules/@duckdb/node-api" ]; then
  skip "node with @duckdb/node-api (scripts/node-deps.sh) is needed to read the lake as DuckDB does"
fi
command -v cc >/dev/null || { echo "FAIL: cc is needed to build the kill hook"; exit 1; }
cd "$tmp" || exit 1
started=$(date +%s)
crash_check() { node "$node_dir/crash_check.mjs" "$@"; }
tree_sums() { (cd "$1" && find . -type f | LC_ALL=C sort | xargs -r -d '\n' sha256sum); }
crash_hook_build
expect "the kill hook builds (cc -shared)" '[ -f "$HOOK" ]'

# ======================= (a) a kill at every rename of a publish =====================
mkdir raw_dat raw_csv
"$TEP" simulate --idv 1 --hours 48 --format dat --output raw_dat/d01_te.dat --quiet
lake_config() { # file input-dir format steps...
  local file=$1 dir=$2 format=$3
  shift 3
  {
    printf 'data:\n  input_dir: %s/%s\n  file_format: %s\n  output_dir: out\n' "$tmp" "$dir" "$format"
    printf 'preprocessing:\n  steps:\n'
    printf '    - %s\n' "$@"
    printf 'storage:\n  type: parquet\n  path: lake\n  codec: snappy\n'
  } >"$file"
}
lake_config dat_v1.yaml raw_dat dat "clean: {sort: true, dedupe: true}"
lake_config dat_v2.yaml raw_dat dat "clean: {sort: true, dedupe: true}" "features: {rolling: [5], stats: [mean], diff: [1]}"
csv_run() { # file fault
  awk -v f="$2" 'BEGIN { print "sample,fault,xmeas_1,xmeas_2"; for (i = 1; i <= 300; i++) printf "%d,%d,%.3f,%.3f\n", i, (i > 100 ? f : 0), i * 0.5, 1000 - i }' >"$1"
}
csv_run raw_csv/c.csv 3
csv_run raw_csv/x.csv 2
lake_config csv.yaml raw_csv csv "clean: {sort: true, dedupe: true}"

mkdir empty && mkdir empty/lake # state: no lake yet
# A state folder holds lake/ (and out/); `run_in DIR CONFIG [env...]` stores CONFIG there.
run_in() { # dir config env...
  local dir=$1 conf=$2
  shift 2
  cp "$conf" "$dir/run.yaml"
  (cd "$dir" && env "$@" "$TEP" run -c run.yaml --quiet --log-level warn)
}
hooked_run_in() { # dir config env...
  local dir=$1 conf=$2
  shift 2
  cp "$conf" "$dir/run.yaml"
  (cd "$dir" && hooked env "$@" "$TEP" run -c run.yaml --quiet --log-level warn)
}
fresh() { rm -rf trial && cp -a "$1" trial; } # trial := a copy of state $1

# every_rename NAME FROM CONFIG: kills and failures at every rename of storing CONFIG
# into the lake of state FROM (which becomes NAME.new, stored cleanly)
every_rename() {
  local name=$1 from=$2 conf=$3 n k rc out problems=0 failed=0
  rm -rf "$name.new" && cp -a "$from" "$name.new"
  run_in "$name.new" "$conf" || fail "$name: clean store exits 0"
  crash_check digest "$from/lake" "$name.old.json" >/dev/null &&
    crash_check digest "$name.new/lake" "$name.new.json" >/dev/null || fail "$name: digests"
  fresh "$from"
  rm -f "$name.renames"
  hooked_run_in trial "$conf" TEP_CRASH_LOG="$tmp/$name.renames"
  n=$(wc -l <"$name.renames")
  echo "--- $name: $n renames"
  sed 's/^/      /; s|'"$tmp"'/||g' "$name.renames"
  for k in $(seq 1 "$n"); do
    fresh "$from"
    hooked_run_in trial "$conf" TEP_CRASH_KILL_AT="$k" >/dev/null 2>&1
    rc=$?
    if ! out=$(crash_check check trial/lake "$name.old.json" "$name.new.json" 2>&1); then
      fail "$name: kill at rename $k (exit $rc): $out"
      problems=$((problems + 1))
      continue
    fi
    echo "      kill at rename $k (exit $rc): $out"
    run_in trial "$conf"
    if ! out=$(crash_check same trial/lake "$name.new.json" 2>&1) || [ -n "$(ls -A trial/lake/_staging)" ]; then
      fail "$name: rerun after the kill at rename $k: $out; work folders: $(ls trial/lake/_staging)"
      problems=$((problems + 1))
    fi
  done
  expect "$name: a kill at each of the $n renames leaves every run whole (old or new), no runs row without its rows; a rerun = the clean store" \
    '[ "$n" -ge 4 ] && [ $problems -eq 0 ]'
  local run state
  for k in $(seq 1 "$n"); do
    fresh "$from"
    tree_sums trial/lake >before.txt
    out=$(hooked_run_in trial "$conf" TEP_CRASH_FAIL_AT="$k" 2>&1)
    rc=$?
    run=$(sed -n 's/^tep run: error: .*: run \([^:]*\): .*Input\/output error$/\1/p' <<<"$out")
    tree_sums trial/lake >after.txt
    # the run that failed is byte for byte as before (runs stored before it stay stored)
    state=$(diff <(grep -F "/run=$run/" before.txt) <(grep -F "/run=$run/" after.txt) >/dev/null && echo "as before" || echo CHANGED)
    if [ $rc -ne 1 ] || [ -z "$run" ] || [ "$state" != "as before" ] || [ -n "$(ls -A trial/lake/_staging)" ] ||
      ! crash_check check trial/lake "$name.old.json" "$name.new.json" >/dev/null; then
      fail "$name: rename $k fails: exit $rc, run '$run' $state: $out"
      failed=$((failed + 1))
    fi
  done
  expect "$name: a failing rename (each of $n): exit 1 naming the run and the error, that run byte for byte as before, no work folder" \
    '[ $failed -eq 0 ]'
}
every_rename publish empty dat_v1.yaml
every_rename republish_features publish.new dat_v2.yaml
# the CSV run c.csv: run fault 3, then 5 (x.csv stays as it is)
fresh empty && run_in trial csv.yaml && rm -rf csv_v1 && mv trial csv_v1
csv_run raw_csv/c.csv 5
every_rename republish_run_fault csv_v1 csv.yaml
expect "the run fault moved: c.csv in run_fault=5 only, x.csv untouched" \
  '[ -d republish_run_fault.new/lake/tep_processed/run_fault=5/run=c.csv ] && [ ! -e republish_run_fault.new/lake/tep_processed/run_fault=3/run=c.csv ] &&
   cmp -s csv_v1/lake/tep_processed/run_fault=2/run=x.csv/part-0000.parquet republish_run_fault.new/lake/tep_processed/run_fault=2/run=x.csv/part-0000.parquet'

# ======================= (c) two publishers of the same run at once ==================
# A stores d01_te.dat's first version and pauses 2 s before its last rename (its runs
# row); B stores the second version meanwhile. Publishes take turns (a lock), so the
# run ends whole as B's version with B's runs row.
fresh publish.new
cp dat_v1.yaml trial/a.yaml
cp dat_v2.yaml trial/b.yaml
(cd trial && hooked env TEP_CRASH_PAUSE_AT=5 "$TEP" run -c a.yaml --quiet --log-level warn) &
publisher_a=$!
sleep 1
(cd trial && "$TEP" run -c b.yaml --quiet --log-level warn)
rc_b=$?
wait $publisher_a
rc_a=$?
out=$(crash_check check trial/lake republish_features.old.json republish_features.new.json 2>&1)
expect "two publishers at once: both exit 0 ($rc_a, $rc_b), the run whole with its own runs row ($out)" \
  '[ $rc_a -eq 0 ] && [ $rc_b -eq 0 ] && crash_check check trial/lake republish_features.old.json republish_features.new.json >/dev/null'
out=$(crash_check same trial/lake republish_features.new.json 2>&1)
expect "two publishers at once: the later publisher's version ($out)" '[ $? -eq 0 ]'

# ======================= (b) kills at random moments ==================================
echo "--- random kills"
crash_seed
crash_inputs in
mkdir ref crash
crash_config ref/run.yaml "type: parquet" "path: lake"
cp ref/run.yaml crash/run.yaml
cd ref || exit 1
"$TEP" run -c run.yaml --quiet --log-level warn
expect "clean reference store exits 0" '[ $? -eq 0 ]'
time_ms "$TEP" run -c run.yaml --quiet --log-level warn
duration=$elapsed_ms
out=$(crash_check digest lake ../ref.json)
expect "reference: 8 runs, 76800 rows ($out)" '[ "$out" = "8 runs, 76800 rows, 8 runs rows" ]'
cd ../crash || exit 1
echo "a clean rerun takes $duration ms"
printf 'data:\n  input_dir: lake/tep_processed\n  pattern: "*/*/*.parquet"\n  file_format: parquet\n  ignore_unknown_columns: true\n  output_dir: readback_out\npreprocessing:\n  steps: []\nstorage:\n  type: sqlite\n  connection_string: readback.db\n' >readback.yaml
kills=${TEP_CRASH_KILLS:-24}
max_delay=$((duration + 50))
problems=0
interrupted=0
for i in $(seq 1 "$kills"); do
  [ $((i % 3)) = 0 ] && rm -rf lake
  [ $((i % 4)) = 1 ] && rm -rf model
  kill_randomly "$max_delay" ../kill.log "$TEP" run -c run.yaml --log-level info
  [ "$kill_rc" = 137 ] && interrupted=$((interrupted + 1))
  if ! out=$(crash_check check lake ../ref.json 2>&1); then
    fail "random kill $i after $kill_delay_ms ms ($kill_phase): $out"
    problems=$((problems + 1))
    continue
  fi
  visible=$(find lake/tep_processed -name '*.parquet' 2>/dev/null | wc -l)
  if [ "$visible" -gt 0 ]; then
    rm -f readback.db
    read_out=$("$TEP" run -c readback.yaml --log-level warn 2>&1)
    total=$(crash_check digest lake /dev/null | sed 's/.* runs, \([0-9]*\) rows.*/\1/')
    if ! grep -q "tep run: .* $total rows stored" <<<"$read_out"; then
      fail "random kill $i: tep's Parquet reader on the $visible visible parts ($total rows for DuckDB): $read_out"
      problems=$((problems + 1))
    fi
  fi
  echo "      kill $i after $kill_delay_ms ms ($kill_phase): $out"
done
echo "kill phases: $(phase_summary)"
expect "$kills random kills ($interrupted interrupted a run): every visible run whole, runs rows with their rows, every part readable by tep" \
  '[ $problems -eq 0 ] && [ $((interrupted * 3)) -ge "$kills" ]'
"$TEP" run -c run.yaml --quiet --log-level warn
expect "rerun after the kills exits 0" '[ $? -eq 0 ]'
out=$(crash_check same lake ../ref.json 2>&1)
expect "rerun = the clean store ($out)" '[ $? -eq 0 ]'
expect "no work folder or temporary file left" '[ -z "$(ls -A lake/_staging)" ] && [ -z "$(find lake -name "*.tmp*")" ]'
echo "wall time: $(($(date +%s) - started)) s"
finish
