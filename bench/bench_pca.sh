#!/usr/bin/env bash
# bench_pca.sh - PCA monitoring speed: tep (C, OpenBLAS/LAPACK) vs scikit-learn on the same data.
#
# Generates ROWS x 52 reproducible correlated samples (default 1,000,000) into a binary file,
# times tep's fit + T^2/Q scoring of every row and its one-sample streaming scorer, then the
# same work in scikit-learn + numpy, and prints the ratio. Both sides use the same OpenBLAS;
# OPENBLAS_NUM_THREADS defaults to 1 here (a shared machine) and is printed. Uses the Debian
# /usr/bin/python3 (numpy, scipy, sklearn), not a `python3` from PATH.
# Usage: bench/bench_pca.sh [ROWS] [BUILD_DIR]   (from the repository root)
set -euo pipefail
ROWS=${1:-1000000}
BUILD=${2:-build}
HERE=$(cd "$(dirname "$0")" && pwd)
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
PY=/usr/bin/python3

cmake --build "$BUILD" --target bench_pca -j1 >/dev/null
WORK=$(mktemp -d "${TMPDIR:-/tmp}/bench_pca.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

echo "OPENBLAS_NUM_THREADS=$OPENBLAS_NUM_THREADS OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}"
"$BUILD/bench/bench_pca" gen "$WORK/data.f64" "$ROWS"
TEP_OUT=$("$BUILD/bench/bench_pca" run "$WORK/data.f64" "$WORK/tep_t2q.f64")
echo "$TEP_OUT" | grep -v '^TEP_'
SK_OUT=$("$PY" "$HERE/bench_pca_sklearn.py" "$WORK/data.f64" "$WORK/tep_t2q.f64")
echo "$SK_OUT" | grep -v '^SKLEARN_'

tep=$(echo "$TEP_OUT" | awk '/^TEP_TOTAL_S/ {print $2}')
full=$(echo "$SK_OUT" | awk '/^SKLEARN_FULL_TOTAL_S/ {print $2}')
auto=$(echo "$SK_OUT" | awk '/^SKLEARN_AUTO_TOTAL_S/ {print $2}')
awk -v t="$tep" -v f="$full" -v a="$auto" 'BEGIN {
    printf "ratio (fit + score of all rows): sklearn full / tep = %.1fx, ", f / t
    printf "sklearn auto / tep = %.1fx\n", a / t }'
