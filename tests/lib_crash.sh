# lib_crash.sh - shared by the crash tests (tests/cli_crash_*.sh, sourced after
# lib_cli.sh): their input, the kill hook, and `kill -9` at seeded random moments.
#
#   crash_hook_build        builds tests/crash_hook.c into $tmp/crash_hook.so ($HOOK)
#   hooked CMD...           runs CMD with the hook preloaded (the TEP_CRASH_* variables
#                           of the caller say where it kills; see crash_hook.c)
#   crash_seed              seeds $RANDOM from TEP_CRASH_SEED (else a fresh seed) and
#                           prints it: TEP_CRASH_SEED=<seed> repeats the same delays
#   crash_inputs DIR        8 simulated runs (faults 0-7, 24 h every 9 s: 9600 rows
#                           each) as Parquet files; a failed simulation ends the test
#                           (exit 1, naming the file)
#   crash_config FILE STORAGE-LINE...
#                           a config reading those files (first pass fitting the
#                           normal-operation model into model/scaler.json when that
#                           file is missing), cleaning, filling, clipping
#                           outliers, normalizing, adding features, storing into the
#                           given storage section
#   time_ms CMD...          runs CMD; $elapsed_ms is its wall time
#   kill_randomly MAX_MS LOG CMD...
#                           runs CMD (output to LOG; give it --log-level info) and
#                           kills it with SIGKILL after a random delay in [0, MAX_MS);
#                           sets kill_delay_ms, kill_rc (137 = killed) and kill_phase
#                           (where the log says it was); phases counts the phases
#   phase_summary           "fit pass 3, run 1/8 2, ..." of the kills so far
crash_hook_build() {
  HOOK=$tmp/crash_hook.so
  cc -O2 -shared -fPIC -o "$HOOK" "$src/tests/crash_hook.c" -ldl
}

hooked() {
  # an ASan build wants its runtime first; the hook only wraps libc calls
  env LD_PRELOAD="$HOOK" ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" "$@"
}

crash_seed() {
  crash_seed_value=${TEP_CRASH_SEED:-$(( $(date +%s%N) % 1000000007 ))}
  RANDOM=$crash_seed_value
  echo "random kill moments: seed $crash_seed_value (TEP_CRASH_SEED=$crash_seed_value repeats them)"
}

crash_inputs() {
  mkdir -p "$1"
  local i pids=() pid rc
  for i in 0 1 2 3 4 5 6 7; do # two at a time; each job's exit status is checked
    "$TEP" simulate --idv "$i" --hours 24 --interval 9 --seed $((7 + i)) \
      --output "$1/run$i.parquet" --quiet &
    pids+=("$!:$1/run$i.parquet")
    [ $((i % 2)) = 1 ] || continue
    for pid in "${pids[@]}"; do
      wait "${pid%%:*}"
      rc=$?
      if [ $rc -ne 0 ]; then
        echo "FAIL: crash_inputs: tep simulate for ${pid#*:} failed (exit $rc)"
        exit 1
      fi
    done
    pids=()
  done
}

crash_config() {
  local file=$1
  shift
  {
    printf 'data:\n  input_dir: %s\n  file_format: parquet\n  output_dir: model\n  chunk_rows: 2048\n' \
      "$tmp/in"
    printf 'preprocessing:\n  steps:\n'
    printf '    - clean: {sort: true, dedupe: true}\n'
    printf '    - missing: {method: ffill, max_gap: 10}\n'
    printf '    - outliers: {method: mad, threshold: 6, action: clip}\n'
    printf '    - normalize: {method: zscore, fit_on: normal}\n'
    printf '    - features: {rolling: [20], stats: [mean], diff: [1]}\n'
    printf 'storage:\n'
    printf '  %s\n' "$@"
  } >"$file"
}

time_ms() {
  local t0 t1
  t0=$(date +%s%N)
  "$@"
  local rc=$?
  t1=$(date +%s%N)
  elapsed_ms=$(((t1 - t0) / 1000000))
  return $rc
}

declare -A phases
kill_randomly() {
  local max=$1 log=$2 pid
  shift 2
  kill_delay_ms=$(((RANDOM * 32768 + RANDOM) % max))
  "$@" >"$log" 2>&1 &
  pid=$!
  sleep "$(printf '%d.%03d' $((kill_delay_ms / 1000)) $((kill_delay_ms % 1000)))"
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  kill_rc=$?
  local runs last
  runs=$(grep -c '\[pipeline\] run .*: started' "$log")
  last=$(grep -E 'fitting the normal-operation model|fitted the normal-operation model|\[pipeline\] run .*: (started|[0-9]+ rows read)' "$log" | tail -1)
  if [ "$kill_rc" -ne 137 ]; then
    kill_phase="after the end (exit $kill_rc)"
  elif [[ $last == *"fitting the normal-operation model"* ]]; then
    kill_phase="fit pass (reading)"
  elif [[ $last == *": started"* ]]; then
    kill_phase="run $runs: read/prep/store/commit"
  elif [[ $last == *"rows read"* ]]; then
    kill_phase="between runs (run $runs done)"
  else
    kill_phase="start-up (stores, model)"
  fi
  phases[$kill_phase]=$((${phases[$kill_phase]:-0} + 1))
}

phase_summary() {
  local p out=""
  for p in "${!phases[@]}"; do out+="$p: ${phases[$p]}; "; done
  printf '%s\n' "${out%; }"
}

# The verdict of a loop of random kills into a store: every kill checked, and at least a
# third of them interrupted a run (else the kills missed the runs). Uses $kills,
# $interrupted, $checked and $stored_counts (runs in the store after each kill).
random_kills_verdict() {
  echo "kill phases: $(phase_summary)"
  echo "runs in the store after each kill: $stored_counts"
  expect "$kills random kills ($interrupted interrupted a run): the store intact after each ($checked checked)" \
    '[ $checked -eq $kills ] && [ $((interrupted * 3)) -ge "$kills" ]'
}
