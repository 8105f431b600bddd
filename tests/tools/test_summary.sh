#!/usr/bin/env bash
# test_summary.sh BUILD_DIR - printed by `make test` / `make asan` after ctest: the skip
# allow-list (tests/skip-allowed.txt) and the tests that skipped in this run, with their
# reasons (recorded by tests/tools/run_test.sh in BUILD_DIR/test-results/*.skipped).
set -u
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:?usage: test_summary.sh BUILD_DIR}
echo "---- skip allow-list (tests/skip-allowed.txt; with CI=true any other skip fails):"
allowed=$(grep -Ev '^[[:space:]]*(#|$)' "$src/tests/skip-allowed.txt" 2>/dev/null)
if [ -n "$allowed" ]; then printf '  %s\n' "$allowed"; else echo "  (empty)"; fi
shopt -s nullglob
skipped=("$build"/test-results/*.skipped)
echo "---- tests skipped in this run: ${#skipped[@]}"
for f in "${skipped[@]}"; do sed 's/^/  /' "$f"; done
exit 0
