#!/usr/bin/env bash
# bench.sh - run the benchmarks in bench/ and print figures and ratios.
# Peers measured in the same run when available:
#   TEP_FORTRAN_REF=/path/to/binary  a locally built Fortran reference (teprob.f +
#     temain_mod.f); it is never part of this repository. It writes its
#     output files to a folder named "~" in its working directory.
set -euo pipefail
build=${1:-build}
cmake --build "$build" --target bench_sim -j 2 >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "== simulator"
out=$("$build/bench/bench_sim" 7 "$tmp/campaign")
echo "$out" | grep -v '^BENCH'
c_time=$(echo "$out" | sed -n 's/^BENCH sim_48h_s=\([0-9.]*\).*/\1/p')
cli_t0=$(date +%s.%N)
"$build/tep" simulate --idv 1 --output "$tmp/cli.csv" --quiet
cli_t1=$(date +%s.%N)
echo "tep simulate 48 h to CSV (whole process, including writing): $(awk -v a="$cli_t0" -v b="$cli_t1" 'BEGIN{printf "%.3f", b-a}') s"
if [ -n "${TEP_FORTRAN_REF:-}" ] && [ -x "$TEP_FORTRAN_REF" ]; then
  best=999
  for i in 1 2 3; do
    d=$(mktemp -d "$tmp/f.XXXX"); mkdir -p "$d/~"
    t0=$(date +%s.%N); (cd "$d" && "$TEP_FORTRAN_REF" >/dev/null); t1=$(date +%s.%N)
    best=$(awk -v a="$t0" -v b="$t1" -v m="$best" 'BEGIN{t=b-a; print (t<m)?t:m}')
  done
  awk -v f="$best" -v c="$c_time" 'BEGIN{printf "Fortran reference 48 h (best of 3, whole process): %.3f s\nratio Fortran / tep (one core, 48 h): %.1fx\n", f, f/c}'
else
  echo "(set TEP_FORTRAN_REF to a locally built Fortran reference binary to compare in the same run)"
fi
