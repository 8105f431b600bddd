#!/usr/bin/env bash
# fuzz.sh - build and run the libFuzzer targets of tests/fuzz (clang, ASan + UBSan + LSan).
#
#   scripts/fuzz.sh build               configure and build $FUZZ_BUILD (default build-fuzz/)
#   scripts/fuzz.sh run [TARGET...]     fuzz each target for FUZZ_SECONDS (default 300), one
#                                       after another (make fuzz)
#   scripts/fuzz.sh ci                  replay every seed corpus, then fuzz each target for
#                                       FUZZ_SECONDS (default 60) (make fuzz-ci)
#   scripts/fuzz.sh replay [TARGET...]  replay the seed corpora only (a single input: run
#                                       $FUZZ_BUILD/fuzz/fuzz_<target> FILE)
#   scripts/fuzz.sh seeds               regenerate the seed corpora in tests/fuzz/corpus
# Targets: csv ndjson braatz parquet_file parquet_pages thrift config numparse model_json scaler
# (default: all).
# Seeds are read from tests/fuzz/corpus/<target> (never written); inputs the fuzzer finds go to
# $FUZZ_BUILD/corpus/<target>, crashes, leaks, timeouts and out-of-memory inputs to
# $FUZZ_BUILD/artifacts/<target>/. The summary gives per target the executions, executions per
# second, seconds, coverage (cov: edges, ft: features) and the result; the exit status is 1
# when any target failed.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${FUZZ_BUILD:-build-fuzz}
all_targets=(csv ndjson braatz parquet_file parquet_pages thrift config numparse model_json scaler)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

build_targets() {
  scripts/install-deps.sh fuzz
  CC=clang-14 cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DTEP_FUZZ=ON >/dev/null
  cmake --build "$build" --target fuzz_targets -j "${JOBS:-2}" >/dev/null
}

# libFuzzer options of a target: its dictionary when there is one.
target_options() {
  local t=$1 opts=(-timeout=10 -rss_limit_mb=2048 -print_final_stats=1)
  [ -f "tests/fuzz/$t.dict" ] && opts+=("-dict=tests/fuzz/$t.dict")
  echo "${opts[@]}"
}

summary=()
failed=0

# Replay the seeds of target $1 once each (and nothing else).
replay() {
  local t=$1
  local log="$build/logs/replay_$t.log"
  mkdir -p "$build/logs"
  # shellcheck disable=SC2046
  if "$build/fuzz/fuzz_$t" $(target_options "$t") -runs=0 "tests/fuzz/corpus/$t" >"$log" 2>&1; then
    summary+=("$(printf '%-14s replay of %s seeds: ok' "$t" "$(ls "tests/fuzz/corpus/$t" | wc -l)")")
  else
    summary+=("$(printf '%-14s replay FAILED (see %s)' "$t" "$log")")
    tail -n 40 "$log" >&2
    failed=1
  fi
}

# The last text matching regex $1 in file $2 ("" when none: never a failure, which under
# set -e -o pipefail would end the script before the summary).
last_match() { grep -o -- "$1" "$2" | tail -n 1 || true; }

# Fuzz target $1 for $2 seconds.
fuzz() {
  local t=$1 seconds=$2 rc=0
  local log="$build/logs/fuzz_$t.log"
  mkdir -p "$build/logs" "$build/corpus/$t" "$build/artifacts/$t"
  echo "fuzzing $t for $seconds s ..." >&2
  local started=$SECONDS
  # shellcheck disable=SC2046
  "$build/fuzz/fuzz_$t" $(target_options "$t") -max_total_time="$seconds" \
    -artifact_prefix="$build/artifacts/$t/" "$build/corpus/$t" "tests/fuzz/corpus/$t" \
    >"$log" 2>&1 || rc=$?
  local elapsed=$((SECONDS - started))
  # a target that died early printed no stats: "?" in the summary, never an abort here
  local execs rate cov ft corp
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(last_match 'cov: [0-9]*' "$log" | cut -d' ' -f2)
  ft=$(last_match 'ft: [0-9]*' "$log" | cut -d' ' -f2)
  corp=$(last_match 'corp: [0-9]*/[0-9]*[a-zA-Z]*' "$log" | cut -d' ' -f2)
  local result=ok
  if [ "$rc" -ne 0 ]; then
    result="FAILED: $(grep -m1 -o 'ERROR: [A-Za-z]*: [^ ]*\|deadly signal\|out-of-memory\|timeout\|fuzz harness: .*\|numparse: .*' "$log" || echo "exit $rc"); input: $(last_match 'Test unit written to .*' "$log" | sed 's/Test unit written to //')"
    tail -n 60 "$log" >&2
    failed=1
  fi
  summary+=("$(printf '%-14s %12s execs %8s/s %5s s  cov %6s  ft %7s  corpus %-12s %s' "$t" \
    "${execs:-?}" "${rate:-?}" "$elapsed" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$result")")
}

mode=${1:-run}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all_targets[@]}")
case "$mode" in
build) build_targets ;;
seeds)
  build_targets
  "$build/fuzz/make_seeds" .
  tests/fuzz/text_seeds.sh
  ;;
run)
  build_targets
  for t in "${targets[@]}"; do fuzz "$t" "${FUZZ_SECONDS:-300}"; done
  ;;
ci)
  build_targets
  for t in "${all_targets[@]}"; do replay "$t"; done
  for t in "${all_targets[@]}"; do fuzz "$t" "${FUZZ_SECONDS:-60}"; done
  ;;
replay)
  build_targets
  for t in "${targets[@]}"; do replay "$t"; done
  ;;
*)
  sed -n '2,18p' "$0" >&2
  exit 2
  ;;
esac
for line in "${summary[@]}"; do echo "$line"; done
exit "$failed"
