#!/usr/bin/env bash
# run_test.sh NAME COMMAND... - how ctest runs every tests/test_*.c and tests/cli_*.sh.
# Runs COMMAND (its output passes through and is kept in $TEP_BUILD_DIR/test-results/NAME.log)
# and returns its exit status, with two rules on top:
# - exit 77 (skip) must come with a line "SKIP: reason" (C tests: SKIP() in check.h; shell
#   tests: `skip` in lib_cli.sh); a 77 without one is a failure. The reason is recorded in
#   test-results/NAME.skipped for tests/tools/test_summary.sh.
# - with CI=true (or 1/yes) a skip is a failure unless tests/skip-allowed.txt has a line
#   "NAME: reason" for this test.
# TEP_NO_INSTALL=1 is exported: helpers the tests call (scripts/services.sh) install nothing.
set -u
name=$1
shift
src=${TEP_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
results=${TEP_BUILD_DIR:-.}/test-results
mkdir -p "$results"
log=$results/$name.log
rm -f "$results/$name.skipped"
export TEP_NO_INSTALL=1 # tests install nothing (scripts/services.sh honours it)

"$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
[ "$rc" -eq 77 ] || exit "$rc"

reason=$(grep -a '^SKIP: ' "$log" | tail -1 | sed 's/^SKIP: //')
if [ -z "$reason" ]; then
    echo "FAIL: $name exited 77 (skip) without a 'SKIP: reason' line"
    exit 1
fi
echo "$name: $reason" > "$results/$name.skipped"
case ${CI:-} in
    true | 1 | yes)
        allowed=$(grep -E "^$name:" "$src/tests/skip-allowed.txt" 2>/dev/null | head -1)
        if [ -z "$allowed" ]; then
            echo "FAIL: $name skipped with CI=$CI and is not in tests/skip-allowed.txt ($reason)"
            exit 1
        fi
        echo "skip allowed in CI: $allowed"
        ;;
esac
exit 77
