#!/usr/bin/env bash
# cli_test_data.sh - the reference data the tests compare against are what tests/data says they
# are: every file the build decompressed into $TEP_TEST_DATA (tests/tools/unzstd.c) matches
# tests/data/SHA256SUMS (the SHA-256 of the original files, see tests/data/README.md), every
# tests/data/**/*.zst is listed there, and the Braatz files also match the data set's own
# SHA256SUMS. The decompressor itself rejects a damaged or truncated file, leaving no output,
# and gives its output the mode of a created file (0666 & ~umask).
. "$(dirname "$0")/lib_cli.sh"
src=${TEP_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
build=${TEP_BUILD_DIR:-$src/build}
data=$src/tests/data
test_data SHA256SUMS braatz/SHA256SUMS

zst=$(cd "$data" && find . -name '*.zst' | sed 's|^\./||; s|\.zst$||' | LC_ALL=C sort)
listed=$(awk '{ print $2 }' "$data/SHA256SUMS" | LC_ALL=C sort)
# 51 reference files, and the outputs cli_golden.sh recorded (golden/, it keeps their list)
golden=$(echo "$zst" | grep -c '^golden/')
expect "every tests/data/**/*.zst is listed in SHA256SUMS (51 reference files + $golden golden outputs)" \
  '[ "$zst" = "$listed" ] && [ "$(echo "$zst" | grep -vc "^golden/")" -eq 51 ] && [ "$golden" -gt 0 ]'
out=$(cd "$TEP_TEST_DATA" && sha256sum -c --strict SHA256SUMS 2>&1); rc=$?
expect "every decompressed file matches tests/data/SHA256SUMS" '[ $rc -eq 0 ] && [ "$(echo "$out" | grep -c ": OK$")" -eq $((51 + golden)) ]'
echo "$out" | grep -v ": OK$" | head -5
out=$(cd "$TEP_TEST_DATA/braatz" && sha256sum -c --strict SHA256SUMS 2>&1); rc=$?
expect "the 44 Braatz files match the data set's SHA256SUMS" '[ $rc -eq 0 ] && [ "$(echo "$out" | grep -c ": OK$")" -eq 44 ]'

# the build's decompressor: exact bytes, and clear errors without output for bad input
unzstd=$build/tests/tep_unzstd
"$unzstd" "$data/published/pca_xiao_kordon_sen_2023.csv.zst" "$tmp/pub.csv"
expect "tep_unzstd: exit 0, the published table byte for byte" \
  '[ $? -eq 0 ] && cmp -s "$tmp/pub.csv" "$TEP_TEST_DATA/published/pca_xiao_kordon_sen_2023.csv"'
( umask 022 && "$unzstd" "$data/published/pca_xiao_kordon_sen_2023.csv.zst" "$tmp/pub644.csv" )
( umask 027 && "$unzstd" "$data/published/pca_xiao_kordon_sen_2023.csv.zst" "$tmp/pub640.csv" )
expect "tep_unzstd: the output has the mode of a created file (0644 under umask 022, 0640 under 027)" \
  '[ "$(stat -c %a "$tmp/pub644.csv") $(stat -c %a "$tmp/pub640.csv")" = "644 640" ]'
head -c 300 "$data/tep-model/reference/idv0_seeddefault.csv.zst" > "$tmp/cut.zst"
out=$("$unzstd" "$tmp/cut.zst" "$tmp/cut.csv" 2>&1); rc=$?
expect "tep_unzstd: a truncated file is an error naming it, no output left" \
  '[ $rc -eq 1 ] && echo "$out" | grep -q "cut.zst: truncated" && [ -z "$(ls "$tmp" | grep "^cut.csv")" ]'
printf 'not zstd at all\n' > "$tmp/bad.zst"
out=$("$unzstd" "$tmp/bad.zst" "$tmp/bad.csv" 2>&1); rc=$?
expect "tep_unzstd: not zstd data is an error naming the file ($out)" \
  '[ $rc -eq 1 ] && echo "$out" | grep -q "bad.zst: " && [ -z "$(ls "$tmp" | grep "^bad.csv")" ]'
finish
