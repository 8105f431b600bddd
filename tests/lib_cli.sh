# lib_cli.sh - shared by the tests/cli_*.sh scripts: the tep binary ($TEP), a scratch
# folder ($tmp, removed on exit), pass/fail counting with `expect NAME 'condition'`, and
# `finish`, which prints the closing "N passed, N failed" line and sets the exit status.
set -u
TEP=${TEP:-build/tep}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
passes=0
pass() { echo "ok   $1"; passes=$((passes + 1)); }
fail() { echo "FAIL $1"; fails=$((fails + 1)); }
expect() { if eval "$2"; then pass "$1"; else fail "$1"; fi; }
finish() {
  echo "$passes passed, $fails failed"
  [ "$fails" -eq 0 ]
}
