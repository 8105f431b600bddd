# lib_cli.sh - shared by the tests/cli_*.sh scripts (source it first). Conventions, for new
# tests too:
# - $TEP is the tep binary, $tmp a scratch folder removed on exit (a script that sets its own
#   EXIT trap removes it there).
# - `expect NAME 'condition'` (or pass NAME / fail NAME) counts one check; end the script with
#   `finish`, which prints "N passed, N failed" and fails when a check failed or none ran.
# - `skip "reason"` is the only way to skip: it prints "SKIP: reason" and exits 77, or exits 1
#   when a check already failed. Never print "skip" and go on: a comparison that cannot run
#   is a skip or a failure. With CI=true a skip fails unless tests/skip-allowed.txt lists
#   the test (tests/tools/run_test.sh enforces both).
# - Reference files shipped in tests/data are decompressed by the build into $TEP_TEST_DATA
#   (absolute): use "$TEP_TEST_DATA/braatz/d00.dat" after `test_data braatz/d00.dat ...`,
#   which ends the test with exit 1 when one is missing (never a skip).
# - Tests never install packages (no apt-get, npm install): `make test` / .ci/run do that
#   through scripts/install-deps.sh, scripts/services.sh install and scripts/node-deps.sh.
set -u
TEP=${TEP:-build/tep}
TEP_TEST_DATA=${TEP_TEST_DATA:-${TEP_BUILD_DIR:-build}/testdata}
case $TEP_TEST_DATA in /*) ;; *) TEP_TEST_DATA=$PWD/$TEP_TEST_DATA ;; esac
tmp=$(mktemp -d) && [ -d "$tmp" ] || { echo "FAIL: cannot make a scratch folder (mktemp -d)"; exit 1; }
trap 'rm -rf "$tmp"' EXIT
fails=0
passes=0
pass() { echo "ok   $1"; passes=$((passes + 1)); }
fail() { echo "FAIL $1"; fails=$((fails + 1)); }
expect() { if eval "$2"; then pass "$1"; else fail "$1"; fi; }
skip() {
  if [ "$fails" -gt 0 ]; then
    echo "FAIL: skip after $fails failed check(s) is a failure: $*"
    echo "$passes passed, $fails failed"
    exit 1
  fi
  [ "$passes" -gt 0 ] && echo "$passes passed before the skip"
  echo "SKIP: $*"
  exit 77
}
test_data() {
  local rel
  for rel in "$@"; do
    if [ ! -f "$TEP_TEST_DATA/$rel" ]; then
      echo "FAIL: reference file $TEP_TEST_DATA/$rel is missing: the build puts" \
        "tests/data/$rel(.zst) there (cmake --build <build dir>, target test_data)"
      exit 1
    fi
  done
}
finish() {
  echo "$passes passed, $fails failed"
  if [ $((passes + fails)) -eq 0 ]; then
    echo "FAIL: no check ran (a test must check something)"
    return 1
  fi
  [ "$fails" -eq 0 ]
}
